/*
 * test_proxy_digest.c: the digest editor on canned messages: every
 * built-in profile against a carrier's challenges in every order gets
 * one challenge per realm, in the strongest algorithm the profile
 * computes; a phone's answer gets its algorithm label repaired.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "digest.h"
#include "edge_config.h"
#include "profile.h"
#include "proxy_int.h"
#include "sip_msg.h"
#include "txn.h"
#include "unit.h"
#include "util.h"

/* A phone of a User-Agent behind the edge, and its carrier connection. */
struct fixture {
	struct config	 cfg;
	struct conn	 phone;
	struct conn	 carrier;
	struct proxy	 p;
	struct txn	 txn;
};

/* Every built-in profile in the configuration, as config_load makes it. */
static void
fixture(struct fixture *f, const char *user_agent)
{
	size_t	i;

	memset(f, 0, sizeof(*f));
	f->cfg.n_profiles = profile_builtin_count();
	f->cfg.profiles = xcalloc(f->cfg.n_profiles, sizeof(*f->cfg.profiles));
	for (i = 0; i < f->cfg.n_profiles; i++)
		f->cfg.profiles[i] = profile_builtin_new(i);
	f->phone.id = 21;
	f->phone.side = CONN_SIDE_PHONE;
	f->phone.user_agent = (char *)user_agent;
	f->carrier.id = 22;
	f->carrier.side = CONN_SIDE_CARRIER;
	f->p.cfg = &f->cfg;
}

/* Release the fixture's profiles. */
static void
fixture_free(struct fixture *f)
{
	size_t	i;

	for (i = 0; i < f->cfg.n_profiles; i++)
		profile_free(f->cfg.profiles[i]);
	free(f->cfg.profiles);
}

/* A 401 with one WWW-Authenticate per algorithm given, in that order. */
static osip_message_t *
challenge_401(const char *const *algs, size_t n, const char *realm2)
{
	char		 buf[4096], why[128];
	size_t		 len, i;
	osip_message_t	*m;

	len = (size_t)snprintf(buf, sizeof(buf), "SIP/2.0 401 Unauthorized\r\n"
	    "Via: SIP/2.0/TLS 192.0.2.9:5062;branch=z9hG4bK-1\r\n"
	    "From: <sip:alice@carrier.test>;tag=1\r\n"
	    "To: <sip:alice@carrier.test>;tag=2\r\n"
	    "Call-ID: dg-1\r\nCSeq: 1 REGISTER\r\n");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "WWW-Authenticate: Digest realm=\"carrier.test\", "
		    "nonce=\"n-%s\", algorithm=%s, qop=\"auth\"\r\n", algs[i],
		    algs[i]);
	if (realm2 != NULL)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "WWW-Authenticate: Digest realm=\"%s\", nonce=\"n2\", "
		    "qop=\"auth\"\r\n", realm2);
	len += (size_t)snprintf(buf + len, sizeof(buf) - len,
	    "Content-Length: 0\r\n\r\n");
	m = sip_msg_parse(buf, len, why, sizeof(why));
	if (m == NULL)
		fprintf(stderr, "challenge_401: %s\n", why);
	return m;
}

/* The challenges of the response as the phone would get them. */
static size_t
challenges_of(osip_message_t *m, char values[][512], size_t max)
{
	osip_header_t	*h;
	size_t		 n = 0;
	int		 i;

	for (i = 0; (h = osip_list_get(&m->headers, i)) != NULL; i++)
		if (h->hname != NULL && strcasecmp(h->hname,
		    "WWW-Authenticate") == 0 && n < max)
			snprintf(values[n++], 512, "%s", h->hvalue);
	return n;
}

/* Whether a challenge says exactly algorithm=alg. */
static int
says_algorithm(const char *challenge, const char *alg)
{
	char		 want[64];
	const char	*at;

	snprintf(want, sizeof(want), "algorithm=%s", alg);
	return (at = strstr(challenge, want)) != NULL &&
	    (at[strlen(want)] == ',' || at[strlen(want)] == '\0');
}

