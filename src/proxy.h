/*
 * proxy.h: what the edge does with each SIP message from a phone or a
 * carrier. Responses always leave on the connection the request came in
 * on; the edge never opens a connection towards a phone.
 */
#ifndef SIPEDGE_PROXY_H
#define SIPEDGE_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct carrier_listener;
struct carrier_set;
struct event_base;
struct config;
struct conn;
struct flow_key;
struct proxy;

extern const struct conn_handler proxy_phone_handler;	/* arg: proxy */
extern const struct conn_handler proxy_carrier_handler;	/* arg: proxy */

/*
 * The proxy gets what it works with passed in, never through the daemon:
 * the configuration (until the next proxy_reload), the key of the flow
 * tokens, and once they exist the carriers and the carrier listener
 * (NULL: none), both of which outlive it.
 */
struct proxy	*proxy_new(struct event_base *, const struct config *,
		    const struct flow_key *);
void		 proxy_attach(struct proxy *, struct carrier_set *,
		    const struct carrier_listener *);
/* Follow a new configuration (the edge's own host names, its keys). */
void		 proxy_reload(struct proxy *, const struct config *);
void		 proxy_free(struct proxy *);

/*
 * Media anchoring: the relay the proxy's calls use (before any call);
 * without one SDP passes the edge unchanged.
 */
struct relay;
void		 proxy_set_relay(struct proxy *, struct relay *);

/* One leg of a call's anchored media, as sipedgectl calls lists it. */
struct dialog;
struct proxy_media_leg {
	size_t		 stream;
	const char	*side;		/* "phone" or "carrier" */
	char		 local[64];	/* ADDR:PORT */
	char		 remote[64];	/* ADDR:PORT, "-" before any */
	const char	*srtp_suite;	/* "none" for plain RTP */
	uint64_t	 packets_in, packets_out;
	uint64_t	 bytes_in, bytes_out;
	uint64_t	 srtp_failures;
	uint64_t	 last_packet_ms;	/* UINT64_MAX: none yet */
};
size_t		 proxy_media_legs(const struct dialog *,
		    struct proxy_media_leg *, size_t max);
/* Is the call on hold (its last SDP sendonly, recvonly or inactive)? */
bool		 proxy_media_held(const struct dialog *);
/* No media for [media] timeout: BYE to both sides, and the call ends. */
void		 proxy_media_timeout(struct proxy *, struct dialog *);
/* The call a relay session belongs to, or NULL. */
struct dialog	*proxy_media_dialog(uint32_t relay_id);
/* Was that relay session's stream rejected (port 0) by the last answer? */
bool		 proxy_media_rejected(uint32_t relay_id);
/* Calls whose media the edge anchors (a relay session for a stream). */
unsigned	 proxy_media_calls(void);

/* An [account] the edge holds, as sipedgectl registrations lists it. */
struct proxy_account_info {
	const char	*name;
	const char	*aor;
	const char	*carrier;
	const char	*contact;	/* what the edge registers, "" before */
	const char	*state;		/* account_state_name(), or "off" */
	const char	*algorithm;	/* of the last answer, "" if none */
	const char	*last_error;	/* "" if none; never a secret */
	unsigned	 expires_in;
};
void		 proxy_accounts_foreach(const struct proxy *,
		    void (*)(const struct proxy_account_info *, void *), void *);

#endif
