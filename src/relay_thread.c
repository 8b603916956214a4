/*
 * relay_thread.c: a relay thread's own side of things: the commands the
 * proxy thread queues (add, update, free a session, stop), the socket
 * table the I/O backends find sockets in, the once-a-tick work (media
 * timeouts, the end of a re-key window) and results back to the proxy.
 *
 * A session belongs to exactly one thread from its ADD to its FREE; only
 * that thread reads or writes it, except the counters (relaxed atomics).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relay_int.h"
#include "util.h"

/* Read the monotonic clock once per wake-up; the packet path uses it. */
void
relay_thread_clock(struct relay_thread *t)
{
	t->now_ms = mono_ms();
}

/* Queue a result for the proxy thread and wake it; false when full. */
bool
relay_thread_result(struct relay_thread *t, enum relay_result_kind kind,
    const struct relay_session *s, int leg, const struct sockaddr *addr,
    socklen_t len)
{
	struct relay_res	r;
	uint64_t		one = 1;
	ssize_t			w;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.session = s->id;
	r.leg = leg;
	if (addr != NULL && len <= sizeof(r.addr))
		memcpy(&r.addr, addr, len);
	if (!relay_queue_push(&t->resq, &r))
		return false;
	/*
	 * An eventfd write fails only when its counter would overflow, and
	 * then the proxy has a wake-up pending anyway.
	 */
	w = write(t->res_efd, &one, sizeof(one));
	(void)w;
	return true;
}

/* Give a socket a slot in the table the I/O backend looks it up in. */
static void
relay_thread_slot(struct relay_thread *t, struct relay_sock *k)
{
	uint32_t	i, n;

	if (t->n_free == 0) {
		n = t->n_socks == 0 ? 64 : 2 * t->n_socks;
		t->socks = xreallocarray(t->socks, n, sizeof(*t->socks));
		t->free_slots = xreallocarray(t->free_slots, n,
		    sizeof(*t->free_slots));
		for (i = n; i > t->n_socks; i--) {
			t->socks[i - 1] = NULL;
			t->free_slots[t->n_free++] = i - 1;
		}
		t->n_socks = n;
	}
	k->slot = t->free_slots[--t->n_free];
	k->gen = ++t->next_gen & 0xffffff;
	t->socks[k->slot] = k;
}

/* The live socket in a slot, or NULL when it went (stale completion). */
struct relay_sock *
relay_thread_sock(struct relay_thread *t, uint32_t slot, uint32_t gen)
{
	struct relay_sock	*k;

	if (slot >= t->n_socks || (k = t->socks[slot]) == NULL ||
	    k->gen != gen)
		return NULL;
	return k;
}

/* Retire a leg's inbound context into the re-key window. */
static void
relay_thread_rekey_in(struct relay_thread *t, struct relay_leg *l, srtp_t in)
{
	if (l->in_old != NULL)
		srtp_dealloc(l->in_old);
	l->in_old = l->in;
	l->in_old_until = t->now_ms + RELAY_REKEY_WINDOW_MS;
	l->in = in;
}

/*
 * Build the contexts of a leg's new keys, here, so that they come from
 * this thread's arena. A key that gets no context (libsrtp2 out of
 * memory: the proxy checked the key) leaves the leg refusing its packets
 * rather than relaying them unprotected, and is said once.
 */
static void
relay_thread_keys(struct relay_thread *t, struct relay_session *s, int i,
    const struct relay_upd_leg *ul)
{
	struct relay_leg	*l = &s->leg[i];
	const char		*why;
	srtp_t			 ctx;
	bool			 failed = false;

	if (ul->what & RELAY_UPD_CRYPTO_IN) {
		if (relay_crypto_context(&ul->in, true, &ctx, &why) == 0)
			relay_thread_rekey_in(t, l, ctx);
		else
			failed = true;
	}
	if (ul->what & RELAY_UPD_CRYPTO_OUT) {
		if (relay_crypto_context(&ul->out, false, &ctx, &why) == 0) {
			if (l->out != NULL)
				srtp_dealloc(l->out);
			l->out = ctx;
		} else
			failed = true;
	}
	if (failed && !l->no_context)
		(void)relay_thread_result(t, RELAY_RESULT_NO_CONTEXT, s, i,
		    NULL, 0);
	if (failed)
		l->no_context = true;
	else if ((ul->what & (RELAY_UPD_CRYPTO_IN | RELAY_UPD_CRYPTO_OUT)) ==
	    (RELAY_UPD_CRYPTO_IN | RELAY_UPD_CRYPTO_OUT))
		l->no_context = false;
}

/* A new session: its contexts, then receiving on its sockets. */
static void
relay_thread_add(struct relay_thread *t, struct relay_session *s,
    struct relay_upd *u)
{
	struct relay_sock	*k;
	int			 i, j;

	for (i = 0; i < 2; i++)
		relay_thread_keys(t, s, i, &u->leg[i]);
	relay_upd_free(u);

	s->next = t->sessions;
	s->prev = NULL;
	if (t->sessions != NULL)
		t->sessions->prev = s;
	t->sessions = s;
	t->live++;
	s->start_ms = t->now_ms;
	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2; j++) {
			k = j == 0 ? &s->leg[i].rtp : &s->leg[i].rtcp;
			if (k->fd == -1)
				continue;
			relay_thread_slot(t, k);
			if (t->io->sock_add(t, k) == -1)
				relay_ctr_add(&s->leg[i].ctr.drops, 1);
		}
	}
}

/* Apply an update the proxy thread built; the thread frees it. */
static void
relay_thread_update(struct relay_thread *t, struct relay_session *s,
    struct relay_upd *u)
{
	struct relay_upd_leg	*ul;
	struct relay_leg	*l;
	int			 i;

