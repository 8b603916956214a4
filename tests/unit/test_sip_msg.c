/* test_sip_msg.c: parsing, checks, answers and serialisation of SIP. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sip_msg.h"
#include "unit.h"
#include "util.h"

#define SKIP_NONE	((size_t)-1)

/* Spectralink: Via and Contact say 5062, the TLS connection is :40312. */
static const char *const spectralink_register[] = {
	"REGISTER sip:carrier.test SIP/2.0",
	"Via: SIP/2.0/TLS 192.168.1.50:5062;branch=z9hG4bK-524287-1;rport",
	"From: \"Alice\" <sip:alice@carrier.test>;tag=8a1f77c3",
	"To: <sip:alice@carrier.test>",
	"Call-ID: 6fb2b8e0a1c4@192.168.1.50",
	"CSeq: 1 REGISTER",
	("Contact: <sip:alice@192.168.1.50:5062;transport=tls>;+sip.instance="
	    "\"<urn:uuid:00000000-0000-1000-8000-0090b8aa0001>\""),
	"Max-Forwards: 70",
	"User-Agent: Spectralink 84-Series 6.4.1",
	"k: path, outbound",
	"Expires: 3600",
	"Content-Length: 0",
};

/* baresip keep-alive OPTIONS addressed to the edge itself. */
static const char *const baresip_options[] = {
	"OPTIONS sip:127.0.0.1:5061;transport=tls SIP/2.0",
	"Via: SIP/2.0/TLS 127.0.0.1:41234;branch=z9hG4bKbe1a2b3c;rport",
	"Max-Forwards: 70",
	"To: <sip:127.0.0.1:5061;transport=tls>",
	"From: <sip:alice@carrier.test>;tag=c0ffee42",
	"Call-ID: 0a1b2c3d4e5f6a7b",
	"CSeq: 42 OPTIONS",
	"User-Agent: baresip v1.0.0 (x86_64/linux)",
	"Accept: application/sdp",
	"Content-Length: 0",
};

/* A response with two Vias, as the edge gets it back from a carrier. */
static const char *const carrier_ok[] = {
	"SIP/2.0 200 OK",
	"Via: SIP/2.0/TLS edge.example.net:5061;branch=z9hG4bK-edge-1",
	("Via: SIP/2.0/TLS 192.168.1.50:5062;branch=z9hG4bK-524287-1;"
	    "received=192.168.1.50;rport=40312"),
	"From: \"Alice\" <sip:alice@carrier.test>;tag=8a1f77c3",
	"To: <sip:alice@carrier.test>;tag=as45f1",
	"Call-ID: 6fb2b8e0a1c4@192.168.1.50",
	"CSeq: 1 REGISTER",
	"Contact: <sip:alice@edge.example.net:5061;transport=tls>;expires=600",
	"Content-Length: 0",
};

/* An INVITE libosip2 refuses (broken Content-Type), compact Via/From/To. */
static const char *const broken_invite[] = {
	"INVITE sip:bob@carrier.test SIP/2.0",
	"v: SIP/2.0/TLS 192.168.1.50:5062;branch=z9hG4bK-77;rport",
	"Via: SIP/2.0/TLS 10.0.0.9:5061;branch=z9hG4bK-78",
	"f: <sip:alice@carrier.test>;tag=99",
	"t: <sip:bob@carrier.test>",
	"i: broken-1@192.168.1.50",
	"CSeq: 7 INVITE",
	"Content-Type: /",
	"Content-Length: 0",
};

static const char sdp[] =
	"v=0\r\n"
	"o=- 1234 1 IN IP4 192.168.1.50\r\n"
	"s=-\r\n"
	"c=IN IP4 192.168.1.50\r\n"
	"t=0 0\r\n"
	"m=audio 2222 RTP/SAVP 0 101\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
	"inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVzcyAoc2VxdWVu\r\n"
	"a=rtpmap:0 PCMU/8000\r\n";

/* Join lines with CRLF, leaving out line skip, and end the header. */
static size_t
build(char *buf, size_t size, const char *const *lines, size_t n, size_t skip)
{
	size_t	i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		if (i != skip)
			len += (size_t)snprintf(buf + len, size - len, "%s\r\n",
			    lines[i]);
	len += (size_t)snprintf(buf + len, size - len, "\r\n");
	CU_ASSERT_FATAL(len < size);
	return len;
}

/* Parse a canned message or fail the test. */
static osip_message_t *
parse_lines(const char *const *lines, size_t n)
{
	char		 buf[4096], why[128];
	osip_message_t	*msg;
	size_t		 len;

	len = build(buf, sizeof(buf), lines, n, SKIP_NONE);
	msg = sip_msg_parse(buf, len, why, sizeof(why));
	if (msg == NULL)
		fprintf(stderr, "parse: %s\n", why);
	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	return msg;
}

