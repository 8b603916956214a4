/*
 * proxy_fwd.c: the transaction engine. A request leaves with the edge's
 * Via on top and, when it starts a dialog, two Record-Route entries (one
 * facing each side) so every in-dialog request passes the edge; the
 * message editors (proxy_int.h) make their changes on the way. Responses
 * come back by our branch and go out on the connection the request came
 * in on.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utlist.h>

#include "carrier.h"
#include "carrier_listener.h"
#include "conn.h"
#include "dialog.h"
#include "edge_config.h"
#include "log.h"
#include "proxy_int.h"
#include "registrar.h"
#include "sip_msg.h"
#include "txn.h"
#include "util.h"

static void	proxy_txn_timeout_cb(struct txn *, void *);

/* The editors, in the order they run; each has the slot of its index. */
static const struct proxy_editor *const proxy_editors[] = {
	&proxy_register_editor,
	&proxy_account_editor,		/* before digest: it answers itself */
	&proxy_digest_editor,
	&proxy_media_editor,		/* last: the body as it leaves */
};
_Static_assert(nitems(proxy_editors) <= TXN_SLOTS,
    "every message editor needs a transaction slot");

/* The phone's connection and the carrier's, whichever way a request goes. */
static void
proxy_sides(struct conn *from, const struct hop *hop, struct conn **phone,
    struct conn **carrier)
{
	*phone = from->side == CONN_SIDE_PHONE ? from : hop->conn;
	*carrier = from->side == CONN_SIDE_PHONE ? hop->conn : from;
}

/* The Record-Route entry facing the phones: the flow token as user. */
static void
proxy_rr_phone(const struct proxy *p, const struct conn *phone, char *buf,
    size_t len)
{
	const char	*adv = p->cfg->phones.advertised_address;
	char		 hp[128];

	if (adv != NULL)
		snprintf(hp, sizeof(hp), "%s", adv);
	else
		proxy_uri_hostport(phone, hp, sizeof(hp));
	snprintf(buf, len, "sip:%s@%s;transport=tls;lr;%s=p",
	    phone->flow_token, hp, SIP_HDR_PARAM);
}

/*
 * Our address towards carriers: the carrier listener's (or what it
 * advertises), so a carrier can always open a connection to it; without a
 * listener the connection's own, or the public one with its port.
 */
void
proxy_carrier_hostport(const struct proxy *p, const struct conn *carrier,
    char *buf, size_t len)
{
	carrier_listener_hostport(p->cl, p->cfg, carrier, buf, len);
}

/*
 * The sent-by of our Via on the next hop: towards a carrier with a
 * listener the address Contact and Record-Route name (a response whose
 * connection is gone is sent there, RFC 3261 §18.2.2); else the
 * connection's own address.
 */
void
proxy_via_self(const struct proxy *p, const struct conn *next, char *host,
    size_t len, uint16_t *port)
{
	if (next->side == CONN_SIDE_CARRIER && p->cl != NULL) {
		carrier_listener_self(p->cl, p->cfg,
		    next, host, len, port);
		return;
	}
	snprintf(host, len, "%s", next->local_host);
	*port = next->local_port;
}

/* Add both Record-Route entries: the one facing upstream first. */
static int
proxy_record_route(struct proxy *p, struct conn *from, osip_message_t *m,
    const struct hop *hop)
{
	struct conn	*phone, *carrier;
	char		 rp[256], rc[256], hp[128];

	proxy_sides(from, hop, &phone, &carrier);
	proxy_rr_phone(p, phone, rp, sizeof(rp));
	proxy_carrier_hostport(p, carrier, hp, sizeof(hp));
	snprintf(rc, sizeof(rc), "sip:%s;transport=tls;lr;%s=c-%s", hp,
	    SIP_HDR_PARAM, hop->carrier != NULL ? hop->carrier->name : "");
	if (from->side == CONN_SIDE_PHONE)
		return sip_hdr_rr_push(m, rp) == 0 && sip_hdr_rr_push(m, rc) == 0 ?
		    0 : -1;
	return sip_hdr_rr_push(m, rc) == 0 && sip_hdr_rr_push(m, rp) == 0 ?
	    0 : -1;
}

