/* ctl_calls.c: "calls": every call passing the edge. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "dialog.h"
#include "proxy.h"

#define CTL_CALLS_MAX_LEGS	16

/* The legs of a call's anchored media, one object each (issue 9). */
static json_t *
ctl_calls_legs(const struct dialog *dlg)
{
	struct proxy_media_leg	 legs[CTL_CALLS_MAX_LEGS];
	json_t			*a = json_array();
	size_t			 i, n;

	n = proxy_media_legs(dlg, legs, CTL_CALLS_MAX_LEGS);
	for (i = 0; i < n; i++) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, "
		    "s:I, s:I, s:I}",
		    "side", legs[i].side,
		    "local", legs[i].local,
		    "remote", legs[i].remote,
		    "srtp_suite", legs[i].srtp_suite,
		    "packets_in", (json_int_t)legs[i].packets_in,
		    "packets_out", (json_int_t)legs[i].packets_out,
		    "bytes_in", (json_int_t)legs[i].bytes_in,
		    "bytes_out", (json_int_t)legs[i].bytes_out,
		    "srtp_failures", (json_int_t)legs[i].srtp_failures,
		    "stream", (json_int_t)legs[i].stream);

		json_object_set_new(o, "last_packet_ms",
		    legs[i].last_packet_ms == UINT64_MAX ? json_null() :
		    json_integer((json_int_t)legs[i].last_packet_ms));
		json_array_append_new(a, o);
	}
	return a;
}

/* "phone AES_CM_128_HMAC_SHA1_80 1200/1198, carrier ...": the table cell. */
static void
ctl_calls_media_cell(json_t *row)
{
	json_t	*legs = json_object_get(row, "legs"), *l;
	char	 buf[512], part[160];
	size_t	 i;

	buf[0] = '\0';
	json_array_foreach(legs, i, l) {
		snprintf(part, sizeof(part), "%s%s %s %lld/%lld", i ? ", " : "",
		    json_string_value(json_object_get(l, "side")),
		    json_string_value(json_object_get(l, "srtp_suite")),
		    (long long)json_integer_value(json_object_get(l,
		    "packets_in")),
		    (long long)json_integer_value(json_object_get(l,
		    "packets_out")));
		strncat(buf, part, sizeof(buf) - strlen(buf) - 1);
	}
	json_object_set_new(row, "media", json_string(buf[0] ? buf : "-"));
}

/* One call as a JSON row; the field names are the operator contract. */
static void
ctl_calls_add(struct dialog *dlg, void *arg)
{
	json_array_append_new(arg, json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:o}",
	    "call_id", dlg->call_id,
	    "from", dlg->from,
	    "to", dlg->to,
	    "direction", dialog_dir_name(dlg->dir),
	    "state", dialog_state_name(dlg->state),
	    "carrier", dlg->carrier,
	    "age_s", (json_int_t)dialog_age(dlg),
	    "flow_id", (json_int_t)dlg->flow,
	    "legs", ctl_calls_legs(dlg)));
}

/* Daemon side: list calls. */
static json_t *
ctl_calls_exec(struct daemon *d, int argc, char **argv, char **error)
{
	json_t	*items = json_array();

	dialog_foreach(ctl_calls_add, items);
	return json_pack("{s:o}", "items", items);
}

static const struct ctl_column ctl_calls_columns[] = {
	{ "call_id", "CALL-ID" },
	{ "from", "FROM" },
	{ "to", "TO" },
	{ "direction", "DIRECTION" },
	{ "state", "STATE" },
	{ "carrier", "CARRIER" },
	{ "age_s", "AGE" },
	{ "media", "MEDIA (SUITE IN/OUT PACKETS)" },
	{ NULL, NULL },
};

/* CLI side: a table. */
static void
ctl_calls_print(json_t *result, FILE *fp)
{
	json_t	*items = json_object_get(result, "items"), *row;
	size_t	 i;

	json_array_foreach(items, i, row)
		ctl_calls_media_cell(row);
	ctl_print_table(items, ctl_calls_columns, fp);
}

const struct ctl_entry ctl_calls_entry = {
	.name = "calls",
	.usage = "",
	.help = "list calls: Call-ID, parties, direction, state, carrier, age",
	.min_args = 0,
	.max_args = 0,
	.mutating = false,
	.exec = ctl_calls_exec,
	.print = ctl_calls_print,
};
