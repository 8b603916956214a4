/*
 * carrier.c: the carrier side. Each carrier walks resolving -> connecting
 * -> connected; a failure moves it to backoff (or failed, when every
 * target presented a certificate we refuse) and a timer starts the next
 * round. The name check is RFC 5922 against the SIP domain, never against
 * the SRV or NAPTR target: accepting the target's name is the very bug
 * the phones behind us have.
 *
 * Connections a carrier opens to the carrier listener (inbound) belong to
 * that carrier as well: their requests go to the proxy exactly like those
 * on our own connection, and they end with the carrier. They play no part
 * in its state, which is about the connection the edge keeps.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <unistd.h>

#include "acceptor.h"
#include "carrier.h"
#include "carrier_int.h"
#include "conn.h"
#include "dns.h"
#include "edge_config.h"
#include "log.h"
#include "tls.h"
#include "tls_name.h"
#include "util.h"

/* What a carrier connection may use, either way it was opened. */
static const struct conn_limits carrier_limits = {
	.max_message = 65536, .idle_timeout = 0, .handshake_timeout = 10,
	.max_output = 4u << 20,
};

/*
 * A connection a carrier opened and then left silent (not even a ping)
 * for longer than any registration refresh is of no use to it: it can
 * open another.
 */
#define CARRIER_INBOUND_IDLE	3900

static void	carrier_start(struct carrier *);
static void	carrier_next_target(struct carrier *);

static const char *const carrier_state_names[] = {
	[CARRIER_RESOLVING] = "resolving",
	[CARRIER_CONNECTING] = "connecting",
	[CARRIER_CONNECTED] = "connected",
	[CARRIER_BACKOFF] = "backoff",
	[CARRIER_FAILED] = "failed",
};

const char *
carrier_state_name(enum carrier_state s)
{
	return carrier_state_names[s];
}

/* The one place a carrier changes state, so every change is logged. */
static void
carrier_set_state(struct carrier *c, enum carrier_state s)
{
	if (c->state != s)
		log_info("carrier %s: %s -> %s", c->name,
		    carrier_state_name(c->state), carrier_state_name(s));
	c->state = s;
	clock_gettime(CLOCK_MONOTONIC, &c->since);
}

/* Remember why the last attempt failed; shown by sipedgectl carriers. */
static void __attribute__((format(printf, 2, 3)))
carrier_error(struct carrier *c, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
	va_end(ap);
	log_warn("carrier %s: %s", c->name, c->last_error);
}

/* The name the certificate must carry: tls_verify_name or the SIP domain. */
static const char *
carrier_verify_name(const struct carrier *c)
{
	return c->cfg->tls_verify_name != NULL ? c->cfg->tls_verify_name :
	    c->cfg->domain;
}

const char *
carrier_target_str(const struct carrier *c, char *buf, size_t len)
{
	const struct rfc3263_target	*t;
	char				 addr[64];
	size_t				 n;

	buf[0] = '\0';
	if (c->targets == NULL || c->cur >= c->n_targets)
		return buf;
	t = &c->targets[c->cur];
	sockaddr_str((const struct sockaddr *)&t->addr, addr, sizeof(addr));
	/* A numeric server is its own host: "127.0.0.1:5061", "[::1]:5061". */
	n = strlen(t->host);
	if (n == 0 || (strncmp(addr, t->host, n) == 0 && addr[n] == ':') ||
	    (addr[0] == '[' && strncmp(addr + 1, t->host, n) == 0 &&
	    addr[n + 1] == ']'))
		snprintf(buf, len, "%s", addr);
	else
		snprintf(buf, len, "%s %s", t->host, addr);
	return buf;
}

/* Schedule the next round after a capped, jittered exponential back-off. */
static void
carrier_backoff(struct carrier *c, enum carrier_state s)
{
	struct timeval	tv;
	unsigned char	r = 0;

	carrier_set_state(c, s);
	if (c->backoff == 0)
		c->backoff = 1;
	(void)RAND_bytes(&r, 1);
	tv.tv_sec = c->backoff;
	tv.tv_usec = (r % 100) * 10000;		/* up to 1 s of jitter */
	log_info("carrier %s: next attempt in %u s", c->name, c->backoff);
	c->backoff = c->backoff * 2 > CARRIER_BACKOFF_MAX ?
	    CARRIER_BACKOFF_MAX : c->backoff * 2;
	event_add(c->retry, &tv);
}