/* Does this request start a dialog the edge must stay in? */
static bool
proxy_creates_dialog(const osip_message_t *m)
{
	return sip_hdr_to_tag(m) == NULL && (proxy_method_is(m, "INVITE") ||
	    proxy_method_is(m, "SUBSCRIBE") || proxy_method_is(m, "REFER") ||
	    proxy_method_is(m, "NOTIFY"));
}

/* Keep the call list in step with an initial or in-dialog request. */
static void
proxy_note_call(struct conn *from, osip_message_t *m, const struct hop *hop)
{
	struct dialog	*dlg = dialog_find(sip_msg_call_id(m), hop->flow);
	char		*f, *t;

	if (dlg != NULL) {
		dialog_touch(dlg);
		return;
	}
	if (!proxy_method_is(m, "INVITE") || sip_hdr_to_tag(m) != NULL)
		return;
	f = sip_hdr_aor(m->from);
	t = sip_hdr_aor(m->to);
	dialog_begin(sip_msg_call_id(m), f, t, hop->carrier != NULL ?
	    hop->carrier->name : NULL, hop->flow, from->side ==
	    CONN_SIDE_PHONE ? DIALOG_OUTBOUND : DIALOG_INBOUND);
	free(f);
	free(t);
}

/* Run every editor on a request about to be forwarded; see proxy_int.h. */
static enum proxy_verdict
proxy_edit_request(struct proxy *p, struct conn *from, const struct hop *hop,
    struct txn *t, osip_message_t *m, struct proxy_edit *e)
{
	enum proxy_verdict	v = PROXY_PASS;
	size_t			i;

	for (i = 0; i < nitems(proxy_editors) && v == PROXY_PASS; i++) {
		*e = (struct proxy_edit){ .p = p, .from = from, .hop = hop,
		    .txn = t, .slot = &t->slot[i] };
		if (proxy_editors[i]->request != NULL)
			v = proxy_editors[i]->request(e, m);
		if (v == PROXY_REFUSE)
			proxy_log(LOG_LVL_INFO, from, m, "refused by %s: %d %s",
			    proxy_editors[i]->name, e->code, e->reason);
	}
	return v;
}

/* Editor i's view of t's outcome, which came from (or concerns) from. */
static struct proxy_edit
proxy_edit_upstream(struct proxy *p, struct conn *from, struct txn *t,
    size_t i)
{
	return (struct proxy_edit){ .p = p, .from = from, .txn = t,
	    .slot = &t->slot[i], .up = conn_find(t->in_conn) };
}

/* Run every editor on a response on its way upstream. */
static enum proxy_verdict
proxy_edit_response(struct proxy *p, struct conn *from, struct txn *t,
    osip_message_t *resp, int status, struct proxy_edit *e)
{
	enum proxy_verdict	v = PROXY_PASS;
	size_t			i;

	for (i = 0; i < nitems(proxy_editors) && v == PROXY_PASS; i++) {
		*e = proxy_edit_upstream(p, from, t, i);
		if (proxy_editors[i]->response != NULL)
			v = proxy_editors[i]->response(e, resp, status);
	}
	return v;
}

static void	proxy_send_cancel(struct txn *);

/*
 * The edge answers a request it forwarded (t->out_req) itself, with no
 * response from to: the editors hear of it (ended), then the requester.
 */
static void
proxy_end_forwarded(struct proxy *p, struct conn *to, struct txn *t,
    int code, const char *reason)
{
	struct proxy_edit	e;
	size_t			i;

	if (t->status < 200 && to != NULL)
		for (i = 0; i < nitems(proxy_editors); i++) {
			e = proxy_edit_upstream(p, to, t, i);
			if (proxy_editors[i]->ended != NULL)
				proxy_editors[i]->ended(&e, code);
		}
	proxy_reply_upstream(t, code, reason);
}

/*
 * An editor answers upstream instead of a response (PROXY_REFUSE). For a
 * provisional of an INVITE (SDP the edge cannot anchor in a 183) the
 * callee is cancelled; a call that never got confirmed ends here.
 */
