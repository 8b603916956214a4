/*
 * test_sip_hdr.c: the proxy's header surgery on canned messages from the
 * peers it meets: a Spectralink REGISTER whose Via and Contact claim port
 * 5062 (shared, in sip_canned.c), a baresip INVITE with SDP and Kamailio's
 * answers to it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_canned.h"
#include "sip_hdr.h"
#include "sip_msg.h"
#include "unit.h"
#include "util.h"

/* baresip calls through the edge, its outbound proxy (preloaded Route). */
static const char *const baresip_invite[] = {
	"INVITE sip:bob@carrier.test SIP/2.0",
	"Via: SIP/2.0/TLS 127.0.0.1:41234;branch=z9hG4bK3a5e9c1d7f;rport",
	"Route: <sip:127.0.0.1:5061;transport=tls;lr>",
	"Max-Forwards: 70",
	"To: <sip:bob@carrier.test>",
	"From: \"alice\" <sip:alice@carrier.test>;tag=1c8b7a2e5f",
	"Call-ID: 4d7f3c2a9b1e6f08",
	"CSeq: 22081 INVITE",
	"Contact: <sip:alice-0x55d4c0@127.0.0.1:41234;transport=tls>",
	"User-Agent: baresip v1.0.0 (x86_64/linux)",
	"Allow: INVITE,ACK,BYE,CANCEL,OPTIONS,NOTIFY,SUBSCRIBE,INFO,MESSAGE",
	"Supported: replaces,norefersub",
	"Content-Type: application/sdp",
};

static const char baresip_sdp[] =
	"v=0\r\n"
	"o=- 3912847342 3912847342 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"m=audio 10002 RTP/SAVP 0 8 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:b0Jq0fB9lJ2DP0oD7yX1j7Yj0WcQkA2Pq0m8FbKq\r\n"
	"a=sendrecv\r\n";

/* The INVITE as the edge sent it on: our Via on top, a carrier Route left. */
static const char *const edge_invite_out[] = {
	"INVITE sip:bob@carrier.test SIP/2.0",
	"Via: SIP/2.0/TLS 127.0.0.1:43210;branch=z9hG4bKse5f0c6b7e9d8a1b2c3d4e"
	    ";rport",
	"Via: SIP/2.0/TLS 127.0.0.1:41234;branch=z9hG4bK3a5e9c1d7f;"
	    "received=127.0.0.1;rport=50123",
	"Route: <sip:127.0.0.1:5070;transport=tls;lr>",
	"Record-Route: <sip:127.0.0.1:43210;transport=tls;lr;sipedge=c-kam>",
	"Record-Route: <sip:" TOKEN_A "@127.0.0.1:5061;transport=tls;lr;"
	    "sipedge=p>",
	"Max-Forwards: 69",
	"To: <sip:bob@carrier.test>",
	"From: \"alice\" <sip:alice@carrier.test>;tag=1c8b7a2e5f",
	"Call-ID: 4d7f3c2a9b1e6f08",
	"CSeq: 22081 INVITE",
	"Contact: <sip:alice-0x55d4c0@127.0.0.1:41234;transport=tls>",
	"Content-Type: application/sdp",
};

/* Kamailio wants the caller's credentials before it relays the INVITE. */
static const char *const kamailio_407[] = {
	"SIP/2.0 407 Proxy Authentication Required",
	"Via: SIP/2.0/TLS 127.0.0.1:43210;branch=z9hG4bKse5f0c6b7e9d8a1b2c3d4e"
	    ";rport=43210;received=127.0.0.1",
	"Via: SIP/2.0/TLS 127.0.0.1:41234;branch=z9hG4bK3a5e9c1d7f;"
	    "received=127.0.0.1;rport=50123",
	"From: \"alice\" <sip:alice@carrier.test>;tag=1c8b7a2e5f",
	"To: <sip:bob@carrier.test>;tag=a6a1c5f60faecf035a1ae5b6e96e979a-7e21",
	"Call-ID: 4d7f3c2a9b1e6f08",
	"CSeq: 22081 INVITE",
	"Proxy-Authenticate: Digest realm=\"carrier.test\", "
	    "nonce=\"Zk9bQ2bJ4Lx0Zw==\", qop=\"auth\"",
	"Server: kamailio (5.6.3 (x86_64/linux))",
	"Content-Length: 0",
};

/* bob's phone rings; Kamailio and the edge are in the Record-Route. */
static const char *const ringing_180[] = {
	"SIP/2.0 180 Ringing",
	"Via: SIP/2.0/TLS 127.0.0.1:43210;branch=z9hG4bKse5f0c6b7e9d8a1b2c3d4e"
	    ";rport=43210;received=127.0.0.1",
	"Via: SIP/2.0/TLS 127.0.0.1:41234;branch=z9hG4bK3a5e9c1d7f;"
	    "received=127.0.0.1;rport=50123",
	"Record-Route: <sip:127.0.0.1:5070;transport=tls;lr>",
	"Record-Route: <sip:127.0.0.1:43210;transport=tls;lr;sipedge=c-kam>",
	"Record-Route: <sip:" TOKEN_A "@127.0.0.1:5061;transport=tls;lr;"
	    "sipedge=p>",
	"From: \"alice\" <sip:alice@carrier.test>;tag=1c8b7a2e5f",
	"To: <sip:bob@carrier.test>;tag=f04e1c2d",
	"Call-ID: 4d7f3c2a9b1e6f08",
	"CSeq: 22081 INVITE",
	"Contact: <sip:bob-0x77a1@127.0.0.1:39876;transport=tls>",
	"Content-Length: 0",
};

