/*
 * profile.c: the built-in phone quirk profiles, as data.
 *
 * Each row says what quirks.md knows about a family of phones: which
 * User-Agents it has, which digest algorithms it can compute (in the order
 * it likes them), how it picks among several challenges, the SDP shape it
 * offers and wants back, the SDES suites it really handles and whether it
 * sends SRTCP unencrypted without saying so.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "util.h"

#define PROFILE_MAX_UA	4

struct profile_builtin {
	const char		*name;
	const char		*user_agents[PROFILE_MAX_UA];	/* NULL-ended */
	enum digest_alg		 digest[DIGEST_ALG_COUNT];
	size_t			 n_digest;
	enum digest_pick	 pick;
	enum sdp_shape		 sdp_offer;
	enum sdes_suite		 suites[SDES_SUITE_COUNT];
	size_t			 n_suites;
	bool			 srtcp_lenient;
};

/* An array initialiser and its length, so rows cannot get them out of step. */
#define LIST(type, ...)	{ __VA_ARGS__ },				\
	sizeof((type[]){ __VA_ARGS__ }) / sizeof(type)
#define ALGS(...)	LIST(enum digest_alg, __VA_ARGS__)
#define SUITES(...)	LIST(enum sdes_suite, __VA_ARGS__)
#define S80		SDES_AES_CM_128_HMAC_SHA1_80
#define S32		SDES_AES_CM_128_HMAC_SHA1_32

/* In match order; the default matches anything and so comes last. */
static const struct profile_builtin profile_builtins[] = {
	/*
	 * Spectralink 5.6-6.2 and Cisco MPP 11.2-11.3 (the seeds, under
	 * "SHA-2 Digest") compute SHA-256 and MD5 but ignore the algorithm
	 * and take the last challenge: they get one, SHA-256 where offered.
	 * Spectralink offers RTP/SAVP plus RTP/AVP.
	 */
	{ "spectralink", { "*Spectralink*", "*Polycom*" },
	  ALGS(DIGEST_ALG_SHA256, DIGEST_ALG_MD5), DIGEST_PICK_LAST, SDP_SHAPE_SAVP_AVP,
	  SUITES(S80, S32), false },
	/* Takes the last challenge; RTP/AVP with a=crypto; plain SRTCP. */
	{ "cisco", { "*Cisco*", "*SPA*", "*Sipura*" },
	  ALGS(DIGEST_ALG_SHA256, DIGEST_ALG_MD5), DIGEST_PICK_LAST,
	  SDP_SHAPE_AVP_CRYPTO, SUITES(S80, S32), true },
	/* Takes the first challenge. */
	{ "snom", { "*snom*" },
	  ALGS(DIGEST_ALG_SHA256, DIGEST_ALG_MD5), DIGEST_PICK_FIRST,
	  SDP_SHAPE_AVP_CRYPTO, SUITES(S80, S32), false },
	/*
	 * Computes SHA-256, but will not fall back to MD5 when MD5 sits
	 * beside SHA-2: one challenge only, in the algorithm it can do.
	 * Accepts AES-256 suites it cannot do; P-256 only.
	 */
	{ "auerswald", { "*Auerswald*", "*COMfortel*" },
	  ALGS(DIGEST_ALG_SHA256, DIGEST_ALG_MD5), DIGEST_PICK_RFC8760, SDP_SHAPE_SAVP,
	  SUITES(S80), false },
	{ "grandstream", { "*Grandstream*" },
	  ALGS(DIGEST_ALG_MD5), DIGEST_PICK_RFC8760, SDP_SHAPE_AVP_CRYPTO,
	  SUITES(S80, S32), false },
	/* Debian's baresip 1.0: MD5 only. */
	{ "baresip", { "*baresip*" },
	  ALGS(DIGEST_ALG_MD5), DIGEST_PICK_FIRST, SDP_SHAPE_SAVP,
	  SUITES(S80), false },
	/* Unknown phones: one challenge in the preference RFC 8760 suggests. */
	{ PROFILE_DEFAULT, { NULL },
	  ALGS(DIGEST_ALG_SHA512_256, DIGEST_ALG_SHA256, DIGEST_ALG_MD5),
	  DIGEST_PICK_RFC8760, SDP_SHAPE_SAVP, SUITES(S80, S32), false },
};

/* How many built-in profiles there are. */
size_t
profile_builtin_count(void)
{
	return nitems(profile_builtins);
}

/* Index of a built-in profile by name, or -1. */
int
profile_builtin_find(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(profile_builtins); i++) {
		if (strcmp(profile_builtins[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

/* A copy of built-in profile i that a configuration owns. */
struct config_profile *
profile_builtin_new(size_t i)
{
	const struct profile_builtin	*b = &profile_builtins[i];
	struct config_profile		*p = xcalloc(1, sizeof(*p));
	size_t				 n;

	p->name = xstrdup(b->name);
	p->builtin = true;
	for (n = 0; n < PROFILE_MAX_UA && b->user_agents[n] != NULL; n++)
		;
	p->user_agents = xcalloc(n, sizeof(*p->user_agents));
	for (p->n_user_agents = 0; p->n_user_agents < n; p->n_user_agents++)
		p->user_agents[p->n_user_agents] =
		    xstrdup(b->user_agents[p->n_user_agents]);
	memcpy(p->digest_algorithms, b->digest, sizeof(b->digest));
	p->n_digest_algorithms = b->n_digest;
	p->digest_pick = b->pick;
	p->sdp_offer = b->sdp_offer;
	memcpy(p->srtp_suites, b->suites, sizeof(b->suites));
	p->n_srtp_suites = b->n_suites;
	p->srtcp_lenient = b->srtcp_lenient;
	return p;
}

/* A new operator profile: default behaviour, no patterns yet. */
struct config_profile *
profile_new(const char *name)
{
	struct config_profile	*p;

	p = profile_builtin_new((size_t)profile_builtin_find(PROFILE_DEFAULT));
	free(p->name);
	p->name = xstrdup(name);
	p->builtin = false;
	return p;
}

/* Free a profile. */
void
profile_free(struct config_profile *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n_user_agents; i++)
		free(p->user_agents[i]);
	free(p->user_agents);
	free(p->name);
	free(p);
}

/* Whether one of the profile's patterns matches, ignoring case. */
static bool
profile_matches(const struct config_profile *p, const char *user_agent)
{
	size_t	i;

	if (p->n_user_agents == 0)
		return true;
	for (i = 0; user_agent != NULL && i < p->n_user_agents; i++) {
		if (fnmatch(p->user_agents[i], user_agent, FNM_CASEFOLD) == 0)
			return true;
	}
	return false;
}

/* The first profile in match order that fits a User-Agent. */
const struct config_profile *
profile_match(const struct config *cf, const char *user_agent)
{
	size_t	i;

	for (i = 0; i < cf->n_profiles; i++) {
		if (profile_matches(cf->profiles[i], user_agent))
			return cf->profiles[i];
	}
	return NULL;
}
