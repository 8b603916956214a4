/*
 * fuzz_srtp_ossl.c: differential libFuzzer target for the OpenSSL-backed
 * libsrtp2 types. A relay unprotects whatever arrives on its ports, so
 * the input is a packet from the network: the first octet picks a suite
 * and SRTP or SRTCP, the rest is the packet. Stock libsrtp2 (contexts
 * made before the install keep the stock types) and ours must give the
 * same status and the same bytes, unprotecting it and protecting it.
 *
 * The master key is srtp_ossl_check()'s, so the known-answer packets
 * (the seeds) authenticate and mutations start from valid packets.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "srtp_ossl.h"

/* Abort (a finding) unless cond holds. */
#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

#define PKT_MAX		(2048 + SRTP_MAX_TRAILER_LEN + 4)

struct fuzz_suite {
	void	(*rtp)(srtp_crypto_policy_t *);
	void	(*rtcp)(srtp_crypto_policy_t *);
	int	 key_len;
};

static const struct fuzz_suite suites[] = {
	{ srtp_crypto_policy_set_rtp_default,
	    srtp_crypto_policy_set_rtcp_default, 30 },
	{ srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32,
	    srtp_crypto_policy_set_rtcp_default, 30 },
	{ srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80,
	    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, 46 },
	{ srtp_crypto_policy_set_aes_gcm_128_16_auth,
	    srtp_crypto_policy_set_aes_gcm_128_16_auth, 28 },
	{ srtp_crypto_policy_set_aes_gcm_256_16_auth,
	    srtp_crypto_policy_set_aes_gcm_256_16_auth, 44 },
	{ srtp_crypto_policy_set_aes_gcm_128_8_auth,
	    srtp_crypto_policy_set_aes_gcm_128_8_auth, 28 },
};
#define NSUITES	(sizeof(suites) / sizeof(suites[0]))

/* Per suite: receivers and senders, stock [0] and ours [1]. */
static srtp_t	rx[NSUITES][2], tx[NSUITES][2];

/* A context for suite s: any inbound SSRC, repeats allowed when sending. */
static srtp_t
fuzz_ctx(const struct fuzz_suite *s, int sending)
{
	srtp_policy_t	p;
	uint8_t		key[SRTP_MAX_KEY_LEN];
	srtp_t		ctx;
	int		i;

	for (i = 0; i < s->key_len; i++)
		key[i] = (uint8_t)(0xa5 ^ (i * 37));
	memset(&p, 0, sizeof(p));
	s->rtp(&p.rtp);
	s->rtcp(&p.rtcp);
	p.key = key;
	p.ssrc.type = sending ? ssrc_any_outbound : ssrc_any_inbound;
	p.window_size = 128;
	p.allow_repeat_tx = 1;
	CHECK(srtp_create(&ctx, &p) == srtp_err_status_ok);
	return ctx;
}

/* Stock contexts first, then the install, then ours. */
static void
fuzz_setup(void)
{
	const char	*reason;
	size_t		 i;

	CHECK(srtp_init() == srtp_err_status_ok);
	for (i = 0; i < NSUITES; i++) {
		rx[i][0] = fuzz_ctx(&suites[i], 0);
		tx[i][0] = fuzz_ctx(&suites[i], 1);
	}
	CHECK(srtp_ossl_install(&reason) == 0);
	for (i = 0; i < NSUITES; i++) {
		rx[i][1] = fuzz_ctx(&suites[i], 0);
		tx[i][1] = fuzz_ctx(&suites[i], 1);
	}
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 ready;
	static uint8_t	 a[PKT_MAX], b[PKT_MAX];
	size_t		 i;
	int		 la, lb, ea, eb, rtcp;

	if (!ready) {
		fuzz_setup();
		ready = 1;
	}
	if (size < 1 || size - 1 > 2048)
		return 0;
	i = (data[0] & 0x7f) % NSUITES;
	rtcp = data[0] & 0x80;
	la = lb = (int)(size - 1);
	memcpy(a, data + 1, size - 1);
	memcpy(b, data + 1, size - 1);
	ea = rtcp ? srtp_unprotect_rtcp(rx[i][0], a, &la) :
	    srtp_unprotect(rx[i][0], a, &la);
	eb = rtcp ? srtp_unprotect_rtcp(rx[i][1], b, &lb) :
	    srtp_unprotect(rx[i][1], b, &lb);
	CHECK(ea == eb);
	if (ea == srtp_err_status_ok)
		CHECK(la == lb && memcmp(a, b, la) == 0);

	/*
	 * The same octets as a packet to send, from one SSRC: a sender
	 * context grows a stream per SSRC, which would fill memory.
	 */
	la = lb = (int)(size - 1);
	memcpy(a, data + 1, size - 1);
	if (la >= 12)
		memset(a + 8, 0x5a, 4);
	memcpy(b, a, size - 1);
	ea = rtcp ? srtp_protect_rtcp(tx[i][0], a, &la) :
	    srtp_protect(tx[i][0], a, &la);
	eb = rtcp ? srtp_protect_rtcp(tx[i][1], b, &lb) :
	    srtp_protect(tx[i][1], b, &lb);
	CHECK(ea == eb);
	if (ea == srtp_err_status_ok)
		CHECK(la == lb && memcmp(a, b, la) == 0);
	return 0;
}
