/*
 * test_profile.c: built-in phone profiles and User-Agent matching, with
 * and without [profile NAME] sections in the configuration.
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edge_config.h"
#include "profile.h"
#include "unit.h"
#include "util.h"

/* The smallest main file that loads, to append [profile] sections to. */
#define BASE	"[phones]\ncertificate = " TEST_DATA_DIR "/edge.crt\n"	\
		"private_key = " TEST_DATA_DIR "/edge.key\n[media]\n"	\
		"phone_address = 127.0.0.1\ncarrier_address = 127.0.0.1\n"

/* nftw callback: remove one entry, children first. */
static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* Load a main file made of text (no carriers); NULL fails the test. */
static struct config *
load(const char *text)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cf;
	char			 dir[] = "/tmp/sipedge-profile.XXXXXX", *path;
	FILE			*fp;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	xasprintf(&path, "%s/sipedge.conf", dir);
	CU_ASSERT_FATAL((fp = fopen(path, "w")) != NULL);
	fputs(text, fp);
	fclose(fp);
	cf = config_load(path, &errs);
	CU_ASSERT_PTR_NOT_NULL(cf);
	CU_ASSERT_EQUAL(errs.n, 0);
	config_errors_clear(&errs);
	free(path);
	nftw(dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
	return cf;
}

/* The name of the profile a User-Agent gets. */
static const char *
match(const struct config *cf, const char *ua)
{
	const struct config_profile	*p = profile_match(cf, ua);

	return p != NULL ? p->name : "(none)";
}

/* Spectralink and Polycom phones get the spectralink profile. */
static void
test_profile_spectralink_and_polycom_match_spectralink(void)
{
	struct config	*cf = load(BASE);

	CU_ASSERT_FATAL(cf != NULL);
	CU_ASSERT_STRING_EQUAL(match(cf, "Spectralink 8440/6.2.2"),
	    "spectralink");
	CU_ASSERT_STRING_EQUAL(match(cf, "PolycomVVX-VVX_450-UA/6.3.0"),
	    "spectralink");
	config_free(cf);
}

/* Cisco, SPA and Sipura User-Agents get the cisco profile. */
static void
test_profile_cisco_spa_matches_cisco(void)
{
	struct config	*cf = load(BASE);

	CU_ASSERT_FATAL(cf != NULL);
	CU_ASSERT_STRING_EQUAL(match(cf, "Cisco/SPA504G-7.6.2"), "cisco");
	CU_ASSERT_STRING_EQUAL(match(cf, "Sipura/SPA3000-3.1.7"), "cisco");
	CU_ASSERT_STRING_EQUAL(match(cf, "Cisco-CP8851-3PCC/11.3.1"), "cisco");
	config_free(cf);
}

/* Patterns ignore case: Snom writes "snom", sometimes "SNOM". */
static void
test_profile_matching_ignores_case(void)
{
	struct config	*cf = load(BASE);

	CU_ASSERT_FATAL(cf != NULL);
	CU_ASSERT_STRING_EQUAL(match(cf, "snomD785/10.1.54.13"), "snom");
	CU_ASSERT_STRING_EQUAL(match(cf, "SNOM D385"), "snom");
	CU_ASSERT_STRING_EQUAL(match(cf, "auerswald COMfortel D-400"),
	    "auerswald");
	CU_ASSERT_STRING_EQUAL(match(cf, "baresip v1.0.0 (x86_64/linux)"),
	    "baresip");
	CU_ASSERT_STRING_EQUAL(match(cf, "Grandstream GXP2170 1.0.11"),
	    "grandstream");
	config_free(cf);
}

/* Unknown phones, and requests without a User-Agent, get the default. */
static void
test_profile_unknown_user_agent_gets_default(void)
{
	struct config			*cf = load(BASE);
	const struct config_profile	*p;

	CU_ASSERT_FATAL(cf != NULL);
	CU_ASSERT_STRING_EQUAL(match(cf, "Yealink SIP-T54W 96.86.0.100"),
	    PROFILE_DEFAULT);
	CU_ASSERT_STRING_EQUAL(match(cf, ""), PROFILE_DEFAULT);
	p = profile_match(cf, NULL);
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_STRING_EQUAL(p->name, PROFILE_DEFAULT);
	CU_ASSERT_EQUAL(p->digest_pick, DIGEST_PICK_RFC8760);
	CU_ASSERT_EQUAL(p->n_digest_algorithms, 3);
	CU_ASSERT_EQUAL(p->digest_algorithms[0], DIGEST_ALG_SHA512_256);
	config_free(cf);
}

/* An operator's profile is tried before the built-ins. */
static void
test_profile_operator_profile_takes_precedence(void)
{
	struct config			*cf;
	const struct config_profile	*p;

	cf = load(BASE "[profile vvx]\nuser_agent = *Polycom*VVX*\n"
	    "digest_algorithms = SHA-256, MD5\n");
	CU_ASSERT_FATAL(cf != NULL);
	CU_ASSERT_STRING_EQUAL(cf->profiles[0]->name, "vvx");
	CU_ASSERT_STRING_EQUAL(cf->profiles[cf->n_profiles - 1]->name,
	    PROFILE_DEFAULT);
	p = profile_match(cf, "PolycomVVX-VVX_450-UA/6.3.0");
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_STRING_EQUAL(p->name, "vvx");
	CU_ASSERT(!p->builtin);
	/* What the section left out comes from the default profile. */
	CU_ASSERT_EQUAL(p->n_digest_algorithms, 2);
	CU_ASSERT_EQUAL(p->digest_algorithms[0], DIGEST_ALG_SHA256);
	CU_ASSERT_EQUAL(p->digest_pick, DIGEST_PICK_RFC8760);
	CU_ASSERT_EQUAL(p->sdp_offer, SDP_SHAPE_SAVP);
	CU_ASSERT_STRING_EQUAL(match(cf, "PolycomSoundPointIP-SPIP_550"),
	    "spectralink");
	config_free(cf);
}

