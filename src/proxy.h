/*
 * proxy.h: what the edge does with each SIP message from a phone or a
 * carrier. Responses always leave on the connection the request came in
 * on; the edge never opens a connection towards a phone.
 */
#ifndef SIPEDGE_PROXY_H
#define SIPEDGE_PROXY_H

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
