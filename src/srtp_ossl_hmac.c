/*
 * srtp_ossl_hmac.c: HMAC-SHA1 (RFC 2104) as libsrtp2 2.5's auth type, on
 * OpenSSL's SHA-1 with the inner and outer pad states computed once per
 * key.
 *
 * Why the low-level SHA1_* calls, which OpenSSL 3 deprecates: in 3.0
 * every way of restarting an EVP digest or MAC with the same key
 * (EVP_MD_CTX_copy_ex, EVP_DigestInit_ex, HMAC_Init_ex, EVP_MAC_init)
 * frees and allocates the provider context, so once per packet; measured
 * on Debian 12's 3.0. A SHA_CTX is a plain struct: restarting is a copy,
 * and SHA1_Update still runs OpenSSL's SHA-NI or AVX2 code.
 *
 * libsrtp2's contract: init gets the key; start begins a message; update
 * adds to it; compute adds the last part and writes tag_len octets of the
 * MAC. compute also works without a start, as on a fresh init.
 */
#include "config.h"

/* Only for SHA1_Init/Update/Final; see above. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "srtp_ossl_int.h"

#define HMAC_BLOCK	SHA_CBLOCK		/* 64 */
#define HMAC_OUT	SHA_DIGEST_LENGTH	/* 20 */

/* One HMAC: libsrtp2's header and our state in one allocation. */
struct ossl_hmac {
	srtp_auth_t	a;
	SHA_CTX		inner;	/* after key XOR ipad */
	SHA_CTX		outer;	/* after key XOR opad */
	SHA_CTX		work;	/* the message being authenticated */
};

/* Allocate an HMAC for a key_len-octet key and out_len-octet tags. */
static srtp_err_status_t
hmac_alloc(srtp_auth_pointer_t *ap, int key_len, int out_len)
{
	struct ossl_hmac	*s;

	*ap = NULL;
	if (key_len < 0 || out_len < 0 || out_len > HMAC_OUT)
		return srtp_err_status_bad_param;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return srtp_err_status_alloc_fail;
	s->a.type = &srtp_ossl_hmac_sha1;
	s->a.state = s;
	s->a.out_len = out_len;
	s->a.key_len = key_len;
	s->a.prefix_len = 0;
	*ap = &s->a;
	return srtp_err_status_ok;
}

/* Free an HMAC; the pad states are key material and are wiped. */
static srtp_err_status_t
hmac_dealloc(srtp_auth_pointer_t a)
{
	struct ossl_hmac	*s = a->state;

	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
	return srtp_err_status_ok;
}

