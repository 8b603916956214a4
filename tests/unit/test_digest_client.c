/*
 * test_digest_client.c: the edge answers a carrier's 401/407 for any
 * request with the challenge its preference list ranks first, out of
 * every header and every challenge in one; the answer verifies with the
 * digest core (auth, auth-int over the body, the RFC 2069 form), counts
 * its nonce, and a response it cannot answer or a buffer too small is an
 * error that holds no secret.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "digest_client.h"
#include "sip_msg.h"
#include "unit.h"
#include "util.h"

#define PASS		"s3cret-Pa55"
#define URI		"sip:bob@carrier.test"
#define BODY		"v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\n"

/* Two headers, three Digest challenges and a Basic one, weakest first. */
#define MIXED(h) \
	h ": Digest realm=\"carrier.test\", nonce=\"n-md5\", " \
	    "algorithm=MD5, qop=\"auth\", Basic realm=\"carrier.test\"\r\n" \
	h ": Digest realm=\"carrier.test\", nonce=\"n-256\", " \
	    "algorithm=SHA-256, qop=\"auth\", opaque=\"op-256\", " \
	    "Digest realm=\"carrier.test\", nonce=\"n-512\", " \
	    "algorithm=SHA-512-256, qop=\"auth\"\r\n"

/* A response of this status with these extra header lines. */
static osip_message_t *
resp_with(int code, const char *extra)
{
	osip_message_t	*m;
	char		*text = NULL, why[128];
	int		 n;

	sip_msg_init();
	n = xasprintf(&text, "SIP/2.0 %d Challenge\r\n"
	    "Via: SIP/2.0/TLS 192.0.2.10:5061;branch=z9hG4bKdc1\r\n"
	    "From: <sip:alice@carrier.test>;tag=a1\r\n"
	    "To: <sip:bob@carrier.test>;tag=b1\r\n"
	    "Call-ID: dc-1\r\nCSeq: 1 INVITE\r\n%s"
	    "Content-Length: 0\r\n\r\n", code, extra);
	m = sip_msg_parse(text, (size_t)n, why, sizeof(why));
	if (m == NULL)
		fprintf(stderr, "\ncanned response: %s\n", why);
	free(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	return m;
}

/* An INVITE from alice, with the default preference list. */
static void
in_init(struct digest_client_answer_in *in)
{
	memset(in, 0, sizeof(*in));
	in->username = "alice";
	in->password = PASS;
	in->method = "INVITE";
	in->uri = URI;
}

/* Answer resp; the reason (NULL: success). */
static const char *
answer(struct digest_client *dc, const char *extra, int code,
    const struct digest_client_answer_in *in, const char **hname,
    char *value, size_t len, enum digest_alg *alg, int *stale)
{
	osip_message_t	*m = resp_with(code, extra);
	const char	*err;

	err = digest_client_answer(dc, m, in, hname, value, len, alg, stale);
	sip_msg_free(m);
	return err;
}

/*
 * value must answer nonce in alg for in, with qop and nc: parse it and
 * recompute the response independently with the digest core.
 */
static void
check_value(const char *value, const struct digest_client_answer_in *in,
    enum digest_alg alg, const char *realm, const char *nonce, unsigned qop,
    const char *nc)
{
	struct digest_credentials	*cr = xcalloc(1, sizeof(*cr));
	struct digest_input		 di;
	char				 want[DIGEST_HEX_MAX];

	CU_ASSERT_PTR_NULL_FATAL(digest_credentials_parse(value, strlen(value),
	    cr));
	CU_ASSERT_PTR_NULL(strstr(value, PASS));
	CU_ASSERT_EQUAL(cr->alg, alg);
	CU_ASSERT_STRING_EQUAL(cr->username, in->username);
	CU_ASSERT_STRING_EQUAL(cr->realm, realm);
	CU_ASSERT_STRING_EQUAL(cr->nonce, nonce);
	CU_ASSERT_STRING_EQUAL(cr->uri, in->uri);
	CU_ASSERT_EQUAL(cr->qop, qop);
	if (qop == DIGEST_QOP_NONE) {
		CU_ASSERT_PTR_NULL(cr->nc);
		CU_ASSERT_PTR_NULL(cr->cnonce);
	} else {
		CU_ASSERT_PTR_NOT_NULL_FATAL(cr->nc);
		CU_ASSERT_STRING_EQUAL(cr->nc, nc);
		CU_ASSERT_PTR_NOT_NULL_FATAL(cr->cnonce);
		CU_ASSERT(strlen(cr->cnonce) >= 16);
	}
	memset(&di, 0, sizeof(di));
	di.alg = alg;
	di.username = in->username;
	di.realm = realm;
	di.password = in->password;
	di.nonce = nonce;
	di.cnonce = cr->cnonce;
	di.nc = cr->nc;
	di.qop = qop;
	di.method = in->method;
	di.uri = in->uri;
	di.body = in->body != NULL ? in->body : "";
	di.bodylen = in->bodylen;
	CU_ASSERT_PTR_NULL_FATAL(digest_response(&di, want));
	CU_ASSERT_PTR_NOT_NULL_FATAL(cr->response);
	CU_ASSERT_STRING_EQUAL(cr->response, want);
	free(cr);
}

/* The opaque of value, or "" when it has none. */
static void
check_opaque(const char *value, const char *want)
{
	struct digest_credentials	*cr = xcalloc(1, sizeof(*cr));

	CU_ASSERT_PTR_NULL_FATAL(digest_credentials_parse(value, strlen(value),
	    cr));
	CU_ASSERT_STRING_EQUAL(cr->opaque != NULL ? cr->opaque : "", want);
	free(cr);
}

/* Default order: SHA-512-256, the second challenge of the second header. */
static void
test_401_default_order_answers_sha512_256_in_second_header(void)
{
	struct digest_client		 dc = { NULL, 0 };
	struct digest_client_answer_in	 in;
	const char			*hname;
	char				 value[DIGEST_MAX_HEADER];
	enum digest_alg			 alg;
	int				 stale = -1;

	in_init(&in);
	CU_ASSERT_PTR_NULL(answer(&dc, MIXED("WWW-Authenticate"), 401, &in,
	    &hname, value, sizeof(value), &alg, &stale));
	CU_ASSERT_STRING_EQUAL(hname, "Authorization");
	CU_ASSERT_EQUAL(alg, DIGEST_ALG_SHA512_256);
	CU_ASSERT_EQUAL(stale, 0);
	check_value(value, &in, DIGEST_ALG_SHA512_256, "carrier.test",
	    "n-512", DIGEST_QOP_AUTH, "00000001");
	check_opaque(value, "");
	digest_client_clear(&dc);
}

/* The caller's list ranks SHA-256 then MD5: the first header's MD5 loses. */
static void
test_401_preference_list_answers_sha256_first_challenge(void)
{
	static const enum digest_alg	 pref[] = { DIGEST_ALG_SHA256,
	    DIGEST_ALG_MD5 };
	struct digest_client		 dc = { NULL, 0 };
	struct digest_client_answer_in	 in;
	const char			*hname;
	char				 value[DIGEST_MAX_HEADER];
	enum digest_alg			 alg;
	int				 stale;

	in_init(&in);
	in.algs = pref;
	in.n_algs = nitems(pref);
	CU_ASSERT_PTR_NULL(answer(&dc, MIXED("WWW-Authenticate"), 401, &in,
	    &hname, value, sizeof(value), &alg, &stale));
	CU_ASSERT_EQUAL(alg, DIGEST_ALG_SHA256);
	check_value(value, &in, DIGEST_ALG_SHA256, "carrier.test", "n-256",
	    DIGEST_QOP_AUTH, "00000001");
	check_opaque(value, "op-256");
	digest_client_clear(&dc);
}

/* Only MD5 allowed: the first header's Digest, past its Basic sibling. */
static void
test_401_md5_only_answers_first_header(void)
{
	static const enum digest_alg	 pref[] = { DIGEST_ALG_MD5 };
	struct digest_client		 dc = { NULL, 0 };
	struct digest_client_answer_in	 in;
	const char			*hname;
	char				 value[DIGEST_MAX_HEADER];
	enum digest_alg			 alg;
	int				 stale;

	in_init(&in);
	in.algs = pref;
	in.n_algs = nitems(pref);
	CU_ASSERT_PTR_NULL(answer(&dc, MIXED("WWW-Authenticate"), 401, &in,
	    &hname, value, sizeof(value), &alg, &stale));
	CU_ASSERT_EQUAL(alg, DIGEST_ALG_MD5);
	check_value(value, &in, DIGEST_ALG_MD5, "carrier.test", "n-md5",
	    DIGEST_QOP_AUTH, "00000001");
	digest_client_clear(&dc);
}

/*
 * A 407 is answered from Proxy-Authenticate with Proxy-Authorization; a
 * stronger WWW-Authenticate in the same response is not ours to answer.
 */
static void
test_407_answers_proxy_authenticate_with_proxy_authorization(void)
{
	struct digest_client		 dc = { NULL, 0 };
	struct digest_client_answer_in	 in;
	const char			*hname;
	char				 value[DIGEST_MAX_HEADER];
	enum digest_alg			 alg;
	int				 stale;

	in_init(&in);
	CU_ASSERT_PTR_NULL(answer(&dc,
	    "WWW-Authenticate: Digest realm=\"other\", nonce=\"n-www\", "
	    "algorithm=SHA-512-256, qop=\"auth\"\r\n"
	    "Proxy-Authenticate: Digest realm=\"proxy.test\", "
	    "nonce=\"n-p-md5\", qop=\"auth\"\r\n"
	    "Proxy-Authenticate: Digest realm=\"proxy.test\", "
	    "nonce=\"n-p-md5-2\", qop=\"auth\", Digest realm=\"proxy.test\", "
	    "nonce=\"n-p-256\", algorithm=SHA-256, qop=\"auth\", "
	    "stale=true\r\n",
	    407, &in, &hname, value, sizeof(value), &alg, &stale));
	CU_ASSERT_STRING_EQUAL(hname, "Proxy-Authorization");
	CU_ASSERT_EQUAL(alg, DIGEST_ALG_SHA256);
	CU_ASSERT_EQUAL(stale, 1);
	check_value(value, &in, DIGEST_ALG_SHA256, "proxy.test", "n-p-256",
	    DIGEST_QOP_AUTH, "00000001");
	digest_client_clear(&dc);
}

/* Quotes and backslashes in user, realm, nonce, uri, opaque round-trip. */
static void
test_quoted_strings_are_escaped(void)
{
	struct digest_client		 dc = { NULL, 0 };
	struct digest_client_answer_in	 in;
	const char			*hname;
	char				 value[DIGEST_MAX_HEADER];
	enum digest_alg			 alg;
	int				 stale;

	in_init(&in);
	in.username = "al\"ice\\";
	in.uri = "sip:\"odd\"@carrier.test";
	CU_ASSERT_PTR_NULL(answer(&dc,
	    "WWW-Authenticate: Digest realm=\"c\\\"t\\\\\", "
	    "nonce=\"n\\\"1\", opaque=\"o\\\"p\", algorithm=SHA-256, "
	    "qop=\"auth\"\r\n", 401, &in, &hname, value, sizeof(value), &alg,
	    &stale));
	check_value(value, &in, DIGEST_ALG_SHA256, "c\"t\\", "n\"1",
	    DIGEST_QOP_AUTH, "00000001");
	check_opaque(value, "o\"p");
	digest_client_clear(&dc);
}

/* Only auth-int offered: the body is hashed into the response. */
static void
test_auth_int_only_hashes_the_body(void)
{
	struct digest_client		 dc = { NULL, 0 };
	struct digest_client_answer_in	 in;
	struct digest_credentials	*cr = xcalloc(1, sizeof(*cr));
	struct digest_input		 di;
	const char			*hname;
	char				 value[DIGEST_MAX_HEADER];
	char				 nobody[DIGEST_HEX_MAX];
	enum digest_alg			 alg;
	int				 stale;

	in_init(&in);
	in.body = BODY;
	in.bodylen = strlen(BODY);
	CU_ASSERT_PTR_NULL(answer(&dc,
	    "WWW-Authenticate: Digest realm=\"carrier.test\", nonce=\"n-i\", "
	    "algorithm=SHA-256, qop=\"auth-int\"\r\n", 401, &in, &hname,
	    value, sizeof(value), &alg, &stale));
	check_value(value, &in, DIGEST_ALG_SHA256, "carrier.test", "n-i",
	    DIGEST_QOP_AUTH_INT, "00000001");
	/* The same answer over an empty body must differ. */
	CU_ASSERT_PTR_NULL_FATAL(digest_credentials_parse(value, strlen(value),
	    cr));
	memset(&di, 0, sizeof(di));
	di.alg = DIGEST_ALG_SHA256;
	di.username = "alice";
	di.realm = "carrier.test";
	di.password = PASS;
	di.nonce = "n-i";
	di.cnonce = cr->cnonce;
	di.nc = cr->nc;
	di.qop = DIGEST_QOP_AUTH_INT;
	di.method = "INVITE";
	di.uri = URI;
	di.body = "";
	CU_ASSERT_PTR_NULL(digest_response(&di, nobody));
	CU_ASSERT_STRING_NOT_EQUAL(cr->response, nobody);
	free(cr);
	digest_client_clear(&dc);
}

/* auth and auth-int both offered: auth, which needs no body. */
static void
test_auth_preferred_over_auth_int(void)
{
	struct digest_client		 dc = { NULL, 0 };
	struct digest_client_answer_in	 in;
	const char			*hname;
	char				 value[DIGEST_MAX_HEADER];
	enum digest_alg			 alg;
	int				 stale;

	in_init(&in);
	in.body = BODY;
	in.bodylen = strlen(BODY);
	CU_ASSERT_PTR_NULL(answer(&dc,
	    "WWW-Authenticate: Digest realm=\"carrier.test\", nonce=\"n-b\", "
	    "algorithm=SHA-256, qop=\"auth-int,auth\"\r\n", 401, &in, &hname,
	    value, sizeof(value), &alg, &stale));
	check_value(value, &in, DIGEST_ALG_SHA256, "carrier.test", "n-b",
	    DIGEST_QOP_AUTH, "00000001");
	digest_client_clear(&dc);
}

/* No qop in the challenge: the RFC 2069 form, without qop, nc, cnonce. */
static void
test_no_qop_challenge_gets_rfc2069_answer(void)
{
	struct digest_client		 dc = { NULL, 0 };
	struct digest_client_answer_in	 in;
	const char			*hname;
	char				 value[DIGEST_MAX_HEADER];
	enum digest_alg			 alg;
	int				 stale;

	in_init(&in);
	CU_ASSERT_PTR_NULL(answer(&dc,
	    "WWW-Authenticate: Digest realm=\"carrier.test\", "
	    "nonce=\"n-2069\"\r\n", 401, &in, &hname, value, sizeof(value),
	    &alg, &stale));
	CU_ASSERT_EQUAL(alg, DIGEST_ALG_MD5);
	CU_ASSERT_PTR_NULL(strstr(value, "qop="));
	CU_ASSERT_PTR_NULL(strstr(value, "nc="));
	CU_ASSERT_PTR_NULL(strstr(value, "cnonce="));
	check_value(value, &in, DIGEST_ALG_MD5, "carrier.test", "n-2069",
	    DIGEST_QOP_NONE, NULL);
	digest_client_clear(&dc);
}

/*
 * The same nonce answered again counts up, a new one starts at 1, and a
 * choice made without a buffer counts nothing.
 */
static void
test_nc_counts_up_per_nonce_and_resets_for_new_one(void)
{
	static const char *const	 one = "WWW-Authenticate: Digest "
	    "realm=\"carrier.test\", nonce=\"n-a\", qop=\"auth\"\r\n";
	static const char *const	 two = "WWW-Authenticate: Digest "
	    "realm=\"carrier.test\", nonce=\"n-b\", qop=\"auth\"\r\n";
	struct digest_client		 dc = { NULL, 0 };
	struct digest_client_answer_in	 in;
	const char			*hname;
	char				 value[DIGEST_MAX_HEADER];
	enum digest_alg			 alg;
	int				 stale;

	in_init(&in);
	CU_ASSERT_PTR_NULL(answer(&dc, one, 401, &in, &hname, value,
	    sizeof(value), &alg, &stale));
	check_value(value, &in, DIGEST_ALG_MD5, "carrier.test", "n-a",
	    DIGEST_QOP_AUTH, "00000001");
	CU_ASSERT_PTR_NULL(answer(&dc, one, 401, &in, &hname, NULL, 0, &alg,
	    &stale));
	CU_ASSERT_EQUAL(alg, DIGEST_ALG_MD5);
	CU_ASSERT_PTR_NULL(answer(&dc, one, 401, &in, &hname, value,
	    sizeof(value), &alg, &stale));
	check_value(value, &in, DIGEST_ALG_MD5, "carrier.test", "n-a",
	    DIGEST_QOP_AUTH, "00000002");
	CU_ASSERT_PTR_NULL(answer(&dc, two, 401, &in, &hname, value,
	    sizeof(value), &alg, &stale));
	check_value(value, &in, DIGEST_ALG_MD5, "carrier.test", "n-b",
	    DIGEST_QOP_AUTH, "00000001");
	CU_ASSERT_PTR_NULL(answer(&dc, one, 401, &in, &hname, value,
	    sizeof(value), &alg, &stale));
	check_value(value, &in, DIGEST_ALG_MD5, "carrier.test", "n-a",
	    DIGEST_QOP_AUTH, "00000001");
	digest_client_clear(&dc);
	CU_ASSERT_PTR_NULL(dc.nonce);
}

/* Expect the response to be refused with no challenge chosen. */
static void
check_unanswerable(const char *extra, int code, const enum digest_alg *pref,
    size_t npref)
{
	struct digest_client		 dc = { NULL, 0 };
	struct digest_client_answer_in	 in;
	const char			*hname, *err;
	char				 value[DIGEST_MAX_HEADER];
	enum digest_alg			 alg;
	int				 stale;

	in_init(&in);
	in.algs = pref;
	in.n_algs = npref;
	err = answer(&dc, extra, code, &in, &hname, value, sizeof(value), &alg,
	    &stale);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_EQUAL(alg, DIGEST_ALG_UNKNOWN);
	CU_ASSERT_STRING_EQUAL(value, "");
	CU_ASSERT_PTR_NULL(dc.nonce);
	CU_ASSERT_PTR_NULL(strstr(err, PASS));
	digest_client_clear(&dc);
}

/*
 * Basic only, an algorithm we do not know, a qop we do not know, no
 * nonce, the other status's header, nothing the list allows, no header,
 * a response that is no challenge at all: each an error.
 */
static void
test_no_usable_challenge_is_an_error(void)
{
	static const enum digest_alg	 only512[] = {
	    DIGEST_ALG_SHA512_256 };

	check_unanswerable("WWW-Authenticate: Basic realm=\"c\"\r\n", 401,
	    NULL, 0);
	check_unanswerable("WWW-Authenticate: Basic realm=\"c\", nonce=\"n\", "
	    "qop=\"auth\"\r\n", 401, NULL, 0);
	check_unanswerable("WWW-Authenticate: Digest realm=\"c\", "
	    "nonce=\"n\", algorithm=SHA-1024, qop=\"auth\"\r\n", 401, NULL, 0);
	check_unanswerable("WWW-Authenticate: Digest realm=\"c\", "
	    "nonce=\"n\", qop=\"auth-conf\"\r\n", 401, NULL, 0);
	check_unanswerable("WWW-Authenticate: Digest realm=\"c\", "
	    "qop=\"auth\"\r\n", 401, NULL, 0);
	check_unanswerable("WWW-Authenticate: Digest realm=\"c\", "
	    "nonce=\"n\", qop=\"auth\"\r\n", 407, NULL, 0);
	check_unanswerable(MIXED("Proxy-Authenticate"), 401, NULL, 0);
	check_unanswerable("WWW-Authenticate: Digest realm=\"c\", "
	    "nonce=\"n\", algorithm=SHA-256, qop=\"auth\"\r\n", 401, only512,
	    1);
	check_unanswerable("", 401, NULL, 0);
	check_unanswerable("WWW-Authenticate: Digest realm=\"c\", "
	    "nonce=\"n\", qop=\"auth\"\r\n", 200, NULL, 0);
}

/* Does buf[0..len) hold s anywhere? */
static int
has(const char *buf, size_t len, const char *s)
{
	size_t	n = strlen(s), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(buf + i, s, n) == 0)
			return 1;
	return 0;
}

