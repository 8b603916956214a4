/*
 * test_auth_local.c: the edge as a digest server. A phone that answers a
 * challenge we issued with the right password gets in with every
 * algorithm and qop; a wrong password, a moved, forged or foreign nonce,
 * a late answer and a replayed nc each get their own verdict; failures
 * throttle one source only, for one window; and the fail2ban line is
 * stable, unforgeable and free of secrets.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth_local.h"
#include "digest.h"
#include "log.h"
#include "unit.h"

#define T_REALM		"edge.test"
#define T_USER		"alice"
#define T_PASS		"Sup3r-Secret!pw"
#define T_SRC		"192.0.2.7:5061"
#define T_URI		"sip:edge.test"
#define T_CNONCE	"0a4f113b29dc"
#define T_BODY		"v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\n"

static time_t	fake_now;

/* The test clock: whatever the test says it is. */
static time_t
fake_clock(void)
{
	return fake_now;
}

/* A fresh module with default limits on the test clock. */
static void
setup(void)
{
	struct auth_local_params	p = { 300, 5, 60, 60, 4096, 4096 };

	fake_now = 100000;
	auth_local_set_clock(fake_clock);
	CU_ASSERT_EQUAL_FATAL(auth_local_set_params(&p), 0);
	CU_ASSERT_EQUAL_FATAL(auth_local_init(NULL, 0), 0);
}

/* Free everything, back to the real clock. */
static void
teardown(void)
{
	auth_local_shutdown();
	auth_local_set_clock(NULL);
}

/* A challenge for src in realm, and the nonce the phone reads from it. */
static void
challenge(const char *realm, enum digest_alg alg, const char *src,
    char *nonce, size_t noncelen)
{
	struct digest_challenges	*cs = malloc(sizeof(*cs));
	char				 buf[512];
	size_t				 n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cs);
	n = auth_local_challenge(realm, alg, src, 0, buf, sizeof(buf));
	CU_ASSERT_FATAL(n > 0 && n == strlen(buf));
	CU_ASSERT_PTR_NULL_FATAL(digest_challenges_parse(buf, n, cs));
	CU_ASSERT_EQUAL_FATAL(cs->n, 1);
	CU_ASSERT_PTR_NULL(cs->c[0].unusable);
	CU_ASSERT_EQUAL(cs->c[0].alg, alg);
	CU_ASSERT_STRING_EQUAL(cs->c[0].realm, realm);
	snprintf(nonce, noncelen, "%s", cs->c[0].nonce);
	free(cs);
}

/* What a phone answers: credentials computed with the digest core. */
static void
answer(enum digest_alg alg, unsigned qop, const char *realm,
    const char *user, const char *pass, const char *nonce, const char *nc,
    char *out, size_t outlen, char *resp)
{
	struct digest_input	in;

	memset(&in, 0, sizeof(in));
	in.alg = alg;
	in.username = user;
	in.realm = realm;
	in.password = pass;
	in.nonce = nonce;
	in.cnonce = T_CNONCE;
	in.nc = nc;
	in.qop = qop;
	in.method = "REGISTER";
	in.uri = T_URI;
	in.body = T_BODY;
	in.bodylen = strlen(T_BODY);
	CU_ASSERT_PTR_NULL_FATAL(digest_response(&in, resp));
	snprintf(out, outlen, "Digest username=\"%s\", realm=\"%s\", "
	    "nonce=\"%s\", uri=\"%s\", response=\"%s\", algorithm=%s, "
	    "cnonce=\"%s\", nc=%s, qop=%s", user, realm, nonce, T_URI, resp,
	    digest_alg_name(alg), T_CNONCE, nc,
	    qop == DIGEST_QOP_AUTH_INT ? "auth-int" : "auth");
}

/* Verify credentials as the edge would for T_USER/T_PASS in realm. */
static enum auth_local_status
verify(const char *cred, const char *src, const char *realm,
    enum digest_alg expected, struct auth_local_result *r)
{
	return auth_local_verify(cred, strlen(cred), "REGISTER", src, realm,
	    T_USER, T_PASS, expected, T_BODY, strlen(T_BODY), r);
}

