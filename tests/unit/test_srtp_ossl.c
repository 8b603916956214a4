/*
 * test_srtp_ossl.c: the OpenSSL-backed libsrtp2 types pass libsrtp2's
 * self tests and our known answers, produce the same bytes as Debian's
 * stock (NSS) types for random keys and packets in every suite, talk to
 * stock libsrtp2 both ways for SRTP and SRTCP, and refuse tampered
 * packets.
 *
 * Installing is process-global, so every test runs in a child process of
 * its own: the rest of the unit suite keeps stock libsrtp2. Stock outputs
 * come from contexts created before the install; libsrtp2 binds a
 * stream's cipher and auth objects when it creates the stream, so those
 * contexts keep the stock types afterwards, side by side with ours.
 */
#include "config.h"

#include <sys/wait.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>
#include <srtp2/srtp.h>

#include "srtp_ossl.h"
#include "srtp_ossl_int.h"
#include "unit.h"

#define PKT_MAX		(1500 + SRTP_MAX_TRAILER_LEN + 4)
#define KEYS_PER_SUITE	16
#define PKTS_PER_KEY	40

/* The suites of RFC 4568 and RFC 7714 (and AES-192) the relay may use. */
struct suite {
	const char	*name;
	void		(*rtp)(srtp_crypto_policy_t *);
	void		(*rtcp)(srtp_crypto_policy_t *);
	int		 key_len;
};

static const struct suite suites[] = {
	{ "AES_CM_128_HMAC_SHA1_80", srtp_crypto_policy_set_rtp_default,
	    srtp_crypto_policy_set_rtcp_default, 30 },
	{ "AES_CM_128_HMAC_SHA1_32",
	    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32,
	    srtp_crypto_policy_set_rtcp_default, 30 },
	{ "AES_192_CM_HMAC_SHA1_80",
	    srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80,
	    srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80, 38 },
	{ "AES_256_CM_HMAC_SHA1_80",
	    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80,
	    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, 46 },
	{ "AES_256_CM_HMAC_SHA1_32",
	    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32,
	    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, 46 },
	{ "AEAD_AES_128_GCM", srtp_crypto_policy_set_aes_gcm_128_16_auth,
	    srtp_crypto_policy_set_aes_gcm_128_16_auth, 28 },
	{ "AEAD_AES_256_GCM", srtp_crypto_policy_set_aes_gcm_256_16_auth,
	    srtp_crypto_policy_set_aes_gcm_256_16_auth, 44 },
	{ "AEAD_AES_128_GCM_8", srtp_crypto_policy_set_aes_gcm_128_8_auth,
	    srtp_crypto_policy_set_aes_gcm_128_8_auth, 28 },
};
#define NSUITES	(sizeof(suites) / sizeof(suites[0]))

static char	why[256];	/* a failing child's reason */

