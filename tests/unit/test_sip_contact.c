/*
 * test_sip_contact.c: the Contacts of a REGISTER and its 2xx as the edge
 * rewrites them, and the expiries read from them, on the canned
 * Spectralink REGISTER and Kamailio's answers in sip_canned.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_canned.h"
#include "sip_contact.h"
#include "sip_msg.h"
#include "unit.h"
#include "util.h"

/*
 * The Spectralink REGISTER towards the carrier: the edge's Contact with
 * the flow token, the phone's parameters kept, its Contact returned.
 */
static void
test_contacts_replace_keeps_params_and_returns_the_originals(void)
{
	osip_message_t	*m, *again;
	char		*text, **orig;
	size_t		 n, i;

	m = PARSE(spectralink_register);
	CU_ASSERT_EQUAL(sip_contact_replace(m, OUR_CONTACT, &orig, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(orig[0],
	    "sip:alice@192.168.1.50:5062;transport=tls;ob");
	text = sip_canned_print(m, &again);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Contact: <" OUR_CONTACT ">;"
	    "expires=600;" INSTANCE ";reg-id=1\r\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "5062;transport"));
	CU_ASSERT_EQUAL(COUNT(again, contacts), 1);
	CU_ASSERT_EQUAL(sip_contact_register_expires(again, 3600), 600);
	osip_free(text);
	sip_msg_free(again);
	for (i = 0; i < n; i++)
		free(orig[i]);
	free(orig);
	sip_msg_free(m);

	/*
	 * Several Contacts: each the edge's, told apart by ".K" on the mark
	 * (they stay several at the carrier), the originals back in order.
	 */
	m = PARSE(kamailio_register_ok);
	CU_ASSERT_EQUAL(sip_contact_replace(m, OUR_CONTACT, &orig, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_STRING_EQUAL(orig[0], OUR_CONTACT);
	CU_ASSERT_STRING_EQUAL(orig[2], "sip:alice@198.51.100.7:5060");
	text = sip_canned_print(m, &again);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "<" OUR_CONTACT ">"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "<" OUR_CONTACT ".1>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "<" OUR_CONTACT ".2>"));
	osip_free(text);
	sip_msg_free(again);
	for (i = 0; i < n; i++)
		free(orig[i]);
	free(orig);
	sip_msg_free(m);

	/* A URI that does not parse changes nothing. */
	m = PARSE(spectralink_register);
	CU_ASSERT_EQUAL(sip_contact_replace(m, "<<", &orig, &n), -1);
	CU_ASSERT_EQUAL(n, 0);
	text = sip_canned_print(m, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "192.168.1.50:5062;transport"));
	osip_free(text);
	free(orig);
	sip_msg_free(m);
}

/* "Contact: *" removes everything at the carrier; it must stay "*". */
static void
test_contacts_replace_leaves_contact_star_alone(void)
{
	osip_message_t	*m;
	char		*text, **orig;
	size_t		 n = 99;

	m = PARSE(spectralink_unregister);
	CU_ASSERT_TRUE(sip_contact_is_star(m));
	CU_ASSERT_EQUAL(sip_contact_replace(m, OUR_CONTACT, &orig, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_PTR_NULL(orig);
	text = sip_canned_print(m, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\r\nContact: *\r\n"));
	CU_ASSERT_PTR_NULL(strstr(text, TOKEN_A));
	osip_free(text);
	CU_ASSERT_EQUAL(sip_contact_register_expires(m, 3600), 0);
	sip_msg_free(m);

	m = PARSE(spectralink_register);
	CU_ASSERT_FALSE(sip_contact_is_star(m));
	sip_msg_free(m);
}

/* The flows the test pretends to know, and the tokens it was asked for. */
struct lookup_log {
	char	asked[4][64];
	int	n;
};

/* Only TOKEN_A is a binding of the flow being answered. */
static const char *
lookup_a(const osip_uri_t *uri, void *arg)
{
	struct lookup_log	*log = arg;
	const char		*token = uri->username;

	if (log->n < 4)
		snprintf(log->asked[log->n++], sizeof(log->asked[0]), "%s",
		    token);
	return strcmp(token, TOKEN_A) == 0 ?
	    "sip:alice@192.168.1.50:5062;transport=tls;ob" : NULL;
}

/*
 * The phone sees its own Contact again in the 200; another phone's (also
 * behind the edge) and a desk phone's registered directly are untouched.
 */
static void
test_contacts_restore_maps_only_our_registration_contacts(void)
{
	struct lookup_log	 log = { .n = 0 };
	osip_message_t		*m, *again;
	osip_contact_t		*c;
	char			*text;

	m = PARSE(kamailio_register_ok);
	/* Our token in a phone-facing (not registration) URI is not ours. */
	CU_ASSERT_EQUAL(osip_message_set_contact(m, "<sip:" TOKEN_A
	    "@127.0.0.1:5061;sipedge=p>"), 0);
	CU_ASSERT_EQUAL(sip_contact_restore(m, lookup_a, &log), 1);
	CU_ASSERT_EQUAL(log.n, 2);
	CU_ASSERT_STRING_EQUAL(log.asked[0], TOKEN_A);
	CU_ASSERT_STRING_EQUAL(log.asked[1], TOKEN_B);
	text = sip_canned_print(m, &again);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Contact: <sip:alice@192.168.1.50:"
	    "5062;transport=tls;ob>;expires=600;" INSTANCE ";reg-id=1\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Contact: <sip:" TOKEN_B
	    "@127.0.0.1:43210;transport=tls;sipedge=r>;expires=3121\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text,
	    "Contact: <sip:alice@198.51.100.7:5060>;expires=1800\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Contact: <sip:" TOKEN_A
	    "@127.0.0.1:5061;sipedge=p>\r\n"));
	CU_ASSERT_EQUAL(COUNT(again, contacts), 4);
	c = osip_list_get(&again->contacts, 0);
	CU_ASSERT_STRING_EQUAL(sip_canned_uri_text(c->url),
	    "sip:alice@192.168.1.50:5062;transport=tls;ob");
	osip_free(text);
	sip_msg_free(again);
	sip_msg_free(m);

	/* A 401 has no Contact: nothing to restore, nothing asked. */
	log.n = 0;
	m = PARSE(kamailio_401);
	CU_ASSERT_EQUAL(sip_contact_restore(m, lookup_a, &log), 0);
	CU_ASSERT_EQUAL(log.n, 0);
	sip_msg_free(m);
}

/* The carrier grants per Contact; ours wins over Expires, then the default. */
static void
test_contact_expires_prefers_our_contact_param_over_expires_header(void)
{
	const char	*lines[nitems(kamailio_register_ok)];
	osip_message_t	*m;

	m = PARSE(kamailio_register_ok);
	CU_ASSERT_EQUAL(sip_contact_expires(m, TOKEN_A, 3600), 600);
	CU_ASSERT_EQUAL(sip_contact_expires(m, TOKEN_B, 3600), 3121);
	CU_ASSERT_EQUAL(sip_contact_expires(m, "nobody", 3600), 3600);
	CU_ASSERT_EQUAL(osip_message_set_expires(m, "900"), 0);
	CU_ASSERT_EQUAL(sip_contact_expires(m, TOKEN_A, 3600), 600);
	CU_ASSERT_EQUAL(sip_contact_expires(m, "nobody", 3600), 900);
	sip_msg_free(m);

	/* Our Contact without expires: the header decides. */
	memcpy(lines, kamailio_register_ok, sizeof(lines));
	lines[6] = "Contact: <" OUR_CONTACT ">;" INSTANCE;
	lines[7] = "Expires: 120";
	m = PARSE(lines);
	CU_ASSERT_EQUAL(sip_contact_expires(m, TOKEN_A, 3600), 120);
	sip_msg_free(m);

	m = PARSE(kamailio_401);
	CU_ASSERT_EQUAL(sip_contact_expires(m, TOKEN_A, 1800), 1800);
	sip_msg_free(m);
}

/* A REGISTER's request: Contact expires, Expires header, default. */
static void
test_register_expires_takes_contact_param_then_header_then_default(void)
{
	const char	*lines[nitems(spectralink_register)];
	osip_message_t	*m;

	m = PARSE(spectralink_register);
	CU_ASSERT_EQUAL(sip_contact_register_expires(m, 1800), 600);
	sip_msg_free(m);

	memcpy(lines, spectralink_register, sizeof(lines));
	lines[3] = "Contact: <sip:alice@192.168.1.50:5062;transport=tls>";
	m = PARSE(lines);
	CU_ASSERT_EQUAL(sip_contact_register_expires(m, 1800), 3600);
	sip_msg_free(m);

	lines[8] = "Subject: no expiry asked";
	m = PARSE(lines);
	CU_ASSERT_EQUAL(sip_contact_register_expires(m, 1800), 1800);
	sip_msg_free(m);

	lines[3] = "Contact: <sip:alice@192.168.1.50:5062>;expires=0";
	m = PARSE(lines);
	CU_ASSERT_EQUAL(sip_contact_register_expires(m, 1800), 0);
	sip_msg_free(m);

	/* Garbage is no value; more than 2^32-1 is 2^32-1, not 0 or less. */
	lines[3] = "Contact: <sip:alice@192.168.1.50:5062>;expires=soon";
	lines[8] = "Expires: 99999999999";
	m = PARSE(lines);
	CU_ASSERT_EQUAL(sip_contact_register_expires(m, 1800), 4294967295U);
	sip_msg_free(m);
	lines[3] = "Contact: <sip:alice@192.168.1.50:5062>;expires=4294967296";
	m = PARSE(lines);
	CU_ASSERT_EQUAL(sip_contact_register_expires(m, 1800), 4294967295U);
	CU_ASSERT_EQUAL(sip_contact_expires(m, "alice", 1800),
	    4294967295U);
	sip_msg_free(m);
}

void
test_sip_contact_register(void)
{
	CU_pSuite	s = unit_suite("sip_contact");

	UNIT_TEST(s, test_contacts_replace_keeps_params_and_returns_the_originals);
	UNIT_TEST(s, test_contacts_replace_leaves_contact_star_alone);
	UNIT_TEST(s, test_contacts_restore_maps_only_our_registration_contacts);
	UNIT_TEST(s,
	    test_contact_expires_prefers_our_contact_param_over_expires_header);
	UNIT_TEST(s,
	    test_register_expires_takes_contact_param_then_header_then_default);
}