/* The edge as a phone connection on 127.0.0.1:5061 sees it. */
static const char *const edge_hosts[] = {
	"edge.example.net", "[2001:DB8::5]", "10.0.0.5",
};

static const struct sip_hdr_self phone_side = {
	.hosts = edge_hosts, .n_hosts = nitems(edge_hosts),
	.local_host = "127.0.0.1", .local_port = 5061,
};

/* The edge on its connection to Kamailio, from 127.0.0.1:43210. */
static const struct sip_hdr_self carrier_side = {
	.hosts = edge_hosts, .n_hosts = nitems(edge_hosts),
	.local_host = "127.0.0.1", .local_port = 43210,
};

/* Parse a canned INVITE with baresip's SDP as its body. */
#define PARSE_SDP(lines) \
	sip_canned_parse((lines), nitems(lines), baresip_sdp)

/* Is a before b in text, both present? */
static int
ordered(const char *text, const char *a, const char *b)
{
	const char	*pa = strstr(text, a), *pb = strstr(text, b);

	return pa != NULL && pb != NULL && pa < pb;
}

/* A parsed URI, or the test fails. */
static osip_uri_t *
uri(const char *s)
{
	osip_uri_t	*u;

	CU_ASSERT_EQUAL_FATAL(osip_uri_init(&u), 0);
	if (osip_uri_parse(u, s) != 0) {
		osip_uri_free(u);
		CU_FAIL_FATAL("osip_uri_parse");
	}
	return u;
}

/* A From or To tag, or "". */
static const char *
tag_of(osip_from_t *h)
{
	osip_generic_param_t	*p = NULL;

	if (h == NULL || osip_from_get_tag(h, &p) != 0 || p == NULL ||
	    p->gvalue == NULL)
		return "";
	return p->gvalue;
}

/* The From/To-shaped entry at pos of a list, printed. */
static const char *
entry_uri(const osip_list_t *list, int pos)
{
	osip_from_t	*h = osip_list_get(list, pos);

	return h != NULL ? sip_canned_uri_text(h->url) : "";
}

/* RFC 3261 §8.1.1.7: the magic cookie, then ours; never twice the same. */
static void
test_branch_has_magic_cookie_and_our_prefix_and_is_unique(void)
{
	static char	branches[512][SIP_HDR_BRANCH_MAX];
	char		small[12];
	size_t		i, j, dup = 0;

	for (i = 0; i < nitems(branches); i++) {
		sip_hdr_branch_new(branches[i], sizeof(branches[i]));
		CU_ASSERT_EQUAL(strncmp(branches[i], "z9hG4bK", 7), 0);
		CU_ASSERT_EQUAL(strncmp(branches[i], SIP_HDR_BRANCH_PREFIX,
		    strlen(SIP_HDR_BRANCH_PREFIX)), 0);
		CU_ASSERT_EQUAL(strlen(branches[i]),
		    strlen(SIP_HDR_BRANCH_PREFIX) + 20);
		CU_ASSERT_EQUAL(strspn(branches[i] + 9, "0123456789abcdef"),
		    20);
	}
	for (i = 0; i < nitems(branches); i++)
		for (j = i + 1; j < nitems(branches); j++)
			dup += strcmp(branches[i], branches[j]) == 0;
	CU_ASSERT_EQUAL(dup, 0);

	/* A short buffer gets a terminated prefix, never an overrun. */
	memset(small, 'x', sizeof(small));
	sip_hdr_branch_new(small, sizeof(small));
	CU_ASSERT_TRUE(memchr(small, '\0', sizeof(small)) != NULL);
	CU_ASSERT_EQUAL(strncmp(small, "z9hG4bK", 7), 0);
}

/* A loop-detecting branch: cookie, prefix, hash of the request, random. */
static void
test_loop_branch_hashes_the_request_and_is_still_unique(void)
{
	osip_message_t	*inv, *reg;
	char		 a[SIP_HDR_BRANCH_MAX], b[SIP_HDR_BRANCH_MAX];
	char		 c[SIP_HDR_BRANCH_MAX];

	inv = PARSE_SDP(baresip_invite);
	reg = PARSE(spectralink_register);
	sip_hdr_branch_loop(inv, a, sizeof(a));
	sip_hdr_branch_loop(inv, b, sizeof(b));
	sip_hdr_branch_loop(reg, c, sizeof(c));
	CU_ASSERT_EQUAL(strncmp(a, SIP_HDR_BRANCH_PREFIX "", 9), 0);
	CU_ASSERT_EQUAL(strlen(a), 9 + 16 + 1 + 16);
	CU_ASSERT_EQUAL(a[25], '.');
	CU_ASSERT_STRING_NOT_EQUAL(a, b);
	CU_ASSERT_EQUAL(strncmp(a, b, 26), 0);	/* same request, same hash */
	CU_ASSERT_NOT_EQUAL(strncmp(a, c, 26), 0);
	sip_msg_free(inv);
	sip_msg_free(reg);
}

