/* proxy_int.h: what proxy.c, proxy_route.c and proxy_fwd.c share. */
#ifndef SIPEDGE_PROXY_INT_H
#define SIPEDGE_PROXY_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <osipparser2/osip_message.h>

#include "log.h"
#include "sip_hdr.h"

struct carrier;
struct carrier_listener;
struct carrier_set;
struct config;
struct conn;
struct binding;
struct flow_key;
struct txn;
struct txn_slot;

struct proxy {
	const struct config		*cfg;		/* current */
	const struct flow_key		*flow_key;
	struct carrier_set		*carriers;	/* NULL before attach */
	const struct carrier_listener	*cl;		/* NULL: none */
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

/*
 * Message editors. The transaction engine (proxy_fwd.c) runs each of
 * proxy_editors[], in that order, on every request it forwards (routed,
 * before the edge's Via goes on) and on every response it passes back
 * (the edge's Via taken off, before it goes upstream). An editor keeps
 * what it needs between the two in its transaction slot, which the
 * transaction releases. New behaviour (digest, SDP) is a new editor, not
 * another branch in the engine.
 */
enum proxy_verdict {
	PROXY_PASS,		/* on to the next editor, then out */
	PROXY_REFUSE,		/* requests: answer with code and reason */
	PROXY_CONSUMED,		/* the editor has taken it: nothing goes on */
};

/* What an editor works on. */
struct proxy_edit {
	struct proxy		*p;
	struct conn		*from;		/* the message came in on */
	const struct hop	*hop;		/* requests: where it goes */
	struct conn		*up;		/* responses: where they go back,
						 * NULL when that is gone */
	struct txn		*txn;
	struct txn_slot		*slot;		/* this editor's */
	int			 code;		/* PROXY_REFUSE */
	char			 reason[128];
};

struct proxy_editor {
	const char		*name;
	enum proxy_verdict	(*request)(struct proxy_edit *,
				    osip_message_t *);
	enum proxy_verdict	(*response)(struct proxy_edit *,
				    osip_message_t *, int status);
};

/* proxy_register.c: REGISTER Contacts, Path and bindings. */
extern const struct proxy_editor proxy_register_editor;
/* proxy_digest.c: one challenge per realm for phones, their labels. */
extern const struct proxy_editor proxy_digest_editor;
void	proxy_digest_clear(void);

/* Bits of conn->logged_once: what a connection has been told about. */
#define PROXY_ONCE_DIGEST_LABEL	0x1	/* its answers' labels repaired */

/* proxy.c */
/*
 * One log line about a peer or its message: "conn ID SIDE PEER: METHOD
 * CALL-ID: text" (without the message part when m is NULL), so every
 * peer error names the connection and the call.
 */
void	proxy_log(enum log_level, const struct conn *, const osip_message_t *,
	    const char *, ...) __attribute__((format(printf, 4, 5)));
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
void	proxy_carrier_hostport(const struct proxy *, const struct conn *,
	    char *, size_t);
void	proxy_forward(struct proxy *, struct conn *, osip_message_t *,
	    const struct hop *);
void	proxy_forward_ack(struct proxy *, struct conn *, osip_message_t *,
	    const struct hop *);
void	proxy_cancel(struct proxy *, struct conn *, osip_message_t *);
int	proxy_ack_absorb(struct conn *, const osip_message_t *);
void	proxy_response(struct proxy *, struct conn *, osip_message_t *);
void	proxy_conn_lost(struct proxy *, struct conn *);

#endif
