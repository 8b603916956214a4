/*
 * proxy_media.c: media anchoring on the SIP path (issue 9), the fourth
 * message editor. Every SDP offer and answer in INVITE, UPDATE, PRACK,
 * their responses and the ACK of a late offer goes through media.c, which
 * rewrites it for the other side (the relay's address and ports, fresh
 * SDES keys, the shape that side speaks); this file gives media.c its
 * ports (one relay session per stream, made on the stream's first offer)
 * and tells the relay what each answer settled: peers, keys, rtcp-mux.
 *
 * A call's media lives in the transaction slot of its initial INVITE
 * until the dialog exists (the first response), then with the dialog,
 * which frees it when the call ends; every way a call ends frees its
 * relay sessions and so its ports.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <uthash.h>

#include "carrier.h"
#include "conn.h"
#include "dialog.h"
#include "edge_config.h"
#include "log.h"
#include "media.h"
#include "profile.h"
#include "proxy.h"
#include "proxy_int.h"
#include "relay.h"
#include "sip_hdr.h"
#include "sip_msg.h"
#include "txn.h"
#include "util.h"

/*
 * How the edge reaches one side of a confirmed call with a request of its
 * own (the BYE of a media timeout): the connection, the remote target,
 * the route set, From and To as that side expects them, and the highest
 * CSeq that side has seen in requests towards it.
 */
struct pm_peer {
	uint64_t		 conn;
	char			*ruri;
	char			*from;
	char			*to;
	char		       **route;
	size_t			 n_route;
	uint32_t		 cseq;
};

/* The media of one call. */
struct pmedia;

/*
 * The edge's own re-INVITE to a side that answered it 491 (glare), to be
 * sent again after the RFC 3261 §14.1 wait unless that side settles its
 * media with the other meanwhile.
 */
struct pm_retry {
	struct pmedia		*pm;
	struct event		*ev;		/* NULL: none due */
	osip_message_t		*tmpl;		/* the re-INVITE that got 491 */
	uint64_t		 conn;
	uint64_t		 flow;
	unsigned		 attempt;	/* re-INVITEs sent so far */
	uint32_t		 settled;	/* pm->settled[to] when armed */
};

/*
 * A template kept without a timer: the side keeps an answer the edge
 * refused in an early dialog, and is offered again once the ACK has
 * passed (pm_owe, pm_owed_due).
 */
#define PM_RETRY_OWED(r)	((r)->tmpl != NULL && (r)->ev == NULL)

/* How many times the edge offers a side again before it gives up. */
#define PM_RETRY_MAX		3

/* A relay session's call, by session id (timeouts and latches name ids). */
struct pm_ref {
	uint32_t		 id;
	struct pmedia		*pm;
	UT_hash_handle		 hh;
};
static struct pm_ref	*pm_refs;
/* Calls with at least one relay session: sipedgectl media's "sessions". */
static unsigned		 pm_calls;

struct pmedia {
	struct dialog		*dlg;		/* once the dialog has it */
	struct pm_ref		 ref[MEDIA_MAX_STREAMS];
	bool			 confirmed;	/* peer[] filled by the 2xx */
	struct pm_peer		 peer[2];	/* by enum media_side */
	struct relay		*relay;
	struct media_session	*ms;
	char			*call_id;	/* for log lines */
	/*
	 * Per stream: its relay session, its ports (by RELAY_LEG_*) and the
	 * sides holding them.
	 */
	bool			 have[MEDIA_MAX_STREAMS];
	uint32_t		 id[MEDIA_MAX_STREAMS];
	uint16_t		 port[MEDIA_MAX_STREAMS][2];
	unsigned		 legs[MEDIA_MAX_STREAMS];
	/* The phone's profile relays unsignalled plain SRTCP (Cisco SPA). */
	bool			 lenient;
	/*
	 * What the edge adds to the CSeq of requests towards a side: one for
	 * each re-INVITE of its own there (pm_reoffer_send), so that the
	 * other side's next request is still the higher (RFC 3261 §12.2.2).
	 */
	uint32_t		 shift[2];
	/*
	 * Per side: an INVITE passed towards it still waits for its final
	 * response (no re-INVITE of the edge's own meets it, pm_busy).
	 */
	bool			 inviting[2];
	struct proxy		*p;
	enum media_side		 caller;	/* owns the Call-ID */
	/* Per side: exchanges it completed, and a re-INVITE due to it. */
	uint32_t		 settled[2];
	struct pm_retry		 retry[2];
	/*
	 * Per stream and side, the RTP and RTCP peers the last SDP named,
	 * as given to the relay: SDP that names them again (a hold, a
	 * session refresh) leaves the relay's latch where packets put it,
	 * so a phone behind NAT still hears its music on hold.
	 */
	bool			 sdp_peer_set[MEDIA_MAX_STREAMS][2];
	unsigned char		 sdp_peer[MEDIA_MAX_STREAMS][2][2]
				    [sizeof(struct sockaddr_in6)];
};

/*
 * The edge's own re-INVITE (or UPDATE) to a side: what its answer needs
 * to find the call again (it may have ended meanwhile).
 */
struct pm_reoffer {
	struct proxy		*p;
	char			*call_id;
	uint64_t		 flow;
	enum media_side		 to;
	uint32_t		 cseq;
	unsigned		 attempt;
	bool			 invite;	/* else an UPDATE: no ACK */
};

static int
pm_relay_leg(enum media_side side)
{
	return side == MEDIA_PHONE ? RELAY_LEG_A : RELAY_LEG_B;
}

static const char *
pm_side_name(enum media_side side)
{
	return side == MEDIA_PHONE ? "phone" : "carrier";
}

/* Does the call hold a relay session for any stream? */
static bool
pm_relayed(const struct pmedia *pm)
{
	size_t	k;

	for (k = 0; k < MEDIA_MAX_STREAMS; k++)
		if (pm->have[k])
			return true;
	return false;
}

/* media_ports: a stream's first port makes its relay session (both legs). */
static int
pm_port_alloc(void *arg, size_t k, enum media_side side, unsigned *port,
    char *why, size_t whylen)
{
	struct pmedia			*pm = arg;
	struct relay_session_spec	 spec;
	struct relay_session_info	 info;

	if (k >= MEDIA_MAX_STREAMS)
		return -1;
	if (!pm->have[k]) {
		memset(&spec, 0, sizeof(spec));
		if (relay_session_new(pm->relay, &spec, &info, why,
		    whylen) != 0)
			return -1;
		if (!pm_relayed(pm))
			pm_calls++;
		pm->have[k] = true;
		pm->id[k] = info.id;
		pm->ref[k].id = info.id;
		pm->ref[k].pm = pm;
		HASH_ADD(hh, pm_refs, id, sizeof(pm->ref[k].id), &pm->ref[k]);
		pm->port[k][RELAY_LEG_A] = info.rtp_port[RELAY_LEG_A];
		pm->port[k][RELAY_LEG_B] = info.rtp_port[RELAY_LEG_B];
		pm->legs[k] = 0;
	}
	pm->legs[k] |= 1u << side;
	*port = pm->port[k][pm_relay_leg(side)];
	return 0;
}

/* media_ports: the session goes when neither side holds its port. */
static void
pm_port_release(void *arg, size_t k, enum media_side side, unsigned port)
{
	struct pmedia	*pm = arg;

	(void)port;
	if (k >= MEDIA_MAX_STREAMS || !pm->have[k])
		return;
	pm->legs[k] &= ~(1u << side);
	if (pm->legs[k] != 0)
		return;
	HASH_DEL(pm_refs, &pm->ref[k]);
	relay_session_free(pm->relay, pm->id[k]);
	pm->have[k] = false;
	if (!pm_relayed(pm))
		pm_calls--;
}

static void
pm_peer_clear(struct pm_peer *pp)
{
	size_t	i;

	for (i = 0; i < pp->n_route; i++)
		free(pp->route[i]);
	free(pp->route);
	free(pp->ruri);
	free(pp->from);
	free(pp->to);
	memset(pp, 0, sizeof(*pp));
}

