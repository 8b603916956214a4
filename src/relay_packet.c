/*
 * relay_packet.c: what happens to one datagram, whatever the I/O method.
 * A packet that arrives on leg X is unprotected with X's inbound context,
 * moves X's latch if it authenticated from a new address, is protected
 * with the other leg Y's outbound context and leaves from Y's socket for
 * Y's peer. Each step that refuses a packet counts why on X.
 *
 * This runs for every packet: no lock, no allocation, no log. Results
 * for the proxy thread (a new latch, the first plain SRTCP) go through
 * the thread's lock-free result queue.
 */
#include "config.h"

#include <string.h>

#include <netinet/in.h>

#include "relay_int.h"

/* RFC 5761 §4: RTCP packet types 192..223 are RTP payload types 64..95. */
bool
relay_is_rtcp(const unsigned char *p, size_t len)
{
	return len >= 2 && p[1] >= 192 && p[1] <= 223;
}

/*
 * Plain RTCP, told from SRTCP: a compound packet that starts with SR or
 * RR (RFC 3550 §6.1) and whose length fields add up to the datagram
 * exactly. SRTCP carries an index and a tag after the last packet, so its
 * lengths stop 14 or more bytes short.
 */
bool
relay_is_plain_rtcp(const unsigned char *p, size_t len)
{
	size_t	off = 0;

	if (len < 8 || (p[1] != 200 && p[1] != 201))
		return false;
	while (off + 4 <= len) {
		if ((p[off] >> 6) != 2 || p[off + 1] < 192 || p[off + 1] > 223)
			return false;
		off += 4 * ((size_t)((p[off + 2] << 8) | p[off + 3]) + 1);
	}
	return off == len;
}