static void
proxy_response_refused(struct conn *from, struct txn *t,
    osip_message_t *resp, int status, const struct proxy_edit *e)
{
	osip_message_t	*ack;
	struct dialog	*dlg;

	if (status < 200 && (!t->invite || t->cancelled))
		return;
	if (status < 200) {
		if (t->state == TXN_CALLING)
			txn_set_state(t, TXN_PROCEEDING);
		proxy_send_cancel(t);
	}
	if (t->invite && (dlg = dialog_find(sip_msg_call_id(resp),
	    t->flow)) != NULL && dlg->state != DIALOG_CONFIRMED)
		dialog_end(dlg, "refused by the edge");
	if (t->invite && status >= 300 &&
	    (ack = sip_hdr_build_ack(t->out_req, resp)) != NULL) {
		(void)proxy_send(from, ack);
		sip_msg_free(ack);
	}
	proxy_reply_upstream(t, e->code, e->reason);
	if (!t->invite) {
		txn_free(t);
		return;
	}
	txn_set_state(t, TXN_COMPLETED);
	txn_arm(t, TXN_TIMER_L);
}

/*
 * One branch of a request: our Via, the editors, Record-Route, and out.
 * A branch of a fork joins it before anything can answer upstream, so
 * every final goes through the fork. Returns 0 when the branch is out.
 */
static int
proxy_forward_branch(struct proxy *p, struct conn *from, osip_message_t *m,
    const struct hop *hop, struct txn_fork *fork)
{
	struct proxy_edit	 e;
	osip_message_t	*in_req = NULL, *out_req = NULL;
	struct txn	*t;
	char		 branch[SIP_HDR_BRANCH_MAX], via[256];
	const char	*in_branch = sip_hdr_via_branch(m, 0);
	uint16_t	 via_port;

	if (sip_msg_clone(m, &in_req) != 0)
		return -1;
	/* Before retargeting: the loop check hashes the request as received. */
	sip_hdr_branch_loop(m, branch, sizeof(branch));
	if (fork != NULL && hop->binding != NULL) {
		/* One branch per phone: the loop hash alone would repeat. */
		snprintf(branch + strlen(branch), sizeof(branch) -
		    strlen(branch), ".%llx", (unsigned long long)hop->flow);
	}
	t = txn_new(from->id, in_branch, in_req, NULL, hop->conn->id, branch,
	    proxy_txn_timeout_cb, p);
	t->flow = hop->flow;
	if (fork != NULL)
		txn_fork_add(fork, t);
	if (hop->binding != NULL &&
	    sip_hdr_set_request_uri(m, hop->binding->contact) == -1)
		goto fail;
	switch (proxy_edit_request(p, from, hop, t, m, &e)) {
	case PROXY_PASS:
		break;
	case PROXY_REFUSE:
		proxy_reply_upstream(t, e.code, e.reason);
		txn_free(t);
		return -1;
	case PROXY_CONSUMED:
		txn_free(t);
		return 0;
	}
	if (proxy_creates_dialog(m) && proxy_record_route(p, from, m, hop) == -1)
		goto fail;
	proxy_via_self(p, hop->conn, via, sizeof(via), &via_port);
	if (sip_hdr_via_push(m, via, via_port, branch) == -1 ||
	    sip_msg_clone(m, &out_req) != 0)
		goto fail;
	t->out_req = out_req;
	proxy_note_call(from, m, hop);
	if (proxy_send(hop->conn, m) == -1) {
		/* Answer from the request as received: m has our Via now. */
		proxy_end_forwarded(p, hop->conn, t, 503,
		    "Service Unavailable");
		txn_free(t);
		return -1;
	}
	txn_arm(t, t->invite ? TXN_TIMER_B : TXN_TIMER_F);
	return 0;
fail:
	proxy_log(LOG_LVL_WARNING, from, m, "cannot rewrite the request");
	proxy_reply_upstream(t, 500, "Server Internal Error");
	txn_free(t);
	return -1;
}

void
proxy_forward(struct proxy *p, struct conn *from, osip_message_t *m,
    const struct hop *hop)
{
	proxy_fork(p, from, m, hop, 1);
}