static void
pm_retry_cancel(struct pmedia *pm, enum media_side to)
{
	struct pm_retry	*r = &pm->retry[to];

	if (r->ev != NULL)
		event_free(r->ev);
	sip_msg_free(r->tmpl);
	r->ev = NULL;
	r->tmpl = NULL;
}

static void
pm_free(void *arg)
{
	struct pmedia	*pm = arg;
	size_t		 k;

	if (pm == NULL)
		return;
	pm_peer_clear(&pm->peer[0]);
	pm_peer_clear(&pm->peer[1]);
	pm_retry_cancel(pm, MEDIA_PHONE);
	pm_retry_cancel(pm, MEDIA_CARRIER);
	media_session_free(pm->ms);	/* releases the ports it holds */
	if (pm_relayed(pm))
		pm_calls--;
	for (k = 0; k < MEDIA_MAX_STREAMS; k++)
		if (pm->have[k]) {
			HASH_DEL(pm_refs, &pm->ref[k]);
			relay_session_free(pm->relay, pm->id[k]);
		}
	free(pm->call_id);
	free(pm);
}

/* A policy's suites, in order; none configured: AES_CM_128_HMAC_SHA1_80. */
static void
pm_suites(struct media_policy *pol, const enum sdes_suite *suites, size_t n)
{
	if (n == 0) {
		pol->suites[0] = SDES_AES_CM_128_HMAC_SHA1_80;
		pol->n_suites = 1;
		return;
	}
	memcpy(pol->suites, suites, n * sizeof(pol->suites[0]));
	pol->n_suites = n;
}

/* What a side must do: [phones] srtp and its profile, or a carrier file. */
static void
pm_phone_policy(const struct config *cf, const struct conn *phone,
    struct media_policy *pol, bool *lenient)
{
	const struct config_profile	*prof;

	memset(pol, 0, sizeof(*pol));
	prof = profile_match(cf, phone != NULL ? phone->user_agent : NULL);
	pol->srtp = cf->phones.srtp;
	pol->shape = prof != NULL ? prof->sdp_offer : SDP_SHAPE_SAVP;
	if (prof != NULL)
		pm_suites(pol, prof->srtp_suites, prof->n_srtp_suites);
	else
		pm_suites(pol, NULL, 0);
	*lenient = prof != NULL && prof->srtcp_lenient;
	snprintf(pol->addr, sizeof(pol->addr), "%s", cf->media.phone_address);
}

static void
pm_carrier_policy(const struct config *cf, const char *carrier,
    struct media_policy *pol)
{
	const struct config_carrier	*cc = NULL;
	const char			*addr;
	size_t				 i;

	memset(pol, 0, sizeof(*pol));
	for (i = 0; carrier != NULL && i < cf->n_carriers; i++)
		if (strcmp(cf->carriers[i]->name, carrier) == 0)
			cc = cf->carriers[i];
	addr = cf->media.carrier_public_address != NULL ?
	    cf->media.carrier_public_address : cf->media.carrier_address;
	snprintf(pol->addr, sizeof(pol->addr), "%s", addr);
	if (cc == NULL) {
		/* No carrier known (a phone calling a phone): plain is fine. */
		pol->srtp = SRTP_POLICY_OPTIONAL;
		pol->shape = SDP_SHAPE_AVP_CRYPTO;
		pm_suites(pol, NULL, 0);
		return;
	}
	pol->srtp = cc->srtp;
	pol->shape = cc->srtp_profile == SRTP_PROFILE_AVP ?
	    SDP_SHAPE_AVP_CRYPTO : SDP_SHAPE_SAVP;
	pm_suites(pol, cc->srtp_suites, cc->n_srtp_suites);
}

static struct pmedia *
pm_new(struct proxy *p, const osip_message_t *m, const struct conn *phone,
    const char *carrier)
{
	struct media_policy	 pol[2];
	struct media_ports	 ports;
	struct pmedia		*pm = xcalloc(1, sizeof(*pm));

	pm->relay = p->relay;
	pm->p = p;
	pm->call_id = xstrdup(sip_msg_call_id(m) != NULL ?
	    sip_msg_call_id(m) : "-");
	pm_phone_policy(p->cfg, phone, &pol[MEDIA_PHONE], &pm->lenient);
	pm_carrier_policy(p->cfg, carrier, &pol[MEDIA_CARRIER]);
	ports.alloc = pm_port_alloc;
	ports.release = pm_port_release;
	ports.arg = pm;
	pm->ms = media_session_new(&pol[MEDIA_PHONE], &pol[MEDIA_CARRIER],
	    &ports);
	return pm;
}

static bool
pm_is_sdp(const osip_content_type_t *ct)
{
	return ct != NULL && ct->type != NULL && ct->subtype != NULL &&
	    strcasecmp(ct->type, "application") == 0 &&
	    strcasecmp(ct->subtype, "sdp") == 0;
}

/* The application/sdp part of a multipart body and where it is, or NULL. */
static osip_body_t *
pm_sdp_part(const osip_message_t *m, int *pos)
{
	osip_body_t	*b;
	int		 i;

	for (i = 0; (b = osip_list_get(&m->bodies, i)) != NULL; i++)
		if (pm_is_sdp(b->content_type)) {
			*pos = i;
			return b;
		}
	return NULL;
}

/*
 * The SDP body of a message, or its SDP part: NULL when it has none.
 * *other says it has a body that hides SDP where the edge cannot rewrite
 * it (a multipart body sip_msg could not split into its parts).
 */
static osip_body_t *
pm_sdp(const osip_message_t *m, bool *other)
{
	const osip_content_type_t	*ct = m->content_type;
	osip_body_t			*b, *part;
	int				 pos;

	*other = false;
	if ((b = osip_list_get(&m->bodies, 0)) == NULL || b->body == NULL ||
	    b->length == 0)
		return NULL;
	if (ct == NULL || ct->type == NULL || ct->subtype == NULL)
		return NULL;
	if (pm_is_sdp(ct) && osip_list_size(&m->bodies) == 1)
		return b;
	if (strcasecmp(ct->type, "multipart") != 0)
		return NULL;
	/*
	 * SDP beside other parts (RFC 5621): an emergency call's location
	 * (RFC 6442 PIDF-LO), a carrier's ISUP. The SDP part is anchored,
	 * the others pass as they are.
	 */
	if ((part = pm_sdp_part(m, &pos)) != NULL)
		return part->body != NULL && part->length > 0 ? part : NULL;
	if (memmem(b->body, b->length, "application/sdp", 15) != NULL)
		*other = true;
	return NULL;
}

/*
 * Put a rewritten body in (len 0: none); the one it replaces had keys:
 * wiped. In a multipart body only the SDP part is replaced or dropped.
 */
static int
pm_set_body(osip_message_t *m, const char *buf, size_t len)
{
	osip_body_t	*b;
	int		 pos;

	if (m->content_type != NULL && m->content_type->type != NULL &&
	    strcasecmp(m->content_type->type, "multipart") == 0 &&
	    (b = pm_sdp_part(m, &pos)) != NULL) {
		if (b->body != NULL)
			OPENSSL_cleanse(b->body, b->length);
		osip_free(b->body);
		b->body = NULL;
		b->length = 0;
		if (len == 0) {
			osip_list_remove(&m->bodies, pos);
			osip_body_free(b);
			return 0;
		}
		if ((b->body = osip_malloc(len + 1)) == NULL)
			return -1;
		memcpy(b->body, buf, len);
		b->body[len] = '\0';
		b->length = len;
		osip_message_force_update(m);
		return 0;
	}
	while ((b = osip_list_get(&m->bodies, 0)) != NULL) {
		osip_list_remove(&m->bodies, 0);
		if (b->body != NULL)
			OPENSSL_cleanse(b->body, b->length);
		osip_body_free(b);
	}
	if (len == 0)
		return 0;
	return osip_message_set_body(m, buf, len) == 0 ? 0 : -1;
}

