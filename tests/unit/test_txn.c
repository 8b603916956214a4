/*
 * test_txn.c: the transaction tables. A response finds its transaction by
 * our branch; a CANCEL, an ACK or a retransmission finds it by where it
 * came from (connection, branch, INVITE or not); the one timer fires.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "sip_hdr.h"
#include "sip_msg.h"
#include "txn.h"
#include "unit.h"
#include "util.h"

#define PHONE_CONN	7
#define CARRIER_CONN	9
#define PHONE_BRANCH	"z9hG4bK3a5e9c1d7f"

/* A canned request from baresip; method and branch filled in. */
static osip_message_t *
request(const char *method, const char *branch)
{
	char		 buf[2048], why[128];
	osip_message_t	*m;
	int		 n;

	n = snprintf(buf, sizeof(buf),
	    "%s sip:bob@carrier.test SIP/2.0\r\n"
	    "Via: SIP/2.0/TLS 127.0.0.1:41234;branch=%s;rport\r\n"
	    "Max-Forwards: 70\r\n"
	    "To: <sip:bob@carrier.test>\r\n"
	    "From: \"alice\" <sip:alice@carrier.test>;tag=1c8b7a2e5f\r\n"
	    "Call-ID: 4d7f3c2a9b1e6f08\r\n"
	    "CSeq: 22081 %s\r\n"
	    "User-Agent: baresip v1.0.0 (x86_64/linux)\r\n"
	    "Content-Length: 0\r\n\r\n", method, branch, method);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(buf));
	m = sip_msg_parse(buf, (size_t)n, why, sizeof(why));
	if (m == NULL)
		fprintf(stderr, "parse: %s\n", why);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	return m;
}

/* A transaction as proxy_forward() makes one: both messages owned by it. */
static struct txn *
forwarded(uint64_t in_conn, const char *method, const char *in_branch,
    const char *our_branch, txn_timeout_cb cb, void *arg)
{
	osip_message_t	*out = request(method, in_branch);

	CU_ASSERT_EQUAL(sip_hdr_via_push(out, "127.0.0.1", 43210, our_branch),
	    0);
	return txn_new(in_conn, in_branch, request(method, in_branch), out,
	    CARRIER_CONN, our_branch, cb, arg);
}

