/* proxy_int.h: what proxy.c, proxy_route.c and proxy_fwd.c share. */
#ifndef SIPEDGE_PROXY_INT_H
#define SIPEDGE_PROXY_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <osipparser2/osip_message.h>

#include "sip_hdr.h"

struct carrier;
struct conn;
struct binding;
struct daemon;
struct txn;

struct proxy {
	struct daemon	*d;
	char	       **hosts;		/* configured names and addresses */
	size_t		 n_hosts;
	uint16_t	*ports;		/* listen and advertised ports */
	size_t		 n_ports;
	const char     **self_hosts;	/* hosts and carrier connections' */
	size_t		 self_cap;
};

/* Where a request goes next, or why it goes nowhere. */
struct hop {
	struct conn		*conn;		/* next hop */
	struct carrier		*carrier;	/* the carrier on this call */
	const struct binding	*binding;	/* initial request to a phone */
	uint64_t		 flow;		/* the phone's connection */
	int			 code;		/* refusal, 0 if routed */
	char			 reason[128];
};

/* proxy.c */
int	proxy_send(struct conn *, osip_message_t *);
void	proxy_reply(struct conn *, const osip_message_t *, int, const char *);
void	proxy_reply_upstream(struct txn *, int, const char *);
bool	proxy_method_is(const osip_message_t *, const char *);

/* proxy_route.c */
void	proxy_route(struct proxy *, struct conn *, osip_message_t *,
	    const struct sip_hdr_self *, const struct sip_hdr_routed *,
	    struct hop *);
int	proxy_uri_hostport(const struct conn *, char *, size_t);

/* proxy_fwd.c */
void	proxy_forward(struct proxy *, struct conn *, osip_message_t *,
	    const struct hop *);
void	proxy_forward_ack(struct proxy *, struct conn *, osip_message_t *,
	    const struct hop *);
void	proxy_cancel(struct proxy *, struct conn *, osip_message_t *);
int	proxy_ack_absorb(struct conn *, const osip_message_t *);
void	proxy_response(struct proxy *, struct conn *, osip_message_t *);
void	proxy_conn_lost(struct proxy *, struct conn *);

#endif
