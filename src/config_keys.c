/*
 * config_keys.c: the one table that describes every configuration key (its
 * section, type, default and whether a reload applies it), the syntax of
 * each value type, and the name tables for the enums in edge_config.h.
 *
 * Defaults are written as text and go through the same parser as a value
 * from a file, so a default can never be something a file could not say.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/ssl.h>

#include "config_int.h"
#include "ctl_proto.h"
#include "log.h"
#include "util.h"

/* The field (or its count) a key describes, inside a section's object. */
#define FIELD(obj, k, t)	((t *)(void *)((char *)(obj) + (k)->off))
#define FIELD_N(obj, k, t)	((t *)(void *)((char *)(obj) + (k)->off_n))
#define CFIELD(obj, k, t)						\
	((const t *)(const void *)((const char *)(obj) + (k)->off))
#define CFIELD_N(obj, k, t)						\
	((const t *)(const void *)((const char *)(obj) + (k)->off_n))

static const char *const kind_names[CONFIG_KIND_COUNT] = {
	"edge", "phones", "media", "profile", "carrier", "account"
};
static const char *const srtp_policy_names[] = {
	"mandatory", "optional", "off"
};
static const char *const srtp_suite_names[SRTP_SUITE_COUNT] = {
	"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32",
	"AES_192_CM_HMAC_SHA1_80", "AES_192_CM_HMAC_SHA1_32",
	"AES_256_CM_HMAC_SHA1_80", "AES_256_CM_HMAC_SHA1_32"
};
static const char *const srtp_profile_names[] = { "RTP/SAVP", "RTP/AVP" };
static const char *const digest_alg_names[DIGEST_ALG_COUNT] = {
	"MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256",
	"SHA-512-256-sess"
};
static const char *const digest_pick_names[] = { "first", "last", "rfc8760" };
static const char *const sdp_shape_names[] = {
	"savp", "avp-crypto", "savp+avp"
};
static const char *const tls_version_names[] = { "1.0", "1.1", "1.2", "1.3" };
static const int tls_versions[] = {
	TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION
};

/* A message for a config_error; the caller owns it. */
char *
config_msg(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatal("config_msg: out of memory");
	va_end(ap);
	return s;
}

/* "a, b or c" from a name table, for "expected ..." messages. */
static char *
names_join(const char *const *names, size_t n, const char *last)
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
static int
names_find(const char *const *names, size_t n, const char *value, bool icase)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if ((icase ? strcasecmp : strcmp)(names[i], value) == 0)
			return (int)i;
	}
	return -1;
}