/* A right answer to our own challenge gets in, every algorithm and qop. */
static void
test_auth_local_right_answer_passes_every_alg_and_qop(void)
{
	static const enum digest_alg	 algs[] = {
		DIGEST_ALG_MD5, DIGEST_ALG_SHA256, DIGEST_ALG_SHA512_256,
		DIGEST_ALG_MD5_SESS, DIGEST_ALG_SHA256_SESS,
		DIGEST_ALG_SHA512_256_SESS,
	};
	struct auth_local_result	 r;
	char				 nonce[128], cred[1024];
	char				 resp[DIGEST_HEX_MAX];
	size_t				 i, q;

	setup();
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		for (q = DIGEST_QOP_AUTH; q <= DIGEST_QOP_AUTH_INT; q++) {
			challenge(T_REALM, algs[i], T_SRC, nonce,
			    sizeof(nonce));
			answer(algs[i], (unsigned)q, T_REALM, T_USER, T_PASS,
			    nonce, "00000001", cred, sizeof(cred), resp);
			CU_ASSERT_EQUAL(verify(cred, T_SRC, T_REALM, algs[i],
			    &r), AUTH_LOCAL_OK);
			CU_ASSERT_EQUAL(r.alg, algs[i]);
			CU_ASSERT_EQUAL(r.nc, 1);
			CU_ASSERT_STRING_EQUAL(r.user, T_USER);
		}
	}
	teardown();
}