static enum relay_suite
pm_suite(enum sdes_suite s)
{
	switch (s) {
	case SDES_AES_CM_128_HMAC_SHA1_80:
		return RELAY_SUITE_AES_CM_128_HMAC_SHA1_80;
	case SDES_AES_CM_128_HMAC_SHA1_32:
		return RELAY_SUITE_AES_CM_128_HMAC_SHA1_32;
	case SDES_AES_256_CM_HMAC_SHA1_80:
		return RELAY_SUITE_AES_256_CM_HMAC_SHA1_80;
	case SDES_AES_256_CM_HMAC_SHA1_32:
		return RELAY_SUITE_AES_256_CM_HMAC_SHA1_32;
	case SDES_AEAD_AES_128_GCM:
		return RELAY_SUITE_AEAD_AES_128_GCM;
	case SDES_AEAD_AES_256_GCM:
		return RELAY_SUITE_AEAD_AES_256_GCM;
	default:
		return RELAY_SUITE_NONE;
	}
}

/* An SDES key as the relay takes it; -1 for a suite it cannot do. */
static int
pm_key(const struct media_key *k, struct relay_crypto *c)
{
	memset(c, 0, sizeof(*c));
	if ((c->suite = pm_suite(k->suite)) == RELAY_SUITE_NONE ||
	    k->keysalt_len > sizeof(c->key))
		return -1;
	memcpy(c->key, k->keysalt, k->keysalt_len);
	c->key_len = k->keysalt_len;
	if (k->flags & SDES_F_UNENCRYPTED_SRTP)
		c->flags |= RELAY_CRYPTO_UNENCRYPTED_SRTP;
	if (k->flags & SDES_F_UNENCRYPTED_SRTCP)
		c->flags |= RELAY_CRYPTO_UNENCRYPTED_SRTCP;
	if (k->flags & SDES_F_UNAUTHENTICATED_SRTP)
		c->flags |= RELAY_CRYPTO_UNAUTHENTICATED_SRTP;
	return 0;
}

/*
 * A peer from SDP; unknown (all zeros: latch to what comes) when held
 * (0.0.0.0 or ::, RFC 2543) or not an IP literal. An IPv4-mapped IPv6
 * address is the IPv4 one it stands for (RFC 3266 §5).
 */
static void
pm_addr(const char *host, unsigned port, struct sockaddr_storage *ss)
{
	bool	hold;

	if (port == 0 || port > 65535 ||
	    sockaddr_sdp(host, (uint16_t)port, ss, &hold) == 0 || hold)
		memset(ss, 0, sizeof(*ss));
}

/* Does the SDP name other peers for stream k's side s than it did? */
static bool
pm_peer_new(struct pmedia *pm, size_t k, int s,
    const struct relay_leg_update *ul)
{
	unsigned char	(*p)[sizeof(struct sockaddr_in6)] = pm->sdp_peer[k][s];

	if (pm->sdp_peer_set[k][s] &&
	    memcmp(p[0], &ul->rtp_peer, sizeof(p[0])) == 0 &&
	    memcmp(p[1], &ul->rtcp_peer, sizeof(p[1])) == 0)
		return false;
	memcpy(p[0], &ul->rtp_peer, sizeof(p[0]));
	memcpy(p[1], &ul->rtcp_peer, sizeof(p[1]));
	pm->sdp_peer_set[k][s] = true;
	return true;
}

/* Tell the relay what the last answer settled, stream by stream. */
static void
pm_apply(struct pmedia *pm)
{
	struct relay_session_update	 u;
	struct relay_leg_update		*ul;
	struct media_stream		*st;
	struct media_leg		*leg;
	char				 why[256];
	size_t				 k, n = media_stream_count(pm->ms);
	int				 s, bad;
	unsigned			 window;

	for (k = 0; k < n && k < MEDIA_MAX_STREAMS; k++) {
		st = media_stream_get(pm->ms, k);
		if (st == NULL || !pm->have[k] || !st->changed || st->rejected)
			continue;
		memset(&u, 0, sizeof(u));
		bad = 0;
		/*
		 * The larger WSH the peers gave for what they send, for all
		 * four contexts: a packet the inbound window takes must not
		 * be refused by the other leg's outbound one.
		 */
		window = st->leg[0].rx.wsh > st->leg[1].rx.wsh ?
		    st->leg[0].rx.wsh : st->leg[1].rx.wsh;
		for (s = 0; s < 2; s++) {
			leg = &st->leg[s];
			ul = &u.leg[pm_relay_leg(s)];
			ul->what = RELAY_UPD_CRYPTO_IN | RELAY_UPD_CRYPTO_OUT |
			    RELAY_UPD_FLAGS;
			pm_addr(leg->peer, leg->peer_port, &ul->rtp_peer);
			pm_addr(leg->peer, leg->mux ? leg->peer_port :
			    leg->peer_rtcp_port, &ul->rtcp_peer);
			if (pm_peer_new(pm, k, s, ul))
				ul->what |= RELAY_UPD_PEER;
			ul->flags = (leg->mux ? RELAY_LEG_RTCP_MUX : 0) |
			    (st->udp ? RELAY_LEG_PLAIN_UDP : 0);
			if (leg->srtp && !st->udp) {
				bad |= pm_key(&leg->rx, &ul->in);
				bad |= pm_key(&leg->tx, &ul->out);
				ul->in.window = ul->out.window = window;
				if (s == MEDIA_PHONE && pm->lenient)
					ul->in.flags |=
					    RELAY_CRYPTO_LENIENT_SRTCP;
			}
		}
		if (bad != 0)
			log_warn("media call=%s stream %zu: a suite the relay "
			    "cannot key", pm->call_id, k);
		else if (relay_session_update(pm->relay, pm->id[k], &u, why,
		    sizeof(why)) != 0)
			log_warn("media call=%s stream %zu: relay: %s",
			    pm->call_id, k, why);
		st->changed = false;
		OPENSSL_cleanse(&u, sizeof(u));
	}
}

/*
 * The call is answered: the relay's silence clock starts again, as it
 * does for new SDP. A 2xx without SDP after a silent 183 otherwise finds
 * the ringing counted as silence, and the one report the relay made of
 * it, dropped while the call rang, would be its last.
 */
static void
pm_answered(struct pmedia *pm)
{
	struct relay_session_update	 u;
	char				 why[128];
	size_t				 k;

	memset(&u, 0, sizeof(u));
	for (k = 0; k < MEDIA_MAX_STREAMS; k++)
		if (pm->have[k] && relay_session_update(pm->relay, pm->id[k],
		    &u, why, sizeof(why)) != 0)
			log_warn("media call=%s stream %zu: relay: %s",
			    pm->call_id, k, why);
}

/* One log line for a refusal; media.c's reasons are stable and key-free. */
static void
pm_log_refusal(const struct pmedia *pm, int code, const char *why)
{
	static const char	prefix[] = "media refused ";

	if (strncmp(why, prefix, sizeof(prefix) - 1) == 0)
		log_notice("media refused call=%s %s", pm->call_id,
		    why + sizeof(prefix) - 1);
	else
		log_notice("media call=%s: %d %s", pm->call_id, code, why);
}

/*
 * Run one SDP body through media.c: an offer or answer from side. On
 * success the body is replaced and, after an answer, the relay follows.
 * Returns 0 or the status to refuse with (reason in e->reason).
 */