/* A response finds it by our branch, a request by its upstream side. */
static void
test_txn_found_by_our_branch_and_by_upstream_key(void)
{
	struct event_base	*base = event_base_new();
	struct txn		*t;

	txn_init(base);
	t = forwarded(PHONE_CONN, "INVITE", PHONE_BRANCH, "z9hG4bKse01",
	    NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_TRUE(t->invite);
	CU_ASSERT_EQUAL(t->state, TXN_CALLING);
	CU_ASSERT_EQUAL(t->in_conn, PHONE_CONN);
	CU_ASSERT_EQUAL(t->out_conn, CARRIER_CONN);
	CU_ASSERT_STRING_EQUAL(t->branch, "z9hG4bKse01");
	CU_ASSERT_EQUAL(txn_count(), 1);

	CU_ASSERT_PTR_EQUAL(txn_by_branch("z9hG4bKse01"), t);
	CU_ASSERT_PTR_EQUAL(txn_by_branch(sip_hdr_via_branch(t->out_req, 0)),
	    t);
	CU_ASSERT_PTR_NULL(txn_by_branch("z9hG4bKse02"));
	CU_ASSERT_PTR_NULL(txn_by_branch(PHONE_BRANCH));
	CU_ASSERT_PTR_NULL(txn_by_branch(NULL));

	CU_ASSERT_PTR_EQUAL(txn_by_upstream(PHONE_CONN, PHONE_BRANCH, true), t);
	/* The same branch from another connection is another sender's. */
	CU_ASSERT_PTR_NULL(txn_by_upstream(PHONE_CONN + 1, PHONE_BRANCH, true));
	CU_ASSERT_PTR_NULL(txn_by_upstream(PHONE_CONN, "z9hG4bK3a5e9c1d7", true));
	CU_ASSERT_PTR_NULL(txn_by_upstream(PHONE_CONN, NULL, true));

	txn_free(t);
	CU_ASSERT_EQUAL(txn_count(), 0);
	txn_shutdown();
	event_base_free(base);
}

/*
 * A CANCEL and the ACK for a non-2xx carry the INVITE's branch and find
 * the INVITE; a non-INVITE reusing that branch (RFC 2543 phones) is a
 * transaction of its own.
 */
static void
test_invite_and_non_invite_with_the_same_branch_are_different_txns(void)
{
	struct event_base	*base = event_base_new();
	struct txn		*inv, *info;
	osip_message_t		*cancel, *ack;

	txn_init(base);
	inv = forwarded(PHONE_CONN, "INVITE", PHONE_BRANCH, "z9hG4bKse11",
	    NULL, NULL);
	info = forwarded(PHONE_CONN, "INFO", PHONE_BRANCH, "z9hG4bKse12",
	    NULL, NULL);
	CU_ASSERT_TRUE(inv->invite);
	CU_ASSERT_FALSE(info->invite);
	CU_ASSERT_EQUAL(txn_count(), 2);
	CU_ASSERT_PTR_EQUAL(txn_by_upstream(PHONE_CONN, PHONE_BRANCH, true),
	    inv);
	CU_ASSERT_PTR_EQUAL(txn_by_upstream(PHONE_CONN, PHONE_BRANCH, false),
	    info);

	cancel = request("CANCEL", PHONE_BRANCH);
	ack = request("ACK", PHONE_BRANCH);
	CU_ASSERT_PTR_EQUAL(txn_by_upstream(PHONE_CONN,
	    sip_hdr_via_branch(cancel, 0), true), inv);
	CU_ASSERT_PTR_EQUAL(txn_by_upstream(PHONE_CONN,
	    sip_hdr_via_branch(ack, 0), true), inv);

	/* Each goes alone. */
	txn_free(inv);
	CU_ASSERT_PTR_NULL(txn_by_upstream(PHONE_CONN, PHONE_BRANCH, true));
	CU_ASSERT_PTR_EQUAL(txn_by_upstream(PHONE_CONN, PHONE_BRANCH, false),
	    info);
	CU_ASSERT_PTR_EQUAL(txn_by_branch("z9hG4bKse12"), info);
	txn_free(info);
	CU_ASSERT_PTR_NULL(txn_by_upstream(PHONE_CONN, PHONE_BRANCH, false));
	CU_ASSERT_EQUAL(txn_count(), 0);
	sip_msg_free(cancel);
	sip_msg_free(ack);
	txn_shutdown();
	event_base_free(base);
}

/* Count what txn_foreach_conn() visits. */
static void
count_cb(struct txn *t, void *arg)
{
	(*(unsigned *)arg)++;
}

static unsigned	slots_freed;

/* A message editor's slot data, released. */
static void
slot_free(void *data)
{
	slots_freed++;
	free(data);
}

/* Freed means gone from both tables, and from its connections' lists. */
static void
test_txn_free_removes_both_indexes(void)
{
	struct event_base	*base = event_base_new();
	struct txn		*a, *b;
	unsigned		 n = 0;

	txn_init(base);
	a = forwarded(PHONE_CONN, "REGISTER", "z9hG4bK-524287-1",
	    "z9hG4bKse21", NULL, NULL);
	b = forwarded(PHONE_CONN + 1, "REGISTER", "z9hG4bK-524287-1",
	    "z9hG4bKse22", NULL, NULL);
	/* An editor's slot goes with its transaction (and leaks otherwise). */
	a->slot[1].data = xstrdup("sip:alice@192.168.1.50:5062");
	a->slot[1].free = slot_free;
	slots_freed = 0;
	txn_foreach_conn(CARRIER_CONN, count_cb, &n);
	CU_ASSERT_EQUAL(n, 2);
	n = 0;
	txn_foreach_conn(PHONE_CONN, count_cb, &n);
	CU_ASSERT_EQUAL(n, 1);
	txn_free(a);
	CU_ASSERT_EQUAL(slots_freed, 1);
	CU_ASSERT_PTR_NULL(txn_by_branch("z9hG4bKse21"));
	CU_ASSERT_PTR_NULL(txn_by_upstream(PHONE_CONN, "z9hG4bK-524287-1",
	    false));
	CU_ASSERT_PTR_EQUAL(txn_by_upstream(PHONE_CONN + 1, "z9hG4bK-524287-1",
	    false), b);
	CU_ASSERT_PTR_EQUAL(txn_by_branch("z9hG4bKse22"), b);
	n = 0;
	txn_foreach_conn(CARRIER_CONN, count_cb, &n);
	CU_ASSERT_EQUAL(n, 1);
	n = 0;
	txn_foreach_conn(PHONE_CONN, count_cb, &n);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(txn_count(), 1);
	txn_shutdown();			/* frees b */
	CU_ASSERT_EQUAL(txn_count(), 0);
	CU_ASSERT_PTR_NULL(txn_by_branch("z9hG4bKse22"));
	event_base_free(base);
}

/*
 * A phone that reuses a branch for a new request: the newer transaction
 * gets the upstream lookup; freeing the older one (in either order) must
 * not take the newer one's entry with it.
 */
static void
test_reused_upstream_branch_replaces_lookup_without_breaking_free(void)
{
	struct event_base	*base = event_base_new();
	struct txn		*old, *new;

	txn_init(base);
	old = forwarded(PHONE_CONN, "OPTIONS", "z9hG4bK-same", "z9hG4bKse31",
	    NULL, NULL);
	new = forwarded(PHONE_CONN, "OPTIONS", "z9hG4bK-same", "z9hG4bKse32",
	    NULL, NULL);
	CU_ASSERT_PTR_EQUAL(txn_by_upstream(PHONE_CONN, "z9hG4bK-same", false),
	    new);
	CU_ASSERT_PTR_EQUAL(txn_by_branch("z9hG4bKse31"), old);
	CU_ASSERT_PTR_EQUAL(txn_by_branch("z9hG4bKse32"), new);
	CU_ASSERT_EQUAL(txn_count(), 2);
	txn_free(old);
	CU_ASSERT_PTR_EQUAL(txn_by_upstream(PHONE_CONN, "z9hG4bK-same", false),
	    new);
	CU_ASSERT_PTR_EQUAL(txn_by_branch("z9hG4bKse32"), new);
	txn_free(new);
	CU_ASSERT_PTR_NULL(txn_by_upstream(PHONE_CONN, "z9hG4bK-same", false));
	CU_ASSERT_EQUAL(txn_count(), 0);

	/* The other order: the newer goes first, the older still frees. */
	old = forwarded(PHONE_CONN, "OPTIONS", "z9hG4bK-same", "z9hG4bKse33",
	    NULL, NULL);
	new = forwarded(PHONE_CONN, "OPTIONS", "z9hG4bK-same", "z9hG4bKse34",
	    NULL, NULL);
	txn_free(new);
	CU_ASSERT_PTR_NULL(txn_by_upstream(PHONE_CONN, "z9hG4bK-same", false));
	CU_ASSERT_PTR_EQUAL(txn_by_branch("z9hG4bKse33"), old);
	txn_free(old);
	CU_ASSERT_EQUAL(txn_count(), 0);

	/* A third reuse after both are gone is found again. */
	new = forwarded(PHONE_CONN, "OPTIONS", "z9hG4bK-same", "z9hG4bKse35",
	    NULL, NULL);
	CU_ASSERT_PTR_EQUAL(txn_by_upstream(PHONE_CONN, "z9hG4bK-same", false),
	    new);
	txn_shutdown();
	CU_ASSERT_EQUAL(txn_count(), 0);
	event_base_free(base);
}

/* What the timeout callback saw. */
struct fired {
	unsigned	 n;
	struct txn	*t;
	bool		 free_it;
};

/* The proxy's side of a timeout: note it, and free like the proxy does. */
static void
timeout_cb(struct txn *t, void *arg)
{
	struct fired	*f = arg;

	f->n++;
	f->t = t;
	if (f->free_it)
		txn_free(t);
}

/* Seconds between two moments on the monotonic clock. */
static double
elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* The one timer calls the proxy back, once per arming, on time. */
static void
test_txn_timer_fires_the_callback(void)
{
	struct event_base	*base = event_base_new();
	struct fired		 f = { 0, NULL, true };
	struct timespec		 t0, t1;
	struct txn		*t;

	txn_init(base);
	t = forwarded(PHONE_CONN, "INVITE", PHONE_BRANCH, "z9hG4bKse41",
	    timeout_cb, &f);
	txn_arm(t, 0);
	CU_ASSERT_EQUAL(event_base_dispatch(base), 1);	/* nothing left */
	CU_ASSERT_EQUAL(f.n, 1);
	CU_ASSERT_PTR_EQUAL(f.t, t);
	CU_ASSERT_EQUAL(txn_count(), 0);

	/* One second: not before, then once. Re-arming replaces. */
	f.n = 0;
	t = forwarded(PHONE_CONN, "INVITE", PHONE_BRANCH, "z9hG4bKse42",
	    timeout_cb, &f);
	txn_arm(t, 32);
	txn_arm(t, 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CU_ASSERT_EQUAL(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	CU_ASSERT_EQUAL(f.n, 0);
	CU_ASSERT_EQUAL(event_base_dispatch(base), 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CU_ASSERT_EQUAL(f.n, 1);
	CU_ASSERT_TRUE(elapsed(&t0, &t1) > 0.9 && elapsed(&t0, &t1) < 3.0);

	/* A callback that keeps the transaction may arm it again. */
	f.n = 0;
	f.free_it = false;
	t = forwarded(PHONE_CONN, "INVITE", PHONE_BRANCH, "z9hG4bKse43",
	    timeout_cb, &f);
	txn_arm(t, 0);
	CU_ASSERT_EQUAL(event_base_dispatch(base), 1);
	CU_ASSERT_EQUAL(f.n, 1);
	CU_ASSERT_PTR_EQUAL(txn_by_branch("z9hG4bKse43"), t);
	txn_arm(t, 0);
	CU_ASSERT_EQUAL(event_base_dispatch(base), 1);
	CU_ASSERT_EQUAL(f.n, 2);

	/* An armed transaction freed early never calls back. */
	txn_arm(t, 0);
	txn_free(t);
	CU_ASSERT_EQUAL(event_base_dispatch(base), 1);
	CU_ASSERT_EQUAL(f.n, 2);

	/* Without a callback, expiry frees it. */
	t = forwarded(PHONE_CONN, "OPTIONS", "z9hG4bK-o1", "z9hG4bKse44",
	    NULL, NULL);
	txn_arm(t, 0);
	CU_ASSERT_EQUAL(event_base_dispatch(base), 1);
	CU_ASSERT_EQUAL(txn_count(), 0);
	CU_ASSERT_PTR_NULL(txn_by_branch("z9hG4bKse44"));
	txn_shutdown();
	event_base_free(base);
}

/* Free what is visited, as a lost connection does. */
static void
lost_cb(struct txn *t, void *arg)
{
	(*(unsigned *)arg)++;
	txn_free(t);
}

/*
 * A lost connection visits only its own transactions, and the callback
 * may free the one it visits.
 */
static void
test_txn_foreach_conn_visits_only_that_connection(void)
{
	struct event_base	*base = event_base_new();
	char			 in[32], out[32];
	unsigned		 i, n = 0;

	txn_init(base);
	for (i = 0; i < 30; i++) {
		snprintf(in, sizeof(in), "z9hG4bK-%u", i);
		snprintf(out, sizeof(out), "z9hG4bKse5%u", i);
		(void)forwarded(PHONE_CONN + i % 3, "INVITE", in, out, NULL,
		    NULL);
	}
	CU_ASSERT_EQUAL(txn_count(), 30);
	txn_foreach_conn(PHONE_CONN, lost_cb, &n);
	CU_ASSERT_EQUAL(n, 10);
	CU_ASSERT_EQUAL(txn_count(), 20);
	CU_ASSERT_PTR_NULL(txn_by_upstream(PHONE_CONN, "z9hG4bK-0", true));
	CU_ASSERT_PTR_NOT_NULL(txn_by_upstream(PHONE_CONN + 1, "z9hG4bK-1",
	    true));
	n = 0;
	txn_foreach_conn(PHONE_CONN, lost_cb, &n);	/* nothing left */
	CU_ASSERT_EQUAL(n, 0);
	n = 0;
	txn_foreach_conn(CARRIER_CONN, lost_cb, &n);	/* all went there */
	CU_ASSERT_EQUAL(n, 20);
	CU_ASSERT_EQUAL(txn_count(), 0);
	txn_shutdown();
	event_base_free(base);
}

/* What a visit saw: the five transactions, and who was visited or freed. */
struct survive {
	struct txn	*all[5];
	bool		 visited[5];
	bool		 freed[5];
	unsigned	 calls;
	unsigned	 strangers;	/* visits to no live transaction of ours */
};

/*
 * Each visit checks that it got a live transaction of the connection,
 * then frees the second and the fourth (if still there and not the one
 * visited), as a reply that fails another connection may.
 */
static void
free_others_cb(struct txn *t, void *arg)
{
	struct survive	*s = arg;
	char		 want[32];
	unsigned	 i, me = 5;

	s->calls++;
	for (i = 0; i < 5; i++)
		if (!s->freed[i] && s->all[i] == t)
			me = i;
	if (me == 5) {
		s->strangers++;
		return;
	}
	snprintf(want, sizeof(want), "z9hG4bKse6%u", me);
	CU_ASSERT_STRING_EQUAL(t->branch, want);
	CU_ASSERT_EQUAL(t->in_conn, PHONE_CONN);
	CU_ASSERT_FALSE(s->visited[me]);
	s->visited[me] = true;
	for (i = 1; i < 5; i += 2) {
		if (i != me && !s->freed[i]) {
			txn_free(s->all[i]);
			s->freed[i] = true;
		}
	}
}

/*
 * The callback may free transactions other than the one it visits (a
 * reply that fails another connection, whose loss frees its own): those
 * are not visited afterwards, and every other one is visited once.
 */
static void
test_txn_foreach_conn_survives_freeing_other_txns(void)
{
	struct event_base	*base = event_base_new();
	struct survive		 s;
	char			 in[32], out[32];
	unsigned		 i, visited = 0, gone = 0;

	memset(&s, 0, sizeof(s));
	txn_init(base);
	for (i = 0; i < 5; i++) {
		snprintf(in, sizeof(in), "z9hG4bK-%u", i);
		snprintf(out, sizeof(out), "z9hG4bKse6%u", i);
		s.all[i] = forwarded(PHONE_CONN, "INVITE", in, out, NULL, NULL);
	}
	txn_foreach_conn(PHONE_CONN, free_others_cb, &s);
	CU_ASSERT_EQUAL(s.strangers, 0);
	for (i = 0; i < 5; i++) {
		/* None is skipped: visited, or freed before its turn. */
		CU_ASSERT_TRUE(s.visited[i] || s.freed[i]);
		visited += s.visited[i];
		gone += s.freed[i];
	}
	/* 0, 2 and 4 are never freed by the callback: all three visited. */
	CU_ASSERT_TRUE(s.visited[0] && s.visited[2] && s.visited[4]);
	CU_ASSERT_EQUAL(s.calls, visited);
	CU_ASSERT_EQUAL(gone, 2);
	CU_ASSERT_EQUAL(txn_count(), 3);
	CU_ASSERT_PTR_EQUAL(txn_by_branch("z9hG4bKse62"), s.all[2]);
	CU_ASSERT_PTR_NULL(txn_by_branch("z9hG4bKse61"));
	CU_ASSERT_PTR_NULL(txn_by_branch("z9hG4bKse63"));
	txn_shutdown();
	event_base_free(base);
}

/* How the owner of a local transaction was told it ended. */
struct local_end {
	unsigned	 calls;
	int		 status;
	int		 had_resp;
};

/* The owner's callback of a local transaction. */
static void
local_done_cb(struct txn *t, const osip_message_t *resp, int status,
    void *arg)
{
	struct local_end	*end = arg;

	end->calls++;
	end->status = status;
	end->had_resp = resp != NULL;
}

/*
 * A request the edge sends itself: found by our branch only (nothing
 * upstream), listed with the connection it went out on, and its owner
 * hears once, 408 when no final came in time, and it is gone after.
 */
static void
test_txn_local_has_no_upstream_and_its_owner_hears_the_end(void)
{
	struct event_base	*base = event_base_new();
	struct local_end	 end = { 0, 0, 0 };
	struct txn		*t;
	unsigned		 n = 0;

	txn_init(base);
	t = txn_new_local(CARRIER_CONN, "z9hG4bKsea-1", false, local_done_cb,
	    &end);
	CU_ASSERT_PTR_EQUAL(txn_by_branch("z9hG4bKsea-1"), t);
	CU_ASSERT_PTR_NULL(txn_by_upstream(0, "", false));
	txn_foreach_conn(CARRIER_CONN, count_cb, &n);
	CU_ASSERT_EQUAL(n, 1);
	n = 0;
	txn_foreach_conn(0, count_cb, &n);
	CU_ASSERT_EQUAL(n, 0);
	txn_arm(t, 0);
	event_base_loop(base, EVLOOP_ONCE);
	CU_ASSERT_EQUAL(end.calls, 1);
	CU_ASSERT_EQUAL(end.status, 408);
	CU_ASSERT_FALSE(end.had_resp);
	CU_ASSERT_PTR_NULL(txn_by_branch("z9hG4bKsea-1"));
	CU_ASSERT_EQUAL(txn_count(), 0);

	/* A final response ends it the same way. */
	t = txn_new_local(CARRIER_CONN, "z9hG4bKsea-2", false, local_done_cb,
	    &end);
	txn_finish_local(t, NULL, 503);
	CU_ASSERT_EQUAL(end.calls, 2);
	CU_ASSERT_EQUAL(end.status, 503);
	CU_ASSERT_EQUAL(txn_count(), 0);
	txn_shutdown();
	event_base_free(base);
}

/*
 * The branches of a fork share one upstream side: a CANCEL finds one of
 * them whichever branches are gone, and the fork goes with the last.
 */
static void
test_txn_fork_keeps_one_upstream_lookup_while_branches_go(void)
{
	struct event_base	*base = event_base_new();
	struct txn_fork		*f;
	struct txn		*a, *b, *c, *found;

	txn_init(base);
	f = txn_fork_new(3);
	a = forwarded(CARRIER_CONN, "INVITE", PHONE_BRANCH, "z9hG4bKf-a",
	    NULL, NULL);
	txn_fork_add(f, a);
	b = forwarded(CARRIER_CONN, "INVITE", PHONE_BRANCH, "z9hG4bKf-b",
	    NULL, NULL);
	txn_fork_add(f, b);
	c = forwarded(CARRIER_CONN, "INVITE", PHONE_BRANCH, "z9hG4bKf-c",
	    NULL, NULL);
	txn_fork_add(f, c);
	txn_fork_put(f);
	CU_ASSERT_EQUAL(f->refs, 3);
	CU_ASSERT_EQUAL(f->open, 3);
	found = txn_by_upstream(CARRIER_CONN, PHONE_BRANCH, true);
	CU_ASSERT_TRUE(found == a || found == b || found == c);
	CU_ASSERT_PTR_EQUAL(found->fork, f);

	/* The branch the lookup names goes: another takes its place. */
	txn_free(found);
	found = txn_by_upstream(CARRIER_CONN, PHONE_BRANCH, true);
	CU_ASSERT_PTR_NOT_NULL_FATAL(found);
	CU_ASSERT_PTR_EQUAL(found->fork, f);
	CU_ASSERT_EQUAL(f->refs, 2);
	CU_ASSERT_EQUAL(f->open, 2);	/* it went without a final */

	/* A branch with its final leaves the count of open ones alone. */
	found->fork_final = true;
	f->open--;
	txn_free(found);
	CU_ASSERT_EQUAL(f->open, 1);
	found = txn_by_upstream(CARRIER_CONN, PHONE_BRANCH, true);
	CU_ASSERT_PTR_NOT_NULL_FATAL(found);
	txn_free(found);
	CU_ASSERT_PTR_NULL(txn_by_upstream(CARRIER_CONN, PHONE_BRANCH, true));
	CU_ASSERT_EQUAL(txn_count(), 0);
	txn_shutdown();
	event_base_free(base);
}

/* A request sent again with credentials: found by its new branch only. */
static void
test_txn_rebranch_moves_the_response_lookup(void)
{
	struct event_base	*base = event_base_new();
	struct txn		*t;

	txn_init(base);
	t = forwarded(PHONE_CONN, "INVITE", PHONE_BRANCH, "z9hG4bKold",
	    NULL, NULL);
	txn_rebranch(t, "z9hG4bKnew");
	CU_ASSERT_PTR_NULL(txn_by_branch("z9hG4bKold"));
	CU_ASSERT_PTR_EQUAL(txn_by_branch("z9hG4bKnew"), t);
	CU_ASSERT_PTR_EQUAL(txn_by_upstream(PHONE_CONN, PHONE_BRANCH, true), t);
	txn_free(t);
	CU_ASSERT_PTR_NULL(txn_by_branch("z9hG4bKnew"));
	CU_ASSERT_EQUAL(txn_count(), 0);
	txn_shutdown();
	event_base_free(base);
}

void
test_txn_register(void)
{
	CU_pSuite	s = unit_suite("txn");

	UNIT_TEST(s, test_txn_found_by_our_branch_and_by_upstream_key);
	UNIT_TEST(s,
	    test_invite_and_non_invite_with_the_same_branch_are_different_txns);
	UNIT_TEST(s, test_txn_free_removes_both_indexes);
	UNIT_TEST(s, test_txn_local_has_no_upstream_and_its_owner_hears_the_end);
	UNIT_TEST(s,
	    test_reused_upstream_branch_replaces_lookup_without_breaking_free);
	UNIT_TEST(s, test_txn_timer_fires_the_callback);
	UNIT_TEST(s, test_txn_foreach_conn_visits_only_that_connection);
	UNIT_TEST(s, test_txn_foreach_conn_survives_freeing_other_txns);
	UNIT_TEST(s, test_txn_fork_keeps_one_upstream_lookup_while_branches_go);
	UNIT_TEST(s, test_txn_rebranch_moves_the_response_lookup);
}
