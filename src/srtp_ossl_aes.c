/*
 * srtp_ossl_aes.c: AES-ICM (RFC 3711 §4.1.1, RFC 6188) and AES-GCM
 * (RFC 7714) as libsrtp2 2.5 cipher types, on OpenSSL EVP.
 *
 * libsrtp2's contract, as its stock types keep it:
 * - alloc gets the key length with the salt (30, 38, 46 for ICM; 28, 44
 *   for GCM) and the tag length, and sets the cipher's type, algorithm
 *   and key_len; init gets key || salt and may be called again on the
 *   same cipher for a new key.
 * - ICM: the counter block is (salt || 0x0000) XOR the 16-octet IV that
 *   set_iv gets; encrypt and decrypt are the same keystream XOR, in
 *   place, continuing the keystream across calls until the next set_iv.
 * - GCM: set_iv gets the 12-octet nonce and a direction; set_aad may come
 *   several times before the data; encrypt works in place and leaves the
 *   tag for get_tag; decrypt gets ciphertext || tag, checks the tag and
 *   shortens the length by it. The salt is libsrtp2's business (it XORs
 *   it into the nonce), so init uses the key octets only.
 *
 * Every EVP context is made at alloc and keyed at init; set_iv re-uses it
 * with the same key schedule, so a packet allocates nothing.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "srtp_ossl_int.h"

#define ICM_BLOCK	16
#define ICM_BLOCKS_MAX	0x10000	/* the 16-bit block counter of RFC 3711 */
#define GCM_IV_LEN	12
#define GCM_TAG_MAX	16

/* The EVP ciphers, fetched once so that keying a stream does not look up. */
static EVP_CIPHER	*ossl_ctr128, *ossl_ctr192, *ossl_ctr256;
static EVP_CIPHER	*ossl_gcm128, *ossl_gcm256;

/* One ICM cipher: libsrtp2's header and our state in one allocation. */
struct ossl_icm {
	srtp_cipher_t		 c;
	EVP_CIPHER_CTX		*ctx;
	const EVP_CIPHER	*evp;
	int			 aes_len;
	uint8_t			 offset[ICM_BLOCK];	/* salt || 0x0000 */
	size_t			 left;	/* octets before the counter wraps */
};

/* One GCM cipher. */
struct ossl_gcm {
	srtp_cipher_t		 c;
	EVP_CIPHER_CTX		*ctx;
	const EVP_CIPHER	*evp;
	int			 aes_len;
	int			 tag_len;
	int			 dir;	/* srtp_cipher_direction_t of set_iv */
	uint8_t			 tag[GCM_TAG_MAX];
};

/* Fetch the EVP ciphers; fine to call again. */
int
srtp_ossl_aes_fetch(void)
{
	if (ossl_gcm256 != NULL)
		return 0;
	ossl_ctr128 = EVP_CIPHER_fetch(NULL, "AES-128-CTR", NULL);
	ossl_ctr192 = EVP_CIPHER_fetch(NULL, "AES-192-CTR", NULL);
	ossl_ctr256 = EVP_CIPHER_fetch(NULL, "AES-256-CTR", NULL);
	ossl_gcm128 = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	ossl_gcm256 = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	if (ossl_ctr128 == NULL || ossl_ctr192 == NULL ||
	    ossl_ctr256 == NULL || ossl_gcm128 == NULL || ossl_gcm256 == NULL) {
		EVP_CIPHER_free(ossl_ctr128);
		EVP_CIPHER_free(ossl_ctr192);
		EVP_CIPHER_free(ossl_ctr256);
		EVP_CIPHER_free(ossl_gcm128);
		EVP_CIPHER_free(ossl_gcm256);
		ossl_ctr128 = ossl_ctr192 = ossl_ctr256 = NULL;
		ossl_gcm128 = ossl_gcm256 = NULL;
		return -1;
	}
	return 0;
}

/*
 * Allocate an ICM cipher for key_len octets of key and salt. Like the
 * stock type, any of our three ICM types takes any of the three lengths
 * and hands back the type that fits it.
 */