/* Overriding a built-in changes the keys given and keeps the rest. */
static void
test_profile_override_keeps_other_fields(void)
{
	struct config			*cf;
	const struct config_profile	*p;

	cf = load(BASE "[profile spectralink]\ndigest_pick = first\n");
	CU_ASSERT_FATAL(cf != NULL);
	CU_ASSERT_EQUAL(cf->n_profiles, profile_builtin_count());
	p = profile_match(cf, "Spectralink 8440");
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_STRING_EQUAL(p->name, "spectralink");
	CU_ASSERT(p->builtin);
	CU_ASSERT_EQUAL(p->digest_pick, DIGEST_PICK_FIRST);
	CU_ASSERT_EQUAL(p->sdp_offer, SDP_SHAPE_SAVP_AVP);
	CU_ASSERT_EQUAL(p->n_digest_algorithms, 2);
	CU_ASSERT_EQUAL(p->digest_algorithms[0], DIGEST_ALG_SHA256);
	CU_ASSERT_EQUAL(p->n_srtp_suites, 2);
	CU_ASSERT_EQUAL(p->n_user_agents, 2);
	config_free(cf);
}

/* The table says what quirks.md says about each phone. */
static void
test_profile_builtins_follow_quirks(void)
{
	struct config_profile	*p;
	size_t			 i;
	int			 idx;

	CU_ASSERT_EQUAL(profile_builtin_find("nosuch"), -1);
	CU_ASSERT_EQUAL((size_t)profile_builtin_find(PROFILE_DEFAULT),
	    profile_builtin_count() - 1);
	/* Auerswald: SHA-256 then MD5, never an AES-256 suite. */
	idx = profile_builtin_find("auerswald");
	CU_ASSERT_FATAL(idx != -1);
	p = profile_builtin_new(idx);
	CU_ASSERT_EQUAL(p->n_digest_algorithms, 2);
	CU_ASSERT_EQUAL(p->digest_algorithms[0], DIGEST_ALG_SHA256);
	CU_ASSERT_EQUAL(p->digest_algorithms[1], DIGEST_ALG_MD5);
	for (i = 0; i < p->n_srtp_suites; i++) {
		CU_ASSERT(p->srtp_suites[i] !=
		    SDES_AES_256_CM_HMAC_SHA1_80);
		CU_ASSERT(p->srtp_suites[i] !=
		    SDES_AES_256_CM_HMAC_SHA1_32);
	}
	profile_free(p);
	/*
	 * Spectralink and Cisco (the seeds: "SHA-2 Digest: ignores
	 * algorithm and picks last") compute SHA-256, then MD5; they take
	 * the last challenge. Cisco: RTP/AVP with crypto, lenient SRTCP.
	 */
	p = profile_builtin_new(profile_builtin_find("spectralink"));
	CU_ASSERT_EQUAL(p->digest_pick, DIGEST_PICK_LAST);
	CU_ASSERT_EQUAL(p->n_digest_algorithms, 2);
	CU_ASSERT_EQUAL(p->digest_algorithms[0], DIGEST_ALG_SHA256);
	CU_ASSERT_EQUAL(p->digest_algorithms[1], DIGEST_ALG_MD5);
	profile_free(p);
	p = profile_builtin_new(profile_builtin_find("cisco"));
	CU_ASSERT_EQUAL(p->digest_pick, DIGEST_PICK_LAST);
	CU_ASSERT_EQUAL(p->n_digest_algorithms, 2);
	CU_ASSERT_EQUAL(p->digest_algorithms[0], DIGEST_ALG_SHA256);
	CU_ASSERT_EQUAL(p->digest_algorithms[1], DIGEST_ALG_MD5);
	CU_ASSERT_EQUAL(p->sdp_offer, SDP_SHAPE_AVP_CRYPTO);
	CU_ASSERT(p->srtcp_lenient);
	profile_free(p);
	/* baresip 1.0 computes MD5 only. */
	p = profile_builtin_new(profile_builtin_find("baresip"));
	CU_ASSERT_EQUAL(p->n_digest_algorithms, 1);
	CU_ASSERT_EQUAL(p->digest_algorithms[0], DIGEST_ALG_MD5);
	profile_free(p);
	/* Snom takes the first challenge. */
	p = profile_builtin_new(profile_builtin_find("snom"));
	CU_ASSERT_EQUAL(p->digest_pick, DIGEST_PICK_FIRST);
	profile_free(p);
	profile_free(NULL);
}

void
test_profile_register(void)
{
	CU_pSuite	s = unit_suite("profile");

	UNIT_TEST(s, test_profile_spectralink_and_polycom_match_spectralink);
	UNIT_TEST(s, test_profile_cisco_spa_matches_cisco);
	UNIT_TEST(s, test_profile_matching_ignores_case);
	UNIT_TEST(s, test_profile_unknown_user_agent_gets_default);
	UNIT_TEST(s, test_profile_operator_profile_takes_precedence);
	UNIT_TEST(s, test_profile_override_keeps_other_fields);
	UNIT_TEST(s, test_profile_builtins_follow_quirks);
}
