/*
 * digest_print.c: challenges and credentials written back canonically
 * (RFC 8760 §2.6, RFC 7616 §3.3-3.4): the scheme spelled "Digest", the
 * known parameters in one fixed order and quoted as the RFC says, then
 * the unknown ones exactly as received. Other schemes go out as received.
 *
 * Values the parser kept but could not understand (an unknown algorithm,
 * a qop list with no option we know) are re-emitted raw, so what a proxy
 * passes on still says what the server said.
 */
#include "config.h"

#include <string.h>

#include "digest.h"

/* Output buffer; full is set once something did not fit. */
struct digest_out {
	char	*p;
	size_t	 cap;
	size_t	 len;
	int	 full;
	int	 nparams;	/* written so far for the current item */
};

/* Append n bytes. */
static void
digest_put(struct digest_out *o, const char *s, size_t n)
{
	if (o->full || n >= o->cap - o->len) {
		o->full = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

/* Append a string. */
static void
digest_puts(struct digest_out *o, const char *s)
{
	digest_put(o, s, strlen(s));
}

/* Start a parameter: the separator, the name and "=". */
static void
digest_name(struct digest_out *o, const char *name)
{
	digest_puts(o, o->nparams++ == 0 ? " " : ", ");
	digest_puts(o, name);
	digest_puts(o, "=");
}

/* name="value", with '"' and '\' escaped. */
static void
digest_quoted(struct digest_out *o, const char *name, const char *v)
{
	size_t	n;

	if (v == NULL)
		return;
	digest_name(o, name);
	digest_puts(o, "\"");
	while (*v != '\0') {
		n = strcspn(v, "\"\\");
		digest_put(o, v, n);
		v += n;
		if (*v != '\0') {
			digest_put(o, "\\", 1);
			digest_put(o, v++, 1);
		}
	}
	digest_puts(o, "\"");
}

/* name=value, value a token. */
static void
digest_token(struct digest_out *o, const char *name, const char *v)
{
	if (v == NULL)
		return;
	digest_name(o, name);
	digest_puts(o, v);
}

/* Whether s is a non-empty RFC 7230 token. */
static int
digest_is_token(const char *s)
{
	static const char	 t[] = "!#$%&'*+-.^_`|~0123456789"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

	return s[0] != '\0' && strspn(s, t) == strlen(s);
}

/* A parameter as received: its name and raw value. */
static void
digest_raw(struct digest_out *o, const struct digest_param *p)
{
	digest_name(o, p->name);
	digest_puts(o, p->raw);
}

/* The parameter with this id, or NULL. */
static const struct digest_param *
digest_find(const struct digest_auth *a, enum digest_param_id id)
{
	size_t	i;

	for (i = 0; i < a->nparams; i++)
		if (a->params[i].id == id)
			return &a->params[i];
	return NULL;
}

/* algorithm=TOKEN canonically, or as given when unknown. */
static void
digest_alg(struct digest_out *o, const struct digest_auth *a,
    enum digest_alg alg, const char *given)
{
	const struct digest_param	*p;

	if (given == NULL)
		return;
	if (alg != DIGEST_ALG_UNKNOWN)
		digest_token(o, "algorithm", digest_alg_name(alg));
	else if ((p = digest_find(a, DIGEST_P_ALGORITHM)) != NULL)
		digest_raw(o, p);
}

/* What every scheme but Digest gets: as received. Returns 1 if done. */
static int
digest_verbatim(struct digest_out *o, const struct digest_auth *a)
{
	size_t	i;

	if (a->is_digest && a->token68 == NULL) {
		digest_puts(o, "Digest");
		return 0;
	}
	digest_puts(o, a->is_digest ? "Digest" : a->scheme);
	if (a->token68 != NULL) {
		digest_puts(o, " ");
		digest_puts(o, a->token68);
	}
	for (i = 0; i < a->nparams; i++)
		digest_raw(o, &a->params[i]);
	return 1;
}

/* The parameters no one knows, in the order received. */
static void
digest_others(struct digest_out *o, const struct digest_auth *a)
{
	size_t	i;

	for (i = 0; i < a->nparams; i++)
		if (a->params[i].id == DIGEST_P_OTHER)
			digest_raw(o, &a->params[i]);
}

/* One challenge into o. */
static void
digest_challenge_out(struct digest_out *o, const struct digest_challenge *c)
{
	const struct digest_param	*p;
	static const char *const	 qops[] = {
		NULL, "auth", "auth-int", "auth, auth-int"
	};

	o->nparams = 0;
	if (digest_verbatim(o, &c->a))
		return;
	digest_quoted(o, "realm", c->realm);
	digest_quoted(o, "domain", c->domain);
	if (c->qop != 0)
		digest_quoted(o, "qop", qops[c->qop & 3]);
	else if ((p = digest_find(&c->a, DIGEST_P_QOP)) != NULL)
		digest_raw(o, p);
	digest_quoted(o, "nonce", c->nonce);
	digest_quoted(o, "opaque", c->opaque);
	if (c->stale)
		digest_token(o, "stale", "true");
	digest_alg(o, &c->a, c->alg, c->alg_value);
	if (c->charset != NULL && digest_is_token(c->charset))
		digest_token(o, "charset", c->charset);
	else
		digest_quoted(o, "charset", c->charset);
	if (c->userhash)
		digest_token(o, "userhash", "true");
	digest_others(o, &c->a);
}

/* Terminate the output and say whether it fit. */
static const char *
digest_done(struct digest_out *o, size_t *lenp)
{
	if (o->cap > 0)
		o->p[o->full ? 0 : o->len] = '\0';
	if (o->full)
		return "output buffer too small";
	if (lenp != NULL)
		*lenp = o->len;
	return NULL;
}

/* Set up an output buffer. */
static void
digest_out_init(struct digest_out *o, char *out, size_t outlen)
{
	memset(o, 0, sizeof(*o));
	o->p = out;
	o->cap = outlen;
	o->full = outlen == 0;
}

/* See digest.h. */
const char *
digest_challenge_print(const struct digest_challenge *c, char *out,
    size_t outlen, size_t *lenp)
{
	return digest_challenges_print(c, 1, out, outlen, lenp);
}

/* See digest.h. */
const char *
digest_challenges_print(const struct digest_challenge *c, size_t n, char *out,
    size_t outlen, size_t *lenp)
{
	struct digest_out	o;
	size_t			i;

	digest_out_init(&o, out, outlen);
	for (i = 0; i < n; i++) {
		if (i > 0)
			digest_puts(&o, ", ");
		digest_challenge_out(&o, &c[i]);
	}
	return digest_done(&o, lenp);
}

/* See digest.h. */
const char *
digest_credentials_print(const struct digest_credentials *cr, char *out,
    size_t outlen, size_t *lenp)
{
	struct digest_out	 o;
	const struct digest_param	*p;

	digest_out_init(&o, out, outlen);
	if (digest_verbatim(&o, &cr->a))
		return digest_done(&o, lenp);
	digest_quoted(&o, "username", cr->username);
	if ((p = digest_find(&cr->a, DIGEST_P_USERNAME_EXT)) != NULL)
		digest_raw(&o, p);
	digest_quoted(&o, "realm", cr->realm);
	digest_quoted(&o, "uri", cr->uri);
	digest_alg(&o, &cr->a, cr->alg, cr->alg_value);
	digest_quoted(&o, "nonce", cr->nonce);
	digest_token(&o, "nc", cr->nc);
	digest_quoted(&o, "cnonce", cr->cnonce);
	if (cr->qop != DIGEST_QOP_NONE)
		digest_token(&o, "qop", cr->qop == DIGEST_QOP_AUTH ? "auth" :
		    "auth-int");
	digest_quoted(&o, "response", cr->response);
	digest_quoted(&o, "opaque", cr->opaque);
	if (cr->userhash)
		digest_token(&o, "userhash", "true");
	digest_others(&o, &cr->a);
	return digest_done(&o, lenp);
}