/* Run the editor on a 401 from the carrier for the phone. */
static void
edit_401(struct fixture *f, osip_message_t *m)
{
	struct proxy_edit	e = { .p = &f->p, .from = &f->carrier,
				    .txn = &f->txn, .slot = &f->txn.slot[1],
				    .up = &f->phone };

	CU_ASSERT_EQUAL(proxy_digest_editor.response(&e, m, 401), PROXY_PASS);
}

/*
 * Every built-in profile, the carrier offering SHA-512-256, SHA-256 and
 * MD5 in all six orders, and SHA-256 and MD5 in both: one challenge,
 * the strongest the profile computes, whatever the order.
 */
static void
test_every_profile_gets_its_strongest_in_every_order(void)
{
	static const char *const three[6][3] = {
		{ "SHA-512-256", "SHA-256", "MD5" },
		{ "SHA-512-256", "MD5", "SHA-256" },
		{ "SHA-256", "SHA-512-256", "MD5" },
		{ "SHA-256", "MD5", "SHA-512-256" },
		{ "MD5", "SHA-512-256", "SHA-256" },
		{ "MD5", "SHA-256", "SHA-512-256" },
	};
	static const char *const two[2][2] = {
		{ "SHA-256", "MD5" }, { "MD5", "SHA-256" },
	};
	static const struct {
		const char	*ua;
		const char	*with_three;	/* expected of three algorithms */
		const char	*with_two;
	} phones[] = {
		{ "Spectralink 8440 6.2.2", "SHA-256", "SHA-256" },
		{ "Cisco-CP8851-3PCC/11.3.1", "SHA-256", "SHA-256" },
		{ "snom D735/10.1.54.13", "SHA-256", "SHA-256" },
		{ "Auerswald COMfortel D-400", "SHA-256", "SHA-256" },
		{ "Grandstream GXP2170 1.0.11", "MD5", "MD5" },
		{ "baresip v1.0.0", "MD5", "MD5" },
		{ "Acme Deskphone 1.0", "SHA-512-256", "SHA-256" },
	};
	struct fixture	 f;
	osip_message_t	*m;
	char		 got[4][512];
	const char	*want;
	size_t		 i, o;

	for (i = 0; i < nitems(phones); i++) {
		fixture(&f, phones[i].ua);
		for (o = 0; o < 6 + 2; o++) {
			m = o < 6 ? challenge_401(three[o], 3, NULL) :
			    challenge_401(two[o - 6], 2, NULL);
			CU_ASSERT_PTR_NOT_NULL_FATAL(m);
			edit_401(&f, m);
			CU_ASSERT_EQUAL_FATAL(challenges_of(m, got, 4), 1);
			want = o < 6 ? phones[i].with_three : phones[i].with_two;
			if (!says_algorithm(got[0], want))
				fprintf(stderr, "%s, order %zu: %s\n",
				    phones[i].ua, o, got[0]);
			CU_ASSERT_TRUE(says_algorithm(got[0], want));
			sip_msg_free(m);
		}
		fixture_free(&f);
	}
	proxy_digest_clear();
}

/* One challenge per realm: a second realm keeps its own. */
static void
test_one_challenge_per_realm(void)
{
	static const char *const algs[] = { "MD5", "SHA-256" };
	struct fixture	 f;
	osip_message_t	*m;
	char		 got[4][512];

	fixture(&f, "Spectralink 8440 6.2.2");
	m = challenge_401(algs, 2, "other.test");
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	edit_401(&f, m);
	CU_ASSERT_EQUAL_FATAL(challenges_of(m, got, 4), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(got[0], "realm=\"carrier.test\""));
	CU_ASSERT_TRUE(says_algorithm(got[0], "SHA-256"));
	CU_ASSERT_PTR_NOT_NULL(strstr(got[1], "realm=\"other.test\""));
	sip_msg_free(m);
	fixture_free(&f);
	proxy_digest_clear();
}

