/*
 * test_digest.c: Digest responses match RFC 7616 and an independent
 * implementation for every algorithm and qop, and the header parser reads
 * real challenges and credentials, refuses hostile ones with a reason, and
 * prints what it parsed so that it parses back the same.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "unit.h"

/* RFC 7616 §3.9.1: the example's inputs (password with a lowercase "of"). */
#define R_USER		"Mufasa"
#define R_PASS		"Circle of Life"
#define R_REALM		"http-auth@example.org"
#define R_NONCE		"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
#define R_CNONCE	"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
#define R_OPAQUE	"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
#define R_URI		"/dir/index.html"
#define R_BODY		"v=0\r\n"	/* ours, for auth-int */

/* The RFC example's inputs, for one algorithm and qop. */
static struct digest_input
rfc_input(enum digest_alg alg, unsigned qop)
{
	struct digest_input	in;

	memset(&in, 0, sizeof(in));
	in.alg = alg;
	in.username = R_USER;
	in.realm = R_REALM;
	in.password = R_PASS;
	in.nonce = R_NONCE;
	in.cnonce = R_CNONCE;
	in.nc = "00000001";
	in.qop = qop;
	in.method = "GET";
	in.uri = R_URI;
	in.body = R_BODY;
	in.bodylen = strlen(R_BODY);
	return in;
}

/* The response for the RFC inputs must be want. */
static void
check_response(enum digest_alg alg, unsigned qop, const char *want)
{
	struct digest_input	in = rfc_input(alg, qop);
	char			out[DIGEST_HEX_MAX];

	CU_ASSERT_PTR_NULL(digest_response(&in, out));
	CU_ASSERT_STRING_EQUAL(out, want);
	CU_ASSERT_EQUAL(strlen(out), digest_alg_hex_len(alg));
}

