/*
 * carrier_listener.c: carriers that connect to the edge. Many carriers
 * open their own connection to the address in the edge's Contact or
 * Record-Route for a new request, and every carrier must once the edge's
 * connection is gone. Admission is by address before any TLS: only the
 * addresses the configured carriers resolve to may connect, so the
 * listener is no open door for anyone else. Where a carrier's file gives
 * ca_file, its client certificate must chain to that CA and name the
 * carrier (carrier.c checks the name once the handshake is done).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acceptor.h"
#include "carrier.h"
#include "carrier_listener.h"
#include "conn.h"
#include "edge_config.h"
#include "log.h"
#include "tls.h"
#include "util.h"

/* The server context for the connections of one carrier with ca_file. */
struct carrier_listener_ca {
	char		*carrier;
	SSL_CTX		*ctx;
};

struct carrier_listener_tls {
	SSL_CTX				*plain;	/* no client certificate */
	struct carrier_listener_ca	*v;
	size_t				 n;
};

struct carrier_listener {
	struct acceptor			*acc;
	struct carrier_set		*carriers;
	struct carrier_listener_tls	*tls;
};

void
carrier_listener_tls_free(struct carrier_listener_tls *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++) {
		free(t->v[i].carrier);
		SSL_CTX_free(t->v[i].ctx);
	}
	free(t->v);
	if (t->plain != NULL)
		SSL_CTX_free(t->plain);
	free(t);
}

struct carrier_listener_tls *
carrier_listener_tls_new(const struct config *cfg, char **why)
{
	struct carrier_listener_tls	*t = xcalloc(1, sizeof(*t));
	const struct config_carrier	*cc;
	char				 err[512];
	size_t				 i;

	if ((t->plain = tls_carrier_server_ctx_new(&cfg->phones, NULL, err,
	    sizeof(err))) == NULL) {
		xasprintf(why, "carrier listener TLS: %s", err);
		goto fail;
	}
	t->v = xcalloc(cfg->n_carriers, sizeof(*t->v));
	for (i = 0; i < cfg->n_carriers; i++) {
		cc = cfg->carriers[i];
		if (!carrier_wants_client_cert(cc))
			continue;
		t->v[t->n].ctx = tls_carrier_server_ctx_new(&cfg->phones,
		    cc->ca_file, err, sizeof(err));
		if (t->v[t->n].ctx == NULL) {
			xasprintf(why, "carrier listener TLS for carrier %s: %s",
			    cc->name, err);
			goto fail;
		}
		t->v[t->n++].carrier = xstrdup(cc->name);
	}
	return t;
fail:
	carrier_listener_tls_free(t);
	return NULL;
}

/* The context for a carrier's connections; NULL if it has none (yet). */
static SSL_CTX *
carrier_listener_ctx(const struct carrier_listener_tls *t,
    const struct carrier *c)
{
	size_t	i;

	if (!carrier_wants_client_cert(c->cfg))
		return t->plain;
	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].carrier, c->name) == 0)
			return t->v[i].ctx;
	return NULL;
}

/*
 * Admit a connection from a carrier's address, refuse any other. A refusal
 * is what it is, one line naming the address: no TLS ever starts for it.
 */
static void
carrier_listener_admit_cb(int fd, struct sockaddr *sa, socklen_t salen,
    void *arg)
{
	struct carrier_listener	*cl = arg;
	struct carrier		*c = NULL;
	struct conn		*conn;
	SSL_CTX			*ctx;
	char			 peer[64], why[256];

	sockaddr_str(sa, peer, sizeof(peer));
	if (cl->carriers != NULL)
		c = carrier_set_by_address(cl->carriers, sa);
	if (c == NULL) {
		log_info("carrier listener: connection from %s refused: no "
		    "configured carrier resolves to that address", peer);
		close(fd);
		return;
	}
	if ((ctx = carrier_listener_ctx(cl->tls, c)) == NULL) {
		log_warn("carrier listener: connection from %s (carrier %s) "
		    "refused: no TLS context for its ca_file", peer, c->name);
		close(fd);
		return;
	}
	if ((conn = carrier_accept(c, fd, sa, salen, ctx, why,
	    sizeof(why))) == NULL) {
		log_warn("carrier listener: connection from %s (carrier %s) "
		    "refused: %s", peer, c->name, why);
		return;
	}
	log_debug("conn %llu carrier %s: accepted for carrier %s%s",
	    (unsigned long long)conn->id, conn->peer_str, c->name,
	    carrier_wants_client_cert(c->cfg) ?
	    ", client certificate required" : "");
}

