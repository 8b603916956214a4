/*
 * fuzz_sdp.c: libFuzzer target for the SDP layer. The input is a body a
 * phone or a carrier could send. Whatever parses must print back byte for
 * byte; then the edits a media-anchoring proxy makes are applied, and
 * what they print must parse again, to the same bytes: the edge sends it
 * on to a peer.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdp.h"

/* Abort (a finding) unless cond holds. */
#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

static struct sdp	s, again;
static char		out[SDP_MAX_BODY + 1];

/* Read what the media code reads; nothing may crash or disagree. */
static void
fuzz_read(const struct sdp *p)
{
	struct sdp_origin	o;
	struct sdp_conn		c;
	struct sdp_media	m;
	struct sdp_rtcp		r;
	struct sdp_rtpmap	map;
	struct sdp_bandwidth	b;
	const char		*params;
	size_t			 i;
	int			 line;

	(void)sdp_origin(p, &o);
	(void)sdp_conn(p, SDP_SESSION, &c);
	(void)sdp_direction(p, SDP_SESSION);
	for (i = 0; i < p->nmedia; i++) {
		/* Every m= line was checked when it came in or was edited. */
		CHECK(sdp_media(p, (int)i, &m) == NULL);
		(void)sdp_media_conn(p, (int)i, &c);
		(void)sdp_rtcp(p, (int)i, &r);
		(void)sdp_rtcp_mux(p, (int)i);
		(void)sdp_direction(p, (int)i);
		if (sdp_rtpmap_find(p, (int)i, "telephone-event", &map) >= 0)
			CHECK(sdp_rtpmap(p, (int)i, map.pt, &map) >= 0);
		(void)sdp_fmtp(p, (int)i, 101, &params);
		for (line = sdp_line_find(p, (int)i, 'b'); line >= 0;
		    line = sdp_line_next(p, line))
			(void)sdp_bandwidth(p, line, &b);
		for (line = sdp_attr_find(p, (int)i, "crypto"); line >= 0;
		    line = sdp_attr_next(p, line, "crypto"))
			CHECK(sdp_line_media(p, line) == (int)i);
	}
}

/* The edits of an anchoring proxy, some chosen by the input's bytes. */
static void
fuzz_edit(struct sdp *p, unsigned char pick)
{
	size_t	i;
	int	line;

	(void)sdp_origin_bump(p);
	(void)sdp_set_conn(p, SDP_SESSION, pick & 1 ? "192.0.2.1" :
	    "2001:db8::1");
	for (i = 0; i < p->nmedia; i++) {
		(void)sdp_set_conn(p, (int)i, pick & 2 ? "::1" : "10.0.0.1");
		(void)sdp_media_set_port(p, (int)i, 20000 + 2 * (unsigned)i,
		    pick & 4 ? 2 : 0);
		(void)sdp_media_set_proto(p, (int)i, "RTP/SAVP");
		(void)sdp_attr_remove(p, (int)i, "crypto");
		CHECK(sdp_attr_find(p, (int)i, "crypto") < 0);
		(void)sdp_attr_add(p, (int)i, "crypto",
		    "1 AES_CM_128_HMAC_SHA1_80 inline:"
		    "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz");
		if ((line = sdp_attr_find(p, (int)i, "rtcp")) >= 0)
			(void)sdp_attr_set(p, line, "20001");
		if ((line = sdp_attr_find(p, (int)i, "sendrecv")) >= 0 &&
		    (pick & 8))
			(void)sdp_attr_remove_line(p, line);
		if (i == 1 && (pick & 16))
			(void)sdp_media_reject(p, (int)i);
	}
	(void)sdp_attr_add(p, SDP_SESSION, "x-edge", pick & 32 ? NULL : "");
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* libFuzzer entry: an exact-size copy, so reading past len is caught. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*copy;
	size_t	 len = 0, nmedia;

	copy = malloc(size == 0 ? 1 : size);
	CHECK(copy != NULL);
	if (size > 0)
		memcpy(copy, data, size);
	if (sdp_parse(copy, size, &s) != NULL) {
		CHECK(s.nlines == 0 && sdp_print_len(&s) == 0);
		free(copy);
		return 0;
	}
	CHECK(sdp_print(&s, out, sizeof(out), &len) == NULL);
	CHECK(len == size && memcmp(out, copy, size) == 0);
	fuzz_read(&s);
	nmedia = s.nmedia;
	fuzz_edit(&s, size > 0 ? (unsigned char)copy[size - 1] : 0);
	CHECK(s.nmedia == nmedia);
	fuzz_read(&s);
	CHECK(sdp_print(&s, out, sizeof(out), &len) == NULL);
	CHECK(len <= SDP_MAX_BODY);
	CHECK(sdp_parse(out, len, &again) == NULL);
	CHECK(again.nmedia == nmedia && again.nlines == s.nlines);
	CHECK(sdp_print_len(&again) == len);
	/* Whole sections: one copied in, one taken out; o= written anew. */
	if (nmedia > 0 && sdp_media_copy(&again, (int)again.nmedia, &s,
	    0) == NULL) {
		CHECK(again.nmedia == nmedia + 1);
		CHECK(sdp_media_remove(&again, 0) == NULL);
		CHECK(again.nmedia == nmedia);
	}
	(void)sdp_origin_set(&again, size > 1 && (copy[1] & 1) ? "edge" :
	    NULL, size > 1 && (copy[1] & 2) ? "7" : NULL, "42",
	    size > 0 && (copy[0] & 1) ? "2001:db8::2" : "192.0.2.2");
	CHECK(sdp_print(&again, out, sizeof(out), &len) == NULL);
	CHECK(sdp_parse(out, len, &s) == NULL);
	CHECK(s.nmedia == nmedia);
	free(copy);
	return 0;
}