static int
pm_body(struct pmedia *pm, osip_message_t *m, osip_body_t *b,
    enum media_side side, bool answer, bool again, char *reason,
    size_t rlen)
{
	char		 why[256], *out = NULL;
	size_t		 outlen = 0;
	int		 code;

	/* A response's answer is its early dialog's (a forked INVITE). */
	media_answer_dialog(pm->ms, answer && MSG_IS_RESPONSE(m) ?
	    sip_hdr_to_tag(m) : NULL);
	if (answer && again)
		code = media_answer_again(pm->ms, side, b->body, b->length,
		    &out, &outlen, why, sizeof(why));
	else if (answer)
		code = media_answer(pm->ms, side, b->body, b->length, &out,
		    &outlen, why, sizeof(why));
	else
		code = media_offer(pm->ms, side, b->body, b->length, &out,
		    &outlen, why, sizeof(why));
	if (code != 0) {
		pm_log_refusal(pm, code, why);
		snprintf(reason, rlen, "%s", osip_message_get_reason(code));
		return code;
	}
	if (pm_set_body(m, out, outlen) == -1) {
		OPENSSL_cleanse(out, outlen);
		free(out);
		snprintf(reason, rlen, "%s", osip_message_get_reason(500));
		return 500;
	}
	OPENSSL_cleanse(out, outlen);
	free(out);
	if (answer) {
		pm_apply(pm);
		pm->settled[MEDIA_PHONE]++;
		pm->settled[MEDIA_CARRIER]++;
	}
	log_debug("media call=%s: %s from the %s side anchored", pm->call_id,
	    answer ? "answer" : "offer", pm_side_name(side));
	return 0;
}

/* A header's text, osip-printed; NULL on failure. */
static char *
pm_str(int (*to_str)(const void *, char **), const void *h)
{
	char	*s = NULL, *copy;

	if (h == NULL || to_str(h, &s) != 0 || s == NULL)
		return NULL;
	copy = xstrdup(s);
	osip_free(s);
	return copy;
}

static int
pm_from_str(const void *h, char **s)
{
	return osip_from_to_str(h, s);
}

static int
pm_rr_str(const void *h, char **s)
{
	return osip_record_route_to_str((osip_record_route_t *)h, s);
}

static int
pm_uri_str(const void *h, char **s)
{
	return osip_uri_to_str(h, s);
}

/* Record-Route entries [from, to) of a message, in order or reversed. */
static void
pm_route(struct pm_peer *pp, const osip_message_t *m, int from, int to,
    bool reverse)
{
	int	i, n = to - from;

	if (n <= 0)
		return;
	pp->route = xcalloc((size_t)n, sizeof(*pp->route));
	for (i = 0; i < n; i++) {
		char *s = pm_str(pm_rr_str, osip_list_get(&m->record_routes,
		    reverse ? to - 1 - i : from + i));

		if (s != NULL)
			pp->route[pp->n_route++] = s;
	}
}

static uint32_t
pm_cseq(const osip_message_t *m)
{
	return m->cseq != NULL && m->cseq->number != NULL ?
	    (uint32_t)strtoul(m->cseq->number, NULL, 10) : 0;
}

/* The edge's own offer, a re-INVITE or an UPDATE, for log lines. */
static const char *
pm_reoffer_name(bool invite)
{
	return invite ? "re-INVITE" : "UPDATE";
}

/*
 * The 2xx of the initial INVITE: what a request of the edge's own needs
 * to reach each side in the dialog (RFC 3261 §12.1). The caller's route
 * set is the Record-Route it sent (nearest the edge first), the callee's
 * the entries its side added to the 2xx above the edge's own, reversed.
 */
static void
pm_confirm(struct pmedia *pm, const struct txn *t, const osip_message_t *resp,
    enum media_side callee)
{
	enum media_side		 caller = MEDIA_OTHER(callee);
	struct pm_peer		*up = &pm->peer[caller];
	struct pm_peer		*down = &pm->peer[callee];
	const osip_contact_t	*ct;
	int			 n_out, n_resp;

	pm_peer_clear(up);
	pm_peer_clear(down);
	up->conn = t->in_conn;
	down->conn = t->out_conn;
	ct = osip_list_get(&t->in_req->contacts, 0);
	up->ruri = ct != NULL ? pm_str(pm_uri_str, ct->url) : NULL;
	ct = osip_list_get(&resp->contacts, 0);
	down->ruri = ct != NULL ? pm_str(pm_uri_str, ct->url) : NULL;
	/* To the callee as the caller; to the caller as the callee. */
	down->from = pm_str(pm_from_str, t->out_req->from);
	down->to = pm_str(pm_from_str, resp->to);
	up->from = pm_str(pm_from_str, resp->to);
	up->to = pm_str(pm_from_str, t->in_req->from);
	pm_route(up, t->in_req, 0, osip_list_size(&t->in_req->record_routes),
	    false);
	n_out = osip_list_size(&t->out_req->record_routes);
	n_resp = osip_list_size(&resp->record_routes);
	pm_route(down, resp, 0, n_resp - n_out, true);
	down->cseq = pm_cseq(t->out_req);
	pm->confirmed = up->ruri != NULL && down->ruri != NULL &&
	    up->from != NULL && up->to != NULL && down->from != NULL &&
	    down->to != NULL;
}

/* A request passes towards side to: its CSeq is the one to beat. */
static void
pm_note_cseq(struct pmedia *pm, const osip_message_t *m, enum media_side to)
{
	uint32_t	c = pm_cseq(m);

	if (c > pm->peer[to].cseq)
		pm->peer[to].cseq = c;
}

/* A request in the dialog towards side to, after the edge's own there. */
static void
pm_shift(const struct pmedia *pm, osip_message_t *m, enum media_side to)
{
	if (pm->shift[to] != 0 && m->cseq != NULL && m->cseq->number != NULL)
		sip_hdr_cseq_set(m, (unsigned long)pm_cseq(m) +
		    pm->shift[to]);
}

/*
 * An exchange is under way: an offer waits for its answer, or an INVITE
 * either way for its final response (a late offer has no offer yet).
 */
static bool
pm_busy(const struct pmedia *pm)
{
	return media_offer_pending(pm->ms, NULL) ||
	    pm->inviting[MEDIA_PHONE] || pm->inviting[MEDIA_CARRIER];
}

static void
pm_bye_done(struct txn *t, const osip_message_t *resp, int status, void *arg)
{
	(void)t;
	(void)resp;
	(void)arg;
	log_info("the edge's BYE answered %d", status);
}

/*
 * The edge's own request in the dialog to one side: a BYE (with its
 * transaction) when media ends the call, or the ACK of a 2xx whose SDP
 * the edge refused; cseq is the CSeq number, reason a Reason text.
 */
static void
pm_own_request(struct proxy *p, const struct pmedia *pm, enum media_side to,
    const char *method, uint32_t cseq, int cause, const char *reason)
{
	const struct pm_peer	*pp = &pm->peer[to];
	struct conn		*c = conn_find(pp->conn);
	osip_message_t		*m;
	struct txn		*t;
	char			*text, *next, branch[SIP_HDR_BRANCH_MAX];
	char			 host[128], why[128], rline[128];
	uint16_t		 port;
	size_t			 i;

	if (c == NULL) {
		log_info("media call=%s: no connection to the %s side for "
		    "the edge's %s", pm->call_id, pm_side_name(to), method);
		return;
	}
	sip_hdr_branch_new(branch, sizeof(branch));
	proxy_via_self(p, c, host, sizeof(host), &port);
	xasprintf(&text, "%s %s SIP/2.0\r\n"
	    "Via: SIP/2.0/TLS %s:%u;branch=%s\r\n"
	    "Max-Forwards: 70\r\n", method, pp->ruri, host, port, branch);
	for (i = 0; i < pp->n_route; i++) {
		xasprintf(&next, "%sRoute: %s\r\n", text, pp->route[i]);
		free(text);
		text = next;
	}
	rline[0] = '\0';
	if (reason != NULL)
		snprintf(rline, sizeof(rline), "Reason: SIP;cause=%d;"
		    "text=\"%s\"\r\n", cause, reason);
	xasprintf(&next, "%sFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\n"
	    "CSeq: %u %s\r\n%sContent-Length: 0\r\n\r\n", text, pp->from,
	    pp->to, pm->call_id, cseq, method, rline);
	free(text);
	text = next;
	m = sip_msg_parse(text, strlen(text), why, sizeof(why));
	free(text);
	if (m == NULL) {
		log_warn("media call=%s: cannot build the %s: %s",
		    pm->call_id, method, why);
		return;
	}
	if (strcmp(method, "ACK") == 0) {
		/* A 2xx's ACK has no transaction of its own (§17.1.1.3). */
		(void)proxy_send(c, m);
		sip_msg_free(m);
		return;
	}
	t = txn_new_local(c->id, branch, false, pm_bye_done, NULL);
	if (proxy_send(c, m) == -1) {
		txn_free(t);
		sip_msg_free(m);
		return;
	}
	sip_msg_free(m);
	txn_arm(t, TXN_TIMER_F);
}

