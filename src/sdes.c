/*
 * sdes.c: the SDES crypto suites (RFC 4568 §6.2, RFC 6188, RFC 7714),
 * how each maps onto libsrtp2, and what the relay can take from a line.
 *
 * Which suites work is asked of the libsrtp2 in this process, not
 * assumed: Debian builds it on NSS, a later start may swap in OpenSSL
 * ciphers, and a suite that does not create a context and protect a
 * packet there must never be accepted from a peer.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "sdes.h"

/* libsrtp2 spells the AES_CM_128_HMAC_SHA1_80 setter as a macro. */
static void
sdes_policy_aes128_80(srtp_crypto_policy_t *p)
{
	srtp_crypto_policy_set_rtp_default(p);
}

/*
 * The suites. SRTCP keeps an 80-bit tag under the _32 suites (RFC 4568
 * §6.2, RFC 6188); GCM tags are the same for both (RFC 7714).
 * F8 is not in libsrtp2 2.x; the NULL suites have no confidentiality and
 * are never used, whatever libsrtp2 can do. AES_192 and the _GCM_8
 * suites are parsed but not used: the relay keys the six suites of
 * RFC 4568, RFC 6188's AES_256 and RFC 7714's 16-octet tags (relay.h),
 * and a line it cannot key must never be accepted.
 */
static const struct sdes_suite_info sdes_suites[SDES_SUITE_COUNT] = {
	[SDES_AES_CM_128_HMAC_SHA1_80] = {
		SDES_AES_CM_128_HMAC_SHA1_80, "AES_CM_128_HMAC_SHA1_80",
		16, 14, 10, 10, 0, 1,
		sdes_policy_aes128_80, sdes_policy_aes128_80 },
	[SDES_AES_CM_128_HMAC_SHA1_32] = {
		SDES_AES_CM_128_HMAC_SHA1_32, "AES_CM_128_HMAC_SHA1_32",
		16, 14, 4, 10, 0, 1,
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32,
		sdes_policy_aes128_80 },
	[SDES_F8_128_HMAC_SHA1_80] = {
		SDES_F8_128_HMAC_SHA1_80, "F8_128_HMAC_SHA1_80",
		16, 14, 10, 10, 0, 0, NULL, NULL },
	[SDES_AES_192_CM_HMAC_SHA1_80] = {
		SDES_AES_192_CM_HMAC_SHA1_80, "AES_192_CM_HMAC_SHA1_80",
		24, 14, 10, 10, 0, 0,
		srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80,
		srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80 },
	[SDES_AES_192_CM_HMAC_SHA1_32] = {
		SDES_AES_192_CM_HMAC_SHA1_32, "AES_192_CM_HMAC_SHA1_32",
		24, 14, 4, 10, 0, 0,
		srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32,
		srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80 },
	[SDES_AES_256_CM_HMAC_SHA1_80] = {
		SDES_AES_256_CM_HMAC_SHA1_80, "AES_256_CM_HMAC_SHA1_80",
		32, 14, 10, 10, 0, 1,
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80,
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 },
	[SDES_AES_256_CM_HMAC_SHA1_32] = {
		SDES_AES_256_CM_HMAC_SHA1_32, "AES_256_CM_HMAC_SHA1_32",
		32, 14, 4, 10, 0, 1,
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32,
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 },
	[SDES_AEAD_AES_128_GCM] = {
		SDES_AEAD_AES_128_GCM, "AEAD_AES_128_GCM",
		16, 12, 16, 16, 1, 1,
		srtp_crypto_policy_set_aes_gcm_128_16_auth,
		srtp_crypto_policy_set_aes_gcm_128_16_auth },
	[SDES_AEAD_AES_128_GCM_8] = {
		SDES_AEAD_AES_128_GCM_8, "AEAD_AES_128_GCM_8",
		16, 12, 8, 8, 1, 0,
		srtp_crypto_policy_set_aes_gcm_128_8_auth,
		srtp_crypto_policy_set_aes_gcm_128_8_auth },
	[SDES_AEAD_AES_256_GCM] = {
		SDES_AEAD_AES_256_GCM, "AEAD_AES_256_GCM",
		32, 12, 16, 16, 1, 1,
		srtp_crypto_policy_set_aes_gcm_256_16_auth,
		srtp_crypto_policy_set_aes_gcm_256_16_auth },
	[SDES_AEAD_AES_256_GCM_8] = {
		SDES_AEAD_AES_256_GCM_8, "AEAD_AES_256_GCM_8",
		32, 12, 8, 8, 1, 0,
		srtp_crypto_policy_set_aes_gcm_256_8_auth,
		srtp_crypto_policy_set_aes_gcm_256_8_auth },
	[SDES_NULL_HMAC_SHA1_80] = {
		SDES_NULL_HMAC_SHA1_80, "NULL_HMAC_SHA1_80",
		16, 14, 10, 10, 0, 0,
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80,
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80 },
	[SDES_NULL_HMAC_SHA1_32] = {
		SDES_NULL_HMAC_SHA1_32, "NULL_HMAC_SHA1_32",
		16, 14, 4, 10, 0, 0, NULL, NULL },
};