/* Back-off over: resolve again (the DNS cache makes this cheap). */
static void
carrier_retry_cb(evutil_socket_t fd, short events, void *arg)
{
	carrier_start(arg);
}

/* TLS is up and the chain verified: now the RFC 5922 name check. */
static void
carrier_conn_open_cb(struct conn *conn, void *arg)
{
	struct carrier	*c = arg;
	char		 why[512], target[300];
	int		 fd;

	carrier_target_str(c, target, sizeof(target));
	if (c->cfg->tls_verify) {
		if (tls_name_verify(conn->ssl, carrier_verify_name(c), why,
		    sizeof(why)) == -1) {
			c->refused++;
			carrier_error(c, "%s: certificate refused: %s", target,
			    why);
			conn_abort(conn, "certificate refused");
			return;
		}
		snprintf(c->verified_name, sizeof(c->verified_name), "%s",
		    carrier_verify_name(c));
	} else
		snprintf(c->verified_name, sizeof(c->verified_name),
		    "(not verified: tls_verify = no)");
	c->backoff = 0;
	c->connects++;
	c->last_error[0] = '\0';
	carrier_set_state(c, CARRIER_CONNECTED);
	log_notice("carrier %s: connected to %s from local port %u (%s, %s), "
	    "certificate verified for %s", c->name, target, conn->local_port,
	    conn->tls.version, conn->tls.cipher, c->verified_name);
	if (c->connects > 1 && conn->local_port != c->local_port)
		log_warn("carrier %s: reconnected from another local port than "
		    "before (%u, was %u): the carrier reaches registered phones "
		    "again as they refresh their registrations", c->name,
		    conn->local_port, c->local_port);
	c->local_port = conn->local_port;
	if ((fd = bufferevent_getfd(conn->bev)) >= 0)
		acceptor_set_dscp(fd, conn->peer.ss_family, c->cfg->dscp);
	carrier_keepalive_start(c);
	if (c->set->watch != NULL)
		c->set->watch(c, true, c->set->watch_arg);
}

/* A message from the carrier goes to the proxy. */
static void
carrier_conn_message_cb(struct conn *conn, const char *buf, size_t len,
    void *arg)
{
	struct carrier	*c = arg;

	if (c->set->up->message != NULL)
		c->set->up->message(conn, buf, len, c->set->up_arg);
}

/* Bytes that are not SIP; the connection closes after this. */
static void
carrier_conn_garbage_cb(struct conn *conn, const char *buf, size_t len,
    bool too_big, const char *why, void *arg)
{
	struct carrier	*c = arg;

	if (c->set->up->garbage != NULL)
		c->set->up->garbage(conn, buf, len, too_big, why,
		    c->set->up_arg);
}

/* The pong for our ping. */
static void
carrier_conn_pong_cb(struct conn *conn, void *arg)
{
	carrier_keepalive_pong(arg);
}

/*
 * Did OpenSSL refuse the chain during the handshake? The handshake fails
 * before a peer certificate is kept, so ask for the verify result itself.
 */
static int
carrier_chain_refused(struct conn *conn, const char *why, char *buf,
    size_t len)
{
	long	r = SSL_get_verify_result(conn->ssl);

	if (r == X509_V_OK && strstr(why, "certificate verify failed") == NULL)
		return 0;
	snprintf(buf, len, "%s", r != X509_V_OK ?
	    X509_verify_cert_error_string(r) : "certificate verify failed");
	return 1;
}