/* Our Via goes on top in the RFC 3581 shape; the phone's stay below. */
static void
test_via_push_puts_ours_on_top_and_pop_keeps_the_others_in_order(void)
{
	osip_message_t	*m, *again;
	char		 branch[SIP_HDR_BRANCH_MAX], *text, line[128];

	m = PARSE(ringing_180);
	sip_hdr_branch_new(branch, sizeof(branch));
	CU_ASSERT_EQUAL(sip_hdr_via_push(m, "203.0.113.10", 5061, branch), 0);
	text = sip_canned_print(m, &again);
	snprintf(line, sizeof(line), "Via: SIP/2.0/TLS 203.0.113.10:5061;"
	    "branch=%s;rport\r\n", branch);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, line));
	CU_ASSERT_TRUE(ordered(text, line, "branch=z9hG4bKse5f0c6b7e9d8a1b"));
	CU_ASSERT_TRUE(ordered(text, "branch=z9hG4bKse5f0c6b7e9d8a1b",
	    "branch=z9hG4bK3a5e9c1d7f"));
	CU_ASSERT_EQUAL(COUNT(again, vias), 3);
	CU_ASSERT_STRING_EQUAL(sip_hdr_via_branch(again, 0), branch);
	CU_ASSERT_STRING_EQUAL(sip_hdr_via_branch(again, 2),
	    "z9hG4bK3a5e9c1d7f");
	CU_ASSERT_PTR_NULL(sip_hdr_via_branch(again, 3));
	osip_free(text);
	sip_msg_free(again);

	/* Popping ours, then the edge's old one, leaves the phone's Via. */
	CU_ASSERT_EQUAL(sip_hdr_via_pop(m), 0);
	CU_ASSERT_STRING_EQUAL(sip_hdr_via_branch(m, 0),
	    "z9hG4bKse5f0c6b7e9d8a1b2c3d4e");
	CU_ASSERT_EQUAL(sip_hdr_via_pop(m), 0);
	text = sip_canned_print(m, &again);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\r\nVia: SIP/2.0/TLS "
	    "127.0.0.1:41234;branch=z9hG4bK3a5e9c1d7f;received=127.0.0.1;"
	    "rport=50123\r\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "TLS 127.0.0.1:43210"));
	CU_ASSERT_EQUAL(COUNT(again, vias), 1);
	osip_free(text);
	sip_msg_free(again);
	CU_ASSERT_EQUAL(sip_hdr_via_pop(m), 0);
	CU_ASSERT_EQUAL(sip_hdr_via_pop(m), -1);
	CU_ASSERT_PTR_NULL(sip_hdr_via_branch(m, 0));
	sip_msg_free(m);
}

