/*
 * relay_uring.c: the I/O method of choice. Every socket of a thread has
 * one multishot recvmsg armed on the thread's ring, taking buffers from
 * one provided-buffer ring; a packet is relayed in the buffer it arrived
 * in and sent from there with sendmsg, and the buffer goes back to the
 * ring when that send completes. All completions of one wake-up are
 * handled before the sends they produced are submitted together, so one
 * io_uring_enter() carries a batch of sends across many sockets, which
 * is what per-call ports at 50 packets/s a stream cannot get from
 * recvmmsg/sendmmsg on any one socket.
 *
 * user_data says what completed: the kind in the top byte, and for a
 * receive the socket's slot and generation, so that a completion for a
 * socket closed meanwhile is recognised and only its buffer reclaimed.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>
#include <sys/mman.h>

#include <liburing.h>

#include "relay_int.h"

#define RELAY_URING_SQ		1024
#define RELAY_URING_CQ		8192
#define RELAY_URING_BUFS	2048	/* provided buffers, at most */
#define RELAY_URING_BGID	0
#define RELAY_URING_REARM	1024	/* sockets to arm again, listed */

/* What a completion is for. */
#define UD_RECV		1ULL
#define UD_SEND		2ULL
#define UD_WAKE		3ULL
#define UD_CANCEL	4ULL
#define UD_KIND(u)	((u) >> 56)
#define UD_SLOT(u)	((uint32_t)(u))
#define UD_GEN(u)	((uint32_t)((u) >> 32) & 0xffffff)

/* A send in flight, by the buffer it is sent from. */
struct relay_usend {
	struct msghdr		 mh;
	struct iovec		 iov;
	struct sockaddr_storage	 dst;
	uint32_t		 slot;		/* the socket it leaves by */
	uint32_t		 gen;
	size_t			 len;
};

/* A thread's ring, buffers and sends in flight. */
struct relay_uring {
	struct io_uring		 ring;
	struct io_uring_buf_ring *br;
	size_t			 br_size;
	unsigned char		*bufs;
	unsigned		 nbufs;		/* a power of 2 */
	unsigned		 returned;	/* added, not yet advanced */
	struct msghdr		 rmh;		/* template of every recvmsg */
	struct relay_usend	 send[RELAY_URING_BUFS];
	uint64_t		 efd_val;
	bool			 wake_armed;
	/* Sockets whose multishot receive ended, to arm again. */
	uint32_t		 rearm_slot[RELAY_URING_REARM];
	uint32_t		 rearm_gen[RELAY_URING_REARM];
	unsigned		 n_rearm;
	bool			 rearm_all;	/* the list overflowed */
};

/* The user_data of a socket's receive. */
static uint64_t
relay_uring_ud(uint64_t kind, const struct relay_sock *k)
{
	return kind << 56 | (uint64_t)(k->gen & 0xffffff) << 32 | k->slot;
}

/* An SQE, submitting what is queued when the ring is full. */
static struct io_uring_sqe *
relay_uring_sqe(struct relay_uring *u)
{
	struct io_uring_sqe	*sqe;

	if ((sqe = io_uring_get_sqe(&u->ring)) != NULL)
		return sqe;
	(void)io_uring_submit(&u->ring);
	return io_uring_get_sqe(&u->ring);
}

/* Give a buffer back to the kernel; published at the end of the batch. */
static void
relay_uring_buf_put(struct relay_uring *u, unsigned bid)
{
	io_uring_buf_ring_add(u->br, u->bufs + (size_t)bid * RELAY_BUF_SIZE,
	    RELAY_BUF_SIZE, (unsigned short)bid,
	    io_uring_buf_ring_mask(u->nbufs), (int)u->returned++);
}

/* Publish the buffers given back since the last time. */
static void
relay_uring_buf_flush(struct relay_uring *u)
{
	if (u->returned == 0)
		return;
	io_uring_buf_ring_advance(u->br, (int)u->returned);
	u->returned = 0;
}

/* A provided-buffer ring of n buffers of RELAY_BUF_SIZE under group 0. */
static int
relay_uring_bufs(struct io_uring *ring, unsigned n,
    struct io_uring_buf_ring **brp, size_t *size, unsigned char **bufs)
{
	struct io_uring_buf_reg	 reg;
	struct io_uring_buf_ring *br;
	unsigned		 i;
	int			 rc;

