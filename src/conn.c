/*
 * conn.c: TLS connections over libevent bufferevents. Framing happens here
 * so that the layers above only ever see whole SIP messages; timeouts and
 * limits happen here so that a misbehaving peer costs only its own
 * connection.
 */
#include "config.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>

#include "conn.h"
#include "log.h"
#include "sip_frame.h"
#include "util.h"

static struct conn	*conn_table;		/* by id */
static uint64_t		 conn_next_id = 1;
static unsigned		 conn_counts[2];

static const char *const conn_state_names[] = {
	[CONN_HANDSHAKE] = "handshake",
	[CONN_OPEN] = "open",
	[CONN_CLOSING] = "closing",
};

const char *
conn_state_name(enum conn_state s)
{
	return conn_state_names[s];
}

const char *
conn_side_name(enum conn_side s)
{
	return s == CONN_SIDE_PHONE ? "phone" : "carrier";
}

/* The one place a connection changes state, so every change is logged. */
static void
conn_set_state(struct conn *c, enum conn_state s)
{
	log_debug("conn %llu %s %s: %s -> %s", (unsigned long long)c->id,
	    conn_side_name(c->side), c->peer_str, conn_state_name(c->state),
	    conn_state_name(s));
	c->state = s;
}

uint64_t
conn_age(const struct conn *c)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - c->started.tv_sec);
}

/* Release everything; the handler has already been told. */
static void
conn_free(struct conn *c)
{
	HASH_DEL(conn_table, c);
	conn_counts[c->side]--;
	if (c->release != NULL)
		c->release(c, c->release_arg);
	if (c->deadline != NULL)
		event_free(c->deadline);
	if (c->reaper != NULL)
		event_free(c->reaper);
	if (c->bev != NULL)
		bufferevent_free(c->bev);	/* frees the SSL and the fd too */
	free(c->user_agent);
	free(c->owner);
	free(c->close_reason);
	free(c);
}

/* Deferred free: never free a connection from inside its own callback. */
static void
conn_reaper_cb(evutil_socket_t fd, short events, void *arg)
{
	conn_free(arg);
}

/*
 * Close an aborted connection with a reset rather than a FIN, so no
 * TIME_WAIT holds its 4-tuple: a carrier reconnect wants the same local
 * port towards the same carrier address.
 */
