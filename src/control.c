/*
 * control.c: the control socket. One request per connection: read a line,
 * dispatch it (ctl.c), write the reply, close.
 *
 * Whoever can reach the socket is a peer we do not trust: each client has
 * a size cap, a timeout and a slot in a per-user quota, and anything it
 * gets wrong costs only its own connection.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "control.h"
#include "ctl.h"
#include "ctl_proto.h"
#include "daemon.h"
#include "log.h"
#include "util.h"

#define CONTROL_MAX_CLIENTS	32	/* at once, all users */
#define CONTROL_MAX_PER_UID	8	/* at once, one user */
#define CONTROL_TIMEOUT		5	/* seconds to send a request or take a reply */
#define CONTROL_BACKOFF		1	/* seconds without accepting after an error */
#define CONTROL_BACKLOG		16

enum control_state {
	CONTROL_READING,	/* waiting for the request line */
	CONTROL_REPLYING,	/* reply queued; closed once it is written */
};

struct control_client {
	struct control		*control;
	struct bufferevent	*bev;
	struct ctl_peer		 peer;
	enum control_state	 state;
	TAILQ_ENTRY(control_client) entry;
};

struct control {
	struct daemon		*daemon;
	char			*path;
	dev_t			 dev;		/* of our socket file */
	ino_t			 ino;
	struct evconnlistener	*listener;
	struct event		*ev_backoff;
	TAILQ_HEAD(, control_client) clients;
	unsigned		 n_clients;
};

/* The state's name, for logs. */
static const char *
control_state_name(enum control_state state)
{
	switch (state) {
	case CONTROL_READING:
		return "reading";
	case CONTROL_REPLYING:
		return "replying";
	}
	return "unknown";
}

/* Change a client's state; the one place that does, so it is logged. */
static void
control_client_set_state(struct control_client *cl, enum control_state state)
{
	log_debug("control: pid %d uid %u: %s -> %s", (int)cl->peer.pid,
	    (unsigned)cl->peer.uid, control_state_name(cl->state),
	    control_state_name(state));
	cl->state = state;
}

/* Forget a client and close its connection. */
static void
control_client_free(struct control_client *cl)
{
	struct control	*c = cl->control;

	TAILQ_REMOVE(&c->clients, cl, entry);
	c->n_clients--;
	bufferevent_free(cl->bev);
	free(cl);
}

