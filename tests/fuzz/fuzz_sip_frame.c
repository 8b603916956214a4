/*
 * fuzz_sip_frame.c: libFuzzer target for the stream framer. The input is
 * the byte stream from a phone; it is consumed unit by unit as conn.c
 * does, and every answer is checked against the buffer it came from. A
 * prefix of the input must not reach a different verdict than the whole,
 * and resuming after the prefix must give exactly the whole's answer.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip_frame.h"

/* Abort (a finding) unless cond holds. */
#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

/* Check one answer for internal consistency against n bytes and max. */
static void
fuzz_check(const struct sip_frame *f, size_t n, size_t max)
{
	switch (f->kind) {
	case SIP_FRAME_MESSAGE:
		CHECK(f->len > 0 && f->len <= n && f->len <= max);
		CHECK(f->header_len > 0 && f->header_len <= f->len);
		CHECK(f->header_len + f->content_length == f->len);
		CHECK(f->resume == 0);
		break;
	case SIP_FRAME_PING:
		CHECK(f->len == 4 && n >= 4);
		break;
	case SIP_FRAME_PONG:
		CHECK((f->len == 1 || f->len == 2) && f->len <= n);
		break;
	case SIP_FRAME_NEED_MORE:
		CHECK(f->len == 0 && f->why == NULL && f->resume <= n);
		CHECK(f->header_len <= n && f->header_len <= max);
		CHECK(f->header_len == 0 ||
		    f->content_length > n - f->header_len);
		break;
	case SIP_FRAME_TOO_BIG:
	case SIP_FRAME_BAD:
		CHECK(f->len == 0 && f->why != NULL && *f->why != '\0');
		break;
	default:
		abort();
	}
}

/*
 * A prefix that already reached a verdict must reach it for the whole
 * buffer too. The one documented exception: a CRLF ending the buffer is
 * a pong, though more bytes could make it a ping.
 */
static void
fuzz_prefix(const char *p, size_t n, size_t max, const struct sip_frame *whole)
{
	struct sip_frame	f;
	size_t			k = n / 2, from;
	char			*copy;

	if (n == 0)
		return;
	/* An exact-size copy, so reading past the prefix is caught. */
	copy = malloc(k == 0 ? 1 : k);
	CHECK(copy != NULL);
	memcpy(copy, p, k);
	sip_frame_next(copy, k, max, &f);
	free(copy);
	fuzz_check(&f, k, max);
	if (f.kind == SIP_FRAME_NEED_MORE) {
		/* Resuming from the prefix's stop matches a full scan. */
		from = f.resume;
		CHECK(from <= k);
		sip_frame_next_from(p, n, max, from, &f);
		CHECK(memcmp(&f, whole, sizeof(f)) == 0);
		return;
	}
	if (f.kind == SIP_FRAME_PONG && f.len == 2 && k == 2)
		return;
	CHECK(f.kind == whole->kind && f.len == whole->len);
}

/* Consume the stream unit by unit; stop where conn.c would wait or close. */
static void
fuzz_stream(const char *p, size_t n, size_t max)
{
	struct sip_frame	f;
	size_t			off = 0;

	while (off < n) {
		sip_frame_next(p + off, n - off, max, &f);
		fuzz_check(&f, n - off, max);
		fuzz_prefix(p + off, n - off, max, &f);
		if (f.kind != SIP_FRAME_MESSAGE && f.kind != SIP_FRAME_PING &&
		    f.kind != SIP_FRAME_PONG)
			break;
		off += f.len;
	}
	CHECK(off <= n);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* libFuzzer entry: the input is a stream, framed under two limits. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_stream((const char *)data, size, 65536);
	fuzz_stream((const char *)data, size, 128);
	return 0;
}
