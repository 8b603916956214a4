/*
 * test_sdp.c: the SDP layer gives back real phones' offers byte for byte,
 * whatever their line ends, reads the fields media anchoring needs, makes
 * each edit without touching any other byte, and refuses what is not SDP
 * with a reason.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdp.h"
#include "unit.h"

/*
 * The shapes phones and peers send. Keys are random test data, not
 * anybody's; the structure follows each stack's offers.
 */

/* baresip 1.0 (Debian) with mediaenc=srtp-mand. */
static const char baresip_offer[] =
    "v=0\r\n"
    "o=- 3161963498 1620183716 IN IP4 192.0.2.20\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.20\r\n"
    "t=0 0\r\n"
    "a=tool:baresip 1.0.0\r\n"
    "m=audio 10214 RTP/SAVP 96 9 0 8 101\r\n"
    "b=AS:128\r\n"
    "a=rtpmap:96 opus/48000/2\r\n"
    "a=fmtp:96 stereo=1;sprop-stereo=1\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=sendrecv\r\n"
    "a=label:1\r\n"
    "a=ssrc:2914531862 cname:sip:alice@example.org\r\n"
    "a=rtcp-rsize\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
    "inline:pBe9rgnUAxj37zyFxQR559NS5QY5uLKgYlQOh/HF\r\n"
    "a=crypto:2 AES_CM_128_HMAC_SHA1_32 "
    "inline:vaR/w1VcoLavdu3ZMEzymQwJRfUW+H4zb8l+3qd+\r\n"
    "a=ptime:20\r\n";

/* Spectralink: RTP/SAVP plus RTP/AVP, eight crypto lines, session params. */
static const char spectralink_offer[] =
    "v=0\r\n"
    "o=SpectraLink 1619700000 1619700000 IN IP4 10.0.0.31\r\n"
    "s=SpectraLink Phone\r\n"
    "c=IN IP4 10.0.0.31\r\n"
    "t=0 0\r\n"
    "m=audio 2222 RTP/SAVP 9 0 8 18 101\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:18 G729/8000\r\n"
    "a=fmtp:18 annexb=no\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
    "inline:3m1FnfmsbAQBwMx0611SdkyAOo7UWBsmWohEsnUG\r\n"
    "a=crypto:2 AES_CM_128_HMAC_SHA1_32 "
    "inline:fRsOLN6Lvf185Zr6ARasB6EcMBmKIQ7jTX6xSzBf\r\n"
    "a=crypto:3 AES_CM_128_HMAC_SHA1_80 "
    "inline:xk9R/Qdcl7KA31QtxtC0dcOs9Jq/QiUxrUiMqpKt UNENCRYPTED_SRTCP\r\n"
    "a=crypto:4 AES_CM_128_HMAC_SHA1_32 "
    "inline:pAOKepj+CaM8VNeoqrmSX1MTP+gTsjR6P47/vbUV UNENCRYPTED_SRTCP\r\n"
    "a=crypto:5 AES_CM_128_HMAC_SHA1_80 "
    "inline:iRN/aFA2QjslBh2ZoWKOGDT56ke8F3P2sY4j9VWR UNENCRYPTED_SRTP\r\n"
    "a=crypto:6 AES_CM_128_HMAC_SHA1_32 "
    "inline:4Yc/FVbMaefquddJZaGPkYzkccsaVq1s7Evjc7DX UNENCRYPTED_SRTP\r\n"
    "a=crypto:7 AES_CM_128_HMAC_SHA1_80 "
    "inline:OEZFeOa0U38nR7MWA3IWzhs2C3abXaSaLIwlvWtU "
    "UNENCRYPTED_SRTP UNENCRYPTED_SRTCP\r\n"
    "a=crypto:8 AES_CM_128_HMAC_SHA1_80 "
    "inline:JeYyO4XGWL+fQDjlRxmMj0Z7U6n0SpgQgIQ/8aK5 "
    "UNENCRYPTED_SRTP UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP\r\n"
    "a=sendrecv\r\n"
    "m=audio 2222 RTP/AVP 9 0 8 18 101\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:18 G729/8000\r\n"
    "a=fmtp:18 annexb=no\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=sendrecv\r\n";

/* Cisco MPP 3PCC / Sipura: RTP/AVP carrying a=crypto. */
static const char cisco_offer[] =
    "v=0\r\n"
    "o=- 10637 10637 IN IP4 192.168.1.50\r\n"
    "s=-\r\n"
    "c=IN IP4 192.168.1.50\r\n"
    "t=0 0\r\n"
    "m=audio 16444 RTP/AVP 0 8 18 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:18 G729a/8000\r\n"
    "a=fmtp:18 annexb=no\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=ptime:20\r\n"
    "a=sendrecv\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
    "inline:N2yGZNZm9azSMGQ8+O0igJssHyggODgmYta570zP\r\n";

/* A T.38 re-INVITE: the audio stream becomes m=image udptl. */
static const char t38_reinvite[] =
    "v=0\r\n"
    "o=- 10637 10639 IN IP4 192.168.1.50\r\n"
    "s=-\r\n"
    "c=IN IP4 192.168.1.50\r\n"
    "t=0 0\r\n"
    "m=image 16444 udptl t38\r\n"
    "a=T38FaxVersion:0\r\n"
    "a=T38MaxBitRate:14400\r\n"
    "a=T38FaxFillBitRemoval:0\r\n"
    "a=T38FaxTranscodingMMR:0\r\n"
    "a=T38FaxTranscodingJBIG:0\r\n"
    "a=T38FaxRateManagement:transferredTCF\r\n"
    "a=T38FaxMaxBuffer:200\r\n"
    "a=T38FaxMaxDatagram:72\r\n"
    "a=T38FaxUdpEC:t38UDPRedundancy\r\n";

/* RTP and RTCP on one port (RFC 5761), media-level c=, no session c=. */
static const char rtcp_mux_offer[] =
    "v=0\r\n"
    "o=jdoe 2890844526 2890842807 IN IP4 198.51.100.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "m=audio 49170 RTP/SAVPF 111 0 126\r\n"
    "c=IN IP4 198.51.100.1\r\n"
    "a=rtcp:49170 IN IP4 198.51.100.1\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:126 telephone-event/8000\r\n"
    "a=fmtp:126 0-16\r\n"
    "a=mid:audio\r\n"
    "a=sendrecv\r\n";

/* An IPv6 offer. */
static const char ipv6_offer[] =
    "v=0\r\n"
    "o=- 1 2 IN IP6 2001:db8::10\r\n"
    "s=-\r\n"
    "c=IN IP6 2001:db8::10\r\n"
    "t=0 0\r\n"
    "m=audio 20000 RTP/AVP 8 101\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=rtcp:20001\r\n";

/* A hold re-INVITE: sendonly, and the old RFC 2543 c=0.0.0.0 too. */
static const char hold_reinvite[] =
    "v=0\r\n"
    "o=- 10637 10638 IN IP4 192.168.1.50\r\n"
    "s=-\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "t=0 0\r\n"
    "m=audio 16444 RTP/AVP 0 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=sendonly\r\n";

/* Bodies as stacks send them, for tables. */
static const char *const real_offers[] = {
	baresip_offer, spectralink_offer, cisco_offer, t38_reinvite,
	rtcp_mux_offer, ipv6_offer, hold_reinvite,
};
#define NREAL	(sizeof(real_offers) / sizeof(real_offers[0]))

/* Parse body or fail the test; the caller frees. */
static struct sdp *
parse_ok(const char *body, size_t len)
{
	struct sdp	*s = calloc(1, sizeof(*s));
	const char	*err;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	err = sdp_parse(body, len, s);
	if (err != NULL)
		fprintf(stderr, "\nparse: %s\n", err);
	CU_ASSERT_PTR_NULL_FATAL(err);
	return s;
}

