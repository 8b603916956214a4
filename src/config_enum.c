/*
 * config_enum.c: the words of the enums in edge_config.h (SRTP policy,
 * suites and profiles, digest algorithms and picking, SDP shapes, section
 * kinds), their name tables, and the key types that parse them, single or
 * as preference lists.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"
#include "util.h"

static const char *const kind_names[CONFIG_KIND_COUNT] = {
	"edge", "phones", "media", "profile", "carrier", "account", "carriers"
};
static const char *const srtp_policy_names[] = {
	"mandatory", "optional", "off"
};
static const char *const srtp_profile_names[] = { "RTP/SAVP", "RTP/AVP" };
static const char *const digest_pick_names[] = { "first", "last", "rfc8760" };
static const char *const sdp_shape_names[] = {
	"savp", "avp-crypto", "savp+avp"
};
static const char *const keepalive_method_names[] = { "crlf", "options" };
/* "a, b or c" from a name table, for "expected ..." messages. */
char *
config_names_join(const char *const *names, size_t n, const char *last)
{
	char	*out = xstrdup(""), *next;
	size_t	 i;

	for (i = 0; i < n; i++) {
		xasprintf(&next, "%s%s%s", out,
		    i == 0 ? "" : (i == n - 1 ? last : ", "), names[i]);
		free(out);
		out = next;
	}
	return out;
}

/* Index of value in a name table, or -1. */
int
config_names_find(const char *const *names, size_t n, const char *value, bool icase)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if ((icase ? strcasecmp : strcmp)(names[i], value) == 0)
			return (int)i;
	}
	return -1;
}

/* Parse one of a fixed set of words or say which ones are expected. */
char *
config_names_parse(const char *const *names, size_t n, const char *value, int *out)
{
	char	*list, *why;

	if ((*out = config_names_find(names, n, value, true)) != -1)
		return NULL;
	list = config_names_join(names, n, " or ");
	why = config_msg("expected %s, got \"%s\"", list, value);
	free(list);
	return why;
}

/* The name of an enum value, "unknown" when out of range. */
static const char *
names_get(const char *const *names, size_t n, int v)
{
	return v >= 0 && (size_t)v < n ? names[v] : "unknown";
}

/* The config name of an SRTP policy. */
const char *
config_srtp_policy_name(enum srtp_policy v)
{
	return names_get(srtp_policy_names, nitems(srtp_policy_names), v);
}

/* The config name of an SDES suite, as RFC 4568 and RFC 6188 spell it. */
const char *
config_srtp_suite_name(enum sdes_suite v)
{
	const struct sdes_suite_info	*si = sdes_suite_info(v);

	return si != NULL ? si->name : "unknown";
}

/* The suites a carrier file or profile may name: what the relay can key. */
static char *
config_srtp_suites_known(void)
{
	const struct sdes_suite_info	*si;
	char				*list = NULL, *t;
	int				 i;

	for (i = 0; i < SDES_SUITE_COUNT; i++) {
		if ((si = sdes_suite_info((enum sdes_suite)i)) == NULL ||
		    !si->supported)
			continue;
		if (list == NULL)
			list = xstrdup(si->name);
		else {
			xasprintf(&t, "%s, %s", list, si->name);
			free(list);
			list = t;
		}
	}
	return list;
}

/* The config name of an SDP profile, "RTP/SAVP" or "RTP/AVP". */
const char *
config_srtp_profile_name(enum srtp_profile v)
{
	return names_get(srtp_profile_names, nitems(srtp_profile_names), v);
}

/* The config name of a digest algorithm, as RFC 8760 spells it. */
const char *
config_digest_alg_name(enum digest_alg v)
{
	const char	*n = digest_alg_name(v);

	return n[0] != '\0' ? n : "unknown";
}

/* The config name of how a phone picks among challenges. */
const char *
config_digest_pick_name(enum digest_pick v)
{
	return names_get(digest_pick_names, nitems(digest_pick_names), v);
}

/* The config name of an SDP offer shape. */
const char *
config_sdp_shape_name(enum sdp_shape v)
{
	return names_get(sdp_shape_names, nitems(sdp_shape_names), v);
}

/* The config name of a keep-alive method. */
const char *
config_keepalive_method_name(enum keepalive_method v)
{
	return names_get(keepalive_method_names,
	    nitems(keepalive_method_names), v);
}

/*
 * SDES suite names are case-sensitive, as RFC 4568, RFC 6188 and RFC 7714
 * write them; the aliases phones send are for SDP, not for operators.
 */
int
config_srtp_suite_parse(const char *s, enum sdes_suite *out)
{
	enum sdes_suite			 v = sdes_suite_from_name(s, strlen(s));
	const struct sdes_suite_info	*si = sdes_suite_info(v);

	if (si == NULL || !si->supported || strcmp(si->name, s) != 0)
		return -1;
	*out = v;
	return 0;
}

/* Digest algorithm tokens compare case-insensitively (RFC 7616 §3.3). */
int
config_digest_alg_parse(const char *s, enum digest_alg *out)
{
	enum digest_alg	a = digest_alg_from_name(s, strlen(s));

	if (a == DIGEST_ALG_UNKNOWN)
		return -1;
	*out = a;
	return 0;
}