void
proxy_fork(struct proxy *p, struct conn *from, osip_message_t *m,
    const struct hop *hops, size_t n)
{
	struct txn_fork	*fork = NULL;
	osip_message_t	*copy;
	size_t		 i;

	if (proxy_method_is(m, "INVITE"))
		proxy_reply(from, m, 100, "Trying");	/* at once: hop-by-hop */
	if (n == 1) {
		(void)proxy_forward_branch(p, from, m, &hops[0], NULL);
		return;
	}
	fork = txn_fork_new((unsigned)n);
	for (i = 0; i < n; i++) {
		copy = NULL;
		if (sip_msg_clone(m, &copy) != 0) {
			fork->open--;
			continue;
		}
		(void)proxy_forward_branch(p, from, copy, &hops[i], fork);
		sip_msg_free(copy);
	}
	if (fork->branches == NULL && !fork->done)
		proxy_reply(from, m, 500, "Server Internal Error");
	txn_fork_put(fork);
}

void
proxy_forward_ack(struct proxy *p, struct conn *from, osip_message_t *m,
    const struct hop *hop)
{
	char		branch[SIP_HDR_BRANCH_MAX], via[256];
	uint16_t	via_port;

	/* A 2xx ACK is its own transaction end to end: nothing to keep. */
	sip_hdr_branch_new(branch, sizeof(branch));
	proxy_account_ack(p, from, m, hop);
	proxy_media_ack(p, from, m, hop);
	proxy_via_self(p, hop->conn, via, sizeof(via), &via_port);
	if (sip_hdr_via_push(m, via, via_port, branch) == -1)
		return;
	proxy_note_call(from, m, hop);
	(void)proxy_send(hop->conn, m);
}

/* Send the hop-by-hop CANCEL for a forwarded INVITE. */
static void
proxy_send_cancel(struct txn *t)
{
	osip_message_t	*cancel;
	struct conn	*out = conn_find(t->out_conn);

	t->cancelled = true;
	t->cancel_pending = false;
	if (out == NULL || (cancel = sip_hdr_build_cancel(t->out_req)) == NULL)
		return;
	(void)proxy_send(out, cancel);
	sip_msg_free(cancel);
}

/* Cancel one branch still waiting for its final. */
static void
proxy_cancel_branch(struct txn *t)
{
	if ((t->state != TXN_CALLING && t->state != TXN_PROCEEDING) ||
	    t->cancelled || t->fork_final)
		return;
	/* RFC 3261 §9.1: no CANCEL before the next hop sent a provisional. */
	if (t->state == TXN_PROCEEDING)
		proxy_send_cancel(t);
	else
		t->cancel_pending = true;
}

void
proxy_cancel(struct proxy *p, struct conn *from, osip_message_t *m)
{
	struct txn	*t, *b, *tmp;

	t = txn_by_upstream(from->id, sip_hdr_via_branch(m, 0), true);
	if (t == NULL) {
		proxy_reply(from, m, 481, "Call/Transaction Does Not Exist");
		return;
	}
	proxy_reply(from, m, 200, "OK");	/* CANCEL is hop-by-hop */
	if (t->fork == NULL) {
		proxy_cancel_branch(t);
		return;
	}
	DL_FOREACH_SAFE2(t->fork->branches, b, tmp, fork_next)
		proxy_cancel_branch(b);
}

/* Rank of a final among a fork's (RFC 3261 §16.7): 6xx, then the lowest. */
static int
proxy_fork_rank(int status)
{
	return status >= 600 ? 0 : status;
}

bool
proxy_fork_hold(struct txn *t, const osip_message_t *resp, int status,
    const char *reason)
{
	struct txn_fork	*f = t->fork;
	struct conn	*up;

	if (f == NULL)
		return false;
	if (!txn_fork_final(t) || f->answered || f->done)
		return true;
	if (f->best == 0 || proxy_fork_rank(status) < proxy_fork_rank(f->best)) {
		f->best = status;
		snprintf(f->best_reason, sizeof(f->best_reason), "%s",
		    reason != NULL ? reason : "");
		sip_msg_free(f->best_resp);
		f->best_resp = NULL;
		if (resp != NULL)
			(void)sip_msg_clone(resp, &f->best_resp);
	}
	if (f->open > 0)
		return true;
	f->done = true;
	t->status = f->best;
	if ((up = conn_find(t->in_conn)) == NULL)
		return true;
	if (f->best_resp != NULL)
		(void)proxy_send(up, f->best_resp);
	else
		proxy_reply(up, t->in_req, f->best, f->best_reason);
	return true;
}