static void
conn_reset_on_close(struct conn *c)
{
	struct linger	l = { .l_onoff = 1, .l_linger = 0 };
	int		fd = bufferevent_getfd(c->bev);

	if (fd >= 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

/* Move to CLOSING, tell the handler once, and schedule the free. */
static void
conn_finish(struct conn *c, const char *why, bool flush)
{
	struct timeval	tv = { 0, 0 };

	if (c->state == CONN_CLOSING)
		return;
	conn_set_state(c, CONN_CLOSING);
	c->close_reason = xstrdup(why);
	log_info("conn %llu %s %s closed: %s", (unsigned long long)c->id,
	    conn_side_name(c->side), c->peer_str, why);
	if (c->handler->closed != NULL)
		c->handler->closed(c, why, c->arg);
	bufferevent_disable(c->bev, EV_READ);
	if (!flush && c->reset_on_abort)
		conn_reset_on_close(c);
	if (flush && evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
		/* The write callback frees once the queue is empty; give up
		 * after two seconds either way. */
		tv.tv_sec = 2;
	}
	event_add(c->reaper, &tv);
}

void
conn_close(struct conn *c, const char *why)
{
	conn_finish(c, why, true);
}

void
conn_abort(struct conn *c, const char *why)
{
	conn_finish(c, why, false);
}

/* The OpenSSL reason for a failed handshake or read, as one line. */
static void
conn_ssl_error(struct conn *c, char *buf, size_t len)
{
	unsigned long	e;
	int		n = 0;

	buf[0] = '\0';
	while ((e = bufferevent_get_openssl_error(c->bev)) != 0) {
		if (n++ == 0)
			ERR_error_string_n(e, buf, len);
	}
	if (buf[0] == '\0') {
		c->sock_error = EVUTIL_SOCKET_ERROR();
		if (c->sock_error != 0)
			snprintf(buf, len, "%s", evutil_socket_error_to_string(
			    c->sock_error));
		else
			snprintf(buf, len, "connection reset");
	}
}

/* A unit has been consumed: the next one starts from scratch. */
static void
conn_consume(struct conn *c, struct evbuffer *in, size_t len)
{
	evbuffer_drain(in, len);
	c->frame_resume = 0;
	c->frame_need = 0;
}

/*
 * Bytes that do not frame. A peer that has spoken SIP on this connection
 * gets the benefit of the doubt (RFC 4475 §3.1.1.8: bytes after a
 * message's Content-Length that start no message): the bad unit is
 * answered where it can be, then the stream is skipped line by line to
 * the next start line, and a phone keeps its flow. A first unit that is
 * not SIP, a message over the limit, or more than a message's worth of
 * skipping closes. Returns 1 to go on reading.
 */
static int
conn_unframed(struct conn *c, struct evbuffer *in, const char *p, size_t len,
    const struct sip_frame *f)
{
	const char	*lf;
	size_t		 skip;

	if (f->kind == SIP_FRAME_BAD && c->rx_messages > 0 &&
	    c->skipped < c->limits.max_message) {
		if (c->skipped == 0) {
			log_warn("conn %llu %s %s: %s after message %llu: "
			    "skipping to the next start line",
			    (unsigned long long)c->id, conn_side_name(c->side),
			    c->peer_str, f->why,
			    (unsigned long long)c->rx_messages);
			if (c->handler->garbage != NULL)
				c->handler->garbage(c, p, len, false, f->why,
				    c->arg);
		}
		lf = memchr(p, '\n', len);
		skip = lf != NULL ? (size_t)(lf - p) + 1 : len;
		conn_consume(c, in, skip);
		c->skipped += skip;
		return 1;
	}
	if (f->kind == SIP_FRAME_TOO_BIG && f->content_length > 0)
		log_warn("conn %llu %s %s: %s (Content-Length %zu, at most %zu "
		    "bytes)", (unsigned long long)c->id,
		    conn_side_name(c->side), c->peer_str, f->why,
		    f->content_length, c->limits.max_message);
	else
		log_warn("conn %llu %s %s: %s", (unsigned long long)c->id,
		    conn_side_name(c->side), c->peer_str, c->skipped > 0 ?
		    "framing lost: no start line within the message limit" :
		    f->why);
	if (c->handler->garbage != NULL && c->skipped == 0)
		c->handler->garbage(c, p, len, f->kind == SIP_FRAME_TOO_BIG,
		    f->why, c->arg);
	conn_close(c, c->skipped > 0 ? "framing lost" : f->why);
	return 0;
}

/*
 * Hand every whole unit in the input buffer to the layer above. The framer
 * resumes where it stopped, and is not asked again until the body it
 * announced has arrived, so a peer trickling bytes costs linear work.
 */
static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn		*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct sip_frame	 f;
	const char		*p;
	size_t			 len;

	while (c->state == CONN_OPEN && (len = evbuffer_get_length(in)) > 0) {
		if (len < c->frame_need)
			return;
		if (len > c->limits.max_message + 4)
			len = c->limits.max_message + 4;
		p = (const char *)evbuffer_pullup(in, len);
		sip_frame_next_from(p, len, c->limits.max_message,
		    c->frame_resume, &f);
		switch (f.kind) {
		case SIP_FRAME_NEED_MORE:
			c->frame_resume = f.resume;
			if (f.header_len > 0)
				c->frame_need = f.header_len + f.content_length;
			return;
		case SIP_FRAME_PING:
			c->pings++;
			conn_consume(c, in, f.len);
			conn_send(c, "\r\n", 2);	/* RFC 5626 §5.4: at once */
			break;
		case SIP_FRAME_PONG:
			/* Phones are never pinged, so a CRLF that ends the
			 * buffer is half a ping split by a TLS record, or a
			 * stray line end: wait for what follows. */
			if (c->side == CONN_SIDE_PHONE && f.len == 2 &&
			    len == 2)
				return;
			conn_consume(c, in, f.len);
			if (c->handler->pong != NULL)
				c->handler->pong(c, c->arg);
			break;
		case SIP_FRAME_MESSAGE:
			c->rx_messages++;
			c->skipped = 0;
			if (c->handler->message != NULL)
				c->handler->message(c, p, f.len, c->arg);
			conn_consume(c, in, f.len);
			break;
		case SIP_FRAME_TOO_BIG:
		case SIP_FRAME_BAD:
			if (!conn_unframed(c, in, p, len, &f))
				return;
			break;
		}
	}
}

/* Output drained: a closing connection can go now. */
static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;
	struct timeval	 tv = { 0, 0 };

	if (c->state == CONN_CLOSING)
		event_add(c->reaper, &tv);
}

/* Our own address and port on the connection, for Via and Record-Route. */
static void
conn_note_local(struct conn *c)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);
	int			fd = bufferevent_getfd(c->bev);

	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &sin->sin_addr, c->local_host,
		    sizeof(c->local_host));
		c->local_port = ntohs(sin->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, c->local_host,
		    sizeof(c->local_host));
		c->local_port = ntohs(sin6->sin6_port);
	}
}