	*size = (size_t)n * sizeof(struct io_uring_buf);
	br = mmap(NULL, *size, PROT_READ | PROT_WRITE,
	    MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
	if (br == MAP_FAILED)
		return -errno;
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (unsigned long)br;
	reg.ring_entries = n;
	reg.bgid = RELAY_URING_BGID;
	if ((rc = io_uring_register_buf_ring(ring, &reg, 0)) != 0) {
		munmap(br, *size);
		return rc;
	}
	if ((*bufs = malloc((size_t)n * RELAY_BUF_SIZE)) == NULL) {
		(void)io_uring_unregister_buf_ring(ring, RELAY_URING_BGID);
		munmap(br, *size);
		return -ENOMEM;
	}
	io_uring_buf_ring_init(br);
	for (i = 0; i < n; i++)
		io_uring_buf_ring_add(br, *bufs + (size_t)i * RELAY_BUF_SIZE,
		    RELAY_BUF_SIZE, (unsigned short)i,
		    io_uring_buf_ring_mask(n), (int)i);
	io_uring_buf_ring_advance(br, (int)n);
	*brp = br;
	return 0;
}

/* Arm a socket's multishot receive. */
static int
relay_uring_arm(struct relay_uring *u, struct relay_sock *k)
{
	struct io_uring_sqe	*sqe;

	if ((sqe = relay_uring_sqe(u)) == NULL)
		return -1;
	io_uring_prep_recvmsg_multishot(sqe, k->fd, &u->rmh, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = RELAY_URING_BGID;
	io_uring_sqe_set_data64(sqe, relay_uring_ud(UD_RECV, k));
	k->armed = 1;
	k->rearm = 0;
	return 0;
}

/* Arm a multishot poll on the command eventfd. */
static void
relay_uring_arm_wake(struct relay_thread *t, struct relay_uring *u)
{
	struct io_uring_sqe	*sqe;

	if ((sqe = relay_uring_sqe(u)) == NULL)
		return;
	io_uring_prep_poll_multishot(sqe, t->cmd_efd, POLLIN);
	io_uring_sqe_set_data64(sqe, UD_WAKE << 56);
	u->wake_armed = true;
}

/*
 * The ring, on the thread that submits to it (SINGLE_ISSUER): deferred
 * task work where the kernel has it, so completions are run in batches
 * when the thread waits rather than interrupting it.
 */
static int
relay_uring_setup(struct io_uring *ring, unsigned entries, unsigned cq)
{
	static const unsigned	 flags[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_COOP_TASKRUN,
		0,
	};
	struct io_uring_params	 p;
	size_t			 i;
	int			 rc = -EINVAL;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		memset(&p, 0, sizeof(p));
		p.flags = flags[i] | (cq != 0 ? IORING_SETUP_CQSIZE : 0);
		p.cq_entries = cq;
		if ((rc = io_uring_queue_init_params(entries, ring, &p)) == 0)
			return 0;
		if (rc != -EINVAL)
			break;
	}
	return rc;
}

static int
relay_uring_init(struct relay_thread *t)
{
	struct relay_uring	*u;

	if ((u = calloc(1, sizeof(*u))) == NULL)
		return -1;
	if (relay_uring_setup(&u->ring, RELAY_URING_SQ, RELAY_URING_CQ) != 0) {
		free(u);
		return -1;
	}
	u->nbufs = RELAY_URING_BUFS;
	if (t->uring_buffers >= 8 && t->uring_buffers < RELAY_URING_BUFS &&
	    (t->uring_buffers & (t->uring_buffers - 1)) == 0)
		u->nbufs = t->uring_buffers;
	if (relay_uring_bufs(&u->ring, u->nbufs, &u->br, &u->br_size,
	    &u->bufs) != 0) {
		io_uring_queue_exit(&u->ring);
		free(u);
		return -1;
	}
	u->rmh.msg_namelen = sizeof(struct sockaddr_in6);
	t->io_state = u;
	relay_uring_arm_wake(t, u);
	return 0;
}

static void
relay_uring_fini(struct relay_thread *t)
{
	struct relay_uring	*u = t->io_state;

	(void)io_uring_unregister_buf_ring(&u->ring, RELAY_URING_BGID);
	io_uring_queue_exit(&u->ring);
	munmap(u->br, u->br_size);
	free(u->bufs);
	free(u);
	t->io_state = NULL;
}

static int
relay_uring_sock_add(struct relay_thread *t, struct relay_sock *k)
{
	struct relay_uring	*u = t->io_state;

	if (relay_uring_arm(u, k) == 0)
		return 0;
	k->rearm = 1;		/* no SQE now: the next batch tries again */
	u->rearm_all = true;
	return -1;
}

/*
 * Cancel a socket's receive. The request holds its own reference to the
 * socket, so the fd may be closed at once; the final completion then
 * finds the slot empty or reused (another generation) and is dropped.
 * Sends queued and not yet submitted leave first: one naming this fd
 * must not meet it closed, or reopened by the proxy thread meanwhile as
 * another call's socket (its packet would leave by that call's port).
 */
static void
relay_uring_sock_del(struct relay_thread *t, struct relay_sock *k)
{
	struct relay_uring	*u = t->io_state;
	struct io_uring_sqe	*sqe;

	if (io_uring_sq_ready(&u->ring) > 0)
		(void)io_uring_submit(&u->ring);
	if (!k->armed || (sqe = relay_uring_sqe(u)) == NULL)
		return;
	io_uring_prep_cancel64(sqe, relay_uring_ud(UD_RECV, k), 0);
	io_uring_sqe_set_data64(sqe, UD_CANCEL << 56);
	k->armed = 0;
}

/* Queue the send of a relayed packet from the buffer it came in. */
static bool
relay_uring_send(struct relay_thread *t, struct relay_uring *u, unsigned bid,
    unsigned char *payload, const struct relay_out *o)
{
	struct relay_usend	*s = &u->send[bid];
	struct io_uring_sqe	*sqe;
	struct relay_sock	*out;

	if ((sqe = relay_uring_sqe(u)) == NULL)
		return false;
	out = o->fd == o->leg->rtp.fd ? &o->leg->rtp : &o->leg->rtcp;
	memcpy(&s->dst, o->dst, o->dstlen);
	memset(&s->mh, 0, sizeof(s->mh));
	s->iov.iov_base = payload;
	s->iov.iov_len = o->len;
	s->mh.msg_name = &s->dst;
	s->mh.msg_namelen = o->dstlen;
	s->mh.msg_iov = &s->iov;
	s->mh.msg_iovlen = 1;
	s->slot = out->slot;
	s->gen = out->gen;
	s->len = o->len;
	io_uring_prep_sendmsg(sqe, o->fd, &s->mh, 0);
	io_uring_sqe_set_data64(sqe, UD_SEND << 56 | bid);
	(void)t;
	return true;
}

/* A receive completion: relay the packet or give the buffer back. */
static void
relay_uring_recv(struct relay_thread *t, struct relay_uring *u,
    struct io_uring_cqe *cqe)
{
	struct io_uring_recvmsg_out	*ro;
	struct relay_sock		*k;
	struct relay_out		 o;
	unsigned char			*buf, *payload;
	unsigned			 bid;
	bool				 has_buf;
	size_t				 len;