/* RFC 7616 §3.9.1 gives both responses; they are the spec, not ours. */
static void
test_rfc7616_example_md5_and_sha256_responses(void)
{
	check_response(DIGEST_ALG_MD5, DIGEST_QOP_AUTH,
	    "8ca523f5e9506fed4657c9700eebdbec");
	check_response(DIGEST_ALG_SHA256, DIGEST_QOP_AUTH,
	    "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

/*
 * Every other vector here was computed once with Python's hashlib (over
 * OpenSSL, but independent of this code), on the RFC 7616 §3.9.1 inputs,
 * method GET, with body "v=0\r\n" for auth-int:
 *
 * python3 -c 'import hashlib;H=lambda a,s:hashlib.new(a,s.encode()).hexdigest();u,r,p,n,c,b="Mufasa","http-auth@example.org","Circle of Life","7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v","f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ","v=0\r\n";A=lambda a,s:H(a,H(a,u+":"+r+":"+p)+":"+n+":"+c) if s else H(a,u+":"+r+":"+p);B=lambda a,q:H(a,"GET:/dir/index.html"+(":"+H(a,b) if q=="auth-int" else ""));[print(a,s,q,H(a,A(a,s)+":"+n+":00000001:"+c+":"+q+":"+B(a,q))) for a in ("md5","sha256","sha512_256") for s in (0,1) for q in ("auth","auth-int")]'
 *
 * It prints the MD5 and SHA-256 qop=auth values of the RFC above too,
 * which checks the one-liner itself.
 */
static void
test_sha512_256_responses_match_hashlib(void)
{
	check_response(DIGEST_ALG_SHA512_256, DIGEST_QOP_AUTH,
	    "430d05014cecc49cab6fbe03176d41a1da86cbfe24a16580e22aaad928d960d0");
	check_response(DIGEST_ALG_SHA512_256, DIGEST_QOP_AUTH_INT,
	    "5e69357dfa951887c95e88aae45b1f7f834aeba94f85648b86d532e82afdb589");
}

/* -sess: HA1 = H(H(user:realm:pass):nonce:cnonce), same one-liner. */
static void
test_sess_responses_match_hashlib(void)
{
	check_response(DIGEST_ALG_MD5_SESS, DIGEST_QOP_AUTH,
	    "e783283f46242139c486a698fec7211d");
	check_response(DIGEST_ALG_SHA256_SESS, DIGEST_QOP_AUTH,
	    "2fd51b3a77ad75bad6afad6003e818d767133c46d9e2749e7f5232ae1ea3efd7");
	check_response(DIGEST_ALG_SHA512_256_SESS, DIGEST_QOP_AUTH,
	    "3f2a34f923c38b0fb26dce2fdfc2ce326c23cecf86fbb1444f3e51fbbc2cb92e");
}

/* auth-int: H(A2) = H(method:uri:H(body)), same one-liner. */
static void
test_auth_int_responses_match_hashlib(void)
{
	check_response(DIGEST_ALG_MD5, DIGEST_QOP_AUTH_INT,
	    "d1b8e2ac3f6782372de4bf3d8735b406");
	check_response(DIGEST_ALG_SHA256, DIGEST_QOP_AUTH_INT,
	    "385d2de062660ced11876f42d9497c69cacf5caaf3d951dd424aee9f7157d563");
	check_response(DIGEST_ALG_MD5_SESS, DIGEST_QOP_AUTH_INT,
	    "4321e8772738f242cc32334079264d8c");
	check_response(DIGEST_ALG_SHA256_SESS, DIGEST_QOP_AUTH_INT,
	    "cade7e5b751d9c3c2f066a95f2405c5509ad0171cf93f117e98b7f0ebb212e57");
	check_response(DIGEST_ALG_SHA512_256_SESS, DIGEST_QOP_AUTH_INT,
	    "1ba4333021256e8b4eebe5c8d20ba53b167f1dac1f6d8c916a08c17ef99eae9a");
}

/*
 * RFC 2069 (no qop): KD(HA1, nonce:HA2). Python, same inputs:
 * python3 -c 'import hashlib;H=lambda a,s:hashlib.new(a,s.encode()).hexdigest();u,r,p,n="Mufasa","http-auth@example.org","Circle of Life","7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";[print(a,H(a,H(a,u+":"+r+":"+p)+":"+n+":"+H(a,"GET:/dir/index.html")),H(a,u+":"+r),H(a,u+":"+r+":"+p)) for a in ("md5","sha256","sha512_256")]'
 * which also prints the userhash and the HA1 of each algorithm.
 */
static void
test_rfc2069_responses_match_hashlib(void)
{
	check_response(DIGEST_ALG_MD5, DIGEST_QOP_NONE,
	    "7b2cc3b30e75b4777ea31027084363fd");
	check_response(DIGEST_ALG_SHA256, DIGEST_QOP_NONE,
	    "a1306b0595a6c7fe96c448631fb5cfbd5107bd1fe1da729d978dd7446b812363");
	check_response(DIGEST_ALG_SHA512_256, DIGEST_QOP_NONE,
	    "93e9122020ea0624d2ca801426d5bfbeb93d10ff4cc24cb410af3920fa4730e7");
}

/* RFC 7616 §3.4.4 userhash = H(user:realm), from the one-liner above. */
static void
test_userhash_matches_hashlib(void)
{
	char	out[DIGEST_HEX_MAX];

	CU_ASSERT_PTR_NULL(digest_userhash(DIGEST_ALG_MD5, R_USER, R_REALM,
	    out));
	CU_ASSERT_STRING_EQUAL(out, "4238f3a16167373febb9bc4d43db9cc4");
	CU_ASSERT_PTR_NULL(digest_userhash(DIGEST_ALG_SHA256, R_USER, R_REALM,
	    out));
	CU_ASSERT_STRING_EQUAL(out,
	    "a947aad205e80e429958a387394944c6b496301e79f89d35a4cc23b6ee12b5b6");
	CU_ASSERT_PTR_NULL(digest_userhash(DIGEST_ALG_SHA512_256_SESS, R_USER,
	    R_REALM, out));
	CU_ASSERT_STRING_EQUAL(out,
	    "e2dfabd1a96ddf867710b653b6e6857d1f147086de7d7ef79dcd249859872570");
}

/*
 * SHA-512-256 is FIPS 180-4 SHA-512/256 with its own IV. "abc" is the
 * FIPS 180-4 example; python3 -c 'import hashlib;print(hashlib.new(
 * "sha512_256",b"abc").hexdigest(),hashlib.sha512(b"abc").hexdigest()[:64])'
 * prints it and the truncated SHA-512 it must not be.
 */
static void
test_sha512_256_is_not_truncated_sha512(void)
{
	char	out[DIGEST_HEX_MAX];

	CU_ASSERT_PTR_NULL(digest_hash_hex(DIGEST_ALG_SHA512_256, "abc", 3,
	    out));
	CU_ASSERT_STRING_EQUAL(out,
	    "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");
	CU_ASSERT_STRING_NOT_EQUAL(out,
	    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a");
}

/* A stored HA1 (any case) answers like the password it came from. */
static void
test_stored_ha1_gives_the_same_response(void)
{
	struct digest_input	in = rfc_input(DIGEST_ALG_MD5, DIGEST_QOP_AUTH);
	char			out[DIGEST_HEX_MAX];

	in.password = NULL;
	in.ha1 = "3d78807defe7de2157e2b0b6573a855f";
	CU_ASSERT_PTR_NULL(digest_response(&in, out));
	CU_ASSERT_STRING_EQUAL(out, "8ca523f5e9506fed4657c9700eebdbec");
	in.ha1 = "3D78807DEFE7DE2157E2B0B6573A855F";
	CU_ASSERT_PTR_NULL(digest_response(&in, out));
	CU_ASSERT_STRING_EQUAL(out, "8ca523f5e9506fed4657c9700eebdbec");
	in = rfc_input(DIGEST_ALG_SHA256, DIGEST_QOP_AUTH);
	in.password = NULL;
	in.ha1 = "7987c64c30e25f1b74be53f966b49b90"
	    "f2808aa92faf9a00262392d7b4794232";
	CU_ASSERT_PTR_NULL(digest_response(&in, out));
	CU_ASSERT_STRING_EQUAL(out,
	    "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
	/* An MD5-length HA1 is not a SHA-256 one. */
	in.ha1 = "3d78807defe7de2157e2b0b6573a855f";
	CU_ASSERT_PTR_NOT_NULL(digest_response(&in, out));
	CU_ASSERT_STRING_EQUAL(out, "");
	in.ha1 = "zz87c64c30e25f1b74be53f966b49b90"
	    "f2808aa92faf9a00262392d7b4794232";
	CU_ASSERT_PTR_NOT_NULL(digest_response(&in, out));
}

/* What cannot be computed says why instead of hashing half the inputs. */
static void
test_incomplete_inputs_are_refused(void)
{
	struct digest_input	in;
	char			out[DIGEST_HEX_MAX];

	in = rfc_input(DIGEST_ALG_UNKNOWN, DIGEST_QOP_AUTH);
	CU_ASSERT_STRING_EQUAL(digest_response(&in, out), "unknown algorithm");
	in = rfc_input(DIGEST_ALG_MD5, DIGEST_QOP_AUTH);
	in.nc = NULL;
	CU_ASSERT_STRING_EQUAL(digest_response(&in, out),
	    "qop needs nc and cnonce");
	in = rfc_input(DIGEST_ALG_SHA256_SESS, DIGEST_QOP_NONE);
	in.cnonce = NULL;
	CU_ASSERT_STRING_EQUAL(digest_response(&in, out),
	    "-sess needs a nonce and a cnonce");
	in = rfc_input(DIGEST_ALG_MD5, 7);
	CU_ASSERT_STRING_EQUAL(digest_response(&in, out), "unknown qop");
	in = rfc_input(DIGEST_ALG_MD5, DIGEST_QOP_AUTH);
	in.password = NULL;
	CU_ASSERT_PTR_NOT_NULL(digest_response(&in, out));
}

/* The comparison accepts exactly the right response, in either case. */
static void
test_response_comparison(void)
{
	const char	*want = "8ca523f5e9506fed4657c9700eebdbec";

	CU_ASSERT_TRUE(digest_response_equal(want, want, 32));
	CU_ASSERT_TRUE(digest_response_equal(want,
	    "8CA523F5E9506FED4657C9700EEBDBEC", 32));
	CU_ASSERT_FALSE(digest_response_equal(want,
	    "8ca523f5e9506fed4657c9700eebdbed", 32));
	CU_ASSERT_FALSE(digest_response_equal(want, want, 31));
	CU_ASSERT_FALSE(digest_response_equal(want,
	    "8ca523f5e9506fed4657c9700eebdbec0", 33));
	CU_ASSERT_FALSE(digest_response_equal("", "", 0));
}

/* Tokens of RFC 8760 §2.4 both ways, any case in, canonical out. */
static void
test_algorithm_tokens(void)
{
	CU_ASSERT_EQUAL(digest_alg_from_name("sha-512-256-SESS", 16),
	    DIGEST_ALG_SHA512_256_SESS);
	CU_ASSERT_EQUAL(digest_alg_from_name("md5", 3), DIGEST_ALG_MD5);
	CU_ASSERT_EQUAL(digest_alg_from_name("SHA-512", 7), DIGEST_ALG_UNKNOWN);
	CU_ASSERT_EQUAL(digest_alg_from_name("SHA-256x", 7), DIGEST_ALG_SHA256);
	CU_ASSERT_STRING_EQUAL(digest_alg_name(DIGEST_ALG_SHA256_SESS),
	    "SHA-256-sess");
	CU_ASSERT_STRING_EQUAL(digest_alg_name(DIGEST_ALG_UNKNOWN), "");
	CU_ASSERT_TRUE(digest_alg_is_sess(DIGEST_ALG_MD5_SESS));
	CU_ASSERT_FALSE(digest_alg_is_sess(DIGEST_ALG_SHA512_256));
}

/* One row of the challenge table: input and what challenge idx must be. */
struct chal_case {
	const char	*name;
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	const char	*err;		/* the parse error, or NULL */
	size_t		 n;
	size_t		 idx;
	const char	*scheme;
	enum digest_alg	 alg;
	const char	*unusable;
	const char	*realm;
	const char	*nonce;
	unsigned	 qop;
};

#define ALG_(x)		DIGEST_ALG_##x
#define Q_AUTH		DIGEST_QOP_AUTH
#define Q_BOTH		(DIGEST_QOP_AUTH | DIGEST_QOP_AUTH_INT)

static const struct chal_case chal_cases[] = {
	{ "kamailio", "Digest realm=\"sip.example.com\", "
	    "nonce=\"ZfMB3GXzAKzbrZ0YJKCnUvkb1mlhB3Ye\", qop=\"auth\"",
	    0, NULL, 1, 0, "Digest", ALG_(MD5), NULL, "sip.example.com",
	    "ZfMB3GXzAKzbrZ0YJKCnUvkb1mlhB3Ye", Q_AUTH },
	{ "kamailio sha-256", "Digest realm=\"sip.example.com\", "
	    "nonce=\"ZfMB3GXzAKzbrZ0YJKCnUvkb1mlhB3Ye\", qop=\"auth\", "
	    "algorithm=SHA-256", 0, NULL, 1, 0, "Digest", ALG_(SHA256), NULL,
	    "sip.example.com", "ZfMB3GXzAKzbrZ0YJKCnUvkb1mlhB3Ye", Q_AUTH },
	{ "asterisk pjsip", "Digest realm=\"asterisk\",nonce=\"1699543587/"
	    "9d2b5c8f7b0e4f7c2a1e6d4b3c2a1f0e\",opaque=\"3d1b3f2a6e7c1b2a\","
	    "algorithm=md5,qop=\"auth\"", 0, NULL, 1, 0, "Digest", ALG_(MD5),
	    NULL, "asterisk", "1699543587/9d2b5c8f7b0e4f7c2a1e6d4b3c2a1f0e",
	    Q_AUTH },
	{ "freeswitch", "Digest realm=\"192.0.2.10\", nonce=\"5a6b0c0e-8c1e-"
	    "11ee-9e6a-2b3c4d5e6f70\", algorithm=MD5, qop=\"auth\"", 0, NULL,
	    1, 0, "Digest", ALG_(MD5), NULL, "192.0.2.10",
	    "5a6b0c0e-8c1e-11ee-9e6a-2b3c4d5e6f70", Q_AUTH },
	{ "rfc7616 3.9.1", "Digest\r\n    realm=\"http-auth@example.org\",\r\n"
	    "    qop=\"auth, auth-int\",\r\n    algorithm=SHA-256,\r\n"
	    "    nonce=\"" R_NONCE "\",\r\n    opaque=\"" R_OPAQUE "\"", 0,
	    NULL, 1, 0, "Digest", ALG_(SHA256), NULL, R_REALM, R_NONCE,
	    Q_BOTH },
	{ "rfc8760 three in one header, first", "Digest realm=\"atlanta.com\","
	    " domain=\"sip:ss1.carrier.com\", qop=\"auth\", nonce=\"f84f1cec"
	    "41e6cbe5aea9c8e88d359\", opaque=\"\", stale=FALSE, algorithm="
	    "SHA-512-256, Digest realm=\"atlanta.com\", qop=\"auth\", nonce="
	    "\"f84f1cec41e6cbe5aea9c8e88d359\", opaque=\"\", stale=FALSE, "
	    "algorithm=SHA-256, Digest realm=\"atlanta.com\", qop=\"auth\", "
	    "nonce=\"f84f1cec41e6cbe5aea9c8e88d359\", opaque=\"\", "
	    "stale=FALSE, algorithm=MD5", 0, NULL, 3, 0, "Digest",
	    ALG_(SHA512_256), NULL, "atlanta.com",
	    "f84f1cec41e6cbe5aea9c8e88d359", Q_AUTH },
	{ "rfc7616 3.9.2 charset and userhash", "Digest\r\n realm=\"api@"
	    "example.org\",\r\n qop=\"auth\",\r\n algorithm=SHA-512-256,\r\n"
	    " nonce=\"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK\",\r\n"
	    " opaque=\"HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS\",\r\n"
	    " charset=UTF-8,\r\n userhash=true", 0, NULL, 1, 0, "Digest",
	    ALG_(SHA512_256), NULL, "api@example.org",
	    "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", Q_AUTH },
	{ "any case", "dIgEsT REALM=\"r\", NONCE=n, ALGORITHM=sha-256-SESS, "
	    "QoP=\"AUTH-INT\"", 0, NULL, 1, 0, "dIgEsT", ALG_(SHA256_SESS),
	    NULL, "r", "n", DIGEST_QOP_AUTH_INT },
	{ "escapes", "Digest realm=\"a\\\"b\\\\c\\d\", nonce=\"n\"", 0, NULL,
	    1, 0, "Digest", ALG_(MD5), NULL, "a\"b\\cd", "n", 0 },
	{ "BWS around =", "Digest realm = \"r\" ,nonce\t=\tn", 0, NULL, 1, 0,
	    "Digest", ALG_(MD5), NULL, "r", "n", 0 },
	{ "fold inside a quoted string", "Digest realm=\"a\r\n b\", "
	    "nonce=\"n\"", 0, NULL, 1, 0, "Digest", ALG_(MD5), NULL, "a b",
	    "n", 0 },
	{ "unknown algorithm ignored", "Digest realm=\"r\", nonce=\"n\", "
	    "algorithm=SHA-1, Digest realm=\"r\", nonce=\"m\"", 0, NULL, 2, 0,
	    "Digest", ALG_(UNKNOWN), "unknown algorithm", "r", "n", 0 },
	{ "the one after an unknown algorithm", "Digest realm=\"r\", "
	    "nonce=\"n\", algorithm=\"SHA-512\", Digest realm=\"r\", "
	    "nonce=\"m\"", 0, NULL, 2, 1, "Digest", ALG_(MD5), NULL, "r", "m",
	    0 },
	{ "qop with nothing known", "Digest realm=\"r\", nonce=\"n\", "
	    "qop=\"auth-conf\"", 0, NULL, 1, 0, "Digest", ALG_(MD5),
	    "no qop option it knows", "r", "n", 0 },
	{ "no nonce", "Digest realm=\"r\"", 0, NULL, 1, 0, "Digest",
	    ALG_(MD5), "no nonce", "r", NULL, 0 },
	{ "Basic before Digest, quoted comma", "Basic realm=\"Digest fake, "
	    "nonce=x\", Digest realm=\"real\", nonce=\"two\"", 0, NULL, 2, 1,
	    "Digest", ALG_(MD5), NULL, "real", "two", 0 },
	{ "Basic realm is not ours", "Basic realm=\"Digest fake, nonce=x\", "
	    "charset=\"UTF-8\"", 0, NULL, 1, 0, "Basic", ALG_(UNKNOWN),
	    "not a Digest challenge", NULL, NULL, 0 },
	{ "Negotiate token68 then Digest", "Negotiate YIIGhgYJKoZIhvcSAQICAQB"
	    "uggZ1MIIGcaADAgEF==, Digest realm=\"r\", nonce=\"n\"", 0, NULL, 2,
	    1, "Digest", ALG_(MD5), NULL, "r", "n", 0 },
	{ "scheme without params", "Newauth, Digest realm=\"r\", nonce=\"n\","
	    " ", 0, NULL, 2, 0, "Newauth", ALG_(UNKNOWN),
	    "not a Digest challenge", NULL, NULL, 0 },
	{ "empty list elements", ", ,Digest realm=\"r\",, ,nonce=\"n\",,", 0,
	    NULL, 1, 0, "Digest", ALG_(MD5), NULL, "r", "n", 0 },
	/* Hostile. */
	{ "empty", "", 0, "empty header", 0, 0, NULL, 0, NULL, NULL, NULL, 0 },
	{ "only commas", " , ,,, ", 0, "no auth scheme", 0, 0, NULL, 0, NULL,
	    NULL, NULL, 0 },
	{ "unterminated quote", "Digest realm=\"abc, nonce=\"n", 0,
	    "expected a comma", 0, 0, NULL, 0, NULL, NULL, NULL, 0 },
	{ "unterminated quote at the end", "Digest realm=\"abc", 0,
	    "unterminated quoted string", 0, 0, NULL, 0, NULL, NULL, NULL, 0 },
	{ "escape at the end", "Digest realm=\"abc\\", 0,
	    "escape at end of value", 0, 0, NULL, 0, NULL, NULL, NULL, 0 },
	{ "escaped closing quote", "Digest realm=\"abc\\\"", 0,
	    "unterminated quoted string", 0, 0, NULL, 0, NULL, NULL, NULL, 0 },
	{ "NUL in a quoted string", "Digest realm=\"a\0b\", nonce=\"n\"", 28,
	    "control character in quoted string", 0, 0, NULL, 0, NULL, NULL,
	    NULL, 0 },
	{ "NUL after the scheme", "Digest\0realm=\"r\"", 16,
	    "expected white space after the auth scheme", 0, 0, NULL, 0, NULL,
	    NULL, NULL, 0 },
	{ "NUL between params", "Digest realm=\"r\",\0nonce=\"n\"", 27,
	    "expected an auth scheme", 0, 0, NULL, 0, NULL, NULL, NULL, 0 },
	{ "duplicate parameter", "Digest realm=\"a\", nonce=\"n\", REALM=\"b\"",
	    0, "duplicate parameter", 0, 0, NULL, 0, NULL, NULL, NULL, 0 },
	{ "missing comma", "Digest realm=\"a\" nonce=\"n\"", 0,
	    "expected a comma", 0, 0, NULL, 0, NULL, NULL, NULL, 0 },
	{ "missing value", "Digest realm=, nonce=\"n\"", 0,
	    "parameter without a value", 0, 0, NULL, 0, NULL, NULL, NULL, 0 },
	{ "value at the end missing", "Digest nonce=\"n\", realm=", 0,
	    "parameter without a value", 0, 0, NULL, 0, NULL, NULL, NULL, 0 },
	{ "no scheme", "realm=\"r\", nonce=\"n\"", 0,
	    "expected white space after the auth scheme", 0, 0, NULL, 0, NULL,
	    NULL, NULL, 0 },
	{ "parameter after token68", "Basic YWxhZGRpbjpvcGVuc2VzYW1l, "
	    "realm=\"x\"", 0, "parameter after a token68", 0, 0, NULL, 0, NULL,
	    NULL, NULL, 0 },
	{ "bare line break", "Digest realm=\"r\",\r\nnonce=\"n\"", 0,
	    "expected an auth scheme", 0, 0, NULL, 0, NULL, NULL, NULL, 0 },
	{ "line break in a quoted string", "Digest realm=\"a\r\nb\"", 0,
	    "line break in quoted string", 0, 0, NULL, 0, NULL, NULL, NULL, 0 },
	{ "Digest takes no token68", "Digest realm", 0,
	    "expected '=' after a parameter name", 0, 0, NULL, 0, NULL, NULL,
	    NULL, 0 },
	{ "non-token value", "Digest realm=@r", 0,
	    "expected a token or quoted string", 0, 0, NULL, 0, NULL, NULL,
	    NULL, 0 },
};

/* An optional string is what it should be (NULL: absent). */
static void
check_str(const char *got, const char *want)
{
	if (want == NULL) {
		CU_ASSERT_PTR_NULL(got);
	} else {
		CU_ASSERT_PTR_NOT_NULL_FATAL(got);
		CU_ASSERT_STRING_EQUAL(got, want);
	}
}

/* Parse one row and check what it says. */
static void
check_chal_case(const struct chal_case *t, struct digest_challenges *set)
{
	const struct digest_challenge	*c;
	const char			*err;
	size_t				 len = t->len ? t->len : strlen(t->in);

	err = digest_challenges_parse(t->in, len, set);
	if (t->err != NULL) {
		if (err == NULL || strcmp(err, t->err) != 0)
			fprintf(stderr, "\n%s: got error %s\n", t->name,
			    err ? err : "none");
		check_str(err, t->err);
		CU_ASSERT_EQUAL(set->n, 0);
		return;
	}
	/* Not fatal: one bad row must not hide the rows after it. */
	if (err != NULL)
		fprintf(stderr, "\n%s: %s\n", t->name, err);
	CU_ASSERT_PTR_NULL(err);
	CU_ASSERT_EQUAL(set->n, t->n);
	if (err != NULL || set->n != t->n)
		return;
	c = &set->c[t->idx];
	CU_ASSERT_STRING_EQUAL(c->a.scheme, t->scheme);
	CU_ASSERT_EQUAL(c->alg, t->alg);
	check_str(c->unusable, t->unusable);
	check_str(c->realm, t->realm);
	check_str(c->nonce, t->nonce);
	CU_ASSERT_EQUAL(c->qop, t->qop);
}

/* Parse, print, parse again: the same challenges, field by field. */
static void
check_chal_round_trip(const struct digest_challenges *set,
    struct digest_challenges *again)
{
	static char	 out[4 * DIGEST_MAX_HEADER];
	size_t		 len = 0, i;
	const char	*err;

	CU_ASSERT_PTR_NULL_FATAL(digest_challenges_print(set->c, set->n, out,
	    sizeof(out), &len));
	CU_ASSERT_EQUAL(strlen(out), len);
	err = digest_challenges_parse(out, len, again);
	if (err != NULL)
		fprintf(stderr, "\nreparse of %s: %s\n", out, err);
	CU_ASSERT_PTR_NULL_FATAL(err);
	CU_ASSERT_EQUAL_FATAL(again->n, set->n);
	for (i = 0; i < set->n; i++)
		CU_ASSERT_TRUE(digest_challenge_equal(&set->c[i],
		    &again->c[i]));
}

/* The row of the challenge table with this name. */
static const struct chal_case *
chal_row(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(chal_cases) / sizeof(chal_cases[0]); i++)
		if (strcmp(chal_cases[i].name, name) == 0)
			return &chal_cases[i];
	CU_FAIL_FATAL("no such row");
	return NULL;
}

/* Every row, and every row that parses survives printing. */
static void
test_challenge_table_real_and_hostile(void)
{
	struct digest_challenges	*set, *again;
	size_t				 i;

	set = calloc(1, sizeof(*set));
	again = calloc(1, sizeof(*again));
	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	CU_ASSERT_PTR_NOT_NULL_FATAL(again);
	for (i = 0; i < sizeof(chal_cases) / sizeof(chal_cases[0]); i++) {
		check_chal_case(&chal_cases[i], set);
		if (chal_cases[i].err == NULL && set->n > 0)
			check_chal_round_trip(set, again);
	}
	free(set);
	free(again);
}

/* RFC 8760: the challenges keep the server's order, one algorithm each. */
static void
test_rfc8760_challenges_keep_their_order(void)
{
	struct digest_challenges	*set = calloc(1, sizeof(*set));
	const struct chal_case		*t =
	    chal_row("rfc8760 three in one header, first");

	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	CU_ASSERT_PTR_NULL_FATAL(digest_challenges_parse(t->in, strlen(t->in),
	    set));
	CU_ASSERT_EQUAL_FATAL(set->n, 3);
	CU_ASSERT_EQUAL(set->c[0].alg, DIGEST_ALG_SHA512_256);
	CU_ASSERT_EQUAL(set->c[1].alg, DIGEST_ALG_SHA256);
	CU_ASSERT_EQUAL(set->c[2].alg, DIGEST_ALG_MD5);
	CU_ASSERT_STRING_EQUAL(set->c[0].domain, "sip:ss1.carrier.com");
	CU_ASSERT_STRING_EQUAL(set->c[2].opaque, "");
	CU_ASSERT_FALSE(set->c[2].stale);
	free(set);
}

/* RFC 7616 §3.9.2: charset and userhash come through. */
static void
test_rfc7616_userhash_and_charset(void)
{
	struct digest_challenges	*set = calloc(1, sizeof(*set));
	const struct chal_case		*t =
	    chal_row("rfc7616 3.9.2 charset and userhash");

	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	CU_ASSERT_PTR_NULL_FATAL(digest_challenges_parse(t->in, strlen(t->in),
	    set));
	CU_ASSERT_STRING_EQUAL(set->c[0].charset, "UTF-8");
	CU_ASSERT_TRUE(set->c[0].userhash);
	CU_ASSERT_STRING_EQUAL(set->c[0].opaque,
	    "HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS");
	free(set);
}

/* Unknown parameters stay, in order, with their raw values. */
static void
test_unknown_params_kept_verbatim(void)
{
	struct digest_challenges	*set = calloc(1, sizeof(*set));
	static const char		 in[] =
	    "Digest x-vendor=\"a\\\\b, c\", realm=\"r\", Foo=bar, "
	    "nonce=\"n\", stale=TRUE";
	char				 out[512];
	const struct digest_auth	*a;

	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	CU_ASSERT_PTR_NULL_FATAL(digest_challenges_parse(in, strlen(in), set));
	a = &set->c[0].a;
	CU_ASSERT_EQUAL_FATAL(a->nparams, 5);
	CU_ASSERT_STRING_EQUAL(a->params[0].name, "x-vendor");
	CU_ASSERT_STRING_EQUAL(a->params[0].raw, "\"a\\\\b, c\"");
	CU_ASSERT_STRING_EQUAL(a->params[0].value, "a\\b, c");
	CU_ASSERT_EQUAL(a->params[0].id, DIGEST_P_OTHER);
	CU_ASSERT_EQUAL(a->params[1].id, DIGEST_P_REALM);
	CU_ASSERT_STRING_EQUAL(a->params[2].name, "Foo");
	CU_ASSERT_STRING_EQUAL(a->params[2].raw, "bar");
	CU_ASSERT_TRUE(set->c[0].stale);
	CU_ASSERT_PTR_NULL(digest_challenge_print(&set->c[0], out, sizeof(out),
	    NULL));
	CU_ASSERT_STRING_EQUAL(out, "Digest realm=\"r\", nonce=\"n\", "
	    "stale=true, x-vendor=\"a\\\\b, c\", Foo=bar");
	free(set);
}

/* The printer's canonical form: RFC 8760 §2.6 tokens and quoting. */
static void
test_challenge_printed_canonically(void)
{
	struct digest_challenges	*set = calloc(1, sizeof(*set));
	static const char		 in[] = "digest algorithm=sha-512-256"
	    "-Sess, qop=\"auth-int,auth\", nonce=abc, realm=r, opaque=o,"
	    " charset=\"utf-8\", userhash=TRUE, domain=\"/a /b\", "
	    "Basic realm=\"x\", Negotiate abc==";
	char				 out[512], small[16];
	size_t				 len = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	CU_ASSERT_PTR_NULL_FATAL(digest_challenges_parse(in, strlen(in), set));
	CU_ASSERT_EQUAL_FATAL(set->n, 3);
	CU_ASSERT_PTR_NULL(digest_challenges_print(set->c, set->n, out,
	    sizeof(out), &len));
	CU_ASSERT_STRING_EQUAL(out, "Digest realm=\"r\", domain=\"/a /b\", "
	    "qop=\"auth, auth-int\", nonce=\"abc\", opaque=\"o\", "
	    "algorithm=SHA-512-256-sess, charset=utf-8, userhash=true, "
	    "Basic realm=\"x\", Negotiate abc==");
	CU_ASSERT_EQUAL(len, strlen(out));
	CU_ASSERT_STRING_EQUAL(digest_challenge_print(&set->c[0], small,
	    sizeof(small), &len), "output buffer too small");
	CU_ASSERT_STRING_EQUAL(small, "");
	free(set);
}

/* Limits: each is an error with its own reason, and no more is read. */
static void
test_limits_are_errors(void)
{
	struct digest_challenges	*set = calloc(1, sizeof(*set));
	static char			 buf[4 * DIGEST_MAX_HEADER];
	size_t				 n, i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	/* A 2000-character nonce. */
	n = (size_t)snprintf(buf, sizeof(buf), "Digest realm=\"r\", nonce=\"");
	memset(buf + n, 'a', 2000);
	n += 2000;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\"");
	CU_ASSERT_STRING_EQUAL(digest_challenges_parse(buf, n, set),
	    "value too long");
	/* The largest value there may be passes. */
	n = (size_t)snprintf(buf, sizeof(buf), "Digest realm=\"r\", nonce=");
	memset(buf + n, 'a', DIGEST_MAX_VALUE);
	n += DIGEST_MAX_VALUE;
	CU_ASSERT_PTR_NULL(digest_challenges_parse(buf, n, set));
	CU_ASSERT_EQUAL(strlen(set->c[0].nonce), DIGEST_MAX_VALUE);
	buf[n++] = 'a';
	CU_ASSERT_STRING_EQUAL(digest_challenges_parse(buf, n, set),
	    "value too long");
	/* A header over 8 KiB. */
	memset(buf, ' ', DIGEST_MAX_HEADER + 1);
	memcpy(buf, "Digest realm=\"r\"", 16);
	CU_ASSERT_STRING_EQUAL(digest_challenges_parse(buf,
	    DIGEST_MAX_HEADER + 1, set), "header too long");
	/* 1000 parameters, and 33 after 32 that pass. */
	n = (size_t)snprintf(buf, sizeof(buf), "Digest p0=0");
	for (i = 1; i < 1000; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, ",p%zu=1", i);
	CU_ASSERT(n < DIGEST_MAX_HEADER);
	CU_ASSERT_STRING_EQUAL(digest_challenges_parse(buf, n, set),
	    "too many parameters");
	n = (size_t)snprintf(buf, sizeof(buf), "Digest p0=0");
	for (i = 1; i < DIGEST_MAX_PARAMS; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, ",p%zu=%zu", i,
		    i);
	CU_ASSERT_PTR_NULL(digest_challenges_parse(buf, n, set));
	CU_ASSERT_EQUAL(set->c[0].a.nparams, DIGEST_MAX_PARAMS);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, ",p99=9");
	CU_ASSERT_STRING_EQUAL(digest_challenges_parse(buf, n, set),
	    "too many parameters");
	/* 17 challenges, after 16 that pass. */
	for (n = 0, i = 0; i < DIGEST_MAX_CHALLENGES; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		    "%sDigest realm=\"r\", nonce=\"%zu\"", i ? ", " : "", i);
	CU_ASSERT_PTR_NULL(digest_challenges_parse(buf, n, set));
	CU_ASSERT_EQUAL(set->n, DIGEST_MAX_CHALLENGES);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, ", Basic realm=\"r\"");
	CU_ASSERT_STRING_EQUAL(digest_challenges_parse(buf, n, set),
	    "too many challenges");
	free(set);
}