/* Spellings seen in the field for RFC 6188's suites (rtpengine #703). */
static const struct {
	const char	*name;
	enum sdes_suite	 suite;
} sdes_aliases[] = {
	{ "AES_CM_192_HMAC_SHA1_80",	SDES_AES_192_CM_HMAC_SHA1_80 },
	{ "AES_CM_192_HMAC_SHA1_32",	SDES_AES_192_CM_HMAC_SHA1_32 },
	{ "AES_CM_256_HMAC_SHA1_80",	SDES_AES_256_CM_HMAC_SHA1_80 },
	{ "AES_CM_256_HMAC_SHA1_32",	SDES_AES_256_CM_HMAC_SHA1_32 },
};

/* The table entry of a suite. */
const struct sdes_suite_info *
sdes_suite_info(enum sdes_suite s)
{
	if ((int)s <= SDES_SUITE_UNKNOWN || (int)s >= SDES_SUITE_COUNT)
		return NULL;
	return &sdes_suites[s];
}

/* Whether s[0..n) spells name, any case. */
static int
sdes_name_is(const char *s, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(s, name, n) == 0;
}

/* The suite a name or alias spells. */
enum sdes_suite
sdes_suite_from_name(const char *s, size_t n)
{
	size_t	i;

	for (i = SDES_SUITE_UNKNOWN + 1; i < SDES_SUITE_COUNT; i++)
		if (sdes_name_is(s, n, sdes_suites[i].name))
			return sdes_suites[i].suite;
	for (i = 0; i < sizeof(sdes_aliases) / sizeof(sdes_aliases[0]); i++)
		if (sdes_name_is(s, n, sdes_aliases[i].name))
			return sdes_aliases[i].suite;
	return SDES_SUITE_UNKNOWN;
}

/* The canonical name of a suite. */
const char *
sdes_suite_name(enum sdes_suite s)
{
	const struct sdes_suite_info	*si = sdes_suite_info(s);

	return si == NULL ? "" : si->name;
}

/* Take a service off a policy. */
static void
sdes_serv_off(srtp_crypto_policy_t *p, srtp_sec_serv_t off)
{
	p->sec_serv = (srtp_sec_serv_t)(p->sec_serv & ~off);
}

/* libsrtp2 policies for a suite and its flag parameters. */
const char *
sdes_crypto_policy(enum sdes_suite s, unsigned flags,
    srtp_crypto_policy_t *rtp, srtp_crypto_policy_t *rtcp)
{
	const struct sdes_suite_info	*si = sdes_suite_info(s);

	if (si == NULL || !si->supported || si->rtp_policy == NULL)
		return "crypto suite not supported by the relay";
	/*
	 * GCM always authenticates (RFC 7714), and the relay does not do
	 * GCM without encryption: refuse rather than honour half of it.
	 */
	if (si->aead && flags != 0)
		return "UNENCRYPTED or UNAUTHENTICATED with an AEAD suite";
	si->rtp_policy(rtp);
	si->rtcp_policy(rtcp);
	if (flags & SDES_F_UNENCRYPTED_SRTP)
		sdes_serv_off(rtp, sec_serv_conf);
	if (flags & SDES_F_UNAUTHENTICATED_SRTP)
		sdes_serv_off(rtp, sec_serv_auth);
	/* SRTCP is always authenticated (RFC 3711 §3.4). */
	if (flags & SDES_F_UNENCRYPTED_SRTCP)
		sdes_serv_off(rtcp, sec_serv_conf);
	return NULL;
}

/* An RTP packet: version 2, PT 0, one sequence number, one SSRC. */
#define SDES_PROBE_HDR		12
#define SDES_PROBE_PAYLOAD	160