/*
 * The phone answers the SHA-256 challenge it was given but labels it
 * MD5: the label is repaired; an answer of the wrong length is not.
 */
static void
test_answer_label_repaired_by_length(void)
{
	static const char *const algs[] = { "SHA-256", "MD5" };
	char			 req[2048], why[128], resp[65];
	struct fixture		 f;
	struct proxy_edit	 e;
	osip_message_t		*m;
	const char		*v;
	int			 n;

	fixture(&f, "Spectralink 8440 6.2.2");
	m = challenge_401(algs, 2, NULL);
	edit_401(&f, m);
	sip_msg_free(m);
	memset(resp, 'a', 64);
	resp[64] = '\0';
	n = snprintf(req, sizeof(req), "REGISTER sip:carrier.test SIP/2.0\r\n"
	    "Via: SIP/2.0/TLS 192.0.2.9:5062;branch=z9hG4bK-2\r\n"
	    "From: <sip:alice@carrier.test>;tag=1\r\n"
	    "To: <sip:alice@carrier.test>\r\nCall-ID: dg-1\r\n"
	    "CSeq: 2 REGISTER\r\n"
	    "Authorization: Digest username=\"alice\", realm=\"carrier.test\", "
	    "nonce=\"n-SHA-256\", uri=\"sip:carrier.test\", algorithm=MD5, "
	    "response=\"%s\", qop=auth, nc=00000001, cnonce=\"c\"\r\n"
	    "Content-Length: 0\r\n\r\n", resp);
	m = sip_msg_parse(req, (size_t)n, why, sizeof(why));
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	e = (struct proxy_edit){ .p = &f.p, .from = &f.phone, .txn = &f.txn,
	    .slot = &f.txn.slot[1] };
	CU_ASSERT_EQUAL(proxy_digest_editor.request(&e, m), PROXY_PASS);
	v = sip_msg_header(m, "Authorization");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_TRUE(says_algorithm(v, "SHA-256"));
	CU_ASSERT_PTR_NOT_NULL(strstr(v, resp));
	CU_ASSERT_TRUE(f.phone.logged_once & PROXY_ONCE_DIGEST_LABEL);
	sip_msg_free(m);

	/* 32 hex digits for a SHA-256 challenge: not a label's fault. */
	resp[32] = '\0';
	n = snprintf(req, sizeof(req), "REGISTER sip:carrier.test SIP/2.0\r\n"
	    "Via: SIP/2.0/TLS 192.0.2.9:5062;branch=z9hG4bK-3\r\n"
	    "From: <sip:alice@carrier.test>;tag=1\r\n"
	    "To: <sip:alice@carrier.test>\r\nCall-ID: dg-1\r\n"
	    "CSeq: 3 REGISTER\r\n"
	    "Authorization: Digest username=\"alice\", realm=\"carrier.test\", "
	    "nonce=\"n-SHA-256\", uri=\"sip:carrier.test\", algorithm=MD5, "
	    "response=\"%s\", qop=auth, nc=00000001, cnonce=\"c\"\r\n"
	    "Content-Length: 0\r\n\r\n", resp);
	m = sip_msg_parse(req, (size_t)n, why, sizeof(why));
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(proxy_digest_editor.request(&e, m), PROXY_PASS);
	CU_ASSERT_TRUE(says_algorithm(sip_msg_header(m, "Authorization"),
	    "MD5"));
	sip_msg_free(m);
	fixture_free(&f);
	proxy_digest_clear();
}

void
test_proxy_digest_register(void)
{
	CU_pSuite	s = unit_suite("proxy_digest");

	UNIT_TEST(s, test_every_profile_gets_its_strongest_in_every_order);
	UNIT_TEST(s, test_one_challenge_per_realm);
	UNIT_TEST(s, test_answer_label_repaired_by_length);
}
