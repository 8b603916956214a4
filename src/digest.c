/*
 * digest.c: Digest response computation (RFC 7616 §3.4, RFC 2069) through
 * OpenSSL EVP, and the algorithm names of RFC 8760 §2.4.
 *
 * Every hash is fed its parts one by one (user, ":", realm, ...), so the
 * password is never copied into a buffer of ours; the intermediate HA1 is
 * wiped when done. SHA-512-256 is EVP_sha512_256(), FIPS 180-4 SHA-512/256
 * with its own initial value, not SHA-512 cut to 256 bits.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "digest.h"

/* One row per algorithm: its token and the EVP digest under it. */
struct digest_alg_row {
	enum digest_alg	 alg;
	const char	*name;
	int		 sess;
	size_t		 hexlen;
};

static const struct digest_alg_row digest_algs[] = {
	{ DIGEST_ALG_MD5,		"MD5",			0, 32 },
	{ DIGEST_ALG_MD5_SESS,		"MD5-sess",		1, 32 },
	{ DIGEST_ALG_SHA256,		"SHA-256",		0, 64 },
	{ DIGEST_ALG_SHA256_SESS,	"SHA-256-sess",		1, 64 },
	{ DIGEST_ALG_SHA512_256,	"SHA-512-256",		0, 64 },
	{ DIGEST_ALG_SHA512_256_SESS,	"SHA-512-256-sess",	1, 64 },
};

#define DIGEST_NALGS	(sizeof(digest_algs) / sizeof(digest_algs[0]))
#define DIGEST_PARTS	11	/* most parts hashed at once: the response */

/* The row of an algorithm, or NULL. */
static const struct digest_alg_row *
digest_alg_row(enum digest_alg alg)
{
	size_t	i;

	for (i = 0; i < DIGEST_NALGS; i++)
		if (digest_algs[i].alg == alg)
			return &digest_algs[i];
	return NULL;
}

/* Canonical token of an algorithm. */
const char *
digest_alg_name(enum digest_alg alg)
{
	const struct digest_alg_row	*r = digest_alg_row(alg);

	return r == NULL ? "" : r->name;
}

/* Look a token up without regard to case (RFC 7616 §3.3). */
enum digest_alg
digest_alg_from_name(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < DIGEST_NALGS; i++)
		if (strlen(digest_algs[i].name) == n &&
		    strncasecmp(digest_algs[i].name, s, n) == 0)
			return digest_algs[i].alg;
	return DIGEST_ALG_UNKNOWN;
}

/* Whether HA1 is rehashed with the nonces (RFC 7616 §3.4.2). */
int
digest_alg_is_sess(enum digest_alg alg)
{
	const struct digest_alg_row	*r = digest_alg_row(alg);

	return r != NULL && r->sess;
}

/* Hex length of an algorithm's hash. */
size_t
digest_alg_hex_len(enum digest_alg alg)
{
	const struct digest_alg_row	*r = digest_alg_row(alg);

	return r == NULL ? 0 : r->hexlen;
}

/* The EVP digest under an algorithm, -sess or not. */
static const EVP_MD *
digest_md(enum digest_alg alg)
{
	switch (alg) {
	case DIGEST_ALG_MD5:
	case DIGEST_ALG_MD5_SESS:
		return EVP_md5();
	case DIGEST_ALG_SHA256:
	case DIGEST_ALG_SHA256_SESS:
		return EVP_sha256();
	case DIGEST_ALG_SHA512_256:
	case DIGEST_ALG_SHA512_256_SESS:
		return EVP_sha512_256();
	default:
		return NULL;
	}
}

/* One piece of what is hashed. */
struct digest_part {
	const void	*p;
	size_t		 n;
};

/* Hash the parts in order into lowercase hex. */
static const char *
digest_hash_parts(enum digest_alg alg, const struct digest_part *parts,
    size_t nparts, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	const EVP_MD		*md = digest_md(alg);
	EVP_MD_CTX		*ctx;
	unsigned char		 h[EVP_MAX_MD_SIZE];
	unsigned int		 hlen = 0, i;
	size_t			 k;
	int			 ok;

	out[0] = '\0';
	if (md == NULL)
		return "unknown algorithm";
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return "out of memory";
	ok = EVP_DigestInit_ex(ctx, md, NULL) == 1;
	for (k = 0; ok && k < nparts; k++)
		ok = EVP_DigestUpdate(ctx, parts[k].p, parts[k].n) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, h, &hlen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok || hlen * 2 + 1 > DIGEST_HEX_MAX)
		return "hash failed";
	for (i = 0; i < hlen; i++) {
		out[2 * i] = hex[h[i] >> 4];
		out[2 * i + 1] = hex[h[i] & 0xf];
	}
	out[2 * hlen] = '\0';
	OPENSSL_cleanse(h, sizeof(h));
	return NULL;
}

/* A part from a NUL-terminated string. */
static struct digest_part
digest_str(const char *s)
{
	struct digest_part	p = { s, strlen(s) };

	return p;
}

/* H(data). */
const char *
digest_hash_hex(enum digest_alg alg, const void *data, size_t len, char *out)
{
	struct digest_part	p = { data, len };

	return digest_hash_parts(alg, &p, 1, out);
}

/* Copy a stored HA1 after checking it is hex of the right length. */
static const char *
digest_stored_ha1(enum digest_alg alg, const char *ha1, char *out)
{
	size_t	n = strlen(ha1), i;
	char	c;

	if (n != digest_alg_hex_len(alg))
		return "stored HA1 has the wrong length";
	for (i = 0; i < n; i++) {
		c = ha1[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			OPENSSL_cleanse(out, DIGEST_HEX_MAX);
			return "stored HA1 is not hex";
		}
		out[i] = c;
	}
	out[n] = '\0';
	return NULL;
}

