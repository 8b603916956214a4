/*
 * proxy_digest.c: the digest editor. Phones mis-pick among several
 * challenges (Spectralink and Cisco MPP take the last, Snom the first,
 * Auerswald gives up when MD5 sits beside SHA-2: quirks.md), so a 401 or
 * 407 from a carrier reaches a phone with exactly one challenge per
 * realm: the strongest the carrier offered that the phone's profile can
 * compute (RFC 8760 §2.6 allows one; the carrier's order is its
 * preference, the profile's the phone's). The phone's answer gets its
 * algorithm label repaired when the label is missing or wrong but the
 * response's length shows it computed the challenge it was given.
 *
 * What is known between the two is the algorithm each nonce was given
 * to each flow with, in a table of bounded size. Nothing here logs a
 * nonce, a response or anything else that could help a guess.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <osipparser2/osip_message.h>
#include <uthash.h>
#include <utlist.h>

#include "conn.h"
#include "digest.h"
#include "edge_config.h"
#include "profile.h"
#include "proxy_int.h"
#include "sip_msg.h"
#include "util.h"

#define PROXY_DIGEST_NONCES	4096	/* challenges remembered at once */
#define PROXY_DIGEST_TTL	600	/* seconds a challenge is remembered */

/* A challenge given to a phone: its nonce on that flow, and algorithm. */
struct proxy_nonce {
	char			*key;		/* "FLOW NONCE" */
	enum digest_alg		 alg;
	time_t			 at;		/* CLOCK_MONOTONIC seconds */
	struct proxy_nonce	*prev, *next;	/* oldest first */
	UT_hash_handle		 hh;
};

static struct proxy_nonce	*nonces;	/* by key */
static struct proxy_nonce	*nonce_age;	/* oldest first */
static size_t			 n_nonces;

/* Forget one remembered challenge. */
static void
proxy_nonce_drop(struct proxy_nonce *n)
{
	HASH_DEL(nonces, n);
	DL_DELETE(nonce_age, n);
	n_nonces--;
	free(n->key);
	free(n);
}

/* The key of a nonce given on a flow; caller frees. */
static char *
proxy_nonce_key(uint64_t flow, const char *nonce)
{
	char	*key;

	xasprintf(&key, "%llu %s", (unsigned long long)flow, nonce);
	return key;
}

/* Remember the algorithm a nonce went to a flow with. */
static void
proxy_nonce_note(uint64_t flow, const char *nonce, enum digest_alg alg)
{
	struct proxy_nonce	*n;
	char			*key = proxy_nonce_key(flow, nonce);
	time_t			 now = mono_seconds();

	while (nonce_age != NULL && (n_nonces >= PROXY_DIGEST_NONCES ||
	    now - nonce_age->at > PROXY_DIGEST_TTL))
		proxy_nonce_drop(nonce_age);
	HASH_FIND_STR(nonces, key, n);
	if (n != NULL)
		proxy_nonce_drop(n);
	n = xcalloc(1, sizeof(*n));
	n->key = key;
	n->alg = alg;
	n->at = now;
	HASH_ADD_KEYPTR(hh, nonces, n->key, strlen(n->key), n);
	DL_APPEND(nonce_age, n);
	n_nonces++;
}

/* The algorithm a nonce went to a flow with, or UNKNOWN. */
static enum digest_alg
proxy_nonce_alg(uint64_t flow, const char *nonce)
{
	struct proxy_nonce	*n;
	char			*key = proxy_nonce_key(flow, nonce);

	HASH_FIND_STR(nonces, key, n);
	free(key);
	if (n == NULL || mono_seconds() - n->at > PROXY_DIGEST_TTL)
		return DIGEST_ALG_UNKNOWN;
	return n->alg;
}

/* Forget every challenge (shutdown, tests). */
void
proxy_digest_clear(void)
{
	while (nonce_age != NULL)
		proxy_nonce_drop(nonce_age);
}

/* How strong an algorithm is, for "the carrier's strongest". */
static int
proxy_digest_rank(enum digest_alg a)
{
	switch (a) {
	case DIGEST_ALG_SHA512_256:
	case DIGEST_ALG_SHA512_256_SESS:
		return 3;
	case DIGEST_ALG_SHA256:
	case DIGEST_ALG_SHA256_SESS:
		return 2;
	case DIGEST_ALG_MD5:
	case DIGEST_ALG_MD5_SESS:
		return 1;
	default:
		return 0;
	}
}

