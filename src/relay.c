/*
 * relay.c: the relay as the proxy thread sees it: starting and stopping
 * the relay threads, choosing the I/O method once, the command and result
 * queues, and the counters for "sipedgectl media". Sessions themselves
 * are set up in relay_session.c.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/eventfd.h>

#include "edge_config.h"
#include "log.h"
#include "relay_int.h"
#include "util.h"

/* The I/O method a name in SIPEDGE_RELAY_IO stands for. */
static int
relay_io_parse(const char *s, enum relay_io *io)
{
	if (strcmp(s, "io_uring") == 0)
		*io = RELAY_IO_URING;
	else if (strcmp(s, "epoll") == 0)
		*io = RELAY_IO_EPOLL;
	else if (strcmp(s, "epoll-single") == 0)
		*io = RELAY_IO_EPOLL_SINGLE;
	else if (strcmp(s, "auto") == 0)
		*io = RELAY_IO_AUTO;
	else
		return -1;
	return 0;
}

/*
 * Pick the I/O method: io_uring when asked for or when the probe says it
 * works, else epoll with recvmmsg/sendmmsg. Logged at notice with why.
 */
static int
relay_io_choose(struct relay *r, enum relay_io io, char *why, size_t len)
{
	char	reason[160];

	switch (io) {
	case RELAY_IO_EPOLL:
		r->io = &relay_io_epoll;
		log_notice("relay: using epoll with recvmmsg/sendmmsg "
		    "(asked for)");
		return 0;
	case RELAY_IO_EPOLL_SINGLE:
		r->io = &relay_io_epoll_single;
		log_notice("relay: using epoll with one recvmsg/sendmsg per "
		    "packet (asked for)");
		return 0;
	case RELAY_IO_URING:
	case RELAY_IO_AUTO:
		break;
	}
	if (relay_uring_probe(reason, sizeof(reason)) == 0) {
		r->io = &relay_io_uring;
		log_notice("relay: using io_uring (multishot recvmsg with "
		    "provided buffers, batched sends)");
		return 0;
	}
	if (io == RELAY_IO_URING) {
		snprintf(why, len, "io_uring unavailable: %s", reason);
		return -1;
	}
	r->io = &relay_io_epoll;
	log_notice("relay: io_uring unavailable: %s, using epoll", reason);
	return 0;
}

/* Queue a command and wake the thread. */
bool
relay_command(struct relay_thread *t, enum relay_cmd_kind kind,
    struct relay_session *s, struct relay_upd *u)
{
	struct relay_cmd	c = { .kind = kind, .sess = s, .upd = u };
	uint64_t		one = 1;
	ssize_t			w;

	if (!relay_queue_push(&t->cmdq, &c))
		return false;
	t->cmds_sent++;
	/* Overflow only: the thread has a wake-up pending then. */
	w = write(t->cmd_efd, &one, sizeof(one));
	(void)w;
	return true;
}

void
relay_command_wait(struct relay_thread *t, enum relay_cmd_kind kind,
    struct relay_session *s, struct relay_upd *u)
{
	struct timespec	ts = { 0, 1000000 };

	while (!relay_command(t, kind, s, u))
		nanosleep(&ts, NULL);
}

