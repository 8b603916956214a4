/*
 * txn.h: stateful proxy transactions. Each request the edge forwards is
 * one transaction: the server side (the connection it came in on and its
 * branch there) and the client side (our branch towards the next hop).
 * Both are hashed, so matching a response, a CANCEL or an ACK costs the
 * same with ten calls or ten thousand; and each connection knows its
 * transactions, so losing one costs what that connection carried.
 */
#ifndef SIPEDGE_TXN_H
#define SIPEDGE_TXN_H

#include <stdbool.h>
#include <stdint.h>

#include <osipparser2/osip_message.h>
#include <uthash.h>

#include "sip_hdr.h"

struct event_base;
struct event;

/* RFC 3261 timers for reliable transports, in seconds. */
#define TXN_TIMER_B	32	/* INVITE: no response at all */
#define TXN_TIMER_C	180	/* INVITE: no final response after a 1xx */
#define TXN_TIMER_F	32	/* non-INVITE: no final response */
#define TXN_TIMER_L	32	/* INVITE 2xx: forward retransmissions (RFC 6026) */

enum txn_state {
	TXN_CALLING,		/* sent, nothing back yet */
	TXN_PROCEEDING,		/* a 1xx came back */
	TXN_ACCEPTED,		/* INVITE 2xx passed; 2xx retransmissions follow */
	TXN_COMPLETED,		/* non-2xx final passed; waiting for the ACK */
};

struct txn;

/*
 * The branches of one forked request (an incoming call for an account the
 * edge holds, rung on every phone bound to it): one upstream side, one
 * final answer upstream. The last branch to go frees it.
 */
struct txn_fork {
	struct txn	*branches;	/* fork_prev/fork_next */
	unsigned	 refs;		/* branches, and the maker until put */
	unsigned	 open;		/* branches without a final yet */
	bool		 answered;	/* a 2xx went upstream */
	bool		 done;		/* a non-2xx final went upstream */
	int		 best;		/* best non-2xx final held, 0: none */
	char		 best_reason[64];
	osip_message_t	*best_resp;	/* that final as received, or NULL */
};

/*
 * What the proxy's message editors keep with a transaction, one slot
 * each (proxy_edit.h): the data and how to release it when the
 * transaction ends.
 */
#define TXN_SLOTS	4
struct txn_slot {
	void	*data;
	void	(*free)(void *);
};

/* The proxy hears about timeouts through this. */
typedef void (*txn_timeout_cb)(struct txn *, void *);
/*
 * The owner of a request the edge sends on its own hears how it ended:
 * the final response, or resp NULL with 408 (no final in time) or 503
 * (the connection went). The transaction is freed after it returns.
 */
typedef void (*txn_done_cb)(struct txn *, const osip_message_t *resp,
    int status, void *);

struct txn {
	char		 branch[SIP_HDR_BRANCH_MAX];	/* ours, downstream */
	char		*in_key;	/* upstream conn + branch + kind */
	bool		 invite;
	enum txn_state	 state;
	int		 status;	/* highest status passed upstream */
	bool		 cancel_pending;	/* CANCEL before any 1xx */
	bool		 cancelled;
	uint64_t	 in_conn;	/* where the request came from */
	uint64_t	 out_conn;	/* where it went */
	uint64_t	 flow;		/* the phone's flow, either way */
	osip_message_t	*in_req;	/* as received (for our own answers) */
	osip_message_t	*out_req;	/* as sent (for CANCEL and ACK) */
	struct txn_slot	 slot[TXN_SLOTS];	/* one per message editor */
	struct event	*timer;
	txn_timeout_cb	 timeout;
	txn_done_cb	 done;		/* the edge's own request: its owner */
	void		*arg;
	struct txn_fork	*fork;		/* NULL: not forked */
	bool		 fork_final;	/* this branch has its final */
	struct txn	*fork_prev, *fork_next;
	UT_hash_handle	 hh_out;
	UT_hash_handle	 hh_in;
	struct txn	*in_prev, *in_next;	/* of in_conn */
	struct txn	*out_prev, *out_next;	/* of out_conn */
};

void		 txn_init(struct event_base *);
void		 txn_shutdown(void);
/*
 * A new transaction for a request about to be forwarded. Takes the two
 * messages. in_branch is the top Via branch as received.
 */
struct txn	*txn_new(uint64_t in_conn, const char *in_branch,
		    osip_message_t *in_req, osip_message_t *out_req,
		    uint64_t out_conn, const char *branch, txn_timeout_cb,
		    void *);
/*
 * A request the edge sends itself (an edge-held account's REGISTER) on
 * out_conn with our branch: no upstream side, so nothing matches it but
 * its responses. Armed with txn_arm like any other; the caller sends it.
 */
struct txn	*txn_new_local(uint64_t out_conn, const char *branch,
		    bool invite, txn_done_cb, void *);
/*
 * A fork of this many branches, each added as its transaction is made;
 * the maker puts its reference when every branch is out. The upstream
 * lookup finds one branch of a fork at any time.
 */
struct txn_fork	*txn_fork_new(unsigned branches);
void		 txn_fork_add(struct txn_fork *, struct txn *);
void		 txn_fork_put(struct txn_fork *);
/*
 * A branch has its final (or is going): one branch fewer waits. False if
 * it had already counted (or is no branch).
 */
bool		 txn_fork_final(struct txn *);
/* Send the request again under a new branch of ours (a digest answer). */
void		 txn_rebranch(struct txn *, const char *branch);
/* Tell a local transaction's owner how it ended, and free it. */
void		 txn_finish_local(struct txn *, const osip_message_t *,
		    int status);
void		 txn_free(struct txn *);
/* Every change of state goes through here, which logs it. */
void		 txn_set_state(struct txn *, enum txn_state);
const char	*txn_state_name(enum txn_state);
/* Match a response by our branch. */
struct txn	*txn_by_branch(const char *branch);
/* Match a request (duplicate, CANCEL, ACK) by its upstream side. */
struct txn	*txn_by_upstream(uint64_t in_conn, const char *in_branch,
		    bool invite);
/* (Re)arm the transaction's one timer; seconds 0 frees it on expiry. */
void		 txn_arm(struct txn *, unsigned seconds);
/*
 * Visit the transactions that came in on or went out on a connection
 * (when it is lost). The callback may free any transaction, the visited
 * one or others; a freed one is not visited.
 */
void		 txn_foreach_conn(uint64_t conn, void (*)(struct txn *, void *),
		    void *);
unsigned	 txn_count(void);

#endif