/* The ACK of a 2xx to the edge's own INVITE, on the connection it came on. */
static void
pm_own_ack(struct pmedia *pm, struct proxy *p, enum media_side to,
    uint64_t conn, uint32_t cseq)
{
	uint64_t	saved = pm->peer[to].conn;

	pm->peer[to].conn = conn;
	pm_own_request(p, pm, to, "ACK", cseq, 0, NULL);
	pm->peer[to].conn = saved;
}

static void	pm_reoffer_send(struct pmedia *, const osip_message_t *,
		    uint64_t, uint64_t, enum media_side, unsigned);
static void	pm_retry_arm(struct pmedia *, enum media_side,
		    osip_message_t *, uint64_t, uint64_t, unsigned);
static void	pm_end_call(struct proxy *, struct dialog *, int,
		    const char *, const char *);

/*
 * The 491 wait of RFC 3261 §14.1, in 10 ms units: 2.1 to 4 s for the
 * owner of the Call-ID, up to 2 s for the other party. The edge's
 * re-INVITE to a side stands in for the other side, so it waits as that
 * one would, and never in step with the side it glared with.
 */
static unsigned
pm_retry_ms(const struct pmedia *pm, enum media_side to)
{
	uint16_t	r = 0;

	(void)RAND_bytes((unsigned char *)&r, sizeof(r));
	if (MEDIA_OTHER(to) == pm->caller)
		return 2100 + (r % 191) * 10;
	return (r % 201) * 10;
}

static void
pm_retry_fire(evutil_socket_t fd, short what, void *arg)
{
	struct pm_retry	*r = arg;
	struct pmedia	*pm = r->pm;
	enum media_side	 to = (enum media_side)(r - pm->retry);
	osip_message_t	*tmpl = r->tmpl;

	(void)fd;
	(void)what;
	event_free(r->ev);
	r->ev = NULL;
	r->tmpl = NULL;
	if (pm->settled[to] != r->settled) {
		log_info("media call=%s: the %s side settled its media after "
		    "%s, so the edge does not offer it again", pm->call_id,
		    pm_side_name(to), r->attempt == 0 ?
		    "the answer the edge refused" : "its 491");
	} else if (pm_busy(pm)) {
		/* An exchange is under way: wait for it as after a 491. */
		if (r->attempt + 1 < PM_RETRY_MAX) {
			pm_retry_arm(pm, to, tmpl, r->conn, r->flow,
			    r->attempt + 1);
			return;
		}
		log_warn("media call=%s: the edge gives up offering the %s "
		    "side again: that side may be on media the relay does "
		    "not have", pm->call_id, pm_side_name(to));
	} else
		pm_reoffer_send(pm, tmpl, r->conn, r->flow, to, r->attempt);
	sip_msg_free(tmpl);
}

/* Keep tmpl (the retry owns it from here on) for a re-offer to a side. */
static void
pm_retry_keep(struct pmedia *pm, enum media_side to, osip_message_t *tmpl,
    uint64_t conn, uint64_t flow, unsigned attempt)
{
	struct pm_retry	*r = &pm->retry[to];

	pm_retry_cancel(pm, to);
	r->tmpl = tmpl;
	r->pm = pm;
	r->conn = conn;
	r->flow = flow;
	r->attempt = attempt;
	r->settled = pm->settled[to];
}

static void
pm_retry_start(struct pm_retry *r, unsigned ms)
{
	struct timeval	tv;

	r->ev = evtimer_new(r->pm->p->base, pm_retry_fire, r);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(r->ev, &tv);
}

/*
 * After a 491 to the edge's re-INVITE number attempt, tmpl: send it
 * again later (the retry owns tmpl from here on).
 */
static void
pm_retry_arm(struct pmedia *pm, enum media_side to, osip_message_t *tmpl,
    uint64_t conn, uint64_t flow, unsigned attempt)
{
	struct pm_retry	*r = &pm->retry[to];
	unsigned	 ms = pm_retry_ms(pm, to);

	pm_retry_keep(pm, to, tmpl, conn, flow, attempt);
	pm_retry_start(r, ms);
	log_notice("media call=%s: the %s side answered the edge's %s 491 "
	    "(glare); offering again in %u ms", pm->call_id, pm_side_name(to),
	    pm_reoffer_name(proxy_method_is(tmpl, "INVITE")), ms);
}

static void
pm_reoffer_done(struct txn *t, const osip_message_t *resp, int status,
    void *arg)
{
	struct pm_reoffer	*ro = arg;
	struct dialog		*dlg = dialog_find(ro->call_id, ro->flow);
	struct pmedia		*pm = dlg != NULL ? dlg->media : NULL;
	const char		*side = pm_side_name(ro->to);
	const char		*what = pm_reoffer_name(ro->invite);
	osip_message_t		*ack, *tmpl = NULL;
	osip_body_t		*b;
	struct conn		*c;
	char			 why[256], *out = NULL;
	size_t			 outlen = 0;
	bool			 other;
	int			 code;

	if (pm == NULL || !media_own_pending(pm->ms)) {
		log_info("media call=%s: the edge's %s to the %s side "
		    "answered %d after the call ended", ro->call_id, what,
		    side, status);
		goto out;
	}
	if (status >= 300 || resp == NULL) {
		if (ro->invite && resp != NULL &&
		    (c = conn_find(t->out_conn)) != NULL &&
		    (ack = sip_hdr_build_ack(t->out_req, resp)) != NULL) {
			(void)proxy_send(c, ack);
			sip_msg_free(ack);
		}
		media_offer_failed(pm->ms);
		if (status == 491 && resp != NULL &&
		    ro->attempt < PM_RETRY_MAX) {
			if (sip_msg_clone(t->out_req, &tmpl) == 0) {
				pm_retry_arm(pm, ro->to, tmpl, t->out_conn,
				    ro->flow, ro->attempt);
				goto out;
			}
			log_warn("media call=%s: cannot keep the edge's %s "
			    "to the %s side for after its 491", pm->call_id,
			    what, side);
		}
		log_warn("media call=%s: the edge's %s to the %s side got %d: "
		    "that side may be on media the relay does not have",
		    pm->call_id, what, side, status);
		goto out;
	}
	if (ro->invite)
		pm_own_ack(pm, ro->p, ro->to, t->out_conn, ro->cseq);
	if ((b = pm_sdp(resp, &other)) == NULL) {
		media_offer_failed(pm->ms);
		log_warn("media call=%s: the %s side's 2xx to the edge's %s "
		    "has no SDP answer", pm->call_id, side, what);
		goto out;
	}
	if ((code = media_answer(pm->ms, ro->to, b->body, b->length, &out,
	    &outlen, why, sizeof(why))) != 0) {
		pm_log_refusal(pm, code, why);
		log_warn("media call=%s: the %s side's answer to the edge's "
		    "%s was refused too", pm->call_id, side, what);
		goto out;
	}
	free(out);			/* none: the other side keeps its own */
	pm_apply(pm);
	pm->settled[ro->to]++;
	log_notice("media call=%s: the %s side answered the edge's %s and is "
	    "back on the media the relay has", pm->call_id, side, what);
out:
	free(ro->call_id);
	free(ro);
}

/*
 * The callee of a re-INVITE has answered with SDP the edge refused (its
 * caller gets the refusal) and has its ACK, so it now believes in media
 * the relay never took: offer it again what the relay has (RFC 3264 §8),
 * in the same dialog as the re-INVITE it answered (a copy of it, with
 * the edge's Via, the next CSeq and the edge's offer). The callee of an
 * UPDATE likewise, in an UPDATE of the edge's own.
 */