/* An IPv6 sent-by is bracketed, once, whether given with brackets or not. */
static void
test_via_push_brackets_ipv6_once(void)
{
	osip_message_t	*m;
	char		*text;

	m = PARSE(spectralink_register);
	CU_ASSERT_EQUAL(sip_hdr_via_push(m, "2001:db8::10", 5061,
	    "z9hG4bKse0123456789abcdef0123"), 0);
	text = sip_canned_print(m, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Via: SIP/2.0/TLS "
	    "[2001:db8::10]:5061;branch=z9hG4bKse0123456789abcdef0123;"
	    "rport\r\n"));
	osip_free(text);
	CU_ASSERT_EQUAL(sip_hdr_via_pop(m), 0);
	CU_ASSERT_EQUAL(sip_hdr_via_push(m, "[2001:db8::10]", 40000,
	    "z9hG4bKse1"), 0);
	text = sip_canned_print(m, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(text,
	    "Via: SIP/2.0/TLS [2001:db8::10]:40000;branch=z9hG4bKse1;rport\r\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "[["));
	osip_free(text);
	sip_msg_free(m);
}

/*
 * What the edge sent to Kamailio, as it comes back from Kamailio with
 * Kamailio's Via on top: the INVITE received, routes popped, forwarded
 * with a loop branch.
 */
static osip_message_t *
came_back(const char *ruri, const char *via_host)
{
	struct sip_hdr_routed	 routed;
	osip_message_t		*m, *back;
	char			 branch[SIP_HDR_BRANCH_MAX], *text;

	m = PARSE_SDP(baresip_invite);
	CU_ASSERT_EQUAL(sip_hdr_routes_pop_self(m, &phone_side, &routed), 1);
	CU_ASSERT_FALSE(sip_hdr_via_loops(m, &phone_side));
	sip_hdr_branch_loop(m, branch, sizeof(branch));
	CU_ASSERT_EQUAL(sip_hdr_via_push(m, via_host, 43210, branch), 0);
	text = sip_canned_print(m, &back);
	osip_free(text);
	sip_msg_free(m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	CU_ASSERT_EQUAL(sip_hdr_via_push(back, "127.0.0.1", 5070,
	    "z9hG4bKe1f.0bd8a1c4"), 0);
	if (ruri != NULL)
		CU_ASSERT_EQUAL(sip_hdr_set_request_uri(back, ruri), 0);
	return back;
}

/*
 * RFC 3261 §16.3 item 4: our own Via (our host, our branch) on a request
 * that came back unchanged is a loop (482); the same request retargeted
 * by the carrier to another phone behind the edge is a spiral and passes.
 */
static void
test_via_loops_detects_our_own_branch_and_host_but_not_a_spiral(void)
{
	osip_message_t	*m;

	m = came_back(NULL, "127.0.0.1");
	CU_ASSERT_TRUE(sip_hdr_via_loops(m, &carrier_side));
	/* Any of the edge's names counts, on any connection. */
	CU_ASSERT_TRUE(sip_hdr_via_loops(m, &phone_side));
	sip_msg_free(m);

	m = came_back(NULL, "EDGE.example.net");
	CU_ASSERT_TRUE(sip_hdr_via_loops(m, &carrier_side));
	sip_msg_free(m);

	/* Phone to phone through the carrier: the carrier's lookup retargets. */
	m = came_back("sip:" TOKEN_B "@127.0.0.1:43210;transport=tls;"
	    "sipedge=r", "127.0.0.1");
	CU_ASSERT_FALSE(sip_hdr_via_loops(m, &carrier_side));
	sip_msg_free(m);

	/* Another edge (same software, other host) is not us. */
	m = came_back(NULL, "198.51.100.20");
	CU_ASSERT_FALSE(sip_hdr_via_loops(m, &carrier_side));
	sip_msg_free(m);

	/* Our prefix on a phone's Via (or a plain random branch) is no loop. */
	m = PARSE(spectralink_register);
	CU_ASSERT_EQUAL(sip_hdr_via_push(m, "127.0.0.1", 43210,
	    "z9hG4bKse0123456789abcdef0123"), 0);
	CU_ASSERT_FALSE(sip_hdr_via_loops(m, &carrier_side));
	sip_msg_free(m);
}

/* Max-Forwards lines in the printed message; -1 if one is not value. */
static int
max_forwards_lines(osip_message_t *m, const char *value)
{
	char		*text, *p, want[32];
	int		 n = 0;

	text = sip_canned_print(m, NULL);
	snprintf(want, sizeof(want), "%s\r\n", value);
	for (p = text; (p = strcasestr(p, "\r\nMax-Forwards:")) != NULL; n++) {
		p += 15;
		p += strspn(p, " ");
		if (strncmp(p, want, strlen(want)) != 0)
			n = -1000;
	}
	osip_free(text);
	return n < 0 ? -1 : n;
}

/* RFC 3261 §16.6 item 3: absent means 70; 0 must not be forwarded. */
static void
test_max_forwards_absent_one_and_zero(void)
{
	const char	*lines[nitems(spectralink_register)];
	osip_message_t	*m;

	memcpy(lines, spectralink_register, sizeof(lines));
	lines[2] = "User-Agent: Spectralink 84-Series 6.4.1";
	m = PARSE(lines);
	CU_ASSERT_PTR_NULL(sip_msg_header(m, "Max-Forwards"));
	CU_ASSERT_EQUAL(sip_hdr_max_forwards(m), 70);
	CU_ASSERT_STRING_EQUAL(sip_msg_header(m, "Max-Forwards"), "69");
	sip_msg_free(m);

	m = PARSE(spectralink_register);
	CU_ASSERT_EQUAL(sip_hdr_max_forwards(m), 70);
	CU_ASSERT_STRING_EQUAL(sip_msg_header(m, "Max-Forwards"), "69");
	sip_msg_free(m);

	lines[2] = "Max-Forwards: 1";
	m = PARSE(lines);
	CU_ASSERT_EQUAL(sip_hdr_max_forwards(m), 1);
	CU_ASSERT_STRING_EQUAL(sip_msg_header(m, "Max-Forwards"), "0");
	/* The same request a hop later: too many hops. */
	CU_ASSERT_EQUAL(sip_hdr_max_forwards(m), 0);
	CU_ASSERT_STRING_EQUAL(sip_msg_header(m, "Max-Forwards"), "0");
	sip_msg_free(m);

	lines[2] = "Max-Forwards: 0";
	m = PARSE(lines);
	CU_ASSERT_EQUAL(sip_hdr_max_forwards(m), 0);
	CU_ASSERT_STRING_EQUAL(sip_msg_header(m, "Max-Forwards"), "0");
	sip_msg_free(m);

	/* Empty or garbage counts as absent, and leaves one header, not two. */
	lines[2] = "Max-Forwards:";
	m = PARSE(lines);
	CU_ASSERT_EQUAL(sip_hdr_max_forwards(m), 70);
	CU_ASSERT_EQUAL(max_forwards_lines(m, "69"), 1);
	sip_msg_free(m);
	lines[2] = "Max-Forwards: seventy";
	m = PARSE(lines);
	CU_ASSERT_EQUAL(sip_hdr_max_forwards(m), 70);
	CU_ASSERT_EQUAL(max_forwards_lines(m, "69"), 1);
	sip_msg_free(m);
	lines[2] = "Max-Forwards: 4000";
	m = PARSE(lines);
	CU_ASSERT_EQUAL(sip_hdr_max_forwards(m), 255);
	CU_ASSERT_EQUAL(max_forwards_lines(m, "254"), 1);
	sip_msg_free(m);
}

/*
 * A phone's preloaded Route to the edge, our phone-facing and carrier-
 * facing Record-Route entries: popped, with what they carried; the first
 * foreign Route (Kamailio on the same host, another port) stops it.
 */
static void
test_routes_pop_self_pops_only_leading_edge_entries(void)
{
	const char *const	 lines[] = {
		"BYE sip:bob-0x77a1@127.0.0.1:39876;transport=tls SIP/2.0",
		"Via: SIP/2.0/TLS 127.0.0.1:41234;branch=z9hG4bK77d1;rport",
		"Route: <sip:127.0.0.1:5061;transport=tls;lr>",
		"Route: <sip:" TOKEN_A "@edge.example.net;transport=tls;lr;"
		    "sipedge=p>",
		("Route: <sip:[2001:db8::5]:40000;transport=tls;lr;"
		    "sipedge=c-dustel>"),
		"Route: <sip:127.0.0.1:5070;transport=tls;lr>",
		"Route: <sip:127.0.0.1:5061;transport=tls;lr>",
		"Max-Forwards: 70",
		"To: <sip:bob@carrier.test>;tag=f04e1c2d",
		"From: \"alice\" <sip:alice@carrier.test>;tag=1c8b7a2e5f",
		"Call-ID: 4d7f3c2a9b1e6f08",
		"CSeq: 22082 BYE",
		"Content-Length: 0",
	};
	struct sip_hdr_routed	 r;
	osip_message_t		*m;

	m = PARSE(lines);
	CU_ASSERT_EQUAL(sip_hdr_routes_pop_self(m, &phone_side, &r), 3);
	CU_ASSERT_EQUAL(r.n_popped, 3);
	CU_ASSERT_STRING_EQUAL(r.token, TOKEN_A);
	CU_ASSERT_STRING_EQUAL(r.carrier, "dustel");
	CU_ASSERT_EQUAL(COUNT(m, routes), 2);
	CU_ASSERT_STRING_EQUAL(entry_uri(&m->routes, 0),
	    "sip:127.0.0.1:5070;transport=tls;lr");
	CU_ASSERT_STRING_EQUAL(entry_uri(&m->routes, 1),
	    "sip:127.0.0.1:5061;transport=tls;lr");

	/* A foreign Route on top: nothing is popped, nothing reported. */
	CU_ASSERT_EQUAL(sip_hdr_routes_pop_self(m, &phone_side, &r), 0);
	CU_ASSERT_STRING_EQUAL(r.token, "");
	CU_ASSERT_STRING_EQUAL(r.carrier, "");
	CU_ASSERT_EQUAL(COUNT(m, routes), 2);
	sip_msg_free(m);

	/* The baresip INVITE: its preloaded Route names the connection. */
	m = PARSE_SDP(baresip_invite);
	CU_ASSERT_EQUAL(sip_hdr_routes_pop_self(m, &phone_side, &r), 1);
	CU_ASSERT_STRING_EQUAL(r.token, "");
	CU_ASSERT_EQUAL(COUNT(m, routes), 0);
	CU_ASSERT_EQUAL(sip_hdr_routes_pop_self(m, &phone_side, &r), 0);
	sip_msg_free(m);
}

/* Which URIs are the edge's own. */
static void
test_uri_is_self_and_host_is_self_ignore_case_and_ipv6_brackets(void)
{
	static const struct {
		const char	*uri;
		int		 host_self, uri_self;
	} cases[] = {
		{ "sip:EDGE.Example.NET:5061;transport=tls", 1, 1 },
		{ "sip:edge.example.net", 1, 1 },
		{ "sip:edge.example.net:5070;lr", 1, 0 },
		{ "sip:edge.example.net:5070;lr;sipedge=c-kam", 1, 1 },
		{ "sip:" TOKEN_A "@edge.example.net:9;sipedge=p", 1, 1 },
		{ "sip:[2001:db8::5]:5061", 1, 1 },
		{ "sip:[2001:DB8:0:0::5]:5061", 1, 1 },
		{ "sip:[2001:db8::6]:5061", 0, 0 },
		{ "sip:127.0.0.1:5061;lr", 1, 1 },
		{ "sip:127.0.0.1:5070;lr", 1, 0 },
		{ "sip:127.0.0.2:5061;lr", 0, 0 },
		{ "sip:10.0.0.5:40000;lr", 1, 0 },
		{ "sip:10.0.0.50:5061", 0, 0 },
		{ "sip:edge.example.net.evil.test:5061", 0, 0 },
		/* Our mark on someone else's host is not ours. */
		{ "sip:" TOKEN_A "@carrier.test;sipedge=p", 0, 0 },
	};
	const struct sip_hdr_self	v6 = { .local_host = "::1",
					    .local_port = 5061 };
	osip_uri_t			*u;
	size_t				 i;

	for (i = 0; i < nitems(cases); i++) {
		u = uri(cases[i].uri);
		if (sip_hdr_host_is_self(u, &phone_side) !=
		    cases[i].host_self ||
		    sip_hdr_uri_is_self(u, &phone_side) != cases[i].uri_self) {
			fprintf(stderr, "%s: host %d uri %d\n", cases[i].uri,
			    sip_hdr_host_is_self(u, &phone_side),
			    sip_hdr_uri_is_self(u, &phone_side));
			CU_FAIL("self");
		}
		osip_uri_free(u);
	}
	u = uri("sip:[::1]:5061;transport=tls");
	CU_ASSERT_TRUE(sip_hdr_uri_is_self(u, &v6));
	osip_uri_free(u);
	u = uri("sip:[0:0::1]:5062");
	CU_ASSERT_TRUE(sip_hdr_host_is_self(u, &v6));
	CU_ASSERT_FALSE(sip_hdr_uri_is_self(u, &v6));
	osip_uri_free(u);
	CU_ASSERT_FALSE(sip_hdr_host_is_self(NULL, &phone_side));
	CU_ASSERT_FALSE(sip_hdr_uri_is_self(NULL, &phone_side));

	u = uri("sip:127.0.0.1;lr;SIPEDGE=c-dustel");
	CU_ASSERT_STRING_EQUAL(sip_hdr_uri_mark(u), "c-dustel");
	osip_uri_free(u);
	u = uri("sip:127.0.0.1;lr");
	CU_ASSERT_PTR_NULL(sip_hdr_uri_mark(u));
	osip_uri_free(u);
}

/* Two pushes: the second is on top, above what Kamailio had added. */
static void
test_rr_push_puts_the_second_push_on_top(void)
{
	const char	*rp = "sip:" TOKEN_A "@127.0.0.1:5061;transport=tls;lr;"
	    "sipedge=p";
	const char	*rc = "sip:127.0.0.1:43210;transport=tls;lr;"
	    "sipedge=c-kam";
	osip_message_t	*m, *again;
	osip_body_t	*body;
	char		*text;

	/* From the phone: phone-facing first, then the carrier-facing one. */
	m = PARSE_SDP(baresip_invite);
	CU_ASSERT_EQUAL(sip_hdr_rr_push(m, rp), 0);
	CU_ASSERT_EQUAL(sip_hdr_rr_push(m, rc), 0);
	text = sip_canned_print(m, &again);
	CU_ASSERT_TRUE(ordered(text, "Record-Route: <sip:127.0.0.1:43210;",
	    "Record-Route: <sip:" TOKEN_A "@"));
	CU_ASSERT_EQUAL(COUNT(again, record_routes), 2);
	CU_ASSERT_STRING_EQUAL(entry_uri(&again->record_routes, 0), rc);
	CU_ASSERT_STRING_EQUAL(entry_uri(&again->record_routes, 1), rp);
	body = osip_list_get(&again->bodies, 0);
	CU_ASSERT_TRUE(body != NULL && strcmp(body->body, baresip_sdp) == 0);
	osip_free(text);
	sip_msg_free(again);
	sip_msg_free(m);

	/* Towards a phone, above the entries already there. */
	m = PARSE(ringing_180);
	CU_ASSERT_EQUAL(sip_hdr_rr_push(m, "sip:" TOKEN_B "@127.0.0.1:5061;"
	    "transport=tls;lr;sipedge=p"), 0);
	CU_ASSERT_EQUAL(COUNT(m, record_routes), 4);
	CU_ASSERT_STRING_EQUAL(entry_uri(&m->record_routes, 0), "sip:" TOKEN_B
	    "@127.0.0.1:5061;transport=tls;lr;sipedge=p");
	CU_ASSERT_STRING_EQUAL(entry_uri(&m->record_routes, 1),
	    "sip:127.0.0.1:5070;transport=tls;lr");
	CU_ASSERT_EQUAL(sip_hdr_rr_push(m, "not a uri"), -1);
	CU_ASSERT_EQUAL(COUNT(m, record_routes), 4);
	sip_msg_free(m);
}

/* RFC 3327: Path goes on top too. */
static void
test_path_push_puts_the_second_push_on_top(void)
{
	osip_message_t	*m;
	char		*text;

	m = PARSE(spectralink_register);
	CU_ASSERT_EQUAL(sip_hdr_path_push(m, "sip:10.0.0.9;lr"), 0);
	CU_ASSERT_EQUAL(sip_hdr_path_push(m, "sip:" TOKEN_A
	    "@127.0.0.1:43210;transport=tls;lr;ob;sipedge=p"), 0);
	text = sip_canned_print(m, NULL);
	CU_ASSERT_TRUE(ordered(text, "Path: <sip:" TOKEN_A "@127.0.0.1:43210;"
	    "transport=tls;lr;ob;sipedge=p>\r\n", "Path: <sip:10.0.0.9;lr>"));
	osip_free(text);
	sip_msg_free(m);
}

/* An AOR string from a To/From header. */
static char *
aor_of(const char *header)
{
	osip_from_t	*h;
	char		*s;

	CU_ASSERT_EQUAL_FATAL(osip_from_init(&h), 0);
	CU_ASSERT_EQUAL_FATAL(osip_from_parse(h, header), 0);
	s = sip_hdr_aor(h);
	osip_from_free(h);
	return s;
}

/* Scheme and host are case-insensitive, the user part is not (§19.1.4). */
static void
test_aor_normalises_scheme_and_host_but_keeps_user_case(void)
{
	static const struct {
		const char	*header, *aor;
	} cases[] = {
		{ "\"Alice\" <SIP:Alice@Carrier.TEST:5061;transport=tls>;tag=1",
		    "sip:Alice@carrier.test" },
		{ "<sips:Bob.Smith@EXAMPLE.com>", "sips:Bob.Smith@example.com" },
		{ "sip:+4930123456@Carrier.Test;user=phone",
		    "sip:+4930123456@carrier.test" },
		{ "<sip:bob@[2001:DB8::1]:5061>", "sip:bob@[2001:db8::1]" },
		{ "<sip:Carrier.TEST>", "sip:carrier.test" },
	};
	osip_message_t	*m;
	char		*s;
	size_t		 i;

	for (i = 0; i < nitems(cases); i++) {
		s = aor_of(cases[i].header);
		CU_ASSERT_PTR_NOT_NULL(s);
		if (s != NULL && strcmp(s, cases[i].aor) != 0) {
			fprintf(stderr, "aor %s: %s\n", cases[i].header, s);
			CU_FAIL("aor");
		}
		free(s);
	}
	CU_ASSERT_PTR_NULL(sip_hdr_aor(NULL));
	s = aor_of("<tel:+4930123456>");
	CU_ASSERT_PTR_NULL(s);
	free(s);

	m = PARSE(spectralink_register);
	s = sip_hdr_aor(m->to);
	CU_ASSERT_STRING_EQUAL(s, "sip:Alice@carrier.test");
	free(s);
	sip_msg_free(m);
}

/* To tag, Request-URI replacement and its host. */
static void
test_to_tag_and_request_uri(void)
{
	osip_message_t	*inv, *ring;

	inv = PARSE_SDP(baresip_invite);
	ring = PARSE(ringing_180);
	CU_ASSERT_PTR_NULL(sip_hdr_to_tag(inv));
	CU_ASSERT_STRING_EQUAL(sip_hdr_to_tag(ring), "f04e1c2d");
	CU_ASSERT_STRING_EQUAL(sip_hdr_ruri_host(inv), "carrier.test");
	CU_ASSERT_PTR_NULL(sip_hdr_ruri_host(ring));
	CU_ASSERT_EQUAL(sip_hdr_set_request_uri(inv,
	    "sip:alice@192.168.1.50:5062;transport=tls"), 0);
	CU_ASSERT_STRING_EQUAL(sip_hdr_ruri_host(inv), "192.168.1.50");
	CU_ASSERT_EQUAL(sip_hdr_set_request_uri(inv, "<<"), -1);
	CU_ASSERT_STRING_EQUAL(sip_canned_uri_text(inv->req_uri),
	    "sip:alice@192.168.1.50:5062;transport=tls");
	sip_msg_free(ring);
	sip_msg_free(inv);
}

/* The INVITE as the edge sent it, from canned text. */
static osip_message_t *
sent_invite(void)
{
	return PARSE_SDP(edge_invite_out);
}

/* The hop-by-hop fields both CANCEL and ACK copy from the INVITE. */
static void
check_hop_request(osip_message_t *m, const char *method)
{
	osip_via_t	*via;

	CU_ASSERT_STRING_EQUAL(m->sip_method, method);
	CU_ASSERT_STRING_EQUAL(sip_canned_uri_text(m->req_uri),
	    "sip:bob@carrier.test");
	CU_ASSERT_EQUAL(COUNT(m, vias), 1);
	CU_ASSERT_STRING_EQUAL(sip_hdr_via_branch(m, 0),
	    "z9hG4bKse5f0c6b7e9d8a1b2c3d4e");
	via = osip_list_get(&m->vias, 0);
	CU_ASSERT_STRING_EQUAL(via->host, "127.0.0.1");
	CU_ASSERT_STRING_EQUAL(via->port, "43210");
	CU_ASSERT_STRING_EQUAL(sip_canned_uri_text(m->from->url),
	    "sip:alice@carrier.test");
	CU_ASSERT_STRING_EQUAL(m->from->displayname, "\"alice\"");
	CU_ASSERT_STRING_EQUAL(tag_of(m->from), "1c8b7a2e5f");
	CU_ASSERT_STRING_EQUAL(sip_msg_call_id(m), "4d7f3c2a9b1e6f08");
	CU_ASSERT_STRING_EQUAL(m->cseq->number, "22081");
	CU_ASSERT_STRING_EQUAL(m->cseq->method, method);
	CU_ASSERT_EQUAL(COUNT(m, routes), 1);
	CU_ASSERT_STRING_EQUAL(entry_uri(&m->routes, 0),
	    "sip:127.0.0.1:5070;transport=tls;lr");
	CU_ASSERT_STRING_EQUAL(sip_msg_header(m, "Max-Forwards"), "70");
	CU_ASSERT_EQUAL(COUNT(m, bodies), 0);
	CU_ASSERT_PTR_NULL(m->content_type);
	CU_ASSERT_EQUAL(COUNT(m, contacts), 0);
	CU_ASSERT_EQUAL(COUNT(m, record_routes), 0);
}

/* RFC 3261 §9.1: CANCEL matches the INVITE hop by hop. */
static void
test_build_cancel_matches_the_forwarded_invite(void)
{
	osip_message_t	*inv, *cancel, *again;
	char		*text;

	inv = sent_invite();
	cancel = sip_hdr_build_cancel(inv);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cancel);
	check_hop_request(cancel, "CANCEL");
	CU_ASSERT_PTR_NULL(sip_hdr_to_tag(cancel));
	CU_ASSERT_STRING_EQUAL(sip_canned_uri_text(cancel->to->url),
	    "sip:bob@carrier.test");

	text = sip_canned_print(cancel, &again);
	CU_ASSERT_EQUAL(strncmp(text, "CANCEL sip:bob@carrier.test SIP/2.0\r\n",
	    37), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\r\nContent-Length: 0\r\n\r\n"));
	CU_ASSERT_EQUAL(strlen(strstr(text, "\r\n\r\n")), 4);	/* no body */
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\r\nCSeq: 22081 CANCEL\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\r\nTo: <sip:bob@carrier.test>\r\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "a=crypto"));
	CU_ASSERT_PTR_NULL(strstr(text, "41234"));	/* only our Via */
	CU_ASSERT_PTR_NOT_NULL_FATAL(again);
	check_hop_request(again, "CANCEL");
	osip_free(text);
	sip_msg_free(again);
	sip_msg_free(cancel);
	sip_msg_free(inv);
}

/* RFC 3261 §17.1.1.3: the ACK for a non-2xx takes the response's To. */
static void
test_build_ack_takes_to_with_tag_from_the_response(void)
{
	osip_message_t	*inv, *resp, *ack, *again;
	char		*text;

	inv = sent_invite();
	resp = PARSE(kamailio_407);
	ack = sip_hdr_build_ack(inv, resp);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ack);
	check_hop_request(ack, "ACK");
	CU_ASSERT_STRING_EQUAL(sip_hdr_to_tag(ack),
	    "a6a1c5f60faecf035a1ae5b6e96e979a-7e21");
	text = sip_canned_print(ack, &again);
	CU_ASSERT_EQUAL(strncmp(text, "ACK sip:bob@carrier.test SIP/2.0\r\n",
	    34), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\r\nCSeq: 22081 ACK\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\r\nTo: <sip:bob@carrier.test>;"
	    "tag=a6a1c5f60faecf035a1ae5b6e96e979a-7e21\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\r\nContent-Length: 0\r\n\r\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "Proxy-Authenticate"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(again);
	check_hop_request(again, "ACK");
	CU_ASSERT_STRING_EQUAL(sip_hdr_to_tag(again),
	    "a6a1c5f60faecf035a1ae5b6e96e979a-7e21");
	osip_free(text);
	sip_msg_free(again);
	sip_msg_free(ack);
	sip_msg_free(resp);
	sip_msg_free(inv);
}

void
test_sip_hdr_register(void)
{
	CU_pSuite	s = unit_suite("sip_hdr");

	UNIT_TEST(s, test_branch_has_magic_cookie_and_our_prefix_and_is_unique);
	UNIT_TEST(s, test_loop_branch_hashes_the_request_and_is_still_unique);
	UNIT_TEST(s,
	    test_via_push_puts_ours_on_top_and_pop_keeps_the_others_in_order);
	UNIT_TEST(s, test_via_push_brackets_ipv6_once);
	UNIT_TEST(s,
	    test_via_loops_detects_our_own_branch_and_host_but_not_a_spiral);
	UNIT_TEST(s, test_max_forwards_absent_one_and_zero);
	UNIT_TEST(s, test_routes_pop_self_pops_only_leading_edge_entries);
	UNIT_TEST(s,
	    test_uri_is_self_and_host_is_self_ignore_case_and_ipv6_brackets);
	UNIT_TEST(s, test_rr_push_puts_the_second_push_on_top);
	UNIT_TEST(s, test_path_push_puts_the_second_push_on_top);
	UNIT_TEST(s, test_aor_normalises_scheme_and_host_but_keeps_user_case);
	UNIT_TEST(s, test_to_tag_and_request_uri);
	UNIT_TEST(s, test_build_cancel_matches_the_forwarded_invite);
	UNIT_TEST(s, test_build_ack_takes_to_with_tag_from_the_response);
}
