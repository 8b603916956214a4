/* carrier_int.h: what carrier.c and carrier_keepalive.c share. */
#ifndef SIPEDGE_CARRIER_INT_H
#define SIPEDGE_CARRIER_INT_H

#include <stddef.h>

struct carrier;
struct carrier_listener;
struct config;
struct conn_handler;
struct dns;
struct event_base;

struct carrier_set {
	struct event_base	*base;
	struct dns		*dns;
	struct carrier	       **v;
	size_t			 n;
	const struct conn_handler *up;		/* the proxy */
	void			*up_arg;
	const struct config	*cfg;		/* the running configuration */
	const struct carrier_listener *listener;	/* NULL: none */
	void			(*watch)(struct carrier *, bool, void *);
	void			*watch_arg;
};

/* carrier_keepalive.c */
void	carrier_keepalive_init(struct carrier *);
void	carrier_keepalive_free(struct carrier *);
/* The connection is open: fresh identifiers, timers started. */
void	carrier_keepalive_start(struct carrier *);
void	carrier_keepalive_stop(struct carrier *);
/* The configuration changed: restart the timer if its settings did. */
void	carrier_keepalive_reload(struct carrier *);
/* A CRLF pong arrived on the carrier's connection. */
void	carrier_keepalive_pong(struct carrier *);

#endif
