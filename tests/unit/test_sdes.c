/*
 * test_sdes.c: the a=crypto grammar reads what phones and carriers send
 * (every suite and alias, padded and unpadded keys, odd lifetimes, MKI,
 * session parameters), refuses broken lines with a reason and leaves no
 * key behind, prints what it parsed so that it parses back the same, and
 * the offer/answer helpers accept only what Debian's libsrtp2 can really
 * do and refuse answers that change the suite of a tag.
 */
#include "config.h"

/* RAND_set_rand_method: the one way to make RAND_bytes fail on purpose. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "sdes.h"
#include "unit.h"

/* Strings equal, and a NULL a failure rather than a crash. */
#define ASSERT_STR(got, want) do {					\
	const char	*got_ = (got);					\
									\
	CU_ASSERT_PTR_NOT_NULL(got_);					\
	if (got_ != NULL)						\
		CU_ASSERT_STRING_EQUAL(got_, (want));			\
} while (0)

/*
 * Keys: the bytes (7 * i + 3) & 0xff, i = 0.., base64-encoded by
 * Python's base64 module (independent of this code) for each length:
 * python3 -c 'import base64;[print(n,base64.b64encode(bytes((i*7+3)&255
 *     for i in range(n))).decode()) for n in (28,29,30,31,38,44,46)]'
 */
#define K28	"AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wA=="
#define K28U	"AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wA"
#define K29	"AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMc="
#define K30	"AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO"
#define K31	"AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1Q=="
#define K38	"AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dzj6vH4/wY="
#define K38U	"AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dzj6vH4/wY"
#define K44	"AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dzj6vH4/wYNFBsiKTA="
#define K44U	"AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dzj6vH4/wYNFBsiKTA"
#define K46	K46U "=="
#define K46U	"AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dzj6vH4/wYNFBsiKTA3Pg"
/* The 30 bytes above, each XOR 0xff (same one-liner). */
#define K30B	"/PXu5+DZ0svEvbavqKGak4yFfndwaWJbVE1GPzgx"

/* A parsed line on the heap (they are a few kilobytes). */
static struct sdes_line *
line_new(void)
{
	struct sdes_line	*l = calloc(1, sizeof(*l));

	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	return l;
}

/* Wipe and free. */
static void
line_free(struct sdes_line *l)
{
	sdes_clear(l);
	free(l);
}

/* Parse a NUL-terminated value. */
static const char *
parse(const char *s, struct sdes_line *l)
{
	return sdes_parse(s, strlen(s), l);
}

/* Whether the key holds the bytes (7 * i + 3) & 0xff for its length. */
static int
key_is_pattern(const struct sdes_key *k, size_t len)
{
	size_t	i;

	if (k->keysalt_len != len)
		return 0;
	for (i = 0; i < len; i++)
		if (k->keysalt[i] != (unsigned char)((7 * i + 3) & 0xff))
			return 0;
	return 1;
}

/* Whether every byte of the line is zero: nothing left of a key. */
static int
line_is_empty(const struct sdes_line *l)
{
	const unsigned char	*p = (const unsigned char *)l;
	size_t			 i;

	for (i = 0; i < sizeof(*l); i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/* libsrtp2 up, once for the whole run (a second srtp_init() fails). */
static void
srtp_up(void)
{
	static int	up;

	if (!up)
		CU_ASSERT_FATAL(srtp_init() == srtp_err_status_ok);
	up = 1;
}

/* Every suite, under its canonical name, with a key of its length. */
static void
test_every_suite_parses_with_its_key_length(void)
{
	static const struct {
		const char	*in;
		enum sdes_suite	 suite;
		size_t		 len;
	} t[] = {
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" K30,
		    SDES_AES_CM_128_HMAC_SHA1_80, 30 },
		{ "2 AES_CM_128_HMAC_SHA1_32 inline:" K30,
		    SDES_AES_CM_128_HMAC_SHA1_32, 30 },
		{ "3 F8_128_HMAC_SHA1_80 inline:" K30,
		    SDES_F8_128_HMAC_SHA1_80, 30 },
		{ "4 AES_192_CM_HMAC_SHA1_80 inline:" K38,
		    SDES_AES_192_CM_HMAC_SHA1_80, 38 },
		{ "5 AES_192_CM_HMAC_SHA1_32 inline:" K38,
		    SDES_AES_192_CM_HMAC_SHA1_32, 38 },
		{ "6 AES_256_CM_HMAC_SHA1_80 inline:" K46,
		    SDES_AES_256_CM_HMAC_SHA1_80, 46 },
		{ "7 AES_256_CM_HMAC_SHA1_32 inline:" K46,
		    SDES_AES_256_CM_HMAC_SHA1_32, 46 },
		{ "8 AEAD_AES_128_GCM inline:" K28,
		    SDES_AEAD_AES_128_GCM, 28 },
		{ "9 AEAD_AES_128_GCM_8 inline:" K28,
		    SDES_AEAD_AES_128_GCM_8, 28 },
		{ "10 AEAD_AES_256_GCM inline:" K44,
		    SDES_AEAD_AES_256_GCM, 44 },
		{ "11 AEAD_AES_256_GCM_8 inline:" K44,
		    SDES_AEAD_AES_256_GCM_8, 44 },
		{ "12 NULL_HMAC_SHA1_80 inline:" K30,
		    SDES_NULL_HMAC_SHA1_80, 30 },
		{ "13 NULL_HMAC_SHA1_32 inline:" K30,
		    SDES_NULL_HMAC_SHA1_32, 30 },
	};
	struct sdes_line	*l = line_new();
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_PTR_NULL(parse(t[i].in, l));
		CU_ASSERT_EQUAL(l->tag, i + 1);
		CU_ASSERT_EQUAL(l->suite, t[i].suite);
		CU_ASSERT_EQUAL(l->nkeys, 1);
		CU_ASSERT(key_is_pattern(&l->keys[0], t[i].len));
		CU_ASSERT_EQUAL(sdes_suite_info(t[i].suite)->key_len +
		    sdes_suite_info(t[i].suite)->salt_len, t[i].len);
	}
	line_free(l);
}

/* The GCM suites with 16- and 8-octet tags are never one another. */
static void
test_gcm_and_gcm_8_are_distinct_suites(void)
{
	CU_ASSERT_EQUAL(sdes_suite_from_name("AEAD_AES_256_GCM", 16),
	    SDES_AEAD_AES_256_GCM);
	CU_ASSERT_EQUAL(sdes_suite_from_name("AEAD_AES_256_GCM_8", 18),
	    SDES_AEAD_AES_256_GCM_8);
	/* A prefix of a name is no name. */
	CU_ASSERT_EQUAL(sdes_suite_from_name("AEAD_AES_256_GCM_8", 16),
	    SDES_AEAD_AES_256_GCM);
	CU_ASSERT_EQUAL(sdes_suite_from_name("AEAD_AES_256_GC", 15),
	    SDES_SUITE_UNKNOWN);
	CU_ASSERT_EQUAL(sdes_suite_info(SDES_AEAD_AES_256_GCM)->tag_len, 16);
	CU_ASSERT_EQUAL(sdes_suite_info(SDES_AEAD_AES_256_GCM_8)->tag_len, 8);
	CU_ASSERT_PTR_NULL(sdes_suite_info(SDES_SUITE_UNKNOWN));
	CU_ASSERT_PTR_NULL(sdes_suite_info((enum sdes_suite)SDES_SUITE_COUNT));
	ASSERT_STR(sdes_suite_name(SDES_SUITE_UNKNOWN), "");
}

