/*
 * digest_client.c: answer a digest challenge as a client (see
 * digest_client.h). Challenges are parsed with the digest core, never
 * with libosip2's own authenticate parser, which drops what it does not
 * know; the response is computed by the digest core too.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <osipparser2/osip_parser.h>

#include "digest.h"
#include "digest_client.h"
#include "sip_msg.h"
#include "util.h"

/* Every challenge of a response, parsed from each header of a name. */
struct digest_client_offer {
	struct digest_challenges	**sets;
	size_t				  n_sets;
};

/* Output that remembers it ran out of room instead of cutting silently. */
struct digest_client_buf {
	char	*p;
	size_t	 len;
	size_t	 n;
	int	 full;
};

/* Forget the nonce. */
void
digest_client_clear(struct digest_client *dc)
{
	free(dc->nonce);
	dc->nonce = NULL;
	dc->nc = 0;
}

/* The qop we answer a challenge with, or -1 if it offers none we do. */
static int
digest_client_qop(const struct digest_challenge *c)
{
	if (c->qop & DIGEST_QOP_AUTH)
		return DIGEST_QOP_AUTH;
	if (c->qop & DIGEST_QOP_AUTH_INT)
		return DIGEST_QOP_AUTH_INT;
	/* qop given but none we know: answering without one would be wrong. */
	return c->qop_value == NULL ? DIGEST_QOP_NONE : -1;
}

/* Parse every header of the name; a header that does not parse is skipped. */
static void
digest_client_offer_parse(const osip_message_t *resp, const char *name,
    struct digest_client_offer *o)
{
	osip_list_iterator_t	 it;
	osip_header_t		*h;
	struct digest_challenges *set;

	memset(o, 0, sizeof(*o));
	for (h = osip_list_get_first(&resp->headers, &it);
	    osip_list_iterator_has_elem(it); h = osip_list_get_next(&it)) {
		if (h->hname == NULL || h->hvalue == NULL ||
		    strcasecmp(h->hname, name) != 0)
			continue;
		set = xcalloc(1, sizeof(*set));
		if (digest_challenges_parse(h->hvalue, strlen(h->hvalue),
		    set) != NULL) {
			free(set);
			continue;
		}
		o->sets = xreallocarray(o->sets, o->n_sets + 1,
		    sizeof(*o->sets));
		o->sets[o->n_sets++] = set;
	}
}

/* Release a parsed offer. */
static void
digest_client_offer_free(struct digest_client_offer *o)
{
	size_t	i;

	for (i = 0; i < o->n_sets; i++)
		free(o->sets[i]);
	free(o->sets);
}

/* The challenge to answer: the first preferred algorithm offered. */
static const struct digest_challenge *
digest_client_choose(const struct digest_client_answer_in *in,
    const struct digest_client_offer *o)
{
	static const enum digest_alg	 def[] = { DIGEST_ALG_SHA512_256,
	    DIGEST_ALG_SHA256, DIGEST_ALG_MD5 };
	const enum digest_alg		*algs = def;
	const struct digest_challenge	*c;
	size_t				 n = nitems(def), a, s, i;

	if (in->algs != NULL && in->n_algs > 0) {
		algs = in->algs;
		n = in->n_algs;
	}
	for (a = 0; a < n; a++)
		for (s = 0; s < o->n_sets; s++)
			for (i = 0; i < o->sets[s]->n; i++) {
				c = &o->sets[s]->c[i];
				if (c->a.is_digest && c->unusable == NULL &&
				    c->realm != NULL && c->nonce != NULL &&
				    c->alg == algs[a] &&
				    digest_client_qop(c) >= 0)
					return c;
			}
	return NULL;
}

/* Append s. */
static void
digest_client_put(struct digest_client_buf *b, const char *s)
{
	size_t	l = strlen(s);

	if (b->full || l >= b->len - b->n) {
		b->full = 1;
		return;
	}
	memcpy(b->p + b->n, s, l + 1);
	b->n += l;
}

/* Append s as a quoted-string, quotes included. */
static void
digest_client_quote(struct digest_client_buf *b, const char *s)
{
	digest_client_put(b, "\"");
	for (; *s != '\0' && !b->full; s++) {
		/* An escape and the character, and room for the NUL. */
		if (b->len - b->n < 3) {
			b->full = 1;
			break;
		}
		if (*s == '"' || *s == '\\')
			b->p[b->n++] = '\\';
		b->p[b->n++] = *s;
		b->p[b->n] = '\0';
	}
	digest_client_put(b, "\"");
}

