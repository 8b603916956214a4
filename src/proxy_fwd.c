/*
 * proxy_fwd.c: forwarding. A request leaves with the edge's Via on top
 * and, when it starts a dialog, two Record-Route entries (one facing each
 * side) so every in-dialog request passes the edge; a REGISTER leaves with
 * the phone's Contact replaced by one at the edge that carries the flow
 * token. Responses come back by our branch and go out on the connection
 * the request came in on.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "carrier_listener.h"
#include "conn.h"
#include "daemon.h"
#include "dialog.h"
#include "edge_config.h"
#include "log.h"
#include "proxy_int.h"
#include "registrar.h"
#include "sip_contact.h"
#include "sip_msg.h"
#include "txn.h"
#include "util.h"

#define PROXY_DEFAULT_EXPIRES	3600

static void	proxy_txn_timeout_cb(struct txn *, void *);

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
	const char	*adv = p->d->config->phones.advertised_address;
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
static void
proxy_carrier_hostport(const struct proxy *p, const struct conn *carrier,
    char *buf, size_t len)
{
	carrier_listener_hostport(p->d->carrier_listener, p->d->config, carrier,
	    buf, len);
}

/*
 * The sent-by of our Via on the next hop: towards a carrier with a
 * listener the address Contact and Record-Route name (a response whose
 * connection is gone is sent there, RFC 3261 §18.2.2); else the
 * connection's own address.
 */
