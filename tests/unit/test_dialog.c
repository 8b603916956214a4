/*
 * test_dialog.c: the call list. An INVITE begins a call, its responses
 * move it (early on a tagged 1xx, confirmed on 2xx, gone on a failure of
 * the initial INVITE), and a phone's closed connection ends its calls.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dialog.h"
#include "sip_hdr.h"
#include "sip_msg.h"
#include "unit.h"

#define BOB_CALL		"4d7f3c2a9b1e6f08"
#define FLOW_ALICE	21
#define FLOW_BOB	22

/* A response from bob's side to alice's INVITE, canned. */
static osip_message_t *
response(int code, const char *reason, const char *to_tag,
    const char *call_id)
{
	char		 buf[2048], why[128], tag[64] = "";
	osip_message_t	*m;
	int		 n;

	if (to_tag != NULL)
		snprintf(tag, sizeof(tag), ";tag=%s", to_tag);
	n = snprintf(buf, sizeof(buf),
	    "SIP/2.0 %d %s\r\n"
	    "Via: SIP/2.0/TLS 127.0.0.1:43210;branch=z9hG4bKse5f0c6b7e9d8a1b2c"
	    ";rport=43210;received=127.0.0.1\r\n"
	    "Via: SIP/2.0/TLS 127.0.0.1:41234;branch=z9hG4bK3a5e9c1d7f;"
	    "received=127.0.0.1;rport=50123\r\n"
	    "Record-Route: <sip:127.0.0.1:5070;transport=tls;lr>\r\n"
	    "Record-Route: <sip:127.0.0.1:43210;transport=tls;lr;"
	    "sipedge=c-kam>\r\n"
	    "From: \"alice\" <sip:alice@carrier.test>;tag=1c8b7a2e5f\r\n"
	    "To: <sip:bob@carrier.test>%s\r\n"
	    "Call-ID: %s\r\n"
	    "CSeq: 22081 INVITE\r\n"
	    "Contact: <sip:bob-0x77a1@127.0.0.1:39876;transport=tls>\r\n"
	    "Content-Length: 0\r\n\r\n", code, reason, tag, call_id);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(buf));
	m = sip_msg_parse(buf, (size_t)n, why, sizeof(why));
	if (m == NULL)
		fprintf(stderr, "parse: %s\n", why);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	return m;
}

/* Feed a canned response to the call, as proxy_fwd.c does. */
static void
answer(struct dialog *d, int code, const char *reason, const char *to_tag)
{
	osip_message_t	*m = response(code, reason, to_tag, d->call_id);

	dialog_invite_response(d, sip_msg_status(m),
	    sip_hdr_to_tag(m) != NULL);
	sip_msg_free(m);
}

/* alice's outbound call through carrier kam. */
static struct dialog *
alice_calls(const char *call_id)
{
	return dialog_begin(call_id, "sip:alice@carrier.test",
	    "sip:bob@carrier.test", "kam", FLOW_ALICE, DIALOG_OUTBOUND);
}

