/* txn.c: the transaction tables and their timers. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <utlist.h>

#include "log.h"
#include "sip_msg.h"
#include "txn.h"
#include "util.h"

/* The transactions of one connection, either way. */
struct txn_conn {
	uint64_t	 id;
	struct txn	*in;		/* requests that came in on it */
	struct txn	*out;		/* requests that went out on it */
	size_t		 n;		/* entries in both lists */
	UT_hash_handle	 hh;
};

static struct txn		*by_branch;
static struct txn		*by_upstream;
static struct txn_conn		*by_conn;
static struct event_base	*txn_base;

/* The entry of a connection, made when asked to. */
static struct txn_conn *
txn_conn(uint64_t id, bool create)
{
	struct txn_conn	*tc;

	HASH_FIND(hh, by_conn, &id, sizeof(id), tc);
	if (tc == NULL && create) {
		tc = xcalloc(1, sizeof(*tc));
		tc->id = id;
		HASH_ADD(hh, by_conn, id, sizeof(tc->id), tc);
	}
	return tc;
}

/* File a new transaction under both of its connections. */
static void
txn_conn_link(struct txn *t)
{
	struct txn_conn	*tc;

	if (t->done == NULL) {
		tc = txn_conn(t->in_conn, true);
		DL_APPEND2(tc->in, t, in_prev, in_next);
		tc->n++;
	}
	tc = txn_conn(t->out_conn, true);
	DL_APPEND2(tc->out, t, out_prev, out_next);
	tc->n++;
}

/* One list entry fewer; the entry of a connection with none goes. */
static void
txn_conn_put(struct txn_conn *tc)
{
	if (--tc->n == 0) {
		HASH_DEL(by_conn, tc);
		free(tc);
	}
}

/* Take a transaction out of its connections' lists. */
static void
txn_conn_unlink(struct txn *t)
{
	struct txn_conn	*tc;

	if (t->done == NULL && (tc = txn_conn(t->in_conn, false)) != NULL) {
		DL_DELETE2(tc->in, t, in_prev, in_next);
		txn_conn_put(tc);
	}
	if ((tc = txn_conn(t->out_conn, false)) != NULL) {
		DL_DELETE2(tc->out, t, out_prev, out_next);
		txn_conn_put(tc);
	}
}

/* The upstream key: a branch is only unique per sender and method kind. */
static char *
txn_upstream_key(uint64_t in_conn, const char *in_branch, bool invite)
{
	char	*key;

	xasprintf(&key, "%llu %s %c", (unsigned long long)in_conn,
	    in_branch != NULL ? in_branch : "", invite ? 'I' : 'N');
	return key;
}

/* The transaction's timer fired: tell the proxy. */
static void
txn_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct txn	*t = arg;

	if (t->done != NULL)
		txn_finish_local(t, NULL, 408);
	else if (t->timeout != NULL)
		t->timeout(t, t->arg);
	else
		txn_free(t);
}

void
txn_init(struct event_base *base)
{
	txn_base = base;
}

void
txn_shutdown(void)
{
	struct txn	*t, *tmp;

	HASH_ITER(hh_out, by_branch, t, tmp)
		txn_free(t);
}

/*
 * What every transaction has: our branch, its kind, its timer, and its
 * place under that branch. The caller adds the upstream side, if any,
 * then files it under its connections.
 */
static struct txn *
txn_alloc(uint64_t out_conn, const char *branch, bool invite, void *arg)
{
	struct txn	*t = xcalloc(1, sizeof(*t));

	snprintf(t->branch, sizeof(t->branch), "%s", branch);
	t->invite = invite;
	t->state = TXN_CALLING;
	t->out_conn = out_conn;
	t->arg = arg;
	t->timer = evtimer_new(txn_base, txn_timer_cb, t);
	if (t->timer == NULL)
		fatal("%s: evtimer_new", __func__);
	HASH_ADD_KEYPTR(hh_out, by_branch, t->branch, strlen(t->branch), t);
	return t;
}

struct txn *
txn_new(uint64_t in_conn, const char *in_branch, osip_message_t *in_req,
    osip_message_t *out_req, uint64_t out_conn, const char *branch,
    txn_timeout_cb timeout, void *arg)
{
	struct txn	*t, *old;

	t = txn_alloc(out_conn, branch, strcmp(in_req->sip_method,
	    "INVITE") == 0, arg);
	t->in_key = txn_upstream_key(in_conn, in_branch, t->invite);
	t->in_conn = in_conn;
	t->in_req = in_req;
	t->out_req = out_req;
	t->timeout = timeout;
	/* A request with a reused branch replaces the older entry's lookup. */
	HASH_FIND(hh_in, by_upstream, t->in_key, strlen(t->in_key), old);
	if (old != NULL)
		HASH_DELETE(hh_in, by_upstream, old);
	HASH_ADD_KEYPTR(hh_in, by_upstream, t->in_key, strlen(t->in_key), t);
	txn_conn_link(t);
	return t;
}

struct txn *
txn_new_local(uint64_t out_conn, const char *branch, bool invite,
    txn_done_cb done, void *arg)
{
	struct txn	*t = txn_alloc(out_conn, branch, invite, arg);

	t->in_key = xstrdup("");
	t->done = done;
	txn_conn_link(t);
	return t;
}