/* Whether two addresses are the same address and port. */
static bool
relay_addr_eq(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	const struct sockaddr_in	*a4 = (const void *)a;
	const struct sockaddr_in	*b4 = (const void *)b;
	const struct sockaddr_in6	*a6 = (const void *)a;
	const struct sockaddr_in6	*b6 = (const void *)b;

	if (a->ss_family != b->sa_family)
		return false;
	if (b->sa_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (b->sa_family == AF_INET6)
		return a6->sin6_port == b6->sin6_port &&
		    memcmp(&a6->sin6_addr, &b6->sin6_addr, 16) == 0;
	return false;
}

/* The RTCP peer that follows an RTP peer: the same address, port + 1. */
static void
relay_rtcp_follow(struct relay_leg *l)
{
	l->peer_rtcp = l->peer_rtp;
	l->peer_rtcp_len = l->peer_rtp_len;
	if (l->peer_rtcp.ss_family == AF_INET)
		((struct sockaddr_in *)&l->peer_rtcp)->sin_port = htons(
		    ntohs(((struct sockaddr_in *)&l->peer_rtp)->sin_port) + 1);
	else if (l->peer_rtcp.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&l->peer_rtcp)->sin6_port = htons(
		    ntohs(((struct sockaddr_in6 *)&l->peer_rtp)->sin6_port) +
		    1);
}

/*
 * Latch: an authenticated packet from somewhere new moves the leg's peer
 * for the socket it came in on (Wi-Fi roaming, NAT rebinding).
 */
static void
relay_latch(struct relay_thread *t, struct relay_session *s,
    struct relay_leg *x, struct relay_sock *in, const struct sockaddr *src,
    socklen_t srclen)
{
	struct sockaddr_storage	*peer;
	socklen_t		*plen;

	if (srclen > sizeof(struct sockaddr_storage))
		return;
	peer = in->rtcp ? &x->peer_rtcp : &x->peer_rtp;
	plen = in->rtcp ? &x->peer_rtcp_len : &x->peer_rtp_len;
	if (*plen != 0 && relay_addr_eq(peer, src))
		return;
	memcpy(peer, src, srclen);
	*plen = srclen;
	if (in->rtcp)
		x->rtcp_peer_given = true;
	else if (!x->rtcp_peer_given) {
		relay_rtcp_follow(x);
		x->peer_rtcp_ms = 0;
	}
	if (!in->rtcp)
		relay_thread_result(t, RELAY_RESULT_LATCHED, s, in->leg, src,
		    srclen);
}

/*
 * May an unauthenticated packet from src (a plain leg's) go on, and
 * latch? From the latched peer, or the first since the peer was set, or
 * when the latched peer has been silent for RELAY_PLAIN_RELATCH_MS.
 */
static bool
relay_plain_from(const struct relay_thread *t, struct relay_leg *x,
    const struct relay_sock *in, const struct sockaddr *src)
{
	const struct sockaddr_storage	*peer = in->rtcp ? &x->peer_rtcp :
	    &x->peer_rtp;
	socklen_t			 plen = in->rtcp ? x->peer_rtcp_len :
	    x->peer_rtp_len;
	uint64_t			*last = in->rtcp ? &x->peer_rtcp_ms :
	    &x->peer_rtp_ms;

	if (*last != 0 && plen != 0 && !relay_addr_eq(peer, src) &&
	    t->now_ms - *last < RELAY_PLAIN_RELATCH_MS)
		return false;
	*last = t->now_ms != 0 ? t->now_ms : 1;
	return true;
}

/*
 * Unprotect in place with the leg's inbound context, and within the
 * re-key window with the one before it. A failed AEAD unprotect may have
 * written into the buffer, so the second try works on a copy.
 */
static srtp_err_status_t
relay_unprotect(struct relay_thread *t, struct relay_leg *x, bool rtcp,
    unsigned char *buf, int *n)
{
	srtp_err_status_t	 st;
	bool			 old;
	int			 n0 = *n;

	old = x->in_old != NULL && t->now_ms < x->in_old_until;
	if (old)
		memcpy(t->scratch, buf, (size_t)n0);
	st = rtcp ? srtp_unprotect_rtcp(x->in, buf, n) :
	    srtp_unprotect(x->in, buf, n);
	if (st == srtp_err_status_ok || !old)
		return st;
	*n = n0;
	if ((rtcp ? srtp_unprotect_rtcp(x->in_old, t->scratch, n) :
	    srtp_unprotect(x->in_old, t->scratch, n)) != srtp_err_status_ok) {
		*n = n0;
		return st;
	}
	memcpy(buf, t->scratch, (size_t)*n);
	return srtp_err_status_ok;
}

/* Count a refused packet by its reason. */
static bool
relay_refuse(struct relay_leg *x, srtp_err_status_t st)
{
	if (st == srtp_err_status_replay_fail ||
	    st == srtp_err_status_replay_old)
		relay_ctr_add(&x->ctr.replay, 1);
	else if (st == srtp_err_status_auth_fail)
		relay_ctr_add(&x->ctr.auth_fail, 1);
	else
		relay_ctr_add(&x->ctr.drops, 1);
	return false;
}

/* Plain RTCP where SRTCP was negotiated: count it, say it once. */
static bool
relay_plain_srtcp(struct relay_thread *t, struct relay_session *s,
    struct relay_leg *x, int leg)
{
	relay_ctr_add(&x->ctr.plain_srtcp, 1);
	if (!x->plain_srtcp_said)
		x->plain_srtcp_said = relay_thread_result(t,
		    RELAY_RESULT_PLAIN_SRTCP, s, leg, NULL, 0);
	return (x->in_flags & RELAY_CRYPTO_LENIENT_SRTCP) != 0;
}

/* Where the other leg sends: RTCP from its RTCP socket unless muxed. */
static bool
relay_route(struct relay_leg *y, bool rtcp, size_t len, struct relay_out *o)
{
	if (rtcp && !(y->flags & RELAY_LEG_RTCP_MUX)) {
		o->fd = y->rtcp.fd;
		o->dst = (const struct sockaddr *)&y->peer_rtcp;
		o->dstlen = y->peer_rtcp_len;
	} else {
		o->fd = y->rtp.fd;
		o->dst = (const struct sockaddr *)&y->peer_rtp;
		o->dstlen = y->peer_rtp_len;
	}
	o->len = len;
	o->leg = y;
	return o->dstlen != 0 && o->fd != -1;
}

/* One datagram from leg X's socket: true when *o says where it goes. */
bool
relay_packet(struct relay_thread *t, struct relay_sock *in,
    unsigned char *buf, size_t len, size_t cap, const struct sockaddr *src,
    socklen_t srclen, struct relay_out *o)
{
	struct relay_session	*s = in->sess;
	struct relay_leg	*x = &s->leg[in->leg], *y = &s->leg[!in->leg];
	srtp_err_status_t	 st;
	bool			 rtcp, plain, latch = true;
	int			 n = (int)len;

	relay_ctr_add(&x->ctr.packets_in, 1);
	relay_ctr_add(&x->ctr.bytes_in, len);
	if (len > RELAY_PKT_MAX || cap < len + SRTP_MAX_TRAILER_LEN + 4)
		return relay_refuse(x, srtp_err_status_bad_param);
	if (x->no_context || y->no_context)
		return relay_refuse(x, srtp_err_status_alloc_fail);
	plain = (x->flags | y->flags) & RELAY_LEG_PLAIN_UDP;
	rtcp = !plain && (in->rtcp || ((x->flags & RELAY_LEG_RTCP_MUX) &&
	    relay_is_rtcp(buf, len)));
	if (!plain) {
		if (len < (rtcp ? 8u : 12u) || (buf[0] >> 6) != 2)
			return relay_refuse(x, srtp_err_status_parse_err);
		if (x->in != NULL && rtcp && relay_is_plain_rtcp(buf, len)) {
			if (!relay_plain_srtcp(t, s, x, in->leg))
				return relay_refuse(x,
				    srtp_err_status_parse_err);
			latch = false;
		} else if (x->in != NULL &&
		    (st = relay_unprotect(t, x, rtcp, buf, &n)) !=
		    srtp_err_status_ok)
			return relay_refuse(x, st);
	}
	if ((plain || x->in == NULL) && !relay_plain_from(t, x, in, src))
		return relay_refuse(x, srtp_err_status_fail);
	/* Only what got this far keeps the call from timing out. */
	atomic_store_explicit(&x->ctr.last_ms, t->now_ms,
	    memory_order_relaxed);
	if (latch)
		relay_latch(t, s, x, in, src, srclen);
	if (!plain && y->out != NULL) {
		st = rtcp ? srtp_protect_rtcp(y->out, buf, &n) :
		    srtp_protect(y->out, buf, &n);
		if (st != srtp_err_status_ok)
			return relay_refuse(x, srtp_err_status_fail);
	}
	if (!relay_route(y, plain ? in->rtcp : rtcp, (size_t)n, o))
		return relay_refuse(x, srtp_err_status_fail);
	return true;
}

/* A send's outcome (bytes or -errno), counted on the leg it left from. */
void
relay_packet_sent(struct relay_thread *t, const struct relay_out *o, long res)
{
	if (res < 0) {
		relay_ctr_add(&o->leg->ctr.drops, 1);
		return;
	}
	relay_ctr_add(&o->leg->ctr.packets_out, 1);
	relay_ctr_add(&o->leg->ctr.bytes_out, (uint64_t)res);
	relay_ctr_add(&t->packets, 1);
}
