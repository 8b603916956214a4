/*
 * proxy_route.c: where a request goes. From a phone: to the carrier its
 * Route or its domain names. From a carrier: to the phone whose flow token
 * the Request-URI or the edge's Route entry carries, over that phone's own
 * connection, never to the address in its Contact (RFC 5626 §5.3).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "conn.h"
#include "dialog.h"
#include "edge_config.h"
#include "flow.h"
#include "log.h"
#include "proxy_int.h"
#include "registrar.h"
#include "sip_msg.h"
#include "util.h"

/* "host:port" of our end of a connection, IPv6 in brackets. */
int
proxy_uri_hostport(const struct conn *c, char *buf, size_t len)
{
	int	v6 = strchr(c->local_host, ':') != NULL;

	return snprintf(buf, len, "%s%s%s:%u", v6 ? "[" : "", c->local_host,
	    v6 ? "]" : "", c->local_port);
}

/* Refuse with a code, a reason and one log line. */
static void __attribute__((format(printf, 5, 6)))
proxy_refuse(struct hop *hop, const struct conn *c, const osip_message_t *m,
    int code, const char *fmt, ...)
{
	va_list	ap;

	hop->code = code;
	va_start(ap, fmt);
	vsnprintf(hop->reason, sizeof(hop->reason), fmt, ap);
	va_end(ap);
	proxy_log(LOG_LVL_INFO, c, m, "refused %d: %s", code, hop->reason);
}

/*
 * The connection a request to a carrier goes out on: the edge's own, or
 * while that is down, one the carrier opened to the carrier listener. A
 * trunk that connects to the edge takes requests on that connection too,
 * so a phone can call out while the edge reconnects.
 */
static struct conn *
proxy_carrier_conn(const struct carrier *car)
{
	size_t	i;

	if (car->state == CARRIER_CONNECTED && car->conn != NULL)
		return car->conn;
	for (i = car->n_inbound; i > 0; i--)
		if (car->inbound[i - 1]->state == CONN_OPEN)
			return car->inbound[i - 1];
	return NULL;
}

/* A phone's request: which carrier? */
static void
proxy_route_phone(struct proxy *p, struct conn *c, osip_message_t *m,
    const struct sip_hdr_routed *routed, struct hop *hop)
{
	const struct config_carrier	*cc;
	struct carrier			*car = NULL;
	struct dialog			*dlg;
	const char			*host = sip_hdr_ruri_host(m);

	hop->flow = c->id;
	if (routed->carrier[0] != '\0')
		car = carrier_set_find(p->carriers, routed->carrier);
	if (car == NULL && sip_hdr_to_tag(m) != NULL &&
	    (dlg = dialog_find(sip_msg_call_id(m), c->id)) != NULL)
		car = carrier_set_find(p->carriers, dlg->carrier);
	if (car == NULL && host != NULL &&
	    (cc = config_carrier_for_domain(p->cfg, host)) != NULL)
		car = carrier_set_find(p->carriers, cc->name);
	if (car == NULL) {
		proxy_refuse(hop, c, m, 404, "No carrier for domain %s",
		    host != NULL ? host : "(none)");
		return;
	}
	if ((hop->conn = proxy_carrier_conn(car)) == NULL) {
		proxy_refuse(hop, c, m, 503, "Carrier %s unavailable",
		    car->name);
		return;
	}
	hop->carrier = car;
}

/* A dead flow: 430 Flow Failed, or 480 for carriers that cannot take it. */
static void
proxy_flow_failed(struct hop *hop, const struct conn *c,
    const osip_message_t *m)
{
	if (hop->carrier != NULL && hop->carrier->cfg->flow_failed_code == 480)
		proxy_refuse(hop, c, m, 480, "Temporarily Unavailable: flow "
		    "failed");
	else
		proxy_refuse(hop, c, m, 430, "Flow Failed");
}

