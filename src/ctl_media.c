/* ctl_media.c: "media": the relay as a whole, per relay thread too. */
#include "config.h"

#include <stdio.h>

#include "ctl.h"
#include "daemon.h"
#include "relay.h"
#include "util.h"

/* Daemon side: the relay's totals; the field names are the contract. */
static json_t *
ctl_media_exec(struct daemon *d, int argc, char **argv, char **error)
{
	struct relay_stats		 st;
	struct relay_thread_stats	 ts;
	json_t				*threads = json_array();
	unsigned			 i;

	(void)argc;
	(void)argv;
	if (d->relay == NULL) {
		*error = xstrdup("the media relay is not running");
		return NULL;
	}
	relay_stats(d->relay, &st);
	for (i = 0; i < st.threads; i++)
		if (relay_thread_stats(d->relay, i, &ts) == 0)
			json_array_append_new(threads, json_pack(
			    "{s:I, s:I, s:I}",
			    "id", (json_int_t)ts.id,
			    "sessions", (json_int_t)ts.sessions,
			    "packets", (json_int_t)ts.packets));
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:o}",
	    "ports_in_use", (json_int_t)st.ports_in_use,
	    "ports_total", (json_int_t)st.ports_total,
	    "ports_quarantined", (json_int_t)st.ports_quarantined,
	    "sessions", (json_int_t)st.sessions,
	    "packets_relayed", (json_int_t)st.packets_relayed,
	    "srtp_failures", (json_int_t)st.srtp_failures,
	    "io", st.io != NULL ? st.io : "none",
	    "threads", threads);
}

/* CLI side: one line per figure, one per thread. */
static void
ctl_media_print(json_t *r, FILE *fp)
{
	json_t	*t;
	size_t	 i;

	fprintf(fp, "io               %s\n",
	    json_string_value(json_object_get(r, "io")));
	fprintf(fp, "ports in use     %lld of %lld (%lld quarantined)\n",
	    (long long)json_integer_value(json_object_get(r, "ports_in_use")),
	    (long long)json_integer_value(json_object_get(r, "ports_total")),
	    (long long)json_integer_value(json_object_get(r,
	    "ports_quarantined")));
	fprintf(fp, "sessions         %lld\n",
	    (long long)json_integer_value(json_object_get(r, "sessions")));
	fprintf(fp, "packets relayed  %lld\n",
	    (long long)json_integer_value(json_object_get(r,
	    "packets_relayed")));
	fprintf(fp, "srtp failures    %lld\n",
	    (long long)json_integer_value(json_object_get(r,
	    "srtp_failures")));
	json_array_foreach(json_object_get(r, "threads"), i, t)
		fprintf(fp, "thread %lld        %lld sessions, %lld packets\n",
		    (long long)json_integer_value(json_object_get(t, "id")),
		    (long long)json_integer_value(json_object_get(t,
		    "sessions")),
		    (long long)json_integer_value(json_object_get(t,
		    "packets")));
}

const struct ctl_entry ctl_media_entry = {
	.name = "media",
	.usage = "",
	.help = "the media relay: I/O method, ports, sessions, packets, "
	    "SRTP failures, per thread",
	.min_args = 0,
	.max_args = 0,
	.mutating = false,
	.exec = ctl_media_exec,
	.print = ctl_media_print,
};
