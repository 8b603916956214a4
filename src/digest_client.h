/*
 * digest_client.h: answer a server's digest challenge as a client
 * (RFC 3261 §22.2, RFC 7616, RFC 8760), for any request the edge sends
 * on behalf of an account: REGISTER, INVITE, BYE, MESSAGE...
 *
 * Every challenge of every WWW-Authenticate (401) or Proxy-Authenticate
 * (407) header is considered, and the one answered is the first algorithm
 * of the caller's preference list the server offered: clients that take
 * the first or the last challenge are what breaks at the anchors.
 *
 * The module never logs, and its reasons never hold a secret: what it
 * handles includes the password and the response.
 */
#ifndef SIPEDGE_DIGEST_CLIENT_H
#define SIPEDGE_DIGEST_CLIENT_H

#include <stddef.h>

#include <osipparser2/osip_message.h>

#include "digest.h"

/*
 * Nonce-count state of one client towards one server: nc goes up when the
 * same nonce is answered again, and starts at 1 for a new one. Zero it to
 * start; the nonce is kept only to recognise it.
 */
struct digest_client {
	char		*nonce;		/* last answered */
	unsigned	 nc;
};

/*
 * What to answer with. Strings are NUL-terminated. algs is the preference
 * order (NULL or n_algs 0: SHA-512-256, SHA-256, MD5); uri the digest-uri,
 * the Request-URI as sent; body the message body for qop=auth-int (NULL
 * when bodylen is 0).
 */
struct digest_client_answer_in {
	const enum digest_alg	*algs;
	size_t			 n_algs;
	const char		*username;
	const char		*password;
	const char		*method;
	const char		*uri;
	const void		*body;
	size_t			 bodylen;
};

/* Forget the nonce; the struct can be used again (zeroed). */
void		 digest_client_clear(struct digest_client *);

/*
 * Answer the best challenge of a 401 (WWW-Authenticate -> Authorization)
 * or 407 (Proxy-Authenticate -> Proxy-Authorization) response: writes the
 * header name into *hname (a static string) and the credentials value (no
 * name, no CRLF) into value[len]; *alg gets the algorithm answered, or
 * DIGEST_ALG_UNKNOWN when no challenge could be, and *stale whether the
 * chosen challenge said stale=true. qop=auth is preferred, auth-int (the
 * body hashed) used when it is the only one offered, and the RFC 2069 form
 * when the challenge has no qop.
 *
 * With value NULL only the choice is made (*hname, *alg, *stale) and the
 * nonce count is left alone, so a caller can decide not to answer (its
 * own credentials refused, stale too often) without using up a count.
 *
 * Returns NULL, or a short static reason fit for a log line ("no challenge
 * we can answer", "credentials too long"), never a secret.
 */
const char	*digest_client_answer(struct digest_client *,
		    const osip_message_t *resp,
		    const struct digest_client_answer_in *, const char **hname,
		    char *value, size_t len, enum digest_alg *alg, int *stale);

#endif
