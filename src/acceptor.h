/*
 * acceptor.h: listening TCP sockets and their accept loop, shared by the
 * phone listener and the carrier listener. What to do with an accepted
 * socket is the caller's: the admit function owns the descriptor.
 */
#ifndef SIPEDGE_ACCEPTOR_H
#define SIPEDGE_ACCEPTOR_H

#include <stddef.h>
#include <sys/socket.h>

struct event_base;
struct config_listen;
struct acceptor;

/* Takes an accepted, non-blocking socket: accept it or close it. */
typedef void (*acceptor_admit_fn)(int fd, struct sockaddr *, socklen_t,
    void *);

/*
 * Bind and listen on every address; who ("phones", "carriers") names them
 * in logs. NULL with *why (malloc'd) when one cannot be bound.
 */
struct acceptor	*acceptor_open(struct event_base *,
		    const struct config_listen *, size_t n, const char *who,
		    acceptor_admit_fn, void *arg, char **why);
void		 acceptor_close(struct acceptor *);
/* How many sockets, and the address socket i is bound to. */
size_t		 acceptor_count(const struct acceptor *);
const struct sockaddr *acceptor_addr(const struct acceptor *, size_t,
		    socklen_t *);
/* "tls:ADDR:PORT" as configured for socket i. */
const char	*acceptor_text(const struct acceptor *, size_t);
/* Mark an accepted socket's packets with a DSCP value (0-63). */
void		 acceptor_set_dscp(int fd, int family, int dscp);

#endif