/* rtpengine #703/#736: the other spelling in, the RFC 6188 name out. */
static void
test_aliases_are_accepted_and_printed_by_rfc6188_name(void)
{
	static const struct {
		const char	*in;
		const char	*out;
	} t[] = {
		{ "1 AES_CM_256_HMAC_SHA1_80 inline:" K46,
		    "1 AES_256_CM_HMAC_SHA1_80 inline:" K46 },
		{ "1 AES_CM_256_HMAC_SHA1_32 inline:" K46,
		    "1 AES_256_CM_HMAC_SHA1_32 inline:" K46 },
		{ "1 AES_CM_192_HMAC_SHA1_80 inline:" K38,
		    "1 AES_192_CM_HMAC_SHA1_80 inline:" K38 },
		{ "1 AES_CM_192_HMAC_SHA1_32 inline:" K38,
		    "1 AES_192_CM_HMAC_SHA1_32 inline:" K38 },
		/* ABNF strings are case-insensitive. */
		{ "1 aes_cm_128_hmac_sha1_80 INLINE:" K30,
		    "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 },
	};
	struct sdes_line	*l = line_new();
	char			 out[SDES_PRINT_MAX];
	size_t			 i, len;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_PTR_NULL(parse(t[i].in, l));
		CU_ASSERT_PTR_NULL(sdes_print(l, out, sizeof(out), &len));
		ASSERT_STR(out, t[i].out);
		CU_ASSERT_EQUAL(len, strlen(t[i].out));
	}
	OPENSSL_cleanse(out, sizeof(out));
	line_free(l);
}

/* rtpengine #1197, baresip #1233: unpadded keys in, padded keys out. */
static void
test_unpadded_keys_are_accepted_and_printed_padded(void)
{
	static const struct {
		const char	*in;
		const char	*out;
		size_t		 len;
	} t[] = {
		{ "1 AES_192_CM_HMAC_SHA1_80 inline:" K38U,
		    "1 AES_192_CM_HMAC_SHA1_80 inline:" K38, 38 },
		{ "1 AES_256_CM_HMAC_SHA1_80 inline:" K46U,
		    "1 AES_256_CM_HMAC_SHA1_80 inline:" K46, 46 },
		{ "1 AEAD_AES_128_GCM inline:" K28U,
		    "1 AEAD_AES_128_GCM inline:" K28, 28 },
		{ "1 AEAD_AES_256_GCM inline:" K44U,
		    "1 AEAD_AES_256_GCM inline:" K44, 44 },
	};
	struct sdes_line	*a = line_new(), *b = line_new();
	char			 out[SDES_PRINT_MAX];
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_PTR_NULL(parse(t[i].in, a));
		CU_ASSERT(key_is_pattern(&a->keys[0], t[i].len));
		CU_ASSERT_PTR_NULL(parse(t[i].out, b));
		CU_ASSERT(sdes_line_equal(a, b));
		CU_ASSERT_PTR_NULL(sdes_print(a, out, sizeof(out), NULL));
		ASSERT_STR(out, t[i].out);
	}
	OPENSSL_cleanse(out, sizeof(out));
	line_free(a);
	line_free(b);
}

/* RFC 4568's own example key decodes to the text it encodes. */
static void
test_rfc4568_example_key_decodes(void)
{
	struct sdes_line	*l = line_new();

	CU_ASSERT_PTR_NULL_FATAL(parse("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4", l));
	CU_ASSERT_EQUAL(l->keys[0].keysalt_len, 30);
	CU_ASSERT(memcmp(l->keys[0].keysalt,
	    "YS___semctl () {\t220;}\n}\nunles", 30) == 0);
	CU_ASSERT_EQUAL(l->keys[0].lifetime, UINT64_C(1) << 20);
	CU_ASSERT(l->keys[0].has_mki);
	CU_ASSERT_EQUAL(l->keys[0].mki, 1);
	CU_ASSERT_EQUAL(l->keys[0].mki_len, 4);
	line_free(l);
}

/* The lifetime of "1 AES_CM_128_HMAC_SHA1_80 inline:K30|<lt>", or why not. */
static const char *
parse_lifetime(const char *lt, uint64_t *out)
{
	struct sdes_line	*l = line_new();
	char			 in[256];
	const char		*err;

	snprintf(in, sizeof(in), "1 AES_CM_128_HMAC_SHA1_80 inline:" K30
	    "|%s", lt);
	err = parse(in, l);
	*out = l->keys[0].lifetime;
	line_free(l);
	return err;
}

/* rtpengine #57, #966: odd lifetimes are normalised, never an error. */
static void
test_lifetimes_are_normalised_and_only_bad_text_fails(void)
{
	static const struct {
		const char	*in;
		uint64_t	 want;
	} ok[] = {
		{ "2^20",	UINT64_C(1) << 20 },
		{ "2^31",	UINT64_C(1) << 31 },	/* Grandstream */
		{ "2147483648",	UINT64_C(1) << 31 },
		{ "2^48",	UINT64_C(1) << 48 },
		{ "2^0",	1 },
		{ "3000",	3000 },
		{ "0003000",	3000 },
		{ "0",		0 },			/* none */
		{ "2^49",	SDES_LIFETIME_MAX },
		{ "2^64",	SDES_LIFETIME_MAX },
		{ "2^99999999999999999999", SDES_LIFETIME_MAX },
		{ "281474976710657", SDES_LIFETIME_MAX },
		{ "99999999999999999999999999", SDES_LIFETIME_MAX },
	};
	static const char *const bad[] = {
		"", "2^", "2^x", "abc", "-5", "2^31x", "1e6", "2^-1", "0x10",
	};
	uint64_t	v;
	size_t		i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CU_ASSERT_PTR_NULL(parse_lifetime(ok[i].in, &v));
		CU_ASSERT_EQUAL(v, ok[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 1;
		ASSERT_STR(parse_lifetime(bad[i], &v),
		    "bad key lifetime");
		CU_ASSERT_EQUAL(v, 0);
	}
}

/* A lifetime prints as 2^N when it is one, else in decimal. */
static void
test_lifetimes_print_canonically(void)
{
	static const struct {
		const char	*in;
		const char	*out;
	} t[] = {
		{ "|2147483648", "|2^31" },
		{ "|2^64", "|2^48" },
		{ "|3000", "|3000" },
		{ "|0", "" },
		{ "|2^20|7:2", "|2^20|7:2" },
	};
	struct sdes_line	*l = line_new();
	char			 in[128], want[128], out[SDES_PRINT_MAX];
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(in, sizeof(in), "1 AES_CM_128_HMAC_SHA1_80 inline:"
		    K30 "%s", t[i].in);
		snprintf(want, sizeof(want), "1 AES_CM_128_HMAC_SHA1_80 "
		    "inline:" K30 "%s", t[i].out);
		CU_ASSERT_PTR_NULL(parse(in, l));
		CU_ASSERT_PTR_NULL(sdes_print(l, out, sizeof(out), NULL));
		ASSERT_STR(out, want);
	}
	line_free(l);
}

