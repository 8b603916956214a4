/*
 * fuzz_media.c: any bytes as an SDP offer from either side, and the same
 * bytes as the answer to the edge's offer, through one media session of
 * every policy pair: no crash, no leak, and whatever the edge writes is
 * SDP that parses again.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "media.h"
#include "sdp.h"

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

static struct sdp	parsed;

static int
ports_alloc(void *arg, size_t stream, enum media_side side, unsigned *port,
    char *why, size_t whylen)
{
	unsigned	*next = arg;

	*port = next[side];
	next[side] += 2;
	return 0;
}

static void
ports_release(void *arg, size_t stream, enum media_side side,
    unsigned port)
{
}

/* What the edge wrote must be SDP. */
static void
check_out(const char *out, size_t len)
{
	CHECK(out != NULL);
	CHECK(sdp_parse(out, len, &parsed) == NULL);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 started;
	unsigned		 next[2] = { 20000, 30000 };
	struct media_ports	 ports = { ports_alloc, ports_release, next };
	struct media_policy	 pol[2];
	struct media_session	*ms;
	enum media_side		 from;
	char			*copy, *out, *ans, why[256];
	size_t			 outlen, anslen;
	unsigned char		 pick;
	int			 side;

	if (!started++)
		(void)srtp_init();
	if (size == 0)
		return 0;
	/* Every parsable input starts "v=0": pick from its size and end. */
	pick = (unsigned char)(size * 31 + data[size - 1]);
	copy = malloc(size);
	CHECK(copy != NULL);
	memcpy(copy, data, size);
	for (side = 0; side < 2; side++) {
		memset(&pol[side], 0, sizeof(pol[side]));
		pol[side].srtp = (enum srtp_policy)((pick >> (2 * side)) % 3);
		pol[side].shape = (enum sdp_shape)((pick >> 4) % 3);
		pol[side].suites[0] = SDES_AES_CM_128_HMAC_SHA1_80;
		pol[side].suites[1] = SDES_AEAD_AES_128_GCM;
		pol[side].n_suites = 2;
		strcpy(pol[side].addr, side == 0 ? "192.0.2.1" : "2001:db8::1");
	}
	from = pick & 0x80 ? MEDIA_CARRIER : MEDIA_PHONE;
	ms = media_session_new(&pol[MEDIA_PHONE], &pol[MEDIA_CARRIER], &ports);
	if (media_offer(ms, from, copy, size, &out, &outlen, why,
	    sizeof(why)) == 0) {
		check_out(out, outlen);
		/* The same bytes as the answer, and as the edge's own offer. */
		if (media_answer(ms, MEDIA_OTHER(from), copy, size, &ans,
		    &anslen, why, sizeof(why)) == 0) {
			check_out(ans, anslen);
			free(ans);
		}
		if (media_offer(ms, MEDIA_OTHER(from), out, outlen, &ans,
		    &anslen, why, sizeof(why)) == 0) {
			check_out(ans, anslen);
			free(ans);
		}
		free(out);
	} else
		CHECK(out == NULL);
	media_session_free(ms);
	free(copy);
	return 0;
}