/* Queue the reply (consumed) and stop reading; the write callback closes. */
static void
control_client_reply(struct control_client *cl, json_t *reply)
{
	char	*text;

	text = json_dumps(reply, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(reply);
	if (text == NULL)
		fatal("%s: json_dumps", __func__);
	bufferevent_disable(cl->bev, EV_READ);
	control_client_set_state(cl, CONTROL_REPLYING);
	bufferevent_write(cl->bev, text, strlen(text));
	bufferevent_write(cl->bev, "\n", 1);
	free(text);
}

/* A client broke the protocol: log it once, tell it why, then close. */
static void
control_client_fail(struct control_client *cl, const char *why)
{
	log_warn("control: pid %d uid %u: %s", (int)cl->peer.pid,
	    (unsigned)cl->peer.uid, why);
	control_client_reply(cl, ctl_reply_error("%s", why));
}

/* Parse and run the request in the first len bytes of the input. */
static void
control_client_request(struct control_client *cl, size_t len)
{
	struct evbuffer	*in = bufferevent_get_input(cl->bev);
	json_t		*req;
	char		*error = NULL;
	const char	*line;

	line = (const char *)evbuffer_pullup(in, (ev_ssize_t)len);
	req = ctl_request_parse(line, len, &error);
	evbuffer_drain(in, len);
	if (req == NULL) {
		control_client_fail(cl, error);
		free(error);
		return;
	}
	control_client_reply(cl, ctl_dispatch(cl->control->daemon, &cl->peer,
	    req));
	json_decref(req);
}

/* Input arrived: run the request once its line is complete. */
static void
control_read_cb(struct bufferevent *bev, void *arg)
{
	struct control_client	*cl = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_ptr	 eol;
	size_t			 eol_len;
	char			*why;

	if (cl->state != CONTROL_READING)
		return;
	eol = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
	if (eol.pos != -1 && (size_t)eol.pos + 1 <= CTL_MAX_REQUEST) {
		control_client_request(cl, (size_t)eol.pos + 1);
		return;
	}
	/* The read watermark stops input at the cap; at the cap, give up. */
	if (eol.pos != -1 || evbuffer_get_length(in) >= CTL_MAX_REQUEST) {
		xasprintf(&why, "request too long (at most %d bytes)",
		    CTL_MAX_REQUEST);
		control_client_fail(cl, why);
		free(why);
	}
}

/* Output drained: after the reply, that is the end of the connection. */
static void
control_write_cb(struct bufferevent *bev, void *arg)
{
	struct control_client	*cl = arg;

	if (cl->state == CONTROL_REPLYING &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		control_client_free(cl);
}

/* End of input, a timeout or a socket error. */
static void
control_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct control_client	*cl = arg;
	size_t			 len;
	char			*why;

	if (cl->state == CONTROL_READING && (what & BEV_EVENT_EOF)) {
		/* A request without its newline is still a request. */
		len = evbuffer_get_length(bufferevent_get_input(bev));
		if (len > 0) {
			control_client_request(cl, len);
			return;
		}
		log_debug("control: pid %d uid %u: closed without a request",
		    (int)cl->peer.pid, (unsigned)cl->peer.uid);
	} else if (cl->state == CONTROL_READING &&
	    (what & BEV_EVENT_TIMEOUT)) {
		xasprintf(&why, "no complete request within %d seconds",
		    CONTROL_TIMEOUT);
		control_client_fail(cl, why);
		free(why);
		return;
	} else if (what & BEV_EVENT_TIMEOUT) {
		log_warn("control: pid %d uid %u: reply not taken within "
		    "%d seconds", (int)cl->peer.pid, (unsigned)cl->peer.uid,
		    CONTROL_TIMEOUT);
	} else {
		log_warn("control: pid %d uid %u: %s: %s", (int)cl->peer.pid,
		    (unsigned)cl->peer.uid, control_state_name(cl->state),
		    (what & BEV_EVENT_EOF) ? "closed early" :
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	}
	control_client_free(cl);
}

/* Who is on the other end of an accepted socket. */
static int
control_peer(int fd, struct ctl_peer *peer)
{
	struct ucred	uc;
	socklen_t	len = sizeof(uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1)
		return -1;
	peer->pid = uc.pid;
	peer->uid = uc.uid;
	peer->gid = uc.gid;
	return 0;
}

/* Does this peer get a slot? NULL if so, else why not (for the log). */
static const char *
control_admit(struct control *c, const struct ctl_peer *peer)
{
	struct control_client	*cl;
	unsigned		 n = 0;

	if (c->n_clients >= CONTROL_MAX_CLIENTS)
		return "all control connection slots in use";
	TAILQ_FOREACH(cl, &c->clients, entry)
		if (cl->peer.uid == peer->uid)
			n++;
	if (n >= CONTROL_MAX_PER_UID)
		return "user has too many control connections open";
	return NULL;
}

/*
 * Answer a peer over its quota and let go. This happens before a client
 * is created, because a flood of connections must not cost more memory
 * than the quota allows; the reply is best effort into an empty socket
 * buffer, so it never blocks.
 */
static void
control_refuse(int fd)
{
	json_t	*reply;
	char	*text, *line;

	reply = ctl_reply_error("too many control connections");
	text = json_dumps(reply, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(reply);
	if (text == NULL)
		fatal("%s: json_dumps", __func__);
	xasprintf(&line, "%s\n", text);
	(void)!send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
	free(line);
	free(text);
	close(fd);
}

/* Give an admitted peer a client and wait for its request. */
static void
control_client_new(struct control *c, int fd, const struct ctl_peer *peer)
{
	struct control_client	*cl;
	struct timeval		 tv = { CONTROL_TIMEOUT, 0 };
	struct event_base	*base = evconnlistener_get_base(c->listener);

	cl = xcalloc(1, sizeof(*cl));
	cl->control = c;
	cl->peer = *peer;
	cl->state = CONTROL_READING;
	cl->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (cl->bev == NULL) {
		log_warn("control: pid %d uid %u: bufferevent_socket_new failed",
		    (int)peer->pid, (unsigned)peer->uid);
		close(fd);
		free(cl);
		return;
	}
	bufferevent_setcb(cl->bev, control_read_cb, control_write_cb,
	    control_event_cb, cl);
	bufferevent_set_timeouts(cl->bev, &tv, &tv);
	bufferevent_setwatermark(cl->bev, EV_READ, 0, CTL_MAX_REQUEST);
	bufferevent_enable(cl->bev, EV_READ);
	TAILQ_INSERT_TAIL(&c->clients, cl, entry);
	c->n_clients++;
	log_debug("control: pid %d uid %u: connected", (int)peer->pid,
	    (unsigned)peer->uid);
}

/* A connection arrived: identify the peer, apply the quotas, admit. */
static void
control_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct control		*c = arg;
	struct ctl_peer		 peer;
	const char		*why;

	if (control_peer(fd, &peer) == -1) {
		log_warn("control: SO_PEERCRED: %s", strerror(errno));
		close(fd);
		return;
	}
	if ((why = control_admit(c, &peer)) != NULL) {
		log_warn("control: pid %d uid %u: refused: %s", (int)peer.pid,
		    (unsigned)peer.uid, why);
		control_refuse(fd);
		return;
	}
	control_client_new(c, fd, &peer);
}

/*
 * accept() failed for a reason retrying will not fix at once (EMFILE,
 * ENFILE, ENOBUFS): the pending connection stays readable, so pause the
 * listener instead of spinning on it.
 */
static void
control_accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct control	*c = arg;
	struct timeval	 tv = { CONTROL_BACKOFF, 0 };

	log_warn("control: accept: %s; not accepting for %d s",
	    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()),
	    CONTROL_BACKOFF);
	evconnlistener_disable(l);
	evtimer_add(c->ev_backoff, &tv);
}