/* The parser stops at len: what follows in memory is never read. */
static void
test_parser_stops_at_len(void)
{
	struct digest_challenges	*set = calloc(1, sizeof(*set));
	static const char		 in[] =
	    "Digest realm=\"r\", nonce=\"n\"X";
	char				*copy;

	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	/* An exact-size copy: ASan reports any read past the end. */
	copy = malloc(sizeof(in) - 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	memcpy(copy, in, sizeof(in) - 2);
	CU_ASSERT_PTR_NULL(digest_challenges_parse(copy, sizeof(in) - 2, set));
	CU_ASSERT_STRING_EQUAL(set->c[0].nonce, "n");
	CU_ASSERT_STRING_EQUAL(digest_challenges_parse(copy, sizeof(in) - 3,
	    set), "unterminated quoted string");
	free(copy);
	free(set);
}

/* RFC 7616 §3.9.1's Authorization, and the response it carries checks. */
static void
test_rfc7616_credentials_parse_and_verify(void)
{
	struct digest_credentials	*cr = calloc(1, sizeof(*cr));
	static const char		 in[] =
	    "Digest username=\"Mufasa\",\r\n"
	    "    realm=\"http-auth@example.org\",\r\n"
	    "    uri=\"/dir/index.html\",\r\n    algorithm=SHA-256,\r\n"
	    "    nonce=\"" R_NONCE "\",\r\n    nc=00000001,\r\n"
	    "    cnonce=\"" R_CNONCE "\",\r\n    qop=auth,\r\n"
	    "    response=\"753927fa0e85d155564e2e272a28d1802ca10daf449\r\n"
	    "        6794697cf8db5856cb6c1\",\r\n"
	    "    opaque=\"" R_OPAQUE "\"";
	struct digest_input		 din;
	char				 want[DIGEST_HEX_MAX];

	CU_ASSERT_PTR_NOT_NULL_FATAL(cr);
	CU_ASSERT_PTR_NULL_FATAL(digest_credentials_parse(in, strlen(in), cr));
	CU_ASSERT_PTR_NULL(cr->unusable);
	CU_ASSERT_EQUAL(cr->alg, DIGEST_ALG_SHA256);
	CU_ASSERT_STRING_EQUAL(cr->username, R_USER);
	CU_ASSERT_STRING_EQUAL(cr->uri, R_URI);
	CU_ASSERT_STRING_EQUAL(cr->nc, "00000001");
	CU_ASSERT_EQUAL(cr->qop, DIGEST_QOP_AUTH);
	CU_ASSERT_STRING_EQUAL(cr->opaque, R_OPAQUE);
	/* The RFC folds the response; the fold is white space inside it. */
	CU_ASSERT_STRING_EQUAL(cr->response, "753927fa0e85d155564e2e272a28d18"
	    "02ca10daf449        6794697cf8db5856cb6c1");
	memset(&din, 0, sizeof(din));
	din.alg = cr->alg;
	din.username = cr->username;
	din.realm = cr->realm;
	din.password = R_PASS;
	din.nonce = cr->nonce;
	din.cnonce = cr->cnonce;
	din.nc = cr->nc;
	din.qop = cr->qop;
	din.method = "GET";
	din.uri = cr->uri;
	CU_ASSERT_PTR_NULL(digest_response(&din, want));
	CU_ASSERT_TRUE(digest_response_equal(want, "753927fa0e85d155564e2e272"
	    "a28d1802ca10daf4496794697cf8db5856cb6c1", 64));
	CU_ASSERT_FALSE(digest_response_equal(want, cr->response,
	    strlen(cr->response)));
	free(cr);
}

/* One row of the credentials table. */
struct cred_case {
	const char	*name;
	const char	*in;
	const char	*err;
	const char	*unusable;
	enum digest_alg	 alg;
	const char	*username;
};

static const struct cred_case cred_cases[] = {
	{ "rfc7616 md5", "Digest username=\"Mufasa\", realm=\"" R_REALM "\", "
	    "uri=\"/dir/index.html\", algorithm=MD5, nonce=\"" R_NONCE "\", "
	    "nc=00000001, cnonce=\"" R_CNONCE "\", qop=auth, response=\"8ca523"
	    "f5e9506fed4657c9700eebdbec\", opaque=\"" R_OPAQUE "\"", NULL, NULL,
	    DIGEST_ALG_MD5, "Mufasa" },
	{ "rfc7616 3.9.2 userhash", "Digest\r\n username=\"488869477bf257147b8"
	    "04c45308cd62ac4e25eb717b12b298c79e62dcea254ec\",\r\n realm=\"api@"
	    "example.org\",\r\n uri=\"/doe.json\",\r\n algorithm=SHA-512-256,"
	    "\r\n nonce=\"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK\",\r\n"
	    " nc=00000001,\r\n cnonce=\"NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2"
	    "wds69v\",\r\n qop=auth,\r\n response=\"ae66e67d6b427bd3f120414a82"
	    "e4acff38e8ecd9101d6c861229025f607a79dd\",\r\n opaque=\"HRPCssKJSG"
	    "jCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS\",\r\n userhash=true", NULL,
	    NULL, DIGEST_ALG_SHA512_256, "488869477bf257147b804c45308cd62ac4e2"
	    "5eb717b12b298c79e62dcea254ec" },
	{ "rfc7616 3.9.2 username*", "Digest username*=UTF-8''J%C3%A4s%C3%B8n"
	    "%20Doe, realm=\"api@example.org\", uri=\"/doe.json\", algorithm="
	    "SHA-512-256, nonce=\"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK"
	    "\", nc=00000001, cnonce=\"NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2w"
	    "ds69v\", qop=auth, response=\"ae66e67d6b427bd3f120414a82e4acff38e"
	    "8ecd9101d6c861229025f607a79dd\", opaque=\"HRPCssKJSGjCrkzDg8OhwpzC"
	    "iGPChXYjwrI2QmXDnsOS\", userhash=false", NULL, NULL,
	    DIGEST_ALG_SHA512_256, NULL },
	{ "snom rfc2069 quoted algorithm", "Digest username=\"100\",realm="
	    "\"sip.example.com\",nonce=\"abc\",uri=\"sip:sip.example.com\","
	    "response=\"0123456789abcdef0123456789abcdef\",algorithm=\"md5\"",
	    NULL, NULL, DIGEST_ALG_MD5, "100" },
	{ "quoted qop from an old phone", "Digest username=\"a\\\"b\", realm="
	    "\"r\", nonce=\"n\", uri=\"sip:r\", response=\"00\", qop=\"auth\", "
	    "nc=0000000A, cnonce=\"c\"", NULL, NULL, DIGEST_ALG_MD5, "a\"b" },
	{ "unknown algorithm", "Digest username=\"u\", realm=\"r\", "
	    "nonce=\"n\", uri=\"sip:r\", response=\"00\", algorithm=SHA-1",
	    NULL, "unknown algorithm", DIGEST_ALG_UNKNOWN, "u" },
	{ "qop without nc", "Digest username=\"u\", realm=\"r\", nonce=\"n\", "
	    "uri=\"sip:r\", response=\"00\", qop=auth, cnonce=\"c\"", NULL,
	    "qop without nc or cnonce", DIGEST_ALG_MD5, "u" },
	{ "Basic", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", NULL,
	    "not Digest credentials", DIGEST_ALG_UNKNOWN, NULL },
	{ "bad nc", "Digest username=\"u\", nc=1", "nc is not 8 hex digits",
	    NULL, 0, NULL },
	{ "unknown qop", "Digest username=\"u\", qop=auth-conf",
	    "unknown qop", NULL, 0, NULL },
	{ "two credentials", "Digest username=\"u\", Digest username=\"v\"",
	    "more than one credentials", NULL, 0, NULL },
	{ "username and username*", "Digest username=\"u\", username*="
	    "UTF-8''u", "both username and username*", NULL, 0, NULL },
	{ "duplicate", "Digest username=\"u\", Username=\"v\"",
	    "duplicate parameter", NULL, 0, NULL },
};

/* Every credentials row; those that parse print and parse back the same. */
static void
test_credentials_table(void)
{
	struct digest_credentials	*cr, *again;
	static char			 out[4 * DIGEST_MAX_HEADER];
	const struct cred_case		*t;
	const char			*err;
	size_t				 i, len = 0;

	cr = calloc(1, sizeof(*cr));
	again = calloc(1, sizeof(*again));
	CU_ASSERT_PTR_NOT_NULL_FATAL(cr);
	CU_ASSERT_PTR_NOT_NULL_FATAL(again);
	for (i = 0; i < sizeof(cred_cases) / sizeof(cred_cases[0]); i++) {
		t = &cred_cases[i];
		err = digest_credentials_parse(t->in, strlen(t->in), cr);
		if ((err == NULL) != (t->err == NULL) || (err != NULL &&
		    strcmp(err, t->err) != 0))
			fprintf(stderr, "\n%s: got %s\n", t->name,
			    err ? err : "no error");
		if (t->err != NULL) {
			check_str(err, t->err);
			continue;
		}
		CU_ASSERT_PTR_NULL(err);
		if (err != NULL)
			continue;
		CU_ASSERT_EQUAL(cr->alg, t->alg);
		check_str(cr->unusable, t->unusable);
		check_str(cr->username, t->username);
		CU_ASSERT_PTR_NULL_FATAL(digest_credentials_print(cr, out,
		    sizeof(out), &len));
		err = digest_credentials_parse(out, len, again);
		if (err != NULL)
			fprintf(stderr, "\nreparse of %s: %s\n", out, err);
		CU_ASSERT_PTR_NULL_FATAL(err);
		CU_ASSERT_TRUE(digest_credentials_equal(cr, again));
	}
	free(cr);
	free(again);
}

/* Credentials print in RFC 7616's order; qop, nc, algorithm unquoted. */
static void
test_credentials_printed_canonically(void)
{
	struct digest_credentials	*cr = calloc(1, sizeof(*cr));
	static const char		 in[] = "DIGEST qop=\"auth-int\", "
	    "response=\"ab\", nc=0000000a, x=\"y\", Uri=\"sip:a@b\", "
	    "cnonce=c, nonce=n, realm=r, username=\"q\\\"u\", "
	    "algorithm=sha-256";
	char				 out[512];

	CU_ASSERT_PTR_NOT_NULL_FATAL(cr);
	CU_ASSERT_PTR_NULL_FATAL(digest_credentials_parse(in, strlen(in), cr));
	CU_ASSERT_PTR_NULL(digest_credentials_print(cr, out, sizeof(out),
	    NULL));
	CU_ASSERT_STRING_EQUAL(out, "Digest username=\"q\\\"u\", realm=\"r\", "
	    "uri=\"sip:a@b\", algorithm=SHA-256, nonce=\"n\", nc=0000000a, "
	    "cnonce=\"c\", qop=auth-int, response=\"ab\", x=\"y\"");
	free(cr);
}

/* Register the digest suite. */
void
test_digest_register(void)
{
	CU_pSuite	s = unit_suite("digest");

	UNIT_TEST(s, test_rfc7616_example_md5_and_sha256_responses);
	UNIT_TEST(s, test_sha512_256_responses_match_hashlib);
	UNIT_TEST(s, test_sess_responses_match_hashlib);
	UNIT_TEST(s, test_auth_int_responses_match_hashlib);
	UNIT_TEST(s, test_rfc2069_responses_match_hashlib);
	UNIT_TEST(s, test_userhash_matches_hashlib);
	UNIT_TEST(s, test_sha512_256_is_not_truncated_sha512);
	UNIT_TEST(s, test_stored_ha1_gives_the_same_response);
	UNIT_TEST(s, test_incomplete_inputs_are_refused);
	UNIT_TEST(s, test_response_comparison);
	UNIT_TEST(s, test_algorithm_tokens);
	UNIT_TEST(s, test_challenge_table_real_and_hostile);
	UNIT_TEST(s, test_rfc8760_challenges_keep_their_order);
	UNIT_TEST(s, test_rfc7616_userhash_and_charset);
	UNIT_TEST(s, test_unknown_params_kept_verbatim);
	UNIT_TEST(s, test_challenge_printed_canonically);
	UNIT_TEST(s, test_limits_are_errors);
	UNIT_TEST(s, test_parser_stops_at_len);
	UNIT_TEST(s, test_rfc7616_credentials_parse_and_verify);
	UNIT_TEST(s, test_credentials_table);
	UNIT_TEST(s, test_credentials_printed_canonically);
}
