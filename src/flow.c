/*
 * flow.c: RFC 5626 §5.2 flow tokens, HMAC-SHA256 over the flow id and
 * the process epoch, encoded for SIP URIs.
 *
 * The encoding is lowercase base32 (RFC 4648 alphabet, no padding). The
 * 24 raw bytes would be 32 characters of base64url, but base64url needs
 * case to survive, and RFC 3261 §19.1.4 compares URI parameters (where
 * Path and Record-Route carry the token on some carriers) without regard
 * to case; base32 survives case folding, is plain alphanumeric (safe
 * unescaped in a user part, a parameter, even a host label) and at 39
 * characters is still shorter than hex (48).
 */
#include "config.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "flow.h"

#define FLOW_LABEL	"sipedge-flow"		/* HMAC domain separation */
#define FLOW_HEAD_LEN	12			/* epoch + flow id */
#define FLOW_TAG_LEN	12			/* truncated HMAC-SHA256 */
#define FLOW_RAW_LEN	(FLOW_HEAD_LEN + FLOW_TAG_LEN)

/* HKDF parameters: fixed, so a secret gives the same key in every process. */
static const char flow_hkdf_salt[] = "sipedge flow token v1";
static const char flow_hkdf_info[] = "sipedge-flow hmac-sha256 key";

/* Derive the HMAC key from a configured secret with HKDF-SHA256. */
static int
flow_hkdf(unsigned char *out, size_t outlen, const unsigned char *secret,
    size_t len)
{
	EVP_KDF		*kdf;
	EVP_KDF_CTX	*ctx;
	OSSL_PARAM	 params[5];
	int		 r;

	if ((kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL)
		return -1;
	ctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (ctx == NULL)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)secret, len);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)flow_hkdf_salt, sizeof(flow_hkdf_salt) - 1);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    (void *)flow_hkdf_info, sizeof(flow_hkdf_info) - 1);
	params[4] = OSSL_PARAM_construct_end();
	r = EVP_KDF_derive(ctx, out, outlen, params) == 1 ? 0 : -1;
	EVP_KDF_CTX_free(ctx);
	return r;
}

/* Set up a key from a secret or at random; see flow.h. */
int
flow_key_init(struct flow_key *k, const unsigned char *secret, size_t len,
    uint32_t epoch)
{
	int	r;

	memset(k, 0, sizeof(*k));
	k->epoch = epoch;
	if (secret == NULL)
		r = RAND_bytes(k->key, sizeof(k->key)) == 1 ? 0 : -1;
	else if (len == 0)
		r = -1;
	else
		r = flow_hkdf(k->key, sizeof(k->key), secret, len);
	if (r == -1)
		flow_key_clear(k);
	return r;
}

