/*
 * auth_local.c: the edge as a digest server for phones of an account it
 * holds (see auth_local.h for the nonce layout).
 *
 * Nonces are stateless: everything needed to check one is in it, so a
 * flood of REGISTERs costs no memory until an answer verifies. Only then
 * is the nonce remembered, with the highest nc taken, in a table of
 * bounded size. A nonce pushed out of that table could be replayed at
 * its old nc for the rest of its lifetime, so the newest issue time ever
 * pushed out is kept as a floor: an unknown nonce issued at or before it
 * is called stale, and an honest phone just asks again.
 *
 * The throttle counts failures per source IP (the port changes with
 * every TLS connection, the attacker's address does not) in a second
 * bounded table, oldest entry out first.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <uthash.h>
#include <utlist.h>

#include "auth_local.h"
#include "digest.h"
#include "log.h"
#include "util.h"

#define AUTH_LOCAL_LABEL	"sipedge-auth-local-nonce" /* in every tag */
#define AUTH_LOCAL_KEY_LABEL	"sipedge auth_local key v1" /* derives key */
#define AUTH_LOCAL_HEAD_LEN	17	/* epoch(4) issued(4) salt(9) */
#define AUTH_LOCAL_TAG_LEN	16	/* truncated HMAC-SHA256 */
#define AUTH_LOCAL_RAW_LEN	(AUTH_LOCAL_HEAD_LEN + AUTH_LOCAL_TAG_LEN)
#define AUTH_LOCAL_IP_MAX	64	/* an address, with a zone id */
#define AUTH_LOCAL_REASON_MAX	64	/* bytes of reason= in the log */
#define AUTH_LOCAL_FROM_MAX	80	/* bytes of from= in the log */

/* A nonce that has been answered, and the highest nc taken with it. */
struct auth_local_seen {
	char			 nonce[AUTH_LOCAL_NONCE_LEN + 1];
	uint32_t		 issued;
	uint32_t		 nc;
	struct auth_local_seen	*prev, *next;	/* least recently used first */
	UT_hash_handle		 hh;
};

/* The recent failures of one source IP. */
struct auth_local_src {
	char			 ip[AUTH_LOCAL_IP_MAX];
	unsigned		 failures;	/* in the window from first */
	time_t			 first;
	time_t			 blocked_until;	/* 0: not blocked */
	struct auth_local_src	*prev, *next;	/* least recent first */
	UT_hash_handle		 hh;
};

/* The key, this run's epoch, the tables and the limits. */
static struct {
	unsigned char		 key[32];
	EVP_MAC			*mac;		/* HMAC, fetched at init */
	uint32_t		 epoch;
	int			 ready;
	uint32_t		 floor;		/* newest issued forgotten */
	int			 has_floor;
	struct auth_local_seen	*seen, *seen_lru;
	size_t			 nseen;
	struct auth_local_src	*srcs, *src_lru;
	size_t			 nsrcs;
	struct auth_local_params p;
	time_t			(*clock)(void);
} al;

static const struct auth_local_params auth_local_defaults = {
	300, 5, 60, 60, 4096, 4096
};

/* Now, by the clock in force. */
static time_t
auth_local_now(void)
{
	return al.clock != NULL ? al.clock() : mono_seconds();
}

/* Replace the clock; see auth_local.h. */
void
auth_local_set_clock(time_t (*fn)(void))
{
	al.clock = fn;
}

/* Forget every remembered nonce and every failure. */
static void
auth_local_clear_tables(void)
{
	struct auth_local_seen	*s, *ts;
	struct auth_local_src	*c, *tc;

	HASH_ITER(hh, al.seen, s, ts) {
		HASH_DEL(al.seen, s);
		free(s);
	}
	HASH_ITER(hh, al.srcs, c, tc) {
		HASH_DEL(al.srcs, c);
		free(c);
	}
	al.seen_lru = NULL;
	al.src_lru = NULL;
	al.nseen = al.nsrcs = 0;
	al.has_floor = 0;
	al.floor = 0;
}

