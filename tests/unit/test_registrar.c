/*
 * test_registrar.c: bindings by flow and AOR. A phone's REGISTER makes
 * one, a refresh keeps it one, expires=0 or a closed connection ends it,
 * and a carrier's request finds the phone by its flow.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "registrar.h"
#include "unit.h"

#define ALICE		"sip:Alice@carrier.test"
#define BOB		"sip:bob@carrier.test"
#define FLOW_SPECTRALINK	11
#define FLOW_BARESIP		12
#define TOKEN_S		"aaaqaaaaaaaaaalqgnbt4w5l7bdfyq2ctmnwkzy"
#define TOKEN_B		"aaaqaaaaaaaaaamqlmxw2r6jd3ohnwhbvkq5eg4"
#define CONTACT_S	"sip:alice@192.168.1.50:5062;transport=tls"
#define CONTACT_B	"sip:alice-0x55d4c0@127.0.0.1:41234;transport=tls"

/* The Spectralink's REGISTER, granted for expires seconds. */
static struct binding *
register_spectralink(const char *aor, unsigned expires)
{
	return registrar_update(aor, FLOW_SPECTRALINK, TOKEN_S, CONTACT_S,
	    "kam", "spectralink", "192.168.1.50:40312", expires);
}

/* Count the bindings registrar_foreach() shows for a flow. */
struct flow_count {
	uint64_t	flow;
	unsigned	n;
};

/* One visited binding. */
static void
flow_count_cb(struct binding *b, void *arg)
{
	struct flow_count	*fc = arg;

	fc->n += b->flow == fc->flow;
}

/* How many bindings a flow has. */
static unsigned
bindings_of(uint64_t flow)
{
	struct flow_count	fc = { flow, 0 };

	registrar_foreach(flow_count_cb, &fc);
	return fc.n;
}

/* A first REGISTER creates the binding with what the phone claimed. */
static void
test_register_creates_a_binding_with_the_claimed_contact(void)
{
	struct binding	*b;

	b = register_spectralink(ALICE, 600);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_STRING_EQUAL(b->aor, ALICE);
	CU_ASSERT_EQUAL(b->flow, FLOW_SPECTRALINK);
	CU_ASSERT_STRING_EQUAL(b->token, TOKEN_S);
	CU_ASSERT_STRING_EQUAL(b->contact, CONTACT_S);
	CU_ASSERT_STRING_EQUAL(b->carrier, "kam");
	CU_ASSERT_STRING_EQUAL(b->profile, "spectralink");
	CU_ASSERT_STRING_EQUAL(b->source, "192.168.1.50:40312");
	CU_ASSERT_FALSE(b->held_by_edge);
	CU_ASSERT_TRUE(registrar_expires_in(b) >= 599 &&
	    registrar_expires_in(b) <= 600);
	CU_ASSERT_EQUAL(registrar_count(), 1);
	CU_ASSERT_PTR_EQUAL(registrar_find(FLOW_SPECTRALINK, ALICE), b);
	registrar_shutdown();
	CU_ASSERT_EQUAL(registrar_count(), 0);
}

/* A refresh keeps one binding and takes the new values. */
static void
test_refresh_keeps_one_binding(void)
{
	struct binding	*b, *again;

	b = register_spectralink(ALICE, 600);
	again = registrar_update(ALICE, FLOW_SPECTRALINK, TOKEN_S,
	    "sip:alice@192.168.1.50:5064;transport=tls", "kam", NULL,
	    "192.168.1.50:40312", 3600);
	CU_ASSERT_PTR_EQUAL(again, b);
	CU_ASSERT_EQUAL(registrar_count(), 1);
	CU_ASSERT_EQUAL(bindings_of(FLOW_SPECTRALINK), 1);
	CU_ASSERT_STRING_EQUAL(again->contact,
	    "sip:alice@192.168.1.50:5064;transport=tls");
	CU_ASSERT_PTR_NULL(again->profile);
	CU_ASSERT_TRUE(registrar_expires_in(again) >= 3599);
	registrar_shutdown();
}

/* expires=0 (or a 2xx to "Contact: *") removes the binding. */
static void
test_expires_zero_removes_the_binding(void)
{
	register_spectralink(ALICE, 600);
	register_spectralink(BOB, 600);
	CU_ASSERT_PTR_NULL(register_spectralink(ALICE, 0));
	CU_ASSERT_EQUAL(registrar_count(), 1);
	CU_ASSERT_STRING_EQUAL(registrar_find(FLOW_SPECTRALINK, NULL)->aor,
	    BOB);
	/* Removing what is not there is harmless. */
	CU_ASSERT_PTR_NULL(register_spectralink(ALICE, 0));
	registrar_remove(BOB, FLOW_SPECTRALINK);
	CU_ASSERT_EQUAL(registrar_count(), 0);
	CU_ASSERT_PTR_NULL(registrar_find(FLOW_SPECTRALINK, NULL));
	registrar_remove(BOB, FLOW_SPECTRALINK);
	registrar_shutdown();
}

