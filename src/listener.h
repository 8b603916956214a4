/*
 * listener.h: the phone side of the edge: its listening sockets
 * (acceptor.h), the TLS server context, admission limits, and a flow
 * token for every phone connection.
 */
#ifndef SIPEDGE_LISTENER_H
#define SIPEDGE_LISTENER_H

struct event_base;
struct config;
struct conn_handler;
struct flow_key;
struct listener_set;

/* Bind every [phones] listen address; NULL with *why (malloc'd) on error. */
struct listener_set *listener_open(struct event_base *, const struct config *,
		    const struct flow_key *, const struct conn_handler *,
		    void *, char **why);
/*
 * Apply a new configuration: certificates, TLS settings and limits.
 * Open connections keep their TLS state. Listen addresses need a restart.
 */
int		 listener_reload(struct listener_set *, const struct config *,
		    char **why);
void		 listener_close(struct listener_set *);

#endif