/* Append ", name=" and the value quoted. */
static void
digest_client_param(struct digest_client_buf *b, const char *name,
    const char *value)
{
	digest_client_put(b, ", ");
	digest_client_put(b, name);
	digest_client_put(b, "=");
	digest_client_quote(b, value);
}

/* Count this use of the chosen nonce: 1 for a new one, one more if not. */
static void
digest_client_count(struct digest_client *dc, const char *nonce)
{
	if (dc->nonce != NULL && strcmp(dc->nonce, nonce) == 0) {
		dc->nc++;
		return;
	}
	free(dc->nonce);
	dc->nonce = xstrdup(nonce);
	dc->nc = 1;
}

/* The credentials value answering c into value[len]; see the header. */
static const char *
digest_client_credentials(struct digest_client *dc,
    const struct digest_challenge *c, const struct digest_client_answer_in *in,
    char *value, size_t len)
{
	struct digest_client_buf b = { value, len, 0, len == 0 };
	struct digest_input	 di;
	uint64_t		 r[2];
	char			 resp[DIGEST_HEX_MAX], cnonce[33], nc[9];
	const char		*err;
	int			 qop = digest_client_qop(c);

	if (len > 0)
		value[0] = '\0';
	/* The cnonce protects against chosen-plaintext: it must be random. */
	if (RAND_bytes((unsigned char *)r, sizeof(r)) != 1)
		return "no random bytes for a cnonce";
	snprintf(cnonce, sizeof(cnonce), "%016" PRIx64 "%016" PRIx64, r[0],
	    r[1]);
	digest_client_count(dc, c->nonce);
	snprintf(nc, sizeof(nc), "%08x", dc->nc);
	memset(&di, 0, sizeof(di));
	di.alg = c->alg;
	di.username = in->username;
	di.realm = c->realm;
	di.password = in->password != NULL ? in->password : "";
	di.nonce = c->nonce;
	di.cnonce = cnonce;
	di.nc = nc;
	di.qop = (unsigned)qop;
	di.method = in->method;
	di.uri = in->uri;
	di.body = in->body != NULL ? in->body : "";
	di.bodylen = in->body != NULL ? in->bodylen : 0;
	if ((err = digest_response(&di, resp)) != NULL)
		return err;
	digest_client_put(&b, "Digest username=");
	digest_client_quote(&b, in->username);
	digest_client_param(&b, "realm", c->realm);
	digest_client_param(&b, "nonce", c->nonce);
	digest_client_param(&b, "uri", in->uri);
	digest_client_param(&b, "response", resp);
	OPENSSL_cleanse(resp, sizeof(resp));
	digest_client_put(&b, ", algorithm=");
	digest_client_put(&b, digest_alg_name(c->alg));
	if (c->opaque != NULL)
		digest_client_param(&b, "opaque", c->opaque);
	if (qop != DIGEST_QOP_NONE) {
		digest_client_put(&b, qop == DIGEST_QOP_AUTH ? ", qop=auth" :
		    ", qop=auth-int");
		digest_client_put(&b, ", nc=");
		digest_client_put(&b, nc);
		digest_client_param(&b, "cnonce", cnonce);
	}
	if (b.full) {
		/* A cut-off answer is useless, and holds part of a response. */
		OPENSSL_cleanse(value, len);
		if (len > 0)
			value[0] = '\0';
		return "credentials too long";
	}
	return NULL;
}

/* Answer the best challenge of a 401 or 407; see the header. */
const char *
digest_client_answer(struct digest_client *dc, const osip_message_t *resp,
    const struct digest_client_answer_in *in, const char **hname,
    char *value, size_t len, enum digest_alg *alg, int *stale)
{
	struct digest_client_offer	 o;
	const struct digest_challenge	*c;
	const char			*err = NULL;
	int				 status = sip_msg_status(resp);

	*hname = NULL;
	*alg = DIGEST_ALG_UNKNOWN;
	*stale = 0;
	if (value != NULL && len > 0)
		value[0] = '\0';
	if (status != 401 && status != 407)
		return "not a 401 or 407";
	*hname = status == 401 ? "Authorization" : "Proxy-Authorization";
	digest_client_offer_parse(resp, status == 401 ? "WWW-Authenticate" :
	    "Proxy-Authenticate", &o);
	if ((c = digest_client_choose(in, &o)) == NULL) {
		digest_client_offer_free(&o);
		return "no challenge we can answer";
	}
	*alg = c->alg;
	*stale = c->stale;
	if (value != NULL)
		err = digest_client_credentials(dc, c, in, value, len);
	digest_client_offer_free(&o);
	return err;
}