/*
 * Output one byte too small is an error and leaves nothing of the
 * response behind; exactly large enough succeeds.
 */
static void
test_output_too_small_is_an_error(void)
{
	static const char *const	 ch = "WWW-Authenticate: Digest "
	    "realm=\"carrier.test\", nonce=\"n-s\", algorithm=SHA-256, "
	    "qop=\"auth\", opaque=\"op\"\r\n";
	struct digest_client		 dc = { NULL, 0 };
	struct digest_client_answer_in	 in;
	const char			*hname, *err;
	char				 value[DIGEST_MAX_HEADER], *small;
	enum digest_alg			 alg;
	size_t				 need, cut;
	int				 stale;

	in_init(&in);
	CU_ASSERT_PTR_NULL_FATAL(answer(&dc, ch, 401, &in, &hname, value,
	    sizeof(value), &alg, &stale));
	need = strlen(value) + 1;
	/* Every length of the answer is the same: fixed-size hex fields. */
	small = xcalloc(1, need);
	CU_ASSERT_PTR_NULL(answer(&dc, ch, 401, &in, &hname, small, need,
	    &alg, &stale));
	CU_ASSERT_EQUAL(strlen(small), need - 1);
	for (cut = 1; cut < need; cut += cut < 16 ? 1 : 37) {
		memset(small, 'x', need);
		err = answer(&dc, ch, 401, &in, &hname, small, need - cut,
		    &alg, &stale);
		CU_ASSERT_PTR_NOT_NULL(err);
		if (err != NULL)
			CU_ASSERT_STRING_EQUAL(err, "credentials too long");
		CU_ASSERT_EQUAL(small[0], '\0');
		CU_ASSERT(!has(small, need - cut, "response="));
	}
	CU_ASSERT_PTR_NOT_NULL(answer(&dc, ch, 401, &in, &hname, small, 0,
	    &alg, &stale));
	free(small);
	digest_client_clear(&dc);
}

void
test_digest_client_register(void)
{
	CU_pSuite	s = unit_suite("digest_client");

	UNIT_TEST(s,
	    test_401_default_order_answers_sha512_256_in_second_header);
	UNIT_TEST(s, test_401_preference_list_answers_sha256_first_challenge);
	UNIT_TEST(s, test_401_md5_only_answers_first_header);
	UNIT_TEST(s,
	    test_407_answers_proxy_authenticate_with_proxy_authorization);
	UNIT_TEST(s, test_quoted_strings_are_escaped);
	UNIT_TEST(s, test_auth_int_only_hashes_the_body);
	UNIT_TEST(s, test_auth_preferred_over_auth_int);
	UNIT_TEST(s, test_no_qop_challenge_gets_rfc2069_answer);
	UNIT_TEST(s, test_nc_counts_up_per_nonce_and_resets_for_new_one);
	UNIT_TEST(s, test_no_usable_challenge_is_an_error);
	UNIT_TEST(s, test_output_too_small_is_an_error);
}