/* The challenge is one canonical Digest challenge a phone can quote. */
static void
test_auth_local_challenge_is_canonical_nonce_unquoted(void)
{
	static const char	head[] = "Digest realm=\"edge.test\", "
	    "qop=\"auth\", nonce=\"";
	char			buf[512], tail[512];
	const char		*n;
	size_t			len;

	setup();
	len = auth_local_challenge(T_REALM, DIGEST_ALG_SHA256, T_SRC, 0, buf,
	    sizeof(buf));
	CU_ASSERT_EQUAL(len, strlen(buf));
	CU_ASSERT_EQUAL_FATAL(strncmp(buf, head, sizeof(head) - 1), 0);
	n = buf + sizeof(head) - 1;
	CU_ASSERT_EQUAL(strspn(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_"), AUTH_LOCAL_NONCE_LEN);
	CU_ASSERT_STRING_EQUAL(n + AUTH_LOCAL_NONCE_LEN,
	    "\", algorithm=SHA-256");

	len = auth_local_challenge(T_REALM, DIGEST_ALG_SHA512_256, T_SRC, 1,
	    buf, sizeof(buf));
	CU_ASSERT_FATAL(len > sizeof(head) + AUTH_LOCAL_NONCE_LEN);
	snprintf(tail, sizeof(tail), "%s", buf + sizeof(head) - 1 +
	    AUTH_LOCAL_NONCE_LEN);
	CU_ASSERT_STRING_EQUAL(tail, "\", stale=true, algorithm=SHA-512-256");
	/* Two challenges never share a nonce. */
	CU_ASSERT_EQUAL(auth_local_nonce(T_REALM, T_SRC, buf, sizeof(buf)),
	    AUTH_LOCAL_NONCE_LEN);
	CU_ASSERT_EQUAL(auth_local_nonce(T_REALM, T_SRC, tail, sizeof(tail)),
	    AUTH_LOCAL_NONCE_LEN);
	CU_ASSERT_STRING_NOT_EQUAL(buf, tail);
	CU_ASSERT_EQUAL(auth_local_nonce(T_REALM, T_SRC, buf,
	    AUTH_LOCAL_NONCE_LEN), 0);
	CU_ASSERT_EQUAL(auth_local_challenge(T_REALM, DIGEST_ALG_UNKNOWN,
	    T_SRC, 0, buf, sizeof(buf)), 0);
	teardown();
}

/* A wrong password is a wrong response, and the user name is reported. */
static void
test_auth_local_wrong_password_is_wrong_response(void)
{
	struct auth_local_result	r;
	char				nonce[128], cred[1024];
	char				resp[DIGEST_HEX_MAX];

	setup();
	challenge(T_REALM, DIGEST_ALG_SHA256, T_SRC, nonce, sizeof(nonce));
	answer(DIGEST_ALG_SHA256, DIGEST_QOP_AUTH, T_REALM, T_USER, "guess",
	    nonce, "00000001", cred, sizeof(cred), resp);
	CU_ASSERT_EQUAL(verify(cred, T_SRC, T_REALM, DIGEST_ALG_SHA256, &r),
	    AUTH_LOCAL_WRONG_RESPONSE);
	CU_ASSERT_STRING_EQUAL(r.user, T_USER);
	/* auth-int covers the body: another body is a wrong response. */
	answer(DIGEST_ALG_SHA256, DIGEST_QOP_AUTH_INT, T_REALM, T_USER,
	    T_PASS, nonce, "00000002", cred, sizeof(cred), resp);
	CU_ASSERT_EQUAL(auth_local_verify(cred, strlen(cred), "REGISTER",
	    T_SRC, T_REALM, T_USER, T_PASS, DIGEST_ALG_SHA256, "v=1\r\n", 5,
	    &r), AUTH_LOCAL_WRONG_RESPONSE);
	teardown();
}

/* A nonce given to another source, or for another realm, is not taken. */
static void
test_auth_local_other_source_or_realm_is_bad_nonce(void)
{
	struct auth_local_result	r;
	char				nonce[128], cred[1024];
	char				resp[DIGEST_HEX_MAX];

	setup();
	challenge(T_REALM, DIGEST_ALG_MD5, "192.0.2.99:5061", nonce,
	    sizeof(nonce));
	answer(DIGEST_ALG_MD5, DIGEST_QOP_AUTH, T_REALM, T_USER, T_PASS,
	    nonce, "00000001", cred, sizeof(cred), resp);
	CU_ASSERT_EQUAL(verify(cred, T_SRC, T_REALM, DIGEST_ALG_MD5, &r),
	    AUTH_LOCAL_BAD_NONCE);
	/* The same answer from where the nonce went is fine. */
	CU_ASSERT_EQUAL(verify(cred, "192.0.2.99:5061", T_REALM,
	    DIGEST_ALG_MD5, &r), AUTH_LOCAL_OK);

	challenge("other.test", DIGEST_ALG_MD5, T_SRC, nonce, sizeof(nonce));
	answer(DIGEST_ALG_MD5, DIGEST_QOP_AUTH, T_REALM, T_USER, T_PASS,
	    nonce, "00000001", cred, sizeof(cred), resp);
	CU_ASSERT_EQUAL(verify(cred, T_SRC, T_REALM, DIGEST_ALG_MD5, &r),
	    AUTH_LOCAL_BAD_NONCE);
	teardown();
}

/* Any one character of a nonce changed makes it not ours. */
static void
test_auth_local_flipped_nonce_character_is_bad_nonce(void)
{
	struct auth_local_result	r;
	char				nonce[128], cred[1024];
	char				resp[DIGEST_HEX_MAX];
	size_t				i;

	setup();
	challenge(T_REALM, DIGEST_ALG_SHA256, T_SRC, nonce, sizeof(nonce));
	CU_ASSERT_EQUAL_FATAL(strlen(nonce), AUTH_LOCAL_NONCE_LEN);
	for (i = 0; i < AUTH_LOCAL_NONCE_LEN; i++) {
		char	saved = nonce[i];

		nonce[i] = saved == 'A' ? 'B' : 'A';
		answer(DIGEST_ALG_SHA256, DIGEST_QOP_AUTH, T_REALM, T_USER,
		    T_PASS, nonce, "00000001", cred, sizeof(cred), resp);
		CU_ASSERT_EQUAL(verify(cred, T_SRC, T_REALM,
		    DIGEST_ALG_SHA256, &r), AUTH_LOCAL_BAD_NONCE);
		nonce[i] = saved;
	}
	nonce[AUTH_LOCAL_NONCE_LEN - 1] = '\0';
	answer(DIGEST_ALG_SHA256, DIGEST_QOP_AUTH, T_REALM, T_USER, T_PASS,
	    nonce, "00000001", cred, sizeof(cred), resp);
	CU_ASSERT_EQUAL(verify(cred, T_SRC, T_REALM, DIGEST_ALG_SHA256, &r),
	    AUTH_LOCAL_BAD_NONCE);
	teardown();
}

/*
 * A new random key (a restart) refuses the old nonces as not ours; a
 * restart with the same configured key calls them stale instead.
 */
static void
test_auth_local_new_key_bad_nonce_same_key_stale(void)
{
	static const unsigned char	 key[] = "configured secret";
	struct auth_local_result	 r;
	char				 nonce[128], cred[1024];
	char				 resp[DIGEST_HEX_MAX];

	setup();
	challenge(T_REALM, DIGEST_ALG_SHA256, T_SRC, nonce, sizeof(nonce));
	answer(DIGEST_ALG_SHA256, DIGEST_QOP_AUTH, T_REALM, T_USER, T_PASS,
	    nonce, "00000001", cred, sizeof(cred), resp);
	CU_ASSERT_EQUAL_FATAL(auth_local_init(NULL, 0), 0);
	CU_ASSERT_EQUAL(verify(cred, T_SRC, T_REALM, DIGEST_ALG_SHA256, &r),
	    AUTH_LOCAL_BAD_NONCE);

	CU_ASSERT_EQUAL_FATAL(auth_local_init(key, sizeof(key) - 1), 0);
	challenge(T_REALM, DIGEST_ALG_SHA256, T_SRC, nonce, sizeof(nonce));
	answer(DIGEST_ALG_SHA256, DIGEST_QOP_AUTH, T_REALM, T_USER, T_PASS,
	    nonce, "00000001", cred, sizeof(cred), resp);
	CU_ASSERT_EQUAL_FATAL(auth_local_init(key, sizeof(key) - 1), 0);
	CU_ASSERT_EQUAL(verify(cred, T_SRC, T_REALM, DIGEST_ALG_SHA256, &r),
	    AUTH_LOCAL_STALE);
	CU_ASSERT_EQUAL(auth_local_init(key, 0), -1);
	teardown();
}

/* A right answer after the lifetime is stale (re-challenge), not wrong. */
static void
test_auth_local_late_answer_is_stale(void)
{
	struct auth_local_params	 p;
	struct auth_local_result	 r;
	char				 nonce[128], cred[1024], wrong[1024];
	char				 resp[DIGEST_HEX_MAX];

	setup();
	challenge(T_REALM, DIGEST_ALG_SHA256, T_SRC, nonce, sizeof(nonce));
	answer(DIGEST_ALG_SHA256, DIGEST_QOP_AUTH, T_REALM, T_USER, T_PASS,
	    nonce, "00000001", cred, sizeof(cred), resp);
	answer(DIGEST_ALG_SHA256, DIGEST_QOP_AUTH, T_REALM, T_USER, "guess",
	    nonce, "00000001", wrong, sizeof(wrong), resp);
	fake_now += 301;
	CU_ASSERT_EQUAL(verify(cred, T_SRC, T_REALM, DIGEST_ALG_SHA256, &r),
	    AUTH_LOCAL_STALE);
	/* Stale is only for a right answer (RFC 7616 §3.3). */
	CU_ASSERT_EQUAL(verify(wrong, T_SRC, T_REALM, DIGEST_ALG_SHA256, &r),
	    AUTH_LOCAL_WRONG_RESPONSE);
	fake_now -= 1;
	CU_ASSERT_EQUAL(verify(cred, T_SRC, T_REALM, DIGEST_ALG_SHA256, &r),
	    AUTH_LOCAL_OK);

	/* The lifetime is configurable. */
	memset(&p, 0, sizeof(p));
	p.nonce_lifetime = 30;
	CU_ASSERT_EQUAL_FATAL(auth_local_set_params(&p), 0);
	challenge(T_REALM, DIGEST_ALG_MD5, T_SRC, nonce, sizeof(nonce));
	answer(DIGEST_ALG_MD5, DIGEST_QOP_AUTH, T_REALM, T_USER, T_PASS,
	    nonce, "00000001", cred, sizeof(cred), resp);
	fake_now += 31;
	CU_ASSERT_EQUAL(verify(cred, T_SRC, T_REALM, DIGEST_ALG_MD5, &r),
	    AUTH_LOCAL_STALE);
	teardown();
}

/* An nc not above the last one taken with a nonce is a replay. */
static void
test_auth_local_same_nc_twice_is_replay_higher_nc_is_ok(void)
{
	struct auth_local_result	r;
	char				nonce[128], cred[1024];
	char				resp[DIGEST_HEX_MAX];

	setup();
	challenge(T_REALM, DIGEST_ALG_SHA256, T_SRC, nonce, sizeof(nonce));
	answer(DIGEST_ALG_SHA256, DIGEST_QOP_AUTH, T_REALM, T_USER, T_PASS,
	    nonce, "00000001", cred, sizeof(cred), resp);
	CU_ASSERT_EQUAL(verify(cred, T_SRC, T_REALM, DIGEST_ALG_SHA256, &r),
	    AUTH_LOCAL_OK);
	CU_ASSERT_EQUAL(verify(cred, T_SRC, T_REALM, DIGEST_ALG_SHA256, &r),
	    AUTH_LOCAL_REPLAY);
	answer(DIGEST_ALG_SHA256, DIGEST_QOP_AUTH, T_REALM, T_USER, T_PASS,
	    nonce, "00000002", cred, sizeof(cred), resp);
	CU_ASSERT_EQUAL(verify(cred, T_SRC, T_REALM, DIGEST_ALG_SHA256, &r),
	    AUTH_LOCAL_OK);
	CU_ASSERT_EQUAL(r.nc, 2);
	answer(DIGEST_ALG_SHA256, DIGEST_QOP_AUTH, T_REALM, T_USER, T_PASS,
	    nonce, "00000001", cred, sizeof(cred), resp);
	CU_ASSERT_EQUAL(verify(cred, T_SRC, T_REALM, DIGEST_ALG_SHA256, &r),
	    AUTH_LOCAL_REPLAY);
	/* A wrong answer does not use up an nc. */
	answer(DIGEST_ALG_SHA256, DIGEST_QOP_AUTH, T_REALM, T_USER, "guess",
	    nonce, "00000005", cred, sizeof(cred), resp);
	CU_ASSERT_EQUAL(verify(cred, T_SRC, T_REALM, DIGEST_ALG_SHA256, &r),
	    AUTH_LOCAL_WRONG_RESPONSE);
	answer(DIGEST_ALG_SHA256, DIGEST_QOP_AUTH, T_REALM, T_USER, T_PASS,
	    nonce, "00000005", cred, sizeof(cred), resp);
	CU_ASSERT_EQUAL(verify(cred, T_SRC, T_REALM, DIGEST_ALG_SHA256, &r),
	    AUTH_LOCAL_OK);
	teardown();
}

/*
 * The replay table is bounded; a nonce pushed out of it cannot be
 * replayed but is stale, and newer nonces keep working.
 */
static void
test_auth_local_forgotten_nonce_is_stale_not_replayable(void)
{
	struct auth_local_params	 p;
	struct auth_local_result	 r;
	char				 nonce[3][128], cred[3][1024];
	char				 resp[DIGEST_HEX_MAX];
	int				 i;

	setup();
	memset(&p, 0, sizeof(p));
	p.max_nonces = 2;
	CU_ASSERT_EQUAL_FATAL(auth_local_set_params(&p), 0);
	for (i = 0; i < 3; i++) {
		challenge(T_REALM, DIGEST_ALG_MD5, T_SRC, nonce[i],
		    sizeof(nonce[i]));
		answer(DIGEST_ALG_MD5, DIGEST_QOP_AUTH, T_REALM, T_USER,
		    T_PASS, nonce[i], "00000001", cred[i], sizeof(cred[i]),
		    resp);
		fake_now++;
	}
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(verify(cred[i], T_SRC, T_REALM,
		    DIGEST_ALG_MD5, &r), AUTH_LOCAL_OK);
	CU_ASSERT_EQUAL(verify(cred[0], T_SRC, T_REALM, DIGEST_ALG_MD5, &r),
	    AUTH_LOCAL_STALE);
	CU_ASSERT_EQUAL(verify(cred[2], T_SRC, T_REALM, DIGEST_ALG_MD5, &r),
	    AUTH_LOCAL_REPLAY);
	teardown();
}

/* Another user, another algorithm, no qop or garbage: each its verdict. */
static void
test_auth_local_wrong_user_algorithm_and_form_are_refused(void)
{
	struct auth_local_result	r;
	char				nonce[128], cred[1024];
	char				resp[DIGEST_HEX_MAX];

	setup();
	challenge(T_REALM, DIGEST_ALG_SHA256, T_SRC, nonce, sizeof(nonce));
	answer(DIGEST_ALG_SHA256, DIGEST_QOP_AUTH, T_REALM, "mallory", T_PASS,
	    nonce, "00000001", cred, sizeof(cred), resp);
	CU_ASSERT_EQUAL(verify(cred, T_SRC, T_REALM, DIGEST_ALG_SHA256, &r),
	    AUTH_LOCAL_WRONG_USER);
	CU_ASSERT_STRING_EQUAL(r.user, "mallory");
	answer(DIGEST_ALG_MD5, DIGEST_QOP_AUTH, T_REALM, T_USER, T_PASS,
	    nonce, "00000001", cred, sizeof(cred), resp);
	CU_ASSERT_EQUAL(verify(cred, T_SRC, T_REALM, DIGEST_ALG_SHA256, &r),
	    AUTH_LOCAL_WRONG_ALGORITHM);
	/* RFC 2069: no qop, no nc, no cnonce. We always offer a qop. */
	snprintf(cred, sizeof(cred), "Digest username=\"alice\", "
	    "realm=\"edge.test\", nonce=\"%s\", uri=\"sip:edge.test\", "
	    "response=\"%064d\", algorithm=SHA-256", nonce, 0);
	CU_ASSERT_EQUAL(verify(cred, T_SRC, T_REALM, DIGEST_ALG_SHA256, &r),
	    AUTH_LOCAL_MALFORMED);
	CU_ASSERT_EQUAL(verify("Digest username=\"alice", T_SRC, T_REALM,
	    DIGEST_ALG_SHA256, &r), AUTH_LOCAL_MALFORMED);
	CU_ASSERT_EQUAL(verify("Basic YWxpY2U6eA==", T_SRC, T_REALM,
	    DIGEST_ALG_SHA256, &r), AUTH_LOCAL_MALFORMED);
	CU_ASSERT_STRING_EQUAL(auth_local_status_name(AUTH_LOCAL_BAD_NONCE),
	    "bad-nonce");
	teardown();
}

/* Five failures from one IP block it, for one window, and no other IP. */
static void
test_auth_local_five_failures_block_one_ip_for_a_window(void)
{
	char	src[64];
	int	i;

	setup();
	for (i = 0; i < 5; i++) {
		CU_ASSERT_TRUE(auth_local_allowed("192.0.2.7"));
		snprintf(src, sizeof(src), "192.0.2.7:%d", 40000 + i);
		auth_local_failed(T_USER, src, "wrong-response");
		fake_now += 5;
	}
	CU_ASSERT_FALSE(auth_local_allowed("192.0.2.7"));
	CU_ASSERT_TRUE(auth_local_allowed("192.0.2.8"));
	fake_now += 50;
	CU_ASSERT_FALSE(auth_local_allowed("192.0.2.7"));
	fake_now += 10;
	CU_ASSERT_TRUE(auth_local_allowed("192.0.2.7"));
	/* After the block, the count starts again. */
	auth_local_failed(T_USER, "192.0.2.7:5061", "wrong-response");
	CU_ASSERT_TRUE(auth_local_allowed("192.0.2.7"));

	/* IPv6 in brackets, any port, is one source. */
	for (i = 0; i < 5; i++)
		auth_local_failed(T_USER, "[2001:db8::1]:5061", "replay");
	CU_ASSERT_FALSE(auth_local_allowed("2001:db8::1"));
	CU_ASSERT_FALSE(auth_local_allowed("[2001:db8::1]"));
	CU_ASSERT_TRUE(auth_local_allowed("2001:db8::2"));
	teardown();
}

/* Failures spread wider than the window never block. */
static void
test_auth_local_failures_slower_than_window_never_block(void)
{
	int	i;

	setup();
	for (i = 0; i < 4; i++)
		auth_local_failed(T_USER, T_SRC, "wrong-response");
	fake_now += 61;
	auth_local_failed(T_USER, T_SRC, "wrong-response");
	CU_ASSERT_TRUE(auth_local_allowed("192.0.2.7"));
	teardown();
}

/* The throttle table is bounded: the oldest source makes room. */
static void
test_auth_local_throttle_table_is_bounded(void)
{
	struct auth_local_params	p;
	int				i;

	setup();
	memset(&p, 0, sizeof(p));
	p.max_sources = 2;
	CU_ASSERT_EQUAL_FATAL(auth_local_set_params(&p), 0);
	for (i = 0; i < 5; i++)
		auth_local_failed(T_USER, "198.51.100.1:5061", "x");
	CU_ASSERT_FALSE(auth_local_allowed("198.51.100.1"));
	auth_local_failed(T_USER, "198.51.100.2:5061", "x");
	CU_ASSERT_FALSE(auth_local_allowed("198.51.100.1"));
	auth_local_failed(T_USER, "198.51.100.3:5061", "x");
	CU_ASSERT_TRUE(auth_local_allowed("198.51.100.1"));
	teardown();
}

/* What fn writes to stderr at debug level; the caller frees it. */
static char *
caught(void (*fn)(void))
{
	enum log_level	 saved_level = log_get_level();
	FILE		*f = tmpfile();
	char		*out;
	long		 n;
	int		 saved;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	log_set_level(LOG_LVL_DEBUG);
	saved = dup(STDERR_FILENO);
	CU_ASSERT_FATAL(saved != -1 && dup2(fileno(f), STDERR_FILENO) != -1);
	fn();
	CU_ASSERT_FATAL(dup2(saved, STDERR_FILENO) != -1);
	close(saved);
	log_set_level(saved_level);
	n = ftell(f);
	CU_ASSERT_FATAL(n >= 0);
	out = calloc(1, (size_t)n + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	rewind(f);
	CU_ASSERT_EQUAL(fread(out, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return out;
}

/* Lines in s. */
static int
count_lines(const char *s)
{
	int	n = 0;

	while ((s = strchr(s, '\n')) != NULL) {
		n++;
		s++;
	}
	return n;
}

/* What a phone sent, and what it should have sent, to look for in the log. */
static char	hostile_nonce[128], hostile_resp[DIGEST_HEX_MAX];
static char	right_resp[DIGEST_HEX_MAX];

#define HOSTILE_USER	"ev il\"'\\\r\nauth failed user=root from=1.2.3.4:1 "
#define HOSTILE_SAFE	"ev?il?????auth?failed?user?root?from?1.2.3.4:1?"

/* A wrong password, then the failure logged as the proxy would log it. */
static void
hostile_attempt(void)
{
	struct auth_local_result	r;
	char				cred[1024];

	challenge(T_REALM, DIGEST_ALG_SHA256, T_SRC, hostile_nonce,
	    sizeof(hostile_nonce));
	answer(DIGEST_ALG_SHA256, DIGEST_QOP_AUTH, T_REALM, T_USER, T_PASS,
	    hostile_nonce, "00000001", cred, sizeof(cred), right_resp);
	answer(DIGEST_ALG_SHA256, DIGEST_QOP_AUTH, T_REALM, T_USER, "guess",
	    hostile_nonce, "00000001", cred, sizeof(cred), hostile_resp);
	CU_ASSERT_EQUAL(verify(cred, T_SRC, T_REALM, DIGEST_ALG_SHA256, &r),
	    AUTH_LOCAL_WRONG_RESPONSE);
	auth_local_failed(HOSTILE_USER, T_SRC,
	    auth_local_status_name(r.status));
}

/*
 * One stable line per failure: a hostile user name cannot add a field or
 * a line, and no password, response, nonce or cnonce reaches the log.
 */
static void
test_auth_local_failure_log_line_stable_without_secrets(void)
{
	char	*out;
	char	 long_user[200];

	setup();
	out = caught(hostile_attempt);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "notice: auth failed user="
	    HOSTILE_SAFE " from=192.0.2.7:5061 reason=wrong-response\n"));
	CU_ASSERT_EQUAL(count_lines(out), 1);
	CU_ASSERT_PTR_NULL(strchr(out, '\r'));
	CU_ASSERT_PTR_NULL(strstr(out, " from=1.2.3.4"));
	CU_ASSERT_PTR_NULL(strstr(out, T_PASS));
	CU_ASSERT_PTR_NULL(strstr(out, "guess"));
	CU_ASSERT_PTR_NULL(strstr(out, hostile_resp));
	CU_ASSERT_PTR_NULL(strstr(out, right_resp));
	CU_ASSERT_PTR_NULL(strstr(out, hostile_nonce));
	CU_ASSERT_PTR_NULL(strstr(out, T_CNONCE));
	free(out);

	memset(long_user, 'u', sizeof(long_user) - 1);
	long_user[sizeof(long_user) - 1] = '\0';
	auth_local_sanitise(long_user, long_user, sizeof(long_user));
	auth_local_sanitise(long_user, long_user, AUTH_LOCAL_USER_MAX + 1);
	CU_ASSERT_EQUAL(strlen(long_user), AUTH_LOCAL_USER_MAX);
	auth_local_sanitise("", long_user, sizeof(long_user));
	CU_ASSERT_STRING_EQUAL(long_user, "-");
	teardown();
}

/* Log one hostile failure from an IPv4 and one from an IPv6 peer. */
static void
two_failures(void)
{
	auth_local_failed(HOSTILE_USER, "203.0.113.9:5061", "wrong-response");
	auth_local_failed("bob", "[2001:db8::7]:40123", "bad-nonce");
}

/*
 * The shipped fail2ban filter's failregex, with <HOST> as Python's
 * (?P<host>\S+), matches each line and bans the real peer, not an
 * address in the user name.
 */
static void
test_auth_local_fail2ban_filter_captures_the_peer(void)
{
	static const char	 script[] =
	    "import re,sys\n"
	    "rx=[l.split('=',1)[1].strip() for l in open(sys.argv[1])"
	    " if l.startswith('failregex')][0]\n"
	    "rx=re.compile(rx.replace('<HOST>','(?P<host>\\\\S+)'))\n"
	    "for l in open(sys.argv[2]):\n"
	    "  m=rx.search(l)\n"
	    "  print(m.group('host') if m else 'NO MATCH')\n";
	char			 tmpl[] = "/tmp/test_auth_local.XXXXXX";
	char			 py[] = "/tmp/test_auth_local_py.XXXXXX";
	char			 cmd[1024], got[256];
	char			*out;
	FILE			*f, *p;
	int			 fd;
	size_t			 n;

	setup();
	out = caught(two_failures);
	CU_ASSERT_FATAL((fd = mkstemp(tmpl)) != -1);
	CU_ASSERT_FATAL((f = fdopen(fd, "w")) != NULL);
	fputs(out, f);
	fclose(f);
	free(out);
	CU_ASSERT_FATAL((fd = mkstemp(py)) != -1);
	CU_ASSERT_FATAL((f = fdopen(fd, "w")) != NULL);
	fputs(script, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 %s %s/etc/fail2ban/sipedge.conf %s",
	    py, TOP_SRCDIR, tmpl);
	CU_ASSERT_FATAL((p = popen(cmd, "r")) != NULL);
	n = fread(got, 1, sizeof(got) - 1, p);
	got[n] = '\0';
	CU_ASSERT_EQUAL(pclose(p), 0);
	CU_ASSERT_STRING_EQUAL(got, "203.0.113.9\n[2001:db8::7]\n");
	unlink(tmpl);
	unlink(py);
	teardown();
}

/* Register the auth_local suite. */
void
test_auth_local_register(void)
{
	CU_pSuite	s = unit_suite("auth_local");

	UNIT_TEST(s, test_auth_local_right_answer_passes_every_alg_and_qop);
	UNIT_TEST(s, test_auth_local_challenge_is_canonical_nonce_unquoted);
	UNIT_TEST(s, test_auth_local_wrong_password_is_wrong_response);
	UNIT_TEST(s, test_auth_local_other_source_or_realm_is_bad_nonce);
	UNIT_TEST(s, test_auth_local_flipped_nonce_character_is_bad_nonce);
	UNIT_TEST(s, test_auth_local_new_key_bad_nonce_same_key_stale);
	UNIT_TEST(s, test_auth_local_late_answer_is_stale);
	UNIT_TEST(s, test_auth_local_same_nc_twice_is_replay_higher_nc_is_ok);
	UNIT_TEST(s, test_auth_local_forgotten_nonce_is_stale_not_replayable);
	UNIT_TEST(s, test_auth_local_wrong_user_algorithm_and_form_are_refused);
	UNIT_TEST(s, test_auth_local_five_failures_block_one_ip_for_a_window);
	UNIT_TEST(s, test_auth_local_failures_slower_than_window_never_block);
	UNIT_TEST(s, test_auth_local_throttle_table_is_bounded);
	UNIT_TEST(s, test_auth_local_failure_log_line_stable_without_secrets);
	UNIT_TEST(s, test_auth_local_fail2ban_filter_captures_the_peer);
}
