/* ctl_carriers.c: "carriers": state of every carrier connection. */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "carrier.h"
#include "ctl.h"
#include "daemon.h"
#include "edge_config.h"
#include "util.h"

/* The resolved targets in the order they are tried. */
static json_t *
ctl_carriers_targets(const struct carrier *c)
{
	json_t	*a = json_array();
	char	 addr[64];
	size_t	 i;

	for (i = 0; i < c->n_targets; i++) {
		const struct rfc3263_target *t = &c->targets[i];

		sockaddr_str((const struct sockaddr *)&t->addr, addr,
		    sizeof(addr));
		json_array_append_new(a, json_pack("{s:s, s:s}",
		    "host", t->host, "address", addr));
	}
	return a;
}

/* One carrier as a JSON row; the field names are the operator contract. */
static json_t *
ctl_carriers_item(const struct carrier *c)
{
	struct timespec	now;
	char		target[300];
	json_t		*o;

	clock_gettime(CLOCK_MONOTONIC, &now);
	carrier_target_str(c, target, sizeof(target));
	o = json_pack("{s:s, s:s, s:s, s:o, s:s?, s:s?, s:s?, s:I, s:I, s:i}",
	    "name", c->name,
	    "domain", c->cfg->domain,
	    "state", carrier_state_name(c->state),
	    "targets", ctl_carriers_targets(c),
	    "target", c->state == CARRIER_CONNECTED ||
		c->state == CARRIER_CONNECTING ? target : NULL,
	    "verified_name", c->state == CARRIER_CONNECTED ?
		c->verified_name : NULL,
	    "last_error", c->last_error[0] ? c->last_error : NULL,
	    "state_s", (json_int_t)(now.tv_sec - c->since.tv_sec),
	    "connects", (json_int_t)c->connects,
	    "local_port", (int)c->local_port);
	if (o == NULL)
		return json_object();
	/* How the edge checks its connection, and whether it ever answered. */
	json_object_set_new(o, "keepalive_method", json_string(
	    config_keepalive_method_name(c->cfg->keepalive_method)));
	json_object_set_new(o, "keepalive_answered", json_boolean(
	    c->state == CARRIER_CONNECTED && c->ka_answered));
	/* Connections the carrier opened to the carrier listener. */
	json_object_set_new(o, "inbound_connections",
	    json_integer((json_int_t)c->n_inbound));
	json_object_set_new(o, "inbound_accepted",
	    json_integer((json_int_t)c->inbound_accepted));
	return o;
}

/* Daemon side: list carriers in configuration order. */
static json_t *
ctl_carriers_exec(struct daemon *d, int argc, char **argv, char **error)
{
	json_t	*items = json_array();
	size_t	 i, n;

	n = d->carriers != NULL ? carrier_set_count(d->carriers) : 0;
	for (i = 0; i < n; i++)
		json_array_append_new(items,
		    ctl_carriers_item(carrier_set_get(d->carriers, i)));
	return json_pack("{s:o}", "items", items);
}

static const struct ctl_column ctl_carriers_columns[] = {
	{ "name", "NAME" },
	{ "domain", "DOMAIN" },
	{ "state", "STATE" },
	{ "target", "TARGET" },
	{ "verified_name", "VERIFIED" },
	{ "last_error", "LAST ERROR" },
	{ NULL, NULL },
};

/* CLI side: a table. */
static void
ctl_carriers_print(json_t *result, FILE *fp)
{
	ctl_print_table(json_object_get(result, "items"),
	    ctl_carriers_columns, fp);
}

const struct ctl_entry ctl_carriers_entry = {
	.name = "carriers",
	.usage = "",
	.help = "show carrier connections: targets, state, verified name",
	.min_args = 0,
	.max_args = 0,
	.mutating = false,
	.exec = ctl_carriers_exec,
	.print = ctl_carriers_print,
};
