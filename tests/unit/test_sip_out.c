/*
 * test_sip_out.c: forwarded messages go out as they came in (RFC 3261
 * §16.6), but for what the edge changed: header order, spelling, folding
 * and the body byte for byte; and what sip_msg_parse_code says about the
 * start lines and header bytes of RFC 4475's torture messages.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_contact.h"
#include "sip_hdr.h"
#include "sip_msg.h"
#include "unit.h"
#include "util.h"

/* A request with every oddity RFC 4475 §3.1.1.1 and §3.1.1.11 carry. */
static const char odd_invite[] =
    "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\r\n"
    "TO :\r\n"
    " sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n"
    "from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n"
    "  ;\r\n"
    "  tag = 98asjd8\r\n"
    "MaX-fOrWaRdS: 0068\r\n"
    "Call-ID: wsinv.ndaksdj@192.0.2.1\r\n"
    "Content-Length   : 150\r\n"
    "cseq: 0009\r\n"
    "  INVITE\r\n"
    "Via  : SIP  /   2.0\r\n"
    " /UDP\r\n"
    "    192.0.2.2;branch=390skdjuw\r\n"
    "s :\r\n"
    "NewFangledHeader:   newfangled value\r\n"
    " continued newfangled value\r\n"
    "UnknownHeaderWithUnusualValue: ;;,,;;,;\r\n"
    "Content-Type: application/sdp\r\n"
    "Route:\r\n"
    " <sip:services.example.com;lr;unknownwith=value;unknown-no-value>\r\n"
    "v:  SIP  / 2.0  / TCP     spindle.example.com   ;\r\n"
    "  branch  =   z9hG4bK9ikj8  ,\r\n"
    " SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n"
    " z9hG4bK30239\r\n"
    "m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n"
    "      newvalue ;\r\n"
    "  secondparam ; q = 0.33\r\n"
    "\r\n"
    "v=0\r\n"
    "o=mhandley 29739 7272939 IN IP4 192.0.2.3\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.4\r\n"
    "t=0 0\r\n"
    "m=audio 49217 RTP/AVP 0 12\r\n"
    "m=video 3227 RTP/AVP 31\r\n"
    "a=rtpmap:31 LPC\r\n";

/* Parse a NUL-terminated message or fail the test. */
static osip_message_t *
parse(const char *text, size_t len)
{
	char		 why[256];
	osip_message_t	*m = sip_msg_parse(text, len, why, sizeof(why));

	if (m == NULL)
		fprintf(stderr, "parse: %s\n", why);
	return m;
}

/* Print a message, which must parse again. */
static char *
print(osip_message_t *m, size_t *len)
{
	osip_message_t	*again;
	char		*out;

	if (sip_msg_serialize(m, &out, len) != 0)
		return NULL;
	again = sip_msg_parse(out, *len, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL(again);
	sip_msg_free(again);
	return out;
}

/* Whether every line of want appears in have, in the same order. */
static int
lines_in_order(const char *have, const char *const *want, size_t n)
{
	const char	*p = have;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if ((p = strstr(p, want[i])) == NULL) {
			fprintf(stderr, "missing or out of order: %s\n",
			    want[i]);
			return 0;
		}
		p += strlen(want[i]);
	}
	return 1;
}

/* The edits proxy_forward makes to a request from a phone. */
static void
forward_edits(osip_message_t *m)
{
	struct sockaddr_in	sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(40312);
	inet_pton(AF_INET, "192.0.2.99", &sin.sin_addr);
	CU_ASSERT_EQUAL(sip_msg_via_received(m, (struct sockaddr *)&sin), 0);
	CU_ASSERT_TRUE(sip_hdr_max_forwards(m) > 0);
	CU_ASSERT_EQUAL(sip_hdr_rr_push(m,
	    "sip:tok@127.0.0.1:5061;transport=tls;lr"), 0);
	CU_ASSERT_EQUAL(sip_hdr_via_push(m, "127.0.0.1", 43210,
	    "z9hG4bKsetest"), 0);
}