	for (i = 0; i < 2; i++) {
		ul = &u->leg[i];
		l = &s->leg[i];
		if (ul->what & RELAY_UPD_PEER)
			relay_leg_set_peers(l, &ul->rtp_peer, &ul->rtcp_peer);
		if (ul->what & RELAY_UPD_FLAGS)
			l->flags = ul->flags;
		if (ul->what & RELAY_UPD_IN_FLAGS)
			l->in_flags = ul->in_flags;
		relay_thread_keys(t, s, i, ul);
		if (ul->what & (RELAY_UPD_CRYPTO_IN | RELAY_UPD_PEER))
			l->plain_srtcp_said = false;
	}
	/*
	 * New SDP (an answer, a re-INVITE, a resume) starts the silence
	 * clock again: a call answered after a minute of ringing, or taken
	 * off hold, is not timed out for the silence before.
	 */
	s->start_ms = t->now_ms;
	s->timeout_said = false;
	relay_upd_free(u);
}

/* Close a session's sockets, drop its contexts and free it. */
void
relay_thread_free_session(struct relay_thread *t, struct relay_session *s)
{
	struct relay_sock	*k;
	struct relay_leg	*l;
	int			 i, j;

	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		t->sessions = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	if (t->cursor == s)
		t->cursor = s->next;
	t->live--;
	for (i = 0; i < 2; i++) {
		l = &s->leg[i];
		for (j = 0; j < 2; j++) {
			k = j == 0 ? &l->rtp : &l->rtcp;
			if (k->fd == -1)
				continue;
			t->io->sock_del(t, k);
			t->socks[k->slot] = NULL;
			t->free_slots[t->n_free++] = k->slot;
			close(k->fd);
			k->fd = -1;
		}
		relay_leg_contexts_free(l);
	}
	relay_pool_put(&t->pool, s);
}

/* Apply every command waiting; counted so the proxy can tell when done. */
void
relay_thread_commands(struct relay_thread *t)
{
	struct relay_cmd	c;

	while (relay_queue_pop(&t->cmdq, &c)) {
		switch (c.kind) {
		case RELAY_CMD_ADD:
			relay_thread_add(t, c.sess, c.upd);
			break;
		case RELAY_CMD_UPDATE:
			relay_thread_update(t, c.sess, c.upd);
			break;
		case RELAY_CMD_FREE:
			relay_thread_free_session(t, c.sess);
			break;
		case RELAY_CMD_STOP:
			t->stop = true;
			break;
		}
		atomic_fetch_add_explicit(&t->cmds_done, 1,
		    memory_order_release);
	}
}

/* When the thread last heard from a session, on either leg. */
static uint64_t
relay_session_last(const struct relay_session *s)
{
	uint64_t	a, b, last = s->start_ms;

	a = relay_ctr_get((_Atomic uint64_t *)&s->leg[0].ctr.last_ms);
	b = relay_ctr_get((_Atomic uint64_t *)&s->leg[1].ctr.last_ms);
	if (a > last)
		last = a;
	if (b > last)
		last = b;
	return last;
}

/*
 * Once a tick (RELAY_TICK_MS), a slice of the sessions: those silent for
 * [media] timeout are reported (once; a result that did not fit is tried
 * again next time round), and inbound contexts whose re-key window is
 * over are dropped. The slice is a tenth of the sessions, from where the
 * last one stopped, so every session is looked at about once every ten
 * ticks and no wake-up walks thousands of them while packets wait: that
 * walk was the relay's worst latency. Commands are looked at too, in case
 * a wake-up was missed.
 */
void
relay_thread_tick(struct relay_thread *t)
{
	struct relay_session	*s;
	struct relay_leg	*l;
	unsigned		 timeout_s, n;
	int			 i;

	if (t->now_ms < t->next_tick)
		return;
	t->next_tick = t->now_ms + RELAY_TICK_MS;
	timeout_s = atomic_load_explicit(&t->timeout_s, memory_order_relaxed);
	for (n = t->live / RELAY_TICK_SLICES + 1; n > 0 && t->live > 0; n--) {
		if ((s = t->cursor) == NULL)
			s = t->sessions;
		t->cursor = s->next;
		for (i = 0; i < 2; i++) {
			l = &s->leg[i];
			if (l->in_old != NULL && t->now_ms >= l->in_old_until) {
				srtp_dealloc(l->in_old);
				l->in_old = NULL;
			}
		}
		if (!s->timeout_said && timeout_s > 0 &&
		    t->now_ms - relay_session_last(s) >=
		    (uint64_t)timeout_s * 1000)
			s->timeout_said = relay_thread_result(t,
			    RELAY_RESULT_TIMEOUT, s, -1, NULL, 0);
	}
	relay_thread_commands(t);
}

/* How long a wait for packets may last: a tick, or a second when idle. */
int
relay_thread_wait_ms(const struct relay_thread *t)
{
	return t->live > 0 ? RELAY_TICK_MS : RELAY_IDLE_MS;
}

/* The thread: set up its I/O, run it, and free what is left at the end. */
void *
relay_thread_main(void *arg)
{
	struct relay_thread	*t = arg;

	relay_thread_clock(t);
	if (t->io->init(t) == -1) {
		atomic_store_explicit(&t->ready, -1, memory_order_release);
		return NULL;
	}
	atomic_store_explicit(&t->ready, 1, memory_order_release);
	t->io->loop(t);
	while (t->sessions != NULL)
		relay_thread_free_session(t, t->sessions);
	t->io->fini(t);
	return NULL;
}