struct carrier_listener *
carrier_listener_open(struct event_base *base, const struct config *cfg,
    char **why)
{
	struct carrier_listener	*cl = xcalloc(1, sizeof(*cl));

	if ((cl->tls = carrier_listener_tls_new(cfg, why)) == NULL ||
	    (cl->acc = acceptor_open(base, cfg->carrier_side.listen,
	    cfg->carrier_side.n_listen, "carriers", carrier_listener_admit_cb,
	    cl, why)) == NULL) {
		carrier_listener_close(cl);
		return NULL;
	}
	return cl;
}

void
carrier_listener_set_carriers(struct carrier_listener *cl,
    struct carrier_set *set)
{
	cl->carriers = set;
}

void
carrier_listener_reload(struct carrier_listener *cl,
    struct carrier_listener_tls *t)
{
	/* Open connections hold references to the contexts they use. */
	carrier_listener_tls_free(cl->tls);
	cl->tls = t;
}

void
carrier_listener_close(struct carrier_listener *cl)
{
	if (cl == NULL)
		return;
	acceptor_close(cl->acc);
	carrier_listener_tls_free(cl->tls);
	free(cl);
}

size_t
carrier_listener_count(const struct carrier_listener *cl)
{
	return acceptor_count(cl->acc);
}

const char *
carrier_listener_addr_str(const struct carrier_listener *cl, size_t i,
    char *buf, size_t len)
{
	return sockaddr_str(acceptor_addr(cl->acc, i, NULL), buf, len);
}

/* The listening socket for conn's address family, else the first. */
static const struct sockaddr *
carrier_listener_pick(const struct carrier_listener *cl,
    const struct conn *conn)
{
	const struct sockaddr	*sa;
	int			 family;
	size_t			 i;

	family = strchr(conn->local_host, ':') != NULL ? AF_INET6 : AF_INET;
	for (i = 0; i < acceptor_count(cl->acc); i++) {
		sa = acceptor_addr(cl->acc, i, NULL);
		if (sa->sa_family == family)
			return sa;
	}
	return acceptor_addr(cl->acc, 0, NULL);
}

/* The numeric host of a listening socket, "" for a wildcard address. */
static void
carrier_listener_host(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in	*sin = (const void *)sa;
	const struct sockaddr_in6	*sin6 = (const void *)sa;

	buf[0] = '\0';
	if (sa->sa_family == AF_INET && sin->sin_addr.s_addr != INADDR_ANY)
		inet_ntop(AF_INET, &sin->sin_addr, buf, len);
	else if (sa->sa_family == AF_INET6 &&
	    !IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, len);
}

/* The port of a listening socket. */
static uint16_t
carrier_listener_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_port);
	return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
}

void
carrier_listener_self(const struct carrier_listener *cl,
    const struct config *cfg, const struct conn *conn, char *host,
    size_t hostlen, uint16_t *port)
{
	const char		*adv = cfg->carrier_side.advertised_address;
	const char		*pub = cfg->media.carrier_public_address;
	const struct sockaddr	*sa;
	const char		*why;
	char			 h[256];
	uint16_t		 p;

	if (cl == NULL || acceptor_count(cl->acc) == 0) {
		/* No listener: the connection's own address, as before. */
		snprintf(host, hostlen, "%s", pub != NULL ? pub :
		    conn->local_host);
		*port = conn->local_port;
		return;
	}
	sa = carrier_listener_pick(cl, conn);
	*port = carrier_listener_port(sa);
	if (adv != NULL && hostport_split(adv, h, sizeof(h), &p, &why) == 0) {
		snprintf(host, hostlen, "%s", h);
		if (p != 0)
			*port = p;
		return;
	}
	if (pub != NULL) {
		snprintf(host, hostlen, "%s", pub);
		return;
	}
	carrier_listener_host(sa, host, hostlen);
	if (host[0] == '\0')
		snprintf(host, hostlen, "%s", conn->local_host);
}

void
carrier_listener_hostport(const struct carrier_listener *cl,
    const struct config *cfg, const struct conn *conn, char *buf, size_t len)
{
	char		host[256];
	uint16_t	port;
	int		v6;

	carrier_listener_self(cl, cfg, conn, host, sizeof(host), &port);
	v6 = strchr(host, ':') != NULL;
	snprintf(buf, len, "%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "",
	    port);
}