/* MKI:LENGTH is read with its limits, and makes a line unusable. */
static void
test_mki_is_parsed_and_declined(void)
{
	static const struct {
		const char	*tail;
		const char	*err;
		uint64_t	 mki;
		unsigned	 len;
	} t[] = {
		{ "|2^20|1:4",		NULL, 1, 4 },
		{ "|1:1",		NULL, 1, 1 },	/* Asterisk's */
		{ "|255:1",		NULL, 255, 1 },
		{ "|65535:2",		NULL, 65535, 2 },
		{ "|18446744073709551614:128", NULL,
		    UINT64_C(18446744073709551614), 128 },
		{ "|256:1",		"MKI value too large", 0, 0 },
		{ "|65536:2",		"MKI value too large", 0, 0 },
		{ "|99999999999999999999999:16", "MKI value too large", 0, 0 },
		{ "|1:0",		"bad MKI length", 0, 0 },
		{ "|1:129",		"bad MKI length", 0, 0 },
		{ "|1:0001",		"bad MKI length", 0, 0 },
		{ "|1:",		"bad MKI length", 0, 0 },
		{ "|:4",		"bad MKI", 0, 0 },
		{ "|x:4",		"bad MKI", 0, 0 },
		{ "|1:4|2^20",		"MKI before lifetime", 0, 0 },
		{ "|2^20|2^20",		"bad MKI", 0, 0 },
		{ "|2^20|1:4|1:4",	"too many fields in a key parameter",
		    0, 0 },
	};
	struct sdes_line	*l = line_new();
	const char		*why;
	char			 in[256];
	size_t			 i;

	srtp_up();
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(in, sizeof(in), "1 AES_CM_128_HMAC_SHA1_80 inline:"
		    K30 "%s", t[i].tail);
		if (t[i].err == NULL) {
			CU_ASSERT_PTR_NULL(parse(in, l));
			CU_ASSERT(l->keys[0].has_mki);
			CU_ASSERT_EQUAL(l->keys[0].mki, t[i].mki);
			CU_ASSERT_EQUAL(l->keys[0].mki_len, t[i].len);
			CU_ASSERT_FALSE(sdes_usable(l, &why));
			ASSERT_STR(why, "MKI not supported");
		} else {
			ASSERT_STR(parse(in, l), t[i].err);
			CU_ASSERT(line_is_empty(l));
		}
	}
	line_free(l);
}

/* Several keys: each with an MKI of one length, and never usable. */
static void
test_several_keys_need_mki_and_are_declined(void)
{
	struct sdes_line	*l = line_new();
	const char		*why;
	char			 out[SDES_PRINT_MAX];

	srtp_up();
	CU_ASSERT_PTR_NULL_FATAL(parse("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:" K30 "|2^20|1:4;inline:" K30B "|2^20|2:4", l));
	CU_ASSERT_EQUAL(l->nkeys, 2);
	CU_ASSERT(key_is_pattern(&l->keys[0], 30));
	CU_ASSERT_EQUAL(l->keys[0].mki, 1);
	CU_ASSERT_EQUAL(l->keys[1].mki, 2);
	CU_ASSERT_EQUAL(l->keys[1].keysalt[0], 0xff ^ 3);
	CU_ASSERT_FALSE(sdes_usable(l, &why));
	ASSERT_STR(why, "several master keys (MKI) not supported");
	CU_ASSERT_PTR_NULL(sdes_print(l, out, sizeof(out), NULL));
	ASSERT_STR(out, "1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:" K30 "|2^20|1:4;inline:" K30B "|2^20|2:4");
	ASSERT_STR(parse("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:" K30 ";inline:" K30B, l), "several keys without MKI");
	ASSERT_STR(parse("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:" K30 "|1:4;inline:" K30B "|2:2", l),
	    "MKI lengths differ");
	ASSERT_STR(parse("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:" K30 "|1:4;", l), "empty key parameter");
	ASSERT_STR(parse("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:" K30 "|1:4;inline:" K30 "|2:4;inline:" K30 "|3:4;"
	    "inline:" K30 "|4:4;inline:" K30 "|5:4;inline:" K30 "|6:4;"
	    "inline:" K30 "|7:4;inline:" K30 "|8:4;inline:" K30 "|9:4", l),
	    "too many keys");
	OPENSSL_cleanse(out, sizeof(out));
	line_free(l);
}

/* Spectralink's session parameters, and every other one, are read. */
static void
test_session_params_are_read_and_printed_in_grammar_order(void)
{
	struct sdes_line	*l = line_new();
	char			 out[SDES_PRINT_MAX];

	CU_ASSERT_PTR_NULL_FATAL(parse("7 AES_CM_128_HMAC_SHA1_80 "
	    "inline:" K30 " WSH=128 unauthenticated_srtp UNENCRYPTED_SRTCP "
	    "FEC_KEY=inline:" K30B "|2^10 UNENCRYPTED_SRTP "
	    "FEC_ORDER=FEC_SRTP KDR=0", l));
	CU_ASSERT_EQUAL(l->flags, SDES_F_UNENCRYPTED_SRTP |
	    SDES_F_UNENCRYPTED_SRTCP | SDES_F_UNAUTHENTICATED_SRTP);
	CU_ASSERT(l->has_kdr);
	CU_ASSERT_EQUAL(l->kdr, 0);
	CU_ASSERT_EQUAL(l->wsh, 128);
	CU_ASSERT_EQUAL(l->fec_order, SDES_FEC_SRTP);
	CU_ASSERT_EQUAL(l->nfec_keys, 1);
	CU_ASSERT_EQUAL(l->fec_keys[0].keysalt[0], 0xff ^ 3);
	CU_ASSERT_EQUAL(l->fec_keys[0].lifetime, 1024);
	CU_ASSERT_PTR_NULL(sdes_print(l, out, sizeof(out), NULL));
	ASSERT_STR(out, "7 AES_CM_128_HMAC_SHA1_80 inline:" K30
	    " KDR=0 UNENCRYPTED_SRTP UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP"
	    " FEC_ORDER=FEC_SRTP FEC_KEY=inline:" K30B "|2^10 WSH=128");
	CU_ASSERT_PTR_NULL(parse("1 AES_CM_128_HMAC_SHA1_80 inline:" K30
	    " KDR=24 FEC_ORDER=SRTP_FEC WSH=64", l));
	CU_ASSERT_EQUAL(l->kdr, 24);
	CU_ASSERT_EQUAL(l->fec_order, SDES_SRTP_FEC);
	CU_ASSERT_EQUAL(l->wsh, 64);
	OPENSSL_cleanse(out, sizeof(out));
	line_free(l);
}

