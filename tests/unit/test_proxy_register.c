/*
 * test_proxy_register.c: the REGISTER editor of the proxy on canned
 * messages: the Spectralink's REGISTER towards the carrier carries the
 * edge's Contact and Path, the carrier's 2xx binds the AOR to the flow
 * and shows the phone its own Contact, and what is not a phone's
 * REGISTER passes untouched.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "carrier.h"
#include "conn.h"
#include "edge_config.h"
#include "proxy_int.h"
#include "registrar.h"
#include "sip_canned.h"
#include "sip_msg.h"
#include "txn.h"
#include "unit.h"

#define PHONE_ID	7
#define ALICE		"sip:Alice@carrier.test"

/* A phone, a carrier connection and the carrier, as the engine has them. */
struct fixture {
	struct config		cfg;
	struct config_carrier	cc;
	struct carrier		car;
	struct conn		phone;
	struct conn		carrier_conn;
	struct proxy		p;
	struct hop		hop;
	struct txn		txn;
};

/* Set up the fixture: Path on, no carrier listener. */
static void
fixture(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->cc.name = "kam";
	f->cc.path = true;
	f->car.name = "kam";
	f->car.cfg = &f->cc;
	f->phone.id = PHONE_ID;
	f->phone.side = CONN_SIDE_PHONE;
	snprintf(f->phone.flow_token, sizeof(f->phone.flow_token), "%s",
	    TOKEN_A);
	snprintf(f->phone.peer_str, sizeof(f->phone.peer_str),
	    "192.168.1.50:40312");
	snprintf(f->phone.profile, sizeof(f->phone.profile), "spectralink");
	f->carrier_conn.id = PHONE_ID + 1;
	f->carrier_conn.side = CONN_SIDE_CARRIER;
	snprintf(f->carrier_conn.local_host, sizeof(f->carrier_conn.local_host),
	    "127.0.0.1");
	f->carrier_conn.local_port = 43210;
	f->p.cfg = &f->cfg;
	f->hop.conn = &f->carrier_conn;
	f->hop.carrier = &f->car;
	f->txn.in_conn = PHONE_ID;
}

/* Run the editor on a request from conn; the verdict. */
static enum proxy_verdict
edit_request(struct fixture *f, struct conn *from, osip_message_t *m)
{
	struct proxy_edit	e = { .p = &f->p, .from = from, .hop = &f->hop,
				    .txn = &f->txn, .slot = &f->txn.slot[0] };

	return proxy_register_editor.request(&e, m);
}

/* Release what the editor kept in its slot. */
static void
release(struct fixture *f)
{
	if (f->txn.slot[0].data != NULL)
		f->txn.slot[0].free(f->txn.slot[0].data);
	f->txn.slot[0].data = NULL;
}

/*
 * Towards the carrier the phone's Contact is the edge's, with the flow
 * token and the line of the AOR, its parameters kept; Path names the
 * flow; the slot keeps the phone's Contact for the 2xx.
 */