/* Key the HMAC: hash the two padded keys once, for every packet after. */
static srtp_err_status_t
hmac_init(void *state, const uint8_t *key, int key_len)
{
	struct ossl_hmac	*s = state;
	uint8_t			 k[HMAC_BLOCK], pad[HMAC_BLOCK];
	int			 i;

	if (key_len < 0)
		return srtp_err_status_bad_param;
	memset(k, 0, sizeof(k));
	if (key_len > HMAC_BLOCK)
		SHA1(key, (size_t)key_len, k);
	else if (key_len > 0)
		memcpy(k, key, (size_t)key_len);
	for (i = 0; i < HMAC_BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	if (SHA1_Init(&s->inner) != 1 ||
	    SHA1_Update(&s->inner, pad, sizeof(pad)) != 1)
		goto fail;
	for (i = 0; i < HMAC_BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	if (SHA1_Init(&s->outer) != 1 ||
	    SHA1_Update(&s->outer, pad, sizeof(pad)) != 1)
		goto fail;
	s->work = s->inner;
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(pad, sizeof(pad));
	return srtp_err_status_ok;
fail:
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(pad, sizeof(pad));
	return srtp_err_status_init_fail;
}

/* Begin a message. */
static srtp_err_status_t
hmac_start(void *state)
{
	struct ossl_hmac	*s = state;

	s->work = s->inner;
	return srtp_err_status_ok;
}

/* Add len octets to the message. */
static srtp_err_status_t
hmac_update(void *state, const uint8_t *buf, int len)
{
	struct ossl_hmac	*s = state;

	if (len < 0)
		return srtp_err_status_bad_param;
	if (len > 0 && SHA1_Update(&s->work, buf, (size_t)len) != 1)
		return srtp_err_status_auth_fail;
	return srtp_err_status_ok;
}

/* Add the last len octets and write the first tag_len octets of the MAC. */
static srtp_err_status_t
hmac_compute(void *state, const uint8_t *buf, int len, int tag_len,
    uint8_t *tag)
{
	struct ossl_hmac	*s = state;
	SHA_CTX			 o;
	uint8_t			 h[HMAC_OUT];

	if (len < 0 || tag_len < 0 || tag_len > HMAC_OUT)
		return srtp_err_status_bad_param;
	if (len > 0 && SHA1_Update(&s->work, buf, (size_t)len) != 1)
		return srtp_err_status_auth_fail;
	o = s->outer;
	if (SHA1_Final(h, &s->work) != 1 ||
	    SHA1_Update(&o, h, sizeof(h)) != 1 || SHA1_Final(h, &o) != 1)
		return srtp_err_status_auth_fail;
	memcpy(tag, h, (size_t)tag_len);
	s->work = s->inner;
	return srtp_err_status_ok;
}

/*
 * RFC 2202 test cases 1 and 2, and case 7 for a key longer than a block.
 * libsrtp2 runs its stock type's vector on ours as well.
 */
static const uint8_t hmac1_key[20] = {
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
};
static const uint8_t hmac1_tag[20] = {
	0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72, 0x64, 0xe2, 0x8b,
	0xc0, 0xb6, 0xfb, 0x37, 0x8c, 0x8e, 0xf1, 0x46, 0xbe, 0x00,
};
static const uint8_t hmac2_tag[20] = {
	0xef, 0xfc, 0xdf, 0x6a, 0xe5, 0xeb, 0x2f, 0xa2, 0xd2, 0x74,
	0x16, 0xd5, 0xf1, 0x84, 0xdf, 0x9c, 0x25, 0x9a, 0x7c, 0x79,
};
static const uint8_t hmac7_key[80] = {
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
};
static const uint8_t hmac7_tag[20] = {
	0xe8, 0xe9, 0x9d, 0x0f, 0x45, 0x23, 0x7d, 0x78, 0x6d, 0x6b,
	0xba, 0xa7, 0x96, 0x5c, 0x78, 0x08, 0xbb, 0xff, 0x1a, 0x91,
};
static const char hmac1_data[] = "Hi There";
static const char hmac2_data[] = "what do ya want for nothing?";
static const char hmac7_data[] =
    "Test Using Larger Than Block-Size Key and Larger Than One Block-Size "
    "Data";

static const srtp_auth_test_case_t hmac7_case = {
	sizeof(hmac7_key), hmac7_key, sizeof(hmac7_data) - 1,
	(const uint8_t *)hmac7_data, sizeof(hmac7_tag), hmac7_tag, NULL
};
static const srtp_auth_test_case_t hmac2_case = {
	4, (const uint8_t *)"Jefe", sizeof(hmac2_data) - 1,
	(const uint8_t *)hmac2_data, sizeof(hmac2_tag), hmac2_tag, &hmac7_case
};
static const srtp_auth_test_case_t hmac1_case = {
	sizeof(hmac1_key), hmac1_key, sizeof(hmac1_data) - 1,
	(const uint8_t *)hmac1_data, sizeof(hmac1_tag), hmac1_tag, &hmac2_case
};

const srtp_auth_type_t srtp_ossl_hmac_sha1 = {
	hmac_alloc, hmac_dealloc, hmac_init, hmac_compute, hmac_update,
	hmac_start, "HMAC-SHA1 using OpenSSL (sipedge)", &hmac1_case,
	SRTP_HMAC_SHA1
};
