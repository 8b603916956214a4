/* ctl_calls.c: "calls": every call passing the edge. */
#include "config.h"

#include <stdio.h>

#include "ctl.h"
#include "dialog.h"

/* One call as a JSON row; the field names are the operator contract. */
static void
ctl_calls_add(struct dialog *dlg, void *arg)
{
	json_array_append_new(arg, json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}",
	    "call_id", dlg->call_id,
	    "from", dlg->from,
	    "to", dlg->to,
	    "direction", dialog_dir_name(dlg->dir),
	    "state", dialog_state_name(dlg->state),
	    "carrier", dlg->carrier,
	    "age_s", (json_int_t)dialog_age(dlg),
	    "flow_id", (json_int_t)dlg->flow));
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
	{ NULL, NULL },
};

/* CLI side: a table. */
static void
ctl_calls_print(json_t *result, FILE *fp)
{
	ctl_print_table(json_object_get(result, "items"), ctl_calls_columns,
	    fp);
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