/* Broken session parameters make the whole line invalid. */
static void
test_bad_session_params_are_refused(void)
{
	static const struct {
		const char	*param;
		const char	*err;
	} t[] = {
		{ "KDR=25",		"bad KDR" },
		{ "KDR=",		"bad KDR" },
		{ "KDR=x",		"bad KDR" },
		{ "KDR=001",		"bad KDR" },
		{ "KDR=1 KDR=1",	"duplicate session parameter" },
		{ "WSH=63",		"bad WSH" },
		{ "WSH=1",		"bad WSH" },
		{ "WSH=64x",		"bad WSH" },
		{ "WSH=64 WSH=128",	"duplicate session parameter" },
		{ "FEC_ORDER=FEC",	"bad FEC_ORDER" },
		{ "FEC_ORDER=FEC_SRTP FEC_ORDER=SRTP_FEC",
		    "duplicate session parameter" },
		{ "FEC_KEY=",		"empty FEC_KEY" },
		{ "FEC_KEY=inline:" K29, "key and salt length does not fit "
		    "the suite" },
		{ "UNENCRYPTED_SRTP UNENCRYPTED_SRTP",
		    "duplicate session parameter" },
		{ "FOO",		"unknown mandatory session parameter" },
		{ "UNENCRYPTED",	"unknown mandatory session parameter" },
	};
	struct sdes_line	*l = line_new();
	char			 in[256];
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(in, sizeof(in), "1 AES_CM_128_HMAC_SHA1_80 inline:"
		    K30 " %s", t[i].param);
		ASSERT_STR(parse(in, l), t[i].err);
		CU_ASSERT(line_is_empty(l));
	}
	line_free(l);
}

/* Unknown "-" extensions survive parse and print verbatim, in order. */
static void
test_unknown_extensions_round_trip_verbatim(void)
{
	static const char	 in[] = "3 AES_CM_128_HMAC_SHA1_32 inline:" K30
	    " -zz=Q -UNKNOWN_X WSH=64 -a;b|c";
	struct sdes_line	*a = line_new(), *b = line_new();
	char			 out[SDES_PRINT_MAX];
	size_t			 len;

	CU_ASSERT_PTR_NULL_FATAL(parse(in, a));
	CU_ASSERT_EQUAL(a->next, 3);
	ASSERT_STR(a->ext[0].text, "-zz=Q");
	ASSERT_STR(a->ext[1].text, "-UNKNOWN_X");
	ASSERT_STR(a->ext[2].text, "-a;b|c");
	CU_ASSERT_PTR_NULL(sdes_print(a, out, sizeof(out), &len));
	ASSERT_STR(out, "3 AES_CM_128_HMAC_SHA1_32 inline:" K30
	    " WSH=64 -zz=Q -UNKNOWN_X -a;b|c");
	CU_ASSERT_PTR_NULL(sdes_parse(out, len, b));
	CU_ASSERT(sdes_line_equal(a, b));
	/* The order of extensions is part of the line. */
	CU_ASSERT_PTR_NULL(parse("3 AES_CM_128_HMAC_SHA1_32 inline:" K30
	    " -UNKNOWN_X -zz=Q -a;b|c WSH=64", b));
	CU_ASSERT_FALSE(sdes_line_equal(a, b));
	/* And so is each one's text, to the byte. */
	CU_ASSERT_PTR_NULL(parse("3 AES_CM_128_HMAC_SHA1_32 inline:" K30
	    " -zz=R -UNKNOWN_X WSH=64 -a;b|c", b));
	CU_ASSERT_FALSE(sdes_line_equal(a, b));
	OPENSSL_cleanse(out, sizeof(out));
	line_free(a);
	line_free(b);
}

/* Invalid lines, each with its reason, and nothing of them kept. */
static void
test_invalid_lines_are_refused_with_a_reason(void)
{
	static const struct {
		const char	*in;
		const char	*err;
	} t[] = {
		{ "",			"empty attribute" },
		{ "   ",		"empty attribute" },
		{ "x AES_CM_128_HMAC_SHA1_80 inline:" K30, "bad tag" },
		{ "1234567890 AES_CM_128_HMAC_SHA1_80 inline:" K30, "bad tag" },
		{ "-1 AES_CM_128_HMAC_SHA1_80 inline:" K30, "bad tag" },
		{ "1", "no crypto suite" },
		{ "1 AES_CM_128_HMAC_SHA1_81 inline:" K30,
		    "unknown crypto suite" },
		{ "1 AES-CM-128 inline:" K30, "bad crypto suite" },
		{ "1 AES_CM_128_HMAC_SHA1_80", "no key parameters" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" K29,
		    "key and salt length does not fit the suite" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" K31,
		    "key and salt length does not fit the suite" },
		/* An AES-128 key under an AES-256 name. */
		{ "1 AES_256_CM_HMAC_SHA1_80 inline:" K30,
		    "key and salt length does not fit the suite" },
		{ "1 AEAD_AES_256_GCM inline:" K46,
		    "key and salt length does not fit the suite" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:", "empty key" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:!!!!" K30,
		    "bad base64 in key" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AwoRGB8m=TQ7QklQV15lbHN6"
		    "gYiPlp2kq7K5wMfO", "bad base64 in key" },
		{ "1 AES_192_CM_HMAC_SHA1_80 inline:" K38U "==",
		    "bad base64 in key" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "A",
		    "bad base64 in key" },
		{ "1 AES_CM_128_HMAC_SHA1_80 srtp:" K30, "unknown key method" },
		{ "1 AES_CM_128_HMAC_SHA1_80 " K30, "expected inline:" },
		{ "garbage", "bad tag" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "\r\n",
		    "line break in attribute" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " \x7f",
		    "invalid character in attribute" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " -\xc3\xa9",
		    "invalid character in attribute" },
	};
	struct sdes_line	*l = line_new();
	const char		*err;
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err = parse(t[i].in, l);
		CU_ASSERT_PTR_NOT_NULL(err);
		if (err != NULL && strcmp(err, t[i].err) != 0)
			fprintf(stderr, "\n%s: got \"%s\"\n", t[i].in, err);
		CU_ASSERT(err != NULL && strcmp(err, t[i].err) == 0);
		CU_ASSERT(line_is_empty(l));
	}
	line_free(l);
}

