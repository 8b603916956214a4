/*
 * relay_crypto.c: libsrtp2 contexts from the keys SDES negotiated, built
 * on the relay thread that uses them. One context per leg and direction:
 * "in" unprotects what the leg's peer sends (ssrc any_inbound, so any
 * SSRC the peer picks is accepted), "out" protects what the leg sends
 * (any_outbound). SRTCP of the _32 suites keeps an 80-bit tag (RFC 4568
 * §6.2.1 and §6.2.2).
 *
 * The key reaches the relay thread in the command that carries it (wiped
 * there once the context is built), is copied onto the stack for
 * srtp_create(), which derives the session keys from it, and is wiped
 * there too. Nothing here logs.
 */
#include "config.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "relay_int.h"

/* A suite's SDES name and its master key||salt length. */
struct relay_suite_row {
	const char	*name;
	size_t		 key_len;
};

static const struct relay_suite_row relay_suites[] = {
	[RELAY_SUITE_NONE] = { "none", 0 },
	[RELAY_SUITE_AES_CM_128_HMAC_SHA1_80] =
	    { "AES_CM_128_HMAC_SHA1_80", 30 },
	[RELAY_SUITE_AES_CM_128_HMAC_SHA1_32] =
	    { "AES_CM_128_HMAC_SHA1_32", 30 },
	[RELAY_SUITE_AES_256_CM_HMAC_SHA1_80] =
	    { "AES_256_CM_HMAC_SHA1_80", 46 },
	[RELAY_SUITE_AES_256_CM_HMAC_SHA1_32] =
	    { "AES_256_CM_HMAC_SHA1_32", 46 },
	[RELAY_SUITE_AEAD_AES_128_GCM] = { "AEAD_AES_128_GCM", 28 },
	[RELAY_SUITE_AEAD_AES_256_GCM] = { "AEAD_AES_256_GCM", 44 },
};

/* The SDES spelling of a suite. */
const char *
relay_suite_name(enum relay_suite s)
{
	if ((size_t)s >= sizeof(relay_suites) / sizeof(relay_suites[0]))
		return "unknown";
	return relay_suites[s].name;
}

/* Master key plus salt, in bytes. */
size_t
relay_suite_key_len(enum relay_suite s)
{
	if ((size_t)s >= sizeof(relay_suites) / sizeof(relay_suites[0]))
		return 0;
	return relay_suites[s].key_len;
}

/* Whether a relay_crypto can be keyed; a static reason when not. */
int
relay_crypto_check(const struct relay_crypto *c, const char **why)
{
	if ((size_t)c->suite >=
	    sizeof(relay_suites) / sizeof(relay_suites[0])) {
		*why = "unknown SRTP suite";
		return -1;
	}
	if (c->suite == RELAY_SUITE_NONE)
		return 0;
	if (c->key_len != relay_suites[c->suite].key_len) {
		*why = "SRTP master key and salt of the wrong length";
		return -1;
	}
	if ((c->suite == RELAY_SUITE_AEAD_AES_128_GCM ||
	    c->suite == RELAY_SUITE_AEAD_AES_256_GCM) &&
	    (c->flags & RELAY_CRYPTO_UNAUTHENTICATED_SRTP)) {
		*why = "UNAUTHENTICATED_SRTP with an AEAD suite";
		return -1;
	}
	return 0;
}

/* The libsrtp2 crypto policies of a suite. */
static void
relay_crypto_policy(enum relay_suite s, srtp_policy_t *p)
{
	switch (s) {
	case RELAY_SUITE_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_rtcp_default(&p->rtcp);
		break;
	case RELAY_SUITE_AES_256_CM_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
		break;
	case RELAY_SUITE_AES_256_CM_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
		break;
	case RELAY_SUITE_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
		break;
	case RELAY_SUITE_AEAD_AES_256_GCM:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtcp);
		break;
	default:
		srtp_crypto_policy_set_rtp_default(&p->rtp);
		srtp_crypto_policy_set_rtcp_default(&p->rtcp);
		break;
	}
}

/*
 * The context for one direction of a leg; *ctx is NULL for plain RTP.
 * Returns -1 with a static reason (never the key) on failure.
 */
int
relay_crypto_context(const struct relay_crypto *c, bool inbound, srtp_t *ctx,
    const char **why)
{
	srtp_policy_t	 p;
	unsigned char	 key[RELAY_KEY_MAX];
	srtp_err_status_t st;

	*ctx = NULL;
	if (relay_crypto_check(c, why) == -1)
		return -1;
	if (c->suite == RELAY_SUITE_NONE)
		return 0;
	memset(&p, 0, sizeof(p));
	relay_crypto_policy(c->suite, &p);
	if (c->flags & RELAY_CRYPTO_UNENCRYPTED_SRTP)
		p.rtp.sec_serv = sec_serv_auth;
	if (c->flags & RELAY_CRYPTO_UNAUTHENTICATED_SRTP)
		p.rtp.sec_serv = (c->flags & RELAY_CRYPTO_UNENCRYPTED_SRTP) ?
		    sec_serv_none : sec_serv_conf;
	if (c->flags & RELAY_CRYPTO_UNENCRYPTED_SRTCP)
		p.rtcp.sec_serv = sec_serv_auth;
	p.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	memcpy(key, c->key, c->key_len);
	p.key = key;
	p.window_size = c->window < RELAY_WINDOW ? RELAY_WINDOW :
	    c->window > RELAY_WINDOW_MAX ? RELAY_WINDOW_MAX : c->window;
	p.allow_repeat_tx = 0;
	st = srtp_create(ctx, &p);
	OPENSSL_cleanse(key, sizeof(key));
	if (st != srtp_err_status_ok) {
		*ctx = NULL;
		*why = st == srtp_err_status_bad_param ?
		    "SRTP suite not supported by libsrtp2" :
		    "srtp_create failed";
		return -1;
	}
	return 0;
}

/*
 * A digest of suite, flags and key, so that an update can tell "the same
 * key again" (keep the context and its rollover counter) from a new one
 * without the relay keeping a copy of any key outside libsrtp2. Returns
 * -1 when it cannot be computed: the caller then treats the key as new.
 */
int
relay_crypto_fingerprint(const struct relay_crypto *c, unsigned char out[32])
{
	int		 rc = -1;
	EVP_MD_CTX	*md;
	uint32_t	 hdr[3];
	unsigned int	 n = 32;

	memset(out, 0, 32);
	hdr[0] = (uint32_t)c->suite;
	hdr[1] = c->flags & ~RELAY_CRYPTO_LENIENT_SRTCP;
	hdr[2] = (uint32_t)c->key_len;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(md, "sipedge relay key", 17) != 1 ||
	    EVP_DigestUpdate(md, hdr, sizeof(hdr)) != 1 ||
	    EVP_DigestUpdate(md, c->key,
	    c->key_len <= RELAY_KEY_MAX ? c->key_len : RELAY_KEY_MAX) != 1 ||
	    EVP_DigestFinal_ex(md, out, &n) != 1)
		memset(out, 0, 32);
	else
		rc = 0;
	EVP_MD_CTX_free(md);
	return rc;
}