/* Set up key and epoch; see auth_local.h. */
int
auth_local_init(const unsigned char *key, size_t len)
{
	unsigned int	n = 0;

	auth_local_shutdown();
	if (al.p.nonce_lifetime == 0)
		al.p = auth_local_defaults;
	if (key == NULL) {
		if (RAND_bytes(al.key, sizeof(al.key)) != 1)
			goto fail;
	} else if (len == 0 || HMAC(EVP_sha256(), key, (int)len,
	    (const unsigned char *)AUTH_LOCAL_KEY_LABEL,
	    sizeof(AUTH_LOCAL_KEY_LABEL) - 1, al.key, &n) == NULL ||
	    n != sizeof(al.key))
		goto fail;
	if (RAND_bytes((unsigned char *)&al.epoch, sizeof(al.epoch)) != 1 ||
	    (al.mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		goto fail;
	al.ready = 1;
	return 0;
fail:
	auth_local_shutdown();
	return -1;
}

/* Free the tables and wipe the key; see auth_local.h. */
void
auth_local_shutdown(void)
{
	auth_local_clear_tables();
	OPENSSL_cleanse(al.key, sizeof(al.key));
	EVP_MAC_free(al.mac);
	al.mac = NULL;
	al.epoch = 0;
	al.ready = 0;
}

/* Change limits; see auth_local.h. */
int
auth_local_set_params(const struct auth_local_params *np)
{
	struct auth_local_params	p = al.p.nonce_lifetime != 0 ? al.p :
	    auth_local_defaults;

	if (np->nonce_lifetime > 86400 || np->failure_window > 86400 ||
	    np->block_seconds > 86400 || np->max_nonces > (1u << 20) ||
	    np->max_sources > (1u << 20))
		return -1;
#define AUTH_LOCAL_TAKE(f)	if (np->f != 0) p.f = np->f
	AUTH_LOCAL_TAKE(nonce_lifetime);
	AUTH_LOCAL_TAKE(max_failures);
	AUTH_LOCAL_TAKE(failure_window);
	AUTH_LOCAL_TAKE(block_seconds);
	AUTH_LOCAL_TAKE(max_nonces);
	AUTH_LOCAL_TAKE(max_sources);
#undef AUTH_LOCAL_TAKE
	al.p = p;
	return 0;
}

/* The limits in force; see auth_local.h. */
void
auth_local_get_params(struct auth_local_params *out)
{
	*out = al.p.nonce_lifetime != 0 ? al.p : auth_local_defaults;
}

/* Write a 32-bit value big-endian. */
static void
auth_local_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Read a 32-bit big-endian value. */
static uint32_t
auth_local_get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* The tag over label, head, realm, a NUL and source into tag. */
static int
auth_local_tag(const unsigned char *head, const char *realm,
    const char *source, unsigned char *tag)
{
	EVP_MAC_CTX	*ctx;
	OSSL_PARAM	 params[2];
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	size_t		 maclen = 0;
	int		 ok;

	if (al.mac == NULL || (ctx = EVP_MAC_CTX_new(al.mac)) == NULL)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = EVP_MAC_init(ctx, al.key, sizeof(al.key), params) &&
	    EVP_MAC_update(ctx, (const unsigned char *)AUTH_LOCAL_LABEL,
	    sizeof(AUTH_LOCAL_LABEL) - 1) &&
	    EVP_MAC_update(ctx, head, AUTH_LOCAL_HEAD_LEN) &&
	    EVP_MAC_update(ctx, (const unsigned char *)realm,
	    strlen(realm) + 1) &&
	    EVP_MAC_update(ctx, (const unsigned char *)source,
	    strlen(source)) &&
	    EVP_MAC_final(ctx, mac, &maclen, sizeof(mac)) &&
	    maclen >= AUTH_LOCAL_TAG_LEN;
	EVP_MAC_CTX_free(ctx);
	if (ok)
		memcpy(tag, mac, AUTH_LOCAL_TAG_LEN);
	OPENSSL_cleanse(mac, sizeof(mac));
	return ok ? 0 : -1;
}

static const char auth_local_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* base64url of the raw nonce (33 bytes: 44 characters, no padding). */
static void
auth_local_encode(const unsigned char *raw, char *out)
{
	size_t		i;
	uint32_t	v;

	for (i = 0; i < AUTH_LOCAL_RAW_LEN; i += 3) {
		v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 |
		    raw[i + 2];
		*out++ = auth_local_b64[(v >> 18) & 63];
		*out++ = auth_local_b64[(v >> 12) & 63];
		*out++ = auth_local_b64[(v >> 6) & 63];
		*out++ = auth_local_b64[v & 63];
	}
	*out = '\0';
}

/* The 6-bit value of a base64url character, or -1. */
static int
auth_local_b64_value(char c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(auth_local_b64, c)) == NULL)
		return -1;
	return (int)(p - auth_local_b64);
}