/* Parse a NUL-terminated body. */
static struct sdp *
parse_str(const char *body)
{
	return parse_ok(body, strlen(body));
}

/* The body printed must be want[0..wantlen), byte for byte. */
static void
check_print_len(const struct sdp *s, const char *want, size_t wantlen)
{
	char	*out;
	size_t	 len = 0;

	out = sdp_print_alloc(s, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_EQUAL(len, wantlen);
	CU_ASSERT_EQUAL(sdp_print_len(s), wantlen);
	if (len != wantlen || memcmp(out, want, len) != 0) {
		fprintf(stderr, "\nprinted:\n%s\nwanted:\n%.*s\n", out,
		    (int)wantlen, want);
		CU_FAIL("printed body differs");
	}
	free(out);
}

/* The same for a NUL-terminated want. */
static void
check_print(const struct sdp *s, const char *want)
{
	check_print_len(s, want, strlen(want));
}

/* in with its first from (which must be there) replaced by to; malloc'd. */
static char *
subst(const char *in, const char *from, const char *to)
{
	const char	*at = strstr(in, from);
	char		*out;
	size_t		 k;

	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	out = malloc(strlen(in) - strlen(from) + strlen(to) + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	k = (size_t)(at - in);
	memcpy(out, in, k);
	strcpy(out + k, to);
	strcat(out, at + strlen(from));
	return out;
}

/*
 * A CRLF body with its line ends rewritten: 0 all LF, 1 LF and CRLF
 * alternating, 2 the last line end dropped. Malloc'd.
 */
static char *
reend(const char *crlf, int how)
{
	char	*out = malloc(strlen(crlf) + 1);
	size_t	 i, k = 0, line = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	for (i = 0; crlf[i] != '\0'; i++) {
		if (crlf[i] == '\r' && (how == 0 || (how == 1 && line++ % 2)))
			continue;
		out[k++] = crlf[i];
	}
	out[k] = '\0';
	if (how == 2) {
		while (k > 0 && (out[k - 1] == '\n' || out[k - 1] == '\r'))
			k--;
		out[k] = '\0';
	}
	return out;
}

/* Every real offer, as sent and with other line ends, prints back. */
static void
test_real_offers_print_back_byte_for_byte(void)
{
	struct sdp	*s;
	char		*body, buf[4096];
	size_t		 i, len;
	int		 how;

	for (i = 0; i < NREAL; i++) {
		s = parse_str(real_offers[i]);
		check_print(s, real_offers[i]);
		CU_ASSERT_PTR_NULL(sdp_print(s, buf, sizeof(buf), &len));
		CU_ASSERT_EQUAL(len, strlen(real_offers[i]));
		CU_ASSERT_STRING_EQUAL(buf, real_offers[i]);
		/* The buffer needs room for the NUL too, and no more. */
		len = strlen(real_offers[i]);
		buf[len] = 'X';
		CU_ASSERT_PTR_NOT_NULL(sdp_print(s, buf, len, NULL));
		CU_ASSERT_EQUAL(buf[len], 'X');
		CU_ASSERT_PTR_NULL(sdp_print(s, buf, len + 1, NULL));
		CU_ASSERT_EQUAL(buf[len], '\0');
		free(s);
		for (how = 0; how < 3; how++) {
			body = reend(real_offers[i], how);
			s = parse_str(body);
			check_print(s, body);
			free(s);
			free(body);
		}
	}
}

/* Mixed ends and no final newline, written out as a phone sent them. */
static void
test_mixed_line_ends_and_no_final_newline_kept(void)
{
	static const char	 mixed[] = "v=0\no=- 1 1 IN IP4 192.0.2.1\r\n"
	    "s=-\nc=IN IP4 192.0.2.1\r\nt=0 0\nm=audio 4000 RTP/AVP 0\r\n"
	    "a=rtpmap:0 PCMU/8000";
	static const char	 blank[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n"
	    "s=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n\r\n\n";
	struct sdp		*s;

	s = parse_str(mixed);
	check_print(s, mixed);
	CU_ASSERT_EQUAL(s->nlines, 7);
	CU_ASSERT_EQUAL(s->line[0].eol, SDP_EOL_LF);
	CU_ASSERT_EQUAL(s->line[1].eol, SDP_EOL_CRLF);
	CU_ASSERT_EQUAL(s->line[6].eol, SDP_EOL_NONE);
	free(s);
	/* Empty lines some stacks add at the end stay there. */
	s = parse_str(blank);
	check_print(s, blank);
	CU_ASSERT_EQUAL(s->ntrail, 2);
	CU_ASSERT_PTR_NULL(sdp_attr_add(s, 0, "sendrecv", NULL));
	check_print(s, "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n"
	    "m=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n\r\n\n");
	free(s);
}

/* The parser reads len bytes and no more. */
static void
test_parser_stops_at_len(void)
{
	static const char	 body[] = "v=0\r\ns=-\r\nXYZ garbage";
	struct sdp		*s = parse_ok(body, 10);

	CU_ASSERT_EQUAL(s->nlines, 2);
	check_print_len(s, body, 10);
	free(s);
}

/* o=, c=, m= and b= fields of baresip's offer. */
static void
test_baresip_fields(void)
{
	struct sdp		*s = parse_str(baresip_offer);
	struct sdp_origin	 o;
	struct sdp_conn		 c;
	struct sdp_media	 m;
	struct sdp_bandwidth	 b;
	struct sdp_rtpmap	 r;
	const char		*params;
	int			 line;

	CU_ASSERT_EQUAL(s->nmedia, 1);
	CU_ASSERT_PTR_NULL_FATAL(sdp_origin(s, &o));
	CU_ASSERT_STRING_EQUAL(o.username, "-");
	CU_ASSERT_STRING_EQUAL(o.sess_id, "3161963498");
	CU_ASSERT_STRING_EQUAL(o.sess_version, "1620183716");
	CU_ASSERT_STRING_EQUAL(o.nettype, "IN");
	CU_ASSERT_STRING_EQUAL(o.addrtype, "IP4");
	CU_ASSERT_STRING_EQUAL(o.addr, "192.0.2.20");
	CU_ASSERT_PTR_NULL_FATAL(sdp_media(s, 0, &m));
	CU_ASSERT_STRING_EQUAL(m.media, "audio");
	CU_ASSERT_EQUAL(m.port, 10214);
	CU_ASSERT_EQUAL(m.nports, 0);
	CU_ASSERT_STRING_EQUAL(m.proto, "RTP/SAVP");
	CU_ASSERT_EQUAL_FATAL(m.nfmt, 5);
	CU_ASSERT_STRING_EQUAL(m.fmt[0], "96");
	CU_ASSERT_STRING_EQUAL(m.fmt[4], "101");
	CU_ASSERT_PTR_NOT_NULL(sdp_media(s, 1, &m));
	/* No c= in the section: the session's applies. */
	CU_ASSERT_PTR_NOT_NULL(sdp_conn(s, 0, &c));
	CU_ASSERT_PTR_NULL_FATAL(sdp_media_conn(s, 0, &c));
	CU_ASSERT_STRING_EQUAL(c.addr, "192.0.2.20");
	CU_ASSERT_EQUAL(c.line, 3);
	CU_ASSERT_FALSE(c.multicast);
	line = sdp_line_find(s, 0, 'b');
	CU_ASSERT_EQUAL(line, 7);
	CU_ASSERT_PTR_NULL_FATAL(sdp_bandwidth(s, line, &b));
	CU_ASSERT_STRING_EQUAL(b.type, "AS");
	CU_ASSERT_EQUAL(b.value, 128);
	CU_ASSERT_EQUAL(sdp_line_next(s, line), -1);
	CU_ASSERT_PTR_NOT_NULL(sdp_bandwidth(s, 8, &b));
	CU_ASSERT_EQUAL(sdp_rtpmap(s, 0, 96, &r), 8);
	CU_ASSERT_STRING_EQUAL(r.encoding, "opus");
	CU_ASSERT_EQUAL(r.clock, 48000);
	CU_ASSERT_STRING_EQUAL(r.params, "2");
	CU_ASSERT_EQUAL(sdp_rtpmap_find(s, 0, "Telephone-Event", &r), 13);
	CU_ASSERT_EQUAL(r.pt, 101);
	CU_ASSERT_EQUAL(r.clock, 8000);
	CU_ASSERT_STRING_EQUAL(r.params, "");
	CU_ASSERT_EQUAL(sdp_fmtp(s, 0, 101, &params), 14);
	CU_ASSERT_STRING_EQUAL(params, "0-15");
	CU_ASSERT_EQUAL(sdp_fmtp(s, 0, 96, &params), 9);
	CU_ASSERT_STRING_EQUAL(params, "stereo=1;sprop-stereo=1");
	CU_ASSERT_EQUAL(sdp_fmtp(s, 0, 0, &params), -1);
	CU_ASSERT_EQUAL(sdp_rtpmap(s, 0, 18, &r), -1);
	/* Session-level attributes are not the media's, and the reverse. */
	CU_ASSERT_EQUAL(sdp_attr_find(s, SDP_SESSION, "tool"), 5);
	CU_ASSERT_STRING_EQUAL(sdp_attr_value(s, 5), "baresip 1.0.0");
	CU_ASSERT_EQUAL(sdp_attr_find(s, 0, "tool"), -1);
	CU_ASSERT_EQUAL(sdp_attr_find(s, SDP_SESSION, "rtpmap"), -1);
	CU_ASSERT_PTR_NULL(sdp_attr_value(s, sdp_attr_find(s, 0,
	    "rtcp-rsize")));
	CU_ASSERT_EQUAL(sdp_rtcp(s, 0, &(struct sdp_rtcp){ 0 }), 0);
	CU_ASSERT_FALSE(sdp_rtcp_mux(s, 0));
	CU_ASSERT_EQUAL(sdp_line_media(s, 5), SDP_SESSION);
	CU_ASSERT_EQUAL(sdp_line_media(s, 6), 0);
	CU_ASSERT_EQUAL(sdp_line_type(s, 6), 'm');
	free(s);
}

/* Spectralink's dual offer: two audio sections, eight crypto lines. */
static void
test_spectralink_dual_offer_fields(void)
{
	struct sdp		*s = parse_str(spectralink_offer);
	struct sdp_media	 m;
	struct sdp_conn		 c;
	const char		*v;
	char			 tag[16];
	int			 line, n = 0;

	CU_ASSERT_EQUAL_FATAL(s->nmedia, 2);
	CU_ASSERT_PTR_NULL(sdp_media(s, 0, &m));
	CU_ASSERT_STRING_EQUAL(m.proto, "RTP/SAVP");
	CU_ASSERT_PTR_NULL(sdp_media(s, 1, &m));
	CU_ASSERT_STRING_EQUAL(m.proto, "RTP/AVP");
	CU_ASSERT_EQUAL(m.port, 2222);
	for (line = sdp_attr_find(s, 0, "crypto"); line >= 0;
	    line = sdp_attr_next(s, line, "crypto")) {
		n++;
		v = sdp_attr_value(s, line);
		CU_ASSERT_PTR_NOT_NULL_FATAL(v);
		(void)snprintf(tag, sizeof(tag), "%d ", n);
		CU_ASSERT_EQUAL(strncmp(v, tag, strlen(tag)), 0);
		CU_ASSERT_EQUAL(sdp_line_media(s, line), 0);
	}
	CU_ASSERT_EQUAL(n, 8);
	line = sdp_attr_find(s, 0, "CRYPTO");
	CU_ASSERT_EQUAL(line, 13);
	v = sdp_attr_value(s, sdp_attr_next(s, sdp_attr_next(s, line,
	    "crypto"), "crypto"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_PTR_NOT_NULL(strstr(v, " UNENCRYPTED_SRTCP"));
	CU_ASSERT_EQUAL(sdp_attr_find(s, 1, "crypto"), -1);
	/* The iteration stops at its section's end. */
	CU_ASSERT_EQUAL(sdp_attr_next(s, sdp_attr_find(s, 0, "sendrecv"),
	    "rtpmap"), -1);
	CU_ASSERT_EQUAL(sdp_attr_next(s, sdp_attr_find(s, 0, "rtpmap"),
	    "rtpmap"), 7);
	CU_ASSERT_PTR_NULL(sdp_media_conn(s, 1, &c));
	CU_ASSERT_STRING_EQUAL(c.addr, "10.0.0.31");
	CU_ASSERT_EQUAL(sdp_direction(s, 0), SDP_DIR_SENDRECV);
	free(s);
}

/* Cisco's RTP/AVP with crypto, and telephone-event by payload type. */
static void
test_cisco_avp_with_crypto_fields(void)
{
	struct sdp		*s = parse_str(cisco_offer);
	struct sdp_media	 m;
	struct sdp_rtpmap	 r;
	const char		*params = NULL;
	int			 line;

	CU_ASSERT_PTR_NULL(sdp_media(s, 0, &m));
	CU_ASSERT_STRING_EQUAL(m.proto, "RTP/AVP");
	line = sdp_attr_find(s, 0, "crypto");
	CU_ASSERT_EQUAL(line, 14);
	CU_ASSERT_STRING_EQUAL(sdp_attr_value(s, line),
	    "1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:N2yGZNZm9azSMGQ8+O0igJssHyggODgmYta570zP");
	CU_ASSERT_EQUAL(sdp_rtpmap_find(s, 0, "telephone-event", &r), 10);
	CU_ASSERT_EQUAL(r.pt, 101);
	CU_ASSERT_EQUAL(sdp_fmtp(s, 0, r.pt, &params), 11);
	CU_ASSERT_STRING_EQUAL(params, "0-15");
	CU_ASSERT_EQUAL(sdp_rtpmap(s, 0, 18, &r), 8);
	CU_ASSERT_STRING_EQUAL(r.encoding, "G729a");
	free(s);
	/* An rtpmap for a payload type the m= line does not offer is left. */
	s = parse_str("v=0\r\nm=audio 4000 RTP/AVP 0 100\r\n"
	    "a=rtpmap:101 telephone-event/8000\r\n"
	    "a=rtpmap:100 telephone-event/16000\r\n"
	    "a=fmtp:1010 0-15\r\na=fmtp:100  0-16\r\n");
	CU_ASSERT_EQUAL(sdp_rtpmap_find(s, 0, "telephone-event", &r), 3);
	CU_ASSERT_EQUAL(r.pt, 100);
	CU_ASSERT_EQUAL(r.clock, 16000);
	CU_ASSERT_EQUAL(sdp_rtpmap(s, 0, 101, &r), 2);
	CU_ASSERT_EQUAL(sdp_fmtp(s, 0, 101, &params), -1);
	CU_ASSERT_EQUAL(sdp_fmtp(s, 0, 100, &params), 5);
	CU_ASSERT_STRING_EQUAL(params, "0-16");
	free(s);
}

/* T.38: m=image udptl t38 parses and has no RTP payload types. */
static void
test_t38_image_stream_fields(void)
{
	struct sdp		*s = parse_str(t38_reinvite);
	struct sdp_media	 m;
	struct sdp_rtpmap	 r;

	CU_ASSERT_PTR_NULL_FATAL(sdp_media(s, 0, &m));
	CU_ASSERT_STRING_EQUAL(m.media, "image");
	CU_ASSERT_STRING_EQUAL(m.proto, "udptl");
	CU_ASSERT_EQUAL(m.nfmt, 1);
	CU_ASSERT_STRING_EQUAL(m.fmt[0], "t38");
	CU_ASSERT_EQUAL(sdp_rtpmap_find(s, 0, "telephone-event", &r), -1);
	CU_ASSERT_STRING_EQUAL(sdp_attr_value(s, sdp_attr_find(s, 0,
	    "T38FaxUdpEC")), "t38UDPRedundancy");
	free(s);
}

/* rtcp-mux, a=rtcp with an address, and a media-level c=. */
static void
test_rtcp_mux_offer_fields(void)
{
	struct sdp	*s = parse_str(rtcp_mux_offer);
	struct sdp_rtcp	 r;
	struct sdp_conn	 c;

	CU_ASSERT_TRUE(sdp_rtcp_mux(s, 0));
	CU_ASSERT_EQUAL(sdp_rtcp(s, 0, &r), 1);
	CU_ASSERT_EQUAL(r.port, 49170);
	CU_ASSERT_STRING_EQUAL(r.nettype, "IN");
	CU_ASSERT_STRING_EQUAL(r.addrtype, "IP4");
	CU_ASSERT_STRING_EQUAL(r.addr, "198.51.100.1");
	CU_ASSERT_PTR_NOT_NULL(sdp_conn(s, SDP_SESSION, &c));
	CU_ASSERT_PTR_NULL(sdp_media_conn(s, 0, &c));
	CU_ASSERT_EQUAL(c.line, 5);
	CU_ASSERT_FALSE(sdp_rtcp_mux(s, SDP_SESSION));
	CU_ASSERT_FALSE(sdp_rtcp_mux(s, 1));
	free(s);
}

/* An IPv6 c= and a port-only a=rtcp. */
static void
test_ipv6_offer_fields(void)
{
	struct sdp		*s = parse_str(ipv6_offer);
	struct sdp_origin	 o;
	struct sdp_rtcp		 r;
	struct sdp_conn		 c;

	CU_ASSERT_PTR_NULL(sdp_media_conn(s, 0, &c));
	CU_ASSERT_STRING_EQUAL(c.addrtype, "IP6");
	CU_ASSERT_STRING_EQUAL(c.addr, "2001:db8::10");
	CU_ASSERT_PTR_NULL(sdp_origin(s, &o));
	CU_ASSERT_STRING_EQUAL(o.addrtype, "IP6");
	CU_ASSERT_EQUAL(sdp_rtcp(s, 0, &r), 1);
	CU_ASSERT_EQUAL(r.port, 20001);
	CU_ASSERT_STRING_EQUAL(r.addr, "");
	CU_ASSERT_FALSE(sdp_rtcp_mux(s, 0));
	free(s);
}

/* Media-level direction overrides the session's; none means sendrecv. */
static void
test_direction_media_overrides_session(void)
{
	static const char	 both[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n"
	    "s=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\na=sendonly\r\n"
	    "m=audio 4000 RTP/AVP 0\r\na=recvonly\r\n"
	    "m=audio 4002 RTP/AVP 0\r\n"
	    "m=video 4004 RTP/AVP 31\r\na=inactive\r\n";
	struct sdp		*s = parse_str(hold_reinvite);
	struct sdp_conn		 c;

	CU_ASSERT_EQUAL(sdp_direction(s, 0), SDP_DIR_SENDONLY);
	CU_ASSERT_EQUAL(sdp_direction(s, SDP_SESSION), SDP_DIR_SENDRECV);
	CU_ASSERT_PTR_NULL(sdp_media_conn(s, 0, &c));
	CU_ASSERT_STRING_EQUAL(c.addr, "0.0.0.0");
	free(s);
	s = parse_str(both);
	CU_ASSERT_EQUAL(sdp_direction(s, SDP_SESSION), SDP_DIR_SENDONLY);
	CU_ASSERT_EQUAL(sdp_direction(s, 0), SDP_DIR_RECVONLY);
	CU_ASSERT_EQUAL(sdp_direction(s, 1), SDP_DIR_SENDONLY);
	CU_ASSERT_EQUAL(sdp_direction(s, 2), SDP_DIR_INACTIVE);
	CU_ASSERT_STRING_EQUAL(sdp_dir_name(SDP_DIR_INACTIVE), "inactive");
	free(s);
	s = parse_str(cisco_offer);
	CU_ASSERT_EQUAL(sdp_direction(s, 0), SDP_DIR_SENDRECV);
	free(s);
}

/* Setting a section's own c= changes that line and nothing else. */
static void
test_set_conn_rewrites_only_that_line(void)
{
	struct sdp	*s = parse_str(rtcp_mux_offer);
	struct sdp_conn	 c;
	char		*want;

	CU_ASSERT_PTR_NULL(sdp_set_conn(s, 0, "203.0.113.7"));
	want = subst(rtcp_mux_offer, "c=IN IP4 198.51.100.1",
	    "c=IN IP4 203.0.113.7");
	check_print(s, want);
	free(want);
	/* The addrtype follows the address. */
	CU_ASSERT_PTR_NULL(sdp_set_conn(s, 0, "2001:db8::7"));
	want = subst(rtcp_mux_offer, "c=IN IP4 198.51.100.1",
	    "c=IN IP6 2001:db8::7");
	check_print(s, want);
	free(want);
	CU_ASSERT_PTR_NULL(sdp_media_conn(s, 0, &c));
	CU_ASSERT_STRING_EQUAL(c.addrtype, "IP6");
	CU_ASSERT_STRING_EQUAL(c.addr, "2001:db8::7");
	free(s);
	/* A multicast /ttl goes with the old address. */
	s = parse_str("v=0\r\nc=IN IP4 224.2.1.1/127\r\n");
	CU_ASSERT_PTR_NULL(sdp_conn(s, SDP_SESSION, &c));
	CU_ASSERT_TRUE(c.multicast);
	CU_ASSERT_STRING_EQUAL(c.addr, "224.2.1.1");
	CU_ASSERT_PTR_NULL(sdp_set_conn(s, SDP_SESSION, "192.0.2.9"));
	check_print(s, "v=0\r\nc=IN IP4 192.0.2.9\r\n");
	free(s);
}

/* Without a c= in a section, one is added where RFC 8866 puts it. */
static void
test_set_conn_adds_a_line_in_rfc_order(void)
{
	static const char	 info[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n"
	    "s=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
	    "m=audio 4000 RTP/AVP 0\r\ni=voice\r\nb=AS:64\r\n"
	    "a=sendrecv\r\n";
	struct sdp		*s = parse_str(spectralink_offer);
	struct sdp_conn		 c;
	char			*want;

	/* Media level: right after m=, the session c= left alone. */
	CU_ASSERT_PTR_NULL(sdp_set_conn(s, 1, "203.0.113.7"));
	want = subst(spectralink_offer, "m=audio 2222 RTP/AVP 9 0 8 18 101\r\n",
	    "m=audio 2222 RTP/AVP 9 0 8 18 101\r\nc=IN IP4 203.0.113.7\r\n");
	check_print(s, want);
	free(want);
	CU_ASSERT_PTR_NULL(sdp_media_conn(s, 1, &c));
	CU_ASSERT_STRING_EQUAL(c.addr, "203.0.113.7");
	CU_ASSERT_PTR_NULL(sdp_media_conn(s, 0, &c));
	CU_ASSERT_STRING_EQUAL(c.addr, "10.0.0.31");
	free(s);
	/* Session level: after s= (and o=), before t=. */
	s = parse_str(rtcp_mux_offer);
	CU_ASSERT_PTR_NULL(sdp_set_conn(s, SDP_SESSION, "192.0.2.5"));
	want = subst(rtcp_mux_offer, "s=-\r\n",
	    "s=-\r\nc=IN IP4 192.0.2.5\r\n");
	check_print(s, want);
	free(want);
	free(s);
	/* After the media's i=, before its b=. */
	s = parse_str(info);
	CU_ASSERT_PTR_NULL(sdp_set_conn(s, 0, "::1"));
	want = subst(info, "i=voice\r\n", "i=voice\r\nc=IN IP6 ::1\r\n");
	check_print(s, want);
	free(want);
	free(s);
}

/* Only IP literals become addresses: nothing can smuggle a line in. */
static void
test_set_conn_refuses_what_is_not_an_address(void)
{
	static const char *const bad[] = {
		"192.0.2.1\r\na=crypto:1 x", "sip.example.org", "", "1.2.3",
		"192.0.2.1 ", "fe80::1%eth0",
	};
	struct sdp	*s = parse_str(cisco_offer);
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_PTR_NOT_NULL(sdp_set_conn(s, 0, bad[i]));
	CU_ASSERT_PTR_NOT_NULL(sdp_set_conn(s, 0, NULL));
	CU_ASSERT_PTR_NOT_NULL(sdp_set_conn(s, 1, "192.0.2.1"));
	CU_ASSERT_PTR_NOT_NULL(sdp_set_conn(s, -2, "192.0.2.1"));
	check_print(s, cisco_offer);
	free(s);
}

/* Port edits: /nports dropped or written, the rest of m= kept. */
static void
test_set_port_and_nports(void)
{
	static const char	 video[] = "v=0\r\nc=IN IP4 192.0.2.1\r\n"
	    "m=video 49170/2 RTP/AVP  31 \r\na=x\r\n";
	struct sdp		*s = parse_str(video);
	struct sdp_media	 m;

	CU_ASSERT_PTR_NULL(sdp_media(s, 0, &m));
	CU_ASSERT_EQUAL(m.nports, 2);
	CU_ASSERT_PTR_NULL(sdp_media_set_port(s, 0, 30000, 0));
	check_print(s, "v=0\r\nc=IN IP4 192.0.2.1\r\n"
	    "m=video 30000 RTP/AVP  31 \r\na=x\r\n");
	CU_ASSERT_PTR_NULL(sdp_media_set_port(s, 0, 30002, 2));
	check_print(s, "v=0\r\nc=IN IP4 192.0.2.1\r\n"
	    "m=video 30002/2 RTP/AVP  31 \r\na=x\r\n");
	CU_ASSERT_PTR_NULL(sdp_media_set_port(s, 0, 65535, 1));
	CU_ASSERT_PTR_NULL(sdp_media(s, 0, &m));
	CU_ASSERT_EQUAL(m.port, 65535);
	CU_ASSERT_EQUAL(m.nports, 0);
	CU_ASSERT_PTR_NOT_NULL(sdp_media_set_port(s, 0, 65536, 0));
	CU_ASSERT_PTR_NOT_NULL(sdp_media_set_port(s, 1, 4000, 0));
	free(s);
	/* A rejected stream without formats cannot come back to life. */
	s = parse_str("v=0\r\nm=audio 0 RTP/AVP\r\n");
	CU_ASSERT_PTR_NOT_NULL(sdp_media_set_port(s, 0, 4000, 0));
	CU_ASSERT_PTR_NULL(sdp_media_set_port(s, 0, 0, 0));
	check_print(s, "v=0\r\nm=audio 0 RTP/AVP\r\n");
	free(s);
}

/* Proto edits: SAVP to AVP and back, the formats kept. */
static void
test_set_proto(void)
{
	struct sdp	*s = parse_str(spectralink_offer);
	char		*want;

	CU_ASSERT_PTR_NULL(sdp_media_set_proto(s, 0, "RTP/AVP"));
	want = subst(spectralink_offer, "m=audio 2222 RTP/SAVP",
	    "m=audio 2222 RTP/AVP");
	check_print(s, want);
	free(want);
	CU_ASSERT_PTR_NULL(sdp_media_set_proto(s, 0, "UDP/TLS/RTP/SAVP"));
	want = subst(spectralink_offer, "m=audio 2222 RTP/SAVP",
	    "m=audio 2222 UDP/TLS/RTP/SAVP");
	check_print(s, want);
	free(want);
	CU_ASSERT_PTR_NOT_NULL(sdp_media_set_proto(s, 0, "RTP/AVP 0\r\n"));
	CU_ASSERT_PTR_NOT_NULL(sdp_media_set_proto(s, 0, "RTP//AVP"));
	CU_ASSERT_PTR_NOT_NULL(sdp_media_set_proto(s, 0, ""));
	CU_ASSERT_PTR_NOT_NULL(sdp_media_set_proto(s, 0, NULL));
	free(s);
}

/* Rejecting the AVP half of a dual offer: port 0, the section stays. */
static void
test_reject_keeps_the_section(void)
{
	struct sdp		*s = parse_str(spectralink_offer);
	struct sdp_media	 m;
	char			*want;

	CU_ASSERT_PTR_NULL(sdp_media_reject(s, 1));
	want = subst(spectralink_offer, "m=audio 2222 RTP/AVP",
	    "m=audio 0 RTP/AVP");
	check_print(s, want);
	free(want);
	CU_ASSERT_EQUAL(s->nmedia, 2);
	CU_ASSERT_PTR_NULL(sdp_media(s, 1, &m));
	CU_ASSERT_EQUAL(m.port, 0);
	CU_ASSERT_EQUAL(m.nfmt, 5);
	free(s);
}

/* Removing every crypto line of one section, and one line. */
static void
test_remove_attributes_by_name(void)
{
	struct sdp	*s = parse_str(spectralink_offer);
	char		*want, *p, *q;
	int		 line;

	CU_ASSERT_EQUAL(sdp_attr_remove(s, 1, "crypto"), 0);
	CU_ASSERT_EQUAL(sdp_attr_remove(s, 0, "crypto"), 8);
	/* Expected: the offer without its eight crypto lines. */
	want = strdup(spectralink_offer);
	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	while ((p = strstr(want, "a=crypto:")) != NULL) {
		q = strstr(p, "\r\n") + 2;
		memmove(p, q, strlen(q) + 1);
	}
	check_print(s, want);
	free(want);
	CU_ASSERT_EQUAL(sdp_attr_find(s, 0, "crypto"), -1);
	CU_ASSERT_EQUAL(s->mline[1], 14);
	/* The keys are gone from the struct, not just from the lines. */
	CU_ASSERT_PTR_NULL(memmem(s, sizeof(*s),
	    "3m1FnfmsbAQBwMx0611SdkyAOo7UWBsmWohEsnUG", 40));
	CU_ASSERT_PTR_NULL(memmem(s, sizeof(*s),
	    "JeYyO4XGWL+fQDjlRxmMj0Z7U6n0SpgQgIQ/8aK5", 40));
	free(s);
	/* One line, by number. */
	s = parse_str(cisco_offer);
	line = sdp_attr_find(s, 0, "ptime");
	CU_ASSERT_PTR_NULL(sdp_attr_remove_line(s, line));
	want = subst(cisco_offer, "a=ptime:20\r\n", "");
	check_print(s, want);
	free(want);
	CU_ASSERT_PTR_NOT_NULL(sdp_attr_remove_line(s, 0));
	CU_ASSERT_PTR_NOT_NULL(sdp_attr_remove_line(s, 99));
	free(s);
}

/* New attributes go after the last a= line of their section. */
static void
test_add_attribute_after_the_last_one(void)
{
	static const char	 key[] = "1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
	struct sdp		*s = parse_str(spectralink_offer);
	char			*want, *want2, line[256];
	int			 a, n, last = -1;

	(void)snprintf(line, sizeof(line), "a=sendrecv\r\na=crypto:%s\r\n"
	    "m=audio 2222 RTP/AVP", key);
	CU_ASSERT_PTR_NULL(sdp_attr_add(s, 0, "crypto", key));
	want = subst(spectralink_offer, "a=sendrecv\r\nm=audio 2222 RTP/AVP",
	    line);
	check_print(s, want);
	for (n = 0, a = sdp_attr_find(s, 0, "crypto"); a >= 0;
	    a = sdp_attr_next(s, a, "crypto"))
		last = a, n++;
	CU_ASSERT_EQUAL(n, 9);
	CU_ASSERT_EQUAL(last, 22);
	CU_ASSERT_EQUAL(s->mline[1], 23);
	/* A property attribute, at the very end. */
	CU_ASSERT_PTR_NULL(sdp_attr_add(s, 1, "rtcp-mux", NULL));
	want2 = malloc(strlen(want) + 16);
	CU_ASSERT_PTR_NOT_NULL_FATAL(want2);
	strcpy(want2, want);
	strcat(want2, "a=rtcp-mux\r\n");
	check_print(s, want2);
	free(want);
	free(want2);
	free(s);
	/* Session level: before the first m=, after the last session a=. */
	s = parse_str(baresip_offer);
	CU_ASSERT_PTR_NULL(sdp_attr_add(s, SDP_SESSION, "x-edge", "1"));
	want = subst(baresip_offer, "a=tool:baresip 1.0.0\r\n",
	    "a=tool:baresip 1.0.0\r\na=x-edge:1\r\n");
	check_print(s, want);
	free(want);
	/* Without a=, at the end of the section. */
	CU_ASSERT_EQUAL(sdp_attr_remove(s, SDP_SESSION, "tool"), 1);
	CU_ASSERT_EQUAL(sdp_attr_remove(s, SDP_SESSION, "x-edge"), 1);
	CU_ASSERT_PTR_NULL(sdp_attr_add(s, SDP_SESSION, "y", ""));
	want = subst(baresip_offer, "a=tool:baresip 1.0.0\r\n", "a=y:\r\n");
	check_print(s, want);
	free(want);
	free(s);
	/* Lines out of RFC order after the attributes stay after them. */
	s = parse_str("v=0\r\nm=audio 4000 RTP/AVP 0\r\n"
	    "a=rtpmap:0 PCMU/8000\r\ny=unknown\r\nm=audio 4002 RTP/AVP 0\r\n");
	CU_ASSERT_PTR_NULL(sdp_attr_add(s, 0, "ptime", "20"));
	check_print(s, "v=0\r\nm=audio 4000 RTP/AVP 0\r\n"
	    "a=rtpmap:0 PCMU/8000\r\na=ptime:20\r\ny=unknown\r\n"
	    "m=audio 4002 RTP/AVP 0\r\n");
	/* Refused: a name that is no token, a value with a line break. */
	CU_ASSERT_PTR_NOT_NULL(sdp_attr_add(s, 0, "a b", NULL));
	CU_ASSERT_PTR_NOT_NULL(sdp_attr_add(s, 0, "", NULL));
	CU_ASSERT_PTR_NOT_NULL(sdp_attr_add(s, 0, "x:y", NULL));
	CU_ASSERT_PTR_NOT_NULL(sdp_attr_add(s, 0, "crypto", "1\r\nm=x"));
	CU_ASSERT_PTR_NOT_NULL(sdp_attr_add(s, 0, "crypto", "1\n"));
	CU_ASSERT_PTR_NOT_NULL(sdp_attr_add(s, 2, "x", NULL));
	free(s);
}

/* New lines end like the body's first; a missing final newline stays. */
static void
test_new_lines_follow_the_body_line_ends(void)
{
	char		*lf = reend(cisco_offer, 0), *want, *want2;
	char		*bare = reend(cisco_offer, 2);
	struct sdp	*s;

	s = parse_str(lf);
	CU_ASSERT_PTR_NULL(sdp_attr_add(s, 0, "rtcp-mux", NULL));
	CU_ASSERT_PTR_NULL(sdp_set_conn(s, 0, "192.0.2.2"));
	want = subst(lf, "a=rtpmap:0", "c=IN IP4 192.0.2.2\na=rtpmap:0");
	want2 = malloc(strlen(want) + 16);
	CU_ASSERT_PTR_NOT_NULL_FATAL(want2);
	strcpy(want2, want);
	strcat(want2, "a=rtcp-mux\n");
	check_print(s, want2);
	free(want2);
	free(want);
	free(s);
	/* No newline at the end before, none after either. */
	s = parse_str(bare);
	CU_ASSERT_PTR_NULL(sdp_attr_add(s, 0, "rtcp-mux", NULL));
	want = malloc(strlen(bare) + 32);
	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	strcpy(want, bare);
	strcat(want, "\r\na=rtcp-mux");
	check_print(s, want);
	/* And removing that last line leaves the one before it bare. */
	CU_ASSERT_EQUAL(sdp_attr_remove(s, 0, "rtcp-mux"), 1);
	check_print(s, bare);
	free(want);
	free(s);
	free(lf);
	free(bare);
}

/* Replacing an attribute's value, or dropping it. */
static void
test_replace_attribute_value(void)
{
	struct sdp	*s = parse_str(cisco_offer);
	char		*want;
	int		 line = sdp_attr_find(s, 0, "crypto");

	CU_ASSERT_PTR_NULL(sdp_attr_set(s, line, "2 AES_CM_128_HMAC_SHA1_32 "
	    "inline:AAAA"));
	want = subst(cisco_offer, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:N2yGZNZm9azSMGQ8+O0igJssHyggODgmYta570zP",
	    "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:AAAA");
	check_print(s, want);
	free(want);
	line = sdp_attr_find(s, 0, "ptime");
	CU_ASSERT_PTR_NULL(sdp_attr_set(s, line, NULL));
	CU_ASSERT_PTR_NULL(sdp_attr_value(s, line));
	CU_ASSERT_PTR_NULL(sdp_attr_set(s, line, "30"));
	CU_ASSERT_STRING_EQUAL(sdp_attr_value(s, line), "30");
	CU_ASSERT_PTR_NOT_NULL(sdp_attr_set(s, line, "3\r\n0"));
	CU_ASSERT_PTR_NOT_NULL(sdp_attr_set(s, 0, "x"));
	/* The replaced key is not left behind in the arena. */
	CU_ASSERT_PTR_NULL(memmem(s, sizeof(*s),
	    "N2yGZNZm9azSMGQ8+O0igJssHyggODgmYta570zP", 40));
	free(s);
}

/* sdp_origin_set: each part given is set, the others stay. */
static void
test_origin_set(void)
{
	struct sdp	*s;

	s = parse_str("v=0\r\no=alice 42 7 IN IP4 192.0.2.1\r\ns=-\r\n");
	CU_ASSERT_PTR_NULL(sdp_origin_set(s, NULL, NULL, "8", NULL));
	check_print(s, "v=0\r\no=alice 42 8 IN IP4 192.0.2.1\r\ns=-\r\n");
	CU_ASSERT_PTR_NULL(sdp_origin_set(s, NULL, NULL, "9", "2001:db8::5"));
	check_print(s, "v=0\r\no=alice 42 9 IN IP6 2001:db8::5\r\ns=-\r\n");
	CU_ASSERT_PTR_NULL(sdp_origin_set(s, "edge", "1001", "10", NULL));
	check_print(s,
	    "v=0\r\no=edge 1001 10 IN IP6 2001:db8::5\r\ns=-\r\n");
	/* What would not parse again is refused and changes nothing. */
	CU_ASSERT_PTR_NOT_NULL(sdp_origin_set(s, "a b", NULL, "11", NULL));
	CU_ASSERT_PTR_NOT_NULL(sdp_origin_set(s, NULL, "", "11", NULL));
	CU_ASSERT_PTR_NOT_NULL(sdp_origin_set(s, NULL, NULL, "1x", NULL));
	check_print(s,
	    "v=0\r\no=edge 1001 10 IN IP6 2001:db8::5\r\ns=-\r\n");
	free(s);
}

/* The o= version goes up by one in decimal, past 64 bits too. */
static void
test_origin_version_bump(void)
{
	static const struct {
		const char	*from, *to;
	} t[] = {
		{ "0", "1" },
		{ "9", "10" },
		{ "1619700000", "1619700001" },
		{ "0099", "0100" },
		{ "18446744073709551615", "18446744073709551616" },
		{ "99999999999999999999999999", "100000000000000000000000000" },
	};
	struct sdp		*s;
	struct sdp_origin	 o;
	char			 body[256], want[256], digits[SDP_NUM_MAX];
	char			*want2;
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		(void)snprintf(body, sizeof(body), "v=0\r\n"
		    "o=alice 42 %s IN IP4 192.0.2.1\r\ns=-\r\n", t[i].from);
		(void)snprintf(want, sizeof(want), "v=0\r\n"
		    "o=alice 42 %s IN IP4 192.0.2.1\r\ns=-\r\n", t[i].to);
		s = parse_str(body);
		CU_ASSERT_PTR_NULL(sdp_origin_bump(s));
		check_print(s, want);
		CU_ASSERT_PTR_NULL(sdp_origin(s, &o));
		CU_ASSERT_STRING_EQUAL(o.sess_version, t[i].to);
		CU_ASSERT_STRING_EQUAL(o.sess_id, "42");
		free(s);
	}
	/* A real offer: only the version changes. */
	s = parse_str(baresip_offer);
	CU_ASSERT_PTR_NULL(sdp_origin_bump(s));
	CU_ASSERT_PTR_NULL(sdp_origin_bump(s));
	want2 = subst(baresip_offer, "1620183716", "1620183718");
	check_print(s, want2);
	free(want2);
	free(s);
	/* A version that would outgrow its field, and no o= at all. */
	memset(digits, '9', sizeof(digits) - 1);
	digits[sizeof(digits) - 1] = '\0';
	(void)snprintf(body, sizeof(body), "v=0\r\no=- 1 %s IN IP6 ::1\r\n",
	    digits);
	s = parse_str(body);
	CU_ASSERT_PTR_NOT_NULL(sdp_origin_bump(s));
	check_print(s, body);
	free(s);
	s = parse_str("v=0\r\ns=-\r\n");
	CU_ASSERT_PTR_NOT_NULL(sdp_origin_bump(s));
	free(s);
}

/* A copied struct is independent of its original. */
static void
test_copies_edit_independently(void)
{
	struct sdp	*a = parse_str(spectralink_offer);
	struct sdp	*b = malloc(sizeof(*b));

	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	*b = *a;
	CU_ASSERT_PTR_NULL(sdp_media_reject(b, 1));
	CU_ASSERT_EQUAL(sdp_attr_remove(b, 0, "crypto"), 8);
	CU_ASSERT_PTR_NULL(sdp_set_conn(b, SDP_SESSION, "192.0.2.1"));
	check_print(a, spectralink_offer);
	CU_ASSERT_NOT_EQUAL(sdp_print_len(b), strlen(spectralink_offer));
	free(a);
	free(b);
}

/*
 * Thousands of edits fill the arena many times over; compaction keeps
 * every line, even when the new value is read from the body itself.
 */
static void
test_many_edits_compact_the_arena(void)
{
	struct sdp	*s = parse_str(spectralink_offer);
	char		 big[2001];
	const char	*v;
	char		*want, *want2;
	int		 a, b, i;

	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	a = sdp_attr_find(s, 0, "crypto");
	b = sdp_attr_next(s, a, "crypto");
	for (i = 0; i < 2000; i++) {
		big[0] = (char)('a' + i % 26);
		CU_ASSERT_PTR_NULL_FATAL(sdp_attr_set(s, a, big));
		/* b's new value is a's, pointing into the arena. */
		v = sdp_attr_value(s, a);
		CU_ASSERT_PTR_NULL_FATAL(sdp_attr_set(s, b, v));
	}
	CU_ASSERT_STRING_EQUAL(sdp_attr_value(s, b), big);
	CU_ASSERT_STRING_EQUAL(sdp_attr_value(s, a), big);
	want = subst(spectralink_offer, "1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:3m1FnfmsbAQBwMx0611SdkyAOo7UWBsmWohEsnUG", big);
	want2 = subst(want, "2 AES_CM_128_HMAC_SHA1_32 "
	    "inline:fRsOLN6Lvf185Zr6ARasB6EcMBmKIQ7jTX6xSzBf", big);
	check_print(s, want2);
	free(want2);
	free(want);
	free(s);
}

/* Edits never grow a body past what sdp_parse() would take back. */
static void
test_edits_respect_the_limits(void)
{
	struct sdp	*s = parse_str("v=0\r\nm=audio 4000 RTP/AVP 0\r\n");
	char		*big, *out;
	size_t		 i, len;
	const char	*err = NULL;

	big = malloc(SDP_MAX_BODY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memset(big, 'x', SDP_MAX_BODY - 1);
	big[SDP_MAX_BODY - 1] = '\0';
	CU_ASSERT_PTR_NOT_NULL(sdp_attr_add(s, 0, "k", big));
	big[SDP_MAX_BODY / 2] = '\0';
	CU_ASSERT_PTR_NULL(sdp_attr_add(s, 0, "k", big));
	CU_ASSERT_PTR_NOT_NULL(sdp_attr_add(s, 0, "k", big));
	/* Replacing a value is held to the same limit as adding a line. */
	big[SDP_MAX_BODY / 2] = 'x';
	CU_ASSERT_PTR_NOT_NULL(sdp_attr_set(s, sdp_attr_find(s, 0, "k"), big));
	CU_ASSERT_EQUAL(sdp_print_len(s), strlen("v=0\r\n"
	    "m=audio 4000 RTP/AVP 0\r\na=k:\r\n") + SDP_MAX_BODY / 2);
	big[SDP_MAX_BODY - 64] = '\0';
	CU_ASSERT_PTR_NULL(sdp_attr_set(s, sdp_attr_find(s, 0, "k"), big));
	CU_ASSERT_EQUAL(sdp_print_len(s), strlen("v=0\r\n"
	    "m=audio 4000 RTP/AVP 0\r\na=k:\r\n") + SDP_MAX_BODY - 64);
	CU_ASSERT_EQUAL(sdp_attr_remove(s, 0, "k"), 1);
	for (i = 0; i < SDP_MAX_LINES && err == NULL; i++)
		err = sdp_attr_add(s, 0, "sendrecv", NULL);
	CU_ASSERT_PTR_NOT_NULL(err);
	CU_ASSERT_EQUAL(s->nlines, SDP_MAX_LINES);
	out = sdp_print_alloc(s, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	free(s);
	s = parse_ok(out, len);
	CU_ASSERT_EQUAL(s->nlines, SDP_MAX_LINES);
	CU_ASSERT_PTR_NOT_NULL(sdp_print(s, out, 10, &len));
	free(out);
	free(big);
	free(s);
}

/* What is not SDP is refused with a reason that quotes nothing. */
static void
test_malformed_bodies_refused_with_reason(void)
{
	static const struct {
		const char	*body;
		const char	*reason;
	} t[] = {
		{ "", "empty SDP body" },
		{ "s=-\r\nv=0\r\n", "SDP does not start with v=0" },
		{ "v=1\r\n", "SDP does not start with v=0" },
		{ "v=0 \r\n", "SDP does not start with v=0" },
		{ "\r\nv=0\r\n", "SDP does not start with v=0" },
		{ "V=0\r\n", "SDP does not start with v=0" },
		{ "INVITE sip:a@b SIP/2.0\r\n", "SDP line is not type=value" },
		{ "v=0\r\ns -\r\n", "SDP line is not type=value" },
		{ "v=0\r\n=x\r\n", "SDP line is not type=value" },
		{ "v=0\r\n1=x\r\n", "SDP line is not type=value" },
		{ "v=0\r\na\r\n", "SDP line is not type=value" },
		{ "v=0\r\ns=a\x01z\r\n", "control character in an SDP line" },
		{ "v=0\r\ns=a\x7fz\r\n", "control character in an SDP line" },
		{ "v=0\r\ns=a\rz\r\n", "bare CR in an SDP line" },
		{ "v=0\r\ns=-\r\r\n", "bare CR in an SDP line" },
		{ "v=0\r\n\r\ns=-\r\n", "blank line inside an SDP body" },
		{ "v=0\r\nm=audio\r\n", "m= line does not parse" },
		{ "v=0\r\nm=audio 4000\r\n", "m= line does not parse" },
		{ "v=0\r\nm=audio 4000 RTP/AVP\r\n", "m= line does not parse" },
		{ "v=0\r\nm=audio 65536 RTP/AVP 0\r\n",
		    "m= line does not parse" },
		{ "v=0\r\nm=audio -1 RTP/AVP 0\r\n", "m= line does not parse" },
		{ "v=0\r\nm=audio 4000/0 RTP/AVP 0\r\n",
		    "m= line does not parse" },
		{ "v=0\r\nm=audio 4000/ RTP/AVP 0\r\n",
		    "m= line does not parse" },
		{ "v=0\r\nm=audio 4000 RTP//AVP 0\r\n",
		    "m= line does not parse" },
		{ "v=0\r\nm=au:dio 4000 RTP/AVP 0\r\n",
		    "m= line does not parse" },
		{ "v=0\r\nm=audio 4000 RTP/AVP 0\t8\r\n",
		    "m= line does not parse" },
		{ "v=0\r\nc=IN IP4\r\n", "c= line does not parse" },
		{ "v=0\r\nc=IN IP4 1.2.3.4 x\r\n", "c= line does not parse" },
		{ "v=0\r\nc=IN IP4 /127\r\n", "c= line does not parse" },
		{ "v=0\r\no=- 1 1a IN IP4 192.0.2.1\r\n",
		    "o= line does not parse" },
		{ "v=0\r\no=- 1 IN IP4 192.0.2.1\r\n",
		    "o= line does not parse" },
		{ "v=0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 "
		    "inline:N2yGZNZm9azSMGQ8+O0igJssHyggODgmYta570zP\x02\r\n",
		    "control character in an SDP line" },
		{ "v=0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 "
		    "inline:N2yGZNZm9azSMGQ8+O0igJssHyggODgmYta570zP\r\n"
		    "m=audio x RTP/AVP 0\r\n", "m= line does not parse" },
	};
	struct sdp	*s = calloc(1, sizeof(*s));
	const char	*err;
	size_t		 i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err = sdp_parse(t[i].body, strlen(t[i].body), s);
		if (err == NULL || strcmp(err, t[i].reason) != 0)
			fprintf(stderr, "\ncase %zu: got %s\n", i,
			    err ? err : "(accepted)");
		CU_ASSERT_PTR_NOT_NULL_FATAL(err);
		CU_ASSERT_STRING_EQUAL(err, t[i].reason);
		CU_ASSERT_PTR_NULL(strstr(err, "inline"));
		CU_ASSERT_EQUAL(s->nlines, 0);
		CU_ASSERT_EQUAL(sdp_print_len(s), 0);
		/* What was copied before the refusal is wiped. */
		CU_ASSERT_PTR_NULL(memmem(s, sizeof(*s), "N2yGZNZm9azSMGQ8",
		    16));
	}
	free(s);
}

/* Body, lines, media and formats beyond the limits are refused. */
static void
test_limits_are_errors(void)
{
	struct sdp	*s = calloc(1, sizeof(*s));
	char		*body;
	size_t		 i, k, cap = 2 * SDP_MAX_BODY;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	body = malloc(cap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	/* Lines: the most is taken, one more is not. */
	k = (size_t)snprintf(body, cap, "v=0\r\n");
	for (i = 1; i < SDP_MAX_LINES; i++)
		k += (size_t)snprintf(body + k, cap - k, "a=x\r\n");
	CU_ASSERT_PTR_NULL(sdp_parse(body, k, s));
	k += (size_t)snprintf(body + k, cap - k, "a=x\r\n");
	CU_ASSERT_STRING_EQUAL(sdp_parse(body, k, s), "too many SDP lines");
	/* Media sections. */
	k = (size_t)snprintf(body, cap, "v=0\r\n");
	for (i = 0; i < SDP_MAX_MEDIA; i++)
		k += (size_t)snprintf(body + k, cap - k,
		    "m=audio %zu RTP/AVP 0\r\n", 4000 + 2 * i);
	CU_ASSERT_PTR_NULL(sdp_parse(body, k, s));
	CU_ASSERT_EQUAL(s->nmedia, SDP_MAX_MEDIA);
	k += (size_t)snprintf(body + k, cap - k, "m=audio 9 RTP/AVP 0\r\n");
	CU_ASSERT_STRING_EQUAL(sdp_parse(body, k, s),
	    "too many SDP media sections");
	/* Formats on one m= line. */
	k = (size_t)snprintf(body, cap, "v=0\r\nm=audio 4000 RTP/AVP");
	for (i = 0; i < SDP_MAX_FMTS; i++)
		k += (size_t)snprintf(body + k, cap - k, " %zu", i);
	CU_ASSERT_PTR_NULL(sdp_parse(body, k, s));
	k += (size_t)snprintf(body + k, cap - k, " 127");
	CU_ASSERT_STRING_EQUAL(sdp_parse(body, k, s),
	    "too many formats on an m= line");
	/* Bytes. */
	k = (size_t)snprintf(body, cap, "v=0\r\ns=");
	memset(body + k, 'x', SDP_MAX_BODY + 1 - k);
	CU_ASSERT_PTR_NULL(sdp_parse(body, SDP_MAX_BODY, s));
	CU_ASSERT_STRING_EQUAL(sdp_parse(body, SDP_MAX_BODY + 1, s),
	    "SDP body too large");
	free(body);
	free(s);
}

/* Register the sdp suite. */
void
test_sdp_register(void)
{
	CU_pSuite	s = unit_suite("sdp");

	UNIT_TEST(s, test_real_offers_print_back_byte_for_byte);
	UNIT_TEST(s, test_mixed_line_ends_and_no_final_newline_kept);
	UNIT_TEST(s, test_parser_stops_at_len);
	UNIT_TEST(s, test_baresip_fields);
	UNIT_TEST(s, test_spectralink_dual_offer_fields);
	UNIT_TEST(s, test_cisco_avp_with_crypto_fields);
	UNIT_TEST(s, test_t38_image_stream_fields);
	UNIT_TEST(s, test_rtcp_mux_offer_fields);
	UNIT_TEST(s, test_ipv6_offer_fields);
	UNIT_TEST(s, test_direction_media_overrides_session);
	UNIT_TEST(s, test_set_conn_rewrites_only_that_line);
	UNIT_TEST(s, test_set_conn_adds_a_line_in_rfc_order);
	UNIT_TEST(s, test_set_conn_refuses_what_is_not_an_address);
	UNIT_TEST(s, test_set_port_and_nports);
	UNIT_TEST(s, test_set_proto);
	UNIT_TEST(s, test_reject_keeps_the_section);
	UNIT_TEST(s, test_remove_attributes_by_name);
	UNIT_TEST(s, test_add_attribute_after_the_last_one);
	UNIT_TEST(s, test_new_lines_follow_the_body_line_ends);
	UNIT_TEST(s, test_replace_attribute_value);
	UNIT_TEST(s, test_origin_set);
	UNIT_TEST(s, test_origin_version_bump);
	UNIT_TEST(s, test_copies_edit_independently);
	UNIT_TEST(s, test_many_edits_compact_the_arena);
	UNIT_TEST(s, test_edits_respect_the_limits);
	UNIT_TEST(s, test_malformed_bodies_refused_with_reason);
	UNIT_TEST(s, test_limits_are_errors);
}