/* The challenges of a response, parsed from every header of its kind. */
struct proxy_offer {
	struct digest_challenges	**sets;
	size_t				  n_sets;
	const struct digest_challenge	**usable;	/* in the carrier's order */
	size_t				  n_usable;
};

/* Parse every challenge header; 0 when there is at least one to choose. */
static int
proxy_offer_parse(osip_message_t *resp, const char *name,
    struct proxy_offer *o)
{
	osip_list_iterator_t	 it;
	osip_header_t		*h;
	struct digest_challenges *set;
	size_t			 i;

	memset(o, 0, sizeof(*o));
	for (h = osip_list_get_first(&resp->headers, &it);
	    osip_list_iterator_has_elem(it); h = osip_list_get_next(&it)) {
		if (!proxy_header_is(h, name))
			continue;
		set = xcalloc(1, sizeof(*set));
		o->sets = xreallocarray(o->sets, o->n_sets + 1,
		    sizeof(*o->sets));
		o->sets[o->n_sets++] = set;
		/* A header that does not parse is passed on as it is. */
		if (digest_challenges_parse(h->hvalue, strlen(h->hvalue),
		    set) != NULL)
			return -1;
		for (i = 0; i < set->n; i++) {
			if (!set->c[i].a.is_digest || set->c[i].unusable != NULL ||
			    set->c[i].realm == NULL)
				continue;
			o->usable = xreallocarray(o->usable, o->n_usable + 1,
			    sizeof(*o->usable));
			o->usable[o->n_usable++] = &set->c[i];
		}
	}
	return o->n_usable > 0 ? 0 : -1;
}

/* Release a parsed offer. */
static void
proxy_offer_free(struct proxy_offer *o)
{
	size_t	i;

	for (i = 0; i < o->n_sets; i++)
		free(o->sets[i]);
	free(o->sets);
	free(o->usable);
}

/*
 * The one challenge of a realm for a phone of this profile: the first
 * algorithm of the profile's list the carrier offered for the realm (in
 * the carrier's order when it offered it twice), else the carrier's
 * strongest, with *fits 0.
 */
static const struct digest_challenge *
proxy_digest_choose(const struct proxy_offer *o, const char *realm,
    const struct config_profile *prof, int *fits)
{
	const struct digest_challenge	*best = NULL, *c;
	size_t				 a, i;

	*fits = 1;
	for (a = 0; prof != NULL && a < prof->n_digest_algorithms; a++)
		for (i = 0; i < o->n_usable; i++) {
			c = o->usable[i];
			if (strcmp(c->realm, realm) == 0 &&
			    c->alg == prof->digest_algorithms[a])
				return c;
		}
	*fits = 0;
	for (i = 0; i < o->n_usable; i++) {
		c = o->usable[i];
		if (strcmp(c->realm, realm) == 0 && (best == NULL ||
		    proxy_digest_rank(c->alg) > proxy_digest_rank(best->alg)))
			best = c;
	}
	return best;
}

/* Whether the realm of usable[i] came earlier in the offer. */
static int
proxy_digest_seen_realm(const struct proxy_offer *o, size_t i)
{
	size_t	j;

	for (j = 0; j < i; j++)
		if (strcmp(o->usable[j]->realm, o->usable[i]->realm) == 0)
			return 1;
	return 0;
}

/* The names of the algorithms a profile computes, for a log line. */
static void
proxy_digest_profile_algs(const struct config_profile *prof, char *buf,
    size_t len)
{
	size_t	i;

	buf[0] = '\0';
	for (i = 0; prof != NULL && i < prof->n_digest_algorithms; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
		    i > 0 ? ", " : "", digest_alg_name(
		    prof->digest_algorithms[i]));
}

/*
 * Replace the challenges of a 401/407 for a phone by one per realm; see
 * the top of the file. A response whose challenges do not parse, or that
 * has no Digest challenge a client could answer, passes as it is.
 */
