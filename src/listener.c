/*
 * listener.c: accept phones. Admission control happens before a
 * connection object exists, because a flood of connections must cost
 * as little as possible: over a limit the socket is closed at once.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <uthash.h>

#include "conn.h"
#include "edge_config.h"
#include "flow.h"
#include "listener.h"
#include "log.h"
#include "util.h"

#define LISTENER_ACCEPT_BATCH	64	/* accepts per readable event */
#define LISTENER_OUTPUT_MAX	(1u << 20)

/* Connections per peer address, for max_connections_per_ip. */
struct ip_count {
	unsigned char	key[17];	/* family + address */
	unsigned	n;
	UT_hash_handle	hh;
};

struct listener {
	int			 fd;
	struct event		*ev;
	char			*text;
	struct listener_set	*set;
};

struct listener_set {
	struct event_base	*base;
	SSL_CTX			*ctx;
	struct listener		*v;
	size_t			 n;
	const struct flow_key	*flow_key;
	struct conn_limits	 limits;
	unsigned		 max_connections;
	unsigned		 max_per_ip;
	int			 dscp;
	struct ip_count		*ips;
	struct event		*backoff;	/* accept paused after EMFILE */
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

/* Mark the connection's packets with the configured DSCP. */
static void
listener_set_dscp(int fd, int family, int dscp)
{
	int	tos = dscp << 2;

	if (family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos,
		    sizeof(tos));
	else
		(void)setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
}

/* Enable or disable accepting on every listener. */
static void
listener_pause(struct listener_set *ls, int pause)
{
	size_t	i;

	for (i = 0; i < ls->n; i++) {
		if (pause)
			event_del(ls->v[i].ev);
		else
			event_add(ls->v[i].ev, NULL);
	}
}

/* The back-off after EMFILE is over: accept again. */
static void
listener_backoff_cb(evutil_socket_t fd, short events, void *arg)
{
	struct listener_set	*ls = arg;

	log_info("listener: accepting connections again");
	listener_pause(ls, 0);
}

/* Admit or refuse one accepted socket. */
static void
listener_admit(struct listener_set *ls, int fd, struct sockaddr *sa,
    socklen_t salen)
{
	struct conn	*c;
	char		 peer[64];

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
	listener_set_dscp(fd, sa->sa_family, ls->dscp);
	c = conn_accept(ls->base, fd, sa, salen, ls->ctx, &ls->limits,
	    ls->handler, ls->arg);
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

/* Accept what is waiting, in a bounded batch so one listener cannot starve
 * the loop. */
static void
listener_accept_cb(evutil_socket_t fd, short events, void *arg)
{
	struct listener		*l = arg;
	struct listener_set	*ls = l->set;
	struct sockaddr_storage	 ss;
	struct timeval		 tv = { 1, 0 };
	socklen_t		 len;
	int			 i, s;

	for (i = 0; i < LISTENER_ACCEPT_BATCH; i++) {
		len = sizeof(ss);
		s = accept4(fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (s >= 0) {
			listener_admit(ls, s, (struct sockaddr *)&ss, len);
			continue;
		}
		switch (errno) {
		case EAGAIN:
		case EINTR:
		case ECONNABORTED:
			return;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			/* Out of descriptors: the pending connection stays in
			 * the backlog; pause instead of spinning on it. */
			log_warn("listener %s: accept: %s; pausing 1 s",
			    l->text, strerror(errno));
			listener_pause(ls, 1);
			event_add(ls->backoff, &tv);
			return;
		default:
			log_warn("listener %s: accept: %s", l->text,
			    strerror(errno));
			return;
		}
	}
}

/* Open one listening socket. */
static int
listener_bind(struct listener_set *ls, struct listener *l,
    const struct config_listen *cl, char **why)
{
	int	one = 1;

	l->set = ls;
	l->text = xstrdup(cl->text);
	l->fd = socket(cl->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (l->fd == -1)
		goto fail;
	(void)setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (cl->addr.ss_family == AF_INET6)
		(void)setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	if (bind(l->fd, (const struct sockaddr *)&cl->addr, cl->addrlen) == -1 ||
	    listen(l->fd, 1024) == -1)
		goto fail;
	l->ev = event_new(ls->base, l->fd, EV_READ | EV_PERSIST,
	    listener_accept_cb, l);
	if (l->ev == NULL || event_add(l->ev, NULL) == -1)
		goto fail;
	log_info("listening for phones on %s", cl->text);
	return 0;
fail:
	xasprintf(why, "listen %s: %s", cl->text, strerror(errno));
	return -1;
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
	size_t			 i;

	ls->base = base;
	ls->flow_key = key;
	ls->handler = h;
	ls->arg = arg;
	ls->backoff = evtimer_new(base, listener_backoff_cb, ls);
	if (listener_configure(ls, cfg, why) == -1)
		goto fail;
	ls->v = xcalloc(cfg->phones.n_listen, sizeof(*ls->v));
	for (i = 0; i < cfg->phones.n_listen; i++) {
		ls->v[i].fd = -1;
		ls->n++;
		if (listener_bind(ls, &ls->v[i], &cfg->phones.listen[i],
		    why) == -1)
			goto fail;
	}
	return ls;
fail:
	listener_close(ls);
	return NULL;
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
	size_t		 i;

	if (ls == NULL)
		return;
	for (i = 0; i < ls->n; i++) {
		if (ls->v[i].ev != NULL)
			event_free(ls->v[i].ev);
		if (ls->v[i].fd != -1)
			close(ls->v[i].fd);
		free(ls->v[i].text);
	}
	HASH_ITER(hh, ls->ips, ic, tmp) {
		HASH_DEL(ls->ips, ic);
		free(ic);
	}
	if (ls->backoff != NULL)
		event_free(ls->backoff);
	if (ls->ctx != NULL)
		SSL_CTX_free(ls->ctx);
	free(ls->v);
	free(ls);
}
