/*
 * account.h: an [account] the edge holds itself, registered at its
 * carrier by the edge (issue 8): REGISTER, answer the carrier's digest
 * challenge with the strongest algorithm the carrier file allows, refresh
 * before expiry, back off when refused, de-register when removed.
 *
 * The module does no I/O of its own. It hands each request it builds to
 * io->send as text, with the Via branch it used; the caller sends it on the
 * carrier connection as a transaction of its own and gives back the
 * responses whose top Via branch account_owns_branch() recognises, and a
 * timeout when there was no final response. Timers run on io->base.
 */
#ifndef SIPEDGE_ACCOUNT_H
#define SIPEDGE_ACCOUNT_H

#include <stddef.h>

#include <osipparser2/osip_message.h>

#include "sip_hdr.h"

struct event_base;
struct config_account;
struct config_carrier;
struct account;

/*
 * Every branch of an account starts with this: the RFC 3261 cookie, ours,
 * and "rg", which is no hex digit, so it is never a prefix of the proxy's
 * branches (hex digits) or of the keep-alives' ("ka").
 */
#define ACCOUNT_BRANCH_PREFIX	SIP_HDR_BRANCH_PREFIX "rg"
/* Seconds without a final response before a request counts as lost. */
#define ACCOUNT_ANSWER_TIMEOUT	32
/* Back-off after a failure: first wait and cap, in seconds, then +-20 %. */
#define ACCOUNT_BACKOFF_MIN	2
#define ACCOUNT_BACKOFF_MAX	300

/* Where a registration stands; sipedgectl shows account_state_name(). */
enum account_state {
	ACCOUNT_IDLE,		/* the carrier connection is down */
	ACCOUNT_REGISTERING,	/* a REGISTER is out (first, refresh, answer) */
	ACCOUNT_REGISTERED,	/* the carrier granted it; refresh is timed */
	ACCOUNT_BACKOFF,	/* refused or unanswered: retry after a wait */
	ACCOUNT_FAILED,		/* credentials refused: waits for carrier up */
	ACCOUNT_UNREGISTERING,	/* removed: the expires=0 REGISTER is out */
};

/* How an account reaches the world. */
struct account_io {
	/* Send one request (NUL-terminated text of len bytes); -1: not sent. */
	int		(*send)(void *arg, const char *msg, size_t len,
			    const char *branch);
	/* The state, algorithm or last error changed. May be NULL. */
	void		(*changed)(void *arg, struct account *);
	/* A removed account is about to be freed: forget it. May be NULL. */
	void		(*gone)(void *arg, struct account *);
	struct event_base *base;
	void		*arg;
	/*
	 * Milliseconds in one second of the account's timers (refresh,
	 * back-off, answer timeout); 0 means 1000. Tests make time run fast.
	 */
	unsigned	 ms_per_s;
};

/*
 * A new account, idle until account_carrier_up(). contact_uri is what the
 * edge registers, e.g. sip:USER@HOST:PORT;transport=tls;sipedge=a-NAME;
 * its host and port are also the Via sent-by. The configuration structs
 * and io must outlive the account. NULL if contact_uri or the AOR do not
 * parse.
 */
struct account	*account_new(const struct config_account *,
		    const struct config_carrier *, const struct account_io *,
		    const char *contact_uri);
/* Release an account at once, sending nothing. NULL is fine. */
void		 account_free(struct account *);

/* The carrier connection is (re)established: register at once. */
void		 account_carrier_up(struct account *);
/* The carrier connection is lost: stop everything, wait for up. */
void		 account_carrier_down(struct account *);
/*
 * A response to a request of this account (account_owns_branch() said so
 * of its top Via). Provisional ones are ignored. Once account_remove() was
 * called the account may be freed in here (io->gone first).
 */
void		 account_response(struct account *, osip_message_t *resp);
/* The caller's transaction got no final response in time; may free too. */
void		 account_timeout(struct account *);
/*
 * Reload removed the account: de-register (expires=0) once if the carrier
 * is up, then free it when that is answered or times out; at once when the
 * carrier is down. The caller must not use the account after io->gone.
 */
void		 account_remove(struct account *);

/* Is this the branch of the request the account has out? */
int		 account_owns_branch(const struct account *, const char *);
/* Could this branch be any account's (the prefix)? For dispatching. */
int		 account_branch_is_ours(const char *branch);

/* Accessors for sipedgectl. */
const char	*account_name(const struct account *);
enum account_state account_state(const struct account *);
/* "registering", "registered", "backoff", "failed", "idle", ... */
const char	*account_state_name(enum account_state);
/* The digest algorithm of the last answer ("SHA-256"), "" if none. */
const char	*account_algorithm(const struct account *);
/* What went wrong last, "" if nothing; never holds a secret or a nonce. */
const char	*account_last_error(const struct account *);
/* Seconds left of the granted registration; 0 when not registered. */
unsigned	 account_expires_in(const struct account *);

#endif