/* Decode a nonce of exactly AUTH_LOCAL_NONCE_LEN characters; -1 if not. */
static int
auth_local_decode(const char *s, unsigned char *raw)
{
	size_t		i, o = 0;
	uint32_t	v = 0;
	int		c;

	if (strlen(s) != AUTH_LOCAL_NONCE_LEN)
		return -1;
	for (i = 0; i < AUTH_LOCAL_NONCE_LEN; i++) {
		if ((c = auth_local_b64_value(s[i])) == -1)
			return -1;
		v = v << 6 | (uint32_t)c;
		if (i % 4 == 3) {
			raw[o++] = (unsigned char)(v >> 16);
			raw[o++] = (unsigned char)(v >> 8);
			raw[o++] = (unsigned char)v;
			v = 0;
		}
	}
	return 0;
}

/* Make a nonce; see auth_local.h. */
size_t
auth_local_nonce(const char *realm, const char *source, char *out,
    size_t outlen)
{
	unsigned char	raw[AUTH_LOCAL_RAW_LEN];

	if (outlen > 0)
		out[0] = '\0';
	if (!al.ready || outlen < AUTH_LOCAL_NONCE_LEN + 1)
		return 0;
	auth_local_put32(raw, al.epoch);
	auth_local_put32(raw + 4, (uint32_t)auth_local_now());
	if (RAND_bytes(raw + 8, AUTH_LOCAL_HEAD_LEN - 8) != 1 ||
	    auth_local_tag(raw, realm, source, raw + AUTH_LOCAL_HEAD_LEN) == -1)
		return 0;
	auth_local_encode(raw, out);
	return AUTH_LOCAL_NONCE_LEN;
}

/* Print a challenge for a new nonce; see auth_local.h. */
size_t
auth_local_challenge(const char *realm, enum digest_alg alg,
    const char *source, int stale, char *out, size_t outlen)
{
	struct digest_challenge	 c;
	char			 nonce[AUTH_LOCAL_NONCE_MAX];
	size_t			 len = 0;

	if (outlen > 0)
		out[0] = '\0';
	if (alg == DIGEST_ALG_UNKNOWN ||
	    auth_local_nonce(realm, source, nonce, sizeof(nonce)) == 0)
		return 0;
	memset(&c, 0, sizeof(c));
	c.a.scheme = "Digest";
	c.a.is_digest = 1;
	c.alg = alg;
	c.alg_value = digest_alg_name(alg);
	c.realm = realm;
	c.nonce = nonce;
	c.qop = DIGEST_QOP_AUTH;
	c.stale = stale != 0;
	if (digest_challenge_print(&c, out, outlen, &len) != NULL)
		return 0;
	return len;
}

/* A short name for a status; see auth_local.h. */
const char *
auth_local_status_name(enum auth_local_status st)
{
	switch (st) {
	case AUTH_LOCAL_OK:		return "ok";
	case AUTH_LOCAL_STALE:		return "stale";
	case AUTH_LOCAL_BAD_NONCE:	return "bad-nonce";
	case AUTH_LOCAL_REPLAY:		return "replay";
	case AUTH_LOCAL_WRONG_USER:	return "wrong-user";
	case AUTH_LOCAL_WRONG_RESPONSE:	return "wrong-response";
	case AUTH_LOCAL_MALFORMED:	return "malformed";
	case AUTH_LOCAL_WRONG_ALGORITHM: return "wrong-algorithm";
	}
	return "unknown";
}