	k = relay_thread_sock(t, UD_SLOT(cqe->user_data),
	    UD_GEN(cqe->user_data));
	has_buf = (cqe->flags & IORING_CQE_F_BUFFER) != 0;
	bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
	if (k != NULL && !(cqe->flags & IORING_CQE_F_MORE)) {
		/* Ended (out of buffers, mostly): arm again after the batch. */
		k->armed = 0;
		k->rearm = 1;
		if (u->n_rearm < RELAY_URING_REARM) {
			u->rearm_slot[u->n_rearm] = k->slot;
			u->rearm_gen[u->n_rearm++] = k->gen;
		} else
			u->rearm_all = true;
	}
	if (!has_buf)
		return;
	if (k == NULL || cqe->res <= 0) {
		relay_uring_buf_put(u, bid);
		return;
	}
	if (bid >= u->nbufs)
		return;
	buf = u->bufs + (size_t)bid * RELAY_BUF_SIZE;
	ro = io_uring_recvmsg_validate(buf, cqe->res, &u->rmh);
	if (ro == NULL || (ro->flags & MSG_TRUNC)) {
		relay_uring_buf_put(u, bid);
		return;
	}
	payload = io_uring_recvmsg_payload(ro, &u->rmh);
	len = io_uring_recvmsg_payload_length(ro, cqe->res, &u->rmh);
	if (!relay_packet(t, k, payload, len,
	    RELAY_BUF_SIZE - (size_t)(payload - buf),
	    io_uring_recvmsg_name(ro), ro->namelen, &o) ||
	    !relay_uring_send(t, u, bid, payload, &o))
		relay_uring_buf_put(u, bid);
}

/* A send completion: count it on its leg and reclaim the buffer. */
static void
relay_uring_sent(struct relay_thread *t, struct relay_uring *u,
    struct io_uring_cqe *cqe)
{
	unsigned		 bid = (unsigned)(cqe->user_data & 0xffff) %
	    RELAY_URING_BUFS;
	struct relay_usend	*s = &u->send[bid];
	struct relay_sock	*k = relay_thread_sock(t, s->slot, s->gen);
	struct relay_out	 o;