/* Wipe a key so it does not linger in freed memory. */
void
flow_key_clear(struct flow_key *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

/* Write epoch and flow id big-endian into the first 12 bytes of raw. */
static void
flow_put_head(unsigned char *raw, uint32_t epoch, uint64_t id)
{
	int	i;

	for (i = 0; i < 4; i++)
		raw[i] = (unsigned char)(epoch >> (24 - 8 * i));
	for (i = 0; i < 8; i++)
		raw[4 + i] = (unsigned char)(id >> (56 - 8 * i));
}

/* Read epoch and flow id back from the first 12 bytes of raw. */
static void
flow_get_head(const unsigned char *raw, uint32_t *epoch, uint64_t *id)
{
	int	i;

	*epoch = 0;
	for (i = 0; i < 4; i++)
		*epoch = (*epoch << 8) | raw[i];
	*id = 0;
	for (i = 0; i < 8; i++)
		*id = (*id << 8) | raw[4 + i];
}

/* Compute the truncated HMAC over label, epoch and flow id. */
static int
flow_tag(const struct flow_key *k, const unsigned char *head,
    unsigned char *tag)
{
	unsigned char	msg[sizeof(FLOW_LABEL) - 1 + FLOW_HEAD_LEN];
	unsigned char	mac[EVP_MAX_MD_SIZE];
	unsigned int	maclen = 0;

	memcpy(msg, FLOW_LABEL, sizeof(FLOW_LABEL) - 1);
	memcpy(msg + sizeof(FLOW_LABEL) - 1, head, FLOW_HEAD_LEN);
	if (HMAC(EVP_sha256(), k->key, sizeof(k->key), msg, sizeof(msg), mac,
	    &maclen) == NULL || maclen < FLOW_TAG_LEN)
		return -1;
	memcpy(tag, mac, FLOW_TAG_LEN);
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

/* Encode n bytes as lowercase base32 without padding, NUL-terminated. */
static void
flow_base32(const unsigned char *in, size_t n, char *out)
{
	static const char	 abc[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned int		 acc = 0, bits = 0;
	size_t			 i;

	for (i = 0; i < n; i++) {
		acc = ((acc << 8) | in[i]) & 0xffff;
		for (bits += 8; bits >= 5; bits -= 5)
			*out++ = abc[(acc >> (bits - 5)) & 31];
	}
	if (bits > 0)
		*out++ = abc[(acc << (5 - bits)) & 31];
	*out = '\0';
}

/* The 5-bit value of a base32 character in either case, or -1. */
static int
flow_base32_value(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

/*
 * Decode base32 into exactly outlen bytes. The unused low bits of the
 * last character must be zero, so each token has one spelling per case.
 */
static int
flow_unbase32(const char *in, size_t n, unsigned char *out, size_t outlen)
{
	unsigned int	acc = 0, bits = 0;
	size_t		i, o = 0;
	int		v;

	for (i = 0; i < n; i++) {
		if ((v = flow_base32_value(in[i])) == -1)
			return -1;
		acc = ((acc << 5) | (unsigned int)v) & 0xffff;
		bits += 5;
		if (bits < 8)
			continue;
		if (o == outlen)
			return -1;
		bits -= 8;
		out[o++] = (unsigned char)(acc >> bits);
	}
	if (o != outlen || (acc & ((1u << bits) - 1)) != 0)
		return -1;
	return 0;
}

/* Write the token for flow_id; see flow.h. */
size_t
flow_token_make(const struct flow_key *k, uint64_t flow_id, char *out,
    size_t outlen)
{
	unsigned char	raw[FLOW_RAW_LEN];

	if (outlen > 0)
		out[0] = '\0';
	if (outlen < FLOW_TOKEN_LEN + 1)
		return 0;
	flow_put_head(raw, k->epoch, flow_id);
	if (flow_tag(k, raw, raw + FLOW_HEAD_LEN) == -1)
		return 0;
	flow_base32(raw, sizeof(raw), out);
	return FLOW_TOKEN_LEN;
}

/*
 * Check a token; see flow.h. The epoch is checked first: a token from
 * another run of the daemon names a flow that is gone whatever its HMAC
 * says, and without that run's key (a random one when flow_secret is
 * unset) the HMAC cannot be checked anyway. Calling a forged token of
 * another epoch stale gives nothing away: it is refused all the same,
 * with 430 instead of 403. In the current epoch a bad HMAC, or a failure
 * to compute it, means tampered: refusing is the only safe answer.
 */
enum flow_token_status
flow_token_parse(const struct flow_key *k, const char *token, size_t len,
    uint64_t *flow_id)
{
	unsigned char	raw[FLOW_RAW_LEN], tag[FLOW_TAG_LEN];
	uint32_t	epoch;
	uint64_t	id;

	if (len != FLOW_TOKEN_LEN ||
	    flow_unbase32(token, len, raw, sizeof(raw)) == -1)
		return FLOW_TOKEN_MALFORMED;
	flow_get_head(raw, &epoch, &id);
	if (epoch != k->epoch)
		return FLOW_TOKEN_STALE;
	if (flow_tag(k, raw, tag) == -1 ||
	    CRYPTO_memcmp(tag, raw + FLOW_HEAD_LEN, FLOW_TAG_LEN) != 0)
		return FLOW_TOKEN_TAMPERED;
	*flow_id = id;
	return FLOW_TOKEN_OK;
}

/* A short name for a status, for log lines. */
const char *
flow_token_status_name(enum flow_token_status s)
{
	switch (s) {
	case FLOW_TOKEN_OK:
		return "ok";
	case FLOW_TOKEN_MALFORMED:
		return "malformed";
	case FLOW_TOKEN_TAMPERED:
		return "tampered";
	case FLOW_TOKEN_STALE:
		return "stale";
	}
	return "unknown";
}
