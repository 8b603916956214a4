/*
 * conn.h: one TLS connection, phone or carrier side, with its state, its
 * SIP framing, keep-alives and timeouts. A phone connection is a flow
 * (RFC 5626): everything for that phone travels over it.
 */
#ifndef SIPEDGE_CONN_H
#define SIPEDGE_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/ssl.h>
#include <uthash.h>

#include "flow.h"
#include "tls.h"

struct event_base;
struct bufferevent;
struct event;

enum conn_side {
	CONN_SIDE_PHONE,
	CONN_SIDE_CARRIER,
};

/* Every change goes through conn_set_state, which logs it. */
enum conn_state {
	CONN_HANDSHAKE,		/* TCP up, TLS handshake running */
	CONN_OPEN,		/* messages flow */
	CONN_CLOSING,		/* flushing what is queued, then freed */
};

struct conn;

/* What the layer above wants to hear about. Any member may be NULL. */
struct conn_handler {
	/* TLS established (carrier side: chain verified by OpenSSL). */
	void	(*open)(struct conn *, void *);
	/* One framed SIP message. */
	void	(*message)(struct conn *, const char *, size_t, void *);
	/*
	 * Bytes that are not SIP (or a message over the size limit: too_big),
	 * just before the connection is closed, or before they are skipped
	 * to the next start line when the peer has sent SIP before.
	 */
	void	(*garbage)(struct conn *, const char *, size_t, bool too_big,
		    const char *why, void *);
	/* A CRLF pong (or stray CRLF) arrived. */
	void	(*pong)(struct conn *, void *);
	/* The connection is going away; called exactly once. */
	void	(*closed)(struct conn *, const char *, void *);
};

struct conn_limits {
	size_t		max_message;		/* bytes */
	unsigned	idle_timeout;		/* seconds, 0 = none */
	unsigned	handshake_timeout;	/* seconds */
	size_t		max_output;		/* queued bytes before we give up */
};

struct conn {
	uint64_t		 id;
	enum conn_side		 side;
	enum conn_state		 state;
	struct bufferevent	*bev;
	SSL			*ssl;
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;
	char			 peer_str[64];
	char			 local_host[64];	/* our address on it */
	uint16_t		 local_port;
	struct timespec		 started;	/* CLOCK_MONOTONIC */
	struct tls_info		 tls;
	char			*user_agent;
	char			 profile[32];	/* matched quirk profile */
	char			 flow_token[FLOW_TOKEN_MAX];
	char			*owner;		/* carrier name on that side */
	struct conn_limits	 limits;
	const struct conn_handler *handler;
	void			*arg;
	/* The listener counts connections per address; it is told here. */
	void			(*release)(struct conn *, void *);
	void			*release_arg;
	size_t			 frame_resume;	/* bytes the framer has checked */
	size_t			 frame_need;	/* bytes before it is worth asking */
	size_t			 skipped;	/* bytes skipped since framing was
						 * lost (0: framed) */
	struct event		*deadline;	/* handshake timeout */
	struct event		*reaper;	/* frees after CLOSING */
	char			*close_reason;
	int			 sock_error;	/* errno of the socket error that
						 * closed it, or 0 */
	bool			 reset_on_abort; /* abort with RST, not FIN */
	uint64_t		 rx_messages;
	uint64_t		 rx_refused;	/* malformed requests answered 4xx/5xx */
	uint64_t		 rx_dropped;	/* dropped unanswered: bad or stray
						 * responses, unanswerable requests */
	uint64_t		 tx_messages;
	uint64_t		 pings;
	unsigned		 logged_once;	/* notes the layer above makes
						 * once per connection */
	UT_hash_handle		 hh;		/* id -> conn */
};

/*
 * A peer connected to one of our listeners: start the TLS server handshake
 * on fd. The side is the listener's: phones, or carriers that open their own
 * connections to the edge.
 */
struct conn	*conn_accept(struct event_base *, enum conn_side, int fd,
		    const struct sockaddr *, socklen_t, SSL_CTX *,
		    const struct conn_limits *, const struct conn_handler *,
		    void *);
/*
 * Open a TLS connection to a carrier target from local_port (0: any); sni
 * may be NULL.
 */
struct conn	*conn_connect(struct event_base *, const struct sockaddr *,
		    socklen_t, uint16_t local_port, SSL_CTX *, const char *sni,
		    const struct conn_limits *, const struct conn_handler *,
		    void *, char *why, size_t whylen);
/* Queue bytes; -1 if the connection is closing or the peer is not reading. */
int		 conn_send(struct conn *, const char *, size_t);
/* Send an RFC 5626 CRLFCRLF ping. */
int		 conn_ping(struct conn *);
/* Flush what is queued, then close; the handler hears "closed" once. */
void		 conn_close(struct conn *, const char *why);
/* Close at once without flushing (shutdown). */
void		 conn_abort(struct conn *, const char *why);
void		 conn_set_user_agent(struct conn *, const char *);
struct conn	*conn_find(uint64_t id);
unsigned	 conn_count(enum conn_side);
uint64_t	 conn_age(const struct conn *);
/* Visit every connection (in id order of creation). */
void		 conn_foreach(void (*)(struct conn *, void *), void *);
/* Close everything (daemon exit). */
void		 conn_abort_all(void);
const char	*conn_state_name(enum conn_state);
const char	*conn_side_name(enum conn_side);

#endif