/* A NUL inside the buffer and an overlong value are refused. */
static void
test_nul_and_overlong_values_are_refused(void)
{
	static const char	 nul[] = "1 AES_CM_128_HMAC_SHA1_80 inline:"
	    K30 "\0 WSH=64";
	struct sdes_line	*l = line_new();
	char			*big;
	size_t			 n;

	ASSERT_STR(sdes_parse(nul, sizeof(nul) - 1, l),
	    "NUL byte in attribute");
	CU_ASSERT(line_is_empty(l));
	/* The same bytes up to the NUL are a good line: len is the truth. */
	CU_ASSERT_PTR_NULL(sdes_parse(nul, strlen(nul), l));
	CU_ASSERT_EQUAL(l->wsh, 0);
	big = malloc(SDES_MAX_LEN + 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	n = strlen(nul);
	memcpy(big, nul, n);
	memset(big + n, ' ', SDES_MAX_LEN + 1 - n);
	CU_ASSERT_PTR_NULL(sdes_parse(big, SDES_MAX_LEN, l));
	ASSERT_STR(sdes_parse(big, SDES_MAX_LEN + 1, l),
	    "attribute too long");
	CU_ASSERT(line_is_empty(l));
	free(big);
	line_free(l);
}

/* The parser reads len bytes, not up to a NUL: a prefix is a line. */
static void
test_parser_stops_at_len(void)
{
	static const char	 in[] = "1 AES_CM_128_HMAC_SHA1_80 inline:"
	    K30 " UNENCRYPTED_SRTP";
	struct sdes_line	*l = line_new();

	CU_ASSERT_PTR_NULL(sdes_parse(in, strlen(in) - strlen(
	    " UNENCRYPTED_SRTP"), l));
	CU_ASSERT_EQUAL(l->flags, 0);
	ASSERT_STR(sdes_parse(in, strlen(in) - 1, l),
	    "unknown mandatory session parameter");
	line_free(l);
}

/* Print, parse the print, get the same line; blanks are normalised. */
static void
test_printer_round_trip(void)
{
	static const char	 in[] = " 0012\tAES_CM_256_HMAC_SHA1_32  "
	    "inline:" K46U "|2^31|3:2   -x=1 UNENCRYPTED_SRTCP KDR=0 ";
	struct sdes_line	*a = line_new(), *b = line_new();
	char			 out[SDES_PRINT_MAX], small[40];
	size_t			 len;

	CU_ASSERT_PTR_NULL_FATAL(parse(in, a));
	CU_ASSERT_EQUAL(a->tag, 12);
	CU_ASSERT_PTR_NULL(sdes_print(a, out, sizeof(out), &len));
	ASSERT_STR(out, "12 AES_256_CM_HMAC_SHA1_32 inline:" K46
	    "|2^31|3:2 KDR=0 UNENCRYPTED_SRTCP -x=1");
	CU_ASSERT_PTR_NULL(sdes_parse(out, len, b));
	CU_ASSERT(sdes_line_equal(a, b));
	b->keys[0].keysalt[45] ^= 1;
	CU_ASSERT_FALSE(sdes_line_equal(a, b));
	/* Too small a buffer: an error, and no half key left in it. */
	ASSERT_STR(sdes_print(a, small, sizeof(small), &len),
	    "output buffer too small");
	ASSERT_STR(small, "");
	CU_ASSERT(memchr(small + 1, 'A', sizeof(small) - 1) == NULL);
	OPENSSL_cleanse(out, sizeof(out));
	line_free(a);
	line_free(b);
}

/* sdes_clear leaves no byte of a key, and an empty line. */
static void
test_clear_wipes_keys(void)
{
	struct sdes_line	*l = line_new();

	CU_ASSERT_PTR_NULL(parse("1 AES_CM_128_HMAC_SHA1_80 inline:" K30
	    " -x", l));
	CU_ASSERT_FALSE(line_is_empty(l));
	sdes_clear(l);
	CU_ASSERT(line_is_empty(l));
	free(l);
}

/* Fresh keys: the suite's length, different each time. */
static void
test_keygen_makes_fresh_keys_of_the_suite_length(void)
{
	struct sdes_line		*a = line_new(), *b = line_new();
	const struct sdes_suite_info	*si;
	char				 out[SDES_PRINT_MAX];
	int				 s;

	for (s = SDES_SUITE_UNKNOWN + 1; s < SDES_SUITE_COUNT; s++) {
		si = sdes_suite_info((enum sdes_suite)s);
		if (!si->supported) {
			ASSERT_STR(sdes_keygen(si->suite, a),
			    "crypto suite not supported");
			CU_ASSERT(line_is_empty(a));
			continue;
		}
		CU_ASSERT_PTR_NULL(sdes_keygen(si->suite, a));
		CU_ASSERT_PTR_NULL(sdes_keygen(si->suite, b));
		CU_ASSERT_EQUAL(a->suite, si->suite);
		CU_ASSERT_EQUAL(a->nkeys, 1);
		CU_ASSERT_EQUAL(a->keys[0].keysalt_len, si->key_len +
		    si->salt_len);
		CU_ASSERT(memcmp(a->keys[0].keysalt, b->keys[0].keysalt,
		    si->key_len + si->salt_len) != 0);
		/* A minted line prints and parses back to itself. */
		a->tag = 1;
		CU_ASSERT_PTR_NULL(sdes_print(a, out, sizeof(out), NULL));
		CU_ASSERT_PTR_NULL(parse(out, b));
		CU_ASSERT(sdes_line_equal(a, b));
	}
	ASSERT_STR(sdes_keygen(SDES_SUITE_UNKNOWN, a),
	    "crypto suite not supported");
	OPENSSL_cleanse(out, sizeof(out));
	line_free(a);
	line_free(b);
}

/* A random source that always fails. */
static int
failing_bytes(unsigned char *buf, int num)
{
	(void)buf;
	(void)num;
	return 0;
}

/* Also failing: what RAND_status asks. */
static int
failing_status(void)
{
	return 0;
}

/* When RAND_bytes fails, keygen says so and leaves no key. */
static void
test_keygen_fails_cleanly_without_randomness(void)
{
	static RAND_METHOD	 failing = {
		NULL, failing_bytes, NULL, NULL, failing_bytes, failing_status
	};
	struct sdes_line	*l = line_new();
	const RAND_METHOD	*old = RAND_get_rand_method();

	CU_ASSERT_PTR_NULL(parse("1 AES_CM_128_HMAC_SHA1_80 inline:" K30, l));
	CU_ASSERT_FATAL(RAND_set_rand_method(&failing) == 1);
	ASSERT_STR(sdes_keygen(SDES_AES_CM_128_HMAC_SHA1_80, l),
	    "random number generator failed");
	CU_ASSERT(line_is_empty(l));
	CU_ASSERT_PTR_NULL(parse("1 AES_CM_128_HMAC_SHA1_80 inline:" K30, l));
	ASSERT_STR(sdes_answer(l, l),
	    "random number generator failed");
	CU_ASSERT(line_is_empty(l));
	RAND_set_rand_method(old);
	CU_ASSERT_PTR_NULL(sdes_keygen(SDES_AES_CM_128_HMAC_SHA1_80, l));
	line_free(l);
}

/*
 * What Debian's libsrtp2 2.5 really does, asked of it: every suite the
 * table supports creates a context and protects, F8 and NULL never.
 * Then the table's lengths against libsrtp2's own policies.
 */
static void
test_relay_suites_are_those_libsrtp2_does(void)
{
	const struct sdes_suite_info	*si;
	srtp_crypto_policy_t		 rtp, rtcp;
	int				 s;

	srtp_up();
	for (s = SDES_SUITE_UNKNOWN + 1; s < SDES_SUITE_COUNT; s++) {
		si = sdes_suite_info((enum sdes_suite)s);
		CU_ASSERT_EQUAL(sdes_suite_relay_ok(si->suite),
		    si->supported);
		if (!si->supported)
			continue;
		memset(&rtp, 0, sizeof(rtp));
		memset(&rtcp, 0, sizeof(rtcp));
		CU_ASSERT_PTR_NULL(sdes_crypto_policy(si->suite, 0, &rtp,
		    &rtcp));
		CU_ASSERT_EQUAL((size_t)rtp.cipher_key_len, si->key_len +
		    si->salt_len);
		CU_ASSERT_EQUAL((size_t)rtp.auth_tag_len, si->tag_len);
		CU_ASSERT_EQUAL((size_t)rtcp.auth_tag_len, si->rtcp_tag_len);
		CU_ASSERT_EQUAL(rtp.sec_serv, sec_serv_conf_and_auth);
	}
	CU_ASSERT_FALSE(sdes_suite_relay_ok(SDES_F8_128_HMAC_SHA1_80));
	CU_ASSERT_FALSE(sdes_suite_relay_ok(SDES_NULL_HMAC_SHA1_80));
	CU_ASSERT_FALSE(sdes_suite_relay_ok(SDES_SUITE_UNKNOWN));
	/* libsrtp2 has these, the relay does not key them (relay.h). */
	CU_ASSERT_FALSE(sdes_suite_relay_ok(SDES_AEAD_AES_256_GCM_8));
	CU_ASSERT_FALSE(sdes_suite_relay_ok(SDES_AES_192_CM_HMAC_SHA1_80));
}

/*
 * The answer comes from libsrtp2, not from the table: with libsrtp2 shut
 * down, no suite is one the relay can do, and no line is usable.
 */
static void
test_relay_ok_asks_libsrtp2_not_the_table(void)
{
	struct sdes_line	*l = line_new();
	const char		*why;
	int			 s;

	srtp_up();
	CU_ASSERT_PTR_NULL(parse("1 AES_CM_128_HMAC_SHA1_80 inline:" K30, l));
	CU_ASSERT_TRUE(sdes_usable(l, &why));
	CU_ASSERT_FATAL(srtp_shutdown() == srtp_err_status_ok);
	for (s = SDES_SUITE_UNKNOWN + 1; s < SDES_SUITE_COUNT; s++)
		CU_ASSERT_FALSE(sdes_suite_relay_ok((enum sdes_suite)s));
	CU_ASSERT_FALSE(sdes_usable(l, &why));
	ASSERT_STR(why, "crypto suite not supported by the relay");
	CU_ASSERT_FATAL(srtp_init() == srtp_err_status_ok);
	CU_ASSERT_TRUE(sdes_suite_relay_ok(SDES_AES_CM_128_HMAC_SHA1_80));
	line_free(l);
}

/* Protect one packet with a line's key and flags; its length out. */
static int
protect(const struct sdes_line *l, unsigned char *pkt, int len)
{
	srtp_policy_t	pol;
	srtp_t		ctx;

	memset(&pol, 0, sizeof(pol));
	if (sdes_crypto_policy(l->suite, l->flags, &pol.rtp, &pol.rtcp) !=
	    NULL)
		return -1;
	pol.ssrc.type = ssrc_any_outbound;
	pol.key = (unsigned char *)l->keys[0].keysalt;
	if (srtp_create(&ctx, &pol) != srtp_err_status_ok)
		return -1;
	if (srtp_protect(ctx, pkt, &len) != srtp_err_status_ok)
		len = -1;
	srtp_dealloc(ctx);
	return len;
}

/* Unprotect with the line's key; the length out, or -1. */
static int
unprotect(const struct sdes_line *l, unsigned char *pkt, int len)
{
	srtp_policy_t	pol;
	srtp_t		ctx;

	memset(&pol, 0, sizeof(pol));
	if (sdes_crypto_policy(l->suite, l->flags, &pol.rtp, &pol.rtcp) !=
	    NULL)
		return -1;
	pol.ssrc.type = ssrc_any_inbound;
	pol.key = (unsigned char *)l->keys[0].keysalt;
	if (srtp_create(&ctx, &pol) != srtp_err_status_ok)
		return -1;
	if (srtp_unprotect(ctx, pkt, &len) != srtp_err_status_ok)
		len = -1;
	srtp_dealloc(ctx);
	return len;
}

/*
 * A minted key protects and unprotects a packet under every suite;
 * UNENCRYPTED_SRTP leaves the payload readable; a wrong key fails.
 */
static void
test_minted_keys_work_in_libsrtp2(void)
{
	struct sdes_line	*l = line_new(), *other = line_new();
	unsigned char		 pkt[12 + 160 + SRTP_MAX_TRAILER_LEN];
	unsigned char		 copy[sizeof(pkt)], pay[160];
	int			 s, n;

	srtp_up();
	memset(pay, 0xd5, sizeof(pay));
	for (s = SDES_SUITE_UNKNOWN + 1; s < SDES_SUITE_COUNT; s++) {
		if (!sdes_suite_info((enum sdes_suite)s)->supported)
			continue;
		CU_ASSERT_PTR_NULL(sdes_keygen((enum sdes_suite)s, l));
		CU_ASSERT_PTR_NULL(sdes_keygen((enum sdes_suite)s, other));
		memset(pkt, 0, sizeof(pkt));
		pkt[0] = 0x80;
		pkt[3] = 9;
		pkt[11] = 7;
		memcpy(pkt + 12, pay, sizeof(pay));
		n = protect(l, pkt, 12 + 160);
		CU_ASSERT_EQUAL((size_t)n, 12 + 160 +
		    sdes_suite_info((enum sdes_suite)s)->tag_len);
		CU_ASSERT(memcmp(pkt + 12, pay, sizeof(pay)) != 0);
		memcpy(copy, pkt, sizeof(pkt));
		CU_ASSERT_EQUAL(unprotect(other, copy, n), -1);
		CU_ASSERT_EQUAL(unprotect(l, pkt, n), 12 + 160);
		CU_ASSERT(memcmp(pkt + 12, pay, sizeof(pay)) == 0);
	}
	CU_ASSERT_PTR_NULL(sdes_keygen(SDES_AES_CM_128_HMAC_SHA1_80, l));
	l->flags = SDES_F_UNENCRYPTED_SRTP;
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x80;
	memcpy(pkt + 12, pay, sizeof(pay));
	CU_ASSERT_EQUAL(protect(l, pkt, 12 + 160), 12 + 160 + 10);
	CU_ASSERT(memcmp(pkt + 12, pay, sizeof(pay)) == 0);
	line_free(l);
	line_free(other);
}

/* sdes_usable: what the relay cannot do is declined, with why. */
static void
test_usable_declines_what_the_relay_cannot_do(void)
{
	static const struct {
		const char	*in;
		const char	*why;
	} t[] = {
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" K30, NULL },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^31 KDR=0 "
		    "WSH=32767 UNENCRYPTED_SRTCP -x", NULL },
		{ "1 AEAD_AES_256_GCM_8 inline:" K44,
		    "crypto suite not supported by the relay" },
		{ "1 F8_128_HMAC_SHA1_80 inline:" K30,
		    "crypto suite not supported by the relay" },
		{ "1 NULL_HMAC_SHA1_80 inline:" K30,
		    "crypto suite not supported by the relay" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " KDR=1",
		    "key derivation rate not supported" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " FEC_KEY=inline:"
		    K30B, "FEC_KEY not supported" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " WSH=32768",
		    "replay window larger than the relay keeps" },
		{ "1 AEAD_AES_128_GCM inline:" K28 " UNENCRYPTED_SRTP",
		    "UNENCRYPTED or UNAUTHENTICATED with an AEAD suite" },
		{ "1 AEAD_AES_256_GCM inline:" K44 " UNAUTHENTICATED_SRTP",
		    "UNENCRYPTED or UNAUTHENTICATED with an AEAD suite" },
	};
	struct sdes_line	*l = line_new();
	const char		*why;
	size_t			 i;

	srtp_up();
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_PTR_NULL_FATAL(parse(t[i].in, l));
		why = "unset";
		CU_ASSERT_EQUAL(sdes_usable(l, &why), t[i].why == NULL);
		if (t[i].why == NULL) {
			CU_ASSERT_PTR_NULL(why);
		} else
			CU_ASSERT(why != NULL && strcmp(why, t[i].why) == 0);
	}
	line_free(l);
}