/* HA1 = H(user:realm:pass) or the stored one, then -sess if asked. */
const char *
digest_ha1(const struct digest_input *in, char *out)
{
	struct digest_part	 parts[5];
	char			 base[DIGEST_HEX_MAX];
	const char		*err;

	out[0] = '\0';
	if (digest_md(in->alg) == NULL)
		return "unknown algorithm";
	if (in->ha1 != NULL)
		err = digest_stored_ha1(in->alg, in->ha1, base);
	else if (in->username == NULL || in->realm == NULL ||
	    in->password == NULL)
		err = "no username, realm or password";
	else {
		parts[0] = digest_str(in->username);
		parts[1] = digest_str(":");
		parts[2] = digest_str(in->realm);
		parts[3] = digest_str(":");
		parts[4] = digest_str(in->password);
		err = digest_hash_parts(in->alg, parts, 5, base);
	}
	if (err == NULL && digest_alg_is_sess(in->alg)) {
		if (in->nonce == NULL || in->cnonce == NULL)
			err = "-sess needs a nonce and a cnonce";
		else {
			parts[0] = digest_str(base);
			parts[1] = digest_str(":");
			parts[2] = digest_str(in->nonce);
			parts[3] = digest_str(":");
			parts[4] = digest_str(in->cnonce);
			err = digest_hash_parts(in->alg, parts, 5, out);
		}
	} else if (err == NULL)
		memcpy(out, base, strlen(base) + 1);
	OPENSSL_cleanse(base, sizeof(base));
	if (err != NULL)
		OPENSSL_cleanse(out, DIGEST_HEX_MAX);
	return err;
}

/* HA2 = H(method:uri) or, for auth-int, H(method:uri:H(body)). */
static const char *
digest_ha2(const struct digest_input *in, char *out)
{
	struct digest_part	 parts[5];
	char			 hbody[DIGEST_HEX_MAX];
	const char		*err;
	size_t			 n = 3;

	if (in->method == NULL || in->uri == NULL)
		return "no method or uri";
	parts[0] = digest_str(in->method);
	parts[1] = digest_str(":");
	parts[2] = digest_str(in->uri);
	if (in->qop == DIGEST_QOP_AUTH_INT) {
		err = digest_hash_hex(in->alg, in->body == NULL ? "" :
		    in->body, in->body == NULL ? 0 : in->bodylen, hbody);
		if (err != NULL)
			return err;
		parts[3] = digest_str(":");
		parts[4] = digest_str(hbody);
		n = 5;
	}
	return digest_hash_parts(in->alg, parts, n, out);
}

/* KD(HA1, nonce:nc:cnonce:qop:HA2), or KD(HA1, nonce:HA2) without qop. */
const char *
digest_response(const struct digest_input *in, char *out)
{
	struct digest_part	 parts[DIGEST_PARTS];
	char			 ha1[DIGEST_HEX_MAX], ha2[DIGEST_HEX_MAX];
	const char		*err;
	size_t			 n = 0;

	out[0] = '\0';
	if (in->nonce == NULL)
		return "no nonce";
	if (in->qop != DIGEST_QOP_NONE && in->qop != DIGEST_QOP_AUTH &&
	    in->qop != DIGEST_QOP_AUTH_INT)
		return "unknown qop";
	if (in->qop != DIGEST_QOP_NONE && (in->nc == NULL ||
	    in->cnonce == NULL))
		return "qop needs nc and cnonce";
	if ((err = digest_ha1(in, ha1)) != NULL)
		return err;
	if ((err = digest_ha2(in, ha2)) != NULL) {
		OPENSSL_cleanse(ha1, sizeof(ha1));
		return err;
	}
	parts[n++] = digest_str(ha1);
	parts[n++] = digest_str(":");
	parts[n++] = digest_str(in->nonce);
	parts[n++] = digest_str(":");
	if (in->qop != DIGEST_QOP_NONE) {
		parts[n++] = digest_str(in->nc);
		parts[n++] = digest_str(":");
		parts[n++] = digest_str(in->cnonce);
		parts[n++] = digest_str(":");
		parts[n++] = digest_str(in->qop == DIGEST_QOP_AUTH ? "auth" :
		    "auth-int");
		parts[n++] = digest_str(":");
	}
	parts[n++] = digest_str(ha2);
	err = digest_hash_parts(in->alg, parts, n, out);
	OPENSSL_cleanse(ha1, sizeof(ha1));
	return err;
}

/* H(username:realm), what a client sends as username with userhash=true. */
const char *
digest_userhash(enum digest_alg alg, const char *username, const char *realm,
    char *out)
{
	struct digest_part	parts[3];

	out[0] = '\0';
	if (username == NULL || realm == NULL)
		return "no username or realm";
	parts[0] = digest_str(username);
	parts[1] = digest_str(":");
	parts[2] = digest_str(realm);
	return digest_hash_parts(alg, parts, 3, out);
}

/*
 * Constant-time comparison. Only the length may end it early: it is
 * public (the algorithm's), unlike the expected value.
 */
int
digest_response_equal(const char *expected, const char *got, size_t gotlen)
{
	char	lower[DIGEST_HEX_MAX];
	size_t	n = strlen(expected), i;
	int	eq;

	if (n != gotlen || n >= sizeof(lower) || n == 0)
		return 0;
	/* Clients should send lowercase; fold case without branching. */
	for (i = 0; i < n; i++)
		lower[i] = (char)(got[i] | ((got[i] >= 'A' && got[i] <= 'F') <<
		    5));
	eq = CRYPTO_memcmp(expected, lower, n) == 0;
	OPENSSL_cleanse(lower, sizeof(lower));
	return eq;
}