/* Start one thread and wait until its I/O is set up. */
static int
relay_thread_start(struct relay *r, struct relay_thread *t, unsigned id,
    char *why, size_t len)
{
	struct timespec	ts = { 0, 1000000 };
	int		i, rc;

	t->id = id;
	relay_pool_init(&t->pool);
	t->io = r->io;
	t->res_efd = r->res_efd;
	atomic_store_explicit(&t->timeout_s, r->timeout_s,
	    memory_order_relaxed);
	t->uring_buffers = r->uring_buffers;
	t->cmd_efd = -1;
	if (relay_queue_init(&t->cmdq, RELAY_QUEUE_LEN,
	    sizeof(struct relay_cmd)) == -1 ||
	    relay_queue_init(&t->resq, RELAY_QUEUE_LEN,
	    sizeof(struct relay_res)) == -1 ||
	    (t->cmd_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		snprintf(why, len, "relay thread %u: %s", id, strerror(errno));
		return -1;
	}
	if ((rc = pthread_create(&t->tid, NULL, relay_thread_main, t)) != 0) {
		snprintf(why, len, "relay thread %u: %s", id, strerror(rc));
		return -1;
	}
	for (i = 0; i < 5000; i++) {
		rc = atomic_load_explicit(&t->ready, memory_order_acquire);
		if (rc != 0)
			break;
		nanosleep(&ts, NULL);
	}
	if (rc != 1) {
		pthread_join(t->tid, NULL);
		snprintf(why, len, "relay thread %u: %s I/O did not start",
		    id, r->io->name);
		return -1;
	}
	return 0;
}

/* Stop a started thread and free what it owned. */
static void
relay_thread_stop(struct relay_thread *t)
{
	if (atomic_load_explicit(&t->ready, memory_order_acquire) == 1) {
		relay_command_wait(t, RELAY_CMD_STOP, NULL, NULL);
		pthread_join(t->tid, NULL);
	}
	if (t->cmd_efd != -1)
		close(t->cmd_efd);
	relay_queue_fini(&t->cmdq);
	relay_queue_fini(&t->resq);
	free(t->socks);
	free(t->free_slots);
	relay_pool_fini(&t->pool);
}

/* Start the relay with the I/O method SIPEDGE_RELAY_IO names, or auto. */
struct relay *
relay_new(const struct config_media *cf, char *why, size_t len)
{
	struct relay_opts	 o;
	const char		*env = getenv("SIPEDGE_RELAY_IO");

	memset(&o, 0, sizeof(o));
	if (env != NULL && *env != '\0' && relay_io_parse(env, &o.io) == -1) {
		snprintf(why, len, "SIPEDGE_RELAY_IO=%s: not io_uring, epoll, "
		    "epoll-single or auto", env);
		return NULL;
	}
	return relay_new_opts(cf, &o, why, len);
}

/* Start cf->threads threads; NULL with a reason when anything fails. */
struct relay *
relay_new_opts(const struct config_media *cf, const struct relay_opts *o,
    char *why, size_t len)
{
	struct relay	*r;
	socklen_t	 sl;
	unsigned	 i;

	r = xcalloc(1, sizeof(*r));
	r->res_efd = -1;
	r->dscp = cf->dscp;
	r->timeout_s = cf->timeout;
	r->uring_buffers = o->uring_buffers;
	if (cf->phone_address == NULL || cf->carrier_address == NULL ||
	    sockaddr_from(cf->phone_address, 0, &r->addr[RELAY_LEG_A],
	    &sl) == -1 ||
	    sockaddr_from(cf->carrier_address, 0, &r->addr[RELAY_LEG_B],
	    &sl) == -1) {
		snprintf(why, len, "[media] phone_address and carrier_address "
		    "must be numeric addresses");
		goto fail;
	}
	r->ports = relay_ports_new(cf->port_min, cf->port_max,
	    o->quarantine_ms != 0 ? o->quarantine_ms : RELAY_QUARANTINE_MS);
	if (r->ports == NULL) {
		snprintf(why, len, "[media] port_min %u..port_max %u holds no "
		    "even RTP port with its RTCP port", cf->port_min,
		    cf->port_max);
		goto fail;
	}
	if ((r->res_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		snprintf(why, len, "eventfd: %s", strerror(errno));
		goto fail;
	}
	if (relay_io_choose(r, o->io, why, len) == -1)
		goto fail;
	r->n_threads = cf->threads > 0 ? cf->threads : 1;
	r->threads = xcalloc(r->n_threads, sizeof(*r->threads));
	for (i = 0; i < r->n_threads; i++)
		if (relay_thread_start(r, &r->threads[i], i, why, len) == -1)
			goto fail;
	return r;
fail:
	relay_free(r);
	return NULL;
}

/* Stop every thread (each frees its sessions) and free the relay. */
void
relay_set_timeout(struct relay *r, unsigned seconds)
{
	unsigned	i;

	r->timeout_s = seconds;
	for (i = 0; r->threads != NULL && i < r->n_threads; i++)
		atomic_store_explicit(&r->threads[i].timeout_s, seconds,
		    memory_order_relaxed);
}

void
relay_free(struct relay *r)
{
	struct relay_handle	*h, *tmp;
	unsigned		 i;

	if (r == NULL)
		return;
	for (i = 0; r->threads != NULL && i < r->n_threads; i++)
		relay_thread_stop(&r->threads[i]);
	HASH_ITER(hh, r->handles, h, tmp) {
		HASH_DEL(r->handles, h);
		free(h);
	}
	free(r->threads);
	relay_ports_free(r->ports);
	if (r->res_efd != -1)
		close(r->res_efd);
	free(r);
}

/* The I/O method's name. */
const char *
relay_io_name(const struct relay *r)
{
	return r->io->name;
}

/* The fd the proxy thread watches for results. */
int
relay_result_fd(const struct relay *r)
{
	return r->res_efd;
}

/* A leg's name in result lines. */
static const char *
relay_leg_name(int leg)
{
	return leg == RELAY_LEG_A ? "phone" : "carrier";
}

/* Turn one thread's result into a relay_result and hand it over. */
static void
relay_result_one(struct relay *r, const struct relay_res *res,
    relay_result_cb *cb, void *arg)
{
	struct relay_result	 out;
	struct relay_handle	*h;
	char			 text[160], addr[64];
	uint32_t		 id = res->session;

	HASH_FIND(hh, r->handles, &id, sizeof(id), h);
	if (h == NULL)
		return;		/* freed since: nobody cares any more */
	memset(&out, 0, sizeof(out));
	out.kind = res->kind;
	out.session = res->session;
	out.leg = res->leg;
	out.addr = res->addr;
	out.text = text;
	switch (res->kind) {
	case RELAY_RESULT_TIMEOUT:
		snprintf(text, sizeof(text), "session %u timed out: no "
		    "packets for %u s", id, r->timeout_s);
		break;
	case RELAY_RESULT_LATCHED:
		h->remote[res->leg] = res->addr;
		snprintf(text, sizeof(text), "session %u %s leg latched to %s",
		    id, relay_leg_name(res->leg), sockaddr_str((const struct
		    sockaddr *)&res->addr, addr, sizeof(addr)));
		break;
	case RELAY_RESULT_PLAIN_SRTCP:
		snprintf(text, sizeof(text), "session %u %s leg sends plain "
		    "RTCP where SRTCP was negotiated (UNENCRYPTED_SRTCP not "
		    "signalled): counted", id, relay_leg_name(res->leg));
		break;
	case RELAY_RESULT_NO_CONTEXT:
		snprintf(text, sizeof(text), "session %u %s leg: no SRTP "
		    "context for its key (libsrtp2 out of memory): its "
		    "packets are dropped", id, relay_leg_name(res->leg));
		break;
	}
	cb(&out, arg);
}

/* Hand every waiting result to cb. */
void
relay_results_drain(struct relay *r, relay_result_cb *cb, void *arg)
{
	struct relay_res	res;
	uint64_t		v;
	unsigned		i;
	ssize_t			n;

	n = read(r->res_efd, &v, sizeof(v));
	(void)n;
	for (i = 0; i < r->n_threads; i++)
		while (relay_queue_pop(&r->threads[i].resq, &res))
			relay_result_one(r, &res, cb, arg);
}

/* Commands queued but not yet applied, over all threads. */
size_t
relay_commands_pending(struct relay *r)
{
	size_t		n = 0;
	unsigned	i;

	for (i = 0; i < r->n_threads; i++)
		n += r->threads[i].cmds_sent - atomic_load_explicit(
		    &r->threads[i].cmds_done, memory_order_acquire);
	return n;
}

/* Totals for "sipedgectl media". */
void
relay_stats(struct relay *r, struct relay_stats *st)
{
	struct relay_handle	*h, *tmp;
	unsigned		 i;

	memset(st, 0, sizeof(*st));
	st->io = r->io->name;
	relay_ports_counts(r->ports, mono_ms(), &st->ports_in_use,
	    &st->ports_total, &st->ports_quarantined);
	st->sessions = r->n_sessions;
	st->threads = r->n_threads;
	for (i = 0; i < r->n_threads; i++)
		st->packets_relayed += relay_ctr_get(&r->threads[i].packets);
	st->srtp_failures = r->gone_auth_fail;
	HASH_ITER(hh, r->handles, h, tmp)
		for (i = 0; i < 2; i++)
			st->srtp_failures += relay_ctr_get(
			    &h->sess->leg[i].ctr.auth_fail);
}

/* One thread's counters. */
int
relay_thread_stats(struct relay *r, unsigned i, struct relay_thread_stats *st)
{
	if (i >= r->n_threads)
		return -1;
	st->id = i;
	st->sessions = r->threads[i].n_sessions;
	st->packets = relay_ctr_get(&r->threads[i].packets);
	return 0;
}
