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
struct event_base;
struct carrier_set;
struct config;
struct conn;
struct binding;
struct flow_key;
struct txn;
struct txn_slot;

struct proxy_account;
struct relay;

struct proxy {
	struct event_base		*base;
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
	struct proxy_account *accounts;	/* proxy_account.c */
	struct relay	*relay;		/* media; NULL: SDP passes unchanged */
};

/* Where a request goes next, or why it goes nowhere. */
struct hop {
	struct conn		*conn;		/* next hop */
	struct carrier		*carrier;	/* the carrier on this call */
	const struct binding	*binding;	/* initial request to a phone */
	uint64_t		 flow;		/* the phone's connection */
	int			 code;		/* refusal, 0 if routed */
	char			 reason[128];
	char			 account[64];	/* a held account's Contact:
						 * ring its phones */
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
	PROXY_REFUSE,		/* answer upstream with code and reason
				 * (for a final response: instead of it) */
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
	/*
	 * The edge ends a request it forwarded with a final status of its
	 * own, no response having come (no answer in time, the next hop
	 * gone, the send failed); e->from is where the request went.
	 */
	void			(*ended)(struct proxy_edit *, int status);
};

/* proxy_register.c: REGISTER Contacts, Path and bindings. */
extern const struct proxy_editor proxy_register_editor;
/* proxy_account.c: the accounts the edge holds, their phones and calls. */
extern const struct proxy_editor proxy_account_editor;
void	proxy_accounts_reload(struct proxy *);
void	proxy_accounts_attach(struct proxy *);
void	proxy_accounts_free(struct proxy *);
const struct config_account *proxy_account_for_aor(const struct proxy *,
	    const char *);
/*
 * A phone's request before it is routed: a held AOR's REGISTER is the
 * edge's to answer, and its initial requests must authenticate to the
 * edge (CONSUMED: answered).
 */
enum proxy_verdict proxy_account_phone(struct proxy *, struct conn *,
	    osip_message_t *);
/* A carrier's request for a held account's Contact: ring its phones. */
void	proxy_account_incoming(struct proxy *, struct conn *, osip_message_t *,
	    const struct hop *);
/* A phone's 2xx ACK in a dialog of a held AOR. */
void	proxy_account_ack(struct proxy *, struct conn *, osip_message_t *,
	    const struct hop *);

/* proxy_digest.c: one challenge per realm for phones, their labels. */
extern const struct proxy_editor proxy_digest_editor;
void	proxy_digest_clear(void);

/* proxy_media.c: SDP through the relay, fresh keys per leg. */
extern const struct proxy_editor proxy_media_editor;
/* The sent-by of the edge's Via towards a connection (proxy_fwd.c). */
void	proxy_via_self(const struct proxy *, const struct conn *, char *,
	    size_t, uint16_t *);
/* The ACK of a late offer carries the answer. */
void	proxy_media_ack(struct proxy *, struct conn *, osip_message_t *,
	    const struct hop *);

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
/* The To tag of the edge's own answers on a connection. */
void	proxy_own_tag(const struct conn *, char *, size_t);
/* The same with one more header. */
void	proxy_reply_with(struct conn *, const osip_message_t *, int,
	    const char *, const char *hname, const char *hvalue);
void	proxy_reply_upstream(struct txn *, int, const char *);
bool	proxy_method_is(const osip_message_t *, const char *);
/* Headers libosip2 keeps as name and value (the auth ones among them). */
bool	proxy_header_is(const osip_header_t *, const char *);
void	proxy_drop_headers(osip_message_t *, const char *);

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
/* The same request to several phones: the first 2xx wins (§16.7). */
void	proxy_fork(struct proxy *, struct conn *, osip_message_t *,
	    const struct hop *, size_t);
/*
 * A non-2xx final (resp, or code and reason the edge made) of a branch
 * of a fork: held until every branch has one, then the best goes
 * upstream. false when t is no branch of a fork.
 */
bool	proxy_fork_hold(struct txn *, const osip_message_t *, int,
	    const char *);
void	proxy_forward_ack(struct proxy *, struct conn *, osip_message_t *,
	    const struct hop *);
void	proxy_cancel(struct proxy *, struct conn *, osip_message_t *);
int	proxy_ack_absorb(struct conn *, const osip_message_t *);
void	proxy_response(struct proxy *, struct conn *, osip_message_t *);
void	proxy_conn_lost(struct proxy *, struct conn *);

#endif
