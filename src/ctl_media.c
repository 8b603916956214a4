/* ctl_media.c: "media": the relay as a whole, per relay thread too. */
#include "config.h"

#include <stdio.h>

#include "ctl.h"
#include "daemon.h"
#include "proxy.h"
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
			    "{s:I, s:I, s:I, s:I}",
			    "id", (json_int_t)ts.id,
			    "sessions", (json_int_t)ts.sessions,
			    "streams", (json_int_t)ts.sessions,
			    "packets", (json_int_t)ts.packets));
	/*
	 * "sessions" counts calls, as the contract says; a call's audio and
	 * video are a relay session each, counted in "streams".
	 */
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:o}",
	    "ports_in_use", (json_int_t)st.ports_in_use,
	    "ports_total", (json_int_t)st.ports_total,
	    "ports_quarantined", (json_int_t)st.ports_quarantined,
	    "sessions", (json_int_t)proxy_media_calls(),
	    "streams", (json_int_t)st.sessions,
	    "packets_relayed", (json_int_t)st.packets_relayed,
	    "srtp_failures", (json_int_t)st.srtp_failures,
	    "io", st.io != NULL ? st.io : "none",
	    "threads", threads);
}

static const struct ctl_column ctl_media_thread_columns[] = {
	{ "id", "THREAD" },
	{ "sessions", "SESSIONS" },
	{ "packets", "PACKETS" },
	{ NULL, NULL },
};

/* CLI side: the totals as status prints its fields, then the threads. */
static void
ctl_media_print(json_t *r, FILE *fp)
{
	json_t	*totals = json_copy(r);

	json_object_del(totals, "threads");
	ctl_print_object(totals, fp);
	json_decref(totals);
	fputc('\n', fp);
	ctl_print_table(json_object_get(r, "threads"),
	    ctl_media_thread_columns, fp);
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