static void
proxy_via_self(const struct proxy *p, const struct conn *next, char *host,
    size_t len, uint16_t *port)
{
	if (next->side == CONN_SIDE_CARRIER && p->d->carrier_listener != NULL) {
		carrier_listener_self(p->d->carrier_listener, p->d->config,
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

/*
 * A phone's REGISTER: the Contact becomes the edge's, carrying the flow
 * token, so the carrier's requests for this phone come to the edge on the
 * carrier connection; the phone's own Contacts are kept for the 2xx.
 */
static int
proxy_register_rewrite(struct proxy *p, struct conn *phone, osip_message_t *m,
    const struct hop *hop, struct txn *t)
{
	char	contact[256], hp[128];

	t->aor = sip_hdr_aor(m->to);
	if (t->aor == NULL)
		return -1;
	proxy_carrier_hostport(p, hop->conn, hp, sizeof(hp));
	snprintf(contact, sizeof(contact), "sip:%s@%s;transport=tls;%s=r-%08x",
	    phone->flow_token, hp, SIP_HDR_PARAM, registrar_line(t->aor));
	if (sip_contact_replace(m, contact, &t->orig_contacts,
	    &t->n_orig_contacts) == -1)
		return -1;
	if (hop->carrier != NULL && hop->carrier->cfg->path) {
		snprintf(contact, sizeof(contact),
		    "sip:%s@%s;transport=tls;lr;ob;%s=p", phone->flow_token, hp,
		    SIP_HDR_PARAM);
		if (sip_hdr_path_push(m, contact) == -1)
			return -1;
	}
	return 0;
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

void
proxy_forward(struct proxy *p, struct conn *from, osip_message_t *m,
    const struct hop *hop)
{
	osip_message_t	*in_req = NULL, *out_req = NULL;
	struct txn	*t;
	char		 branch[SIP_HDR_BRANCH_MAX], via[256];
	const char	*in_branch = sip_hdr_via_branch(m, 0);
	uint16_t	 via_port;

	if (proxy_method_is(m, "INVITE"))
		proxy_reply(from, m, 100, "Trying");	/* at once: hop-by-hop */
	if (sip_msg_clone(m, &in_req) != 0)
		return;
	/* Before retargeting: the loop check hashes the request as received. */
	sip_hdr_branch_loop(m, branch, sizeof(branch));
	t = txn_new(from->id, in_branch, in_req, NULL, hop->conn->id, branch,
	    proxy_txn_timeout_cb, p);
	t->flow = hop->flow;
	if (hop->binding != NULL &&
	    sip_hdr_set_request_uri(m, hop->binding->contact) == -1)
		goto fail;
	if (from->side == CONN_SIDE_PHONE && proxy_method_is(m, "REGISTER") &&
	    proxy_register_rewrite(p, from, m, hop, t) == -1)
		goto fail;
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
		proxy_reply_upstream(t, 503, "Service Unavailable");
		txn_free(t);
		return;
	}
	txn_arm(t, t->invite ? TXN_TIMER_B : TXN_TIMER_F);
	return;
fail:
	log_warn("conn %llu: cannot rewrite %s %s", (unsigned long long)from->id,
	    sip_msg_method(m), sip_msg_call_id(m));
	proxy_reply_upstream(t, 500, "Server Internal Error");
	txn_free(t);
}

void
proxy_forward_ack(struct proxy *p, struct conn *from, osip_message_t *m,
    const struct hop *hop)
{
	char		branch[SIP_HDR_BRANCH_MAX], via[256];
	uint16_t	via_port;

	/* A 2xx ACK is its own transaction end to end: nothing to keep. */
	sip_hdr_branch_new(branch, sizeof(branch));
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

void
proxy_cancel(struct proxy *p, struct conn *from, osip_message_t *m)
{
	struct txn	*t;

	t = txn_by_upstream(from->id, sip_hdr_via_branch(m, 0), true);
	if (t == NULL) {
		proxy_reply(from, m, 481, "Call/Transaction Does Not Exist");
		return;
	}
	proxy_reply(from, m, 200, "OK");	/* CANCEL is hop-by-hop */
	if ((t->state != TXN_CALLING && t->state != TXN_PROCEEDING) ||
	    t->cancelled)
		return;
	/* RFC 3261 §9.1: no CANCEL before the next hop sent a provisional. */
	if (t->state == TXN_PROCEEDING)
		proxy_send_cancel(t);
	else
		t->cancel_pending = true;
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

/* What proxy_contact_lookup needs: the phone and its REGISTER. */
struct proxy_restore {
	const struct conn	*phone;
	const struct txn	*txn;
	uint32_t		 line;	/* registrar_line of its AOR */
};

/*
 * The phone's own Contact for one of our registration Contacts in a 2xx:
 * "r-LINE.K" is the K-th Contact of this REGISTER (K = 0 has no
 * suffix), another line of the phone is its registered Contact.
 */
static const char *
proxy_contact_lookup(const osip_uri_t *uri, void *arg)
{
	const struct proxy_restore	*r = arg;
	const struct binding		*b;
	const char			*mark = sip_hdr_uri_mark(uri);
	unsigned long			 line, k = 0;
	char				*end;

	/* Another phone's Contact (another token) stays as the carrier has it. */
	if (uri->username == NULL || strcmp(uri->username,
	    r->phone->flow_token) != 0 || mark == NULL ||
	    strncmp(mark, "r-", 2) != 0)
		return NULL;
	line = strtoul(mark + 2, &end, 16);
	if (*end == '.')
		k = strtoul(end + 1, NULL, 10);
	if (line == r->line && k < r->txn->n_orig_contacts)
		return r->txn->orig_contacts[k];
	b = registrar_find_line(r->phone->id, (uint32_t)line);
	return b != NULL ? b->contact : NULL;
}

/* A REGISTER 2xx: keep or drop the binding and show the phone its Contact. */
static void
proxy_register_ok(struct proxy *p, struct txn *t, struct conn *from,
    osip_message_t *resp)
{
	struct conn		*phone = conn_find(t->in_conn);
	struct carrier		*car = carrier_of(p->d->carriers, from);
	struct proxy_restore	 r;
	unsigned		 granted;

	if (phone == NULL || t->aor == NULL)
		return;
	if (t->n_orig_contacts == 0) {
		/* "Contact: *" or a query: a 2xx to "*" removes everything. */
		if (sip_contact_is_star(t->in_req))
			(void)registrar_update(t->aor, phone->id, NULL, NULL,
			    NULL, NULL, NULL, 0);
		return;
	}
	granted = sip_contact_expires(resp, phone->flow_token,
	    sip_contact_register_expires(t->in_req, PROXY_DEFAULT_EXPIRES));
	(void)registrar_update(t->aor, phone->id, phone->flow_token,
	    t->orig_contacts[0], car != NULL ? car->name : NULL,
	    phone->profile[0] ? phone->profile : NULL, phone->peer_str,
	    granted);
	r.phone = phone;
	r.txn = t;
	r.line = registrar_line(t->aor);
	sip_contact_restore(resp, proxy_contact_lookup, &r);
}

/* Provisional from downstream: forward, and CANCEL now if asked before. */
static void
proxy_provisional(struct txn *t, osip_message_t *resp, int status)
{
	struct dialog	*dlg = dialog_find(sip_msg_call_id(resp), t->flow);

	if (t->state == TXN_CALLING)
		t->state = TXN_PROCEEDING;
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
	struct txn	*t = txn_by_branch(sip_hdr_via_branch(resp, 0));
	struct conn	*up;
	osip_message_t	*ack;
	int		 status = sip_msg_status(resp);

	/* The answer to a keep-alive OPTIONS of ours: no transaction. */
	if (carrier_keepalive_response(p->d->carriers, from,
	    sip_hdr_via_branch(resp, 0)))
		return;
	if (t == NULL || t->out_conn != from->id) {
		from->rx_dropped++;
		log_debug("conn %llu: %d for %s matches no transaction",
		    (unsigned long long)from->id, status, sip_msg_call_id(resp));
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
	if (status < 200) {
		proxy_provisional(t, resp, status);
		if (status == 100)
			return;		/* 100 Trying is hop-by-hop */
	} else if (status < 300) {
		if (proxy_method_is(t->out_req, "REGISTER"))
			proxy_register_ok(p, t, from, resp);
		if (t->state != TXN_ACCEPTED)
			proxy_final_call(t, resp, status);
	} else {
		if (t->invite && (ack = sip_hdr_build_ack(t->out_req,
		    resp)) != NULL) {
			(void)proxy_send(from, ack);
			sip_msg_free(ack);
		}
		proxy_final_call(t, resp, status);
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
	t->state = status < 300 ? TXN_ACCEPTED : TXN_COMPLETED;
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
	proxy_reply_upstream(t, 408, "Request Timeout");
	if (t->invite && (dlg = dialog_find(sip_msg_call_id(t->out_req),
	    t->flow)) != NULL && dlg->state != DIALOG_CONFIRMED)
		dialog_end(dlg, "INVITE timed out");
	txn_free(t);
}

/* One transaction touched by a lost connection. */
static void
proxy_txn_conn_lost(struct txn *t, void *arg)
{
	struct conn	*gone = arg;

	if (t->state == TXN_ACCEPTED || t->state == TXN_COMPLETED) {
		if (t->in_conn == gone->id || t->out_conn == gone->id)
			txn_free(t);
		return;
	}
	if (t->out_conn == gone->id) {
		/* The next hop is gone: nothing will answer. */
		proxy_reply_upstream(t, gone->side == CONN_SIDE_PHONE ? 480 : 503,
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
	txn_foreach_conn(c->id, proxy_txn_conn_lost, c);
	if (c->side == CONN_SIDE_PHONE) {
		registrar_flow_gone(c->id);
		dialog_flow_gone(c->id);
	}
}