/* Parse one of a fixed set of words or say which ones are expected. */
static char *
names_parse(const char *const *names, size_t n, const char *value, int *out)
{
	char	*list, *why;

	if ((*out = names_find(names, n, value, true)) != -1)
		return NULL;
	list = names_join(names, n, " or ");
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
config_srtp_suite_name(enum srtp_suite v)
{
	return names_get(srtp_suite_names, nitems(srtp_suite_names), v);
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
	return names_get(digest_alg_names, nitems(digest_alg_names), v);
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

/* SDES suite names are case-sensitive, as RFC 4568 and RFC 6188 write them. */
int
config_srtp_suite_parse(const char *s, enum srtp_suite *out)
{
	int	i = names_find(srtp_suite_names, nitems(srtp_suite_names), s,
		    false);

	if (i == -1)
		return -1;
	*out = (enum srtp_suite)i;
	return 0;
}

/* Digest algorithm tokens compare case-insensitively (RFC 7616 §3.3). */
int
config_digest_alg_parse(const char *s, enum digest_alg *out)
{
	int	i = names_find(digest_alg_names, nitems(digest_alg_names), s,
		    true);

	if (i == -1)
		return -1;
	*out = (enum digest_alg)i;
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
	int	i = names_find(kind_names, nitems(kind_names), s, false);

	if (i == -1)
		return -1;
	*out = (enum config_kind)i;
	return 0;
}

/* Free a string vector. */
void
config_strv_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/*
 * Split a list at any of seps into trimmed entries. Empty entries are an
 * error rather than skipped: "a,,b" is more likely a lost value than a style.
 */
int
config_list_split(const char *value, const char *seps, char ***out,
    size_t *n, char **why)
{
	char	*copy = xstrdup(value), *p = copy, *tok, sep;
	size_t	 len;

	*out = NULL;
	*n = 0;
	*why = NULL;
	do {
		len = strcspn(p, seps);
		sep = p[len];
		p[len] = '\0';
		tok = str_trim(p);
		if (*tok == '\0')
			*why = config_msg("empty entry in list \"%s\"", value);
		else if (*n == CONFIG_MAX_LIST)
			*why = config_msg("more than %d entries in list",
			    CONFIG_MAX_LIST);
		else {
			*out = xreallocarray(*out, *n + 1, sizeof(**out));
			(*out)[(*n)++] = xstrdup(tok);
		}
		p += len + 1;
	} while (sep != '\0' && *why == NULL);
	free(copy);
	if (*why == NULL)
		return 0;
	config_strv_free(*out, *n);
	*out = NULL;
	*n = 0;
	return -1;
}

/* A host name in lower case: labels of letters, digits and '-'. */
char *
config_host_check(const char *s)
{
	const char	*label = s, *p;

	if (*s == '\0' || strlen(s) > 253)
		return config_msg("not a host name: \"%s\"", s);
	for (p = s;; p++) {
		if (*p == '.' || *p == '\0') {
			if (p == label || p - label > 63 || *label == '-' ||
			    p[-1] == '-')
				return config_msg("not a host name: \"%s\"", s);
			if (*p == '\0')
				return NULL;
			label = p + 1;
		} else if (!islower((unsigned char)*p) &&
		    !isdigit((unsigned char)*p) && *p != '-')
			return config_msg("not a host name: \"%s\"", s);
	}
}

/* Lower-case copy of s. */
static char *
str_lower(const char *s)
{
	char	*out = xstrdup(s), *p;

	for (p = out; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return out;
}

/* Free a string field. */
void
config_str_free(const struct config_key *k, void *obj)
{
	char	**p = FIELD(obj, k, char *);

	free(*p);
	*p = NULL;
}

/* Free a secret string field, wiping it first. */
static void
free_secret_str(const struct config_key *k, void *obj)
{
	char	**p = FIELD(obj, k, char *);

	if (*p != NULL)
		explicit_bzero(*p, strlen(*p));
	config_str_free(k, obj);
}

/* Free a string vector field and its count. */
static void
free_strv(const struct config_key *k, void *obj)
{
	char	***p = FIELD(obj, k, char **);

	config_strv_free(*p, *FIELD_N(obj, k, size_t));
	*p = NULL;
	*FIELD_N(obj, k, size_t) = 0;
}

/* Two string fields are equal, NULL counting as a value. */
bool
config_str_equal(const struct config_key *k, const void *a, const void *b)
{
	const char	*sa = *CFIELD(a, k, char *), *sb = *CFIELD(b, k, char *);

	if (sa == NULL || sb == NULL)
		return sa == sb;
	return strcmp(sa, sb) == 0;
}

/* Store the value as it is. */
static char *
parse_str(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	*FIELD(obj, k, char *) = xstrdup(value);
	return NULL;
}

const struct config_type config_type_str = {
	parse_str, config_str_equal, config_str_free
};
const struct config_type config_type_secret_str = {
	parse_str, config_str_equal, free_secret_str
};

/* A path, relative to the directory of the file that names it. */
static char *
parse_path(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	*FIELD(obj, k, char *) = path_resolve(file, value);
	return NULL;
}

const struct config_type config_type_path = {
	parse_path, config_str_equal, config_str_free
};

/* A whole decimal number within the key's range (max 0: the field's). */
static char *
parse_number(const struct config_key *k, const char *value,
    long long fieldmax, long long *out)
{
	long long	 max = k->max != 0 ? k->max : fieldmax;
	const char	*digits = value + (*value == '-');
	char		*end;

	if (*digits == '\0' || strspn(digits, "0123456789") != strlen(digits))
		return config_msg("not a number: \"%s\"", value);
	errno = 0;
	*out = strtoll(value, &end, 10);
	if (errno == 0 && *out >= k->min && *out <= max)
		return NULL;
	if (k->max == 0 && (errno != 0 ? *value == '-' : *out < k->min))
		return config_msg("must be at least %lld", k->min);
	return config_msg("must be between %lld and %lld", k->min, max);
}

/* An unsigned field. */
static char *
parse_uint(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	long long	 v;
	char		*why;

	if ((why = parse_number(k, value, UINT_MAX, &v)) == NULL)
		*FIELD(obj, k, unsigned) = (unsigned)v;
	return why;
}

/* Two unsigned fields are equal. */
static bool
equal_uint(const struct config_key *k, const void *a, const void *b)
{
	return *CFIELD(a, k, unsigned) == *CFIELD(b, k, unsigned);
}

const struct config_type config_type_uint = { parse_uint, equal_uint, NULL };

/* A uint16_t field, e.g. a port. */
static char *
parse_u16(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	long long	 v;
	char		*why;

	if ((why = parse_number(k, value, UINT16_MAX, &v)) == NULL)
		*FIELD(obj, k, uint16_t) = (uint16_t)v;
	return why;
}

/* Two uint16_t fields are equal. */
static bool
equal_u16(const struct config_key *k, const void *a, const void *b)
{
	return *CFIELD(a, k, uint16_t) == *CFIELD(b, k, uint16_t);
}

const struct config_type config_type_u16 = { parse_u16, equal_u16, NULL };

/* An int field, e.g. a DSCP value. */
static char *
parse_int(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	long long	 v;
	char		*why;

	if ((why = parse_number(k, value, INT_MAX, &v)) == NULL)
		*FIELD(obj, k, int) = (int)v;
	return why;
}

/* Two int fields are equal. */
static bool
equal_int(const struct config_key *k, const void *a, const void *b)
{
	return *CFIELD(a, k, int) == *CFIELD(b, k, int);
}

const struct config_type config_type_int = { parse_int, equal_int, NULL };

/* CRLF keep-alive seconds: 0 switches it off. */
static char *
parse_keepalive(const struct config_key *k, const char *value,
    const char *file, void *obj)
{
	char	*why;

	if ((why = parse_uint(k, value, file, obj)) != NULL)
		return why;
	if (*FIELD(obj, k, unsigned) != 0 && *FIELD(obj, k, unsigned) < 5)
		return config_msg("must be 0 (off) or between 5 and %lld",
		    k->max);
	return NULL;
}

const struct config_type config_type_keepalive = {
	parse_keepalive, equal_uint, NULL
};

/* The answer for a dead flow: 430 (RFC 5626), or 480 for carriers that
 * do not know 430. */
static char *
parse_flow_failed(const struct config_key *k, const char *value,
    const char *file, void *obj)
{
	char	*why;

	if ((why = parse_uint(k, value, file, obj)) != NULL)
		return why;
	if (*FIELD(obj, k, unsigned) != 430 && *FIELD(obj, k, unsigned) != 480)
		return config_msg("must be 430 or 480, got %s", value);
	return NULL;
}

const struct config_type config_type_flow_failed = {
	parse_flow_failed, equal_uint, NULL
};

/* A file mode in octal, "0660"; never more than 0777. */
static char *
parse_mode(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	unsigned long	v;

	if (strspn(value, "01234567") != strlen(value) || strlen(value) > 4)
		return config_msg("not an octal mode: \"%s\" (expected e.g. "
		    "0660)", value);
	v = strtoul(value, NULL, 8);
	if (v > 0777)
		return config_msg("must be at most 0777");
	*FIELD(obj, k, mode_t) = (mode_t)v;
	return NULL;
}

/* Two mode fields are equal. */
static bool
equal_mode(const struct config_key *k, const void *a, const void *b)
{
	return *CFIELD(a, k, mode_t) == *CFIELD(b, k, mode_t);
}

const struct config_type config_type_mode = { parse_mode, equal_mode, NULL };

/* yes/no and the other spellings operators use for a switch. */
static char *
parse_bool(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	if (names_find(yes, nitems(yes), value, true) != -1)
		*FIELD(obj, k, bool) = true;
	else if (names_find(no, nitems(no), value, true) != -1)
		*FIELD(obj, k, bool) = false;
	else
		return config_msg("expected yes or no, got \"%s\"", value);
	return NULL;
}

/* Two bool fields are equal. */
static bool
equal_bool(const struct config_key *k, const void *a, const void *b)
{
	return *CFIELD(a, k, bool) == *CFIELD(b, k, bool);
}

const struct config_type config_type_bool = { parse_bool, equal_bool, NULL };

/* A log level name. */
static char *
parse_log_level(const struct config_key *k, const char *value,
    const char *file, void *obj)
{
	if (log_level_parse(value, FIELD(obj, k, enum log_level)) == 0)
		return NULL;
	return config_msg("expected error, warning, notice, info or debug, "
	    "got \"%s\"", value);
}

const struct config_type config_type_log_level = {
	parse_log_level, NULL, NULL
};

/* TLS version "1.0" ... "1.3" as an OpenSSL TLS1_x_VERSION. */
static char *
parse_tls_version(const struct config_key *k, const char *value,
    const char *file, void *obj)
{
	char	*why;
	int	 i;

	if ((why = names_parse(tls_version_names, nitems(tls_version_names),
	    value, &i)) == NULL)
		*FIELD(obj, k, int) = tls_versions[i];
	return why;
}

const struct config_type config_type_tls_version = {
	parse_tls_version, equal_int, NULL
};

/* An enum field parsed from a name table. */
#define ENUM_TYPE(fn, table, type)					\
static char *								\
fn(const struct config_key *k, const char *value, const char *file,	\
    void *obj)								\
{									\
	char	*why;							\
	int	 i;							\
									\
	if ((why = names_parse(table, nitems(table), value, &i)) == NULL) \
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

const struct config_type config_type_srtp_policy = {
	parse_srtp_policy, NULL, NULL
};
const struct config_type config_type_srtp_profile = {
	parse_srtp_profile, NULL, NULL
};
const struct config_type config_type_pick = { parse_pick, NULL, NULL };
const struct config_type config_type_shape = { parse_shape, NULL, NULL };

/* Only TLS towards carriers: SIP over UDP or TCP would leak what we protect. */
static char *
parse_transport(const struct config_key *k, const char *value,
    const char *file, void *obj)
{
	if (strcasecmp(value, "tls") != 0)
		return config_msg("only tls is supported, got \"%s\"", value);
	*FIELD(obj, k, char *) = xstrdup("tls");
	return NULL;
}

const struct config_type config_type_transport = {
	parse_transport, config_str_equal, config_str_free
};

/* A numeric IPv4 or IPv6 address, no port. */
static char *
parse_ipaddr(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	struct sockaddr_storage	ss;
	socklen_t		len;

	if (sockaddr_from(value, 0, &ss, &len) == -1)
		return config_msg("not a numeric IP address: \"%s\"", value);
	*FIELD(obj, k, char *) = xstrdup(value);
	return NULL;
}

const struct config_type config_type_ipaddr = {
	parse_ipaddr, config_str_equal, config_str_free
};

/* A host name, stored in lower case. */
static char *
parse_domain(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	char	*host = str_lower(value), *why;

	if ((why = config_host_check(host)) != NULL) {
		free(host);
		return why;
	}
	*FIELD(obj, k, char *) = host;
	return NULL;
}

const struct config_type config_type_domain = {
	parse_domain, config_str_equal, config_str_free
};

/* A list of host names, stored in lower case. */
static char *
parse_domains(const struct config_key *k, const char *value,
    const char *file, void *obj)
{
	char	**v, *why, *lower;
	size_t	  n, i;

	if (config_list_split(value, ",", &v, &n, &why) == -1)
		return why;
	for (i = 0; i < n && why == NULL; i++) {
		lower = str_lower(v[i]);
		free(v[i]);
		v[i] = lower;
		why = config_host_check(lower);
	}
	if (why != NULL) {
		config_strv_free(v, n);
		return why;
	}
	*FIELD(obj, k, char **) = v;
	*FIELD_N(obj, k, size_t) = n;
	return NULL;
}

const struct config_type config_type_domains = {
	parse_domains, NULL, free_strv
};

/* HOST[:PORT] where HOST is a name or a numeric address. */
static char *
hostport_check(const char *value, char *host, size_t hostlen, uint16_t *port)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	const char		*why;
	char			*lower;

	if (hostport_split(value, host, hostlen, port, &why) == -1)
		return config_msg("%s in \"%s\" (expected HOST[:PORT])", why,
		    value);
	lower = str_lower(host);
	snprintf(host, hostlen, "%s", lower);
	free(lower);
	if (sockaddr_from(host, 0, &ss, &len) == 0)
		return NULL;
	return config_host_check(host);
}

/* [carrier] server: explicit next hop, host and optional port. */
static char *
parse_server(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	char		 host[256], *why;
	uint16_t	 port;

	if ((why = hostport_check(value, host, sizeof(host), &port)) != NULL)
		return why;
	*FIELD(obj, k, char *) = xstrdup(host);
	*FIELD_N(obj, k, uint16_t) = port;
	return NULL;
}

const struct config_type config_type_server = {
	parse_server, NULL, config_str_free
};

/* HOST[:PORT] kept as written (advertised_address). */
static char *
parse_hostport(const struct config_key *k, const char *value,
    const char *file, void *obj)
{
	char		 host[256], *why;
	uint16_t	 port;

	if ((why = hostport_check(value, host, sizeof(host), &port)) != NULL)
		return why;
	*FIELD(obj, k, char *) = xstrdup(value);
	return NULL;
}

const struct config_type config_type_hostport = {
	parse_hostport, config_str_equal, config_str_free
};

/* Free a dns_servers array. */
static void
free_dns(const struct config_key *k, void *obj)
{
	struct config_dns_server	**p = FIELD(obj, k, struct config_dns_server *);
	size_t				 *n = FIELD_N(obj, k, size_t), i;

	for (i = 0; *p != NULL && i < *n; i++)
		free((*p)[i].text);
	free(*p);
	*p = NULL;
	*n = 0;
}

/* One DNS server: a numeric address, port 53 unless given. */
static char *
dns_one(const char *s, struct config_dns_server *d)
{
	const char	*why;
	char		 host[256];
	uint16_t	 port;

	if (hostport_split(s, host, sizeof(host), &port, &why) == -1)
		return config_msg("%s in \"%s\" (expected ADDR[:PORT])", why, s);
	if (sockaddr_from(host, port == 0 ? 53 : port, &d->addr,
	    &d->addrlen) == -1)
		return config_msg("not a numeric IP address: \"%s\"", host);
	d->text = xstrdup(s);
	return NULL;
}

/* [edge] dns_servers: ADDR[:PORT], IPv6 bare or as [ADDR]:PORT. */
static char *
parse_dns(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	struct config_dns_server	*d;
	char				**v, *why;
	size_t				  n, i;

	if (config_list_split(value, ",", &v, &n, &why) == -1)
		return why;
	d = xcalloc(n, sizeof(*d));
	for (i = 0; i < n && why == NULL; i++)
		why = dns_one(v[i], &d[i]);
	config_strv_free(v, n);
	*FIELD(obj, k, struct config_dns_server *) = d;
	*FIELD_N(obj, k, size_t) = n;
	if (why != NULL)
		free_dns(k, obj);
	return why;
}

/* Same servers in the same order? */
static bool
equal_dns(const struct config_key *k, const void *a, const void *b)
{
	const struct config_dns_server	*da = *CFIELD(a, k, struct config_dns_server *);
	const struct config_dns_server	*db = *CFIELD(b, k, struct config_dns_server *);
	size_t				 n = *CFIELD_N(a, k, size_t), i;

	if (n != *CFIELD_N(b, k, size_t))
		return false;
	for (i = 0; i < n; i++) {
		if (da[i].addrlen != db[i].addrlen ||
		    memcmp(&da[i].addr, &db[i].addr, da[i].addrlen) != 0)
			return false;
	}
	return true;
}

const struct config_type config_type_dns = { parse_dns, equal_dns, free_dns };

/* Free a listen array. */
static void
free_listen(const struct config_key *k, void *obj)
{
	struct config_listen	**p = FIELD(obj, k, struct config_listen *);
	size_t			 *n = FIELD_N(obj, k, size_t), i;

	for (i = 0; *p != NULL && i < *n; i++)
		free((*p)[i].text);
	free(*p);
	*p = NULL;
	*n = 0;
}

/* One listener, "tls:ADDR:PORT" or "tls:[ADDR]:PORT". */
static char *
listen_one(const char *s, struct config_listen *l)
{
	const char	*colon = strchr(s, ':'), *why;
	char		 host[256];
	uint16_t	 port;
	size_t		 scheme;

	scheme = colon == NULL ? 0 : (size_t)(colon - s);
	if (scheme != 3 || strncasecmp(s, "tls", 3) != 0) {
		if (scheme > 0 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == scheme)
			return config_msg("only tls: listeners are supported, "
			    "got \"%s\"", s);
		return config_msg("expected tls:ADDR:PORT, got \"%s\"", s);
	}
	if (hostport_split(colon + 1, host, sizeof(host), &port, &why) == -1)
		return config_msg("%s in \"%s\" (expected tls:ADDR:PORT)", why,
		    s);
	if (port == 0)
		return config_msg("missing port in \"%s\" (expected "
		    "tls:ADDR:PORT, IPv6 as tls:[ADDR]:PORT)", s);
	if (sockaddr_from(host, port, &l->addr, &l->addrlen) == -1)
		return config_msg("not a numeric IP address: \"%s\"", host);
	l->text = xstrdup(s);
	return NULL;
}

/* [phones] listen: one or more TLS listeners, each address once. */
static char *
parse_listen(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	struct config_listen	*l;
	char			**v, *why;
	size_t			  n, i, j;

	if (config_list_split(value, ",", &v, &n, &why) == -1)
		return why;
	l = xcalloc(n, sizeof(*l));
	for (i = 0; i < n && why == NULL; i++) {
		why = listen_one(v[i], &l[i]);
		for (j = 0; j < i && why == NULL; j++) {
			if (l[j].addrlen == l[i].addrlen &&
			    memcmp(&l[j].addr, &l[i].addr, l[i].addrlen) == 0)
				why = config_msg("\"%s\" listed twice", v[i]);
		}
	}
	config_strv_free(v, n);
	*FIELD(obj, k, struct config_listen *) = l;
	*FIELD_N(obj, k, size_t) = n;
	if (why != NULL)
		free_listen(k, obj);
	return why;
}

/* Two listen lists are the same addresses in the same order. */
static bool
equal_listen(const struct config_key *k, const void *a, const void *b)
{
	const struct config_listen	*la = *CFIELD(a, k, struct config_listen *);
	const struct config_listen	*lb = *CFIELD(b, k, struct config_listen *);
	size_t				 n = *CFIELD_N(a, k, size_t), i;

	if (n != *CFIELD_N(b, k, size_t))
		return false;
	for (i = 0; i < n; i++) {
		if (la[i].addrlen != lb[i].addrlen ||
		    memcmp(&la[i].addr, &lb[i].addr, la[i].addrlen) != 0)
			return false;
	}
	return true;
}

const struct config_type config_type_listen = {
	parse_listen, equal_listen, free_listen
};

/* Free the flow secret, wiping it first. */
static void
free_secret(const struct config_key *k, void *obj)
{
	unsigned char	**p = FIELD(obj, k, unsigned char *);
	size_t		 *n = FIELD_N(obj, k, size_t);

	if (*p != NULL)
		explicit_bzero(*p, *n);
	free(*p);
	*p = NULL;
	*n = 0;
}

/* [edge] flow_secret: HMAC key bytes; the value never enters a message. */
static char *
parse_secret(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	size_t	n = strlen(value);

	if (n < CONFIG_FLOW_SECRET_MIN)
		return config_msg("must be at least %d characters",
		    CONFIG_FLOW_SECRET_MIN);
	*FIELD(obj, k, unsigned char *) = xmalloc(n);
	memcpy(*FIELD(obj, k, unsigned char *), value, n);
	*FIELD_N(obj, k, size_t) = n;
	return NULL;
}

/* Two secrets are the same bytes. */
static bool
equal_secret(const struct config_key *k, const void *a, const void *b)
{
	const unsigned char	*sa = *CFIELD(a, k, unsigned char *);
	const unsigned char	*sb = *CFIELD(b, k, unsigned char *);
	size_t			 n = *CFIELD_N(a, k, size_t);

	if (n != *CFIELD_N(b, k, size_t) || (sa == NULL) != (sb == NULL))
		return false;
	return n == 0 || memcmp(sa, sb, n) == 0;
}

const struct config_type config_type_secret = {
	parse_secret, equal_secret, free_secret
};

/* SDES suites in preference order, each once. */
static char *
parse_suites(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	enum srtp_suite	 *out = FIELD(obj, k, enum srtp_suite), s;
	char		**v, *why, *known;
	size_t		  n, i, j;

	if (config_list_split(value, ",", &v, &n, &why) == -1)
		return why;
	for (i = 0; i < n && why == NULL; i++) {
		if (config_srtp_suite_parse(v[i], &s) == -1) {
			known = names_join(srtp_suite_names, SRTP_SUITE_COUNT,
			    ", ");
			why = config_msg("unknown SRTP suite \"%s\" (known: "
			    "%s)", v[i], known);
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

/* Digest algorithms in preference order, each once. */
static char *
parse_digests(const struct config_key *k, const char *value,
    const char *file, void *obj)
{
	enum digest_alg	 *out = FIELD(obj, k, enum digest_alg), a;
	char		**v, *why, *known;
	size_t		  n, i, j;

	if (config_list_split(value, ",", &v, &n, &why) == -1)
		return why;
	for (i = 0; i < n && why == NULL; i++) {
		if (config_digest_alg_parse(v[i], &a) == -1) {
			known = names_join(digest_alg_names, DIGEST_ALG_COUNT,
			    ", ");
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

/* [profile] user_agent: fnmatch patterns, kept as written. */
static char *
parse_patterns(const struct config_key *k, const char *value,
    const char *file, void *obj)
{
	char	**v, *why;
	size_t	  n;

	if (config_list_split(value, ",", &v, &n, &why) == -1)
		return why;
	*FIELD(obj, k, char **) = v;
	*FIELD_N(obj, k, size_t) = n;
	return NULL;
}

const struct config_type config_type_patterns = {
	parse_patterns, NULL, free_strv
};

/* [account] aor: sip:USER@HOST or sips:USER@HOST, host in lower case. */
static char *
parse_aor(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	const char	*user, *at;
	char		*host, *why;
	bool		 sips = strncasecmp(value, "sips:", 5) == 0;

	if (!sips && strncasecmp(value, "sip:", 4) != 0)
		goto bad;
	user = value + (sips ? 5 : 4);
	at = strchr(user, '@');
	if (at == NULL || at == user ||
	    strcspn(user, " \t:;?<>\"") < (size_t)(at - user))
		goto bad;
	host = str_lower(at + 1);
	if ((why = config_host_check(host)) != NULL) {
		free(why);
		free(host);
		goto bad;
	}
	xasprintf(FIELD(obj, k, char *), "%s:%.*s@%s", sips ? "sips" : "sip",
	    (int)(at - user), user, host);
	free(host);
	return NULL;
bad:
	return config_msg("expected sip:USER@HOST or sips:USER@HOST, got "
	    "\"%s\"", value);
}

const struct config_type config_type_aor = {
	parse_aor, config_str_equal, config_str_free
};

#define OFF(s, f)	offsetof(struct s, f)
#define EDGE(n)		CONFIG_EDGE, n, "[edge] " n
#define PHONES(n)	CONFIG_PHONES, n, "[phones] " n
#define MEDIA(n)	CONFIG_MEDIA, n, "[media] " n
#define PROFILE(n)	CONFIG_PROFILE, n, "[profile] " n
#define CARRIER(n)	CONFIG_CARRIER, n, "[carrier] " n
#define ACCOUNT(n)	CONFIG_ACCOUNT, n, "[account] " n
#define RELOAD		CONFIG_KEY_RELOAD
#define LIST		CONFIG_KEY_LIST
#define REQUIRED	CONFIG_KEY_REQUIRED
#define SECRET		CONFIG_KEY_SECRET

/*
 * Every key. What a reload may change is what only new connections, calls
 * or lookups use; what was bound, created or dropped at start (sockets,
 * privileges, relay threads, the port pool, the flow-token key that every
 * live Path and Contact carries) needs a restart. Carriers, accounts and
 * profiles are all reloadable: swapping them is what reload is for.
 */
const struct config_key config_keys[] = {
	/* section, key		type		field		count
	 *  default		min	max	flags */
	{ EDGE("control_socket"), &config_type_path,
	  OFF(config_edge, control_socket), 0,
	  CTL_DEFAULT_SOCKET, 0, 0, 0 },
	{ EDGE("control_socket_mode"), &config_type_mode,
	  OFF(config_edge, control_socket_mode), 0, "0660", 0, 0, 0 },
	{ EDGE("log_level"), &config_type_log_level,
	  OFF(config_edge, log_level), 0, "info", 0, 0, RELOAD },
	{ EDGE("user"), &config_type_user,
	  OFF(config_edge, user), 0, NULL, 0, 0, 0 },
	{ EDGE("group"), &config_type_group,
	  OFF(config_edge, group), 0, NULL, 0, 0, 0 },
	{ EDGE("carriers_dir"), &config_type_path,
	  OFF(config_edge, carriers_dir), 0, "carriers.d", 0, 0, RELOAD },
	{ EDGE("dns_servers"), &config_type_dns,
	  OFF(config_edge, dns_servers), OFF(config_edge, n_dns_servers),
	  NULL, 0, 0, LIST },	/* the resolver channel is made at start */
	{ EDGE("flow_secret"), &config_type_secret,
	  OFF(config_edge, flow_secret), OFF(config_edge, flow_secret_len),
	  NULL, 0, 0, SECRET },

	{ PHONES("listen"), &config_type_listen,
	  OFF(config_phones, listen), OFF(config_phones, n_listen),
	  "tls:0.0.0.0:5061", 0, 0, LIST },
	{ PHONES("certificate"), &config_type_cert,
	  OFF(config_phones, certificate), 0, NULL, 0, 0, RELOAD | REQUIRED },
	{ PHONES("private_key"), &config_type_key,
	  OFF(config_phones, private_key), 0, NULL, 0, 0, RELOAD | REQUIRED },
	{ PHONES("client_ca"), &config_type_cert,
	  OFF(config_phones, client_ca), 0, NULL, 0, 0, RELOAD },
	{ PHONES("tls_min_version"), &config_type_tls_version,
	  OFF(config_phones, tls_min_version), 0, "1.2", 0, 0, RELOAD },
	/* Spectralink lacks ECDHE-*-AES128-GCM-SHA256: keep AES256-GCM and CBC. */
	{ PHONES("tls_ciphers"), &config_type_ciphers,
	  OFF(config_phones, tls_ciphers), 0,
	  "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
	  "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
	  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
	  "ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:"
	  "ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:"
	  "ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:"
	  "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA", 0, 0, RELOAD | LIST },
	{ PHONES("tls_ciphersuites"), &config_type_ciphersuites,
	  OFF(config_phones, tls_ciphersuites), 0,
	  "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
	  "TLS_AES_128_GCM_SHA256", 0, 0, RELOAD | LIST },
	{ PHONES("tls_groups"), &config_type_groups,
	  OFF(config_phones, tls_groups), 0, "X25519:P-256:P-384:X448:P-521",
	  0, 0, RELOAD | LIST },
	{ PHONES("srtp"), &config_type_srtp_policy,
	  OFF(config_phones, srtp), 0, "mandatory", 0, 0, RELOAD },
	{ PHONES("max_connections"), &config_type_uint,
	  OFF(config_phones, max_connections), 0, "10000", 1, 1000000, RELOAD },
	{ PHONES("max_connections_per_ip"), &config_type_uint,
	  OFF(config_phones, max_connections_per_ip), 0, "64", 1, 1000000,
	  RELOAD },
	{ PHONES("idle_timeout"), &config_type_uint,
	  OFF(config_phones, idle_timeout), 0, "3900", 30, 0, RELOAD },
	{ PHONES("handshake_timeout"), &config_type_uint,
	  OFF(config_phones, handshake_timeout), 0, "10", 1, 300, RELOAD },
	{ PHONES("max_message_size"), &config_type_uint,
	  OFF(config_phones, max_message_size), 0, "65536", 1024, 1048576,
	  RELOAD },
	{ PHONES("advertised_address"), &config_type_hostport,
	  OFF(config_phones, advertised_address), 0, NULL, 0, 0, RELOAD },
	{ PHONES("dscp"), &config_type_int,
	  OFF(config_phones, dscp), 0, "40", 0, 63, 0 },

	{ MEDIA("phone_address"), &config_type_ipaddr,
	  OFF(config_media, phone_address), 0, NULL, 0, 0, REQUIRED },
	{ MEDIA("carrier_address"), &config_type_ipaddr,
	  OFF(config_media, carrier_address), 0, NULL, 0, 0, REQUIRED },
	{ MEDIA("carrier_public_address"), &config_type_ipaddr,
	  OFF(config_media, carrier_public_address), 0, NULL, 0, 0, RELOAD },
	{ MEDIA("port_min"), &config_type_u16,
	  OFF(config_media, port_min), 0, "20000", 1024, 65535, 0 },
	{ MEDIA("port_max"), &config_type_u16,
	  OFF(config_media, port_max), 0, "29999", 1024, 65535, 0 },
	{ MEDIA("threads"), &config_type_uint,
	  OFF(config_media, threads), 0, "1", 1, 64, 0 },
	{ MEDIA("dscp"), &config_type_int,
	  OFF(config_media, dscp), 0, "46", 0, 63, 0 },
	{ MEDIA("timeout"), &config_type_uint,
	  OFF(config_media, timeout), 0, "60", 5, 0, RELOAD },

	{ PROFILE("user_agent"), &config_type_patterns,
	  OFF(config_profile, user_agents), OFF(config_profile, n_user_agents),
	  NULL, 0, 0, RELOAD | LIST },
	{ PROFILE("digest_algorithms"), &config_type_digests,
	  OFF(config_profile, digest_algorithms),
	  OFF(config_profile, n_digest_algorithms), NULL, 0, 0, RELOAD | LIST },
	{ PROFILE("digest_pick"), &config_type_pick,
	  OFF(config_profile, digest_pick), 0, NULL, 0, 0, RELOAD },
	{ PROFILE("sdp_offer"), &config_type_shape,
	  OFF(config_profile, sdp_offer), 0, NULL, 0, 0, RELOAD },
	{ PROFILE("srtp_suites"), &config_type_suites,
	  OFF(config_profile, srtp_suites), OFF(config_profile, n_srtp_suites),
	  NULL, 0, 0, RELOAD | LIST },
	{ PROFILE("srtcp_lenient"), &config_type_bool,
	  OFF(config_profile, srtcp_lenient), 0, NULL, 0, 0, RELOAD },

	{ CARRIER("domain"), &config_type_domain,
	  OFF(config_carrier, domain), 0, NULL, 0, 0, RELOAD | REQUIRED },
	{ CARRIER("match_domains"), &config_type_domains,
	  OFF(config_carrier, match_domains),
	  OFF(config_carrier, n_match_domains), NULL, 0, 0, RELOAD | LIST },
	{ CARRIER("server"), &config_type_server,
	  OFF(config_carrier, server_host), OFF(config_carrier, server_port),
	  NULL, 0, 0, RELOAD },
	{ CARRIER("transport"), &config_type_transport,
	  OFF(config_carrier, transport), 0, "tls", 0, 0, RELOAD },
	{ CARRIER("tls_verify"), &config_type_bool,
	  OFF(config_carrier, tls_verify), 0, "yes", 0, 0, RELOAD },
	{ CARRIER("tls_verify_name"), &config_type_domain,
	  OFF(config_carrier, tls_verify_name), 0, NULL, 0, 0, RELOAD },
	{ CARRIER("ca_file"), &config_type_cert,
	  OFF(config_carrier, ca_file), 0, NULL, 0, 0, RELOAD },
	{ CARRIER("srtp"), &config_type_srtp_policy,
	  OFF(config_carrier, srtp), 0, "mandatory", 0, 0, RELOAD },
	{ CARRIER("srtp_profile"), &config_type_srtp_profile,
	  OFF(config_carrier, srtp_profile), 0, "RTP/SAVP", 0, 0, RELOAD },
	{ CARRIER("srtp_suites"), &config_type_suites,
	  OFF(config_carrier, srtp_suites), OFF(config_carrier, n_srtp_suites),
	  "AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32", 0, 0,
	  RELOAD | LIST },
	{ CARRIER("digest_algorithms"), &config_type_digests,
	  OFF(config_carrier, digest_algorithms),
	  OFF(config_carrier, n_digest_algorithms), "SHA-512-256, SHA-256, MD5",
	  0, 0, RELOAD | LIST },
	{ CARRIER("keepalive"), &config_type_keepalive,
	  OFF(config_carrier, keepalive), 0, "30", 0, 3600, RELOAD },
	{ CARRIER("path"), &config_type_bool,
	  OFF(config_carrier, path), 0, "no", 0, 0, RELOAD },
	{ CARRIER("dscp"), &config_type_int,
	  OFF(config_carrier, dscp), 0, "40", 0, 63, RELOAD },
	{ CARRIER("flow_failed_code"), &config_type_flow_failed,
	  OFF(config_carrier, flow_failed_code), 0, "430", 0, 999, RELOAD },

	{ ACCOUNT("aor"), &config_type_aor,
	  OFF(config_account, aor), 0, NULL, 0, 0, RELOAD | REQUIRED },
	{ ACCOUNT("username"), &config_type_str,
	  OFF(config_account, username), 0, NULL, 0, 0, RELOAD },
	{ ACCOUNT("password"), &config_type_secret_str,
	  OFF(config_account, password), 0, NULL, 0, 0,
	  RELOAD | REQUIRED | SECRET },
	{ ACCOUNT("phone_password"), &config_type_secret_str,
	  OFF(config_account, phone_password), 0, NULL, 0, 0, RELOAD | SECRET },
	{ ACCOUNT("register"), &config_type_bool,
	  OFF(config_account, do_register), 0, "yes", 0, 0, RELOAD },
	{ ACCOUNT("expires"), &config_type_uint,
	  OFF(config_account, expires), 0, "600", 60, 86400, RELOAD },
};
const size_t config_nkeys = nitems(config_keys);

/* The table row for a key of a section kind, or NULL. */
const struct config_key *
config_key_find(enum config_kind kind, const char *name)
{
	size_t	i;

	for (i = 0; i < config_nkeys; i++) {
		if (config_keys[i].kind == kind &&
		    strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	}
	return NULL;
}

/* Parse one value into obj, replacing what the field held. */
static void
config_set(struct config_ctx *ctx, const struct config_section *s,
    const struct config_key *k, const struct config_entry *e, void *obj)
{
	char	*why;

	if (k->type->free != NULL)
		k->type->free(k, obj);
	if ((why = k->type->parse(k, e->value, s->file, obj)) != NULL)
		config_err_take(ctx, s->file, e->line, s->label, k->name, why);
}

/* Fill what a section left out: defaults, or an error for required keys. */
static void
config_defaults(struct config_ctx *ctx, const struct config_section *s,
    void *obj)
{
	const struct config_key	*k;
	char			*why;
	size_t			 i;

	for (i = 0; i < config_nkeys; i++) {
		k = &config_keys[i];
		if (k->kind != s->kind || config_entry_get(s, k->name) != NULL)
			continue;
		if (k->flags & CONFIG_KEY_REQUIRED)
			config_err(ctx, s->file, config_entry_line(s, k->name),
			    s->label, k->name, "missing required key");
		else if (k->def != NULL &&
		    (why = k->type->parse(k, k->def, s->file, obj)) != NULL)
			fatal("default of %s does not parse: %s", k->full, why);
	}
}

/*
 * Apply a section's entries to obj, then (with defaults) fill the keys it
 * did not give. An empty value counts as not given.
 */
void
config_apply(struct config_ctx *ctx, const struct config_section *s,
    void *obj, bool defaults)
{
	const struct config_entry	*e;
	const struct config_key		*k;
	size_t				 i;

	for (i = 0; i < s->n_entries; i++) {
		e = &s->entries[i];
		if ((k = config_key_find(s->kind, e->key)) == NULL)
			config_err(ctx, s->file, e->line, s->label, e->key,
			    "unknown key");
		else if (*e->value != '\0')
			config_set(ctx, s, k, e, obj);
	}
	if (defaults)
		config_defaults(ctx, s, obj);
}

/* Free every field the table knows in an object of a section kind. */
void
config_fields_free(enum config_kind kind, void *obj)
{
	size_t	i;

	for (i = 0; i < config_nkeys; i++) {
		if (config_keys[i].kind == kind &&
		    config_keys[i].type->free != NULL)
			config_keys[i].type->free(&config_keys[i], obj);
	}
}
