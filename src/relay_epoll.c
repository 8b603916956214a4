/*
 * relay_epoll.c: the fallback I/O method, for kernels or sandboxes where
 * io_uring is not available: a level-triggered epoll set per thread and,
 * per readable socket, one recvmmsg for up to RELAY_EPOLL_BATCH packets
 * and one sendmmsg per run of packets leaving by the same socket.
 *
 * "epoll-single" does one recvmsg and one sendmsg per packet instead; it
 * exists for the benchmark, as the design everything else is measured
 * against.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/epoll.h>

#include "relay_int.h"

#define RELAY_EPOLL_BATCH	32	/* packets per recvmmsg */
#define RELAY_EPOLL_EVENTS	256	/* sockets per epoll_wait */

/* A thread's epoll set and its receive and send batches. */
struct relay_epoll {
	int			 ep;
	bool			 single;
	struct epoll_event	 ev[RELAY_EPOLL_EVENTS];
	struct mmsghdr		 rmsg[RELAY_EPOLL_BATCH];
	struct iovec		 riov[RELAY_EPOLL_BATCH];
	struct sockaddr_storage	 rsrc[RELAY_EPOLL_BATCH];
	struct mmsghdr		 smsg[RELAY_EPOLL_BATCH];
	struct iovec		 siov[RELAY_EPOLL_BATCH];
	struct relay_out	 out[RELAY_EPOLL_BATCH];
	unsigned char		 buf[RELAY_EPOLL_BATCH][RELAY_BUF_SIZE];
};