/* An INVITE begins a call; the same Call-ID finds it, not a second one. */
static void
test_begin_and_find_by_call_id(void)
{
	struct dialog	*d;

	CU_ASSERT_PTR_NULL(dialog_find(BOB_CALL, FLOW_ALICE));
	CU_ASSERT_PTR_NULL(dialog_find(NULL, FLOW_ALICE));
	d = alice_calls(BOB_CALL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_STRING_EQUAL(d->call_id, BOB_CALL);
	CU_ASSERT_STRING_EQUAL(d->from, "sip:alice@carrier.test");
	CU_ASSERT_STRING_EQUAL(d->to, "sip:bob@carrier.test");
	CU_ASSERT_STRING_EQUAL(d->carrier, "kam");
	CU_ASSERT_EQUAL(d->flow, FLOW_ALICE);
	CU_ASSERT_EQUAL(d->dir, DIALOG_OUTBOUND);
	CU_ASSERT_EQUAL(d->state, DIALOG_TRYING);
	CU_ASSERT_STRING_EQUAL(dialog_state_name(d->state), "trying");
	CU_ASSERT_STRING_EQUAL(dialog_dir_name(d->dir), "outbound");
	CU_ASSERT_TRUE(dialog_age(d) <= 1);
	CU_ASSERT_PTR_EQUAL(dialog_find(BOB_CALL, FLOW_ALICE), d);
	CU_ASSERT_PTR_EQUAL(alice_calls(BOB_CALL), d);
	CU_ASSERT_EQUAL(dialog_count(), 1);
	CU_ASSERT_PTR_NULL(dialog_find("4d7f3c2a9b1e6f09", FLOW_ALICE));

	/* Unknown parties and carrier are empty strings, not NULL. */
	d = dialog_begin("inbound-1@198.51.100.1", NULL, NULL, NULL,
	    FLOW_BOB, DIALOG_INBOUND);
	CU_ASSERT_STRING_EQUAL(d->from, "");
	CU_ASSERT_STRING_EQUAL(d->carrier, "");
	CU_ASSERT_STRING_EQUAL(dialog_dir_name(d->dir), "inbound");
	CU_ASSERT_EQUAL(dialog_count(), 2);
	dialog_shutdown();
	CU_ASSERT_EQUAL(dialog_count(), 0);
}

/* 100 is hop-by-hop, 180 without a tag makes no dialog, with one early. */
static void
test_180_with_tag_makes_the_call_early_and_200_confirms_it(void)
{
	struct dialog	*d = alice_calls(BOB_CALL);

	answer(d, 100, "Trying", NULL);
	CU_ASSERT_EQUAL(d->state, DIALOG_TRYING);
	answer(d, 180, "Ringing", NULL);
	CU_ASSERT_EQUAL(d->state, DIALOG_TRYING);
	answer(d, 180, "Ringing", "f04e1c2d");
	CU_ASSERT_EQUAL(d->state, DIALOG_EARLY);
	CU_ASSERT_STRING_EQUAL(dialog_state_name(d->state), "early");
	answer(d, 183, "Session Progress", "f04e1c2d");
	CU_ASSERT_EQUAL(d->state, DIALOG_EARLY);
	answer(d, 200, "OK", "f04e1c2d");
	CU_ASSERT_EQUAL(d->state, DIALOG_CONFIRMED);
	CU_ASSERT_STRING_EQUAL(dialog_state_name(d->state), "confirmed");
	/* A late 180 (another fork) does not take it back. */
	answer(d, 180, "Ringing", "9d3e");
	CU_ASSERT_EQUAL(d->state, DIALOG_CONFIRMED);
	CU_ASSERT_PTR_EQUAL(dialog_find(BOB_CALL, FLOW_ALICE), d);
	dialog_shutdown();
}

/* Busy: the initial INVITE failed, the call is over. */
static void
test_486_on_the_initial_invite_ends_the_call(void)
{
	struct dialog	*d = alice_calls(BOB_CALL);

	answer(d, 180, "Ringing", "f04e1c2d");
	answer(d, 486, "Busy Here", "f04e1c2d");
	CU_ASSERT_PTR_NULL(dialog_find(BOB_CALL, FLOW_ALICE));
	CU_ASSERT_EQUAL(dialog_count(), 0);

	/* A 407 challenge ends it too: the retry is a new INVITE, same call. */
	d = alice_calls(BOB_CALL);
	answer(d, 407, "Proxy Authentication Required", "a6a1c5f6-7e21");
	CU_ASSERT_PTR_NULL(dialog_find(BOB_CALL, FLOW_ALICE));
	d = alice_calls(BOB_CALL);
	CU_ASSERT_EQUAL(d->state, DIALOG_TRYING);
	answer(d, 487, "Request Terminated", NULL);
	CU_ASSERT_EQUAL(dialog_count(), 0);
	dialog_shutdown();
}

/* RFC 3261 §14.1: a failed re-INVITE leaves the call as it was. */
static void
test_failed_reinvite_keeps_the_confirmed_call(void)
{
	struct dialog	*d = alice_calls(BOB_CALL);

	answer(d, 200, "OK", "f04e1c2d");
	CU_ASSERT_EQUAL(d->state, DIALOG_CONFIRMED);
	answer(d, 491, "Request Pending", "f04e1c2d");
	answer(d, 488, "Not Acceptable Here", "f04e1c2d");
	CU_ASSERT_PTR_EQUAL(dialog_find(BOB_CALL, FLOW_ALICE), d);
	CU_ASSERT_EQUAL(d->state, DIALOG_CONFIRMED);
	/* A successful re-INVITE (hold, resume) keeps it confirmed. */
	answer(d, 200, "OK", "f04e1c2d");
	CU_ASSERT_EQUAL(d->state, DIALOG_CONFIRMED);
	dialog_end(d, "BYE");
	CU_ASSERT_PTR_NULL(dialog_find(BOB_CALL, FLOW_ALICE));
	CU_ASSERT_EQUAL(dialog_count(), 0);
	dialog_shutdown();
}

/* A phone's connection closing ends its calls and only those. */
static void
test_flow_gone_ends_only_that_flows_calls(void)
{
	struct dialog	*d;

	alice_calls("a-1@192.168.1.50");
	d = alice_calls("a-2@192.168.1.50");
	answer(d, 200, "OK", "f04e1c2d");
	dialog_begin("b-1@198.51.100.1", "sip:+4930123@carrier.test",
	    "sip:bob@carrier.test", "kam", FLOW_BOB, DIALOG_INBOUND);
	CU_ASSERT_EQUAL(dialog_count(), 3);
	CU_ASSERT_EQUAL(dialog_flow_gone(FLOW_ALICE), 2);
	CU_ASSERT_EQUAL(dialog_count(), 1);
	CU_ASSERT_PTR_NULL(dialog_find("a-1@192.168.1.50", FLOW_ALICE));
	CU_ASSERT_PTR_NULL(dialog_find("a-2@192.168.1.50", FLOW_ALICE));
	CU_ASSERT_PTR_NOT_NULL(dialog_find("b-1@198.51.100.1", FLOW_BOB));
	CU_ASSERT_EQUAL(dialog_flow_gone(FLOW_ALICE), 0);
	CU_ASSERT_EQUAL(dialog_flow_gone(FLOW_BOB), 1);
	CU_ASSERT_EQUAL(dialog_count(), 0);
	dialog_shutdown();
}

/*
 * Two phones behind the edge call each other through the carrier: one
 * Call-ID, two calls here, each ended by its own flow; a lookup by Call-ID
 * alone refuses to guess.
 */
static void
test_spiral_is_two_calls_under_one_call_id(void)
{
	struct dialog	*out, *in;

	out = alice_calls(BOB_CALL);
	in = dialog_begin(BOB_CALL, "sip:alice@carrier.test",
	    "sip:bob@carrier.test", "kam", FLOW_BOB, DIALOG_INBOUND);
	CU_ASSERT_PTR_NOT_EQUAL(out, in);
	CU_ASSERT_EQUAL(dialog_count(), 2);
	CU_ASSERT_PTR_EQUAL(dialog_find(BOB_CALL, FLOW_ALICE), out);
	CU_ASSERT_PTR_EQUAL(dialog_find(BOB_CALL, FLOW_BOB), in);
	CU_ASSERT_PTR_NULL(dialog_find_only(BOB_CALL));
	CU_ASSERT_EQUAL(dialog_flow_gone(FLOW_BOB), 1);
	CU_ASSERT_PTR_EQUAL(dialog_find_only(BOB_CALL), out);
	dialog_shutdown();
	CU_ASSERT_PTR_NULL(dialog_find_only(BOB_CALL));
}

/* Count what dialog_foreach() visits. */
static void
count_cb(struct dialog *d, void *arg)
{
	(*(unsigned *)arg)++;
}

/* The count and the list agree, through calls beginning and ending. */
static void
test_count_follows_calls(void)
{
	char		 id[32];
	unsigned	 i, n = 0;

	for (i = 0; i < 50; i++) {
		snprintf(id, sizeof(id), "call-%u@192.168.1.50", i);
		alice_calls(id);
	}
	CU_ASSERT_EQUAL(dialog_count(), 50);
	dialog_foreach(count_cb, &n);
	CU_ASSERT_EQUAL(n, 50);
	for (i = 0; i < 50; i += 2) {
		snprintf(id, sizeof(id), "call-%u@192.168.1.50", i);
		answer(dialog_find(id, FLOW_ALICE), 603, "Decline", "x1");
	}
	CU_ASSERT_EQUAL(dialog_count(), 25);
	n = 0;
	dialog_foreach(count_cb, &n);
	CU_ASSERT_EQUAL(n, 25);
	dialog_shutdown();
	CU_ASSERT_EQUAL(dialog_count(), 0);
}

void
test_dialog_register(void)
{
	CU_pSuite	s = unit_suite("dialog");

	UNIT_TEST(s, test_begin_and_find_by_call_id);
	UNIT_TEST(s, test_180_with_tag_makes_the_call_early_and_200_confirms_it);
	UNIT_TEST(s, test_486_on_the_initial_invite_ends_the_call);
	UNIT_TEST(s, test_failed_reinvite_keeps_the_confirmed_call);
	UNIT_TEST(s, test_flow_gone_ends_only_that_flows_calls);
	UNIT_TEST(s, test_count_follows_calls);
	UNIT_TEST(s, test_spiral_is_two_calls_under_one_call_id);
}