/* Serialise, reparse, and return the text (osip_free it). */
static char *
reprint(osip_message_t *msg, osip_message_t **again)
{
	char	*text, why[128];
	size_t	 len;

	CU_ASSERT_EQUAL_FATAL(sip_msg_serialize(msg, &text, &len), 0);
	CU_ASSERT_EQUAL(strlen(text), len);
	*again = sip_msg_parse(text, len, why, sizeof(why));
	CU_ASSERT_PTR_NOT_NULL(*again);
	return text;
}

/* A sockaddr for "connection came from". */
static struct sockaddr_storage *
peer(const char *host, uint16_t port)
{
	static struct sockaddr_storage	ss;
	socklen_t			len;

	CU_ASSERT_EQUAL_FATAL(sockaddr_from(host, port, &ss, &len), 0);
	return &ss;
}

/* A top Via parameter's value, "" when it has none, NULL when absent. */
static const char *
via_param(osip_message_t *msg, int pos, const char *name)
{
	osip_via_t		*via;
	osip_generic_param_t	*p;
	char			 n[32];

	snprintf(n, sizeof(n), "%s", name);
	if ((via = osip_list_get(&msg->vias, pos)) == NULL ||
	    osip_via_param_get_byname(via, n, &p) != 0)
		return NULL;
	return p->gvalue != NULL ? p->gvalue : "";
}

/* A phone's REGISTER parses, with its identity and headers readable. */
static void
test_sip_msg_parses_spectralink_register(void)
{
	osip_message_t	*msg;

	sip_msg_init();
	sip_msg_init();
	msg = parse_lines(spectralink_register, nitems(spectralink_register));
	CU_ASSERT_TRUE(sip_msg_is_request(msg));
	CU_ASSERT_STRING_EQUAL(sip_msg_method(msg), "REGISTER");
	CU_ASSERT_EQUAL(sip_msg_status(msg), 0);
	CU_ASSERT_STRING_EQUAL(sip_msg_call_id(msg),
	    "6fb2b8e0a1c4@192.168.1.50");
	CU_ASSERT_STRING_EQUAL(sip_msg_header(msg, "User-Agent"),
	    "Spectralink 84-Series 6.4.1");
	CU_ASSERT_STRING_EQUAL(sip_msg_header(msg, "user-AGENT"),
	    "Spectralink 84-Series 6.4.1");
	CU_ASSERT_STRING_EQUAL(sip_msg_header(msg, "Expires"), "3600");
	CU_ASSERT_STRING_EQUAL(sip_msg_header(msg, "Supported"), "path");
	CU_ASSERT_PTR_NULL(sip_msg_header(msg, "Subject"));
	sip_msg_free(msg);
	sip_msg_free(NULL);
}

/* A carrier's response parses; its method is the one in CSeq. */
static void
test_sip_msg_parses_response(void)
{
	osip_message_t	*msg;

	msg = parse_lines(carrier_ok, nitems(carrier_ok));
	CU_ASSERT_FALSE(sip_msg_is_request(msg));
	CU_ASSERT_EQUAL(sip_msg_status(msg), 200);
	CU_ASSERT_STRING_EQUAL(sip_msg_method(msg), "REGISTER");
	CU_ASSERT_EQUAL(osip_list_size(&msg->vias), 2);
	sip_msg_free(msg);
}

/* Each mandatory header, left out, is refused with its own reason. */
static void
test_sip_msg_rejects_each_missing_mandatory_header(void)
{
	static const struct {
		size_t		 line;
		const char	*why;
	} cases[] = {
		{ 1, "missing Via" }, { 2, "missing From" },
		{ 3, "missing To" },
		{ 4, "missing Call-ID" }, { 5, "missing CSeq" },
	};
	char	buf[4096], why[128];
	size_t	i, len;

	for (i = 0; i < nitems(cases); i++) {
		len = build(buf, sizeof(buf), spectralink_register,
		    nitems(spectralink_register), cases[i].line);
		CU_ASSERT_PTR_NULL(sip_msg_parse(buf, len, why, sizeof(why)));
		CU_ASSERT_STRING_EQUAL(why, cases[i].why);
	}
}

/* Replace line i of a canned message and parse it; returns the reason. */
static const char *
parse_with(const char *const *lines, size_t n, size_t i, const char *line)
{
	static char	 why[128];
	const char	*copy[32];
	char		 buf[4096];
	osip_message_t	*msg;
	size_t		 len;

	CU_ASSERT_FATAL(n <= nitems(copy));
	memcpy(copy, lines, n * sizeof(*copy));
	copy[i] = line;
	len = build(buf, sizeof(buf), copy, n, SKIP_NONE);
	msg = sip_msg_parse(buf, len, why, sizeof(why));
	CU_ASSERT_PTR_NULL(msg);
	sip_msg_free(msg);
	return why;
}

