/*
 * carrier_keepalive.c: keeping the edge's connection to a carrier alive,
 * and noticing when it is dead although TCP has not said so.
 *
 * crlf: a CRLFCRLF ping every keepalive seconds (RFC 5626 §4.4.1). Only
 * carriers that support outbound answer with a pong, most trunks do not,
 * so a missing pong means something only once the carrier has ponged on
 * this connection; until then the pings are just NAT keep-alives.
 *
 * options: an OPTIONS request to the carrier's domain instead, which is
 * what carriers' own SBCs expect; any response counts as alive, and none
 * within keepalive_timeout fails the connection. The answers come back
 * through the proxy, which hands them here by their branch: they belong to
 * no transaction.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/rand.h>

#include "carrier.h"
#include "carrier_int.h"
#include "carrier_listener.h"
#include "conn.h"
#include "edge_config.h"
#include "log.h"
#include "sip_hdr.h"

/* "k" is no hex digit: never a prefix of the proxy's own branches. */
#define CARRIER_KEEPALIVE_BRANCH	SIP_HDR_BRANCH_PREFIX "ka"

/* 16 random hex digits, for branches, tags and Call-IDs. */
static void
carrier_keepalive_hex(char *buf, size_t len)
{
	uint64_t	r = 0;

	(void)RAND_bytes((unsigned char *)&r, sizeof(r));
	snprintf(buf, len, "%016" PRIx64, r);
}

/*
 * Send one OPTIONS to sip:DOMAIN with the Via the edge uses towards this
 * carrier and a fresh branch; the Call-ID, From tag and CSeq run per
 * connection.
 */
static int
carrier_keepalive_options(struct carrier *c)
{
	char		 host[256], hex[20], buf[1024];
	uint16_t	 port;
	int		 n, v6;

	carrier_listener_self(c->set->listener, c->set->cfg, c->conn, host,
	    sizeof(host), &port);
	v6 = strchr(host, ':') != NULL;
	carrier_keepalive_hex(hex, sizeof(hex));
	n = snprintf(buf, sizeof(buf),
	    "OPTIONS sip:%s SIP/2.0\r\n"
	    "Via: SIP/2.0/TLS %s%s%s:%u;branch=%s%s;rport\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:sipedge@%s%s%s>;tag=%s\r\n"
	    "To: <sip:%s>\r\n"
	    "Call-ID: %s\r\n"
	    "CSeq: %u OPTIONS\r\n"
	    "User-Agent: sipedge/" PACKAGE_VERSION "\r\n"
	    "Content-Length: 0\r\n\r\n",
	    c->cfg->domain, v6 ? "[" : "", host, v6 ? "]" : "", port,
	    CARRIER_KEEPALIVE_BRANCH, hex, v6 ? "[" : "", host, v6 ? "]" : "",
	    c->ka_tag, c->cfg->domain, c->ka_call_id, ++c->ka_cseq);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	return conn_send(c->conn, buf, (size_t)n);
}

/* Time for a ping or an OPTIONS, and perhaps a deadline for its answer. */
static void
carrier_keepalive_cb(evutil_socket_t fd, short events, void *arg)
{
	struct carrier	*c = arg;
	struct timeval	 tv = { c->cfg->keepalive_timeout, 0 };
	bool		 expect;

	if (c->conn == NULL)
		return;
	if (c->cfg->keepalive_method == KEEPALIVE_OPTIONS) {
		if (carrier_keepalive_options(c) == -1)
			return;
		expect = true;
	} else {
		if (conn_ping(c->conn) == -1)
			return;
		expect = c->ka_answered;
	}
	if (expect && !event_pending(c->answer, EV_TIMEOUT, NULL))
		event_add(c->answer, &tv);
}

/* No answer in time: the flow is dead even if TCP has not noticed. */
static void
carrier_keepalive_answer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct carrier	*c = arg;
	char		 why[80];

	if (c->conn == NULL)
		return;
	if (c->cfg->keepalive_method == KEEPALIVE_OPTIONS)
		snprintf(why, sizeof(why), "no answer to keep-alive OPTIONS "
		    "within %u s", c->cfg->keepalive_timeout);
	else
		snprintf(why, sizeof(why), "no keep-alive pong within %u s "
		    "(it answered pings before)", c->cfg->keepalive_timeout);
	conn_abort(c->conn, why);
}

void
carrier_keepalive_init(struct carrier *c)
{
	c->keepalive = event_new(c->set->base, -1, EV_PERSIST,
	    carrier_keepalive_cb, c);
	c->answer = evtimer_new(c->set->base, carrier_keepalive_answer_cb, c);
	if (c->keepalive == NULL || c->answer == NULL)
		fatal("%s: event_new", __func__);
}

void
carrier_keepalive_free(struct carrier *c)
{
	event_free(c->keepalive);
	event_free(c->answer);
}

void
carrier_keepalive_stop(struct carrier *c)
{
	event_del(c->keepalive);
	event_del(c->answer);
}

/* (Re)start the timer with the configured interval; 0 means none. */
static void
carrier_keepalive_arm(struct carrier *c)
{
	struct timeval	tv = { c->cfg->keepalive, 0 };

	carrier_keepalive_stop(c);
	c->ka_interval = c->cfg->keepalive;
	c->ka_options = c->cfg->keepalive_method == KEEPALIVE_OPTIONS;
	if (c->conn != NULL && c->cfg->keepalive > 0)
		event_add(c->keepalive, &tv);
}

void
carrier_keepalive_start(struct carrier *c)
{
	char	hex[20];

	c->ka_answered = false;
	c->ka_cseq = 0;
	carrier_keepalive_hex(c->ka_tag, sizeof(c->ka_tag));
	carrier_keepalive_hex(hex, sizeof(hex));
	snprintf(c->ka_call_id, sizeof(c->ka_call_id), "ka-%s", hex);
	carrier_keepalive_arm(c);
}

void
carrier_keepalive_reload(struct carrier *c)
{
	bool	options = c->cfg->keepalive_method == KEEPALIVE_OPTIONS;

	if (c->state != CARRIER_CONNECTED)
		return;
	/* An answer to the other method says nothing about this one. */
	if (options != c->ka_options)
		c->ka_answered = false;
	if (options != c->ka_options || c->ka_interval != c->cfg->keepalive)
		carrier_keepalive_arm(c);
}

void
carrier_keepalive_pong(struct carrier *c)
{
	if (c->cfg->keepalive_method != KEEPALIVE_CRLF)
		return;
	if (!c->ka_answered)
		log_info("carrier %s: answers keep-alive pings: a missing pong "
		    "now fails the connection", c->name);
	c->ka_answered = true;
	event_del(c->answer);
}

bool
carrier_keepalive_response(const struct carrier_set *set,
    const struct conn *from, const char *branch)
{
	struct carrier	*c;

	if (branch == NULL || strncmp(branch, CARRIER_KEEPALIVE_BRANCH,
	    strlen(CARRIER_KEEPALIVE_BRANCH)) != 0)
		return false;
	if ((c = carrier_of(set, from)) != NULL && c->conn == from) {
		c->ka_answered = true;
		event_del(c->answer);
		log_debug("carrier %s: keep-alive OPTIONS answered", c->name);
	}
	return true;
}