/* The epoll set, with the command eventfd in it (data.ptr NULL). */
static int
relay_epoll_init_common(struct relay_thread *t, bool single)
{
	struct relay_epoll	*e;
	struct epoll_event	 ev = { .events = EPOLLIN, .data.ptr = NULL };

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -1;
	e->single = single;
	if ((e->ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(e);
		return -1;
	}
	if (epoll_ctl(e->ep, EPOLL_CTL_ADD, t->cmd_efd, &ev) == -1) {
		close(e->ep);
		free(e);
		return -1;
	}
	t->io_state = e;
	return 0;
}

static int
relay_epoll_init(struct relay_thread *t)
{
	return relay_epoll_init_common(t, false);
}

static int
relay_epoll_single_init(struct relay_thread *t)
{
	return relay_epoll_init_common(t, true);
}

static void
relay_epoll_fini(struct relay_thread *t)
{
	struct relay_epoll	*e = t->io_state;

	close(e->ep);
	free(e);
	t->io_state = NULL;
}

/* Watch a socket. */
static int
relay_epoll_sock_add(struct relay_thread *t, struct relay_sock *k)
{
	struct relay_epoll	*e = t->io_state;
	struct epoll_event	 ev = { .events = EPOLLIN, .data.ptr = k };

	return epoll_ctl(e->ep, EPOLL_CTL_ADD, k->fd, &ev);
}

/* Stop watching a socket (before it is closed). */
static void
relay_epoll_sock_del(struct relay_thread *t, struct relay_sock *k)
{
	struct relay_epoll	*e = t->io_state;

	(void)epoll_ctl(e->ep, EPOLL_CTL_DEL, k->fd, NULL);
}

/* Send the m packets of smsg[], one sendmmsg per run of one socket. */
static void
relay_epoll_send_run(struct relay_thread *t, struct relay_epoll *e, int m)
{
	int	i, j, k, r;

	for (i = 0; i < m; i = j) {
		for (j = i + 1; j < m && e->out[j].fd == e->out[i].fd; j++)
			;
		while (i < j) {
			r = sendmmsg(e->out[i].fd, &e->smsg[i],
			    (unsigned)(j - i), MSG_DONTWAIT);
			if (r <= 0) {
				/* The first one failed; the rest may not. */
				relay_packet_sent(t, &e->out[i], -1);
				i++;
				continue;
			}
			for (k = 0; k < r; k++)
				relay_packet_sent(t, &e->out[i + k],
				    (long)e->smsg[i + k].msg_len);
			i += r;
		}
	}
}

/* A readable socket: up to a batch of packets in, through, and out. */
static void
relay_epoll_batch(struct relay_thread *t, struct relay_epoll *e,
    struct relay_sock *k)
{
	int	i, n, m = 0;

	for (i = 0; i < RELAY_EPOLL_BATCH; i++) {
		e->riov[i].iov_base = e->buf[i];
		e->riov[i].iov_len = RELAY_PKT_MAX + 1;
		memset(&e->rmsg[i].msg_hdr, 0, sizeof(e->rmsg[i].msg_hdr));
		e->rmsg[i].msg_hdr.msg_iov = &e->riov[i];
		e->rmsg[i].msg_hdr.msg_iovlen = 1;
		e->rmsg[i].msg_hdr.msg_name = &e->rsrc[i];
		e->rmsg[i].msg_hdr.msg_namelen = sizeof(e->rsrc[i]);
	}
	n = recvmmsg(k->fd, e->rmsg, RELAY_EPOLL_BATCH, MSG_DONTWAIT, NULL);
	for (i = 0; i < n; i++) {
		if (!relay_packet(t, k, e->buf[i], e->rmsg[i].msg_len,
		    RELAY_BUF_SIZE, (struct sockaddr *)&e->rsrc[i],
		    e->rmsg[i].msg_hdr.msg_namelen, &e->out[m]))
			continue;
		memset(&e->smsg[m].msg_hdr, 0, sizeof(e->smsg[m].msg_hdr));
		e->siov[m].iov_base = e->buf[i];
		e->siov[m].iov_len = e->out[m].len;
		e->smsg[m].msg_hdr.msg_iov = &e->siov[m];
		e->smsg[m].msg_hdr.msg_iovlen = 1;
		e->smsg[m].msg_hdr.msg_name = (void *)e->out[m].dst;
		e->smsg[m].msg_hdr.msg_namelen = e->out[m].dstlen;
		m++;
	}
	relay_epoll_send_run(t, e, m);
}

/* A readable socket, one packet at a time (the benchmark's baseline). */
static void
relay_epoll_one(struct relay_thread *t, struct relay_epoll *e,
    struct relay_sock *k)
{
	struct sockaddr_storage	 src;
	struct msghdr		 mh;
	struct iovec		 iov = { e->buf[0], RELAY_PKT_MAX + 1 };
	struct relay_out	 o;
	ssize_t			 n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &src;
	mh.msg_namelen = sizeof(src);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if ((n = recvmsg(k->fd, &mh, MSG_DONTWAIT)) < 0)
		return;
	if (!relay_packet(t, k, e->buf[0], (size_t)n, RELAY_BUF_SIZE,
	    (struct sockaddr *)&src, mh.msg_namelen, &o))
		return;
	memset(&mh, 0, sizeof(mh));
	iov.iov_len = o.len;
	mh.msg_name = (void *)o.dst;
	mh.msg_namelen = o.dstlen;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	n = sendmsg(o.fd, &mh, MSG_DONTWAIT);
	relay_packet_sent(t, &o, n < 0 ? -1 : (long)n);
}

/* Wait, move packets, then apply commands: never while a batch is open. */
static void
relay_epoll_loop(struct relay_thread *t)
{
	struct relay_epoll	*e = t->io_state;
	uint64_t		 v;
	ssize_t			 r;
	bool			 woke;
	int			 i, n;

	while (!t->stop) {
		n = epoll_wait(e->ep, e->ev, RELAY_EPOLL_EVENTS,
		    relay_thread_wait_ms(t));
		relay_thread_clock(t);
		woke = false;
		for (i = 0; i < n; i++) {
			if (e->ev[i].data.ptr == NULL) {
				r = read(t->cmd_efd, &v, sizeof(v));
				(void)r;
				woke = true;
			} else if (e->single)
				relay_epoll_one(t, e, e->ev[i].data.ptr);
			else
				relay_epoll_batch(t, e, e->ev[i].data.ptr);
		}
		if (woke)
			relay_thread_commands(t);
		relay_thread_tick(t);
	}
}

const struct relay_io_ops relay_io_epoll = {
	.name = "epoll",
	.init = relay_epoll_init,
	.fini = relay_epoll_fini,
	.sock_add = relay_epoll_sock_add,
	.sock_del = relay_epoll_sock_del,
	.loop = relay_epoll_loop,
};

const struct relay_io_ops relay_io_epoll_single = {
	.name = "epoll-single",
	.init = relay_epoll_single_init,
	.fini = relay_epoll_fini,
	.sock_add = relay_epoll_sock_add,
	.sock_del = relay_epoll_sock_del,
	.loop = relay_epoll_loop,
};