/* Two phones on one AOR (RFC 5626 flows) are two bindings. */
static void
test_several_flows_on_one_aor_are_separate_bindings(void)
{
	struct binding	*s, *b;

	s = register_spectralink(ALICE, 600);
	b = registrar_update(ALICE, FLOW_BARESIP, TOKEN_B, CONTACT_B, "kam",
	    NULL, "127.0.0.1:50123", 300);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NOT_EQUAL(s, b);
	CU_ASSERT_EQUAL(registrar_count(), 2);
	CU_ASSERT_PTR_EQUAL(registrar_find(FLOW_SPECTRALINK, ALICE), s);
	CU_ASSERT_PTR_EQUAL(registrar_find(FLOW_BARESIP, ALICE), b);
	CU_ASSERT_STRING_EQUAL(registrar_find(FLOW_BARESIP, ALICE)->contact,
	    CONTACT_B);
	/* One leaving does not take the other. */
	registrar_remove(ALICE, FLOW_BARESIP);
	CU_ASSERT_PTR_NULL(registrar_find(FLOW_BARESIP, ALICE));
	CU_ASSERT_PTR_EQUAL(registrar_find(FLOW_SPECTRALINK, ALICE), s);
	registrar_shutdown();
}

/* A closed connection ends all of its bindings and none of another's. */
static void
test_flow_gone_removes_all_bindings_of_that_flow_only(void)
{
	struct binding	*b;

	register_spectralink(ALICE, 600);
	register_spectralink(BOB, 600);
	register_spectralink("sip:carol@carrier.test", 600);
	b = registrar_update(ALICE, FLOW_BARESIP, TOKEN_B, CONTACT_B, "kam",
	    NULL, "127.0.0.1:50123", 300);
	CU_ASSERT_EQUAL(registrar_count(), 4);
	CU_ASSERT_EQUAL(registrar_flow_gone(FLOW_SPECTRALINK), 3);
	CU_ASSERT_EQUAL(registrar_count(), 1);
	CU_ASSERT_EQUAL(bindings_of(FLOW_SPECTRALINK), 0);
	CU_ASSERT_PTR_NULL(registrar_find(FLOW_SPECTRALINK, NULL));
	CU_ASSERT_PTR_EQUAL(registrar_find(FLOW_BARESIP, ALICE), b);
	CU_ASSERT_EQUAL(registrar_flow_gone(FLOW_SPECTRALINK), 0);
	CU_ASSERT_EQUAL(registrar_flow_gone(99), 0);
	/* The flow may register again afterwards. */
	CU_ASSERT_PTR_NOT_NULL(register_spectralink(BOB, 60));
	CU_ASSERT_EQUAL(bindings_of(FLOW_SPECTRALINK), 1);
	registrar_shutdown();
	CU_ASSERT_EQUAL(registrar_count(), 0);
}

/* A carrier's request names a flow, and maybe an AOR. */
static void
test_find_by_flow_with_and_without_aor(void)
{
	struct binding	*a, *b, *lower;

	CU_ASSERT_PTR_NULL(registrar_find(FLOW_SPECTRALINK, ALICE));
	a = register_spectralink(ALICE, 600);
	b = register_spectralink(BOB, 600);
	CU_ASSERT_PTR_EQUAL(registrar_find(FLOW_SPECTRALINK, ALICE), a);
	CU_ASSERT_PTR_EQUAL(registrar_find(FLOW_SPECTRALINK, BOB), b);
	/* No AOR, or one the flow has not registered: any of the flow's. */
	CU_ASSERT_TRUE(registrar_find(FLOW_SPECTRALINK, NULL) == a ||
	    registrar_find(FLOW_SPECTRALINK, NULL) == b);
	CU_ASSERT_TRUE(registrar_find(FLOW_SPECTRALINK,
	    "sip:+4930123456@carrier.test") != NULL);
	/*
	 * AORs compare exactly: the user part keeps its case (RFC 3261
	 * §19.1.4), so two lines that differ in case on one phone are two
	 * bindings, and each call reaches its own line's Contact.
	 */
	registrar_remove(BOB, FLOW_SPECTRALINK);
	lower = registrar_update("sip:alice@carrier.test", FLOW_SPECTRALINK,
	    TOKEN_S, "sip:alice-2@192.168.1.50:5062;transport=tls", "kam",
	    "spectralink", "192.168.1.50:40312", 600);
	CU_ASSERT_PTR_NOT_NULL_FATAL(lower);
	CU_ASSERT_PTR_NOT_EQUAL(lower, a);
	CU_ASSERT_EQUAL(bindings_of(FLOW_SPECTRALINK), 2);
	CU_ASSERT_PTR_EQUAL(registrar_find(FLOW_SPECTRALINK, ALICE), a);
	CU_ASSERT_PTR_EQUAL(registrar_find(FLOW_SPECTRALINK,
	    "sip:alice@carrier.test"), lower);
	CU_ASSERT_STRING_EQUAL(registrar_find(FLOW_SPECTRALINK, ALICE)->contact,
	    CONTACT_S);
	CU_ASSERT_STRING_EQUAL(registrar_find(FLOW_SPECTRALINK,
	    "sip:alice@carrier.test")->contact,
	    "sip:alice-2@192.168.1.50:5062;transport=tls");
	CU_ASSERT_PTR_NULL(registrar_find(FLOW_BARESIP, ALICE));
	CU_ASSERT_PTR_NULL(registrar_find(FLOW_BARESIP, NULL));
	registrar_shutdown();
}

