/*
 * proxy.c: the SIP layer over the connections. Every request from a phone
 * gets received/rport from its connection (RFC 3581), whatever its Via
 * claims; every answer goes back on that same connection (RFC 3261
 * §18.2.2). Routing between phones and carriers comes with the proxy
 * core; until then requests the edge does not serve itself get 501.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_message.h>

#include "conn.h"
#include "daemon.h"
#include "edge_config.h"
#include "log.h"
#include "profile.h"
#include "proxy.h"
#include "sip_msg.h"
#include "util.h"

struct proxy {
	struct daemon	*d;
	char	       **hosts;		/* names and addresses of the edge */
	size_t		 n_hosts;
};

/* Add one host (no port, no brackets) to the edge's own names. */
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
	p->hosts = NULL;
	p->n_hosts = 0;
}

void
proxy_reload(struct proxy *p, const struct config *cfg)
{
	size_t	i;

	proxy_clear_hosts(p);
	for (i = 0; i < cfg->phones.n_listen; i++) {
		/* "tls:ADDR:PORT": the part after the scheme. */
		const char *t = strchr(cfg->phones.listen[i].text, ':');

		proxy_add_host(p, t != NULL ? t + 1 : NULL);
	}
	proxy_add_host(p, cfg->phones.advertised_address);
	proxy_add_host(p, cfg->media.phone_address);
	proxy_add_host(p, cfg->media.carrier_address);
	proxy_add_host(p, cfg->media.carrier_public_address);
}

struct proxy *
proxy_new(struct daemon *d)
{
	struct proxy	*p = xcalloc(1, sizeof(*p));

	p->d = d;
	sip_msg_init();
	proxy_reload(p, d->config);
	return p;
}

void
proxy_free(struct proxy *p)
{
	if (p == NULL)
		return;
	proxy_clear_hosts(p);
	free(p);
}

/* Serialise and queue a message on a connection. */
static int
proxy_send(struct conn *c, osip_message_t *m)
{
	char	*buf;
	size_t	 len;
	int	 rc;

	if (sip_msg_serialize(m, &buf, &len) == -1) {
		log_warn("conn %llu: cannot serialise a message",
		    (unsigned long long)c->id);
		return -1;
	}
	rc = conn_send(c, buf, len);
	osip_free(buf);
	return rc;
}

/* Answer a request on the connection it came in on. */
static void
proxy_reply(struct conn *c, const osip_message_t *req, int code,
    const char *reason)
{
	osip_message_t	*resp;
	char		 tag[24];

	snprintf(tag, sizeof(tag), "se%llx", (unsigned long long)c->id);
	if ((resp = sip_msg_response(req, code, reason, tag)) == NULL)
		return;
	(void)proxy_send(c, resp);
	sip_msg_free(resp);
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
	prof = profile_match(p->d->config, ua);
	snprintf(c->profile, sizeof(c->profile), "%s",
	    prof != NULL ? prof->name : "");
	log_info("conn %llu phone %s: User-Agent \"%s\", profile %s",
	    (unsigned long long)c->id, c->peer_str, c->user_agent, c->profile);
}

/*
 * A message libosip2 refuses: answer 400 when enough of it is readable,
 * otherwise the connection goes (the stream can no longer be trusted).
 */
static void
proxy_unparsable(struct conn *c, const char *buf, size_t len,
    const char *why)
{
	char	*out;
	size_t	 outlen;

	log_warn("conn %llu %s %s: bad SIP message: %s",
	    (unsigned long long)c->id, conn_side_name(c->side), c->peer_str,
	    why);
	if (sip_msg_response_raw(buf, len, 400, "Bad Request", &out,
	    &outlen) == 0) {
		(void)conn_send(c, out, outlen);
		osip_free(out);
		return;
	}
	conn_close(c, "unparsable message");
}

/* A request: the edge serves OPTIONS to itself; the rest needs routing. */
static void
proxy_request(struct proxy *p, struct conn *c, osip_message_t *m)
{
	const char	*method = sip_msg_method(m);

	if (strcmp(method, "ACK") == 0)
		return;		/* never answered */
	if (strcmp(method, "OPTIONS") == 0 &&
	    sip_msg_is_for_edge(m, (const char *const *)p->hosts, p->n_hosts)) {
		proxy_reply(c, m, 200, "OK");
		return;
	}
	log_info("conn %llu %s %s: %s %s not routed: no proxy core yet",
	    (unsigned long long)c->id, conn_side_name(c->side), c->peer_str,
	    method, sip_msg_call_id(m));
	proxy_reply(c, m, 501, "Not Implemented");
}

/* One framed message from either side. */
static void
proxy_message(struct proxy *p, struct conn *c, const char *buf, size_t len)
{
	osip_message_t	*m;
	char		 why[256];

	if ((m = sip_msg_parse(buf, len, why, sizeof(why))) == NULL) {
		proxy_unparsable(c, buf, len, why);
		return;
	}
	if (sip_msg_is_request(m)) {
		/* The connection is the truth, never the Via (design rule 1). */
		sip_msg_via_received(m, (const struct sockaddr *)&c->peer);
		if (c->side == CONN_SIDE_PHONE)
			proxy_note_user_agent(p, c, m);
		proxy_request(p, c, m);
	} else
		log_debug("conn %llu: response %d for %s without a transaction",
		    (unsigned long long)c->id, sip_msg_status(m),
		    sip_msg_call_id(m));
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
 * RFC 3261 §18.3), then the connection closes.
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

const struct conn_handler proxy_phone_handler = {
	.message = proxy_phone_message_cb,
	.garbage = proxy_garbage_cb,
};

const struct conn_handler proxy_carrier_handler = {
	.message = proxy_carrier_message_cb,
	.garbage = proxy_garbage_cb,
};