/* Set the outcome and its reason, and return the status. */
static enum auth_local_status
auth_local_set(struct auth_local_result *r, enum auth_local_status st,
    const char *reason)
{
	r->status = st;
	r->reason = reason;
	return st;
}

/*
 * Check the nonce: ours, for this realm and source? *issued gets its
 * issue time and *stale whether it is of another run or too old.
 */
static enum auth_local_status
auth_local_check_nonce(const char *nonce, const char *realm,
    const char *source, uint32_t *issued, int *stale)
{
	unsigned char	raw[AUTH_LOCAL_RAW_LEN], tag[AUTH_LOCAL_TAG_LEN];
	uint32_t	age;

	if (auth_local_decode(nonce, raw) == -1 ||
	    auth_local_tag(raw, realm, source, tag) == -1 ||
	    CRYPTO_memcmp(tag, raw + AUTH_LOCAL_HEAD_LEN, sizeof(tag)) != 0)
		return AUTH_LOCAL_BAD_NONCE;
	*issued = auth_local_get32(raw + 4);
	/* Unsigned: a nonce "from the future" is as stale as an old one. */
	age = (uint32_t)auth_local_now() - *issued;
	*stale = auth_local_get32(raw) != al.epoch ||
	    age > al.p.nonce_lifetime;
	return AUTH_LOCAL_OK;
}

/* Compute the response the credentials should carry and compare. */
static int
auth_local_response_ok(const struct digest_credentials *cr,
    const char *method, const char *user, const char *realm,
    const char *password, const void *body, size_t bodylen)
{
	struct digest_input	in;
	char			want[DIGEST_HEX_MAX];
	int			ok;

	memset(&in, 0, sizeof(in));
	in.alg = cr->alg;
	in.username = user;
	in.realm = realm;
	in.password = password;
	in.nonce = cr->nonce;
	in.cnonce = cr->cnonce;
	in.nc = cr->nc;
	in.qop = cr->qop;
	in.method = method;
	in.uri = cr->uri;
	in.body = body;
	in.bodylen = bodylen;
	ok = digest_response(&in, want) == NULL &&
	    digest_response_equal(want, cr->response, strlen(cr->response));
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}

/* Forget the least recently used nonce, raising the floor to it. */
static void
auth_local_forget_oldest(void)
{
	struct auth_local_seen	*s = al.seen_lru;

	if (!al.has_floor || (int32_t)(s->issued - al.floor) > 0)
		al.floor = s->issued;
	al.has_floor = 1;
	DL_DELETE(al.seen_lru, s);
	HASH_DEL(al.seen, s);
	free(s);
	al.nseen--;
}

/*
 * Take nc for an authentic nonce: OK if above the last one taken with
 * it, REPLAY if not, STALE if the nonce was forgotten (see top of file).
 */
static enum auth_local_status
auth_local_take_nc(const char *nonce, uint32_t issued, uint32_t nc)
{
	struct auth_local_seen	*s;

	HASH_FIND_STR(al.seen, nonce, s);
	if (s != NULL) {
		if (nc <= s->nc)
			return AUTH_LOCAL_REPLAY;
		s->nc = nc;
		DL_DELETE(al.seen_lru, s);
		DL_APPEND(al.seen_lru, s);
		return AUTH_LOCAL_OK;
	}
	if (al.has_floor && (int32_t)(issued - al.floor) <= 0)
		return AUTH_LOCAL_STALE;
	if (nc == 0)
		return AUTH_LOCAL_REPLAY;
	while (al.nseen > 0 && al.nseen >= al.p.max_nonces)
		auth_local_forget_oldest();
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return AUTH_LOCAL_STALE;
	memcpy(s->nonce, nonce, AUTH_LOCAL_NONCE_LEN);
	s->issued = issued;
	s->nc = nc;
	HASH_ADD_STR(al.seen, nonce, s);
	DL_APPEND(al.seen_lru, s);
	al.nseen++;
	return AUTH_LOCAL_OK;
}