/* A 2xx on one branch: it wins, the others are cancelled (§16.7). */
static void
proxy_fork_answered(struct txn *t)
{
	struct txn	*b, *tmp;

	(void)txn_fork_final(t);
	t->fork->answered = true;
	DL_FOREACH_SAFE2(t->fork->branches, b, tmp, fork_next)
		if (b != t)
			proxy_cancel_branch(b);
}

int
proxy_ack_absorb(struct conn *from, const osip_message_t *m)
{
	struct txn	*t;

	/*
	 * The ACK for a non-2xx final is hop-by-hop: it ends here, and so
	 * does the transaction (Timer I is 0 on a reliable transport).
	 */
	t = txn_by_upstream(from->id, sip_hdr_via_branch(m, 0), true);
	if (t == NULL || t->state != TXN_COMPLETED)
		return 0;
	txn_free(t);
	return 1;
}

/* Provisional from downstream: forward, and CANCEL now if asked before. */
static void
proxy_provisional(struct txn *t, osip_message_t *resp, int status)
{
	struct dialog	*dlg = dialog_find(sip_msg_call_id(resp), t->flow);

	if (t->state == TXN_CALLING)
		txn_set_state(t, TXN_PROCEEDING);
	if (t->invite && !t->cancelled)
		txn_arm(t, TXN_TIMER_C);
	if (t->cancel_pending)
		proxy_send_cancel(t);
	if (dlg != NULL && t->invite)
		dialog_invite_response(dlg, status, sip_hdr_to_tag(resp) != NULL);
}

/* Keep the call list in step with a final response. */
static void
proxy_final_call(struct txn *t, osip_message_t *resp, int status)
{
	struct dialog	*dlg = dialog_find(sip_msg_call_id(resp), t->flow);

	if (dlg == NULL)
		return;
	if (t->invite)
		dialog_invite_response(dlg, status,
		    sip_hdr_to_tag(resp) != NULL);
	else if (proxy_method_is(t->out_req, "BYE"))
		dialog_end(dlg, "BYE");
	else
		dialog_touch(dlg);
}

void
proxy_response(struct proxy *p, struct conn *from, osip_message_t *resp)
{
	struct proxy_edit e;
	struct txn	*t = txn_by_branch(sip_hdr_via_branch(resp, 0));
	struct conn	*up;
	osip_message_t	*ack;
	int		 status = sip_msg_status(resp);

	/* The answer to a keep-alive OPTIONS of ours: no transaction. */
	if (carrier_keepalive_response(p->carriers, from,
	    sip_hdr_via_branch(resp, 0)))
		return;
	if (t == NULL || t->out_conn != from->id) {
		from->rx_dropped++;
		proxy_log(LOG_LVL_DEBUG, from, resp, "%d matches no transaction",
		    status);
		return;
	}
	if (t->done != NULL) {
		/* The edge's own request: its owner takes the final. */
		if (status >= 200)
			txn_finish_local(t, resp, status);
		return;
	}
	if (resp->cseq != NULL && resp->cseq->method != NULL &&
	    strcmp(resp->cseq->method, "CANCEL") == 0)
		return;			/* the answer to our own CANCEL */
	if (t->state == TXN_COMPLETED && status >= 300 &&
	    (ack = sip_hdr_build_ack(t->out_req, resp)) != NULL) {
		/* A retransmitted final wants our ACK again (§17.1.1.2). */
		(void)proxy_send(from, ack);
		sip_msg_free(ack);
		return;
	}
	if (t->state == TXN_COMPLETED ||
	    (t->state == TXN_ACCEPTED && status >= 300))
		return;			/* late: a final already went up */
	sip_hdr_via_pop(resp);
	if (status > 100) {
		switch (proxy_edit_response(p, from, t, resp, status, &e)) {
		case PROXY_PASS:
			break;
		case PROXY_REFUSE:
			proxy_response_refused(from, t, resp, status, &e);
			return;
		case PROXY_CONSUMED:
			return;
		}
	}
	if (status < 200) {
		proxy_provisional(t, resp, status);
		if (status == 100)
			return;		/* 100 Trying is hop-by-hop */
	} else if (status < 300) {
		if (t->state != TXN_ACCEPTED)
			proxy_final_call(t, resp, status);
		if (t->fork != NULL)
			proxy_fork_answered(t);
	} else {
		if (t->invite && (ack = sip_hdr_build_ack(t->out_req,
		    resp)) != NULL) {
			(void)proxy_send(from, ack);
			sip_msg_free(ack);
		}
		proxy_final_call(t, resp, status);
		if (proxy_fork_hold(t, resp, status, NULL)) {
			/* Held for the fork's one final; wait for late ones. */
			txn_set_state(t, TXN_COMPLETED);
			txn_arm(t, TXN_TIMER_L);
			return;
		}
	}
	if (t->status < status)
		t->status = status;
	if ((up = conn_find(t->in_conn)) != NULL)
		(void)proxy_send(up, resp);
	if (status < 200)
		return;
	if (!t->invite) {
		txn_free(t);
		return;
	}
	/* INVITE: stay to pass 2xx retransmissions or absorb the ACK. */
	txn_set_state(t, status < 300 ? TXN_ACCEPTED : TXN_COMPLETED);
	txn_arm(t, TXN_TIMER_L);
}

