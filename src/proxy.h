/*
 * proxy.h: what the edge does with each SIP message from a phone or a
 * carrier. Responses always leave on the connection the request came in
 * on; the edge never opens a connection towards a phone.
 */
#ifndef SIPEDGE_PROXY_H
#define SIPEDGE_PROXY_H

struct config;
struct conn;
struct daemon;
struct proxy;

extern const struct conn_handler proxy_phone_handler;	/* arg: proxy */
extern const struct conn_handler proxy_carrier_handler;	/* arg: proxy */

struct proxy	*proxy_new(struct daemon *);
/* Follow a new configuration (the edge's own host names). */
void		 proxy_reload(struct proxy *, const struct config *);
void		 proxy_free(struct proxy *);

#endif