static void
pm_reoffer_send(struct pmedia *pm, const osip_message_t *tmpl, uint64_t conn,
    uint64_t flow, enum media_side to, unsigned attempt)
{
	struct proxy		*p = pm->p;
	struct conn		*c = conn_find(conn);
	struct pm_reoffer	*ro;
	osip_message_t		*m = NULL;
	struct txn		*own;
	char			 why[256], host[128], *out = NULL;
	char			 branch[SIP_HDR_BRANCH_MAX];
	size_t			 outlen = 0;
	uint32_t		 cseq = pm_cseq(tmpl);
	uint16_t		 port;
	bool			 invite = proxy_method_is(tmpl, "INVITE");
	const char		*what = pm_reoffer_name(invite);

	pm_retry_cancel(pm, to);	/* this one supersedes it */
	if (c == NULL) {
		log_warn("media call=%s: no connection to the %s side for the "
		    "edge's %s: that side may be on media the relay does not "
		    "have", pm->call_id, pm_side_name(to), what);
		return;
	}
	if (pm->peer[to].cseq > cseq)
		cseq = pm->peer[to].cseq;
	cseq++;
	if (media_reoffer(pm->ms, to, &out, &outlen, why, sizeof(why)) != 0) {
		log_warn("media call=%s: the %s side keeps an answer the edge "
		    "refused: %s", pm->call_id, pm_side_name(to), why);
		return;
	}
	if (sip_msg_clone(tmpl, &m) != 0)
		goto fail;
	while (sip_hdr_via_pop(m) == 0)
		;
	osip_list_special_free(&m->record_routes,
	    (void (*)(void *))osip_record_route_free);
	proxy_drop_headers(m, "Authorization");
	proxy_drop_headers(m, "Proxy-Authorization");
	sip_hdr_branch_new(branch, sizeof(branch));
	proxy_via_self(p, c, host, sizeof(host), &port);
	if (sip_hdr_via_push(m, host, port, branch) == -1 ||
	    pm_set_body(m, out, outlen) == -1)
		goto fail;
	sip_hdr_cseq_set(m, cseq);
	OPENSSL_cleanse(out, outlen);
	free(out);
	out = NULL;
	ro = xcalloc(1, sizeof(*ro));
	ro->p = p;
	ro->call_id = xstrdup(pm->call_id);
	ro->flow = flow;
	ro->to = to;
	ro->cseq = cseq;
	ro->attempt = attempt + 1;
	ro->invite = invite;
	own = txn_new_local(c->id, branch, invite, pm_reoffer_done, ro);
	own->out_req = m;		/* for the ACK of a non-2xx */
	if (proxy_send(c, m) == -1) {
		txn_free(own);		/* and m */
		free(ro->call_id);
		free(ro);
		media_offer_failed(pm->ms);
		log_warn("media call=%s: cannot send the edge's %s to the %s "
		    "side", pm->call_id, what, pm_side_name(to));
		return;
	}
	txn_arm(own, invite ? TXN_TIMER_B : TXN_TIMER_F);
	pm->shift[to] += cseq - pm_cseq(tmpl);
	pm->peer[to].cseq = cseq;
	log_notice("media call=%s: %s (CSeq %u) to the %s side with the "
	    "media the relay has, since %s", pm->call_id, what, cseq,
	    pm_side_name(to), attempt == 0 ? "its answer was refused" :
	    "its 491 wait is over");
	return;
fail:
	if (out != NULL) {
		OPENSSL_cleanse(out, outlen);
		free(out);
	}
	sip_msg_free(m);
	media_offer_failed(pm->ms);
	log_warn("media call=%s: cannot build the edge's %s to the %s side",
	    pm->call_id, what, pm_side_name(to));
}

/* Refuse a message whose SDP hides in a broken multipart body (pm_sdp). */
static enum proxy_verdict
pm_refuse_multipart(struct proxy_edit *e, const char *call_id,
    enum media_side side)
{
	e->code = 488;
	snprintf(e->reason, sizeof(e->reason), "%s",
	    osip_message_get_reason(488));
	log_notice("media refused call=%s side=%s reason=SDP in a multipart "
	    "body that does not parse as one", call_id, pm_side_name(side));
	return PROXY_REFUSE;
}

static bool
pm_method(const osip_message_t *m)
{
	return proxy_method_is(m, "INVITE") || proxy_method_is(m, "UPDATE") ||
	    proxy_method_is(m, "PRACK");
}

static enum media_side
pm_side(const struct conn *c)
{
	return c->side == CONN_SIDE_PHONE ? MEDIA_PHONE : MEDIA_CARRIER;
}

/* The call's media: with its dialog, else in this transaction's slot. */
static struct pmedia *
pm_find(struct proxy_edit *e, const osip_message_t *m, uint64_t flow)
{
	struct dialog	*dlg;

	if (e->slot->data != NULL)
		return e->slot->data;
	dlg = dialog_find(sip_msg_call_id(m), flow);
	return dlg != NULL ? dlg->media : NULL;
}

static enum proxy_verdict
pm_request_sdp(struct proxy_edit *e, osip_message_t *m)
{
	struct conn	*phone;
	struct pmedia	*pm;
	osip_body_t	*b;
	enum media_side	 side = pm_side(e->from), pend;
	bool		 other, answer;
	int		 code;

	if (e->p->relay == NULL)
		return PROXY_PASS;
	pm = pm_find(e, m, e->hop->flow);
	if (pm != NULL && sip_hdr_to_tag(m) != NULL) {
		pm_shift(pm, m, MEDIA_OTHER(side));
		pm_note_cseq(pm, m, MEDIA_OTHER(side));
	}
	if (!pm_method(m))
		return PROXY_PASS;
	b = pm_sdp(m, &other);
	if (other)
		return pm_refuse_multipart(e, sip_msg_call_id(m), side);
	if (pm == NULL) {
		if (sip_hdr_to_tag(m) != NULL && b != NULL) {
			/*
			 * An offer in a dialog the edge has no media for (it
			 * restarted since): it cannot anchor it, and passing
			 * it would send one side's keys to the other.
			 */
			log_notice("media refused call=%s side=%s reason=an "
			    "offer in a dialog the edge does not know",
			    sip_msg_call_id(m), pm_side_name(side));
			e->code = 481;
			snprintf(e->reason, sizeof(e->reason), "%s",
			    osip_message_get_reason(481));
			return PROXY_REFUSE;
		}
		if (!proxy_method_is(m, "INVITE") || sip_hdr_to_tag(m) != NULL)
			return PROXY_PASS;	/* nothing to anchor */
		phone = e->from->side == CONN_SIDE_PHONE ? e->from :
		    e->hop->conn;
		pm = pm_new(e->p, m, phone, e->hop->carrier != NULL ?
		    e->hop->carrier->name : NULL);
		pm->caller = side;
		e->slot->data = pm;
		e->slot->free = pm_free;
	}
	if (b == NULL && media_own_pending(pm->ms) &&
	    proxy_method_is(m, "INVITE")) {
		/* Its offer would come in a 2xx while ours waits: glare. */
		e->code = 491;
		snprintf(e->reason, sizeof(e->reason), "%s",
		    osip_message_get_reason(491));
		return PROXY_REFUSE;
	}
	if (b == NULL)
		return PROXY_PASS;	/* a late offer: it comes in the 2xx */
	/* A PRACK (or UPDATE) may answer an offer of a reliable 1xx. */
	answer = media_offer_pending(pm->ms, &pend) && pend != side &&
	    !media_own_pending(pm->ms) && proxy_method_is(m, "PRACK");
	code = pm_body(pm, m, b, side, answer, false, e->reason,
	    sizeof(e->reason));
	if (code == 0)
		return PROXY_PASS;
	e->code = code;
	return PROXY_REFUSE;
}

/*
 * The answerer of an UPDATE or PRACK in an early dialog keeps the answer
 * the edge refused. A request of the edge's own there would shift CSeqs
 * under the INVITE's ACK, so the edge offers that side the relay's media
 * again in an UPDATE once the call is answered and its ACK has passed
 * (pm_owed_due): a copy of the refused request, a PRACK made an UPDATE.
 */
