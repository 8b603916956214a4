/* ctl_registrations.c: "registrations": every phone binding the edge keeps. */
#include "config.h"

#include <stdio.h>

#include "ctl.h"
#include "daemon.h"
#include "proxy.h"
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

/*
 * One account the edge holds, registered by the edge itself: the same
 * fields as a phone's where they mean something, and its state.
 */
static void
ctl_registrations_account(const struct proxy_account_info *a, void *arg)
{
	json_array_append_new(arg, json_pack(
	    "{s:s, s:s, s:s, s:s, s:I, s:s, s:s?, s:I, s:b, s:s, s:s, s:s, s:s}",
	    "aor", a->aor,
	    "contact", a->contact,
	    "source", "",
	    "flow", "",
	    "flow_id", (json_int_t)0,
	    "carrier", a->carrier,
	    "profile", NULL,
	    "expires_in", (json_int_t)a->expires_in,
	    "held_by_edge", 1,
	    "account", a->name,
	    "state", a->state,
	    "algorithm", a->algorithm,
	    "last_error", a->last_error));
}

/* Daemon side: list bindings, and the accounts the edge registers. */
static json_t *
ctl_registrations_exec(struct daemon *d, int argc, char **argv, char **error)
{
	json_t	*items = json_array();

	if (d->proxy != NULL)
		proxy_accounts_foreach(d->proxy, ctl_registrations_account,
		    items);
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
	{ "state", "STATE" },
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