/* An offer of lines, parsed. */
static struct sdes_line *
offer_parse(const char *const *lines, size_t n)
{
	struct sdes_line	*o = calloc(n, sizeof(*o));
	size_t			 i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	for (i = 0; i < n; i++)
		CU_ASSERT_PTR_NULL_FATAL(parse(lines[i], &o[i]));
	return o;
}

/* Wipe and free an offer. */
static void
offer_free(struct sdes_line *o, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		sdes_clear(&o[i]);
	free(o);
}

/*
 * A Spectralink-like offer, most secure first: the offerer's order wins
 * among allowed and usable lines; Auerswald's profile leaves out AES-256.
 */
static void
test_choose_takes_the_first_allowed_usable_line(void)
{
	static const char *const lines[] = {
		"1 AES_256_CM_HMAC_SHA1_80 inline:" K46 "|2^31|1:1",
		"2 AES_256_CM_HMAC_SHA1_80 inline:" K46,
		"3 AES_CM_128_HMAC_SHA1_80 inline:" K30 " UNENCRYPTED_SRTCP",
		("4 AES_CM_128_HMAC_SHA1_32 inline:" K30),
	};
	static const enum sdes_suite	all[] = {
		SDES_AES_CM_128_HMAC_SHA1_32, SDES_AES_CM_128_HMAC_SHA1_80,
		SDES_AES_256_CM_HMAC_SHA1_80,
	};
	static const enum sdes_suite	aes128[] = {
		SDES_AES_CM_128_HMAC_SHA1_80, SDES_AES_CM_128_HMAC_SHA1_32,
	};
	static const enum sdes_suite	gcm[] = { SDES_AEAD_AES_128_GCM };
	static const enum sdes_suite	aes256[] = {
		SDES_AES_256_CM_HMAC_SHA1_80,
	};
	struct sdes_line	*o = offer_parse(lines, 4);
	const char		*why;

	srtp_up();
	/* Line 1 has an MKI: skipped for line 2. */
	CU_ASSERT_EQUAL(sdes_choose(o, 4, all, 3, &why), 1);
	CU_ASSERT_PTR_NULL(why);
	CU_ASSERT_EQUAL(sdes_choose(o, 4, aes128, 2, &why), 2);
	CU_ASSERT_EQUAL(sdes_choose(o, 4, gcm, 1, &why), -1);
	ASSERT_STR(why, "no crypto line with an allowed suite");
	/* Only the MKI line would do: its reason says why none was taken. */
	CU_ASSERT_EQUAL(sdes_choose(o, 1, aes256, 1, &why), -1);
	ASSERT_STR(why, "MKI not supported");
	CU_ASSERT_EQUAL(sdes_choose(o, 0, all, 3, &why), -1);
	offer_free(o, 4);
}