/* The flow a carrier's request names, by its token. */
static struct conn *
proxy_flow(struct proxy *p, struct conn *c, osip_message_t *m,
    const char *token, struct hop *hop)
{
	struct conn	*phone;
	uint64_t	 flow = 0;

	switch (flow_token_parse(p->flow_key, token, strlen(token),
	    &flow)) {
	case FLOW_TOKEN_OK:
		break;
	case FLOW_TOKEN_STALE:
		proxy_flow_failed(hop, c, m);
		return NULL;
	case FLOW_TOKEN_TAMPERED:
		/* RFC 5626 §5.3.1: a token that fails its HMAC is forged. */
		proxy_refuse(hop, c, m, 403, "Forbidden: invalid flow token");
		return NULL;
	default:
		/* Not a token at all, a number dialled at the edge, say. */
		proxy_refuse(hop, c, m, 404, "Not Found");
		return NULL;
	}
	phone = conn_find(flow);
	if (phone == NULL || phone->side != CONN_SIDE_PHONE) {
		proxy_flow_failed(hop, c, m);
		return NULL;
	}
	hop->flow = flow;
	return phone;
}

/* A carrier's request: which phone, over which flow? */
static void
proxy_route_carrier(struct proxy *p, struct conn *c, osip_message_t *m,
    const struct sip_hdr_self *self, const struct sip_hdr_routed *routed,
    struct hop *hop)
{
	struct dialog		*dlg;
	const char		*token = NULL, *mark;
	char			*aor;
	bool			 initial = false;

	hop->carrier = carrier_of(p->carriers, c);
	/*
	 * A Request-URI that is one of our registration Contacts is an initial
	 * request for a phone: its own Contact goes back in. The token comes
	 * from our Route entry (Record-Route or Path) or from that Contact.
	 */
	mark = sip_hdr_uri_mark(m->req_uri);
	if (mark != NULL && strncmp(mark, "a-", 2) == 0 &&
	    routed->token[0] == '\0' &&
	    sip_hdr_uri_is_self(m->req_uri, self)) {
		/* The Contact of an account the edge holds: its phones. */
		snprintf(hop->account, sizeof(hop->account), "%s", mark + 2);
		return;
	}
	initial = sip_hdr_uri_is_self(m->req_uri, self) && mark != NULL &&
	    mark[0] == 'r' && m->req_uri->username != NULL;
	if (routed->token[0] != '\0')
		token = routed->token;
	else if (initial || (sip_hdr_uri_is_self(m->req_uri, self) &&
	    m->req_uri->username != NULL)) {
		token = m->req_uri->username;
		initial = true;
	}
	if (token == NULL && sip_hdr_to_tag(m) != NULL &&
	    (dlg = dialog_find_only(sip_msg_call_id(m))) != NULL) {
		/*
		 * A carrier that lost our Route entry: the call knows the flow,
		 * unless the Call-ID is two calls here (a spiral).
		 */
		if ((hop->conn = conn_find(dlg->flow)) == NULL ||
		    hop->conn->side != CONN_SIDE_PHONE) {
			hop->conn = NULL;
			proxy_flow_failed(hop, c, m);
		} else
			hop->flow = dlg->flow;
		return;
	}
	if (token == NULL) {
		proxy_refuse(hop, c, m, 404, "Not Found: no phone named");
		return;
	}
	if ((hop->conn = proxy_flow(p, c, m, token, hop)) == NULL)
		return;
	if (!initial)
		return;
	/* The line the Contact named, else the To of the call, else any. */
	if (mark != NULL && strncmp(mark, "r-", 2) == 0)
		hop->binding = registrar_find_line(hop->flow,
		    (uint32_t)strtoul(mark + 2, NULL, 16));
	if (hop->binding == NULL) {
		aor = sip_hdr_aor(m->to);
		hop->binding = registrar_find(hop->flow, aor);
		free(aor);
	}
	if (hop->binding == NULL) {
		hop->conn = NULL;
		proxy_refuse(hop, c, m, 480, "Temporarily Unavailable: "
		    "phone not registered on this flow");
	}
}

void
proxy_route(struct proxy *p, struct conn *c, osip_message_t *m,
    const struct sip_hdr_self *self, const struct sip_hdr_routed *routed,
    struct hop *hop)
{
	memset(hop, 0, sizeof(*hop));
	if (c->side == CONN_SIDE_PHONE)
		proxy_route_phone(p, c, m, routed, hop);
	else
		proxy_route_carrier(p, c, m, self, routed, hop);
}