/*
 * RFC 4475 wsinv forwarded: what the edge did not touch keeps its
 * spelling, folding, place and bytes; what it changed is printed where
 * it stood; the body is the body.
 */
static void
test_forward_keeps_untouched_headers_and_body(void)
{
	static const char *const kept[] = {
		"INVITE sip:vivekg@chair-dnrc.example.com;unknownparam "
		    "SIP/2.0\r\n",
		"TO :\r\n sip:vivekg@chair-dnrc.example.com ;   tag    = "
		    "1918181833n\r\n",
		"from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example."
		    "com>\r\n  ;\r\n  tag = 98asjd8\r\n",
		"MaX-fOrWaRdS: 67\r\n",
		"Call-ID: wsinv.ndaksdj@192.0.2.1\r\n",
		"Content-Length   : 150\r\n",
		"cseq: 0009\r\n  INVITE\r\n",
		"Via: SIP/2.0/TLS 127.0.0.1:43210;branch=z9hG4bKsetest;rport\r\n"
		    "Via: SIP/2.0/UDP 192.0.2.2;branch=390skdjuw;"
		    "received=192.0.2.99;rport=40312\r\n",
		"s :\r\n",
		"NewFangledHeader:   newfangled value\r\n"
		    " continued newfangled value\r\n",
		"UnknownHeaderWithUnusualValue: ;;,,;;,;\r\n",
		"Content-Type: application/sdp\r\n",
		"Route:\r\n <sip:services.example.com;lr;unknownwith=value;"
		    "unknown-no-value>\r\n",
		/* The Vias below the phone's are not the edge's to touch. */
		"v:  SIP  / 2.0  / TCP     spindle.example.com   ;\r\n"
		    "  branch  =   z9hG4bK9ikj8  ,\r\n"
		    " SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n"
		    " z9hG4bK30239\r\n",
		"m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; "
		    "newparam =\r\n      newvalue ;\r\n  secondparam ; q = "
		    "0.33\r\n\r\nv=0\r\n",
	};
	osip_message_t	*m;
	const char	*body = strstr(odd_invite, "\r\n\r\n") + 4;
	char		*out;
	size_t		 len;

	m = parse(odd_invite, sizeof(odd_invite) - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	forward_edits(m);
	out = print(m, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	/* The edge's Record-Route goes first; every Via where the first was. */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "SIP/2.0\r\nRecord-Route: "
	    "<sip:tok@127.0.0.1:5061;transport=tls;lr>\r\nTO :"));
	CU_ASSERT_TRUE(lines_in_order(out, kept, nitems(kept)));
	CU_ASSERT_EQUAL(strcmp(strstr(out, "\r\n\r\n") + 4, body), 0);
	CU_ASSERT_EQUAL(len, strlen(out));
	osip_free(out);

	/* Nothing changed: byte for byte what came in. */
	sip_msg_free(m);
	m = parse(odd_invite, sizeof(odd_invite) - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	out = print(m, &len);
	CU_ASSERT_TRUE(out != NULL && len == sizeof(odd_invite) - 1 &&
	    memcmp(out, odd_invite, len) == 0);
	osip_free(out);
	sip_msg_free(m);
}

/*
 * RFC 4475 mpart01: a multipart body, which an Identity header signs,
 * arrives as it was sent; libosip2 alone adds a CRLF and lowercases the
 * parts' headers.
 */
static void
test_forward_keeps_multipart_body(void)
{
	static const char	msg[] =
	    "MESSAGE sip:kumiko@example.org SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-d87543-4;rport\r\n"
	    "Max-Forwards: 70\r\n"
	    "Identity: r5mwreLuyDRYBi/0TiPwEsY3rEVsk/G2WxhgTV1PF7hHuLIK0Y=\r\n"
	    "To: <sip:kumiko@example.org>\r\n"
	    "From: <sip:fluffy@example.com>;tag=2fb0dcc9\r\n"
	    "Call-ID: 3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..\r\n"
	    "CSeq: 1 MESSAGE\r\n"
	    "Content-Transfer-Encoding: binary\r\n"
	    "Content-Type: multipart/mixed;boundary=7a9cbec02ceef655\r\n"
	    "Content-Length: 178\r\n"
	    "\r\n"
	    "--7a9cbec02ceef655\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Transfer-Encoding: binary\r\n"
	    "\r\n"
	    "Hello\r\n"
	    "--7a9cbec02ceef655\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "Content-Transfer-Encoding: binary\r\n"
	    "\r\n"
	    "\x01\x02\r\n"
	    "--7a9cbec02ceef655--\r\n";
	osip_message_t	*m;
	char		*out;
	size_t		 len;

	m = parse(msg, sizeof(msg) - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	forward_edits(m);
	out = print(m, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_EQUAL(strcmp(strstr(out, "\r\n\r\n"), strstr(msg,
	    "\r\n\r\n")), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\r\nIdentity: r5mwreLuyDRYBi/0Ti"
	    "PwEsY3rEVsk/G2WxhgTV1PF7hHuLIK0Y=\r\nTo: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\r\nContent-Transfer-Encoding: "
	    "binary\r\nContent-Type: multipart/mixed;boundary=7a9cbec02ceef655"
	    "\r\nContent-Length: 178\r\n\r\n"));
	osip_free(out);
	sip_msg_free(m);
}

/* An emergency INVITE (RFC 6442): SDP beside the caller's location. */
static const char located_invite[] =
    "INVITE sip:112@carrier.test SIP/2.0\r\n"
    "Via: SIP/2.0/TLS 192.0.2.10:5062;branch=z9hG4bK-loc-1\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:alice@carrier.test>;tag=ph1\r\n"
    "To: <sip:112@carrier.test>\r\n"
    "Call-ID: loc-1@phone\r\n"
    "CSeq: 1 INVITE\r\n"
    "Geolocation: <cid:loc1@phone>\r\n"
    "Content-Type: multipart/mixed;boundary=\"b-1\"\r\n"
    "Content-Length: 205\r\n"
    "\r\n"
    "--b-1\r\n"
    "Content-Type: application/sdp\r\n"
    "\r\n"
    "v=0\r\n"
    "o=- 1 1 IN IP4 192.0.2.10\r\n"
    "c=IN IP4 192.0.2.10\r\n"
    "m=audio 4000 RTP/AVP 0\r\n"
    "\r\n"
    "--b-1\r\n"
    "Content-Type: application/pidf+xml\r\n"
    "Content-ID: <loc1@phone>\r\n"
    "\r\n"
    "<presence entity=\"pres:alice@carrier.test\"/>\r\n"
    "--b-1--\r\n";

/* m printed: from its empty line on, the bytes of text it came from. */
static void
body_goes_as_it_came(osip_message_t *m, const char *text)
{
	char	*out;
	size_t	 len;

	out = print(m, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_EQUAL(strcmp(strstr(out, "\r\n\r\n"),
	    strstr(text, "\r\n\r\n")), 0);
	osip_free(out);
}

/*
 * A multipart body is kept as its parts, each with its own type (so the
 * SDP part can be rewritten), and forwards unchanged as it came.
 */
static void
test_multipart_parts_are_split_and_forward_unchanged(void)
{
	osip_message_t	*m;
	osip_body_t	*b;

	m = parse(located_invite, sizeof(located_invite) - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL_FATAL(osip_list_size(&m->bodies), 2);
	b = osip_list_get(&m->bodies, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b->content_type);
	CU_ASSERT_STRING_EQUAL(b->content_type->subtype, "sdp");
	CU_ASSERT_EQUAL(b->length, strlen("v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\n"
	    "c=IN IP4 192.0.2.10\r\nm=audio 4000 RTP/AVP 0\r\n"));
	b = osip_list_get(&m->bodies, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b->content_type);
	CU_ASSERT_STRING_EQUAL(b->content_type->subtype, "pidf+xml");
	CU_ASSERT_EQUAL(strncmp(b->body, "<presence", 9), 0);
	forward_edits(m);
	body_goes_as_it_came(m, located_invite);
	sip_msg_free(m);
}

/* The SDP part rewritten: the location part goes out as it came. */
static void
test_multipart_with_a_new_sdp_part_keeps_the_others(void)
{
	static const char	 sdp[] = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"
	    "c=IN IP4 127.0.0.1\r\nm=audio 20000 RTP/SAVP 0\r\n";
	osip_message_t		*m, *again;
	osip_body_t		*b;
	char			*out, *body;
	size_t			 len;

	m = parse(located_invite, sizeof(located_invite) - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	b = osip_list_get(&m->bodies, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	osip_free(b->body);
	b->body = osip_strdup(sdp);
	b->length = strlen(sdp);
	out = print(m, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	body = strstr(out, "\r\n\r\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_PTR_NOT_NULL(strstr(body, sdp));
	CU_ASSERT_PTR_NULL(strstr(body, "192.0.2.10"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "Content-ID: <loc1@phone>\r\n\r\n"
	    "<presence entity=\"pres:alice@carrier.test\"/>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "--b-1--"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Geolocation: <cid:loc1@phone>\r\n"));
	/* It parses again, into the same two parts. */
	again = parse(out, len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(again);
	CU_ASSERT_EQUAL(osip_list_size(&again->bodies), 2);
	sip_msg_free(again);
	osip_free(out);
	sip_msg_free(m);
}

/*
 * A body that is not the multipart its type says (no such boundary, no
 * close delimiter, a boundary over 70 characters, a part with two types,
 * which libosip2 would leak) is kept whole, as one body, and still
 * forwards as it came.
 */
static void
test_a_broken_multipart_is_kept_whole(void)
{
	static const char *const	 from[] = { "boundary=\"b-1\"",
	    "--b-1--\r\n", "boundary=\"b-1\"",
	    "Content-ID: <loc1@phone>\r\n" };
	static const char *const	 to[] = { "boundary=\"b-2\"",
	    "--b-1  \r\n", ("boundary=\"b-123456789012345678901234567890"
	    "12345678901234567890123456789012345678901234567890\""),
	    "content-type: text/x-abc\r\n" };
	osip_message_t			*m;
	char				*text, *at;
	size_t				 i;

	for (i = 0; i < nitems(from); i++) {
		at = strstr(located_invite, from[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(at);
		xasprintf(&text, "%.*s%s%s", (int)(at - located_invite),
		    located_invite, to[i], at + strlen(from[i]));
		m = parse(text, strlen(text));
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		CU_ASSERT_EQUAL(osip_list_size(&m->bodies), 1);
		body_goes_as_it_came(m, text);
		sip_msg_free(m);
		free(text);
	}
}

/*
 * A response on its way back: the edge's Via goes, the rest of the
 * list is printed in its place, every other header stays as it came.
 */
static void
test_response_keeps_all_but_the_popped_via(void)
{
	static const char	msg[] =
	    "SIP/2.0 200 OK\r\n"
	    "v: SIP/2.0/TLS 127.0.0.1:43210;branch=z9hG4bKse1, "
	    "SIP/2.0/TLS 192.0.2.99:5062;branch=z9hG4bK-1;rport=40312\r\n"
	    "f: <sip:alice@carrier.test>;tag=1\r\n"
	    "t: <sip:bob@carrier.test>;tag=2\r\n"
	    "i: resp-1\r\n"
	    "CSeq: 1 INVITE\r\n"
	    "X-Carrier-Thing: a,  b\r\n"
	    "l: 0\r\n"
	    "\r\n";
	osip_message_t	*m;
	char		*out;
	size_t		 len;

	m = parse(msg, sizeof(msg) - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(sip_hdr_via_pop(m), 0);
	out = print(m, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_STRING_EQUAL(out, "SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/TLS 192.0.2.99:5062;branch=z9hG4bK-1;rport=40312\r\n"
	    "f: <sip:alice@carrier.test>;tag=1\r\n"
	    "t: <sip:bob@carrier.test>;tag=2\r\n"
	    "i: resp-1\r\n"
	    "CSeq: 1 INVITE\r\n"
	    "X-Carrier-Thing: a,  b\r\n"
	    "l: 0\r\n"
	    "\r\n");
	osip_free(out);
	sip_msg_free(m);
}

/* The phone's Contacts, as sip_contact_restore's lookup gives them back. */
static const char *
lookup_orig(const osip_uri_t *uri, void *arg)
{
	char		**orig = arg;
	const char	 *mark = sip_hdr_uri_mark(uri);

	return mark != NULL && strcmp(mark, "r-1") == 0 ? orig[1] : orig[0];
}

/*
 * RFC 4475 escnull: "%00" users are users, and two Contacts that differ
 * only in NULs stay two Contacts through the carrier and back.
 */
static void
test_escaped_nul_users_survive_the_round_trip(void)
{
	static const char	reg[] =
	    "REGISTER sip:example.com SIP/2.0\r\n"
	    "To: sip:null-%00-null@example.com\r\n"
	    "From: sip:null-%00-null@example.com;tag=839923423\r\n"
	    "Max-Forwards: 70\r\n"
	    "Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd\r\n"
	    "CSeq: 14398234 REGISTER\r\n"
	    "Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw\r\n"
	    "Contact: <sip:%00@host5.example.com>\r\n"
	    "Contact: <sip:%00%00@host5.example.com>\r\n"
	    "L:0\r\n"
	    "\r\n";
	static const char	ok[] =
	    "SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw\r\n"
	    "To: sip:null-%00-null@example.com;tag=x\r\n"
	    "From: sip:null-%00-null@example.com;tag=839923423\r\n"
	    "Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd\r\n"
	    "CSeq: 14398234 REGISTER\r\n"
	    "Contact: <sip:tok@127.0.0.1:43210;sipedge=r-0>;expires=60\r\n"
	    "Contact: <sip:tok@127.0.0.1:43210;sipedge=r-1>;expires=60\r\n"
	    "Content-Length: 0\r\n"
	    "\r\n";
	osip_message_t	*m, *resp;
	char		*out, **orig;
	size_t		 len, n, i;
	char		*aor;

	m = parse(reg, sizeof(reg) - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	aor = sip_hdr_aor(m->to);
	CU_ASSERT_PTR_NOT_NULL(aor);
	CU_ASSERT_TRUE(aor != NULL && strlen(aor) > strlen("sip:null-@"));
	free(aor);
	CU_ASSERT_EQUAL(sip_contact_replace(m,
	    "sip:tok@127.0.0.1:43210;sipedge=r-0", &orig, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_NOT_EQUAL(orig[0], orig[1]);
	out = print(m, &len);
	CU_ASSERT_PTR_NOT_NULL(out);
	/* What was not changed still says %00. */
	CU_ASSERT_PTR_NOT_NULL(out != NULL ? strstr(out,
	    "\r\nTo: sip:null-%00-null@example.com\r\n") : NULL);
	osip_free(out);
	/* So does an answer the edge builds from the request. */
	resp = sip_msg_response(m, 400, "Bad Request", "t1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(resp);
	out = print(resp, &len);
	CU_ASSERT_PTR_NOT_NULL(out != NULL ? strstr(out,
	    "From: <sip:null-%00-null@example.com>;tag=839923423\r\n") : NULL);
	osip_free(out);
	sip_msg_free(resp);
	sip_msg_free(m);

	m = parse(ok, sizeof(ok) - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(sip_contact_restore(m, lookup_orig, orig), 2);
	out = print(m, &len);
	CU_ASSERT_PTR_NOT_NULL(out != NULL ? strstr(out,
	    "Contact: <sip:%00@host5.example.com>;expires=60\r\n"
	    "Contact: <sip:%00%00@host5.example.com>;expires=60\r\n") : NULL);
	osip_free(out);
	sip_msg_free(m);
	for (i = 0; i < n; i++)
		free(orig[i]);
	free(orig);
}

/*
 * RFC 4475 intmeth: NUL, BEL and DEL escaped in a quoted display name
 * are valid and go out as they came; outside a quoted string they are
 * refused, naming the header. The mask for %00 is refused from peers.
 */
static void
test_control_characters_only_in_quoted_strings(void)
{
	static const char	quoted[] =
	    "FOO sip:a@example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP h.example.com;branch=z9hG4bK-1\r\n"
	    "To: \"BEL:\\\x07 NUL:\\\0 DEL:\\\x7f\" <sip:a@example.com>\r\n"
	    "From: <sip:b@example.com>;tag=1\r\n"
	    "Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{\r\n"
	    "CSeq: 1 FOO\r\n"
	    "Content-Length: 0\r\n"
	    "\r\n";
	char		 bare[sizeof(quoted)], why[128];
	osip_message_t	*m;
	char		*out;
	size_t		 len;
	int		 code = 0;

	m = parse(quoted, sizeof(quoted) - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	forward_edits(m);
	out = print(m, &len);
	CU_ASSERT_TRUE(out != NULL && memmem(out, len, "\r\nTo: \"BEL:\\\x07 "
	    "NUL:\\\0 DEL:\\\x7f\" <sip:a@example.com>\r\n", 45) != NULL);
	osip_free(out);
	sip_msg_free(m);

	/* The message holds a NUL: find its lines with memmem. */
	memcpy(bare, quoted, sizeof(quoted));
	*((char *)memmem(bare, sizeof(bare), "From: <", 7) + 6) = '\x07';
	CU_ASSERT_PTR_NULL(sip_msg_parse_code(bare, sizeof(bare) - 1, &code,
	    why, sizeof(why)));
	CU_ASSERT_EQUAL(code, 400);
	CU_ASSERT_STRING_EQUAL(why, "control character in header From");

	memcpy(bare, quoted, sizeof(quoted));
	memcpy(bare + 4, "sip:%C0%80@e", 12);
	CU_ASSERT_PTR_NULL(sip_msg_parse_code(bare, sizeof(bare) - 1, &code,
	    why, sizeof(why)));
}

/* The start lines RFC 4475 §3.1.2 and §3.3 break, and what they get. */
static void
test_start_lines_get_the_status_they_deserve(void)
{
	static const struct {
		const char	*line;
		int		 code;
		const char	*why;
	} cases[] = {
		{ "OPTIONS sip:a@example.com; lr SIP/2.0", 400,
		    "white space in the Request-URI" },
		{ "OPTIONS  sip:a@example.com  SIP/2.0", 400,
		    "more than one space in the Request-Line" },
		{ "OPTIONS sip:a@example.com SIP/2.0  ", 400,
		    "white space after the SIP version" },
		{ "OPTIONS sip:a@example.com SIP/7.0", 505,
		    "Version Not Supported" },
		{ "OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0",
		    416, "Unsupported URI Scheme" },
		{ "OPTIONS soap.beep://192.0.2.103:3002 SIP/2.0", 416,
		    "Unsupported URI Scheme" },
		{ "OPTIONS <sip:a@example.com> SIP/2.0", 400,
		    "Request-URI has no scheme" },
		{ "OPTIONS sip:a@example.com?Route=%3Csip:example.com%3E "
		    "SIP/2.0", 400, "Request-URI carries headers" },
	};
	char		 buf[512], why[128];
	size_t		 i;
	int		 n, code;

	for (i = 0; i < nitems(cases); i++) {
		n = snprintf(buf, sizeof(buf), "%s\r\n"
		    "Via: SIP/2.0/TCP h.example.com;branch=z9hG4bK-1\r\n"
		    "To: <sip:a@example.com>\r\n"
		    "From: <sip:b@example.com>;tag=1\r\n"
		    "Call-ID: sl-1\r\nCSeq: 1 OPTIONS\r\n"
		    "Content-Length: 0\r\n\r\n", cases[i].line);
		code = 0;
		CU_ASSERT_PTR_NULL(sip_msg_parse_code(buf, (size_t)n, &code,
		    why, sizeof(why)));
		CU_ASSERT_EQUAL(code, cases[i].code);
		CU_ASSERT_STRING_EQUAL(why, cases[i].why);
	}
}

/*
 * A header the edge adds goes before Content-Length; a message that
 * came without Content-Length leaves with one.
 */
static void
test_added_headers_and_missing_content_length(void)
{
	static const char	msg[] =
	    "OPTIONS sip:a@example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP h.example.com;branch=z9hG4bK-1\r\n"
	    "To: <sip:a@example.com>\r\n"
	    "From: <sip:b@example.com>;tag=1\r\n"
	    "Call-ID: cl-1\r\nCSeq: 1 OPTIONS\r\n"
	    "\r\n";
	osip_message_t	*m;
	char		*out;
	size_t		 len;

	m = parse(msg, sizeof(msg) - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(sip_hdr_max_forwards(m), 70);
	CU_ASSERT_EQUAL(sip_hdr_path_push(m, "sip:tok@127.0.0.1;lr;ob"), 0);
	out = print(m, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "CSeq: 1 OPTIONS\r\n"
	    "Path: <sip:tok@127.0.0.1;lr;ob>\r\nMax-Forwards: 69\r\n"
	    "Content-Length: 0\r\n\r\n"));
	osip_free(out);
	sip_msg_free(m);
}

/*
 * Path on top and Max-Forwards further down, both edited: the unknown
 * headers between them are not the edge's and keep their spacing.
 */
static void
test_two_edits_leave_the_headers_between_alone(void)
{
	static const char	msg[] =
	    "REGISTER sip:carrier.test SIP/2.0\r\n"
	    "Via: SIP/2.0/TLS 192.0.2.99:5062;branch=z9hG4bK-1\r\n"
	    "X-Odd   :   spaced ,  out\r\n"
	    "User-Agent:  Spectralink 8440\r\n"
	    "Max-Forwards: 70\r\n"
	    "To: <sip:alice@carrier.test>\r\n"
	    "From: <sip:alice@carrier.test>;tag=1\r\n"
	    "Call-ID: two-1\r\nCSeq: 1 REGISTER\r\n"
	    "Content-Length: 0\r\n"
	    "\r\n";
	osip_message_t	*m;
	char		*out;
	size_t		 len;

	m = parse(msg, sizeof(msg) - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(sip_hdr_path_push(m, "sip:tok@127.0.0.1;lr;ob"), 0);
	CU_ASSERT_EQUAL(sip_hdr_max_forwards(m), 70);
	out = print(m, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\r\nX-Odd   :   spaced ,  out\r\n"
	    "User-Agent:  Spectralink 8440\r\nMax-Forwards: 69\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\r\nPath: <sip:tok@127.0.0.1;lr;ob>"
	    "\r\nContent-Length: 0\r\n\r\n"));
	osip_free(out);
	sip_msg_free(m);
}

void
test_sip_out_register(void)
{
	CU_pSuite	s = unit_suite("sip_out");

	UNIT_TEST(s, test_forward_keeps_untouched_headers_and_body);
	UNIT_TEST(s, test_forward_keeps_multipart_body);
	UNIT_TEST(s, test_multipart_parts_are_split_and_forward_unchanged);
	UNIT_TEST(s, test_multipart_with_a_new_sdp_part_keeps_the_others);
	UNIT_TEST(s, test_a_broken_multipart_is_kept_whole);
	UNIT_TEST(s, test_response_keeps_all_but_the_popped_via);
	UNIT_TEST(s, test_escaped_nul_users_survive_the_round_trip);
	UNIT_TEST(s, test_control_characters_only_in_quoted_strings);
	UNIT_TEST(s, test_start_lines_get_the_status_they_deserve);
	UNIT_TEST(s, test_added_headers_and_missing_content_length);
	UNIT_TEST(s, test_two_edits_leave_the_headers_between_alone);
}
