/* test_sip_frame.c: message boundaries and keep-alives on a TLS byte stream. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_frame.h"
#include "unit.h"
#include "util.h"

#define MAX	65536

/*
 * Frame n bytes copied into a heap buffer of exactly n bytes, so the
 * sanitizer build catches any read past the end.
 */
static void
frame(const char *s, size_t n, size_t max, struct sip_frame *f)
{
	char	*p = xmalloc(n);

	memcpy(p, s, n);
	memset(f, 0xa5, sizeof(*f));
	sip_frame_next(p, n, max, f);
	free(p);
}

/* Frame a C string with the default maximum. */
static enum sip_frame_kind
frame_str(const char *s, struct sip_frame *f)
{
	frame(s, strlen(s), MAX, f);
	return f->kind;
}

/* Write a request with a correct Content-Length; returns its length. */
static size_t
build(char *buf, size_t size, const char *method, const char *body,
    size_t bodylen)
{
	int	n;

	n = snprintf(buf, size,
	    "%s sip:bob@example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/TLS 192.0.2.10:5061;branch=z9hG4bK776asdhds\r\n"
	    "Max-Forwards: 70\r\n"
	    "To: Bob <sip:bob@example.com>\r\n"
	    "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
	    "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
	    "CSeq: 1 %s\r\n"
	    "Content-Length: %zu\r\n"
	    "\r\n", method, method, bodylen);
	CU_ASSERT_FATAL(n > 0 && (size_t)n + bodylen < size);
	memcpy(buf + n, body, bodylen);
	return (size_t)n + bodylen;
}

