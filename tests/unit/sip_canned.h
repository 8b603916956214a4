/*
 * sip_canned.h: canned SIP shared by the unit tests of the modules that
 * rewrite it (test_sip_hdr.c, test_sip_contact.c): a Spectralink phone
 * registering through the edge and Kamailio's answers, and the helpers
 * that turn canned lines into messages and messages back into text.
 */
#ifndef SIPEDGE_SIP_CANNED_H
#define SIPEDGE_SIP_CANNED_H

#include <stddef.h>

#include <osipparser2/osip_message.h>

#include "util.h"

/* Flow tokens as flow.c makes them: 39 lowercase base32 characters. */
#define TOKEN_A	"aaaqaaaaaaaaaabqgnbt4w5l7bdfyq2ctmnwkzy"
#define TOKEN_B	"aaaqaaaaaaaaaaclmxw2r6jd3ohnwhbvkq5eg4a"
/* The Spectralink phone's RFC 5626 instance, on its Contact. */
#define INSTANCE \
	"+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-0090b8aa0001>\""
/* The edge's registration Contact for the flow TOKEN_A, towards Kamailio. */
#define OUR_CONTACT \
	"sip:" TOKEN_A "@127.0.0.1:43210;transport=tls;sipedge=r"

/*
 * Canned messages are header lines without CRLF or the blank line. Tests
 * copy them and replace a line by its index, so the order of the lines
 * is part of the fixture; the sizes are checked against sip_canned.c.
 */
/* Spectralink: Via and Contact say 5062, its TLS connection is :40312. */
extern const char *const spectralink_register[12];
/* The same phone leaving: "Contact: *". */
extern const char *const spectralink_unregister[10];
/* Kamailio challenges the REGISTER (RFC 8760: two algorithms). */
extern const char *const kamailio_401[11];
/* Kamailio's 200 lists every Contact of the AOR: ours and others'. */
extern const char *const kamailio_register_ok[10];

/* Parse canned lines (and a body, whose Content-Length is added) or fail. */
osip_message_t	*sip_canned_parse(const char *const *lines, size_t n,
		    const char *body);
/* Parse a canned message without a body, or fail the test. */
#define PARSE(lines)	sip_canned_parse((lines), nitems(lines), NULL)
/* Print a message (osip_free the text) and check that it parses again. */
char		*sip_canned_print(osip_message_t *, osip_message_t **again);
/* The printed form of a URI, in a static buffer; "" for none. */
const char	*sip_canned_uri_text(const osip_uri_t *);
/* The number of Contact, Route, ... entries. */
#define COUNT(m, list)	osip_list_size(&(m)->list)

#endif
