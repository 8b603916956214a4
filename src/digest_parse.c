/*
 * digest_parse.c: challenges and credentials from the raw bytes of a
 * header value (RFC 7235 §2.1, RFC 7616 §3.3-3.4, RFC 3261 §25.1).
 *
 * The grammar is ambiguous in one place: commas separate both the
 * auth-params of a challenge and the challenges of a list. After a comma,
 * a token followed by "=" continues the current challenge; any other
 * token starts a new one (RFC 7235 §4.1 says as much). A scheme followed
 * by a token68 (Negotiate's, Basic's base64) takes no parameters.
 *
 * Nothing is allocated: names and values are copied, NUL-terminated, into
 * the arena of the struct being filled, bounded by the input's length.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "digest.h"

/* The cursor over the input and the arena the text goes to. */
struct digest_lex {
	const char	*p;
	size_t		 n;
	size_t		 i;
	char		*text;
	size_t		 cap;
	size_t		 used;
};

/* A known parameter name. */
struct digest_pname {
	const char		*name;
	enum digest_param_id	 id;
};

static const struct digest_pname digest_chal_names[] = {
	{ "realm",	DIGEST_P_REALM },
	{ "domain",	DIGEST_P_DOMAIN },
	{ "nonce",	DIGEST_P_NONCE },
	{ "opaque",	DIGEST_P_OPAQUE },
	{ "stale",	DIGEST_P_STALE },
	{ "algorithm",	DIGEST_P_ALGORITHM },
	{ "qop",	DIGEST_P_QOP },
	{ "charset",	DIGEST_P_CHARSET },
	{ "userhash",	DIGEST_P_USERHASH },
	{ NULL,		DIGEST_P_OTHER },
};

static const struct digest_pname digest_cred_names[] = {
	{ "username",	DIGEST_P_USERNAME },
	{ "username*",	DIGEST_P_USERNAME_EXT },
	{ "realm",	DIGEST_P_REALM },
	{ "nonce",	DIGEST_P_NONCE },
	{ "uri",	DIGEST_P_URI },
	{ "response",	DIGEST_P_RESPONSE },
	{ "algorithm",	DIGEST_P_ALGORITHM },
	{ "cnonce",	DIGEST_P_CNONCE },
	{ "opaque",	DIGEST_P_OPAQUE },
	{ "qop",	DIGEST_P_QOP },
	{ "nc",		DIGEST_P_NC },
	{ "userhash",	DIGEST_P_USERHASH },
	{ NULL,		DIGEST_P_OTHER },
};

/* RFC 7230 §3.2.6 tchar. */
static int
digest_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 7235 §2.1 token68 characters, but for the trailing "="s. */
static int
digest_t68char(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("-._~+/", c) != NULL;
}

/* The index after the white space at i: SP, HTAB, and folds. */
static size_t
digest_ows_at(const struct digest_lex *l, size_t i)
{
	for (;;) {
		if (i < l->n && (l->p[i] == ' ' || l->p[i] == '\t'))
			i++;
		else if (i + 2 < l->n && l->p[i] == '\r' &&
		    l->p[i + 1] == '\n' && (l->p[i + 2] == ' ' ||
		    l->p[i + 2] == '\t'))
			i += 3;
		else if (i + 1 < l->n && l->p[i] == '\n' &&
		    (l->p[i + 1] == ' ' || l->p[i + 1] == '\t'))
			i += 2;
		else
			return i;
	}
}

/* Skip white space. */
static void
digest_ows(struct digest_lex *l)
{
	l->i = digest_ows_at(l, l->i);
}

/* Length of the token at i. */
static size_t
digest_token_at(const struct digest_lex *l, size_t i)
{
	size_t	k = i;

	while (k < l->n && digest_tchar((unsigned char)l->p[k]))
		k++;
	return k - i;
}

/* Room for n bytes and a NUL in the arena, or NULL. */
static char *
digest_alloc(struct digest_lex *l, size_t n)
{
	char	*s;

	if (n >= l->cap - l->used)
		return NULL;
	s = l->text + l->used;
	l->used += n + 1;
	s[n] = '\0';
	return s;
}

/* Copy n bytes into the arena, leaving out line breaks (of folds). */
static const char *
digest_save(struct digest_lex *l, const char *s, size_t n, const char **out)
{
	char	*d;
	size_t	 i, k = 0;

	if ((d = digest_alloc(l, n)) == NULL)
		return "header too long";
	for (i = 0; i < n; i++)
		if (s[i] != '\r' && s[i] != '\n')
			d[k++] = s[i];
	d[k] = '\0';
	*out = d;
	return NULL;
}