/* The checks of auth_local_verify() on parsed credentials, in order. */
static enum auth_local_status
auth_local_check(const struct digest_credentials *cr, const char *method,
    const char *source, const char *realm, const char *user,
    const char *password, enum digest_alg expected, const void *body,
    size_t bodylen, struct auth_local_result *r)
{
	enum auth_local_status	st;
	uint32_t		issued = 0;
	int			stale = 0;

	if (!cr->a.is_digest)
		return auth_local_set(r, AUTH_LOCAL_MALFORMED, "not Digest");
	if (cr->alg != expected)
		return auth_local_set(r, AUTH_LOCAL_WRONG_ALGORITHM,
		    "not the algorithm challenged");
	if (cr->unusable != NULL)
		return auth_local_set(r, AUTH_LOCAL_MALFORMED, cr->unusable);
	if (cr->qop == DIGEST_QOP_NONE)
		return auth_local_set(r, AUTH_LOCAL_MALFORMED, "no qop");
	if (cr->userhash || cr->username == NULL)
		return auth_local_set(r, AUTH_LOCAL_MALFORMED,
		    "userhash or username* not offered");
	r->nc = cr->nc != NULL ? (uint32_t)strtoul(cr->nc, NULL, 16) : 0;
	if (auth_local_check_nonce(cr->nonce, realm, source, &issued,
	    &stale) != AUTH_LOCAL_OK)
		return auth_local_set(r, AUTH_LOCAL_BAD_NONCE,
		    "nonce not ours for this realm and source");
	if (strcmp(cr->realm, realm) != 0)
		return auth_local_set(r, AUTH_LOCAL_WRONG_USER, "other realm");
	if (strcmp(cr->username, user) != 0)
		return auth_local_set(r, AUTH_LOCAL_WRONG_USER, "other user");
	/* RFC 7616 §3.3: stale only when the answer was right. */
	if (!auth_local_response_ok(cr, method, user, realm, password, body,
	    bodylen))
		return auth_local_set(r, AUTH_LOCAL_WRONG_RESPONSE,
		    "wrong response");
	if (stale)
		return auth_local_set(r, AUTH_LOCAL_STALE, "nonce expired");
	st = auth_local_take_nc(cr->nonce, issued, r->nc);
	return auth_local_set(r, st, st == AUTH_LOCAL_OK ? "ok" :
	    st == AUTH_LOCAL_REPLAY ? "nc not above the last one" :
	    "nonce forgotten");
}

/* Check a phone's credentials; see auth_local.h. */
enum auth_local_status
auth_local_verify(const char *buf, size_t len, const char *method,
    const char *source, const char *realm, const char *user,
    const char *password, enum digest_alg expected, const void *body,
    size_t bodylen, struct auth_local_result *r)
{
	struct digest_credentials	*cr;
	const char			*why;
	enum auth_local_status		 st;

	memset(r, 0, sizeof(*r));
	r->user[0] = '-';
	if (!al.ready || password == NULL || user == NULL || realm == NULL)
		return auth_local_set(r, AUTH_LOCAL_MALFORMED,
		    "no account to check against");
	/* Some 27 kB: too much for the stack of a libevent callback. */
	if ((cr = malloc(sizeof(*cr))) == NULL)
		return auth_local_set(r, AUTH_LOCAL_MALFORMED, "out of memory");
	if ((why = digest_credentials_parse(buf, len, cr)) != NULL)
		st = auth_local_set(r, AUTH_LOCAL_MALFORMED, why);
	else {
		r->alg = cr->alg;
		if (cr->username != NULL)
			auth_local_sanitise(cr->username, r->user,
			    sizeof(r->user));
		st = auth_local_check(cr, method, source, realm, user,
		    password, expected, body, bodylen, r);
	}
	free(cr);
	return st;
}