/* The connection is gone: try the next target, or back off. */
static void
carrier_conn_closed_cb(struct conn *conn, const char *why, void *arg)
{
	struct carrier	*c = arg;
	char		 target[300], chain[256];

	if (c->conn != conn)
		return;
	c->conn = NULL;
	carrier_keepalive_stop(c);
	if (c->set->up->closed != NULL)
		c->set->up->closed(conn, why, c->set->up_arg);
	carrier_target_str(c, target, sizeof(target));
	if (c->state == CARRIER_CONNECTED) {
		if (c->set->watch != NULL)
			c->set->watch(c, false, c->set->watch_arg);
		if (c->failover) {
			c->failover = false;
			c->cur++;
			c->any_port = false;
			carrier_next_target(c);
			return;
		}
		carrier_error(c, "connection to %s lost: %s", target, why);
		carrier_backoff(c, CARRIER_BACKOFF);
		return;
	}
	if (c->state != CARRIER_CONNECTING)
		return;
	if (strcmp(why, "certificate refused") != 0) {
		if (c->cfg->tls_verify && carrier_chain_refused(conn, why,
		    chain, sizeof(chain))) {
			c->refused++;
			carrier_error(c, "%s: certificate refused: %s", target,
			    chain);
		} else
			carrier_error(c, "%s: %s", target, why);
	}
	/*
	 * A target that answered but did not take the connection from our
	 * old port (a peer still holding the old connection's 4-tuple, say)
	 * is tried again at once from any port. Refused means the carrier is
	 * down: keep the port for the next round.
	 */
	if (!c->any_port && c->local_port != 0 &&
	    conn->sock_error != ECONNREFUSED) {
		c->any_port = true;
		log_info("carrier %s: trying %s again from any local port",
		    c->name, target);
	} else {
		c->cur++;
		c->any_port = false;
	}
	carrier_next_target(c);
}

static const struct conn_handler carrier_conn_handler = {
	.open = carrier_conn_open_cb,
	.message = carrier_conn_message_cb,
	.garbage = carrier_conn_garbage_cb,
	.pong = carrier_conn_pong_cb,
	.closed = carrier_conn_closed_cb,
};

bool
carrier_failover(struct carrier *c, const char *why)
{
	char	target[300];

	if (c->state != CARRIER_CONNECTED || c->conn == NULL || c->failover ||
	    c->cur + 1 >= c->n_targets)
		return false;
	carrier_target_str(c, target, sizeof(target));
	carrier_error(c, "%s: %s; going on to the next target", target, why);
	c->failover = true;
	snprintf(c->failover_why, sizeof(c->failover_why), "%s", why);
	/*
	 * Not here: the caller may be inside a transaction of this very
	 * connection, which its closing would free under it.
	 */
	event_active(c->failover_ev, EV_TIMEOUT, 0);
	return true;
}

/* carrier_failover, from the event loop. */
static void
carrier_failover_cb(evutil_socket_t fd, short events, void *arg)
{
	struct carrier	*c = arg;

	if (c->failover && c->conn != NULL)
		conn_close(c->conn, c->failover_why);
}

/* Try targets in RFC 3263 order until one connects. */
static void
carrier_next_target(struct carrier *c)
{
	const struct rfc3263_target	*t;
	char				 why[256], target[300];
	const char			*sni;

	while (c->cur < c->n_targets) {
		t = &c->targets[c->cur];
		c->attempts++;
		carrier_set_state(c, CARRIER_CONNECTING);
		carrier_target_str(c, target, sizeof(target));
		log_info("carrier %s: connecting to %s", c->name, target);
		/* SNI names the SIP domain: that is what we verify. */
		sni = carrier_verify_name(c);
		/*
		 * From the local port of the last connection: the carrier's
		 * registrations and dialogs name it, and a carrier finds the
		 * connection by the address it sends to. Any port if that
		 * one is not free.
		 */
		c->conn = conn_connect(c->set->base,
		    (const struct sockaddr *)&t->addr, t->addrlen,
		    c->any_port ? 0 : c->local_port, c->ctx, sni,
		    &carrier_limits, &carrier_conn_handler, c, why,
		    sizeof(why));
		if (c->conn == NULL && !c->any_port && c->local_port != 0) {
			log_info("carrier %s: %s; connecting from any port",
			    c->name, why);
			c->conn = conn_connect(c->set->base,
			    (const struct sockaddr *)&t->addr, t->addrlen, 0,
			    c->ctx, sni, &carrier_limits, &carrier_conn_handler,
			    c, why, sizeof(why));
		}
		if (c->conn != NULL) {
			c->conn->owner = xstrdup(c->name);
			c->conn->reset_on_abort = true;
			return;
		}
		carrier_error(c, "%s: %s", target, why);
		c->cur++;
		c->any_port = false;
	}
	/* Every target failed this round. */
	carrier_backoff(c, c->attempts > 0 && c->refused == c->attempts ?
	    CARRIER_FAILED : CARRIER_BACKOFF);
}