/* Handshake done: record what was negotiated and switch to idle timing. */
static void
conn_opened(struct conn *c)
{
	struct timeval	tv = { c->limits.idle_timeout, 0 };
	struct timeval	wtv = { 30, 0 };

	event_del(c->deadline);
	tls_info_get(c->ssl, &c->tls);
	conn_note_local(c);
	conn_set_state(c, CONN_OPEN);
	log_info("conn %llu %s %s: %s %s %s%s%s", (unsigned long long)c->id,
	    conn_side_name(c->side), c->peer_str, c->tls.version,
	    c->tls.cipher, c->tls.group, c->tls.sni[0] ? " sni " : "",
	    c->tls.sni);
	bufferevent_set_timeouts(c->bev,
	    c->limits.idle_timeout ? &tv : NULL, &wtv);
	if (c->handler->open != NULL)
		c->handler->open(c, c->arg);
	if (c->state == CONN_OPEN)
		conn_read_cb(c->bev, c);	/* data may have come with it */
}

/*
 * Whether a connection the edge opened never got past TCP: the connect
 * itself failed (refused, unreachable, reset). libevent reports that as
 * the end of the TLS stream, which would blame a handshake that never
 * started. Fills buf with what happened; saved is errno as the event
 * arrived (libevent has read SO_ERROR by then).
 */
static int
conn_connect_failed(struct conn *c, int saved, char *buf, size_t len)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen = sizeof(ss), elen = sizeof(int);
	int			fd = bufferevent_getfd(c->bev), err = 0;

	if (c->side != CONN_SIDE_CARRIER || c->state != CONN_HANDSHAKE ||
	    fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sslen) == 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == -1 ||
	    err == 0)
		err = saved;
	c->sock_error = err;
	if (err == 0 || err == ENOTCONN)
		snprintf(buf, len, "connect: the TCP connection never came up");
	else
		snprintf(buf, len, "connect: %s", strerror(err));
	return 1;
}

/* Connected, end of stream, errors and timeouts. */
static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*c = arg;
	char		 err[256];
	int		 saved = EVUTIL_SOCKET_ERROR();

	if (c->state == CONN_CLOSING)
		return;
	if (what & BEV_EVENT_CONNECTED) {
		conn_opened(c);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		if (what & BEV_EVENT_READING)
			snprintf(err, sizeof(err), "idle for %u s",
			    c->limits.idle_timeout);
		else
			snprintf(err, sizeof(err), "peer stopped reading");
		conn_abort(c, err);
		return;
	}
	if ((what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) &&
	    conn_connect_failed(c, saved, err, sizeof(err))) {
		conn_abort(c, err);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		conn_abort(c, c->state == CONN_HANDSHAKE ?
		    "closed by peer during TLS handshake" : "closed by peer");
		return;
	}
	conn_ssl_error(c, err, sizeof(err));
	if (c->state == CONN_HANDSHAKE) {
		char	msg[300];

		/* OpenSSL says "no shared cipher" when only the groups differ:
		 * ECDHE suites need a common group. Say so for operators. */
		snprintf(msg, sizeof(msg), "TLS handshake failed: %s%s", err,
		    c->side == CONN_SIDE_PHONE && strstr(err, "no shared cipher") ?
		    " (or no shared key-exchange group: groups under 224 bits "
		    "are refused)" : "");
		conn_abort(c, msg);
	} else
		conn_abort(c, err);
}

/* A handshake that takes too long (a slow or stuck client) ends here. */
static void
conn_deadline_cb(evutil_socket_t fd, short events, void *arg)
{
	struct conn	*c = arg;
	char		 why[64];

	snprintf(why, sizeof(why), "TLS handshake not finished after %u s",
	    c->limits.handshake_timeout);
	conn_abort(c, why);
}

/* Common set-up for both sides once the bufferevent exists. */
static struct conn *
conn_new(struct event_base *base, enum conn_side side,
    const struct sockaddr *sa, socklen_t salen,
    const struct conn_limits *limits, const struct conn_handler *h, void *arg)
{
	struct conn	*c = xcalloc(1, sizeof(*c));

	c->id = conn_next_id++;
	c->side = side;
	c->state = CONN_HANDSHAKE;
	memcpy(&c->peer, sa, salen);
	c->peerlen = salen;
	sockaddr_str(sa, c->peer_str, sizeof(c->peer_str));
	clock_gettime(CLOCK_MONOTONIC, &c->started);
	c->limits = *limits;
	c->handler = h;
	c->arg = arg;
	c->deadline = evtimer_new(base, conn_deadline_cb, c);
	c->reaper = evtimer_new(base, conn_reaper_cb, c);
	if (c->deadline == NULL || c->reaper == NULL)
		fatal("%s: evtimer_new", __func__);
	HASH_ADD(hh, conn_table, id, sizeof(c->id), c);
	conn_counts[side]++;
	return c;
}

/* Callbacks, watermarks and the handshake deadline. */
static void
conn_start(struct conn *c)
{
	struct timeval	tv = { c->limits.handshake_timeout, 0 };

	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb,
	    c);
	/* Stop reading when a peer sends faster than we frame. */
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    c->limits.max_message * 2 + 4096);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	event_add(c->deadline, &tv);
}