/* CSeq naming another method than the request line is refused. */
static void
test_sip_msg_rejects_cseq_method_mismatch(void)
{
	const char *const	*m = baresip_options;
	size_t			 n = nitems(baresip_options);

	CU_ASSERT_STRING_EQUAL(parse_with(m, n, 6, "CSeq: 42 BYE"),
	    "CSeq method BYE does not match request method OPTIONS");
	CU_ASSERT_STRING_EQUAL(parse_with(m, n, 6, "CSeq: 42 options"),
	    "CSeq method options does not match request method OPTIONS");
}

/* What libosip2 lets through but the proxy cannot use is refused. */
static void
test_sip_msg_rejects_what_libosip2_lets_through(void)
{
	const char *const	*m = baresip_options;
	size_t			 n = nitems(baresip_options);

	CU_ASSERT_STRING_EQUAL(parse_with(m, n, 6, "CSeq: abc OPTIONS"),
	    "invalid CSeq number");
	CU_ASSERT_STRING_EQUAL(parse_with(m, n, 6,
	    "CSeq: 2147483648 OPTIONS"), "invalid CSeq number");
	CU_ASSERT_STRING_EQUAL(parse_with(m, n, 5, "Call-ID: a b"),
	    "invalid Call-ID");
	CU_ASSERT_STRING_EQUAL(parse_with(m, n, 5, "Call-ID: "),
	    "missing Call-ID");
	CU_ASSERT_STRING_EQUAL(parse_with(m, n, 1, "Via: "), "missing Via");
	CU_ASSERT_STRING_EQUAL(parse_with(m, n, 0, "OPTIONS sip:a@b"),
	    "no SIP version in the Request-Line");
	/* Without the SP after 200 libosip2 reads the Via as reason phrase. */
	CU_ASSERT_STRING_EQUAL(parse_with(carrier_ok, nitems(carrier_ok), 0,
	    "SIP/2.0 200"), "malformed Status-Line");
	CU_ASSERT_STRING_EQUAL(parse_with(carrier_ok, nitems(carrier_ok), 0,
	    "SIP/2.0 099 Low"), "malformed Status-Line");
	/* A folded start line: libosip2 appends the next line to the reason. */
	CU_ASSERT_STRING_EQUAL(parse_with(carrier_ok, nitems(carrier_ok), 0,
	    "SIP/2.0 200 OK\r\n \x1d"), "folded start line");
}

/* What libosip2 reads but prints in a form it cannot read back (fuzzing). */
static void
test_sip_msg_refuses_what_libosip2_cannot_print_back(void)
{
	static const struct {
		size_t		 line;
		const char	*text;
		const char	*why;
	} cases[] = {
		{ 8, "Contact: <sip:alice@192.168.1.50: >", "invalid Contact" },
		{ 8, "Contact: <sip:alice@1.2.3.4:5062Contact: ;transport=tls>",
		    "invalid Contact" },
		{ 1, "Via: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK1;x= ;rport",
		    "invalid Via" },
		{ 1, "Via: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK1\rContact: *",
		    "bare CR in header Via" },
		{ 3, "To: si:un", "invalid To" },
		{ 4, "From: <sip:a;x>;tag=1", "invalid From" },
		{ 4, "From: <sip:alice@carrier.test>;tag= ;x=1",
		    "invalid From" },
		{ 8, "Accept\xff: application/sdp", "invalid header name" },
		{ 8, "Content-Type: application/sdp;lr",
		    "invalid Content-Type" },
	};
	char		 buf[4096], why[128];
	osip_message_t	*msg;
	size_t		 i;
	int		 n;

	for (i = 0; i < nitems(cases); i++)
		CU_ASSERT_STRING_EQUAL(parse_with(baresip_options,
		    nitems(baresip_options), cases[i].line, cases[i].text),
		    cases[i].why);

	/* libosip2 drops a body without Content-Type, silently. */
	n = snprintf(buf, sizeof(buf),
	    "MESSAGE sip:bob@carrier.test SIP/2.0\r\n"
	    "Via: SIP/2.0/TLS 192.168.1.50:5062;branch=z9hG4bK-5\r\n"
	    "From: <sip:alice@carrier.test>;tag=1\r\n"
	    "To: <sip:bob@carrier.test>\r\nCall-ID: m-1\r\n"
	    "CSeq: 1 MESSAGE\r\nContent-Length: 5\r\n\r\nhello");
	msg = sip_msg_parse(buf, (size_t)n, why, sizeof(why));
	CU_ASSERT_PTR_NULL(msg);
	CU_ASSERT_STRING_EQUAL(why, "body without Content-Type");
	sip_msg_free(msg);

	/*
	 * A line that starts with a bare CR ends no header block: the edge
	 * printed it back among the headers, where the next parser takes it
	 * for the empty line and the rest for a body (fuzzing).
	 */
	n = snprintf(buf, sizeof(buf),
	    "OPTIONS sip:bob@carrier.test SIP/2.0\r\n"
	    "Via: SIP/2.0/TLS 192.168.1.50:5062;branch=z9hG4bK-6\r\n"
	    "From: <sip:alice@carrier.test>;tag=1\r\n"
	    "To: <sip:bob@carrier.test>\r\nCall-ID: m-2\r\n"
	    "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r>\n");
	msg = sip_msg_parse(buf, (size_t)n, why, sizeof(why));
	CU_ASSERT_PTR_NULL(msg);
	CU_ASSERT_STRING_EQUAL(why, "bare CR in header");
	sip_msg_free(msg);
}

