/*
 * auth_local.h: the edge as a digest server towards the phones of an
 * account it holds itself (issue 8, "Accounts held by the edge"): it
 * issues its own nonces, checks the phones' answers against the
 * account's phone_password, refuses replays, and throttles and logs
 * failed attempts per source address.
 *
 * A nonce is base64url(epoch(4) || issued(4) || salt(9) || tag(16)), 44
 * characters with no padding and nothing that needs quoting. epoch is
 * random per auth_local_init(), so a restart (or a re-init) invalidates
 * every nonce issued before it; issued is the module clock (monotonic
 * seconds) when the nonce was made; salt is random; tag is
 * HMAC-SHA256(key, label || epoch || issued || salt || realm || NUL ||
 * source) cut to 16 bytes, which binds the nonce to the realm and to the
 * phone's source address string.
 *
 * The module keeps its state in file scope: one edge, one nonce key, one
 * replay table, one throttle table, each bounded. Nothing it logs ever
 * holds a password, HA1, nonce, cnonce or response.
 */
#ifndef SIPEDGE_AUTH_LOCAL_H
#define SIPEDGE_AUTH_LOCAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "digest.h"

#define AUTH_LOCAL_NONCE_LEN	44	/* characters in every nonce */
#define AUTH_LOCAL_NONCE_MAX	64	/* a buffer this size fits a nonce */
#define AUTH_LOCAL_USER_MAX	64	/* bytes of a user name in a log line */

/* What a phone's credentials turned out to be. */
enum auth_local_status {
	AUTH_LOCAL_OK,			/* authentic: let the request through */
	AUTH_LOCAL_STALE,		/* right answer, expired nonce: */
					/* challenge again with stale=true */
	AUTH_LOCAL_BAD_NONCE,		/* not a nonce we gave this source */
					/* for this realm: forged or moved */
	AUTH_LOCAL_REPLAY,		/* nc not above the last one taken */
	AUTH_LOCAL_WRONG_USER,		/* another user name or realm */
	AUTH_LOCAL_WRONG_RESPONSE,	/* wrong password (or uri, method) */
	AUTH_LOCAL_MALFORMED,		/* unparsable, no qop, userhash... */
	AUTH_LOCAL_WRONG_ALGORITHM,	/* not the algorithm we asked for */
};

/* The outcome of auth_local_verify(). */
struct auth_local_result {
	enum auth_local_status	 status;
	const char		*reason;	/* static, fit for a log line */
	enum digest_alg		 alg;		/* the credentials' algorithm */
	uint32_t		 nc;		/* their nonce count, or 0 */
	/* The user name they gave, sanitised as auth_local_failed() does. */
	char			 user[AUTH_LOCAL_USER_MAX + 1];
};

/* Limits; 0 in a field of auth_local_set_params() keeps the default. */
struct auth_local_params {
	unsigned	 nonce_lifetime;	/* seconds; default 300 */
	unsigned	 max_failures;		/* per source IP; default 5 */
	unsigned	 failure_window;	/* seconds they count; 60 */
	unsigned	 block_seconds;		/* then refused for; 60 */
	size_t		 max_nonces;		/* replay table; 4096 */
	size_t		 max_sources;		/* throttle table; 4096 */
};

/*
 * Set up the nonce key: derived from key[0..len) when key is not NULL
 * (HMAC-SHA256 with a fixed label), else 32 random bytes. Picks a new
 * random epoch and empties both tables, so calling it again invalidates
 * every nonce given so far. Returns 0, or -1 if OpenSSL fails or the key
 * is empty.
 */
int	auth_local_init(const unsigned char *key, size_t len);
/* Free both tables and wipe the key. */
void	auth_local_shutdown(void);
/* Change limits (see struct auth_local_params); -1 if one is absurd. */
int	auth_local_set_params(const struct auth_local_params *);
/* The limits in force. */
void	auth_local_get_params(struct auth_local_params *);
/* Replace the clock (seconds, never going back); NULL: CLOCK_MONOTONIC. */
void	auth_local_set_clock(time_t (*)(void));

/*
 * Write a new NUL-terminated nonce for a phone at source (the address
 * string the caller will pass to auth_local_verify()) in realm. Returns
 * AUTH_LOCAL_NONCE_LEN, or 0 if out is too small or OpenSSL fails.
 */
size_t	auth_local_nonce(const char *realm, const char *source, char *out,
	    size_t outlen);
/*
 * Write a WWW-Authenticate or Proxy-Authenticate value for a new nonce:
 * Digest realm, qop="auth", nonce, stale=true when asked, algorithm,
 * printed canonically by the digest printer (RFC 8760 §2.6). Returns
 * its length, or 0 if it does not fit or alg is UNKNOWN.
 */
size_t	auth_local_challenge(const char *realm, enum digest_alg alg,
	    const char *source, int stale, char *out, size_t outlen);

/*
 * Check the credentials in buf[0..len) (an Authorization or
 * Proxy-Authorization value) of a request with this method and body from
 * source, for realm, user and password, expecting algorithm expected.
 * The caller checks that their uri is the Request-URI. Only qop=auth and
 * qop=auth-int are taken: the edge always offers a qop, so the RFC 2069
 * form is refused as MALFORMED. Returns r->status and fills in r.
 */
enum auth_local_status auth_local_verify(const char *buf, size_t len,
	    const char *method, const char *source, const char *realm,
	    const char *user, const char *password, enum digest_alg expected,
	    const void *body, size_t bodylen, struct auth_local_result *r);
/* A short name for a status ("bad-nonce"), fit for reason= in the log. */
const char *auth_local_status_name(enum auth_local_status);

/*
 * May source_ip (an address, "[v6]" brackets allowed) try at all? 0 once
 * it has failed max_failures times within failure_window seconds, for
 * block_seconds; the caller then answers 403 without computing.
 */
int	auth_local_allowed(const char *source_ip);
/*
 * Count a failure against the IP of source_ip_port ("192.0.2.1:5061",
 * "[2001:db8::1]:5061") and log, at notice, the one line fail2ban reads
 * (etc/fail2ban/sipedge.conf):
 *   auth failed user=USER from=ADDR:PORT reason=REASON
 * USER is user with every byte outside printable ASCII, and every space,
 * quote, backslash and '=', replaced by '?', cut to 64 bytes ("-" when
 * empty), so no user name can forge a second field or line.
 */
void	auth_local_failed(const char *user, const char *source_ip_port,
	    const char *reason);
/* Write s as auth_local_failed() writes USER into out[0..outlen). */
void	auth_local_sanitise(const char *s, char *out, size_t outlen);

#endif