static void
pm_owe(struct pmedia *pm, const struct txn *t, enum media_side to)
{
	osip_message_t	*tmpl = NULL;

	if (sip_msg_clone(t->out_req, &tmpl) != 0) {
		log_warn("media call=%s: the %s side keeps an answer the edge "
		    "refused: out of memory for the edge's UPDATE",
		    pm->call_id, pm_side_name(to));
		return;
	}
	if (!proxy_method_is(tmpl, "UPDATE")) {
		osip_free(tmpl->sip_method);
		tmpl->sip_method = osip_strdup("UPDATE");
		osip_free(tmpl->cseq->method);
		tmpl->cseq->method = osip_strdup("UPDATE");
		proxy_drop_headers(tmpl, "RAck");
	}
	pm_retry_keep(pm, to, tmpl, t->out_conn, t->flow, 0);
	log_notice("media call=%s: the %s side keeps an answer the edge refused "
	    "in an early dialog; the edge offers it the relay's media again "
	    "in an UPDATE once the call is answered", pm->call_id,
	    pm_side_name(to));
}

/*
 * The ACK of the call's 2xx passes towards side to: a side owed an offer
 * (pm_owe) gets it once the ACK has gone on, if the dialog answered is
 * the one its refused answer came in (another fork's is gone).
 */
static void
pm_owed_due(struct pmedia *pm, const osip_message_t *ack,
    enum media_side to)
{
	struct pm_retry	*r;
	const char	*f, *t, *af = sip_hdr_from_tag(ack);
	const char	*at = sip_hdr_to_tag(ack);
	int		 k;

	for (k = 0; k < 2; k++) {
		r = &pm->retry[k];
		if (!PM_RETRY_OWED(r))
			continue;
		f = sip_hdr_from_tag(r->tmpl);
		t = sip_hdr_to_tag(r->tmpl);
		if (f == NULL || t == NULL || af == NULL || at == NULL ||
		    !((strcmp(f, af) == 0 && strcmp(t, at) == 0) ||
		    (strcmp(f, at) == 0 && strcmp(t, af) == 0))) {
			log_info("media call=%s: the early dialog whose answer "
			    "the edge refused is not the one answered",
			    pm->call_id);
			pm_retry_cancel(pm, (enum media_side)k);
			continue;
		}
		/*
		 * The UPDATE to the ACK's side goes where the ACK goes: the
		 * 2xx set the dialog's target and route set, which may not
		 * be the early dialog's that the refused request had.
		 */
		if ((enum media_side)k == to &&
		    sip_hdr_set_target(r->tmpl, ack) != 0)
			log_warn("media call=%s: the edge's UPDATE keeps the "
			    "early dialog's target: out of memory", pm->call_id);
		pm_retry_start(r, 0);
	}
}

/*
 * A 2xx to an INVITE whose SDP the edge cannot use: the callee has
 * answered, so it gets its ACK, and for the initial INVITE a BYE too,
 * while the caller gets the refusal instead of the 2xx. The callee of a
 * refused re-INVITE or UPDATE is offered the relay's media again.
 */
static void
pm_refuse_2xx(struct proxy *p, struct pmedia *pm, const struct txn *t,
    enum media_side callee, int code)
{
	struct pm_peer	 saved;
	bool		 initial = sip_hdr_to_tag(t->out_req) == NULL;

	if (proxy_method_is(t->out_req, "UPDATE")) {
		/* No ACK; in an early dialog, not yet (pm_owe). */
		if (pm->confirmed)
			pm_reoffer_send(pm, t->out_req, t->out_conn, t->flow,
			    callee, 0);
		else
			pm_owe(pm, t, callee);
		return;
	}
	if (!initial) {
		/* In the dialog: the 2xx's own route set is the dialog's. */
		saved = pm->peer[callee];
		pm->peer[callee].conn = t->out_conn;
	} else if (!pm->confirmed) {
		log_warn("media call=%s: cannot ACK the callee's 2xx",
		    pm->call_id);
		return;
	}
	pm_own_request(p, pm, callee, "ACK", pm_cseq(t->out_req), 0, NULL);
	if (initial) {
		pm_own_request(p, pm, callee, "BYE", pm_cseq(t->out_req) + 1,
		    code, "the edge cannot anchor this answer");
		return;
	}
	pm->peer[callee] = saved;
	pm_reoffer_send(pm, t->out_req, t->out_conn, t->flow, callee, 0);
}

/* A request on its way; an INVITE that goes is noted (pm_busy). */
static enum proxy_verdict
pm_request(struct proxy_edit *e, osip_message_t *m)
{
	enum proxy_verdict	 v = pm_request_sdp(e, m);
	struct pmedia		*pm;

	if (v == PROXY_PASS && e->p->relay != NULL &&
	    proxy_method_is(m, "INVITE") &&
	    (pm = pm_find(e, m, e->hop->flow)) != NULL)
		pm->inviting[MEDIA_OTHER(pm_side(e->from))] = true;
	return v;
}

/*
 * A final failure of req, sent to side, ends the exchange: its offer, if
 * any, is withdrawn, and an INVITE no longer holds back a 491 retry.
 */
static void
pm_failed(struct pmedia *pm, const osip_message_t *req, enum media_side side)
{
	if (proxy_method_is(req, "INVITE"))
		pm->inviting[side] = false;
	if (media_offer_pending(pm->ms, NULL))
		media_offer_failed(pm->ms);
}

/*
 * The edge ended the request itself (proxy_int.h): as a failure response
 * from where it went would. Left pending, the offer would have every
 * later one refused 491, and the INVITE would hold back a 491 retry.
 */
static void
pm_ended(struct proxy_edit *e, int status)
{
	struct txn	*t = e->txn;
	struct pmedia	*pm;

	if (e->p->relay == NULL || t->out_req == NULL ||
	    !pm_method(t->out_req) ||
	    (pm = pm_find(e, t->out_req, t->flow)) == NULL)
		return;
	pm_failed(pm, t->out_req, pm_side(e->from));
	log_info("media call=%s: the %s to the %s side ended in the edge "
	    "with %d; its offer, if any, is withdrawn", pm->call_id,
	    sip_msg_method(t->out_req), pm_side_name(pm_side(e->from)), status);
}

static enum proxy_verdict
pm_response(struct proxy_edit *e, osip_message_t *resp, int status)
{
	struct txn	*t = e->txn;
	struct pmedia	*pm;
	struct dialog	*dlg;
	osip_body_t	*b;
	enum media_side	 side = pm_side(e->from), pend;
	bool		 other, late;
	int		 code;

	/* The requester sees its own CSeq again (pm_shift). */
	if (t->in_req != NULL && resp->cseq != NULL &&
	    resp->cseq->number != NULL && pm_cseq(resp) != pm_cseq(t->in_req))
		sip_hdr_cseq_set(resp, pm_cseq(t->in_req));
	if (e->p->relay == NULL || t->out_req == NULL ||
	    !pm_method(t->out_req))
		return PROXY_PASS;
	if ((pm = pm_find(e, resp, t->flow)) == NULL)
		return PROXY_PASS;
	if (e->slot->data != NULL &&
	    (dlg = dialog_find(sip_msg_call_id(resp), t->flow)) != NULL &&
	    dlg->media == NULL) {
		/* The dialog exists now: the call's media goes with it. */
		dlg->media = pm;
		dlg->media_free = pm_free;
		pm->dlg = dlg;
		e->slot->data = NULL;
	}
	if (status >= 300) {
		pm_failed(pm, t->out_req, side);
		return PROXY_PASS;
	}
	if (status >= 200 && proxy_method_is(t->out_req, "INVITE"))
		pm->inviting[side] = false;
	if (status >= 200 && proxy_method_is(t->out_req, "INVITE") &&
	    sip_hdr_to_tag(t->out_req) == NULL) {
		pm_confirm(pm, t, resp, side);
		pm_answered(pm);
	}
	b = pm_sdp(resp, &other);
	if (other) {
		if (status >= 200 && !proxy_method_is(t->out_req, "PRACK")) {
			if (media_offer_pending(pm->ms, &pend) && pend != side)
				media_offer_failed(pm->ms);
			pm_refuse_2xx(e->p, pm, t, side, 488);
		}
		return pm_refuse_multipart(e, pm->call_id, side);
	}
	if (b == NULL)
		return PROXY_PASS;
	late = proxy_method_is(t->out_req, "INVITE") &&
	    osip_list_size(&t->out_req->bodies) == 0;
	if (media_own_pending(pm->ms)) {
		/* Only the answer to the edge's re-INVITE answers its offer. */
		log_info("media call=%s: SDP in a %d while the edge's own offer "
		    "is pending dropped", pm->call_id, status);
		(void)pm_set_body(resp, NULL, 0);
		return PROXY_PASS;
	} else if (media_offer_pending(pm->ms, &pend) && pend != side)
		code = pm_body(pm, resp, b, side, true, false, e->reason,
		    sizeof(e->reason));
	else if (media_answered(pm->ms, &pend) && pend != side && !late)
		/* The answer of a reliable 1xx again, in the 2xx. */
		code = pm_body(pm, resp, b, side, true, true, e->reason,
		    sizeof(e->reason));
	else if (late)
		/* The offer of a late-offer INVITE (again in the 2xx). */
		code = pm_body(pm, resp, b, side, false, false, e->reason,
		    sizeof(e->reason));
	else {
		/* SDP answering nothing: it must not reach the other side. */
		log_info("media call=%s: SDP in a %d that answers no offer "
		    "dropped", pm->call_id, status);
		(void)pm_set_body(resp, NULL, 0);
		return PROXY_PASS;
	}
	if (code == 0)
		return PROXY_PASS;
	if (status >= 200 && proxy_method_is(t->out_req, "PRACK"))
		pm_owe(pm, t, side);
	else if (status >= 200)
		pm_refuse_2xx(e->p, pm, t, side, code);
	e->code = code;
	return PROXY_REFUSE;
}