static void
test_register_rewritten_towards_the_carrier(void)
{
	struct fixture	 f;
	osip_message_t	*m, *again;
	char		*text, want[512];

	fixture(&f);
	m = PARSE(spectralink_register);
	CU_ASSERT_EQUAL(edit_request(&f, &f.phone, m), PROXY_PASS);
	text = sip_canned_print(m, &again);
	snprintf(want, sizeof(want), "Contact: <sip:%s@127.0.0.1:43210;"
	    "transport=tls;sipedge=r-%08x>;expires=600;%s;reg-id=1\r\n", TOKEN_A,
	    registrar_line(ALICE), INSTANCE);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
	snprintf(want, sizeof(want), "Path: <sip:%s@127.0.0.1:43210;"
	    "transport=tls;lr;ob;sipedge=p>\r\n", TOKEN_A);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
	CU_ASSERT_PTR_NULL(strstr(text, "192.168.1.50:5062;transport"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(f.txn.slot[0].data);
	osip_free(text);
	sip_msg_free(again);
	sip_msg_free(m);
	release(&f);

	/* Without Path in the carrier file, no Path. */
	fixture(&f);
	f.cc.path = false;
	m = PARSE(spectralink_register);
	CU_ASSERT_EQUAL(edit_request(&f, &f.phone, m), PROXY_PASS);
	text = sip_canned_print(m, &again);
	CU_ASSERT_PTR_NULL(strstr(text, "Path:"));
	osip_free(text);
	sip_msg_free(again);
	sip_msg_free(m);
	release(&f);
}

/* What is not a phone's REGISTER passes as it is, and keeps nothing. */
static void
test_other_requests_pass_untouched(void)
{
	struct fixture	 f;
	osip_message_t	*m;
	const char	*copy[nitems(spectralink_register)];

	fixture(&f);
	m = PARSE(spectralink_register);
	CU_ASSERT_EQUAL(edit_request(&f, &f.carrier_conn, m), PROXY_PASS);
	CU_ASSERT_PTR_NULL(f.txn.slot[0].data);
	sip_msg_free(m);

	memcpy(copy, spectralink_register, sizeof(copy));
	copy[0] = "OPTIONS sip:carrier.test SIP/2.0";
	copy[7] = "CSeq: 1 OPTIONS";
	m = sip_canned_parse(copy, nitems(copy), NULL);
	CU_ASSERT_EQUAL(edit_request(&f, &f.phone, m), PROXY_PASS);
	CU_ASSERT_PTR_NULL(f.txn.slot[0].data);
	sip_msg_free(m);
}

/* A REGISTER whose To names no SIP AOR is refused, not forwarded. */
static void
test_register_without_an_aor_is_refused(void)
{
	struct fixture	 f;
	osip_message_t	*m;
	const char	*copy[nitems(spectralink_register)];
	struct proxy_edit e;

	fixture(&f);
	memcpy(copy, spectralink_register, sizeof(copy));
	copy[4] = "To: <tel:+4930123456>";
	m = sip_canned_parse(copy, nitems(copy), NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	e = (struct proxy_edit){ .p = &f.p, .from = &f.phone, .hop = &f.hop,
	    .txn = &f.txn, .slot = &f.txn.slot[0] };
	CU_ASSERT_EQUAL(proxy_register_editor.request(&e, m), PROXY_REFUSE);
	CU_ASSERT_EQUAL(e.code, 500);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.reason, "no address of record"));
	sip_msg_free(m);
	release(&f);
}

/*
 * The carrier's 2xx: the AOR is bound to the phone's flow with its own
 * Contact, the phone sees that Contact again with the granted expiry,
 * and another phone's Contact in the list stays as the carrier has it.
 */
static void
test_register_ok_binds_the_flow_and_restores_the_contact(void)
{
	struct event_base	*base = event_base_new();
	struct fixture		 f;
	struct proxy_edit	 e;
	const struct binding	*b;
	osip_message_t		*m, *resp, *again;
	char			 ours[160], *text;
	const char		*lines[nitems(kamailio_register_ok)];

	registrar_init(base);
	fixture(&f);
	m = PARSE(spectralink_register);
	CU_ASSERT_EQUAL(edit_request(&f, &f.phone, m), PROXY_PASS);
	f.txn.in_req = m;
	memcpy(lines, kamailio_register_ok, sizeof(lines));
	snprintf(ours, sizeof(ours), "Contact: <sip:%s@127.0.0.1:43210;"
	    "transport=tls;sipedge=r-%08x>;expires=600", TOKEN_A,
	    registrar_line(ALICE));
	lines[6] = ours;
	resp = sip_canned_parse(lines, nitems(lines), NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(resp);
	e = (struct proxy_edit){ .p = &f.p, .from = &f.carrier_conn,
	    .txn = &f.txn, .slot = &f.txn.slot[0], .up = &f.phone };
	CU_ASSERT_EQUAL(proxy_register_editor.response(&e, resp, 200),
	    PROXY_PASS);
	b = registrar_find(PHONE_ID, ALICE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_STRING_EQUAL(b->contact,
	    "sip:alice@192.168.1.50:5062;transport=tls;ob");
	CU_ASSERT_STRING_EQUAL(b->profile, "spectralink");
	CU_ASSERT_TRUE(registrar_expires_in(b) > 590 &&
	    registrar_expires_in(b) <= 600);
	text = sip_canned_print(resp, &again);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Contact: <sip:alice@192.168.1.50:"
	    "5062;transport=tls;ob>;expires=600\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Contact: <sip:alice@198.51.100.7:"
	    "5060>;expires=1800\r\n"));
	osip_free(text);
	sip_msg_free(again);

	/* A 401 binds nothing; nor does a 2xx whose phone is gone. */
	registrar_flow_gone(PHONE_ID);
	CU_ASSERT_EQUAL(proxy_register_editor.response(&e, resp, 401),
	    PROXY_PASS);
	e.up = NULL;
	CU_ASSERT_EQUAL(proxy_register_editor.response(&e, resp, 200),
	    PROXY_PASS);
	CU_ASSERT_PTR_NULL(registrar_find(PHONE_ID, ALICE));
	sip_msg_free(resp);
	sip_msg_free(m);
	release(&f);
	registrar_shutdown();
	event_base_free(base);
}

void
test_proxy_register_register(void)
{
	CU_pSuite	s = unit_suite("proxy_register");

	UNIT_TEST(s, test_register_rewritten_towards_the_carrier);
	UNIT_TEST(s, test_other_requests_pass_untouched);
	UNIT_TEST(s, test_register_without_an_aor_is_refused);
	UNIT_TEST(s, test_register_ok_binds_the_flow_and_restores_the_contact);
}
