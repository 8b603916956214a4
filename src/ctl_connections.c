/* ctl_connections.c: "connections": every phone and carrier TLS connection. */
#include "config.h"

#include <stdio.h>

#include "conn.h"
#include "ctl.h"

/* One connection as a JSON row; the field names are the operator contract. */
static void
ctl_connections_add(struct conn *c, void *arg)
{
	json_t	*items = arg;
	json_t	*o;

	o = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s?, s:s?}",
	    "id", (json_int_t)c->id,
	    "side", conn_side_name(c->side),
	    "state", conn_state_name(c->state),
	    "peer", c->peer_str,
	    "age_s", (json_int_t)conn_age(c),
	    "tls_version", c->tls.version,
	    "cipher", c->tls.cipher,
	    "group", c->tls.group,
	    "sni", c->tls.sni,
	    "user_agent", c->user_agent,
	    "profile", c->profile[0] ? c->profile : NULL);
	if (o == NULL)
		return;
	if (c->side == CONN_SIDE_PHONE)
		json_object_set_new(o, "flow", json_string(c->flow_token));
	else
		json_object_set_new(o, "carrier", json_string(c->owner ?
		    c->owner : ""));
	json_object_set_new(o, "rx_messages", json_integer(c->rx_messages));
	json_object_set_new(o, "tx_messages", json_integer(c->tx_messages));
	json_object_set_new(o, "rx_refused", json_integer(c->rx_refused));
	json_object_set_new(o, "rx_dropped", json_integer(c->rx_dropped));
	json_object_set_new(o, "pings", json_integer(c->pings));
	json_array_append_new(items, o);
}

/* Daemon side: list every connection. */
static json_t *
ctl_connections_exec(struct daemon *d, int argc, char **argv, char **error)
{
	json_t	*items = json_array();

	conn_foreach(ctl_connections_add, items);
	return json_pack("{s:o}", "items", items);
}

static const struct ctl_column ctl_connections_columns[] = {
	{ "id", "ID" },
	{ "side", "SIDE" },
	{ "peer", "PEER" },
	{ "age_s", "AGE" },
	{ "tls_version", "TLS" },
	{ "cipher", "CIPHER" },
	{ "group", "GROUP" },
	{ "user_agent", "USER-AGENT" },
	{ "profile", "PROFILE" },
	{ "flow", "FLOW" },
	{ "carrier", "CARRIER" },
	{ NULL, NULL },
};

/* CLI side: a table. */
static void
ctl_connections_print(json_t *result, FILE *fp)
{
	ctl_print_table(json_object_get(result, "items"),
	    ctl_connections_columns, fp);
}

const struct ctl_entry ctl_connections_entry = {
	.name = "connections",
	.usage = "",
	.help = "list phone and carrier TLS connections",
	.min_args = 0,
	.max_args = 0,
	.mutating = false,
	.exec = ctl_connections_exec,
	.print = ctl_connections_print,
};
