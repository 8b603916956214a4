/* ctl_registrations.c: "registrations": every phone binding the edge keeps. */
#include "config.h"

#include <stdio.h>

#include "ctl.h"
#include "registrar.h"

/* One binding as a JSON row; the field names are the operator contract. */
static void
ctl_registrations_add(struct binding *b, void *arg)
{
	json_array_append_new(arg, json_pack(
	    "{s:s, s:s, s:s, s:s, s:I, s:s?, s:s?, s:I, s:b}",
	    "aor", b->aor,
	    "contact", b->contact,
	    "source", b->source != NULL ? b->source : "",
	    "flow", b->token != NULL ? b->token : "",
	    "flow_id", (json_int_t)b->flow,
	    "carrier", b->carrier,
	    "profile", b->profile,
	    "expires_in", (json_int_t)registrar_expires_in(b),
	    "held_by_edge", b->held_by_edge));
}

/* Daemon side: list bindings. */
static json_t *
ctl_registrations_exec(struct daemon *d, int argc, char **argv, char **error)
{
	json_t	*items = json_array();

	registrar_foreach(ctl_registrations_add, items);
	return json_pack("{s:o}", "items", items);
}

static const struct ctl_column ctl_registrations_columns[] = {
	{ "aor", "AOR" },
	{ "source", "SOURCE" },
	{ "contact", "CONTACT" },
	{ "flow_id", "FLOW" },
	{ "carrier", "CARRIER" },
	{ "profile", "PROFILE" },
	{ "expires_in", "EXPIRES" },
	{ NULL, NULL },
};

/* CLI side: a table. */
static void
ctl_registrations_print(json_t *result, FILE *fp)
{
	ctl_print_table(json_object_get(result, "items"),
	    ctl_registrations_columns, fp);
}

const struct ctl_entry ctl_registrations_entry = {
	.name = "registrations",
	.usage = "",
	.help = "list phone registrations: AOR, flow, Contact as claimed",
	.min_args = 0,
	.max_args = 0,
	.mutating = false,
	.exec = ctl_registrations_exec,
	.print = ctl_registrations_print,
};
