/*
 * proxy.c: the SIP layer over the connections. Every request gets
 * received/rport from its connection (RFC 3581), whatever its Via claims;
 * every answer goes back on the connection its request came in on (RFC
 * 3261 §18.2.2). This file takes messages in and answers what the edge
 * answers itself; proxy_route.c decides where the rest goes and
 * proxy_fwd.c sends it there.
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_message.h>

#include "auth_local.h"
#include "carrier.h"
#include "carrier_listener.h"
#include "conn.h"
#include "dialog.h"
#include "edge_config.h"
#include "log.h"
#include "profile.h"
#include "proxy.h"
#include "proxy_int.h"
#include "registrar.h"
#include "sip_msg.h"
#include "txn.h"
#include "util.h"

/* Add one host (no brackets) and its port to the edge's own names. */
static void
proxy_add_host(struct proxy *p, const char *hostport)
{
	char		 host[256];
	uint16_t	 port;
	const char	*why;
	size_t		 i;

	if (hostport == NULL ||
	    hostport_split(hostport, host, sizeof(host), &port, &why) == -1)
		return;
	if (port != 0) {
		for (i = 0; i < p->n_ports && p->ports[i] != port; i++)
			;
		if (i == p->n_ports) {
			p->ports = xreallocarray(p->ports, p->n_ports + 1,
			    sizeof(*p->ports));
			p->ports[p->n_ports++] = port;
		}
	}
	for (i = 0; i < p->n_hosts; i++)
		if (strcasecmp(p->hosts[i], host) == 0)
			return;
	p->hosts = xreallocarray(p->hosts, p->n_hosts + 1, sizeof(*p->hosts));
	p->hosts[p->n_hosts++] = xstrdup(host);
}

/* Forget the edge's names. */
static void
proxy_clear_hosts(struct proxy *p)
{
	size_t	i;

	for (i = 0; i < p->n_hosts; i++)
		free(p->hosts[i]);
	free(p->hosts);
	free(p->ports);
	p->hosts = NULL;
	p->n_hosts = 0;
	p->ports = NULL;
	p->n_ports = 0;
}

/*
 * The carrier listener's names: its sockets as bound (its listen
 * addresses change only at a restart, whatever a reload read) and the
 * address it advertises, whose port is the listener's unless it names one.
 */
static void
proxy_add_carrier_side(struct proxy *p, const struct config *cfg)
{
	const struct carrier_listener	*cl = p->cl;
	char				 hp[300];
	size_t				 i;

	if (cl == NULL)
		return;
	for (i = 0; i < carrier_listener_count(cl); i++)
		proxy_add_host(p, carrier_listener_addr_str(cl, i, hp,
		    sizeof(hp)));
	proxy_add_host(p, cfg->carrier_side.advertised_address);
}

/* The throttle of failed phone authentication follows the configuration. */
static void
proxy_auth_params(const struct config *cfg)
{
	struct auth_local_params	ap;

	memset(&ap, 0, sizeof(ap));
	ap.max_failures = cfg->phones.auth_max_failures;
	if (auth_local_set_params(&ap) == -1)
		log_warn("auth_max_failures %u not applied",
		    cfg->phones.auth_max_failures);
}

void
proxy_reload(struct proxy *p, const struct config *cfg)
{
	size_t	i;

	p->cfg = cfg;
	proxy_clear_hosts(p);
	for (i = 0; i < cfg->phones.n_listen; i++) {
		/* "tls:ADDR:PORT": the part after the scheme. */
		const char *t = strchr(cfg->phones.listen[i].text, ':');

		proxy_add_host(p, t != NULL ? t + 1 : NULL);
	}
	proxy_add_host(p, cfg->phones.advertised_address);
	proxy_add_carrier_side(p, cfg);
	proxy_add_host(p, cfg->media.phone_address);
	proxy_add_host(p, cfg->media.carrier_address);
	proxy_add_host(p, cfg->media.carrier_public_address);
	proxy_auth_params(cfg);
	proxy_accounts_reload(p);
}