/* The answer echoes tag, suite and session parameters, with a new key. */
static void
test_answer_echoes_tag_and_params_with_a_fresh_key(void)
{
	struct sdes_line	*o = line_new(), *a = line_new();
	char			 out[SDES_PRINT_MAX], why[SDES_REASON_MAX];

	CU_ASSERT_PTR_NULL_FATAL(parse("5 AES_CM_128_HMAC_SHA1_32 inline:"
	    K30 "|2^31 UNENCRYPTED_SRTCP WSH=256 KDR=0 FEC_ORDER=SRTP_FEC "
	    "-ext", o));
	CU_ASSERT_PTR_NULL(sdes_answer(o, a));
	CU_ASSERT_EQUAL(a->tag, 5);
	CU_ASSERT_EQUAL(a->suite, SDES_AES_CM_128_HMAC_SHA1_32);
	CU_ASSERT_EQUAL(a->flags, SDES_F_UNENCRYPTED_SRTCP);
	CU_ASSERT_EQUAL(a->wsh, 256);
	CU_ASSERT(a->has_kdr);
	CU_ASSERT_EQUAL(a->fec_order, SDES_SRTP_FEC);
	CU_ASSERT_EQUAL(a->next, 0);
	CU_ASSERT_EQUAL(a->keys[0].lifetime, 0);
	CU_ASSERT_EQUAL(a->nkeys, 1);
	CU_ASSERT(memcmp(a->keys[0].keysalt, o->keys[0].keysalt, 30) != 0);
	/* It is what an offerer checking our answer would accept. */
	CU_ASSERT_EQUAL(sdes_answer_check(o, 1, a, why, sizeof(why)), 0);
	ASSERT_STR(why, "");
	CU_ASSERT_PTR_NULL(sdes_print(a, out, sizeof(out), NULL));
	CU_ASSERT(strncmp(out, "5 AES_CM_128_HMAC_SHA1_32 inline:", 33) == 0);
	CU_ASSERT(strstr(out, " KDR=0 UNENCRYPTED_SRTCP FEC_ORDER=SRTP_FEC "
	    "WSH=256") != NULL);
	/* Answering in place works too. */
	CU_ASSERT_PTR_NULL(sdes_answer(o, o));
	CU_ASSERT_EQUAL(o->tag, 5);
	CU_ASSERT_EQUAL(o->wsh, 256);
	OPENSSL_cleanse(out, sizeof(out));
	line_free(o);
	line_free(a);
}