/* RFC 3263 answered: keep the ordered targets and start connecting. */
static void
carrier_resolved_cb(int error, const char *errmsg,
    const struct rfc3263_target *targets, size_t n, void *arg)
{
	struct carrier	*c = arg;

	c->query = NULL;
	if (error != 0 || n == 0) {
		carrier_error(c, "%s", errmsg != NULL ? errmsg :
		    "no targets found");
		carrier_backoff(c, CARRIER_BACKOFF);
		return;
	}
	free(c->targets);
	c->targets = xcalloc(n, sizeof(*c->targets));
	memcpy(c->targets, targets, n * sizeof(*targets));
	c->n_targets = n;
	c->cur = 0;
	c->any_port = false;
	c->refused = 0;
	c->attempts = 0;
	log_info("carrier %s: %zu target%s for %s", c->name, n,
	    n == 1 ? "" : "s", c->cfg->domain);
	carrier_next_target(c);
}

/* Begin a round: resolve, then connect. */
static void
carrier_start(struct carrier *c)
{
	struct dns_query	*q;

	carrier_set_state(c, CARRIER_RESOLVING);
	q = dns_resolve_sip(c->set->dns, c->cfg->domain, c->cfg->server_host,
	    c->cfg->server_port, carrier_resolved_cb, c);
	/* The answer may already have come (numeric server, cache). */
	if (c->state == CARRIER_RESOLVING)
		c->query = q;
}

/* Build a carrier from its configuration and start it. */
static struct carrier *
carrier_new(struct carrier_set *set, const struct config_carrier *cfg)
{
	struct carrier	*c = xcalloc(1, sizeof(*c));
	char		 why[512];

	c->name = xstrdup(cfg->name);
	c->cfg = cfg;
	c->set = set;
	c->retry = evtimer_new(set->base, carrier_retry_cb, c);
	c->failover_ev = evtimer_new(set->base, carrier_failover_cb, c);
	if (c->retry == NULL || c->failover_ev == NULL)
		fatal("%s: event_new", __func__);
	carrier_keepalive_init(c);
	clock_gettime(CLOCK_MONOTONIC, &c->since);
	if ((c->ctx = tls_carrier_ctx_new(cfg, why, sizeof(why))) == NULL) {
		carrier_error(c, "TLS context: %s", why);
		carrier_set_state(c, CARRIER_FAILED);
		return c;
	}
	carrier_start(c);
	return c;
}

/* Stop a carrier and free it, with every connection it has. */
static void
carrier_free(struct carrier *c)
{
	/* Off the list first: its closed callback finds nothing to take. */
	while (c->n_inbound > 0)
		conn_abort(c->inbound[--c->n_inbound],
		    "carrier removed or stopped");
	if (c->query != NULL)
		dns_cancel(c->query);
	if (c->conn != NULL) {
		struct conn *conn = c->conn;

		c->conn = NULL;
		conn->reset_on_abort = false;	/* no reconnect: close cleanly */
		conn_abort(conn, "carrier removed or stopped");
	}
	event_free(c->retry);
	event_free(c->failover_ev);
	carrier_keepalive_free(c);
	if (c->ctx != NULL)
		SSL_CTX_free(c->ctx);
	free(c->targets);
	free(c->name);
	free(c);
}