static srtp_err_status_t
icm_alloc(srtp_cipher_pointer_t *cp, int key_len, int tag_len)
{
	struct ossl_icm	*s;

	(void)tag_len;
	*cp = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return srtp_err_status_alloc_fail;
	switch (key_len) {
	case SRTP_AES_ICM_128_KEY_LEN_WSALT:
		s->c.type = &srtp_ossl_aes_icm_128;
		s->c.algorithm = SRTP_AES_ICM_128;
		s->evp = ossl_ctr128;
		s->aes_len = SRTP_AES_128_KEY_LEN;
		break;
	case SRTP_AES_ICM_192_KEY_LEN_WSALT:
		s->c.type = &srtp_ossl_aes_icm_192;
		s->c.algorithm = SRTP_AES_ICM_192;
		s->evp = ossl_ctr192;
		s->aes_len = SRTP_AES_192_KEY_LEN;
		break;
	case SRTP_AES_ICM_256_KEY_LEN_WSALT:
		s->c.type = &srtp_ossl_aes_icm_256;
		s->c.algorithm = SRTP_AES_ICM_256;
		s->evp = ossl_ctr256;
		s->aes_len = SRTP_AES_256_KEY_LEN;
		break;
	default:
		free(s);
		return srtp_err_status_bad_param;
	}
	if (s->evp == NULL) {
		free(s);
		return srtp_err_status_init_fail;	/* not fetched */
	}
	if ((s->ctx = EVP_CIPHER_CTX_new()) == NULL) {
		free(s);
		return srtp_err_status_alloc_fail;
	}
	s->c.state = s;
	s->c.key_len = key_len;
	*cp = &s->c;
	return srtp_err_status_ok;
}

/* Free an ICM cipher; the context and the salt are wiped. */
static srtp_err_status_t
icm_dealloc(srtp_cipher_pointer_t c)
{
	struct ossl_icm	*s = c->state;

	EVP_CIPHER_CTX_free(s->ctx);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
	return srtp_err_status_ok;
}

/* Key an ICM cipher with key || salt; the counter offset is the salt. */
static srtp_err_status_t
icm_init(void *state, const uint8_t *key)
{
	struct ossl_icm	*s = state;

	memset(s->offset, 0, sizeof(s->offset));
	memcpy(s->offset, key + s->aes_len, SRTP_SALT_LEN);
	s->left = 0;
	if (EVP_EncryptInit_ex2(s->ctx, s->evp, key, NULL, NULL) != 1)
		return srtp_err_status_init_fail;
	return srtp_err_status_ok;
}

/*
 * Start the keystream at (salt || 0) XOR iv. OpenSSL's counter carries
 * into the upper octets where RFC 3711's 16-bit block counter would wrap,
 * so we count what is left before the wrap and refuse to go past it (no
 * SRTP packet comes near 1 MB, and wrapping would reuse keystream).
 */