/* 60 kB of list items would cost libosip2 a second: refused up front. */
static void
test_sip_msg_refuses_too_many_fields_quickly(void)
{
	static char	 buf[65536];
	char		 why[128];
	size_t		 len;
	clock_t		 t0;

	len = build(buf, sizeof(buf), baresip_options,
	    nitems(baresip_options) - 1, SKIP_NONE) - 2;
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "Supported: ");
	while (len < sizeof(buf) - 8)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "a,");
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "a\r\n\r\n");
	t0 = clock();
	CU_ASSERT_PTR_NULL(sip_msg_parse(buf, len, why, sizeof(why)));
	CU_ASSERT_STRING_EQUAL(why, "too many header fields");
	CU_ASSERT_TRUE(clock() - t0 < CLOCKS_PER_SEC / 10);
}

/* Garbage, NULs and empty input are refused without a crash. */
static void
test_sip_msg_rejects_garbage(void)
{
	static const char	bin[] = "\x16\x03\x01\x02\x00\x01\x00\x01"
	    "\xfc\x03";
	static const char	nul[] = "OPTIONS sip:a@b SIP/2.0\r\n"
	    "Via: SIP/2.0/TLS h\0x\r\n\r\n";
	char			why[128];

	CU_ASSERT_PTR_NULL(sip_msg_parse(bin, sizeof(bin) - 1, why,
	    sizeof(why)));
	CU_ASSERT_STRING_EQUAL(why, "malformed Request-Line");
	/* Outside a quoted string a NUL is a control character. */
	CU_ASSERT_PTR_NULL(sip_msg_parse(nul, sizeof(nul) - 1, why,
	    sizeof(why)));
	CU_ASSERT_STRING_EQUAL(why, "control character in header Via");
	CU_ASSERT_PTR_NULL(sip_msg_parse("", 0, why, sizeof(why)));
	CU_ASSERT_STRING_EQUAL(why, "empty message");
	CU_ASSERT_PTR_NULL(sip_msg_parse("", 0, NULL, 0));
}

/* Design rule 1: received and rport come from the connection. */
static void
test_via_gets_received_and_rport_from_connection_not_via(void)
{
	osip_message_t	*msg, *again;
	char		*text;

	msg = parse_lines(spectralink_register, nitems(spectralink_register));
	CU_ASSERT_EQUAL(sip_msg_via_received(msg,
	    (struct sockaddr *)peer("192.168.1.50", 40312)), 0);
	text = reprint(msg, &again);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Via: SIP/2.0/TLS "
	    "192.168.1.50:5062;branch=z9hG4bK-524287-1;"
	    "received=192.168.1.50;rport=40312\r\n"));
	CU_ASSERT_STRING_EQUAL(via_param(again, 0, "received"), "192.168.1.50");
	CU_ASSERT_STRING_EQUAL(via_param(again, 0, "rport"), "40312");
	osip_free(text);
	sip_msg_free(again);
	sip_msg_free(msg);
}

/* rport is filled in even unasked; a phone's own received is replaced. */
static void
test_via_received_replaces_phone_values_and_adds_rport(void)
{
	const char	*copy[nitems(spectralink_register)];
	osip_message_t	*msg, *again;
	char		*text;

	msg = parse_lines(carrier_ok, nitems(carrier_ok));
	CU_ASSERT_EQUAL(sip_msg_via_received(msg,
	    (struct sockaddr *)peer("203.0.113.9", 5061)), 0);
	CU_ASSERT_STRING_EQUAL(via_param(msg, 0, "received"), "203.0.113.9");
	CU_ASSERT_STRING_EQUAL(via_param(msg, 0, "rport"), "5061");
	/* Only the top Via is touched. */
	CU_ASSERT_STRING_EQUAL(via_param(msg, 1, "rport"), "40312");
	sip_msg_free(msg);

	memcpy(copy, spectralink_register, sizeof(copy));
	copy[1] = "Via: SIP/2.0/TLS 192.168.1.50:5062;received=6.6.6.6;"
	    "branch=z9hG4bK-1;rport=1;RECEIVED=7.7.7.7";
	msg = parse_lines(copy, nitems(copy));
	CU_ASSERT_EQUAL(sip_msg_via_received(msg,
	    (struct sockaddr *)peer("192.168.1.50", 40312)), 0);
	text = reprint(msg, &again);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Via: SIP/2.0/TLS "
	    "192.168.1.50:5062;branch=z9hG4bK-1;received=192.168.1.50;"
	    "rport=40312\r\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "6.6.6.6"));
	CU_ASSERT_PTR_NULL(strstr(text, "7.7.7.7"));
	osip_free(text);
	sip_msg_free(again);
	sip_msg_free(msg);
}