/* The word in a section header, e.g. "carrier". */
const char *
config_kind_name(enum config_kind kind)
{
	return names_get(kind_names, nitems(kind_names), kind);
}

/* Section words are case-sensitive like keys. */
int
config_kind_parse(const char *s, enum config_kind *out)
{
	int	i = config_names_find(kind_names, nitems(kind_names), s, false);

	if (i == -1)
		return -1;
	*out = (enum config_kind)i;
	return 0;
}

/* An enum field parsed from a name table. */
#define ENUM_TYPE(fn, table, type)					\
static char *								\
fn(const struct config_key *k, const char *value, const char *file,	\
    void *obj)								\
{									\
	char	*why;							\
	int	 i;							\
									\
	if ((why = config_names_parse(table, nitems(table), value, &i)) == NULL) \
		*FIELD(obj, k, type) = (type)i;				\
	return why;							\
}

/* srtp: mandatory, optional, off. */
ENUM_TYPE(parse_srtp_policy, srtp_policy_names, enum srtp_policy)
/* srtp_profile: RTP/SAVP, RTP/AVP. */
ENUM_TYPE(parse_srtp_profile, srtp_profile_names, enum srtp_profile)
/* digest_pick: first, last, rfc8760. */
ENUM_TYPE(parse_pick, digest_pick_names, enum digest_pick)
/* sdp_offer: savp, avp-crypto, savp+avp. */
ENUM_TYPE(parse_shape, sdp_shape_names, enum sdp_shape)
/* keepalive_method: crlf, options. */
ENUM_TYPE(parse_keepalive_method, keepalive_method_names,
    enum keepalive_method)

const struct config_type config_type_srtp_policy = {
	parse_srtp_policy, NULL, NULL
};
const struct config_type config_type_srtp_profile = {
	parse_srtp_profile, NULL, NULL
};
const struct config_type config_type_pick = { parse_pick, NULL, NULL };
const struct config_type config_type_shape = { parse_shape, NULL, NULL };
const struct config_type config_type_keepalive_method = {
	parse_keepalive_method, NULL, NULL
};

/* SDES suites in preference order, each once. */
static char *
parse_suites(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	enum sdes_suite			 *out = FIELD(obj, k, enum sdes_suite), s;
	const struct sdes_suite_info	 *si;
	char				**v, *why, *known;
	size_t				  n, i, j;

	if (config_list_split(value, ",", &v, &n, &why) == -1)
		return why;
	for (i = 0; i < n && why == NULL; i++) {
		if (config_srtp_suite_parse(v[i], &s) == -1) {
			known = config_srtp_suites_known();
			si = sdes_suite_info(sdes_suite_from_name(v[i],
			    strlen(v[i])));
			if (si != NULL && strcmp(si->name, v[i]) == 0)
				why = config_msg("SRTP suite \"%s\" is not one "
				    "the relay keys (those: %s)", v[i], known);
			else
				why = config_msg("unknown SRTP suite \"%s\" "
				    "(known: %s)", v[i], known);
			free(known);
			break;
		}
		for (j = 0; j < i && out[j] != s; j++)
			;
		if (j < i)
			why = config_msg("SRTP suite \"%s\" listed twice",
			    v[i]);
		else
			out[i] = s;
	}
	config_strv_free(v, n);
	*FIELD_N(obj, k, size_t) = why == NULL ? n : 0;
	return why;
}

const struct config_type config_type_suites = { parse_suites, NULL, NULL };

/* Every digest algorithm's name, for an error message; caller frees. */
static char *
config_digest_alg_names(void)
{
	const char	*names[DIGEST_ALG_COUNT];
	size_t		 n = 0;
	int		 a;

	for (a = DIGEST_ALG_MD5; a < DIGEST_ALG_COUNT; a++)
		names[n++] = digest_alg_name((enum digest_alg)a);
	return config_names_join(names, n, ", ");
}

/* Digest algorithms in preference order, each once. */
static char *
parse_digests(const struct config_key *k, const char *value,
    const char *file, void *obj)
{
	enum digest_alg	 *out = FIELD(obj, k, enum digest_alg), a;
	char		**v, *why, *known;
	size_t				  n, i, j;

	if (config_list_split(value, ",", &v, &n, &why) == -1)
		return why;
	for (i = 0; i < n && why == NULL; i++) {
		if (config_digest_alg_parse(v[i], &a) == -1) {
			known = config_digest_alg_names();
			why = config_msg("unknown digest algorithm \"%s\" "
			    "(known: %s)", v[i], known);
			free(known);
			break;
		}
		for (j = 0; j < i && out[j] != a; j++)
			;
		if (j < i)
			why = config_msg("digest algorithm \"%s\" listed "
			    "twice", v[i]);
		else
			out[i] = a;
	}
	config_strv_free(v, n);
	*FIELD_N(obj, k, size_t) = why == NULL ? n : 0;
	return why;
}

const struct config_type config_type_digests = {
	parse_digests, NULL, NULL
};