struct conn *
conn_accept(struct event_base *base, enum conn_side side, int fd,
    const struct sockaddr *sa, socklen_t salen, SSL_CTX *ctx,
    const struct conn_limits *limits, const struct conn_handler *h, void *arg)
{
	struct conn	*c;
	SSL		*ssl;
	int		 one = 1;

	if ((ssl = SSL_new(ctx)) == NULL) {
		close(fd);
		return NULL;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = conn_new(base, side, sa, salen, limits, h, arg);
	c->ssl = ssl;
	c->bev = bufferevent_openssl_socket_new(base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		/* Past its first allocation libevent has already freed the
		 * SSL and closed fd (BEV_OPT_CLOSE_ON_FREE): freeing them here
		 * too would be a double free. */
		c->ssl = NULL;
		conn_free(c);
		return NULL;
	}
	conn_start(c);
	return c;
}

/*
 * The socket of a carrier connection, bound to local_port unless it is 0.
 * SO_REUSEADDR lets a reconnect take the port of the connection it
 * replaces as soon as that one is gone: the carrier holds Contacts and
 * Record-Routes naming our address and port, and finds the new connection
 * by them.
 */
static int
conn_socket(int family, uint16_t local_port, char *why, size_t whylen)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len;
	int			 fd, one = 1;

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (local_port == 0)
		return fd;
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_any;
		sin6->sin6_port = htons(local_port);
		len = sizeof(*sin6);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
		sin->sin_port = htons(local_port);
		len = sizeof(*sin);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) == -1) {
		snprintf(why, whylen, "bind to local port %u: %s", local_port,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct conn *
conn_connect(struct event_base *base, const struct sockaddr *sa,
    socklen_t salen, uint16_t local_port, SSL_CTX *ctx, const char *sni,
    const struct conn_limits *limits, const struct conn_handler *h,
    void *arg, char *why, size_t whylen)
{
	struct conn	*c;
	SSL		*ssl;
	char		 err[256];
	int		 fd;

	if ((fd = conn_socket(sa->sa_family, local_port, why, whylen)) == -1)
		return NULL;
	if ((ssl = SSL_new(ctx)) == NULL) {
		snprintf(why, whylen, "SSL_new: %s",
		    tls_error_str(err, sizeof(err)));
		close(fd);
		return NULL;
	}
	if (sni != NULL)
		SSL_set_tlsext_host_name(ssl, sni);
	c = conn_new(base, CONN_SIDE_CARRIER, sa, salen, limits, h, arg);
	c->ssl = ssl;
	c->bev = bufferevent_openssl_socket_new(base, fd, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		c->ssl = NULL;		/* libevent has freed it: see above */
		snprintf(why, whylen, "cannot create a TLS bufferevent");
		conn_free(c);
		return NULL;
	}
	conn_start(c);
	if (bufferevent_socket_connect(c->bev, sa, (int)salen) == -1) {
		snprintf(why, whylen, "connect: %s", strerror(errno));
		conn_set_state(c, CONN_CLOSING); /* no handler call: never opened */
		conn_free(c);
		return NULL;
	}
	return c;
}

int
conn_send(struct conn *c, const char *buf, size_t len)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);

	if (c->state == CONN_CLOSING)
		return -1;
	if (evbuffer_get_length(out) + len > c->limits.max_output) {
		conn_abort(c, "peer is not reading: output queue full");
		return -1;
	}
	if (bufferevent_write(c->bev, buf, len) == -1)
		return -1;
	if (len > 2)
		c->tx_messages++;
	return 0;
}

int
conn_ping(struct conn *c)
{
	return conn_send(c, "\r\n\r\n", 4);
}

void
conn_set_user_agent(struct conn *c, const char *ua)
{
	if (c->user_agent != NULL && strcmp(c->user_agent, ua) == 0)
		return;
	free(c->user_agent);
	c->user_agent = xstrndup(ua, 200);
}

struct conn *
conn_find(uint64_t id)
{
	struct conn	*c;

	HASH_FIND(hh, conn_table, &id, sizeof(id), c);
	if (c != NULL && c->state == CONN_CLOSING)
		return NULL;
	return c;
}

unsigned
conn_count(enum conn_side side)
{
	return conn_counts[side];
}

void
conn_foreach(void (*fn)(struct conn *, void *), void *arg)
{
	struct conn	*c, *tmp;

	HASH_ITER(hh, conn_table, c, tmp)
		fn(c, arg);
}

void
conn_abort_all(void)
{
	struct conn	*c, *tmp;

	HASH_ITER(hh, conn_table, c, tmp) {
		if (c->state != CONN_CLOSING)
			conn_abort(c, "shutting down");
		conn_free(c);
	}
}