/* The back-off is over: accept again. */
static void
control_backoff_cb(evutil_socket_t fd, short what, void *arg)
{
	struct control	*c = arg;

	evconnlistener_enable(c->listener);
}

/* Fill a sockaddr_un for path; NULL *why unless it does not fit. */
static int
control_address(const char *path, struct sockaddr_un *sun, char **why)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (*path == '\0') {
		*why = xstrdup("control socket path is empty");
		return -1;
	}
	if (strlen(path) >= sizeof(sun->sun_path)) {
		xasprintf(why, "control socket path too long (at most %zu "
		    "bytes): %s", sizeof(sun->sun_path) - 1, path);
		return -1;
	}
	memcpy(sun->sun_path, path, strlen(path));
	return 0;
}

/*
 * Make room for our socket: a socket file nobody answers on is left over
 * from a daemon that died and is removed; one that answers belongs to a
 * running daemon. Anything that is not a socket is never removed.
 */
static int
control_clear_stale(const char *path, const struct sockaddr_un *sun,
    char **why)
{
	struct stat	st;
	int		fd, rc, err;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		xasprintf(why, "control socket %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		xasprintf(why, "control socket %s: exists and is not a socket",
		    path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		xasprintf(why, "control socket: socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	err = errno;
	close(fd);
	if (rc == 0 || err == EAGAIN) {
		xasprintf(why, "another sipedged is running on %s", path);
		return -1;
	}
	if (err != ECONNREFUSED && err != ENOENT) {
		xasprintf(why, "control socket %s: %s", path, strerror(err));
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		xasprintf(why, "control socket %s: removing stale socket: %s",
		    path, strerror(errno));
		return -1;
	}
	log_notice("control: removed stale socket %s", path);
	return 0;
}

/* Create, bind, chmod and listen; returns the listening descriptor. */
static int
control_bind(const char *path, const struct sockaddr_un *sun, mode_t mode,
    struct stat *st, char **why)
{
	int	fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		xasprintf(why, "control socket: socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (const struct sockaddr *)sun, sizeof(*sun)) == -1) {
		xasprintf(why, "control socket %s: bind: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	/*
	 * Nobody can connect before listen(), so setting the mode here,
	 * after bind() applied the umask, leaves no window to exploit.
	 */
	if (chmod(path, mode) == -1 || lstat(path, st) == -1 ||
	    listen(fd, CONTROL_BACKLOG) == -1) {
		xasprintf(why, "control socket %s: %s", path, strerror(errno));
		unlink(path);
		close(fd);
		return -1;
	}
	return fd;
}

/* Listen on path; see control.h. */
struct control *
control_open(struct daemon *d, const char *path, mode_t mode, char **why)
{
	struct control		*c;
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd;

	if (control_address(path, &sun, why) == -1 ||
	    control_clear_stale(path, &sun, why) == -1)
		return NULL;
	if ((fd = control_bind(path, &sun, mode, &st, why)) == -1)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->daemon = d;
	c->path = xstrdup(path);
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	TAILQ_INIT(&c->clients);
	c->listener = evconnlistener_new(d->base, control_accept_cb, c,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (c->listener == NULL) {
		xasprintf(why, "control socket %s: cannot listen with "
		    "libevent", path);
		close(fd);
		unlink(path);
		free(c->path);
		free(c);
		return NULL;
	}
	evconnlistener_set_error_cb(c->listener, control_accept_error_cb);
	if ((c->ev_backoff = evtimer_new(d->base, control_backoff_cb, c)) ==
	    NULL)
		fatal("%s: evtimer_new", __func__);
	log_info("control: listening on %s (mode %04o)", path,
	    (unsigned)mode);
	return c;
}

/* Close every client and the listener, and remove the socket if ours. */
void
control_close(struct control *c)
{
	struct control_client	*cl;
	struct stat		 st;

	if (c == NULL)
		return;
	while ((cl = TAILQ_FIRST(&c->clients)) != NULL)
		control_client_free(cl);
	evconnlistener_free(c->listener);
	event_free(c->ev_backoff);
	/* Never remove a socket another daemon has put there since. */
	if (lstat(c->path, &st) == 0 && st.st_dev == c->dev &&
	    st.st_ino == c->ino)
		unlink(c->path);
	free(c->path);
	free(c);
}