struct proxy *
proxy_new(struct event_base *base, const struct config *cfg,
    const struct flow_key *flow_key)
{
	struct proxy	*p = xcalloc(1, sizeof(*p));

	p->base = base;
	p->flow_key = flow_key;
	sip_msg_init();
	if (auth_local_init(NULL, 0) == -1)
		fatal("%s: cannot make the key of the edge's nonces", __func__);
	proxy_reload(p, cfg);
	return p;
}

void
proxy_attach(struct proxy *p, struct carrier_set *carriers,
    const struct carrier_listener *cl)
{
	p->carriers = carriers;
	p->cl = cl;
	proxy_reload(p, p->cfg);	/* the listener's addresses are ours */
	proxy_accounts_attach(p);
}

void
proxy_set_relay(struct proxy *p, struct relay *r)
{
	p->relay = r;
}

void
proxy_free(struct proxy *p)
{
	if (p == NULL)
		return;
	proxy_accounts_free(p);
	auth_local_shutdown();
	proxy_digest_clear();
	proxy_clear_hosts(p);
	free(p->self_hosts);
	free(p);
}

/*
 * The edge as seen on connection c, for recognising its own URIs: the
 * configured names and ports, and the source address of every carrier
 * connection, which the carrier-facing Record-Route and Contact carry and
 * which need not be a configured address (listen on 0.0.0.0, several
 * interfaces). Carriers are few; this costs the same at any load.
 */
static void
proxy_self(struct proxy *p, const struct conn *c, struct sip_hdr_self *self)
{
	size_t		 i, n, ncar;
	struct carrier	*car;

	ncar = p->carriers != NULL ? carrier_set_count(p->carriers) : 0;
	if (p->self_cap < p->n_hosts + ncar) {
		p->self_cap = p->n_hosts + ncar;
		p->self_hosts = xreallocarray(p->self_hosts, p->self_cap,
		    sizeof(*p->self_hosts));
	}
	for (n = 0; n < p->n_hosts; n++)
		p->self_hosts[n] = p->hosts[n];
	for (i = 0; i < ncar; i++) {
		car = carrier_set_get(p->carriers, i);
		if (car->conn != NULL && car->conn->local_host[0] != '\0')
			p->self_hosts[n++] = car->conn->local_host;
	}
	self->hosts = p->self_hosts;
	self->n_hosts = n;
	self->ports = p->ports;
	self->n_ports = p->n_ports;
	self->local_host = c->local_host[0] ? c->local_host : NULL;
	self->local_port = c->local_port;
}

/* A log line about a peer's message; see proxy_int.h. */
void
proxy_log(enum log_level level, const struct conn *c, const osip_message_t *m,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 text[512];
	const char *cid;

	if (level > log_get_level())
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (m == NULL) {
		log_at(level, "conn %llu %s %s: %s", (unsigned long long)c->id,
		    conn_side_name(c->side), c->peer_str, text);
		return;
	}
	cid = sip_msg_call_id(m);
	log_at(level, "conn %llu %s %s: %s %s: %s", (unsigned long long)c->id,
	    conn_side_name(c->side), c->peer_str, sip_msg_method(m) != NULL ?
	    sip_msg_method(m) : "-", cid != NULL ? cid : "-", text);
}

/* Is the header of this name (any case), with a value? */
bool
proxy_header_is(const osip_header_t *h, const char *name)
{
	return h->hname != NULL && h->hvalue != NULL &&
	    strcasecmp(h->hname, name) == 0;
}

/* Drop every header of a name from a message. */
void
proxy_drop_headers(osip_message_t *m, const char *name)
{
	osip_header_t	*h;
	int		 i = 0;

	while ((h = osip_list_get(&m->headers, i)) != NULL) {
		if (proxy_header_is(h, name)) {
			osip_list_remove(&m->headers, i);
			osip_header_free(h);
		} else
			i++;
	}
}

/* Is the request (or the response's CSeq) of this method? */
bool
proxy_method_is(const osip_message_t *m, const char *method)
{
	const char	*mm = sip_msg_method(m);

	return mm != NULL && strcmp(mm, method) == 0;
}

