/*
 * fuzz_relay_packet.c: libFuzzer target for the relay's per-packet step,
 * which every datagram from a phone or a carrier goes through. The first
 * input byte picks the shape of the session (which leg, RTP or RTCP
 * socket, rtcp-mux, plain UDP, SRTP or plain on each side, a re-key
 * window open); the rest is the datagram. Whatever comes in, the step
 * must stay inside its buffer, and what it sends must fit the buffer and
 * go to an address the leg has.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "relay_int.h"

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

static struct relay_thread	t;
static struct relay_session	s;
static unsigned char		buf[RELAY_BUF_SIZE];

/* A fixed key: the fuzzer cannot forge its tags, only try. */
static void
fuzz_key(struct relay_crypto *c, enum relay_suite suite, unsigned char seed)
{
	memset(c, 0, sizeof(*c));
	c->suite = suite;
	c->key_len = relay_suite_key_len(suite);
	memset(c->key, seed, c->key_len);
}

/* A context or none, as the shape byte says. */
static srtp_t
fuzz_ctx(int on, bool inbound, unsigned char seed)
{
	struct relay_crypto	 c;
	const char		*why;
	srtp_t			 ctx = NULL;

	if (!on)
		return NULL;
	fuzz_key(&c, (seed & 1) ? RELAY_SUITE_AES_CM_128_HMAC_SHA1_32 :
	    RELAY_SUITE_AEAD_AES_128_GCM, seed);
	CHECK(relay_crypto_context(&c, inbound, &ctx, &why) == 0);
	return ctx;
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static bool		 init;
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*src = (struct sockaddr_in *)&ss;
	struct relay_out	 o;
	struct relay_sock	*in;
	unsigned		 shape;
	int			 i;

	if (!init) {
		CHECK(srtp_init() == srtp_err_status_ok);
		CHECK(relay_queue_init(&t.resq, RELAY_QUEUE_LEN,
		    sizeof(struct relay_res)) == 0);
		t.res_efd = -1;
		init = true;
	}
	if (n < 1 || n - 1 > RELAY_PKT_MAX + 1)
		return 0;
	shape = d[0];
	memset(&s, 0, sizeof(s));
	for (i = 0; i < 2; i++) {
		s.leg[i].rtp.fd = 10 + 2 * i;
		s.leg[i].rtcp.fd = 11 + 2 * i;
		s.leg[i].rtp.leg = s.leg[i].rtcp.leg = (uint8_t)i;
		s.leg[i].rtcp.rtcp = 1;
		s.leg[i].rtp.sess = s.leg[i].rtcp.sess = &s;
	}
	s.leg[0].flags = (shape & 0x04) ? RELAY_LEG_RTCP_MUX : 0;
	s.leg[1].flags = (shape & 0x08) ? RELAY_LEG_PLAIN_UDP : 0;
	s.leg[0].in = fuzz_ctx(shape & 0x10, true, 1);
	s.leg[1].out = fuzz_ctx(shape & 0x20, false, 2);
	s.leg[0].in_old = fuzz_ctx(shape & 0x40, true, 3);
	s.leg[0].in_flags = (shape & 0x80) ? RELAY_CRYPTO_LENIENT_SRTCP : 0;
	s.leg[0].in_old_until = 1000;
	t.now_ms = 500;
	memset(&ss, 0, sizeof(ss));
	src->sin_family = AF_INET;
	src->sin_port = htons(4000 + (shape & 3));
	src->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (shape & 0x02)
		relay_leg_set_peers(&s.leg[1], &ss, &ss);
	in = (shape & 0x01) ? &s.leg[0].rtcp : &s.leg[0].rtp;
	memcpy(buf, d + 1, n - 1);
	if (relay_packet(&t, in, buf, n - 1, sizeof(buf),
	    (struct sockaddr *)&ss, sizeof(*src), &o)) {
		CHECK(o.len <= sizeof(buf));
		CHECK(o.dstlen != 0 && o.leg == &s.leg[1]);
		CHECK(o.fd == s.leg[1].rtp.fd || o.fd == s.leg[1].rtcp.fd);
	}
	(void)relay_is_plain_rtcp(d + 1, n - 1);
	for (i = 0; i < 2; i++)
		relay_leg_contexts_free(&s.leg[i]);
	while (relay_queue_pop(&t.resq, &(struct relay_res){ 0 }))
		;
	return 0;
}