static enum proxy_verdict
proxy_digest_response(struct proxy_edit *e, osip_message_t *resp, int status)
{
	const char			*name;
	const struct config_profile	*prof;
	const struct digest_challenge	*c;
	struct proxy_offer		 o;
	char				*out = NULL, algs[128];
	size_t				 i, outlen;
	int				 fits;

	if ((status != 401 && status != 407) || e->up == NULL ||
	    e->up->side != CONN_SIDE_PHONE || e->from->side != CONN_SIDE_CARRIER)
		return PROXY_PASS;
	name = status == 401 ? "WWW-Authenticate" : "Proxy-Authenticate";
	if (proxy_offer_parse(resp, name, &o) == -1) {
		proxy_offer_free(&o);
		return PROXY_PASS;
	}
	prof = profile_match(e->p->cfg, e->up->user_agent);
	proxy_drop_headers(resp, name);
	out = xmalloc(DIGEST_TEXT_MAX);
	for (i = 0; i < o.n_usable; i++) {
		if (proxy_digest_seen_realm(&o, i))
			continue;
		c = proxy_digest_choose(&o, o.usable[i]->realm, prof, &fits);
		if (!fits) {
			proxy_digest_profile_algs(prof, algs, sizeof(algs));
			proxy_log(LOG_LVL_WARNING, e->up, resp, "the carrier "
			    "offers realm \"%s\" no algorithm profile %s "
			    "computes (%s): passing its strongest, %s; an "
			    "[account] for this AOR lets the edge answer",
			    c->realm, prof != NULL ? prof->name : "-", algs,
			    digest_alg_name(c->alg));
		}
		if (digest_challenge_print(c, out, DIGEST_TEXT_MAX,
		    &outlen) != NULL ||
		    osip_message_set_header(resp, name, out) != 0)
			continue;
		if (c->nonce != NULL)
			proxy_nonce_note(e->up->id, c->nonce, c->alg);
	}
	free(out);
	proxy_offer_free(&o);
	return PROXY_PASS;
}

/*
 * A phone's answer whose algorithm label is missing or wrong, although
 * its response has the length of the algorithm its challenge had: the
 * label it should have had. Logged once per flow.
 */
static void
proxy_digest_repair(struct proxy_edit *e, osip_message_t *m,
    osip_header_t *h)
{
	struct digest_credentials	*cr = xcalloc(1, sizeof(*cr));
	enum digest_alg			 want;
	char				*out = NULL;
	size_t				 outlen;

	if (digest_credentials_parse(h->hvalue, strlen(h->hvalue), cr) !=
	    NULL || !cr->a.is_digest || cr->nonce == NULL ||
	    cr->response == NULL ||
	    (want = proxy_nonce_alg(e->from->id, cr->nonce)) ==
	    DIGEST_ALG_UNKNOWN || (cr->alg == want && cr->alg_value != NULL) ||
	    strlen(cr->response) != digest_alg_hex_len(want))
		goto done;
	/* Without a label the answer is MD5 (RFC 7616 §3.3): say MD5 too. */
	if (cr->alg == want && want == DIGEST_ALG_MD5)
		goto done;
	if (!(e->from->logged_once & PROXY_ONCE_DIGEST_LABEL))
		proxy_log(LOG_LVL_NOTICE, e->from, m, "repaired the algorithm "
		    "of the phone's digest answer: %s for %s (its firmware "
		    "labels it wrongly; noted once per connection)",
		    cr->alg_value != NULL ? "wrong label" : "no label",
		    digest_alg_name(want));
	e->from->logged_once |= PROXY_ONCE_DIGEST_LABEL;
	cr->alg = want;
	cr->alg_value = digest_alg_name(want);
	out = xmalloc(DIGEST_TEXT_MAX);
	if (digest_credentials_print(cr, out, DIGEST_TEXT_MAX, &outlen) ==
	    NULL) {
		osip_free(h->hvalue);
		h->hvalue = osip_strdup(out);
	}
done:
	free(out);
	free(cr);
}

/* A phone's request: repair the labels of its digest answers. */
static enum proxy_verdict
proxy_digest_request(struct proxy_edit *e, osip_message_t *m)
{
	osip_list_iterator_t	 it;
	osip_header_t		*h;

	if (e->from->side != CONN_SIDE_PHONE)
		return PROXY_PASS;
	for (h = osip_list_get_first(&m->headers, &it);
	    osip_list_iterator_has_elem(it); h = osip_list_get_next(&it))
		if (proxy_header_is(h, "Authorization") ||
		    proxy_header_is(h, "Proxy-Authorization"))
			proxy_digest_repair(e, m, h);
	return PROXY_PASS;
}

const struct proxy_editor proxy_digest_editor = {
	.name = "digest",
	.request = proxy_digest_request,
	.response = proxy_digest_response,
};