/* A call to end once the message in hand has been forwarded. */
struct pm_end {
	struct proxy	*p;
	char		*call_id;
	uint64_t	 flow;
};

static void
pm_end_later(evutil_socket_t fd, short what, void *arg)
{
	struct pm_end	*e = arg;
	struct dialog	*dlg = dialog_find(e->call_id, e->flow);

	(void)fd;
	(void)what;
	if (dlg != NULL && dlg->media != NULL)
		pm_end_call(e->p, dlg, 488, "the edge cannot anchor this "
		    "answer", "no media anchored");
	free(e->call_id);
	free(e);
}

void
proxy_media_ack(struct proxy *p, struct conn *from, osip_message_t *m,
    const struct hop *hop)
{
	static const struct timeval	 now = { 0, 0 };
	struct dialog			*dlg;
	struct pmedia			*pm;
	struct pm_end			*e;
	osip_body_t			*b;
	enum media_side			 side = pm_side(from), pend;
	char				 reason[64];
	bool				 other;

	if (p->relay == NULL ||
	    (dlg = dialog_find(sip_msg_call_id(m), hop->flow)) == NULL ||
	    (pm = dlg->media) == NULL)
		return;
	pm_shift(pm, m, MEDIA_OTHER(side));
	pm_owed_due(pm, m, MEDIA_OTHER(side));
	if (!media_offer_pending(pm->ms, &pend) || pend == side ||
	    media_own_pending(pm->ms))
		return;
	b = pm_sdp(m, &other);
	if (b == NULL) {
		log_notice("media refused call=%s side=%s reason=the ACK has "
		    "no answer to the offer in the 2xx", pm->call_id,
		    pm_side_name(side));
		media_offer_failed(pm->ms);
	} else if (pm_body(pm, m, b, side, true, false, reason,
	    sizeof(reason)) != 0)
		(void)pm_set_body(m, NULL, 0);	/* never the other's keys */
	else
		return;
	/*
	 * The first exchange of the call failed: it has no media at all,
	 * and would sit silent with no relay session to time it out. It
	 * ends once this ACK has gone on, so that the callee has its ACK
	 * before the BYE.
	 */
	if (pm->settled[MEDIA_PHONE] == 0) {
		e = xcalloc(1, sizeof(*e));
		e->p = p;
		e->call_id = xstrdup(pm->call_id);
		e->flow = hop->flow;
		if (event_base_once(p->base, -1, EV_TIMEOUT, pm_end_later, e,
		    &now) != 0) {
			free(e->call_id);
			free(e);
		}
	}
}

bool
proxy_media_held(const struct dialog *dlg)
{
	const struct pmedia	*pm = dlg->media;

	return pm != NULL && !media_flowing(pm->ms);
}

size_t
proxy_media_legs(const struct dialog *dlg, struct proxy_media_leg *out,
    size_t max)
{
	const struct pmedia		*pm = dlg->media;
	struct relay_session_stats	 st;
	const struct relay_leg_stats	*ls;
	size_t				 k, n = 0;
	int				 s;

	if (pm == NULL)
		return 0;
	for (k = 0; k < MEDIA_MAX_STREAMS; k++) {
		if (!pm->have[k] ||
		    relay_session_stats(pm->relay, pm->id[k], &st) != 0)
			continue;
		for (s = 0; s < 2 && n < max; s++) {
			ls = &st.leg[pm_relay_leg(s)];
			memset(&out[n], 0, sizeof(out[n]));
			out[n].stream = k;
			out[n].side = pm_side_name(s);
			sockaddr_str((const struct sockaddr *)&ls->local,
			    out[n].local, sizeof(out[n].local));
			if (ls->remote.ss_family == AF_UNSPEC)
				snprintf(out[n].remote, sizeof(out[n].remote),
				    "-");
			else
				sockaddr_str((const struct sockaddr *)
				    &ls->remote, out[n].remote,
				    sizeof(out[n].remote));
			out[n].srtp_suite = relay_suite_name(ls->suite_in);
			out[n].packets_in = ls->packets_in;
			out[n].packets_out = ls->packets_out;
			out[n].bytes_in = ls->bytes_in;
			out[n].bytes_out = ls->bytes_out;
			out[n].srtp_failures = ls->srtp_failures;
			out[n].last_packet_ms = ls->last_packet_ms;
			n++;
		}
	}
	return n;
}

struct dialog *
proxy_media_dialog(uint32_t relay_id)
{
	struct pm_ref	*r;

	HASH_FIND(hh, pm_refs, &relay_id, sizeof(relay_id), r);
	return r != NULL ? r->pm->dlg : NULL;
}

unsigned
proxy_media_calls(void)
{
	return pm_calls;
}

bool
proxy_media_rejected(uint32_t relay_id)
{
	struct pm_ref			*r;
	const struct media_stream	*st;

	HASH_FIND(hh, pm_refs, &relay_id, sizeof(relay_id), r);
	/* A stream's ref is pm->ref[k], k its index. */
	if (r == NULL || (st = media_stream_get(r->pm->ms,
	    (size_t)(r - r->pm->ref))) == NULL)
		return false;
	return st->rejected;
}

const struct proxy_editor proxy_media_editor = {
	.name = "media",
	.request = pm_request,
	.response = pm_response,
	.ended = pm_ended,
};

/* End a call with a BYE to both sides, cause and text in their Reason. */
static void
pm_end_call(struct proxy *p, struct dialog *dlg, int cause, const char *text,
    const char *why)
{
	struct pmedia	*pm = dlg->media;

	if (!pm->confirmed)
		log_warn("media call=%s: the dialog is not known well enough "
		    "for a BYE; the call ends here only", pm->call_id);
	else {
		pm_own_request(p, pm, MEDIA_PHONE, "BYE",
		    pm->peer[MEDIA_PHONE].cseq + 1, cause, text);
		pm_own_request(p, pm, MEDIA_CARRIER, "BYE",
		    pm->peer[MEDIA_CARRIER].cseq + 1, cause, text);
	}
	dialog_end(dlg, why);
}

void
proxy_media_timeout(struct proxy *p, struct dialog *dlg)
{
	if (dlg->media == NULL)
		return;
	pm_end_call(p, dlg, 408, "media timeout", "no media");
}
