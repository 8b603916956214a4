/*
 * acceptor.c: listening sockets and the accept loop. Accepting happens in
 * bounded batches so one busy socket cannot starve the event loop, and
 * running out of descriptors pauses accepting for a second instead of
 * spinning on a backlog that cannot be drained.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "acceptor.h"
#include "edge_config.h"
#include "log.h"
#include "util.h"

#define ACCEPTOR_BATCH		64	/* accepts per readable event */
#define ACCEPTOR_BACKLOG	1024

struct acceptor_sock {
	int			 fd;
	struct event		*ev;
	char			*text;
	struct sockaddr_storage	 addr;		/* as bound */
	socklen_t		 addrlen;
	struct acceptor		*acc;
};

struct acceptor {
	struct event_base	*base;
	struct acceptor_sock	*v;
	size_t			 n;
	struct event		*backoff;	/* accepting paused after EMFILE */
	acceptor_admit_fn	 admit;
	void			*arg;
};

void
acceptor_set_dscp(int fd, int family, int dscp)
{
	int	tos = dscp << 2;

	if (family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos,
		    sizeof(tos));
	else
		(void)setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
}

/* Enable or disable accepting on every socket. */
static void
acceptor_pause(struct acceptor *a, int pause)
{
	size_t	i;

	for (i = 0; i < a->n; i++) {
		if (pause)
			event_del(a->v[i].ev);
		else
			event_add(a->v[i].ev, NULL);
	}
}

/* The back-off after EMFILE is over: accept again. */
static void
acceptor_backoff_cb(evutil_socket_t fd, short events, void *arg)
{
	log_info("listener: accepting connections again");
	acceptor_pause(arg, 0);
}

/* Accept what is waiting, in a bounded batch. */
static void
acceptor_accept_cb(evutil_socket_t fd, short events, void *arg)
{
	struct acceptor_sock	*l = arg;
	struct acceptor		*a = l->acc;
	struct sockaddr_storage	 ss;
	struct timeval		 tv = { 1, 0 };
	socklen_t		 len;
	int			 i, s;

	for (i = 0; i < ACCEPTOR_BATCH; i++) {
		len = sizeof(ss);
		s = accept4(fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (s >= 0) {
			a->admit(s, (struct sockaddr *)&ss, len, a->arg);
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
			acceptor_pause(a, 1);
			event_add(a->backoff, &tv);
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
acceptor_bind(struct acceptor *a, struct acceptor_sock *l,
    const struct config_listen *cl, const char *who, char **why)
{
	int	one = 1;

	l->acc = a;
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
	    listen(l->fd, ACCEPTOR_BACKLOG) == -1)
		goto fail;
	l->addrlen = sizeof(l->addr);
	if (getsockname(l->fd, (struct sockaddr *)&l->addr, &l->addrlen) == -1)
		goto fail;
	l->ev = event_new(a->base, l->fd, EV_READ | EV_PERSIST,
	    acceptor_accept_cb, l);
	if (l->ev == NULL || event_add(l->ev, NULL) == -1)
		goto fail;
	log_info("listening for %s on %s", who, cl->text);
	return 0;
fail:
	xasprintf(why, "listen %s: %s", cl->text, strerror(errno));
	return -1;
}

struct acceptor *
acceptor_open(struct event_base *base, const struct config_listen *cl,
    size_t n, const char *who, acceptor_admit_fn admit, void *arg, char **why)
{
	struct acceptor	*a = xcalloc(1, sizeof(*a));
	size_t		 i;

	a->base = base;
	a->admit = admit;
	a->arg = arg;
	if ((a->backoff = evtimer_new(base, acceptor_backoff_cb, a)) == NULL)
		fatal("%s: evtimer_new", __func__);
	a->v = xcalloc(n, sizeof(*a->v));
	for (i = 0; i < n; i++) {
		a->v[i].fd = -1;
		a->n++;
		if (acceptor_bind(a, &a->v[i], &cl[i], who, why) == -1) {
			acceptor_close(a);
			return NULL;
		}
	}
	return a;
}

void
acceptor_close(struct acceptor *a)
{
	size_t	i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++) {
		if (a->v[i].ev != NULL)
			event_free(a->v[i].ev);
		if (a->v[i].fd != -1)
			close(a->v[i].fd);
		free(a->v[i].text);
	}
	event_free(a->backoff);
	free(a->v);
	free(a);
}

size_t
acceptor_count(const struct acceptor *a)
{
	return a->n;
}

const struct sockaddr *
acceptor_addr(const struct acceptor *a, size_t i, socklen_t *len)
{
	if (len != NULL)
		*len = a->v[i].addrlen;
	return (const struct sockaddr *)&a->v[i].addr;
}

const char *
acceptor_text(const struct acceptor *a, size_t i)
{
	return a->v[i].text;
}