static srtp_err_status_t
icm_set_iv(void *state, uint8_t *iv, srtp_cipher_direction_t dir)
{
	struct ossl_icm	*s = state;
	uint8_t		 ctr[ICM_BLOCK];
	int		 i;

	(void)dir;
	for (i = 0; i < ICM_BLOCK; i++)
		ctr[i] = s->offset[i] ^ iv[i];
	s->left = (size_t)(ICM_BLOCKS_MAX -
	    ((ctr[ICM_BLOCK - 2] << 8) | ctr[ICM_BLOCK - 1])) * ICM_BLOCK;
	if (EVP_EncryptInit_ex2(s->ctx, NULL, NULL, ctr, NULL) != 1)
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

/* XOR the next *len octets of keystream into buf (encrypt and decrypt). */
static srtp_err_status_t
icm_crypt(void *state, uint8_t *buf, unsigned int *len)
{
	struct ossl_icm	*s = state;
	int		 out;

	if (*len == 0)
		return srtp_err_status_ok;
	if (*len > s->left || *len > INT32_MAX)
		return srtp_err_status_terminus;
	if (EVP_EncryptUpdate(s->ctx, buf, &out, buf, (int)*len) != 1 ||
	    (unsigned int)out != *len)
		return srtp_err_status_cipher_fail;
	s->left -= *len;
	return srtp_err_status_ok;
}

/* Allocate a GCM cipher: key and 12-octet salt, an 8 or 16 octet tag. */
static srtp_err_status_t
gcm_alloc(srtp_cipher_pointer_t *cp, int key_len, int tag_len)
{
	struct ossl_gcm	*s;

	*cp = NULL;
	if (tag_len != 8 && tag_len != 16)
		return srtp_err_status_bad_param;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return srtp_err_status_alloc_fail;
	switch (key_len) {
	case SRTP_AES_GCM_128_KEY_LEN_WSALT:
		s->c.type = &srtp_ossl_aes_gcm_128;
		s->c.algorithm = SRTP_AES_GCM_128;
		s->evp = ossl_gcm128;
		s->aes_len = SRTP_AES_128_KEY_LEN;
		break;
	case SRTP_AES_GCM_256_KEY_LEN_WSALT:
		s->c.type = &srtp_ossl_aes_gcm_256;
		s->c.algorithm = SRTP_AES_GCM_256;
		s->evp = ossl_gcm256;
		s->aes_len = SRTP_AES_256_KEY_LEN;
		break;
	default:
		free(s);
		return srtp_err_status_bad_param;
	}
	if (s->evp == NULL) {
		free(s);
		return srtp_err_status_init_fail;	/* not fetched */
	}
	if ((s->ctx = EVP_CIPHER_CTX_new()) == NULL) {
		free(s);
		return srtp_err_status_alloc_fail;
	}
	s->tag_len = tag_len;
	s->dir = srtp_direction_any;
	s->c.state = s;
	s->c.key_len = key_len;
	*cp = &s->c;
	return srtp_err_status_ok;
}

/* Free a GCM cipher; the context is wiped. */
static srtp_err_status_t
gcm_dealloc(srtp_cipher_pointer_t c)
{
	struct ossl_gcm	*s = c->state;

	EVP_CIPHER_CTX_free(s->ctx);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
	return srtp_err_status_ok;
}

/* Key a GCM cipher with the key octets of key || salt. */
static srtp_err_status_t
gcm_init(void *state, const uint8_t *key)
{
	struct ossl_gcm	*s = state;

	s->dir = srtp_direction_any;
	if (EVP_CipherInit_ex2(s->ctx, s->evp, key, NULL, 1, NULL) != 1)
		return srtp_err_status_init_fail;
	return srtp_err_status_ok;
}

/* Start one message with a 12-octet nonce, sealing or opening. */
static srtp_err_status_t
gcm_set_iv(void *state, uint8_t *iv, srtp_cipher_direction_t dir)
{
	struct ossl_gcm	*s = state;

	if (dir != srtp_direction_encrypt && dir != srtp_direction_decrypt)
		return srtp_err_status_bad_param;
	s->dir = dir;
	if (EVP_CipherInit_ex2(s->ctx, NULL, NULL, iv,
	    dir == srtp_direction_encrypt, NULL) != 1)
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

/* Add authenticated data; may be called more than once, before the data. */
static srtp_err_status_t
gcm_set_aad(void *state, const uint8_t *aad, uint32_t len)
{
	struct ossl_gcm	*s = state;
	int		 out;

	if (len == 0)
		return srtp_err_status_ok;
	if (len > INT32_MAX ||
	    EVP_CipherUpdate(s->ctx, NULL, &out, aad, (int)len) != 1)
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

/*
 * Seal *len octets in place and keep the tag for get_tag. buf may be
 * NULL with *len 0: libsrtp2 then wants a tag over the AAD only (SRTCP
 * sent unencrypted).
 */
static srtp_err_status_t
gcm_encrypt(void *state, uint8_t *buf, unsigned int *len)
{
	struct ossl_gcm	*s = state;
	uint8_t		 end[GCM_TAG_MAX];
	int		 out;

	if (s->dir != srtp_direction_encrypt)
		return srtp_err_status_bad_param;
	if (*len > INT32_MAX)
		return srtp_err_status_bad_param;
	if (*len > 0 && (EVP_CipherUpdate(s->ctx, buf, &out, buf,
	    (int)*len) != 1 || (unsigned int)out != *len))
		return srtp_err_status_cipher_fail;
	if (EVP_CipherFinal_ex(s->ctx, end, &out) != 1 ||
	    EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_GET_TAG, s->tag_len,
	    s->tag) != 1)
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

/* Copy out the tag of the last encrypt. */
static srtp_err_status_t
gcm_get_tag(void *state, uint8_t *tag, uint32_t *len)
{
	struct ossl_gcm	*s = state;

	memcpy(tag, s->tag, s->tag_len);
	*len = s->tag_len;
	return srtp_err_status_ok;
}

/*
 * Open ciphertext || tag in place; *len loses the tag. A wrong tag is
 * srtp_err_status_auth_fail, which libsrtp2 passes to the caller. The
 * plaintext is written before the tag is known to be good, as the stock
 * type does too: libsrtp2 discards the packet on failure.
 */
static srtp_err_status_t
gcm_decrypt(void *state, uint8_t *buf, unsigned int *len)
{
	struct ossl_gcm	*s = state;
	uint8_t		 end[GCM_TAG_MAX];
	unsigned int	 n;
	int		 out;

	if (s->dir != srtp_direction_decrypt)
		return srtp_err_status_bad_param;
	if (*len < (unsigned int)s->tag_len || *len > INT32_MAX)
		return srtp_err_status_bad_param;
	n = *len - s->tag_len;
	if (EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_SET_TAG, s->tag_len,
	    buf + n) != 1)
		return srtp_err_status_cipher_fail;
	if (n > 0 && (EVP_CipherUpdate(s->ctx, buf, &out, buf, (int)n) != 1 ||
	    (unsigned int)out != n))
		return srtp_err_status_cipher_fail;
	if (EVP_CipherFinal_ex(s->ctx, end, &out) != 1)
		return srtp_err_status_auth_fail;
	*len = n;
	return srtp_err_status_ok;
}

/*
 * Published vectors each type tests itself with when it is installed;
 * libsrtp2 also runs its stock type's vectors on ours. ICM: the keystream
 * of RFC 3711 §B.2 and RFC 6188 §7.1 (AES-128, AES-256; zero IV, so the
 * counter is the salt); for AES-192 a key of ours with the same salt,
 * its keystream computed with OpenSSL, which the stock type's vectors and
 * srtp_ossl_check()'s AES-192 suite check independently. GCM: test cases
 * 4 and 16 of McGrew and Viega's GCM specification, as 28 and 44 octets
 * of key and (unused) salt.
 */
static const uint8_t icm_salt_zero_iv[ICM_BLOCK] = { 0 };
static const uint8_t icm_zeros[32] = { 0 };

static const uint8_t icm128_key[SRTP_AES_ICM_128_KEY_LEN_WSALT] = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
	0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
	0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static const uint8_t icm128_stream[32] = {
	0xe0, 0x3e, 0xad, 0x09, 0x35, 0xc9, 0x5e, 0x80,
	0xe1, 0x66, 0xb1, 0x6d, 0xd9, 0x2b, 0x4e, 0xb4,
	0xd2, 0x35, 0x13, 0x16, 0x2b, 0x02, 0xd0, 0xf7,
	0x2a, 0x43, 0xa2, 0xfe, 0x4a, 0x5f, 0x97, 0xab,
};
static const uint8_t icm192_key[SRTP_AES_ICM_192_KEY_LEN_WSALT] = {
	0xea, 0xb2, 0x34, 0x76, 0x4e, 0x51, 0x7b, 0x2d,
	0x3d, 0x16, 0x0d, 0x58, 0x7d, 0x8c, 0x86, 0x21,
	0x97, 0x40, 0xf6, 0x5f, 0x99, 0xb6, 0xbc, 0xf7,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
	0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static const uint8_t icm192_stream[32] = {
	0x35, 0x09, 0x6c, 0xba, 0x46, 0x10, 0x02, 0x8d,
	0xc1, 0xb5, 0x75, 0x03, 0x80, 0x4c, 0xe3, 0x7c,
	0x5d, 0xe9, 0x86, 0x29, 0x1d, 0xcc, 0xe1, 0x61,
	0xd5, 0x16, 0x5e, 0xc4, 0x56, 0x8f, 0x5c, 0x9a,
};
static const uint8_t icm256_key[SRTP_AES_ICM_256_KEY_LEN_WSALT] = {
	0x57, 0xf8, 0x2f, 0xe3, 0x61, 0x3f, 0xd1, 0x70,
	0xa8, 0x5e, 0xc9, 0x3c, 0x40, 0xb1, 0xf0, 0x92,
	0x2e, 0xc4, 0xcb, 0x0d, 0xc0, 0x25, 0xb5, 0x82,
	0x72, 0x14, 0x7c, 0xc4, 0x38, 0x94, 0x4a, 0x98,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
	0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static const uint8_t icm256_stream[32] = {
	0x92, 0xbd, 0xd2, 0x8a, 0x93, 0xc3, 0xf5, 0x25,
	0x11, 0xc6, 0x77, 0xd0, 0x8b, 0x55, 0x15, 0xa4,
	0x9d, 0xa7, 0x1b, 0x23, 0x78, 0xa8, 0x54, 0xf6,
	0x70, 0x50, 0x75, 0x6d, 0xed, 0x16, 0x5b, 0xac,
};

static const srtp_cipher_test_case_t icm128_case = {
	SRTP_AES_ICM_128_KEY_LEN_WSALT, icm128_key,
	(uint8_t *)icm_salt_zero_iv, sizeof(icm_zeros), icm_zeros,
	sizeof(icm128_stream), icm128_stream, 0, NULL, 0, NULL
};
static const srtp_cipher_test_case_t icm192_case = {
	SRTP_AES_ICM_192_KEY_LEN_WSALT, icm192_key,
	(uint8_t *)icm_salt_zero_iv, sizeof(icm_zeros), icm_zeros,
	sizeof(icm192_stream), icm192_stream, 0, NULL, 0, NULL
};
static const srtp_cipher_test_case_t icm256_case = {
	SRTP_AES_ICM_256_KEY_LEN_WSALT, icm256_key,
	(uint8_t *)icm_salt_zero_iv, sizeof(icm_zeros), icm_zeros,
	sizeof(icm256_stream), icm256_stream, 0, NULL, 0, NULL
};

static const uint8_t gcm_iv[GCM_IV_LEN] = {
	0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce, 0xdb, 0xad,
	0xde, 0xca, 0xf8, 0x88,
};
static const uint8_t gcm_aad[20] = {
	0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef,
	0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef,
	0xab, 0xad, 0xda, 0xd2,
};
static const uint8_t gcm_plain[60] = {
	0xd9, 0x31, 0x32, 0x25, 0xf8, 0x84, 0x06, 0xe5,
	0xa5, 0x59, 0x09, 0xc5, 0xaf, 0xf5, 0x26, 0x9a,
	0x86, 0xa7, 0xa9, 0x53, 0x15, 0x34, 0xf7, 0xda,
	0x2e, 0x4c, 0x30, 0x3d, 0x8a, 0x31, 0x8a, 0x72,
	0x1c, 0x3c, 0x0c, 0x95, 0x95, 0x68, 0x09, 0x53,
	0x2f, 0xcf, 0x0e, 0x24, 0x49, 0xa6, 0xb5, 0x25,
	0xb1, 0x6a, 0xed, 0xf5, 0xaa, 0x0d, 0xe6, 0x57,
	0xba, 0x63, 0x7b, 0x39,
};
/* 16 key octets (twice for AES-256), then 12 octets of salt. */
static const uint8_t gcm_key[SRTP_AES_GCM_256_KEY_LEN_WSALT] = {
	0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c,
	0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
	0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c,
	0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab,
};
static const uint8_t gcm128_sealed[60 + 16] = {
	0x42, 0x83, 0x1e, 0xc2, 0x21, 0x77, 0x74, 0x24,
	0x4b, 0x72, 0x21, 0xb7, 0x84, 0xd0, 0xd4, 0x9c,
	0xe3, 0xaa, 0x21, 0x2f, 0x2c, 0x02, 0xa4, 0xe0,
	0x35, 0xc1, 0x7e, 0x23, 0x29, 0xac, 0xa1, 0x2e,
	0x21, 0xd5, 0x14, 0xb2, 0x54, 0x66, 0x93, 0x1c,
	0x7d, 0x8f, 0x6a, 0x5a, 0xac, 0x84, 0xaa, 0x05,
	0x1b, 0xa3, 0x0b, 0x39, 0x6a, 0x0a, 0xac, 0x97,
	0x3d, 0x58, 0xe0, 0x91,
	0x5b, 0xc9, 0x4f, 0xbc, 0x32, 0x21, 0xa5, 0xdb,
	0x94, 0xfa, 0xe9, 0x5a, 0xe7, 0x12, 0x1a, 0x47,
};
static const uint8_t gcm256_sealed[60 + 16] = {
	0x52, 0x2d, 0xc1, 0xf0, 0x99, 0x56, 0x7d, 0x07,
	0xf4, 0x7f, 0x37, 0xa3, 0x2a, 0x84, 0x42, 0x7d,
	0x64, 0x3a, 0x8c, 0xdc, 0xbf, 0xe5, 0xc0, 0xc9,
	0x75, 0x98, 0xa2, 0xbd, 0x25, 0x55, 0xd1, 0xaa,
	0x8c, 0xb0, 0x8e, 0x48, 0x59, 0x0d, 0xbb, 0x3d,
	0xa7, 0xb0, 0x8b, 0x10, 0x56, 0x82, 0x88, 0x38,
	0xc5, 0xf6, 0x1e, 0x63, 0x93, 0xba, 0x7a, 0x0a,
	0xbc, 0xc9, 0xf6, 0x62,
	0x76, 0xfc, 0x6e, 0xce, 0x0f, 0x4e, 0x17, 0x68,
	0xcd, 0xdf, 0x88, 0x53, 0xbb, 0x2d, 0x55, 0x1b,
};
/* The AES-128 key with its salt: the first 16 octets, then the salt. */
static const uint8_t gcm128_key[SRTP_AES_GCM_128_KEY_LEN_WSALT] = {
	0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c,
	0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab,
};

static const srtp_cipher_test_case_t gcm128_case = {
	SRTP_AES_GCM_128_KEY_LEN_WSALT, gcm128_key, (uint8_t *)gcm_iv,
	sizeof(gcm_plain), gcm_plain, sizeof(gcm128_sealed), gcm128_sealed,
	sizeof(gcm_aad), gcm_aad, 16, NULL
};
static const srtp_cipher_test_case_t gcm256_case = {
	SRTP_AES_GCM_256_KEY_LEN_WSALT, gcm_key, (uint8_t *)gcm_iv,
	sizeof(gcm_plain), gcm_plain, sizeof(gcm256_sealed), gcm256_sealed,
	sizeof(gcm_aad), gcm_aad, 16, NULL
};

const srtp_cipher_type_t srtp_ossl_aes_icm_128 = {
	icm_alloc, icm_dealloc, icm_init, NULL, icm_crypt, icm_crypt,
	icm_set_iv, NULL, "AES-128 counter mode using OpenSSL (sipedge)",
	&icm128_case, SRTP_AES_ICM_128
};
const srtp_cipher_type_t srtp_ossl_aes_icm_192 = {
	icm_alloc, icm_dealloc, icm_init, NULL, icm_crypt, icm_crypt,
	icm_set_iv, NULL, "AES-192 counter mode using OpenSSL (sipedge)",
	&icm192_case, SRTP_AES_ICM_192
};
const srtp_cipher_type_t srtp_ossl_aes_icm_256 = {
	icm_alloc, icm_dealloc, icm_init, NULL, icm_crypt, icm_crypt,
	icm_set_iv, NULL, "AES-256 counter mode using OpenSSL (sipedge)",
	&icm256_case, SRTP_AES_ICM_256
};
const srtp_cipher_type_t srtp_ossl_aes_gcm_128 = {
	gcm_alloc, gcm_dealloc, gcm_init, gcm_set_aad, gcm_encrypt,
	gcm_decrypt, gcm_set_iv, gcm_get_tag,
	"AES-128 GCM using OpenSSL (sipedge)", &gcm128_case, SRTP_AES_GCM_128
};
const srtp_cipher_type_t srtp_ossl_aes_gcm_256 = {
	gcm_alloc, gcm_dealloc, gcm_init, gcm_set_aad, gcm_encrypt,
	gcm_decrypt, gcm_set_iv, gcm_get_tag,
	"AES-256 GCM using OpenSSL (sipedge)", &gcm256_case, SRTP_AES_GCM_256
};