/* Serialise and queue a message on a connection. */
int
proxy_send(struct conn *c, osip_message_t *m)
{
	char	*buf;
	size_t	 len;
	int	 rc;

	if (sip_msg_serialize(m, &buf, &len) == -1) {
		proxy_log(LOG_LVL_WARNING, c, m, "cannot serialise the message");
		return -1;
	}
	rc = conn_send(c, buf, len);
	osip_free(buf);
	return rc;
}

/* The To tag of the edge's own answers on a connection. */
void
proxy_own_tag(const struct conn *c, char *buf, size_t len)
{
	snprintf(buf, len, "se%llx", (unsigned long long)c->id);
}

/*
 * The ACK for a non-2xx final the edge made itself (a challenge, a
 * refusal): hop-by-hop, it ends here, never at the carrier.
 */
static bool
proxy_ack_is_ours(const struct conn *c, const osip_message_t *m)
{
	const char	*tag = sip_hdr_to_tag(m);
	char		 own[24];

	proxy_own_tag(c, own, sizeof(own));
	return tag != NULL && strcmp(tag, own) == 0;
}

/* Answer a request on its connection, with one extra header if named. */
void
proxy_reply_with(struct conn *c, const osip_message_t *req, int code,
    const char *reason, const char *hname, const char *hvalue)
{
	osip_message_t	*resp;
	char		 tag[24];

	proxy_own_tag(c, tag, sizeof(tag));
	if ((resp = sip_msg_response(req, code, reason, tag)) == NULL)
		return;
	if (hname == NULL || osip_message_set_header(resp, hname, hvalue) == 0)
		(void)proxy_send(c, resp);
	sip_msg_free(resp);
}

/* Answer a request on the connection it came in on. */
void
proxy_reply(struct conn *c, const osip_message_t *req, int code,
    const char *reason)
{
	proxy_reply_with(c, req, code, reason, NULL, NULL);
}

/* The edge answers a forwarded request itself (timeout, lost next hop). */
void
proxy_reply_upstream(struct txn *t, int code, const char *reason)
{
	struct conn	*up = conn_find(t->in_conn);

	if (t->status >= 200 || proxy_fork_hold(t, NULL, code, reason))
		return;
	if (up == NULL)
		return;
	t->status = code;
	proxy_reply(up, t->in_req, code, reason);
}

/* Remember who the phone says it is, and which quirk profile that means. */
static void
proxy_note_user_agent(struct proxy *p, struct conn *c,
    const osip_message_t *m)
{
	const struct config_profile	*prof;
	const char			*ua = sip_msg_header(m, "User-Agent");

	if (ua == NULL || (c->user_agent != NULL &&
	    strcmp(c->user_agent, ua) == 0))
		return;
	conn_set_user_agent(c, ua);
	prof = profile_match(p->cfg, ua);
	snprintf(c->profile, sizeof(c->profile), "%s",
	    prof != NULL ? prof->name : "");
	log_info("conn %llu phone %s: User-Agent \"%s\", profile %s",
	    (unsigned long long)c->id, c->peer_str, c->user_agent, c->profile);
}

/*
 * A message libosip2 refuses, or sip_msg refuses for it. The framing
 * held (the connection hands over only whole messages), so the next
 * message is where it should be, and the connection, which is a phone's
 * flow, stays: a request is answered with code and what was wrong, when
 * its Via is readable; a response is dropped and its transaction left to
 * its timers (RFC 4475 §3.1.2.5, §3.3.9).
 */
static void
proxy_unparsable(struct conn *c, const char *buf, size_t len, int code,
    const char *why)
{
	char	*out;
	size_t	 outlen;

	if (len >= 4 && strncasecmp(buf, "SIP/", 4) == 0) {
		c->rx_dropped++;
		proxy_log(LOG_LVL_WARNING, c, NULL, "bad SIP response dropped: "
		    "%s", why);
		return;
	}
	if (sip_msg_response_raw(buf, len, code, why, &out, &outlen) == -1) {
		c->rx_dropped++;
		proxy_log(LOG_LVL_WARNING, c, NULL, "bad SIP request dropped, "
		    "too broken to answer: %s", why);
		return;
	}
	c->rx_refused++;
	proxy_log(LOG_LVL_WARNING, c, NULL, "bad SIP request refused %d: %s",
	    code, why);
	(void)conn_send(c, out, outlen);
	osip_free(out);
}