/* Run fn in a child with stock libsrtp2; the test fails with its reason. */
static void
in_child(const char *(*fn)(void))
{
	const char	*r;
	char		 msg[sizeof(why)];
	ssize_t		 n;
	pid_t		 pid;
	int		 fd[2], status;

	CU_ASSERT_FATAL(pipe(fd) == 0);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(fd[0]);
		/*
		 * Other suites may have initialised libsrtp2 in the parent,
		 * and a second srtp_init() fails: start from a fresh, stock
		 * crypto kernel either way.
		 */
		(void)srtp_shutdown();
		r = srtp_init() != srtp_err_status_ok ? "srtp_init" : fn();
		if (r != NULL)
			(void)write(fd[1], r, strlen(r));
		_exit(r == NULL ? 0 : 1);
	}
	CU_ASSERT_FATAL(pid > 0);
	close(fd[1]);
	n = read(fd[0], msg, sizeof(msg) - 1);
	close(fd[0]);
	msg[n > 0 ? n : 0] = '\0';
	CU_ASSERT_FATAL(waitpid(pid, &status, 0) == pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fprintf(stderr, "\n  srtp_ossl child: %s\n",
		    n > 0 ? msg : "crashed");
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Say why, naming the suite; returns the reason for a child to report. */
static const char *
fail(const struct suite *s, const char *what)
{
	(void)snprintf(why, sizeof(why), "%s: %s", s->name, what);
	return why;
}

/* A sender (ssrc) or receiver (any inbound) context for suite s and key. */
static srtp_t
ctx_new(const struct suite *s, const uint8_t *key, uint32_t ssrc, int rx)
{
	srtp_policy_t	p;
	srtp_t		ctx;

	memset(&p, 0, sizeof(p));
	s->rtp(&p.rtp);
	s->rtcp(&p.rtcp);
	p.key = (uint8_t *)key;
	p.ssrc.type = rx ? ssrc_any_inbound : ssrc_specific;
	p.ssrc.value = ssrc;
	p.window_size = 128;
	p.allow_repeat_tx = 0;
	if (srtp_create(&ctx, &p) != srtp_err_status_ok)
		return NULL;
	return ctx;
}

/* A random RTP packet of ssrc and seq with a random payload; its length. */
static int
rtp_make(uint8_t *pkt, uint32_t ssrc, uint16_t seq, int len)
{
	RAND_bytes(pkt, 12 + len);
	pkt[0] = 0x80;
	pkt[1] &= 0x7f;
	pkt[2] = seq >> 8;
	pkt[3] = seq & 0xff;
	pkt[8] = ssrc >> 24;
	pkt[9] = (ssrc >> 16) & 0xff;
	pkt[10] = (ssrc >> 8) & 0xff;
	pkt[11] = ssrc & 0xff;
	return 12 + len;
}

/* A random RTCP receiver report from ssrc, with nblocks report blocks. */
static int
rtcp_make(uint8_t *pkt, uint32_t ssrc, int nblocks)
{
	int	len = 8 + 24 * nblocks;

	RAND_bytes(pkt, len);
	pkt[0] = 0x80 | nblocks;
	pkt[1] = 201;
	pkt[2] = 0;
	pkt[3] = len / 4 - 1;
	pkt[4] = ssrc >> 24;
	pkt[5] = (ssrc >> 16) & 0xff;
	pkt[6] = (ssrc >> 8) & 0xff;
	pkt[7] = ssrc & 0xff;
	return len;
}

/* A uniformly random value below n. */
static uint32_t
rnd(uint32_t n)
{
	uint32_t	v;

	RAND_bytes((uint8_t *)&v, sizeof(v));
	return v % n;
}

static const char *
known_answers_stock(void)
{
	const char	*reason = NULL;

	if (srtp_ossl_check(&reason) != 0)
		return reason;
	return NULL;
}

/* The known answers in the module were made by stock libsrtp2. */
static void
test_srtp_ossl_known_answers_are_stock_libsrtp2(void)
{
	in_child(known_answers_stock);
}

static const char *
install_ok(void)
{
	const char	*reason = NULL;

	if (srtp_ossl_install(&reason) != 0)
		return reason;
	/* Installed twice (a reload): still fine. */
	if (srtp_ossl_install(&reason) != 0)
		return reason;
	return NULL;
}

/* libsrtp2 accepts every replaced type and the known answers hold. */
static void
test_srtp_ossl_install_passes_self_tests(void)
{
	in_child(install_ok);
}

/*
 * For every suite, random keys, SSRCs, sequence numbers and payload
 * lengths: stock and ours make the same SRTP and SRTCP bytes.
 */
static const char *
same_bytes_as_stock(void)
{
	static srtp_t	 stock[NSUITES][KEYS_PER_SUITE];
	static uint8_t	 keys[NSUITES][KEYS_PER_SUITE][SRTP_MAX_KEY_LEN];
	static uint32_t	 ssrcs[NSUITES][KEYS_PER_SUITE];
	uint8_t		 a[PKT_MAX], b[PKT_MAX];
	const char	*reason = NULL;
	srtp_t		 ours;
	size_t		 i, k, j;
	uint16_t	 seq;
	int		 la, lb, rtcp;

	for (i = 0; i < NSUITES; i++)
		for (k = 0; k < KEYS_PER_SUITE; k++) {
			RAND_bytes(keys[i][k], suites[i].key_len);
			ssrcs[i][k] = rnd(UINT32_MAX);
			stock[i][k] = ctx_new(&suites[i], keys[i][k],
			    ssrcs[i][k], 0);
			if (stock[i][k] == NULL)
				return fail(&suites[i], "stock srtp_create");
		}
	if (srtp_ossl_install(&reason) != 0)
		return reason;
	for (i = 0; i < NSUITES; i++)
		for (k = 0; k < KEYS_PER_SUITE; k++) {
			ours = ctx_new(&suites[i], keys[i][k], ssrcs[i][k], 0);
			if (ours == NULL)
				return fail(&suites[i], "srtp_create");
			seq = rnd(65536);
			for (j = 0; j < PKTS_PER_KEY; j++) {
				rtcp = j % 4 == 3;
				la = rtcp ? rtcp_make(a, ssrcs[i][k], rnd(4)) :
				    rtp_make(a, ssrcs[i][k], seq++,
				    rnd(1200));
				memcpy(b, a, la);
				lb = la;
				if ((rtcp ? srtp_protect_rtcp(stock[i][k], a,
				    &la) : srtp_protect(stock[i][k], a, &la)) !=
				    srtp_err_status_ok)
					return fail(&suites[i],
					    "stock protect");
				if ((rtcp ? srtp_protect_rtcp(ours, b, &lb) :
				    srtp_protect(ours, b, &lb)) !=
				    srtp_err_status_ok)
					return fail(&suites[i], "protect");
				if (la != lb || memcmp(a, b, la) != 0)
					return fail(&suites[i], rtcp ?
					    "SRTCP differs from stock" :
					    "SRTP differs from stock");
			}
			srtp_dealloc(ours);
			srtp_dealloc(stock[i][k]);
		}
	return NULL;
}

/* Random keys and packets come out byte for byte as stock libsrtp2's. */
static void
test_srtp_ossl_matches_stock_on_random_keys_and_packets(void)
{
	in_child(same_bytes_as_stock);
}

/*
 * One direction of a call: tx protects, rx unprotects, for RTP and RTCP;
 * the payload must come back. NULL, or why not.
 */
static const char *
one_way(const struct suite *s, srtp_t tx, srtp_t rx, uint32_t ssrc,
    uint16_t seq0, int n, const char *dir)
{
	uint8_t		pkt[PKT_MAX], orig[PKT_MAX];
	int		len, olen, i, rtcp;

	for (i = 0; i < n; i++) {
		rtcp = i % 5 == 4;
		olen = rtcp ? rtcp_make(orig, ssrc, 1) :
		    rtp_make(orig, ssrc, seq0 + i, 160);
		memcpy(pkt, orig, olen);
		len = olen;
		if ((rtcp ? srtp_protect_rtcp(tx, pkt, &len) :
		    srtp_protect(tx, pkt, &len)) != srtp_err_status_ok)
			return fail(s, dir);
		if ((rtcp ? srtp_unprotect_rtcp(rx, pkt, &len) :
		    srtp_unprotect(rx, pkt, &len)) != srtp_err_status_ok ||
		    len != olen || memcmp(pkt, orig, olen) != 0)
			return fail(s, dir);
	}
	return NULL;
}

/* Stock protects and ours unprotects, and the reverse, past a ROC step. */
static const char *
talks_to_stock(void)
{
	srtp_t		 stock_tx[NSUITES], stock_rx[NSUITES];
	uint8_t		 k1[NSUITES][SRTP_MAX_KEY_LEN];
	uint8_t		 k2[NSUITES][SRTP_MAX_KEY_LEN];
	const char	*reason = NULL, *r;
	srtp_t		 tx, rx;
	size_t		 i;

	for (i = 0; i < NSUITES; i++) {
		RAND_bytes(k1[i], suites[i].key_len);
		RAND_bytes(k2[i], suites[i].key_len);
		stock_tx[i] = ctx_new(&suites[i], k1[i], 0x1111, 0);
		stock_rx[i] = ctx_new(&suites[i], k2[i], 0, 1);
		if (stock_tx[i] == NULL || stock_rx[i] == NULL)
			return fail(&suites[i], "stock srtp_create");
	}
	if (srtp_ossl_install(&reason) != 0)
		return reason;
	for (i = 0; i < NSUITES; i++) {
		rx = ctx_new(&suites[i], k1[i], 0, 1);
		tx = ctx_new(&suites[i], k2[i], 0x2222, 0);
		if (rx == NULL || tx == NULL)
			return fail(&suites[i], "srtp_create");
		/* 65500 + 80 crosses the sequence wrap: ROC 0 to 1. */
		if ((r = one_way(&suites[i], stock_tx[i], rx, 0x1111, 65500,
		    80, "stock protect, ours unprotect")) != NULL ||
		    (r = one_way(&suites[i], tx, stock_rx[i], 0x2222, 65500,
		    80, "ours protect, stock unprotect")) != NULL)
			return r;
		srtp_dealloc(rx);
		srtp_dealloc(tx);
		srtp_dealloc(stock_rx[i]);
		srtp_dealloc(stock_tx[i]);
	}
	return NULL;
}

/* Every suite interoperates with stock libsrtp2 in both directions. */
static void
test_srtp_ossl_interoperates_with_stock_both_ways(void)
{
	in_child(talks_to_stock);
}

/* A packet changed anywhere, or replayed, fails with ours installed. */
static const char *
tamper_fails(void)
{
	uint8_t		 key[SRTP_MAX_KEY_LEN], pkt[PKT_MAX], good[PKT_MAX];
	const char	*reason = NULL;
	srtp_t		 tx, rx;
	size_t		 i;
	int		 len, glen, at, rtcp, e;

	if (srtp_ossl_install(&reason) != 0)
		return reason;
	for (i = 0; i < NSUITES; i++) {
		RAND_bytes(key, suites[i].key_len);
		tx = ctx_new(&suites[i], key, 0x3333, 0);
		rx = ctx_new(&suites[i], key, 0, 1);
		if (tx == NULL || rx == NULL)
			return fail(&suites[i], "srtp_create");
		for (rtcp = 0; rtcp < 2; rtcp++) {
			glen = rtcp ? rtcp_make(good, 0x3333, 1) :
			    rtp_make(good, 0x3333, 7, 160);
			if ((rtcp ? srtp_protect_rtcp(tx, good, &glen) :
			    srtp_protect(tx, good, &glen)) !=
			    srtp_err_status_ok)
				return fail(&suites[i], "protect");
			/* Header, payload, tag: each flipped bit must fail. */
			for (at = 1; at < glen; at += 7) {
				memcpy(pkt, good, glen);
				pkt[at] ^= 0x10;
				len = glen;
				e = rtcp ? srtp_unprotect_rtcp(rx, pkt, &len) :
				    srtp_unprotect(rx, pkt, &len);
				if (e == srtp_err_status_ok)
					return fail(&suites[i], rtcp ?
					    "tampered SRTCP accepted" :
					    "tampered SRTP accepted");
			}
			memcpy(pkt, good, glen);
			len = glen;
			if ((rtcp ? srtp_unprotect_rtcp(rx, pkt, &len) :
			    srtp_unprotect(rx, pkt, &len)) !=
			    srtp_err_status_ok)
				return fail(&suites[i], "good packet refused");
			memcpy(pkt, good, glen);
			len = glen;
			if ((rtcp ? srtp_unprotect_rtcp(rx, pkt, &len) :
			    srtp_unprotect(rx, pkt, &len)) !=
			    srtp_err_status_replay_fail)
				return fail(&suites[i], "replay accepted");
		}
		/* A payload change alone is an authentication failure. */
		glen = rtp_make(good, 0x3333, 8, 160);
		if (srtp_protect(tx, good, &glen) != srtp_err_status_ok)
			return fail(&suites[i], "protect");
		good[20] ^= 1;
		if (srtp_unprotect(rx, good, &glen) !=
		    srtp_err_status_auth_fail)
			return fail(&suites[i], "payload change not auth_fail");
		srtp_dealloc(tx);
		srtp_dealloc(rx);
	}
	return NULL;
}

/* Tampered and replayed packets are refused by our types. */
static void
test_srtp_ossl_tampered_packet_fails_auth(void)
{
	in_child(tamper_fails);
}

/* ICM past its block counter; GCM short of a tag, without a direction. */
static const char *
types_refuse_misuse(void)
{
	static uint8_t	 big[0x10000 * 16 + 16];
	uint8_t		 key[SRTP_MAX_KEY_LEN] = { 0 }, iv[16] = { 0 };
	srtp_cipher_t	*c;
	unsigned int	 len;

	if (srtp_ossl_aes_fetch() != 0)
		return "fetch";
	if (srtp_cipher_type_alloc(&srtp_ossl_aes_icm_128, &c,
	    SRTP_AES_ICM_128_KEY_LEN_WSALT, 0) != srtp_err_status_ok ||
	    srtp_cipher_init(c, key) != srtp_err_status_ok)
		return "icm alloc";
	/* 2^16 blocks from counter 0 are fine; one octet more wraps. */
	iv[15] = 0;
	if (srtp_cipher_set_iv(c, iv, srtp_direction_encrypt) !=
	    srtp_err_status_ok)
		return "icm set_iv";
	len = 0x10000 * 16;
	if (srtp_cipher_encrypt(c, big, &len) != srtp_err_status_ok)
		return "icm refused 2^16 blocks";
	len = 1;
	if (srtp_cipher_encrypt(c, big, &len) != srtp_err_status_terminus)
		return "icm went past the 16-bit block counter";
	srtp_cipher_dealloc(c);
	if (srtp_cipher_type_alloc(&srtp_ossl_aes_gcm_128, &c,
	    SRTP_AES_GCM_128_KEY_LEN_WSALT, 16) != srtp_err_status_ok ||
	    srtp_cipher_init(c, key) != srtp_err_status_ok)
		return "gcm alloc";
	if (srtp_cipher_set_iv(c, iv, srtp_direction_decrypt) !=
	    srtp_err_status_ok)
		return "gcm set_iv";
	len = 15;
	if (srtp_cipher_decrypt(c, big, &len) != srtp_err_status_bad_param)
		return "gcm opened less than a tag";
	if (srtp_cipher_set_iv(c, iv, srtp_direction_any) !=
	    srtp_err_status_bad_param)
		return "gcm took a nonce without a direction";
	srtp_cipher_dealloc(c);
	if (srtp_cipher_type_alloc(&srtp_ossl_aes_gcm_128, &c,
	    SRTP_AES_GCM_128_KEY_LEN_WSALT, 12) != srtp_err_status_bad_param)
		return "gcm took a 12-octet tag";
	return NULL;
}

/* Keystream never wraps, and GCM refuses what it cannot check. */
static void
test_srtp_ossl_types_refuse_misuse(void)
{
	in_child(types_refuse_misuse);
}

void
test_srtp_ossl_register(void)
{
	CU_pSuite	s = unit_suite("srtp_ossl");

	UNIT_TEST(s, test_srtp_ossl_known_answers_are_stock_libsrtp2);
	UNIT_TEST(s, test_srtp_ossl_install_passes_self_tests);
	UNIT_TEST(s, test_srtp_ossl_matches_stock_on_random_keys_and_packets);
	UNIT_TEST(s, test_srtp_ossl_interoperates_with_stock_both_ways);
	UNIT_TEST(s, test_srtp_ossl_tampered_packet_fails_auth);
	UNIT_TEST(s, test_srtp_ossl_types_refuse_misuse);
}
