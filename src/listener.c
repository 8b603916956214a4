/*
 * listener.c: admit phones. Admission control happens before a
 * connection object exists, because a flood of connections must cost
 * as little as possible: over a limit the socket is closed at once.
 * The sockets and the accept loop are acceptor.c's.
 */
#include "config.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uthash.h>

#include "acceptor.h"
#include "conn.h"
#include "edge_config.h"
#include "flow.h"
#include "listener.h"
#include "log.h"
#include "util.h"

#define LISTENER_OUTPUT_MAX	(1u << 20)

/* Connections per peer address, for max_connections_per_ip. */
struct ip_count {
	unsigned char	key[17];	/* family + address */
	unsigned	n;
	UT_hash_handle	hh;
};

struct listener_set {
	struct event_base	*base;
	struct acceptor		*acc;
	SSL_CTX			*ctx;
	const struct flow_key	*flow_key;
	struct conn_limits	 limits;
	unsigned		 max_connections;
	unsigned		 max_per_ip;
	int			 dscp;
	struct ip_count		*ips;
	const struct conn_handler *handler;
	void			*arg;
};

/* The key under which a peer address is counted. */
static void
listener_ip_key(const struct sockaddr *sa, unsigned char key[17])
{
	memset(key, 0, 17);
	key[0] = (unsigned char)sa->sa_family;
	if (sa->sa_family == AF_INET)
		memcpy(key + 1, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	else if (sa->sa_family == AF_INET6)
		memcpy(key + 1, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
}

/* Count a connection from sa; NULL if that address is at its limit. */
static struct ip_count *
listener_ip_take(struct listener_set *ls, const struct sockaddr *sa)
{
	struct ip_count	*ic;
	unsigned char	 key[17];

	listener_ip_key(sa, key);
	HASH_FIND(hh, ls->ips, key, sizeof(key), ic);
	if (ic == NULL) {
		ic = xcalloc(1, sizeof(*ic));
		memcpy(ic->key, key, sizeof(key));
		HASH_ADD(hh, ls->ips, key, sizeof(ic->key), ic);
	}
	if (ic->n >= ls->max_per_ip)
		return NULL;
	ic->n++;
	return ic;
}

/* Give an address slot back. */
static void
listener_ip_give(struct listener_set *ls, const struct sockaddr *sa)
{
	struct ip_count		*ic;
	unsigned char		 key[17];

	listener_ip_key(sa, key);
	HASH_FIND(hh, ls->ips, key, sizeof(key), ic);
	if (ic != NULL && --ic->n == 0) {
		HASH_DEL(ls->ips, ic);
		free(ic);
	}
}

/* A phone connection ended: its address may connect once more. */
static void
listener_release_cb(struct conn *c, void *arg)
{
	listener_ip_give(arg, (struct sockaddr *)&c->peer);
}

/* Admit or refuse one accepted socket. */
static void
listener_admit_cb(int fd, struct sockaddr *sa, socklen_t salen, void *arg)
{
	struct listener_set	*ls = arg;
	struct conn		*c;
	char			 peer[64];

	if (conn_count(CONN_SIDE_PHONE) >= ls->max_connections) {
		log_warn("listener: %s refused: max_connections %u reached",
		    sockaddr_str(sa, peer, sizeof(peer)), ls->max_connections);
		close(fd);
		return;
	}
	if (listener_ip_take(ls, sa) == NULL) {
		log_warn("listener: %s refused: max_connections_per_ip %u "
		    "reached", sockaddr_str(sa, peer, sizeof(peer)),
		    ls->max_per_ip);
		close(fd);
		return;
	}
	acceptor_set_dscp(fd, sa->sa_family, ls->dscp);
	c = conn_accept(ls->base, CONN_SIDE_PHONE, fd, sa, salen, ls->ctx,
	    &ls->limits, ls->handler, ls->arg);
	if (c == NULL) {
		listener_ip_give(ls, sa);
		log_warn("listener: cannot set up a connection for %s",
		    sockaddr_str(sa, peer, sizeof(peer)));
		return;
	}
	c->release = listener_release_cb;
	c->release_arg = ls;
	flow_token_make(ls->flow_key, c->id, c->flow_token,
	    sizeof(c->flow_token));
	log_debug("conn %llu phone %s: accepted, flow %s",
	    (unsigned long long)c->id, c->peer_str, c->flow_token);
}

/* Take limits and TLS settings from a configuration. */
static int
listener_configure(struct listener_set *ls, const struct config *cfg,
    char **why)
{
	const struct config_phones	*p = &cfg->phones;
	SSL_CTX				*ctx;
	char				 err[512];

	if ((ctx = tls_phone_ctx_new(p, err, sizeof(err))) == NULL) {
		xasprintf(why, "phone TLS: %s", err);
		return -1;
	}
	if (ls->ctx != NULL)
		SSL_CTX_free(ls->ctx);	/* open connections hold references */
	ls->ctx = ctx;
	ls->limits.max_message = p->max_message_size;
	ls->limits.idle_timeout = p->idle_timeout;
	ls->limits.handshake_timeout = p->handshake_timeout;
	ls->limits.max_output = LISTENER_OUTPUT_MAX;
	ls->max_connections = p->max_connections;
	ls->max_per_ip = p->max_connections_per_ip;
	ls->dscp = p->dscp;
	return 0;
}

struct listener_set *
listener_open(struct event_base *base, const struct config *cfg,
    const struct flow_key *key, const struct conn_handler *h, void *arg,
    char **why)
{
	struct listener_set	*ls = xcalloc(1, sizeof(*ls));

	ls->base = base;
	ls->flow_key = key;
	ls->handler = h;
	ls->arg = arg;
	if (listener_configure(ls, cfg, why) == -1 ||
	    (ls->acc = acceptor_open(base, cfg->phones.listen,
	    cfg->phones.n_listen, "phones", listener_admit_cb, ls,
	    why)) == NULL) {
		listener_close(ls);
		return NULL;
	}
	return ls;
}

int
listener_reload(struct listener_set *ls, const struct config *cfg, char **why)
{
	return listener_configure(ls, cfg, why);
}

void
listener_close(struct listener_set *ls)
{
	struct ip_count	*ic, *tmp;

	if (ls == NULL)
		return;
	acceptor_close(ls->acc);
	HASH_ITER(hh, ls->ips, ic, tmp) {
		HASH_DEL(ls->ips, ic);
		free(ic);
	}
	if (ls->ctx != NULL)
		SSL_CTX_free(ls->ctx);
	free(ls);
}
