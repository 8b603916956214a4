/*
 * carrier.h: one long-lived, verified TLS connection per carrier: RFC 3263
 * resolution, ordered failover over targets, RFC 5922 name check,
 * keep-alives (carrier_keepalive.c) and reconnection with capped
 * exponential back-off; and the connections a carrier opens to the edge's
 * carrier listener itself, which belong to it too.
 */
#ifndef SIPEDGE_CARRIER_H
#define SIPEDGE_CARRIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/ssl.h>

#include "rfc3263.h"

struct event_base;
struct event;
struct config;
struct config_carrier;
struct carrier_listener;
struct conn;
struct conn_handler;
struct dns;
struct dns_query;

/* Every change goes through carrier_set_state, which logs it. */
enum carrier_state {
	CARRIER_RESOLVING,
	CARRIER_CONNECTING,
	CARRIER_CONNECTED,
	CARRIER_BACKOFF,	/* waiting to try again after a failure */
	CARRIER_FAILED,		/* every target refused: needs an operator */
};

#define CARRIER_BACKOFF_MAX	60	/* seconds */
#define CARRIER_INBOUND_MAX	32	/* connections a carrier opens to us */

struct carrier_set;

struct carrier {
	char			*name;
	const struct config_carrier *cfg;	/* the running configuration's */
	struct carrier_set	*set;
	SSL_CTX			*ctx;
	enum carrier_state	 state;
	struct timespec		 since;		/* of the last state change */
	struct dns_query	*query;
	struct rfc3263_target	*targets;
	size_t			 n_targets;
	size_t			 cur;		/* target being tried or used */
	struct conn		*conn;
	struct event		*retry;		/* back-off timer */
	struct event		*keepalive;	/* ping or OPTIONS timer */
	struct event		*answer;	/* deadline for its answer */
	unsigned		 ka_interval;	/* what the timer runs with */
	bool			 ka_options;	/* and with which method */
	bool			 ka_answered;	/* a pong or OPTIONS answer came
						 * on this connection */
	uint32_t		 ka_cseq;
	char			 ka_call_id[40];
	char			 ka_tag[20];
	struct conn		*inbound[CARRIER_INBOUND_MAX];	/* it opened */
	size_t			 n_inbound;
	unsigned long		 inbound_accepted;	/* since start */
	unsigned		 backoff;	/* seconds before the next round */
	unsigned		 refused;	/* certificate refusals this round */
	unsigned		 attempts;	/* targets tried this round */
	unsigned long		 connects;	/* successful, since start */
	uint16_t		 local_port;	/* of the last connection that
						 * opened: reconnects reuse it */
	bool			 any_port;	/* this attempt: not local_port */
	bool			 failover;	/* closing: go on to the next
						 * target at once */
	struct event		*failover_ev;	/* closes from the loop */
	char			 failover_why[128];
	char			 verified_name[256];
	char			 last_error[512];
};

/* Start connecting to every configured carrier. */
struct carrier_set *carrier_set_new(struct event_base *, struct dns *,
		    const struct config *, const struct conn_handler *, void *);
/* Follow a new configuration: keep, restart, add or drop carriers. */
void		 carrier_set_reload(struct carrier_set *, const struct config *);
void		 carrier_set_free(struct carrier_set *);
size_t		 carrier_set_count(const struct carrier_set *);
struct carrier	*carrier_set_get(const struct carrier_set *, size_t);
struct carrier	*carrier_set_find(const struct carrier_set *, const char *name);
/* The carrier a connection belongs to, NULL for phone connections. */
struct carrier	*carrier_of(const struct carrier_set *, const struct conn *);
/*
 * Hear when a carrier's own connection comes up (verified) and when it
 * goes (true, false): edge-held accounts register on it.
 */
void		 carrier_set_watch(struct carrier_set *,
		    void (*)(struct carrier *, bool up, void *), void *);
/* The carrier listener, for the address the edge gives itself (or NULL). */
void		 carrier_set_listener(struct carrier_set *,
		    const struct carrier_listener *);
/*
 * The first carrier, in configuration order, whose resolved targets
 * include this address (any port); NULL if none does.
 */
struct carrier	*carrier_set_by_address(const struct carrier_set *,
		    const struct sockaddr *);
/*
 * A connection the carrier opened to the carrier listener: TLS on fd with
 * ctx, owned by the carrier and handled like its own connection. NULL with
 * a reason (fd closed) when it has too many or the set-up fails.
 */
struct conn	*carrier_accept(struct carrier *, int fd, const struct sockaddr *,
		    socklen_t, SSL_CTX *, char *why, size_t whylen);
/*
 * The target we are connected to failed something only it can fail (an
 * edge-held account's registration: no answer, 5xx): close and connect
 * to the next target in RFC 3263 order at once. Nothing when there is no
 * next target. Returns true when it goes on.
 */
bool		 carrier_failover(struct carrier *, const char *why);
/* Must connections this carrier opens present a client certificate? */
bool		 carrier_wants_client_cert(const struct config_carrier *);
/*
 * A response to one of the edge's keep-alive OPTIONS (by its branch)?
 * Then it is consumed here, true, and counts as the carrier's answer.
 */
bool		 carrier_keepalive_response(const struct carrier_set *,
		    const struct conn *, const char *branch);
const char	*carrier_state_name(enum carrier_state);
/* "host address:port" of the current target into buf, "" if none. */
const char	*carrier_target_str(const struct carrier *, char *, size_t);

#endif