/* Write s as auth_local_failed() writes a user name; see auth_local.h. */
void
auth_local_sanitise(const char *s, char *out, size_t outlen)
{
	size_t	i;

	if (outlen == 0)
		return;
	for (i = 0; s != NULL && s[i] != '\0' && i < outlen - 1; i++) {
		unsigned char	c = (unsigned char)s[i];

		out[i] = c > ' ' && c < 0x7f && strchr("\"'\\=", c) == NULL ?
		    (char)c : '?';
	}
	out[i] = '\0';
	if (i == 0 && outlen > 1) {
		out[0] = '-';
		out[1] = '\0';
	}
}

/* The IP part of "IP:PORT", "[IP]:PORT", "[IP]" or a bare IP into out. */
static void
auth_local_ip(const char *s, char *out, size_t outlen)
{
	const char	*end, *colon;
	size_t		 n;

	if (s[0] == '[') {
		s++;
		end = strchr(s, ']');
	} else if ((colon = strchr(s, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL)
		end = colon;
	else
		end = NULL;
	n = end != NULL ? (size_t)(end - s) : strlen(s);
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* The throttle entry of an IP, or NULL. */
static struct auth_local_src *
auth_local_src_find(const char *addr)
{
	struct auth_local_src	*c;
	char			 ip[AUTH_LOCAL_IP_MAX];

	auth_local_ip(addr, ip, sizeof(ip));
	HASH_FIND_STR(al.srcs, ip, c);
	return c;
}

/* May source_ip try; see auth_local.h. */
int
auth_local_allowed(const char *source_ip)
{
	struct auth_local_src	*c;

	if (source_ip == NULL || (c = auth_local_src_find(source_ip)) == NULL)
		return 1;
	return c->blocked_until == 0 || auth_local_now() >= c->blocked_until;
}

/* The entry of the IP of addr, made (oldest out if full) when missing. */
static struct auth_local_src *
auth_local_src_get(const char *addr)
{
	struct auth_local_src	*c;

	if ((c = auth_local_src_find(addr)) != NULL) {
		DL_DELETE(al.src_lru, c);
		DL_APPEND(al.src_lru, c);
		return c;
	}
	while (al.nsrcs > 0 && al.nsrcs >= al.p.max_sources) {
		c = al.src_lru;
		DL_DELETE(al.src_lru, c);
		HASH_DEL(al.srcs, c);
		free(c);
		al.nsrcs--;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	auth_local_ip(addr, c->ip, sizeof(c->ip));
	HASH_ADD_STR(al.srcs, ip, c);
	DL_APPEND(al.src_lru, c);
	al.nsrcs++;
	return c;
}

/* Count a failure and log the fail2ban line; see auth_local.h. */
void
auth_local_failed(const char *user, const char *source_ip_port,
    const char *reason)
{
	struct auth_local_src	*c;
	struct auth_local_params p;
	char			 u[AUTH_LOCAL_USER_MAX + 1];
	char			 from[AUTH_LOCAL_FROM_MAX];
	char			 why[AUTH_LOCAL_REASON_MAX];
	time_t			 now = auth_local_now();

	if (source_ip_port == NULL)
		source_ip_port = "";
	auth_local_get_params(&p);
	if ((c = auth_local_src_get(source_ip_port)) != NULL) {
		if (c->blocked_until != 0 && now >= c->blocked_until) {
			c->blocked_until = 0;
			c->failures = 0;
		}
		if (c->failures == 0 ||
		    now - c->first >= (time_t)p.failure_window) {
			c->failures = 0;
			c->first = now;
		}
		if (++c->failures >= p.max_failures && c->blocked_until == 0)
			c->blocked_until = now + (time_t)p.block_seconds;
	}
	auth_local_sanitise(user, u, sizeof(u));
	auth_local_sanitise(source_ip_port, from, sizeof(from));
	auth_local_sanitise(reason, why, sizeof(why));
	log_notice("auth failed user=%s from=%s reason=%s", u, from, why);
}