struct carrier_set *
carrier_set_new(struct event_base *base, struct dns *dns,
    const struct config *cfg, const struct conn_handler *up, void *up_arg)
{
	struct carrier_set	*set = xcalloc(1, sizeof(*set));
	size_t			 i;

	set->base = base;
	set->dns = dns;
	set->up = up;
	set->up_arg = up_arg;
	set->cfg = cfg;
	set->v = xcalloc(cfg->n_carriers, sizeof(*set->v));
	for (i = 0; i < cfg->n_carriers; i++)
		set->v[set->n++] = carrier_new(set, cfg->carriers[i]);
	return set;
}

/* Whether a change of configuration needs a new connection. */
static int
carrier_cfg_differs(const struct config_carrier *a,
    const struct config_carrier *b)
{
#define STR_NE(x, y) (((x) == NULL) != ((y) == NULL) || \
	((x) != NULL && strcmp((x), (y)) != 0))
	return STR_NE(a->domain, b->domain) ||
	    STR_NE(a->server_host, b->server_host) ||
	    a->server_port != b->server_port ||
	    a->tls_verify != b->tls_verify ||
	    STR_NE(a->tls_verify_name, b->tls_verify_name) ||
	    STR_NE(a->ca_file, b->ca_file);
#undef STR_NE
}

void
carrier_set_reload(struct carrier_set *set, const struct config *cfg)
{
	struct carrier	**v = xcalloc(cfg->n_carriers, sizeof(*v));
	struct carrier	 *c;
	size_t		  i, j;

	for (i = 0; i < cfg->n_carriers; i++) {
		c = NULL;
		for (j = 0; j < set->n; j++) {
			if (set->v[j] != NULL &&
			    strcmp(set->v[j]->name, cfg->carriers[i]->name) == 0) {
				c = set->v[j];
				set->v[j] = NULL;
				break;
			}
		}
		if (c != NULL && !carrier_cfg_differs(c->cfg, cfg->carriers[i])) {
			c->cfg = cfg->carriers[i];	/* same connection */
			carrier_keepalive_reload(c);
			v[i] = c;
			continue;
		}
		if (c != NULL) {
			log_notice("carrier %s: settings changed, reconnecting",
			    c->name);
			carrier_free(c);
		} else
			log_notice("carrier %s: added", cfg->carriers[i]->name);
		v[i] = carrier_new(set, cfg->carriers[i]);
	}
	for (j = 0; j < set->n; j++) {
		if (set->v[j] != NULL) {
			log_notice("carrier %s: removed", set->v[j]->name);
			carrier_free(set->v[j]);
		}
	}
	free(set->v);
	set->v = v;
	set->n = cfg->n_carriers;
	set->cfg = cfg;
}

void
carrier_set_free(struct carrier_set *set)
{
	size_t	i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		carrier_free(set->v[i]);
	free(set->v);
	free(set);
}

void
carrier_set_watch(struct carrier_set *set,
    void (*fn)(struct carrier *, bool, void *), void *arg)
{
	set->watch = fn;
	set->watch_arg = arg;
}

size_t
carrier_set_count(const struct carrier_set *set)
{
	return set->n;
}

struct carrier *
carrier_set_get(const struct carrier_set *set, size_t i)
{
	return i < set->n ? set->v[i] : NULL;
}

struct carrier *
carrier_set_find(const struct carrier_set *set, const char *name)
{
	size_t	i;

	for (i = 0; i < set->n; i++)
		if (strcmp(set->v[i]->name, name) == 0)
			return set->v[i];
	return NULL;
}

struct carrier *
carrier_of(const struct carrier_set *set, const struct conn *conn)
{
	size_t	i, j;

	if (conn->side != CONN_SIDE_CARRIER)
		return NULL;
	for (i = 0; i < set->n; i++) {
		if (set->v[i]->conn == conn)
			return set->v[i];
		for (j = 0; j < set->v[i]->n_inbound; j++)
			if (set->v[i]->inbound[j] == conn)
				return set->v[i];
	}
	return NULL;
}

void
carrier_set_listener(struct carrier_set *set,
    const struct carrier_listener *cl)
{
	set->listener = cl;
}