/* An IPv6 source goes into received without brackets; v4-mapped as v4. */
static void
test_via_received_ipv6_source(void)
{
	osip_message_t	*msg, *again;
	char		*text;

	msg = parse_lines(baresip_options, nitems(baresip_options));
	CU_ASSERT_EQUAL(sip_msg_via_received(msg,
	    (struct sockaddr *)peer("2001:db8::50", 40000)), 0);
	text = reprint(msg, &again);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, ";received=2001:db8::50;"
	    "rport=40000\r\n"));
	CU_ASSERT_STRING_EQUAL(via_param(again, 0, "received"), "2001:db8::50");
	osip_free(text);
	sip_msg_free(again);
	CU_ASSERT_EQUAL(sip_msg_via_received(msg,
	    (struct sockaddr *)peer("::ffff:192.0.2.7", 40001)), 0);
	CU_ASSERT_STRING_EQUAL(via_param(msg, 0, "received"), "192.0.2.7");
	CU_ASSERT_STRING_EQUAL(via_param(msg, 0, "rport"), "40001");
	sip_msg_free(msg);
}

/* A response keeps the Vias in order, the dialog headers and a To tag. */
static void
test_response_keeps_vias_in_order_and_adds_to_tag(void)
{
	static const char *const	three_vias[] = {
		"OPTIONS sip:alice@carrier.test SIP/2.0",
		"Via: SIP/2.0/TLS a.example:5061;branch=z9hG4bK-1",
		("v: SIP/2.0/TLS b.example:5061;branch=z9hG4bK-2, "
		    "SIP/2.0/TLS [2001:db8::7]:5061;branch=z9hG4bK-3"),
		"From: <sip:bob@carrier.test>;tag=f1",
		"To: \"Alice\" <sip:alice@carrier.test>",
		"Call-ID: 77@b.example",
		"CSeq: 9 OPTIONS",
		"Timestamp: 54",
		"Content-Length: 0",
	};
	osip_message_t	*req, *res, *again;
	char		*text, *a, *b, *c;

	req = parse_lines(three_vias, nitems(three_vias));
	res = sip_msg_response(req, 200, NULL, "edge1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(res);
	text = reprint(res, &again);
	CU_ASSERT_EQUAL(strncmp(text, "SIP/2.0 200 OK\r\n", 16), 0);
	a = strstr(text, "branch=z9hG4bK-1");
	b = strstr(text, "branch=z9hG4bK-2");
	c = strstr(text, "[2001:db8::7]:5061;branch=z9hG4bK-3");
	CU_ASSERT_TRUE(a != NULL && b != NULL && c != NULL && a < b && b < c);
	CU_ASSERT_PTR_NOT_NULL(strstr(text,
	    "From: <sip:bob@carrier.test>;tag=f1\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text,
	    "To: \"Alice\" <sip:alice@carrier.test>;tag=edge1\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Call-ID: 77@b.example\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "CSeq: 9 OPTIONS\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Server: sipedge/" PACKAGE_VERSION
	    "\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Content-Length: 0\r\n\r\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "Timestamp"));
	CU_ASSERT_EQUAL(sip_msg_status(again), 200);
	CU_ASSERT_EQUAL(osip_list_size(&again->vias), 3);
	CU_ASSERT_STRING_EQUAL(sip_msg_call_id(again), "77@b.example");
	osip_free(text);
	sip_msg_free(again);
	sip_msg_free(res);
	sip_msg_free(req);
}

/* 100 gets no tag but the Timestamp; an existing To tag is kept alone. */
static void
test_response_tag_rules_for_100_and_tagged_to(void)
{
	osip_message_t	*req, *res, *again;
	char		*text;

	req = parse_lines(baresip_options, nitems(baresip_options));
	CU_ASSERT_EQUAL_FATAL(osip_message_set_header(req, "Timestamp", "5"),
	    0);
	res = sip_msg_response(req, 100, NULL, "edge1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(res);
	text = reprint(res, &again);
	CU_ASSERT_PTR_NULL(strstr(text, "tag=edge1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "SIP/2.0 100 Trying\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Timestamp: 5\r\n"));
	osip_free(text);
	sip_msg_free(again);
	sip_msg_free(res);
	sip_msg_free(req);

	req = parse_lines(spectralink_register, nitems(spectralink_register));
	CU_ASSERT_EQUAL_FATAL(osip_to_set_tag(req->to, osip_strdup("x9")), 0);
	res = sip_msg_response(req, 486, "Busy Here", "edge1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(res);
	text = reprint(res, &again);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "SIP/2.0 486 Busy Here\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text,
	    "<sip:alice@carrier.test>;tag=x9\r\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "edge1"));
	osip_free(text);
	sip_msg_free(again);
	sip_msg_free(res);
	sip_msg_free(req);
}

/* No response to a response, with a bad code or an injected reason. */
static void
test_response_refuses_bad_arguments(void)
{
	osip_message_t	*req, *res;

	req = parse_lines(baresip_options, nitems(baresip_options));
	res = parse_lines(carrier_ok, nitems(carrier_ok));
	CU_ASSERT_PTR_NULL(sip_msg_response(res, 200, NULL, NULL));
	CU_ASSERT_PTR_NULL(sip_msg_response(req, 99, NULL, NULL));
	CU_ASSERT_PTR_NULL(sip_msg_response(req, 700, NULL, NULL));
	CU_ASSERT_PTR_NULL(sip_msg_response(req, 400, "Bad\r\nX-Evil: 1",
	    NULL));
	CU_ASSERT_PTR_NULL(sip_msg_response(req, 400, NULL, "bad tag"));
	sip_msg_free(res);
	sip_msg_free(req);
}

/* libosip2 refuses a broken Content-Type; the raw path still says 400. */
static void
test_raw_400_for_request_libosip2_refuses(void)
{
	osip_message_t	*again;
	char		 buf[4096], why[128], *out, *a, *b;
	size_t		 len, outlen;

	len = build(buf, sizeof(buf), broken_invite, nitems(broken_invite),
	    SKIP_NONE);
	CU_ASSERT_PTR_NULL(sip_msg_parse(buf, len, why, sizeof(why)));
	CU_ASSERT_STRING_EQUAL(why, "unparsable message");
	CU_ASSERT_EQUAL_FATAL(sip_msg_response_raw(buf, len, 400, NULL, &out,
	    &outlen), 0);
	CU_ASSERT_EQUAL(strlen(out), outlen);
	CU_ASSERT_EQUAL(strncmp(out, "SIP/2.0 400 Bad Request\r\n", 25), 0);
	a = strstr(out, "v: SIP/2.0/TLS 192.168.1.50:5062;branch=z9hG4bK-77;"
	    "rport\r\n");
	b = strstr(out, "Via: SIP/2.0/TLS 10.0.0.9:5061;branch=z9hG4bK-78\r\n");
	CU_ASSERT_TRUE(a != NULL && b != NULL && a < b);
	CU_ASSERT_PTR_NOT_NULL(strstr(out,
	    "f: <sip:alice@carrier.test>;tag=99\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "t: <sip:bob@carrier.test>;tag="));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "i: broken-1@192.168.1.50\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "CSeq: 7 INVITE\r\n"));
	CU_ASSERT_PTR_NULL(strstr(out, "Content-Type"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Content-Length: 0\r\n\r\n"));
	again = sip_msg_parse(out, outlen, why, sizeof(why));
	CU_ASSERT_PTR_NOT_NULL(again);
	if (again != NULL) {
		CU_ASSERT_EQUAL(sip_msg_status(again), 400);
		CU_ASSERT_EQUAL(osip_list_size(&again->vias), 2);
	}
	sip_msg_free(again);
	osip_free(out);
}

/* An invalid CSeq number: refused by the parser, answered raw. */
static void
test_raw_400_for_invalid_cseq_keeps_to_tag(void)
{
	static const char *const	m[] = {
		"BYE sip:bob@192.168.1.60:5062 SIP/2.0",
		"Via: SIP/2.0/TLS 192.168.1.50:5062;branch=z9hG4bK-80",
		"From: <sip:alice@carrier.test>;tag=99",
		"To: <sip:bob@carrier.test> ; TAG = b0b",
		"Call-ID: dlg-1",
		"CSeq: -3 BYE",
		"Content-Length: 0",
	};
	char	buf[2048], why[128], *out;
	size_t	len, outlen;

	len = build(buf, sizeof(buf), m, nitems(m), SKIP_NONE);
	CU_ASSERT_PTR_NULL(sip_msg_parse(buf, len, why, sizeof(why)));
	CU_ASSERT_EQUAL_FATAL(sip_msg_response_raw(buf, len, 400,
	    "Invalid CSeq", &out, &outlen), 0);
	CU_ASSERT_EQUAL(strncmp(out, "SIP/2.0 400 Invalid CSeq\r\n", 26), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out,
	    "\r\nTo: <sip:bob@carrier.test> ; TAG = b0b\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\r\nCSeq: -3 BYE\r\n"));
	osip_free(out);
}

/*
 * Garbage, an ACK, no Via or a folded Via: no answer. A missing Call-ID
 * (RFC 4475 insuf) still gets one, from what is there.
 */
static void
test_raw_refuses_garbage_ack_and_incomplete(void)
{
	static const char	bin[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc"
	    "\r\nVia: x\r\n\r\n";
	char			buf[4096], *out;
	size_t			len, outlen;
	const char		*copy[nitems(broken_invite)];

	CU_ASSERT_EQUAL(sip_msg_response_raw(bin, sizeof(bin) - 1, 400, NULL,
	    &out, &outlen), -1);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_EQUAL(sip_msg_response_raw("", 0, 400, NULL, &out, &outlen),
	    -1);
	len = build(buf, sizeof(buf), broken_invite, nitems(broken_invite), 5);
	CU_ASSERT_EQUAL_FATAL(sip_msg_response_raw(buf, len, 400, NULL, &out,
	    &outlen), 0);
	CU_ASSERT_PTR_NULL(strstr(out, "\r\ni:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\r\nCSeq: 7 INVITE\r\n"));
	osip_free(out);
	memcpy(copy, broken_invite, sizeof(copy));
	copy[1] = "X-Not-Via: 1";
	copy[2] = "X-Not-Via: 2";
	len = build(buf, sizeof(buf), copy, nitems(copy), SKIP_NONE);
	CU_ASSERT_EQUAL(sip_msg_response_raw(buf, len, 400, NULL, &out,
	    &outlen), -1);
	memcpy(copy, broken_invite, sizeof(copy));
	copy[0] = "ACK sip:bob@carrier.test SIP/2.0";
	len = build(buf, sizeof(buf), copy, nitems(copy), SKIP_NONE);
	CU_ASSERT_EQUAL(sip_msg_response_raw(buf, len, 400, NULL, &out,
	    &outlen), -1);
	copy[0] = broken_invite[0];
	copy[2] = "Via: SIP/2.0/TLS 10.0.0.9:5061;\r\n branch=z9hG4bK-78";
	len = build(buf, sizeof(buf), copy, nitems(copy), SKIP_NONE);
	CU_ASSERT_EQUAL(sip_msg_response_raw(buf, len, 400, NULL, &out,
	    &outlen), -1);
	copy[2] = "Via: SIP/2.0/TLS 10.0.0.9\x01";
	len = build(buf, sizeof(buf), copy, nitems(copy), SKIP_NONE);
	CU_ASSERT_EQUAL(sip_msg_response_raw(buf, len, 400, NULL, &out,
	    &outlen), -1);
	len = build(buf, sizeof(buf), broken_invite, nitems(broken_invite),
	    SKIP_NONE);
	CU_ASSERT_EQUAL(sip_msg_response_raw(buf, len, 400, "A\nB", &out,
	    &outlen), -1);
}

/* The SDP body survives a round trip; Content-Length follows the body. */
static void
test_serialize_keeps_body_and_sets_content_length(void)
{
	char		 buf[4096], expect[32], *text, *body;
	osip_message_t	*msg, *again;
	osip_body_t	*b;
	osip_uri_t	*url;
	size_t		 len;
	int		 n;

	n = snprintf(buf, sizeof(buf), "INVITE sip:bob@carrier.test SIP/2.0\r\n"
	    "Via: SIP/2.0/TLS 192.168.1.50:5062;branch=z9hG4bK-9;rport\r\n"
	    "From: <sip:alice@carrier.test>;tag=1\r\n"
	    "To: <sip:bob@carrier.test>\r\nCall-ID: sdp-1\r\n"
	    "CSeq: 1 INVITE\r\nContact: <sip:alice@192.168.1.50:5062>\r\n"
	    "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
	    strlen(sdp), sdp);
	msg = sip_msg_parse(buf, (size_t)n, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	text = reprint(msg, &again);
	snprintf(expect, sizeof(expect), "Content-Length: %zu\r\n",
	    strlen(sdp));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, expect));
	body = strstr(text, "\r\n\r\n");
	CU_ASSERT_TRUE(body != NULL && strcmp(body + 4, sdp) == 0);
	CU_ASSERT_EQUAL(osip_message_get_body(again, 0, &b), 0);
	CU_ASSERT_STRING_EQUAL(b->body, sdp);
	osip_free(text);
	sip_msg_free(again);

	/* A shorter body after the first print: a new length, edits kept. */
	osip_list_special_free(&msg->bodies, (void (*)(void *))osip_body_free);
	CU_ASSERT_EQUAL(osip_message_set_body(msg, "v=0\r\n", 5), 0);
	/* libosip2 setters do not free what they replace. */
	url = ((osip_contact_t *)osip_list_get(&msg->contacts, 0))->url;
	osip_free(url->port);
	osip_uri_set_port(url, osip_strdup("40312"));
	CU_ASSERT_EQUAL(sip_msg_serialize(msg, &text, &len), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Content-Length: 5\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "192.168.1.50:40312>"));
	osip_free(text);

	/* Field edits after a print (no osip setter) still show. */
	osip_free(msg->req_uri->host);
	msg->req_uri->host = osip_strdup("carrier2.test");
	CU_ASSERT_EQUAL(sip_msg_serialize(msg, &text, &len), 0);
	CU_ASSERT_EQUAL(strncmp(text, "INVITE sip:bob@carrier2.test ", 29), 0);
	osip_free(text);
	sip_msg_free(msg);
}

/*
 * Authentication headers leave exactly as they came: libosip2 alone would
 * drop userhash and charset (RFC 7616) and reorder parameters.
 */
static void
test_auth_headers_pass_verbatim_with_unknown_params(void)
{
	static const char	msg[] =
	    "SIP/2.0 401 Unauthorized\r\n"
	    "Via: SIP/2.0/TLS 192.0.2.10:5062;branch=z9hG4bK-1\r\n"
	    "From: <sip:alice@carrier.test>;tag=1\r\n"
	    "To: <sip:alice@carrier.test>;tag=2\r\n"
	    "Call-ID: auth-1\r\n"
	    "CSeq: 1 REGISTER\r\n"
	    "WWW-Authenticate: Digest realm=\"carrier.test\", nonce=\"n\", "
	    "algorithm=SHA-256, qop=\"auth\", userhash=true, charset=UTF-8\r\n"
	    "WWW-Authenticate: Digest realm=\"carrier.test\",\r\n"
	    "  nonce=\"n\", algorithm=MD5, qop=\"auth\"\r\n"
	    "Content-Length: 0\r\n\r\n";
	osip_message_t	*m;
	char		 why[128], *out;
	size_t		 len;

	m = sip_msg_parse(msg, sizeof(msg) - 1, why, sizeof(why));
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(sip_msg_serialize(m, &out, &len), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "WWW-Authenticate: Digest "
	    "realm=\"carrier.test\", nonce=\"n\", algorithm=SHA-256, "
	    "qop=\"auth\", userhash=true, charset=UTF-8\r\n"));
	/* A folded challenge comes out folded as it came, in its place. */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "charset=UTF-8\r\nWWW-Authenticate: "
	    "Digest realm=\"carrier.test\",\r\n  nonce=\"n\", algorithm=MD5, "
	    "qop=\"auth\"\r\n"));
	CU_ASSERT_STRING_EQUAL(sip_msg_header(m, "www-authenticate"),
	    "Digest realm=\"carrier.test\", nonce=\"n\", algorithm=SHA-256, "
	    "qop=\"auth\", userhash=true, charset=UTF-8");
	osip_free(out);
	sip_msg_free(m);
}

void
test_sip_msg_register(void)
{
	CU_pSuite	s = unit_suite("sip_msg");

	UNIT_TEST(s, test_sip_msg_parses_spectralink_register);
	UNIT_TEST(s, test_sip_msg_parses_response);
	UNIT_TEST(s, test_sip_msg_rejects_each_missing_mandatory_header);
	UNIT_TEST(s, test_sip_msg_rejects_cseq_method_mismatch);
	UNIT_TEST(s, test_sip_msg_rejects_what_libosip2_lets_through);
	UNIT_TEST(s, test_sip_msg_refuses_what_libosip2_cannot_print_back);
	UNIT_TEST(s, test_sip_msg_refuses_too_many_fields_quickly);
	UNIT_TEST(s, test_sip_msg_rejects_garbage);
	UNIT_TEST(s, test_via_gets_received_and_rport_from_connection_not_via);
	UNIT_TEST(s, test_via_received_replaces_phone_values_and_adds_rport);
	UNIT_TEST(s, test_via_received_ipv6_source);
	UNIT_TEST(s, test_response_keeps_vias_in_order_and_adds_to_tag);
	UNIT_TEST(s, test_response_tag_rules_for_100_and_tagged_to);
	UNIT_TEST(s, test_response_refuses_bad_arguments);
	UNIT_TEST(s, test_raw_400_for_request_libosip2_refuses);
	UNIT_TEST(s, test_raw_400_for_invalid_cseq_keeps_to_tag);
	UNIT_TEST(s, test_raw_refuses_garbage_ack_and_incomplete);
	UNIT_TEST(s, test_serialize_keeps_body_and_sets_content_length);
	UNIT_TEST(s, test_auth_headers_pass_verbatim_with_unknown_params);
}