/* expires_in of a binding, and the monotonic second it was read in. */
static unsigned
expires_at(const struct binding *b, time_t *sec)
{
	struct timespec	a, z;
	unsigned	n;

	do {
		clock_gettime(CLOCK_MONOTONIC, &a);
		n = registrar_expires_in(b);
		clock_gettime(CLOCK_MONOTONIC, &z);
	} while (a.tv_sec != z.tv_sec);
	*sec = a.tv_sec;
	return n;
}

/* Wait (1 s at most) until the monotonic second is past sec. */
static void
wait_past(time_t sec)
{
	struct timespec	now, nap = { 0, 10 * 1000 * 1000 };

	do {
		nanosleep(&nap, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec == sec);
}

/*
 * expires_in counts down; a binding past its expiry is not found even
 * before the sweep removes it.
 */
static void
test_expires_in_counts_down_and_expired_bindings_are_not_found(void)
{
	struct event_base	*base = event_base_new();
	struct binding		*long_, *short_;
	unsigned		 before, after;
	time_t			 t0, t1;

	registrar_init(base);
	long_ = register_spectralink(ALICE, 600);
	short_ = registrar_update(BOB, FLOW_SPECTRALINK, TOKEN_S, CONTACT_S,
	    "kam", NULL, "192.168.1.50:40312", 1);
	before = expires_at(long_, &t0);
	CU_ASSERT_TRUE(before >= 599 && before <= 600);
	CU_ASSERT_TRUE(registrar_expires_in(short_) <= 1);
	wait_past(t0);
	after = expires_at(long_, &t1);
	CU_ASSERT_TRUE(after < before);
	CU_ASSERT_EQUAL(after, before - (unsigned)(t1 - t0));
	CU_ASSERT_EQUAL(registrar_expires_in(short_), 0);
	CU_ASSERT_PTR_EQUAL(registrar_find(FLOW_SPECTRALINK, BOB), long_);
	CU_ASSERT_PTR_EQUAL(registrar_find(FLOW_SPECTRALINK, NULL), long_);
	/* Refreshed in time (here: just late), it is found again. */
	CU_ASSERT_PTR_EQUAL(registrar_update(BOB, FLOW_SPECTRALINK, TOKEN_S,
	    CONTACT_S, "kam", NULL, "192.168.1.50:40312", 60), short_);
	CU_ASSERT_PTR_EQUAL(registrar_find(FLOW_SPECTRALINK, BOB), short_);
	registrar_shutdown();
	event_base_free(base);
}

/* Stop the loop the expiry test runs. */
static void
stop_loop_cb(evutil_socket_t fd, short events, void *arg)
{
	event_base_loopbreak(arg);
}

/*
 * A binding the phone does not refresh is freed by its own timer when it
 * expires, with nothing walking the other bindings; a refreshed one stays.
 */
static void
test_unrefreshed_binding_is_freed_when_it_expires(void)
{
	struct event_base	*base = event_base_new();
	struct timeval		 tv = { 1, 500 * 1000 };
	struct event		*stop;

	registrar_init(base);
	register_spectralink(ALICE, 600);
	(void)registrar_update(BOB, FLOW_SPECTRALINK, TOKEN_S, CONTACT_S,
	    "kam", NULL, "192.168.1.50:40312", 1);
	CU_ASSERT_EQUAL(registrar_count(), 2);
	stop = evtimer_new(base, stop_loop_cb, base);
	evtimer_add(stop, &tv);
	event_base_dispatch(base);
	CU_ASSERT_EQUAL(registrar_count(), 1);
	/* Only alice is left on the flow (find falls back to any binding). */
	CU_ASSERT_STRING_EQUAL(registrar_find(FLOW_SPECTRALINK, BOB)->aor,
	    ALICE);
	event_free(stop);
	registrar_shutdown();
	event_base_free(base);
}

void
test_registrar_register(void)
{
	CU_pSuite	s = unit_suite("registrar");

	UNIT_TEST(s, test_register_creates_a_binding_with_the_claimed_contact);
	UNIT_TEST(s, test_unrefreshed_binding_is_freed_when_it_expires);
	UNIT_TEST(s, test_refresh_keeps_one_binding);
	UNIT_TEST(s, test_expires_zero_removes_the_binding);
	UNIT_TEST(s, test_several_flows_on_one_aor_are_separate_bindings);
	UNIT_TEST(s, test_flow_gone_removes_all_bindings_of_that_flow_only);
	UNIT_TEST(s, test_find_by_flow_with_and_without_aor);
	UNIT_TEST(s,
	    test_expires_in_counts_down_and_expired_bindings_are_not_found);
}