/* Same address, ports aside? */
static bool
carrier_addr_eq(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	const struct sockaddr_in	*a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6	*a6 = (const void *)a, *b6 = (const void *)b;

	if (a->ss_family != b->sa_family)
		return false;
	if (b->sa_family == AF_INET)
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return b->sa_family == AF_INET6 &&
	    memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr)) == 0;
}

struct carrier *
carrier_set_by_address(const struct carrier_set *set,
    const struct sockaddr *sa)
{
	size_t	i, j;

	for (i = 0; i < set->n; i++) {
		for (j = 0; j < set->v[i]->n_targets; j++)
			if (carrier_addr_eq(&set->v[i]->targets[j].addr, sa))
				return set->v[i];
	}
	return NULL;
}

bool
carrier_wants_client_cert(const struct config_carrier *cc)
{
	/* Only a carrier CA tells which client certificates are its own. */
	return cc->ca_file != NULL;
}

/*
 * An inbound connection is up. Where the carrier's file asks for it, the
 * client certificate chained to its CA in the handshake; now it must name
 * the carrier (RFC 5922 §7 the other way round).
 */
static void
carrier_inbound_open_cb(struct conn *conn, void *arg)
{
	struct carrier	*c = arg;
	char		 why[512], reason[600];

	if (carrier_wants_client_cert(c->cfg)) {
		if (tls_name_verify(conn->ssl, carrier_verify_name(c), why,
		    sizeof(why)) == -1) {
			snprintf(reason, sizeof(reason), "client certificate "
			    "refused for carrier %s: %s", c->name, why);
			conn_abort(conn, reason);
			return;
		}
		log_notice("conn %llu carrier %s: carrier %s connected to the "
		    "edge (%s, %s), client certificate verified for %s",
		    (unsigned long long)conn->id, conn->peer_str, c->name,
		    conn->tls.version, conn->tls.cipher, carrier_verify_name(c));
	} else
		log_notice("conn %llu carrier %s: carrier %s connected to the "
		    "edge (%s, %s)", (unsigned long long)conn->id,
		    conn->peer_str, c->name, conn->tls.version,
		    conn->tls.cipher);
}

/* Gone: off the carrier's list, and the proxy forgets it. */
static void
carrier_inbound_closed_cb(struct conn *conn, const char *why, void *arg)
{
	struct carrier	*c = arg;
	size_t		 i;

	for (i = 0; i < c->n_inbound && c->inbound[i] != conn; i++)
		;
	if (i < c->n_inbound)
		c->inbound[i] = c->inbound[--c->n_inbound];
	if (c->set->up->closed != NULL)
		c->set->up->closed(conn, why, c->set->up_arg);
}

static const struct conn_handler carrier_inbound_handler = {
	.open = carrier_inbound_open_cb,
	.message = carrier_conn_message_cb,
	.garbage = carrier_conn_garbage_cb,
	.pong = NULL,		/* the edge never pings these: a CRLF is stray */
	.closed = carrier_inbound_closed_cb,
};

struct conn *
carrier_accept(struct carrier *c, int fd, const struct sockaddr *sa,
    socklen_t salen, SSL_CTX *ctx, char *why, size_t whylen)
{
	struct conn_limits	 lim = carrier_limits;
	struct conn		*conn;

	if (c->n_inbound >= CARRIER_INBOUND_MAX) {
		snprintf(why, whylen, "carrier %s has %d connections to the "
		    "edge already", c->name, CARRIER_INBOUND_MAX);
		close(fd);
		return NULL;
	}
	lim.idle_timeout = CARRIER_INBOUND_IDLE;
	acceptor_set_dscp(fd, sa->sa_family, c->cfg->dscp);
	conn = conn_accept(c->set->base, CONN_SIDE_CARRIER, fd, sa, salen, ctx,
	    &lim, &carrier_inbound_handler, c);
	if (conn == NULL) {
		snprintf(why, whylen, "cannot set up a TLS connection");
		return NULL;
	}
	conn->owner = xstrdup(c->name);
	c->inbound[c->n_inbound++] = conn;
	c->inbound_accepted++;
	return conn;
}