/* Whether why holds neither key of the test lines. */
static int
why_has_no_key(const char *why)
{
	return strstr(why, "AwoRGB8m") == NULL && strstr(why, "/PXu5") ==
	    NULL;
}

/*
 * freeswitch #691: Cisco MPP answers AEAD_AES_256_GCM to an
 * AEAD_AES_256_GCM_8 offer. Refused, both suites named, no key; and an
 * answer the relay cannot do (MKI, KDR) is refused, not taken.
 */
static void
test_answer_check_refuses_a_changed_suite_or_unknown_tag(void)
{
	static const char *const lines[] = {
		"1 AEAD_AES_256_GCM_8 inline:" K44,
		"2 AES_CM_128_HMAC_SHA1_80 inline:" K30,
	};
	struct sdes_line	*o = offer_parse(lines, 2), *a = line_new();
	char			 why[SDES_REASON_MAX];

	CU_ASSERT_PTR_NULL(parse("1 AEAD_AES_256_GCM inline:" K44U, a));
	CU_ASSERT_EQUAL(sdes_answer_check(o, 2, a, why, sizeof(why)), -1);
	ASSERT_STR(why, "answered AEAD_AES_256_GCM for crypto tag "
	    "1, offered AEAD_AES_256_GCM_8");
	CU_ASSERT(why_has_no_key(why));
	CU_ASSERT_PTR_NULL(parse("9 AES_CM_128_HMAC_SHA1_80 inline:" K30B, a));
	CU_ASSERT_EQUAL(sdes_answer_check(o, 2, a, why, sizeof(why)), -1);
	ASSERT_STR(why, "answered crypto tag 9 was not offered");
	CU_ASSERT_PTR_NULL(parse("2 AES_CM_128_HMAC_SHA1_80 inline:" K30B
	    " UNENCRYPTED_SRTP", a));
	CU_ASSERT_EQUAL(sdes_answer_check(o, 2, a, why, sizeof(why)), -1);
	ASSERT_STR(why, "answer to crypto tag 2 changes "
	    "UNENCRYPTED or UNAUTHENTICATED");
	/* Our own key reflected back would protect both ways with it. */
	CU_ASSERT_PTR_NULL(parse("2 AES_CM_128_HMAC_SHA1_80 inline:" K30, a));
	CU_ASSERT_EQUAL(sdes_answer_check(o, 2, a, why, sizeof(why)), -1);
	ASSERT_STR(why, "answer to crypto tag 2 reuses the "
	    "offered key");
	CU_ASSERT(why_has_no_key(why));
	/* What the relay cannot do: MKI, a key derivation rate. */
	CU_ASSERT_PTR_NULL(parse("2 AES_CM_128_HMAC_SHA1_80 inline:" K30B
	    "|2^20|1:4", a));
	CU_ASSERT_EQUAL(sdes_answer_check(o, 2, a, why, sizeof(why)), -1);
	ASSERT_STR(why, "answer to crypto tag 2: MKI not supported");
	CU_ASSERT(why_has_no_key(why));
	CU_ASSERT_PTR_NULL(parse("2 AES_CM_128_HMAC_SHA1_80 inline:" K30B
	    " KDR=1", a));
	CU_ASSERT_EQUAL(sdes_answer_check(o, 2, a, why, sizeof(why)), -1);
	ASSERT_STR(why, "answer to crypto tag 2: key derivation rate not "
	    "supported");
	CU_ASSERT_PTR_NULL(parse("2 AES_CM_128_HMAC_SHA1_80 inline:" K30B, a));
	CU_ASSERT_EQUAL(sdes_answer_check(o, 2, a, why, sizeof(why)), 1);
	/* The right suite, but one the relay cannot key: refused too. */
	CU_ASSERT_PTR_NULL(parse("1 AEAD_AES_256_GCM_8 inline:" K44U, a));
	a->keys[0].keysalt[0] ^= 0x80;
	CU_ASSERT_EQUAL(sdes_answer_check(o, 2, a, why, sizeof(why)), -1);
	ASSERT_STR(why, "answer to crypto tag 1: crypto suite not supported "
	    "by the relay");
	offer_free(o, 2);
	line_free(a);
}

/* Register the sdes suite. */
void
test_sdes_register(void)
{
	CU_pSuite	s = unit_suite("sdes");

	UNIT_TEST(s, test_every_suite_parses_with_its_key_length);
	UNIT_TEST(s, test_gcm_and_gcm_8_are_distinct_suites);
	UNIT_TEST(s, test_aliases_are_accepted_and_printed_by_rfc6188_name);
	UNIT_TEST(s, test_unpadded_keys_are_accepted_and_printed_padded);
	UNIT_TEST(s, test_rfc4568_example_key_decodes);
	UNIT_TEST(s, test_lifetimes_are_normalised_and_only_bad_text_fails);
	UNIT_TEST(s, test_lifetimes_print_canonically);
	UNIT_TEST(s, test_mki_is_parsed_and_declined);
	UNIT_TEST(s, test_several_keys_need_mki_and_are_declined);
	UNIT_TEST(s, test_session_params_are_read_and_printed_in_grammar_order);
	UNIT_TEST(s, test_bad_session_params_are_refused);
	UNIT_TEST(s, test_unknown_extensions_round_trip_verbatim);
	UNIT_TEST(s, test_invalid_lines_are_refused_with_a_reason);
	UNIT_TEST(s, test_nul_and_overlong_values_are_refused);
	UNIT_TEST(s, test_parser_stops_at_len);
	UNIT_TEST(s, test_printer_round_trip);
	UNIT_TEST(s, test_clear_wipes_keys);
	UNIT_TEST(s, test_keygen_makes_fresh_keys_of_the_suite_length);
	UNIT_TEST(s, test_keygen_fails_cleanly_without_randomness);
	UNIT_TEST(s, test_relay_suites_are_those_libsrtp2_does);
	UNIT_TEST(s, test_relay_ok_asks_libsrtp2_not_the_table);
	UNIT_TEST(s, test_minted_keys_work_in_libsrtp2);
	UNIT_TEST(s, test_usable_declines_what_the_relay_cannot_do);
	UNIT_TEST(s, test_choose_takes_the_first_allowed_usable_line);
	UNIT_TEST(s, test_answer_echoes_tag_and_params_with_a_fresh_key);
	UNIT_TEST(s, test_answer_check_refuses_a_changed_suite_or_unknown_tag);
}