	if (k != NULL) {
		memset(&o, 0, sizeof(o));
		o.leg = &k->sess->leg[k->leg];
		o.len = s->len;
		relay_packet_sent(t, &o, cqe->res);
	}
	relay_uring_buf_put(u, bid);
}

/* Arm a socket again if it waits for it; a failure retries them all. */
static void
relay_uring_rearm_sock(struct relay_uring *u, struct relay_sock *k)
{
	if (k->rearm && relay_uring_arm(u, k) == -1)
		u->rearm_all = true;
}

/*
 * Arm again the sockets whose multishot receive ended: those listed, or,
 * when the list overflowed or an arm found no SQE, every one. Only then
 * is every session walked: not once a tick, with thousands of sessions
 * and packets waiting.
 */
static void
relay_uring_rearm(struct relay_thread *t, struct relay_uring *u)
{
	struct relay_session	*s;
	struct relay_sock	*k;
	unsigned		 i;
	int			 j;

	for (i = 0; i < u->n_rearm; i++)
		if ((k = relay_thread_sock(t, u->rearm_slot[i],
		    u->rearm_gen[i])) != NULL)
			relay_uring_rearm_sock(u, k);
	u->n_rearm = 0;
	if (!u->rearm_all)
		return;
	u->rearm_all = false;
	for (s = t->sessions; s != NULL; s = s->next)
		for (j = 0; j < 2; j++) {
			relay_uring_rearm_sock(u, &s->leg[j].rtp);
			relay_uring_rearm_sock(u, &s->leg[j].rtcp);
		}
}

/*
 * Submit what the last batch queued and wait for completions in one
 * system call; handle all of them; repeat. Commands are applied between
 * batches, never while completions still point at sockets.
 */
static void
relay_uring_loop(struct relay_thread *t)
{
	struct relay_uring	*u = t->io_state;
	struct io_uring_cqe	*cqe;
	struct __kernel_timespec ts;
	unsigned		 head, n;
	bool			 woke;
	ssize_t			 r;
	int			 ms;

	while (!t->stop) {
		ms = relay_thread_wait_ms(t);
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (ms % 1000) * 1000000LL;
		(void)io_uring_submit_and_wait_timeout(&u->ring, &cqe, 1, &ts,
		    NULL);
		relay_thread_clock(t);
		woke = false;
		n = 0;
		io_uring_for_each_cqe(&u->ring, head, cqe) {
			switch (UD_KIND(cqe->user_data)) {
			case UD_RECV:
				relay_uring_recv(t, u, cqe);
				break;
			case UD_SEND:
				relay_uring_sent(t, u, cqe);
				break;
			case UD_WAKE:
				woke = true;
				if (!(cqe->flags & IORING_CQE_F_MORE))
					u->wake_armed = false;
				break;
			default:
				break;
			}
			n++;
		}
		io_uring_cq_advance(&u->ring, n);
		relay_uring_buf_flush(u);
		if (woke) {
			r = read(t->cmd_efd, &u->efd_val, sizeof(u->efd_val));
			(void)r;
			relay_thread_commands(t);
		}
		if (!u->wake_armed)
			relay_uring_arm_wake(t, u);
		relay_thread_tick(t);
		if (u->n_rearm > 0 || u->rearm_all)
			relay_uring_rearm(t, u);
	}
}

/* Why a ring cannot be had, as an operator would want to read it. */
static void
relay_uring_why(int err, const char *what, char *why, size_t len)
{
	if (err == EPERM)
		snprintf(why, len, "%s: %s (seccomp or "
		    "kernel.io_uring_disabled?)", what, strerror(err));
	else if (err == ENOSYS)
		snprintf(why, len, "%s: %s (kernel without io_uring)", what,
		    strerror(err));
	else
		snprintf(why, len, "%s: %s", what, strerror(err));
}

/* Receive one datagram through a multishot recvmsg on a probe ring. */
static int
relay_uring_probe_recv(struct io_uring *ring, char *why, size_t len)
{
	struct sockaddr_in	 sin;
	struct msghdr		 mh;
	struct io_uring_sqe	*sqe;
	struct io_uring_cqe	*cqe;
	struct __kernel_timespec ts = { 1, 0 };
	socklen_t		 sl = sizeof(sin);
	int			 fd, rc = -1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(&mh, 0, sizeof(mh));
	mh.msg_namelen = sizeof(struct sockaddr_in6);
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == -1) {
		relay_uring_why(errno, "probe socket", why, len);
		goto out;
	}
	sqe = io_uring_get_sqe(ring);
	io_uring_prep_recvmsg_multishot(sqe, fd, &mh, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = RELAY_URING_BGID;
	if (io_uring_submit(ring) != 1 ||
	    sendto(fd, "probe", 5, 0, (struct sockaddr *)&sin, sl) != 5) {
		snprintf(why, len, "probe: submit failed");
		goto out;
	}
	if ((rc = io_uring_wait_cqe_timeout(ring, &cqe, &ts)) != 0) {
		relay_uring_why(-rc, "multishot recvmsg", why, len);
		rc = -1;
		goto out;
	}
	rc = -1;
	if (cqe->res < 0)
		relay_uring_why(-cqe->res, "multishot recvmsg", why, len);
	else if (!(cqe->flags & IORING_CQE_F_MORE) ||
	    !(cqe->flags & IORING_CQE_F_BUFFER))
		snprintf(why, len, "multishot recvmsg: not supported");
	else
		rc = 0;
	io_uring_cqe_seen(ring, cqe);
out:
	if (fd != -1)
		close(fd);
	return rc;
}

/*
 * Can this kernel, in this sandbox, run the relay on io_uring? A ring,
 * the opcodes, a provided-buffer ring and one datagram actually received
 * through multishot recvmsg: each is known to be missing somewhere
 * (seccomp filters, io_uring_disabled, kernels before 6.0).
 */
int
relay_uring_probe(char *why, size_t len)
{
	struct io_uring		 ring;
	struct io_uring_probe	*p;
	struct io_uring_buf_ring *br;
	unsigned char		*bufs;
	size_t			 size;
	int			 rc;

	if ((rc = relay_uring_setup(&ring, 8, 0)) != 0) {
		relay_uring_why(-rc, "io_uring_setup", why, len);
		return -1;
	}
	if ((p = io_uring_get_probe_ring(&ring)) == NULL ||
	    !io_uring_opcode_supported(p, IORING_OP_RECVMSG) ||
	    !io_uring_opcode_supported(p, IORING_OP_SENDMSG) ||
	    !io_uring_opcode_supported(p, IORING_OP_POLL_ADD) ||
	    !io_uring_opcode_supported(p, IORING_OP_ASYNC_CANCEL)) {
		snprintf(why, len, "io_uring without recvmsg, sendmsg, poll "
		    "or cancel");
		if (p != NULL)
			io_uring_free_probe(p);
		io_uring_queue_exit(&ring);
		return -1;
	}
	io_uring_free_probe(p);
	if ((rc = relay_uring_bufs(&ring, 8, &br, &size, &bufs)) != 0) {
		relay_uring_why(-rc, "provided buffer ring", why, len);
		io_uring_queue_exit(&ring);
		return -1;
	}
	rc = relay_uring_probe_recv(&ring, why, len);
	(void)io_uring_unregister_buf_ring(&ring, RELAY_URING_BGID);
	io_uring_queue_exit(&ring);
	munmap(br, size);
	free(bufs);
	return rc;
}

const struct relay_io_ops relay_io_uring = {
	.name = "io_uring",
	.init = relay_uring_init,
	.fini = relay_uring_fini,
	.sock_add = relay_uring_sock_add,
	.sock_del = relay_uring_sock_del,
	.loop = relay_uring_loop,
};