/* An SDP-like body that itself holds a blank line and a Content-Length. */
static const char sdp[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\n\r\n"
    "Content-Length: 999\r\n";

/* Every prefix of a message is NEED_MORE; the whole is exactly one MESSAGE. */
static void
test_sip_frame_split_anywhere_waits_for_whole_message(void)
{
	char			buf[1024];
	struct sip_frame	f;
	size_t			n, k, bad = 0;

	n = build(buf, sizeof(buf), "INVITE", sdp, strlen(sdp));
	for (k = 0; k < n; k++) {
		frame(buf, k, MAX, &f);
		if (f.kind != SIP_FRAME_NEED_MORE)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	frame(buf, n, MAX, &f);
	CU_ASSERT_EQUAL(f.kind, SIP_FRAME_MESSAGE);
	CU_ASSERT_EQUAL(f.len, n);
	CU_ASSERT_EQUAL(f.content_length, strlen(sdp));
	CU_ASSERT_EQUAL(f.header_len, n - strlen(sdp));
}

/* Resuming where the last NEED_MORE stopped gives the same answers. */
static void
test_sip_frame_resume_matches_full_scan(void)
{
	char			buf[1024];
	struct sip_frame	f, g;
	size_t			n, k, from = 0, differ = 0, furthest = 0;

	n = build(buf, sizeof(buf), "INVITE", sdp, strlen(sdp));
	buf[n++] = 'X';
	for (k = 1; k <= n; k++) {
		sip_frame_next_from(buf, k, MAX, from, &f);
		sip_frame_next(buf, k, MAX, &g);
		if (memcmp(&f, &g, sizeof(f)) != 0)
			differ++;
		if (f.resume > furthest)
			furthest = f.resume;
		from = f.kind == SIP_FRAME_NEED_MORE ? f.resume : 0;
	}
	CU_ASSERT_EQUAL(differ, 0);
	CU_ASSERT_EQUAL(f.kind, SIP_FRAME_MESSAGE);
	CU_ASSERT_EQUAL(f.len, n - 1);
	/* Resuming got as far as the blank line. */
	CU_ASSERT_EQUAL(furthest, f.header_len - 2);
}

/* Once the headers are in, NEED_MORE already says how big the body is. */
static void
test_sip_frame_header_only_buffer_reports_body_size(void)
{
	char			buf[1024];
	struct sip_frame	f;
	size_t			n;

	n = build(buf, sizeof(buf), "INVITE", sdp, strlen(sdp));
	frame(buf, n - strlen(sdp), MAX, &f);
	CU_ASSERT_EQUAL(f.kind, SIP_FRAME_NEED_MORE);
	CU_ASSERT_EQUAL(f.header_len, n - strlen(sdp));
	CU_ASSERT_EQUAL(f.content_length, strlen(sdp));
}

/* Consume buf as the connection code would; check the kinds and lengths. */
static void
expect_units(const char *buf, size_t n, const enum sip_frame_kind *kinds,
    const size_t *lens, size_t count)
{
	struct sip_frame	f;
	size_t			off = 0, i;

	for (i = 0; i < count; i++) {
		frame(buf + off, n - off, MAX, &f);
		CU_ASSERT_EQUAL(f.kind, kinds[i]);
		CU_ASSERT_EQUAL(f.len, lens[i]);
		if (f.kind != kinds[i] || f.len != lens[i])
			return;
		off += f.len;
	}
	CU_ASSERT_EQUAL(off, n);
	frame(buf + off, n - off, MAX, &f);
	CU_ASSERT_EQUAL(f.kind, SIP_FRAME_NEED_MORE);
}

/* Messages that arrive in one read come out one at a time. */
static void
test_sip_frame_coalesced_messages_come_out_one_by_one(void)
{
	char			buf[4096];
	size_t			a, b, c;
	enum sip_frame_kind	k[] = { SIP_FRAME_MESSAGE, SIP_FRAME_MESSAGE,
	    SIP_FRAME_MESSAGE };
	size_t			l[3];

	a = build(buf, sizeof(buf), "INVITE", sdp, strlen(sdp));
	b = build(buf + a, sizeof(buf) - a, "ACK", "", 0);
	l[0] = a;
	l[1] = b;
	expect_units(buf, a + b, k, l, 2);

	a = build(buf, sizeof(buf), "OPTIONS", "", 0);
	b = build(buf + a, sizeof(buf) - a, "MESSAGE", "hello", 5);
	c = build(buf + a + b, sizeof(buf) - a - b, "BYE", sdp, strlen(sdp));
	l[0] = a;
	l[1] = b;
	l[2] = c;
	expect_units(buf, a + b + c, k, l, 3);
}

/* CRLFCRLF is a ping, a lone CRLF a pong; a half ping waits. */
static void
test_sip_frame_ping_and_pong(void)
{
	struct sip_frame	f;

	CU_ASSERT_EQUAL(frame_str("\r\n\r\n", &f), SIP_FRAME_PING);
	CU_ASSERT_EQUAL(f.len, 4);
	CU_ASSERT_EQUAL(frame_str("\r\n\r\n\r\n\r\n", &f), SIP_FRAME_PING);
	CU_ASSERT_EQUAL(f.len, 4);
	CU_ASSERT_EQUAL(frame_str("\r\n", &f), SIP_FRAME_PONG);
	CU_ASSERT_EQUAL(f.len, 2);
	CU_ASSERT_EQUAL(frame_str("\r\nOPTIONS", &f), SIP_FRAME_PONG);
	CU_ASSERT_EQUAL(f.len, 2);
	CU_ASSERT_EQUAL(frame_str("\n", &f), SIP_FRAME_PONG);
	CU_ASSERT_EQUAL(f.len, 1);
	CU_ASSERT_EQUAL(frame_str("\r\n\r", &f), SIP_FRAME_NEED_MORE);
	CU_ASSERT_EQUAL(frame_str("\r", &f), SIP_FRAME_NEED_MORE);
	CU_ASSERT_EQUAL(frame_str("", &f), SIP_FRAME_NEED_MORE);
	CU_ASSERT_EQUAL(frame_str("\rX", &f), SIP_FRAME_BAD);
}

/* Keep-alives between messages are told apart from the messages. */
static void
test_sip_frame_crlf_between_messages(void)
{
	char			buf[4096];
	size_t			a, b, c, n;
	enum sip_frame_kind	k[] = { SIP_FRAME_MESSAGE, SIP_FRAME_PONG,
	    SIP_FRAME_MESSAGE, SIP_FRAME_PING, SIP_FRAME_PONG,
	    SIP_FRAME_MESSAGE };
	size_t			l[6];

	a = build(buf, sizeof(buf), "REGISTER", "", 0);
	memcpy(buf + a, "\r\n", 2);
	b = build(buf + a + 2, sizeof(buf) - a - 2, "INVITE", sdp,
	    strlen(sdp));
	n = a + 2 + b;
	memcpy(buf + n, "\r\n\r\n\r\n", 6);
	c = build(buf + n + 6, sizeof(buf) - n - 6, "BYE", "", 0);
	l[0] = a;
	l[1] = 2;
	l[2] = b;
	l[3] = 4;
	l[4] = 2;
	l[5] = c;
	expect_units(buf, n + 6 + c, k, l, 6);
}

/* The compact form l: counts, with or without space before the colon. */
static void
test_sip_frame_compact_l_header(void)
{
	struct sip_frame	f;

	CU_ASSERT_EQUAL(frame_str("MESSAGE sip:a@b SIP/2.0\r\nl:5\r\n\r\n"
	    "hello", &f), SIP_FRAME_MESSAGE);
	CU_ASSERT_EQUAL(f.content_length, 5);
	CU_ASSERT_EQUAL(frame_str("MESSAGE sip:a@b SIP/2.0\r\nL \t: 5 \r\n\r\n"
	    "hello", &f), SIP_FRAME_MESSAGE);
	CU_ASSERT_EQUAL(f.content_length, 5);
}

/* The header name is matched without regard to case. */
static void
test_sip_frame_content_length_any_case(void)
{
	struct sip_frame	f;
	const char		*msgs[] = {
		"SIP/2.0 200 OK\r\ncontent-length: 2\r\n\r\nok",
		"SIP/2.0 200 OK\r\nCONTENT-LENGTH: 2\r\n\r\nok",
		"SIP/2.0 200 OK\r\nContent-length  :\t2\t\r\n\r\nok",
		"SIP/2.0 200 OK\r\nContent-Length:\r\n 2\r\n\r\nok",
	};
	size_t			i;

	for (i = 0; i < nitems(msgs); i++) {
		CU_ASSERT_EQUAL(frame_str(msgs[i], &f), SIP_FRAME_MESSAGE);
		CU_ASSERT_EQUAL(f.content_length, 2);
		CU_ASSERT_EQUAL(f.len, strlen(msgs[i]));
	}
}

/* No Content-Length means no body: the next message starts right after. */
static void
test_sip_frame_missing_content_length_means_empty_body(void)
{
	struct sip_frame	f;
	const char		*s = "OPTIONS sip:a@b SIP/2.0\r\nCSeq: 1 OPTIONS\r\n"
	    "\r\nOPTIONS sip:a@b SIP/2.0\r\n";

	CU_ASSERT_EQUAL(frame_str(s, &f), SIP_FRAME_MESSAGE);
	CU_ASSERT_EQUAL(f.content_length, 0);
	CU_ASSERT_EQUAL(f.len, strlen("OPTIONS sip:a@b SIP/2.0\r\n"
	    "CSeq: 1 OPTIONS\r\n\r\n"));
}

/* A folded line that looks like l: is a continuation, not a header. */
static void
test_sip_frame_folded_line_is_not_a_header(void)
{
	struct sip_frame	f;

	CU_ASSERT_EQUAL(frame_str("OPTIONS sip:a@b SIP/2.0\r\nSubject: hi\r\n"
	    " l: 99\r\n\tContent-Length: 7\r\n\r\n", &f), SIP_FRAME_MESSAGE);
	CU_ASSERT_EQUAL(f.content_length, 0);
}

/* Two Content-Lengths must agree, or the message boundary is ambiguous. */
static void
test_sip_frame_conflicting_content_lengths_are_bad(void)
{
	struct sip_frame	f;

	CU_ASSERT_EQUAL(frame_str("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 2"
	    "\r\nl: 3\r\n\r\nabc", &f), SIP_FRAME_BAD);
	CU_ASSERT_PTR_NOT_NULL(f.why);
	CU_ASSERT_EQUAL(frame_str("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 2"
	    "\r\nl: 02\r\n\r\nab", &f), SIP_FRAME_MESSAGE);
	CU_ASSERT_EQUAL(f.content_length, 2);
}

/* A Content-Length that is not one decimal number closes the connection. */
static void
test_sip_frame_non_numeric_content_length_is_bad(void)
{
	struct sip_frame	f;
	const char		*vals[] = { "abc", "-1", "+1", "5 5", "", "5x",
	    "0x10", "1,1", "99999999999999999999999999" };
	char			buf[256];
	size_t			i;

	for (i = 0; i < nitems(vals); i++) {
		snprintf(buf, sizeof(buf), "OPTIONS sip:a@b SIP/2.0\r\n"
		    "Content-Length: %s\r\n\r\n", vals[i]);
		CU_ASSERT_EQUAL(frame_str(buf, &f), SIP_FRAME_BAD);
		CU_ASSERT_PTR_NOT_NULL(f.why);
	}
	CU_ASSERT_EQUAL(frame_str("OPTIONS sip:a@b SIP/2.0\r\nContent-Length"
	    " 5\r\n\r\n", &f), SIP_FRAME_BAD);
}

/* A huge Content-Length is refused from the headers alone. */
static void
test_sip_frame_huge_content_length_refused_before_body(void)
{
	struct sip_frame	f;
	char			buf[256];
	size_t			n;

	n = (size_t)snprintf(buf, sizeof(buf), "INVITE sip:a@b SIP/2.0\r\n"
	    "Content-Length: %u\r\n\r\n", 10u * 1024 * 1024);
	frame(buf, n, MAX, &f);
	CU_ASSERT_EQUAL(f.kind, SIP_FRAME_TOO_BIG);
	CU_ASSERT_EQUAL(f.content_length, 10u * 1024 * 1024);
	CU_ASSERT_PTR_NOT_NULL(f.why);

	/* Exactly max is allowed; one byte more is not. */
	n = (size_t)snprintf(buf, sizeof(buf), "INVITE sip:a@b SIP/2.0\r\n"
	    "Content-Length: 100\r\n\r\n");
	frame(buf, n, n + 100, &f);
	CU_ASSERT_EQUAL(f.kind, SIP_FRAME_NEED_MORE);
	frame(buf, n, n + 99, &f);
	CU_ASSERT_EQUAL(f.kind, SIP_FRAME_TOO_BIG);
}

/* A header block that does not end within max bytes is refused. */
static void
test_sip_frame_oversized_header_block_is_too_big(void)
{
	struct sip_frame	f;
	char			*buf;
	size_t			n = MAX + 100, i, hdr;

	buf = xmalloc(n);
	hdr = (size_t)snprintf(buf, n, "INVITE sip:a@b SIP/2.0\r\nX-Pad: ");
	for (i = hdr; i < n; i++)
		buf[i] = i % 64 == 63 ? '\n' : 'a';
	frame(buf, MAX - 1, MAX, &f);
	CU_ASSERT_EQUAL(f.kind, SIP_FRAME_NEED_MORE);
	frame(buf, MAX, MAX, &f);
	CU_ASSERT_EQUAL(f.kind, SIP_FRAME_TOO_BIG);
	CU_ASSERT_PTR_NOT_NULL(f.why);
	frame(buf, n, MAX, &f);
	CU_ASSERT_EQUAL(f.kind, SIP_FRAME_TOO_BIG);
	/* Complete, but the blank line lies past max. */
	memcpy(buf + n - 4, "\r\n\r\n", 4);
	frame(buf, n, MAX, &f);
	CU_ASSERT_EQUAL(f.kind, SIP_FRAME_TOO_BIG);
	free(buf);
}

/* TLS inside TLS, HTTP and binary noise are not SIP. */
static void
test_sip_frame_garbage_is_bad(void)
{
	static const char	 hello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc"
	    "\x03\x03";
	struct sip_frame	 f;
	char			 noise[64];
	unsigned int		 seed = 12345, r, i, bad = 0;
	size_t			 off;

	frame(hello, sizeof(hello) - 1, MAX, &f);
	CU_ASSERT_EQUAL(f.kind, SIP_FRAME_BAD);
	CU_ASSERT_EQUAL(frame_str("GET / HTTP/1.1\r\nHost: edge\r\n\r\n", &f),
	    SIP_FRAME_BAD);
	CU_ASSERT_EQUAL(frame_str("GET / HTTP/1.1\r\n", &f), SIP_FRAME_BAD);
	CU_ASSERT_EQUAL(frame_str("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", &f),
	    SIP_FRAME_BAD);
	for (r = 0; r < 1000; r++) {
		for (i = 0; i < sizeof(noise); i++) {
			seed = seed * 1103515245 + 12345;
			noise[i] = (char)(seed >> 16);
		}
		/* Stray LFs may come first; what follows must be refused. */
		for (off = 0; off < sizeof(noise); off += f.len) {
			frame(noise + off, sizeof(noise) - off, MAX, &f);
			if (f.kind != SIP_FRAME_PONG)
				break;
		}
		if (f.kind == SIP_FRAME_BAD)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 1000);
}

/*
 * Control characters in the headers do not lose the framing: sip_msg
 * answers such a message with 400 and the phone keeps its flow. A start
 * line that is not SIP still closes.
 */
static void
test_sip_frame_control_characters_keep_framing(void)
{
	static const char	 nul_hdr[] = "OPTIONS sip:a@b SIP/2.0\r\n"
	    "Via: SIP/2.0/TLS a\0b\r\n\r\n";
	static const char	 nul_body[] = "MESSAGE sip:a@b SIP/2.0\r\nl: 3\r\n"
	    "\r\na\0b";
	static const char	 nul_line[] = "OPT\0IONS";
	struct sip_frame	 f;

	frame(nul_hdr, sizeof(nul_hdr) - 1, MAX, &f);
	CU_ASSERT_EQUAL(f.kind, SIP_FRAME_MESSAGE);
	CU_ASSERT_EQUAL(f.len, sizeof(nul_hdr) - 1);
	frame(nul_line, sizeof(nul_line) - 1, MAX, &f);
	CU_ASSERT_EQUAL(f.kind, SIP_FRAME_BAD);
	CU_ASSERT_EQUAL(frame_str("OPTIONS sip:a@b SIP/2.0\r\nX: \x1b[0m\r\n\r\n",
	    &f), SIP_FRAME_MESSAGE);
	CU_ASSERT_EQUAL(frame_str("OPTIONS sip:a@b SIP/2.0\r\nX: a\rb\r\n\r\n",
	    &f), SIP_FRAME_MESSAGE);
	frame(nul_body, sizeof(nul_body) - 1, MAX, &f);
	CU_ASSERT_EQUAL(f.kind, SIP_FRAME_MESSAGE);
	CU_ASSERT_EQUAL(f.len, sizeof(nul_body) - 1);
}

/*
 * Requests and responses pass, and so do start lines that are SIP but
 * wrong (RFC 4475 lwsstart, lwsruri, trws, badvers): they get an answer.
 * What is not SIP at all does not.
 */
static void
test_sip_frame_start_line_must_be_sip(void)
{
	struct sip_frame	f;
	const char		*good[] = {
		"SIP/2.0 200 OK\r\n\r\n",
		"SIP/2.0 180 Ringing\n\n",
		"sip/2.0 200 OK\r\n\r\n",
		"INVITE sip:bob@example.com SIP/2.0\r\n\r\n",
		"INVITE sip:bob@example.com SIP/2.0 \r\n\r\n",
		"X-CUSTOM.1 sips:a;b=c SIP/2.0\r\n\r\n",
		"SIP/2.0\r\n\r\n",
		"INVITE sip:a@b SIP/3.0\r\n\r\n",
		"INVITE  sip:a@b  SIP/2.0\r\n\r\n",
		"INVITE sip:a @b SIP/2.0\r\n\r\n",
		"OPTIONS sip:a@b SIP/2.0  \r\n\r\n",
	};
	const char		*bad[] = {
		"INVITE\r\n\r\n",
		"INVITE sip:a@b\r\n\r\n",
		"INVITE SIP/2.0\r\n\r\n",
		" INVITE sip:a@b SIP/2.0\r\n\r\n",
		"INV(TE sip:a@b SIP/2.0\r\n\r\n",
		"\xc3\xa9 sip:a@b SIP/2.0\r\n\r\n",
		"GET / HTTP/1.1\r\n\r\n",
	};
	size_t			i;

	for (i = 0; i < nitems(good); i++) {
		CU_ASSERT_EQUAL(frame_str(good[i], &f), SIP_FRAME_MESSAGE);
		CU_ASSERT_EQUAL(f.len, strlen(good[i]));
	}
	for (i = 0; i < nitems(bad); i++) {
		CU_ASSERT_EQUAL(frame_str(bad[i], &f), SIP_FRAME_BAD);
		CU_ASSERT_STRING_EQUAL(f.why, "not a SIP start line");
	}
}

/* Bare LF line ends, as some phones send, frame like CRLF. */
static void
test_sip_frame_bare_lf_line_ends(void)
{
	struct sip_frame	f;

	CU_ASSERT_EQUAL(frame_str("OPTIONS sip:a@b SIP/2.0\nl: 2\n\nhiOPTIONS",
	    &f), SIP_FRAME_MESSAGE);
	CU_ASSERT_EQUAL(f.len, strlen("OPTIONS sip:a@b SIP/2.0\nl: 2\n\nhi"));
	CU_ASSERT_EQUAL(f.header_len, f.len - 2);
}

void
test_sip_frame_register(void)
{
	CU_pSuite	s = unit_suite("sip_frame");

	UNIT_TEST(s, test_sip_frame_split_anywhere_waits_for_whole_message);
	UNIT_TEST(s, test_sip_frame_resume_matches_full_scan);
	UNIT_TEST(s, test_sip_frame_header_only_buffer_reports_body_size);
	UNIT_TEST(s, test_sip_frame_coalesced_messages_come_out_one_by_one);
	UNIT_TEST(s, test_sip_frame_ping_and_pong);
	UNIT_TEST(s, test_sip_frame_crlf_between_messages);
	UNIT_TEST(s, test_sip_frame_compact_l_header);
	UNIT_TEST(s, test_sip_frame_content_length_any_case);
	UNIT_TEST(s, test_sip_frame_missing_content_length_means_empty_body);
	UNIT_TEST(s, test_sip_frame_folded_line_is_not_a_header);
	UNIT_TEST(s, test_sip_frame_conflicting_content_lengths_are_bad);
	UNIT_TEST(s, test_sip_frame_non_numeric_content_length_is_bad);
	UNIT_TEST(s, test_sip_frame_huge_content_length_refused_before_body);
	UNIT_TEST(s, test_sip_frame_oversized_header_block_is_too_big);
	UNIT_TEST(s, test_sip_frame_garbage_is_bad);
	UNIT_TEST(s, test_sip_frame_control_characters_keep_framing);
	UNIT_TEST(s, test_sip_frame_start_line_must_be_sip);
	UNIT_TEST(s, test_sip_frame_bare_lf_line_ends);
}