/* Is the Request-URI the edge itself (after our Route entries are gone)? */
static bool
proxy_for_edge(const osip_message_t *m, const struct sip_hdr_self *self)
{
	if (osip_list_size(&m->routes) > 0)
		return false;
	/* Any port: NAT and port forwarding change what phones are told. */
	return sip_hdr_host_is_self(m->req_uri, self) &&
	    sip_hdr_uri_mark(m->req_uri) == NULL;
}

/*
 * A request for the edge itself, not for a user at it, that no carrier
 * takes either (match_domains may name the edge's address): the edge
 * serves only OPTIONS (RFC 3261 §8.2.1: 501 for the rest).
 */
static bool
proxy_edge_cannot_serve(struct proxy *p, const struct conn *c,
    const osip_message_t *m, const struct sip_hdr_self *self)
{
	return proxy_for_edge(m, self) && m->req_uri->username == NULL &&
	    (c->side == CONN_SIDE_CARRIER ||
	    config_carrier_for_domain(p->cfg, m->req_uri->host) == NULL);
}

/*
 * RFC 3261 §16.3 item 5: every option tag in Proxy-Require, which the
 * edge, supporting none, refuses with 420 and lists in Unsupported.
 * Returns a list to free, or NULL when there is none. Require is for
 * the endpoint to judge and passes.
 */
static char *
proxy_required_options(const osip_message_t *m)
{
	osip_header_t	*h;
	char		*list = NULL, *tag, *save, *v, *t;
	int		 i;

	for (i = 0; (h = osip_list_get(&m->headers, i)) != NULL; i++) {
		if (h->hname == NULL || h->hvalue == NULL ||
		    strcasecmp(h->hname, "Proxy-Require") != 0)
			continue;
		v = xstrdup(h->hvalue);
		for (tag = strtok_r(v, ",", &save); tag != NULL;
		    tag = strtok_r(NULL, ",", &save)) {
			if (*(tag = str_trim(tag)) == '\0')
				continue;
			if (list == NULL)
				list = xstrdup(tag);
			else {
				xasprintf(&t, "%s, %s", list, tag);
				free(list);
				list = t;
			}
		}
		free(v);
	}
	return list;
}

/* RFC 3261 §17.2.3: branch, sent-by and the request itself all match. */
static bool
proxy_retransmission(const osip_message_t *was, const osip_message_t *m)
{
	const osip_via_t	*a = osip_list_get(&was->vias, 0);
	const osip_via_t	*b = osip_list_get(&m->vias, 0);

	return a != NULL && b != NULL && a->host != NULL && b->host != NULL &&
	    strcasecmp(a->host, b->host) == 0 &&
	    strcmp(a->port != NULL ? a->port : "", b->port != NULL ? b->port :
	    "") == 0 && strcmp(sip_msg_call_id(was), sip_msg_call_id(m)) == 0 &&
	    strcmp(was->cseq->number, m->cseq->number) == 0;
}

/*
 * A request: the edge answers CANCEL, hop-by-hop ACKs and OPTIONS to
 * itself; everything else is routed and forwarded statefully.
 */