/* Whether this process's libsrtp2 creates a context and protects. */
int
sdes_suite_relay_ok(enum sdes_suite s)
{
	const struct sdes_suite_info	*si = sdes_suite_info(s);
	/* Not a secret: a fixed key that protects nothing but this probe. */
	unsigned char			 key[SDES_KEYSALT_MAX];
	unsigned char			 pkt[SDES_PROBE_HDR +
					    SDES_PROBE_PAYLOAD +
					    SRTP_MAX_TRAILER_LEN];
	srtp_policy_t			 pol;
	srtp_t				 ctx;
	int				 len, ok;

	memset(&pol, 0, sizeof(pol));
	if (si == NULL || sdes_crypto_policy(s, 0, &pol.rtp, &pol.rtcp) !=
	    NULL)
		return 0;
	memset(key, 0x5a, sizeof(key));
	pol.ssrc.type = ssrc_any_outbound;
	pol.key = key;
	if (srtp_create(&ctx, &pol) != srtp_err_status_ok)
		return 0;
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x80;
	pkt[3] = 1;
	pkt[11] = 1;
	len = SDES_PROBE_HDR + SDES_PROBE_PAYLOAD;
	ok = srtp_protect(ctx, pkt, &len) == srtp_err_status_ok &&
	    (size_t)len == SDES_PROBE_HDR + SDES_PROBE_PAYLOAD + si->tag_len;
	srtp_dealloc(ctx);
	return ok;
}

/* Whether the relay can take the line. */
int
sdes_usable(const struct sdes_line *l, const char **why)
{
	const struct sdes_suite_info	*si = sdes_suite_info(l->suite);
	const char			*err = NULL;

	if (si == NULL || !sdes_suite_relay_ok(l->suite))
		err = "crypto suite not supported by the relay";
	else if (l->nkeys != 1)
		err = "several master keys (MKI) not supported";
	/* Asterisk took "|1:1" without doing MKI (asterisk #825): never. */
	else if (l->keys[0].has_mki)
		err = "MKI not supported";
	/* libsrtp2 derives session keys once: a KDR it cannot honour. */
	else if (l->has_kdr && l->kdr != 0)
		err = "key derivation rate not supported";
	else if (l->nfec_keys != 0)
		err = "FEC_KEY not supported";
	else if (l->wsh > SDES_WSH_MAX)
		err = "replay window larger than the relay keeps";
	else if (si->aead && l->flags != 0)
		err = "UNENCRYPTED or UNAUTHENTICATED with an AEAD suite";
	if (why != NULL)
		*why = err;
	return err == NULL;
}

/* Two key-params alike? */
static int
sdes_key_equal(const struct sdes_key *a, const struct sdes_key *b)
{
	return a->keysalt_len == b->keysalt_len &&
	    a->keysalt_len <= SDES_KEYSALT_MAX &&
	    CRYPTO_memcmp(a->keysalt, b->keysalt, a->keysalt_len) == 0 &&
	    a->lifetime == b->lifetime && a->has_mki == b->has_mki &&
	    (!a->has_mki || (a->mki == b->mki && a->mki_len == b->mki_len));
}

/* Two lists of key-params alike? */
static int
sdes_keys_equal(const struct sdes_key *a, size_t na, const struct sdes_key *b,
    size_t nb)
{
	size_t	i;

	if (na != nb || na > SDES_MAX_KEYS)
		return 0;
	for (i = 0; i < na; i++)
		if (!sdes_key_equal(&a[i], &b[i]))
			return 0;
	return 1;
}

/* The same line, field by field. */
int
sdes_line_equal(const struct sdes_line *a, const struct sdes_line *b)
{
	size_t	i;

	if (a->tag != b->tag || a->suite != b->suite ||
	    !sdes_keys_equal(a->keys, a->nkeys, b->keys, b->nkeys) ||
	    a->flags != b->flags || a->has_kdr != b->has_kdr ||
	    (a->has_kdr && a->kdr != b->kdr) || a->fec_order != b->fec_order ||
	    !sdes_keys_equal(a->fec_keys, a->nfec_keys, b->fec_keys,
	    b->nfec_keys) || a->wsh != b->wsh || a->next != b->next ||
	    a->next > SDES_MAX_PARAMS)
		return 0;
	for (i = 0; i < a->next; i++)
		if (strcmp(a->ext[i].text, b->ext[i].text) != 0)
			return 0;
	return 1;
}

/* Wipe a line; OPENSSL_cleanse leaves zeros, which is an empty line. */
void
sdes_clear(struct sdes_line *l)
{
	OPENSSL_cleanse(l, sizeof(*l));
}
