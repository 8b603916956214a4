/*
 * config_types.c: the syntax of scalar values (strings, paths, numbers,
 * switches, modes, secrets, TLS versions, log levels) and of lists. Enum
 * words and their name tables are in config_enum.c, address-like values
 * in config_net.c, values checked against OpenSSL or the system in
 * config_check.c.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/ssl.h>

#include "config_int.h"
#include "log.h"
#include "util.h"

static const char *const tls_version_names[] = { "1.0", "1.1", "1.2", "1.3" };
static const int tls_versions[] = {
	TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION
};

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
void
config_strv_field_free(const struct config_key *k, void *obj)
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

	if (config_names_find(yes, nitems(yes), value, true) != -1)
		*FIELD(obj, k, bool) = true;
	else if (config_names_find(no, nitems(no), value, true) != -1)
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

	if ((why = config_names_parse(tls_version_names, nitems(tls_version_names),
	    value, &i)) == NULL)
		*FIELD(obj, k, int) = tls_versions[i];
	return why;
}

const struct config_type config_type_tls_version = {
	parse_tls_version, equal_int, NULL
};

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
	parse_patterns, NULL, config_strv_field_free
};