/* Timer B, C, F or the end of the accepted/completed wait. */
static void
proxy_txn_timeout_cb(struct txn *t, void *arg)
{
	struct dialog	*dlg;

	if (t->state == TXN_ACCEPTED || t->state == TXN_COMPLETED) {
		txn_free(t);
		return;
	}
	if (t->invite && t->state == TXN_PROCEEDING && !t->cancelled) {
		/* Timer C: give up on the callee, let its 487 come back. */
		log_info("txn %s: no final answer in %d s, cancelling",
		    t->branch, TXN_TIMER_C);
		proxy_send_cancel(t);
		txn_arm(t, TXN_TIMER_B);
		return;
	}
	log_info("txn %s: %s timed out", t->branch,
	    sip_msg_method(t->out_req));
	proxy_end_forwarded(arg, conn_find(t->out_conn), t, 408,
	    "Request Timeout");
	if (t->invite && (dlg = dialog_find(sip_msg_call_id(t->out_req),
	    t->flow)) != NULL && dlg->state != DIALOG_CONFIRMED)
		dialog_end(dlg, "INVITE timed out");
	txn_free(t);
}

struct proxy_lost {
	struct proxy	*p;
	struct conn	*gone;
};

/* One transaction touched by a lost connection. */
static void
proxy_txn_conn_lost(struct txn *t, void *arg)
{
	struct proxy_lost	*l = arg;
	struct conn		*gone = l->gone;

	if (t->done != NULL) {
		txn_finish_local(t, NULL, 503);	/* nothing will answer */
		return;
	}
	if (t->state == TXN_ACCEPTED || t->state == TXN_COMPLETED) {
		if (t->in_conn == gone->id || t->out_conn == gone->id)
			txn_free(t);
		return;
	}
	if (t->out_conn == gone->id) {
		/* The next hop is gone: nothing will answer. */
		proxy_end_forwarded(l->p, gone, t,
		    gone->side == CONN_SIDE_PHONE ? 480 : 503,
		    gone->side == CONN_SIDE_PHONE ? "Temporarily Unavailable" :
		    "Service Unavailable");
		txn_free(t);
	} else if (t->in_conn == gone->id) {
		/* The caller is gone: stop the callee's phone ringing. */
		if (t->invite && t->state == TXN_PROCEEDING && !t->cancelled)
			proxy_send_cancel(t);
		else if (t->invite)
			t->cancel_pending = true;
	}
}

void
proxy_conn_lost(struct proxy *p, struct conn *c)
{
	struct proxy_lost	l = { p, c };

	txn_foreach_conn(c->id, proxy_txn_conn_lost, &l);
	if (c->side == CONN_SIDE_PHONE) {
		registrar_flow_gone(c->id);
		dialog_flow_gone(c->id);
	}
}