void
txn_finish_local(struct txn *t, const osip_message_t *resp, int status)
{
	t->done(t, resp, status, t->arg);
	txn_free(t);
}

struct txn_fork *
txn_fork_new(unsigned branches)
{
	struct txn_fork	*f = xcalloc(1, sizeof(*f));

	f->refs = 1;
	f->open = branches;
	return f;
}

void
txn_fork_add(struct txn_fork *f, struct txn *t)
{
	t->fork = f;
	DL_APPEND2(f->branches, t, fork_prev, fork_next);
	f->refs++;
}

void
txn_fork_put(struct txn_fork *f)
{
	if (--f->refs > 0)
		return;
	sip_msg_free(f->best_resp);
	free(f);
}

bool
txn_fork_final(struct txn *t)
{
	if (t->fork == NULL || t->fork_final)
		return false;
	t->fork_final = true;
	t->fork->open--;
	return true;
}

/* Leave a fork; the upstream entry moves to a branch that stays. */
static void
txn_fork_leave(struct txn *t, bool hashed)
{
	struct txn_fork	*f = t->fork;

	DL_DELETE2(f->branches, t, fork_prev, fork_next);
	(void)txn_fork_final(t);
	if (hashed && f->branches != NULL)
		HASH_ADD_KEYPTR(hh_in, by_upstream, f->branches->in_key,
		    strlen(f->branches->in_key), f->branches);
	txn_fork_put(f);
}

void
txn_rebranch(struct txn *t, const char *branch)
{
	HASH_DELETE(hh_out, by_branch, t);
	snprintf(t->branch, sizeof(t->branch), "%s", branch);
	HASH_ADD_KEYPTR(hh_out, by_branch, t->branch, strlen(t->branch), t);
}

void
txn_free(struct txn *t)
{
	struct txn	*cur = NULL;
	size_t		 i;

	HASH_DELETE(hh_out, by_branch, t);
	if (t->done == NULL)
		HASH_FIND(hh_in, by_upstream, t->in_key, strlen(t->in_key),
		    cur);
	if (cur == t)
		HASH_DELETE(hh_in, by_upstream, t);
	if (t->fork != NULL)
		txn_fork_leave(t, cur == t);
	txn_conn_unlink(t);
	event_free(t->timer);
	sip_msg_free(t->in_req);
	sip_msg_free(t->out_req);
	for (i = 0; i < TXN_SLOTS; i++)
		if (t->slot[i].data != NULL && t->slot[i].free != NULL)
			t->slot[i].free(t->slot[i].data);
	free(t->in_key);
	free(t);
}

const char *
txn_state_name(enum txn_state s)
{
	switch (s) {
	case TXN_CALLING:
		return "calling";
	case TXN_PROCEEDING:
		return "proceeding";
	case TXN_ACCEPTED:
		return "accepted";
	case TXN_COMPLETED:
		return "completed";
	}
	return "?";
}

void
txn_set_state(struct txn *t, enum txn_state s)
{
	if (t->state == s)
		return;
	log_debug("txn %s: %s -> %s", t->branch, txn_state_name(t->state),
	    txn_state_name(s));
	t->state = s;
}

struct txn *
txn_by_branch(const char *branch)
{
	struct txn	*t;

	if (branch == NULL)
		return NULL;
	HASH_FIND(hh_out, by_branch, branch, strlen(branch), t);
	return t;
}

struct txn *
txn_by_upstream(uint64_t in_conn, const char *in_branch, bool invite)
{
	struct txn	*t;
	char		*key;

	if (in_branch == NULL)
		return NULL;
	key = txn_upstream_key(in_conn, in_branch, invite);
	HASH_FIND(hh_in, by_upstream, key, strlen(key), t);
	free(key);
	return t;
}

void
txn_arm(struct txn *t, unsigned seconds)
{
	struct timeval	tv = { seconds, 0 };

	event_add(t->timer, &tv);
}

/*
 * The callback may end up freeing other transactions of the connection
 * (a reply that makes another connection fail, whose loss frees its own
 * transactions): so take a list of branches first and look each up again
 * before visiting it.
 */
void
txn_foreach_conn(uint64_t conn, void (*fn)(struct txn *, void *), void *arg)
{
	struct txn_conn	*tc = txn_conn(conn, false);
	struct txn	*t;
	char		(*branches)[SIP_HDR_BRANCH_MAX];
	size_t		 n = 0, i;

	if (tc == NULL)
		return;
	branches = xreallocarray(NULL, tc->n, sizeof(*branches));
	DL_FOREACH2(tc->in, t, in_next) {
		if (t->out_conn != conn)	/* else listed below */
			memcpy(branches[n++], t->branch, sizeof(t->branch));
	}
	DL_FOREACH2(tc->out, t, out_next)
		memcpy(branches[n++], t->branch, sizeof(t->branch));
	for (i = 0; i < n; i++) {
		if ((t = txn_by_branch(branches[i])) != NULL)
			fn(t, arg);
	}
	free(branches);
}

unsigned
txn_count(void)
{
	return HASH_CNT(hh_out, by_branch);
}
