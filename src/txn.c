/* txn.c: the transaction tables and their timers. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "log.h"
#include "txn.h"
#include "util.h"

static struct txn		*by_branch;
static struct txn		*by_upstream;
static struct event_base	*txn_base;

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

	if (t->timeout != NULL)
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

struct txn *
txn_new(uint64_t in_conn, const char *in_branch, osip_message_t *in_req,
    osip_message_t *out_req, uint64_t out_conn, const char *branch,
    txn_timeout_cb timeout, void *arg)
{
	struct txn	*t = xcalloc(1, sizeof(*t));
	struct txn	*old;

	snprintf(t->branch, sizeof(t->branch), "%s", branch);
	t->invite = strcmp(in_req->sip_method, "INVITE") == 0;
	t->in_key = txn_upstream_key(in_conn, in_branch, t->invite);
	t->state = TXN_CALLING;
	t->in_conn = in_conn;
	t->out_conn = out_conn;
	t->in_req = in_req;
	t->out_req = out_req;
	t->timeout = timeout;
	t->arg = arg;
	t->timer = evtimer_new(txn_base, txn_timer_cb, t);
	if (t->timer == NULL)
		fatal("%s: evtimer_new", __func__);
	HASH_ADD_KEYPTR(hh_out, by_branch, t->branch, strlen(t->branch), t);
	/* A request with a reused branch replaces the older entry's lookup. */
	HASH_FIND(hh_in, by_upstream, t->in_key, strlen(t->in_key), old);
	if (old != NULL)
		HASH_DELETE(hh_in, by_upstream, old);
	HASH_ADD_KEYPTR(hh_in, by_upstream, t->in_key, strlen(t->in_key), t);
	return t;
}

void
txn_free(struct txn *t)
{
	struct txn	*cur;
	size_t		 i;

	HASH_DELETE(hh_out, by_branch, t);
	HASH_FIND(hh_in, by_upstream, t->in_key, strlen(t->in_key), cur);
	if (cur == t)
		HASH_DELETE(hh_in, by_upstream, t);
	event_free(t->timer);
	if (t->in_req != NULL)
		osip_message_free(t->in_req);
	if (t->out_req != NULL)
		osip_message_free(t->out_req);
	for (i = 0; i < t->n_orig_contacts; i++)
		free(t->orig_contacts[i]);
	free(t->orig_contacts);
	free(t->aor);
	free(t->in_key);
	free(t);
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

void
txn_foreach(void (*fn)(struct txn *, void *), void *arg)
{
	struct txn	*t, *tmp;

	HASH_ITER(hh_out, by_branch, t, tmp)
		fn(t, arg);
}

unsigned
txn_count(void)
{
	return HASH_CNT(hh_out, by_branch);
}