/* A character a quoted string may hold, or that may follow a backslash. */
static int
digest_qchar(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/*
 * The quoted string at i: check it in one pass, then keep it raw and
 * unescaped. A fold inside counts as the white space after its break.
 */
static const char *
digest_quoted(struct digest_lex *l, const char **raw, const char **value)
{
	const char	*err;
	size_t		 start = l->i, i = l->i + 1, ulen = 0, k;
	char		*d;

	for (;;) {
		if (i >= l->n)
			return "unterminated quoted string";
		if (l->p[i] == '"')
			break;
		if (l->p[i] == '\\') {
			if (i + 1 >= l->n)
				return "escape at end of value";
			if (!digest_qchar((unsigned char)l->p[i + 1]))
				return "control character in quoted string";
			i += 2;
		} else if (l->p[i] == '\r' || l->p[i] == '\n') {
			k = digest_ows_at(l, i);
			if (k == i)
				return "line break in quoted string";
			/* Only the break: the blanks after it are content. */
			i += l->p[i] == '\r' ? 2 : 1;
			continue;
		} else if (!digest_qchar((unsigned char)l->p[i]))
			return "control character in quoted string";
		else
			i++;
		ulen++;
	}
	if (ulen > DIGEST_MAX_VALUE)
		return "value too long";
	l->i = i + 1;
	if ((err = digest_save(l, l->p + start, l->i - start, raw)) != NULL)
		return err;
	if ((d = digest_alloc(l, ulen)) == NULL)
		return "header too long";
	for (i = start + 1, k = 0; k < ulen; i++) {
		if (l->p[i] == '\r' || l->p[i] == '\n')
			continue;
		if (l->p[i] == '\\')
			i++;
		d[k++] = l->p[i];
	}
	*value = d;
	return NULL;
}

/* Whether the input at i is "token = ...", a parameter, not a scheme. */
static int
digest_is_param(const struct digest_lex *l)
{
	size_t	k = digest_token_at(l, l->i);

	if (k == 0)
		return 0;
	k = digest_ows_at(l, l->i + k);
	return k < l->n && l->p[k] == '=';
}

/* One auth-param: token BWS "=" BWS ( token / quoted-string ). */
static const char *
digest_param(struct digest_lex *l, struct digest_auth *a)
{
	struct digest_param	*dp;
	const char		*err, *name;
	size_t			 k, nstart, nlen, j;

	if ((nlen = digest_token_at(l, l->i)) == 0)
		return "expected a parameter name";
	nstart = l->i;
	l->i += nlen;
	digest_ows(l);
	if (l->i >= l->n || l->p[l->i] != '=')
		return "expected '=' after a parameter name";
	l->i++;
	digest_ows(l);
	if (l->i >= l->n || l->p[l->i] == ',')
		return "parameter without a value";
	if (a->nparams == DIGEST_MAX_PARAMS)
		return "too many parameters";
	name = l->p + nstart;
	for (j = 0; j < a->nparams; j++)
		if (strlen(a->params[j].name) == nlen &&
		    strncasecmp(a->params[j].name, name, nlen) == 0)
			return "duplicate parameter";
	dp = &a->params[a->nparams];
	if ((err = digest_save(l, name, nlen, &dp->name)) != NULL)
		return err;
	if (l->p[l->i] == '"') {
		if ((err = digest_quoted(l, &dp->raw, &dp->value)) != NULL)
			return err;
	} else {
		if ((k = digest_token_at(l, l->i)) == 0)
			return "expected a token or quoted string";
		if (k > DIGEST_MAX_VALUE)
			return "value too long";
		if ((err = digest_save(l, l->p + l->i, k, &dp->raw)) != NULL)
			return err;
		dp->value = dp->raw;
		l->i += k;
	}
	dp->id = DIGEST_P_OTHER;
	a->nparams++;
	return NULL;
}

/* A scheme, then nothing, a token68, or its first parameter. */
static const char *
digest_scheme(struct digest_lex *l, struct digest_auth *a)
{
	const char	*err;
	size_t		 k, start, end;

	if ((k = digest_token_at(l, l->i)) == 0)
		return "expected an auth scheme";
	if ((err = digest_save(l, l->p + l->i, k, &a->scheme)) != NULL)
		return err;
	a->is_digest = strcasecmp(a->scheme, "Digest") == 0;
	l->i += k;
	start = l->i;
	digest_ows(l);
	if (l->i >= l->n || l->p[l->i] == ',')
		return NULL;
	if (l->i == start)
		return "expected white space after the auth scheme";
	/* Digest takes no token68: "realm=" is a parameter without a value. */
	start = l->i;
	for (end = start; !a->is_digest && end < l->n &&
	    digest_t68char((unsigned char)l->p[end]); end++)
		;
	if (end > start) {
		while (end < l->n && l->p[end] == '=')
			end++;
		k = digest_ows_at(l, end);
		if (k >= l->n || l->p[k] == ',') {
			if (end - start > DIGEST_MAX_VALUE)
				return "value too long";
			l->i = k;
			return digest_save(l, l->p + start, end - start,
			    &a->token68);
		}
	}
	return digest_param(l, a);
}

/*
 * The comma-separated list (RFC 7230 §7: empty elements allowed) of at
 * most max items, each put where slot() says; *count gets how many.
 */
static const char *
digest_list(struct digest_lex *l, struct digest_auth *(*slot)(void *, size_t),
    void *ctx, size_t max, size_t *count)
{
	struct digest_auth	*a = NULL;
	const char		*err;
	size_t			 n = 0;

	if (l->n == 0)
		return "empty header";
	if (l->n > DIGEST_MAX_HEADER)
		return "header too long";
	for (;;) {
		digest_ows(l);
		if (l->i >= l->n)
			break;
		if (l->p[l->i] == ',') {
			l->i++;
			continue;
		}
		if (a != NULL && digest_is_param(l)) {
			if (a->token68 != NULL)
				return "parameter after a token68";
			err = digest_param(l, a);
		} else if (n == max)
			return max == 1 ? "more than one credentials" :
			    "too many challenges";
		else {
			a = slot(ctx, n++);
			err = digest_scheme(l, a);
		}
		if (err != NULL)
			return err;
		digest_ows(l);
		if (l->i < l->n && l->p[l->i] != ',')
			return l->p[l->i] == '\r' || l->p[l->i] == '\n' ?
			    "line break in header" : "expected a comma";
	}
	if (n == 0)
		return "no auth scheme";
	*count = n;
	return NULL;
}

/* Name the known parameters of a Digest item; other schemes have none. */
static void
digest_name_params(struct digest_auth *a, const struct digest_pname *names)
{
	size_t	i, j;

	for (i = 0; i < a->nparams; i++) {
		a->params[i].id = DIGEST_P_OTHER;
		if (!a->is_digest)
			continue;
		for (j = 0; names[j].name != NULL; j++)
			if (strcasecmp(names[j].name, a->params[i].name) == 0)
				a->params[i].id = names[j].id;
	}
}

/* Whether a value says true (RFC 7616: any other value is false). */
static int
digest_true(const char *v)
{
	return v != NULL && strcasecmp(v, "true") == 0;
}

/* The qop options a challenge offers (RFC 7616 §3.3: unknown ignored). */
static unsigned
digest_qop_options(const char *v)
{
	unsigned	 qop = 0;
	size_t		 n;

	while (*v != '\0') {
		v += strspn(v, " \t,");
		n = strcspn(v, " \t,");
		if (n == 4 && strncasecmp(v, "auth", 4) == 0)
			qop |= DIGEST_QOP_AUTH;
		else if (n == 8 && strncasecmp(v, "auth-int", 8) == 0)
			qop |= DIGEST_QOP_AUTH_INT;
		v += n;
	}
	return qop;
}

/* Fill a challenge's fields from its parameters and decide if it is usable. */
static void
digest_challenge_finish(struct digest_challenge *c)
{
	struct digest_param	*p;
	size_t			 i;

	digest_name_params(&c->a, digest_chal_names);
	for (i = 0; i < c->a.nparams; i++) {
		p = &c->a.params[i];
		switch (p->id) {
		case DIGEST_P_REALM:		c->realm = p->value; break;
		case DIGEST_P_DOMAIN:		c->domain = p->value; break;
		case DIGEST_P_NONCE:		c->nonce = p->value; break;
		case DIGEST_P_OPAQUE:		c->opaque = p->value; break;
		case DIGEST_P_STALE:		c->stale =
						    digest_true(p->value);
						break;
		case DIGEST_P_ALGORITHM:	c->alg_value = p->value; break;
		case DIGEST_P_QOP:		c->qop_value = p->value; break;
		case DIGEST_P_CHARSET:		c->charset = p->value; break;
		case DIGEST_P_USERHASH:		c->userhash =
						    digest_true(p->value);
						break;
		default:			break;
		}
	}
	c->alg = c->alg_value == NULL ? DIGEST_ALG_MD5 :
	    digest_alg_from_name(c->alg_value, strlen(c->alg_value));
	if (c->qop_value != NULL)
		c->qop = digest_qop_options(c->qop_value);
	if (!c->a.is_digest) {
		c->alg = DIGEST_ALG_UNKNOWN;
		c->unusable = "not a Digest challenge";
	} else if (c->alg == DIGEST_ALG_UNKNOWN)
		c->unusable = "unknown algorithm";
	else if (c->qop_value != NULL && c->qop == 0)
		c->unusable = "no qop option it knows";
	else if (c->realm == NULL)
		c->unusable = "no realm";
	else if (c->nonce == NULL)
		c->unusable = "no nonce";
}

/* The next challenge slot of a set. */
static struct digest_auth *
digest_chal_slot(void *ctx, size_t i)
{
	struct digest_challenges	*set = ctx;

	return &set->c[i].a;
}

/* Parse a WWW-Authenticate or Proxy-Authenticate value; see digest.h. */
const char *
digest_challenges_parse(const char *buf, size_t len,
    struct digest_challenges *set)
{
	struct digest_lex	 l;
	const char		*err;
	size_t			 i, n = 0;

	memset(set, 0, sizeof(*set));
	memset(&l, 0, sizeof(l));
	l.p = buf;
	l.n = len;
	l.text = set->text;
	l.cap = sizeof(set->text);
	err = digest_list(&l, digest_chal_slot, set, DIGEST_MAX_CHALLENGES,
	    &n);
	if (err != NULL) {
		memset(set, 0, sizeof(*set));
		return err;
	}
	set->n = n;
	set->textlen = l.used;
	for (i = 0; i < n; i++)
		digest_challenge_finish(&set->c[i]);
	return NULL;
}

/* Whether v is exactly 8 hex digits (RFC 7616 §3.4 nc-value). */
static int
digest_nc_ok(const char *v)
{
	return strlen(v) == 8 && strspn(v, "0123456789abcdefABCDEF") == 8;
}

/* Fill credentials fields; syntax errors a printer could not keep fail. */
static const char *
digest_credentials_finish(struct digest_credentials *cr)
{
	struct digest_param	*p;
	const char		*qop = NULL;
	size_t			 i;

	digest_name_params(&cr->a, digest_cred_names);
	for (i = 0; i < cr->a.nparams; i++) {
		p = &cr->a.params[i];
		switch (p->id) {
		case DIGEST_P_USERNAME:		cr->username = p->value; break;
		case DIGEST_P_USERNAME_EXT:	cr->username_ext = p->raw;
						break;
		case DIGEST_P_REALM:		cr->realm = p->value; break;
		case DIGEST_P_NONCE:		cr->nonce = p->value; break;
		case DIGEST_P_URI:		cr->uri = p->value; break;
		case DIGEST_P_RESPONSE:		cr->response = p->value; break;
		case DIGEST_P_ALGORITHM:	cr->alg_value = p->value; break;
		case DIGEST_P_CNONCE:		cr->cnonce = p->value; break;
		case DIGEST_P_OPAQUE:		cr->opaque = p->value; break;
		case DIGEST_P_QOP:		qop = p->value; break;
		case DIGEST_P_NC:		cr->nc = p->value; break;
		case DIGEST_P_USERHASH:		cr->userhash =
						    digest_true(p->value);
						break;
		default:			break;
		}
	}
	if (cr->nc != NULL && !digest_nc_ok(cr->nc))
		return "nc is not 8 hex digits";
	if (qop != NULL && strcasecmp(qop, "auth") == 0)
		cr->qop = DIGEST_QOP_AUTH;
	else if (qop != NULL && strcasecmp(qop, "auth-int") == 0)
		cr->qop = DIGEST_QOP_AUTH_INT;
	else if (qop != NULL)
		return "unknown qop";
	if (cr->username != NULL && cr->username_ext != NULL)
		return "both username and username*";
	cr->alg = cr->alg_value == NULL ? DIGEST_ALG_MD5 :
	    digest_alg_from_name(cr->alg_value, strlen(cr->alg_value));
	if (!cr->a.is_digest) {
		cr->alg = DIGEST_ALG_UNKNOWN;
		cr->unusable = "not Digest credentials";
	} else if (cr->alg == DIGEST_ALG_UNKNOWN)
		cr->unusable = "unknown algorithm";
	else if (cr->username == NULL && cr->username_ext == NULL)
		cr->unusable = "no username";
	else if (cr->realm == NULL || cr->nonce == NULL || cr->uri == NULL ||
	    cr->response == NULL)
		cr->unusable = "no realm, nonce, uri or response";
	else if (cr->qop != DIGEST_QOP_NONE && (cr->nc == NULL ||
	    cr->cnonce == NULL))
		cr->unusable = "qop without nc or cnonce";
	return NULL;
}

/* The one slot of credentials. */
static struct digest_auth *
digest_cred_slot(void *ctx, size_t i)
{
	struct digest_credentials	*cr = ctx;

	return &cr->a;
}

/* Parse an Authorization or Proxy-Authorization value; see digest.h. */
const char *
digest_credentials_parse(const char *buf, size_t len,
    struct digest_credentials *cr)
{
	struct digest_lex	 l;
	const char		*err;
	size_t			 n = 0;

	memset(cr, 0, sizeof(*cr));
	memset(&l, 0, sizeof(l));
	l.p = buf;
	l.n = len;
	l.text = cr->text;
	l.cap = sizeof(cr->text);
	if ((err = digest_list(&l, digest_cred_slot, cr, 1, &n)) == NULL)
		err = digest_credentials_finish(cr);
	if (err != NULL) {
		memset(cr, 0, sizeof(*cr));
		return err;
	}
	cr->textlen = l.used;
	return NULL;
}

/* Two optional strings are the same. */
static int
digest_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The parameters neither side knows, in order: same names, same raw text. */
static int
digest_others_equal(const struct digest_auth *a, const struct digest_auth *b)
{
	size_t	i = 0, j = 0;

	for (;;) {
		while (i < a->nparams && a->params[i].id != DIGEST_P_OTHER)
			i++;
		while (j < b->nparams && b->params[j].id != DIGEST_P_OTHER)
			j++;
		if (i == a->nparams || j == b->nparams)
			return i == a->nparams && j == b->nparams;
		if (strcasecmp(a->params[i].name, b->params[j].name) != 0 ||
		    strcmp(a->params[i].raw, b->params[j].raw) != 0)
			return 0;
		i++;
		j++;
	}
}

/* Scheme, token68 and unknown parameters agree. */
static int
digest_auth_equal(const struct digest_auth *a, const struct digest_auth *b)
{
	return strcasecmp(a->scheme, b->scheme) == 0 &&
	    a->is_digest == b->is_digest &&
	    digest_streq(a->token68, b->token68) &&
	    digest_others_equal(a, b);
}

/* See digest.h. Unknown algorithms and qop lists compare as given. */
int
digest_challenge_equal(const struct digest_challenge *a,
    const struct digest_challenge *b)
{
	return digest_auth_equal(&a->a, &b->a) &&
	    digest_streq(a->unusable, b->unusable) &&
	    a->alg == b->alg &&
	    (a->alg != DIGEST_ALG_UNKNOWN ||
	    digest_streq(a->alg_value, b->alg_value)) &&
	    digest_streq(a->realm, b->realm) &&
	    digest_streq(a->domain, b->domain) &&
	    digest_streq(a->nonce, b->nonce) &&
	    digest_streq(a->opaque, b->opaque) &&
	    a->qop == b->qop &&
	    (a->qop != 0 || digest_streq(a->qop_value, b->qop_value)) &&
	    a->stale == b->stale &&
	    digest_streq(a->charset, b->charset) &&
	    a->userhash == b->userhash;
}

/* See digest.h. */
int
digest_credentials_equal(const struct digest_credentials *a,
    const struct digest_credentials *b)
{
	return digest_auth_equal(&a->a, &b->a) &&
	    digest_streq(a->unusable, b->unusable) &&
	    a->alg == b->alg &&
	    (a->alg != DIGEST_ALG_UNKNOWN ||
	    digest_streq(a->alg_value, b->alg_value)) &&
	    digest_streq(a->username, b->username) &&
	    digest_streq(a->username_ext, b->username_ext) &&
	    digest_streq(a->realm, b->realm) &&
	    digest_streq(a->nonce, b->nonce) &&
	    digest_streq(a->uri, b->uri) &&
	    digest_streq(a->response, b->response) &&
	    digest_streq(a->cnonce, b->cnonce) &&
	    digest_streq(a->opaque, b->opaque) &&
	    a->qop == b->qop &&
	    digest_streq(a->nc, b->nc) &&
	    a->userhash == b->userhash;
}
