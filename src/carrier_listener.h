/*
 * carrier_listener.h: the carrier side's own listener ([carriers] listen),
 * where carriers open connections to the edge, and the address the edge
 * gives itself towards carriers in Contact, Record-Route and Via.
 */
#ifndef SIPEDGE_CARRIER_LISTENER_H
#define SIPEDGE_CARRIER_LISTENER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct event_base;
struct carrier_set;
struct config;
struct conn;
struct carrier_listener;
struct carrier_listener_tls;

/*
 * The TLS server contexts for a configuration: one without client
 * certificates, and one per carrier whose file asks for them. NULL with
 * *why (malloc'd) when one cannot be made. Made before a reload swaps
 * anything, so that a failure leaves the running ones in place.
 */
struct carrier_listener_tls *carrier_listener_tls_new(const struct config *,
		    char **why);
void		 carrier_listener_tls_free(struct carrier_listener_tls *);

/* Bind every [carriers] listen address; NULL with *why (malloc'd). */
struct carrier_listener *carrier_listener_open(struct event_base *,
		    const struct config *, char **why);
/* The carriers whose addresses are admitted; until set, none are. */
void		 carrier_listener_set_carriers(struct carrier_listener *,
		    struct carrier_set *);
/*
 * A reload: new TLS contexts (taken over). Open connections keep theirs;
 * listen addresses need a restart.
 */
void		 carrier_listener_reload(struct carrier_listener *,
		    struct carrier_listener_tls *);
void		 carrier_listener_close(struct carrier_listener *);
/* How many sockets, and "host:port" of socket i as bound into buf. */
size_t		 carrier_listener_count(const struct carrier_listener *);
const char	*carrier_listener_addr_str(const struct carrier_listener *,
		    size_t, char *, size_t);

/*
 * The edge's host (no brackets) and port towards a carrier on conn, for
 * Contact, Record-Route and Via. With a listener (cl not NULL): [carriers]
 * advertised_address, else [media] carrier_public_address or the
 * listener's address (conn's local address when the listener's is a
 * wildcard) with the listener's port. Without one: the public address or
 * conn's local address, with conn's local port.
 */
void		 carrier_listener_self(const struct carrier_listener *cl,
		    const struct config *, const struct conn *, char *host,
		    size_t hostlen, uint16_t *port);
/* The same as "host:port", IPv6 in brackets. */
void		 carrier_listener_hostport(const struct carrier_listener *,
		    const struct config *, const struct conn *, char *, size_t);

#endif