static void
proxy_request(struct proxy *p, struct conn *c, osip_message_t *m)
{
	struct sip_hdr_self	self;
	struct sip_hdr_routed	routed;
	struct hop		hop;
	struct txn		*t;
	char			*unsupported;
	bool			ack = proxy_method_is(m, "ACK");

	if (proxy_method_is(m, "CANCEL")) {
		proxy_cancel(p, c, m);
		return;
	}
	if (ack && (proxy_ack_absorb(c, m) || proxy_ack_is_ours(c, m)))
		return;
	if (!ack && (t = txn_by_upstream(c->id, sip_hdr_via_branch(m, 0),
	    proxy_method_is(m, "INVITE"))) != NULL) {
		if (proxy_retransmission(t->in_req, m)) {
			proxy_log(LOG_LVL_DEBUG, c, m,
			    "again: already in progress");
			return;
		}
		/* Another request with the branch of one that is over. */
		if (t->state != TXN_ACCEPTED && t->state != TXN_COMPLETED) {
			proxy_reply(c, m, 400, "Via branch of a request still "
			    "in progress");
			return;
		}
		txn_free(t);
	}
	proxy_self(p, c, &self);
	sip_hdr_routes_pop_self(m, &self, &routed);
	if (!ack && proxy_method_is(m, "OPTIONS") && proxy_for_edge(m, &self)) {
		proxy_reply(c, m, 200, "OK");
		return;
	}
	if (!ack && proxy_edge_cannot_serve(p, c, m, &self)) {
		proxy_reply(c, m, 501, "Not Implemented");
		return;
	}
	if (sip_hdr_max_forwards(m) == 0) {
		if (!ack)
			proxy_reply(c, m, 483, "Too Many Hops");
		return;
	}
	if (sip_hdr_via_loops(m, &self)) {
		if (!ack)
			proxy_reply(c, m, 482, "Loop Detected");
		return;
	}
	if (!ack && (unsupported = proxy_required_options(m)) != NULL) {
		proxy_log(LOG_LVL_INFO, c, m, "refused 420: Proxy-Require %s",
		    unsupported);
		proxy_reply_with(c, m, 420, "Bad Extension", "Unsupported",
		    unsupported);
		free(unsupported);
		return;
	}
	if (c->side == CONN_SIDE_PHONE && !ack &&
	    proxy_account_phone(p, c, m) == PROXY_CONSUMED)
		return;
	proxy_route(p, c, m, &self, &routed, &hop);
	if (hop.code != 0) {
		if (!ack)
			proxy_reply(c, m, hop.code, hop.reason);
		return;
	}
	if (hop.account[0] != '\0') {
		if (!ack)
			proxy_account_incoming(p, c, m, &hop);
		return;
	}
	if (ack)
		proxy_forward_ack(p, c, m, &hop);
	else
		proxy_forward(p, c, m, &hop);
}

/* One framed message from either side. */
static void
proxy_message(struct proxy *p, struct conn *c, const char *buf, size_t len)
{
	osip_message_t	*m;
	char		 why[256];
	int		 code = 400;

	if ((m = sip_msg_parse_code(buf, len, &code, why, sizeof(why))) ==
	    NULL) {
		proxy_unparsable(c, buf, len, code, why);
		return;
	}
	if (sip_msg_is_request(m)) {
		/* The connection is the truth, never the Via (design rule 1). */
		sip_msg_via_received(m, (const struct sockaddr *)&c->peer);
		if (c->side == CONN_SIDE_PHONE)
			proxy_note_user_agent(p, c, m);
		proxy_request(p, c, m);
	} else
		proxy_response(p, c, m);
	sip_msg_free(m);
}

/* A framed message from a phone. */
static void
proxy_phone_message_cb(struct conn *c, const char *buf, size_t len, void *arg)
{
	proxy_message(arg, c, buf, len);
}

/* A framed message from a carrier. */
static void
proxy_carrier_message_cb(struct conn *c, const char *buf, size_t len,
    void *arg)
{
	proxy_message(arg, c, buf, len);
}

/*
 * Not SIP, or too big: answer when the headers are readable (513 for size,
 * RFC 3261 §18.3); then the connection closes, or skips to the next start
 * line (conn_unframed).
 */
static void
proxy_garbage_cb(struct conn *c, const char *buf, size_t len, bool too_big,
    const char *why, void *arg)
{
	char	*out;
	size_t	 outlen;

	if (sip_msg_response_raw(buf, len, too_big ? 513 : 400,
	    too_big ? "Message Too Large" : "Bad Request", &out,
	    &outlen) == 0) {
		(void)conn_send(c, out, outlen);
		osip_free(out);
	}
}

/* A connection is gone: its flow, bindings and transactions with it. */
static void
proxy_closed_cb(struct conn *c, const char *why, void *arg)
{
	proxy_conn_lost(arg, c);
}

const struct conn_handler proxy_phone_handler = {
	.message = proxy_phone_message_cb,
	.garbage = proxy_garbage_cb,
	.closed = proxy_closed_cb,
};

const struct conn_handler proxy_carrier_handler = {
	.message = proxy_carrier_message_cb,
	.garbage = proxy_garbage_cb,
	.closed = proxy_closed_cb,
};
