/*
 * relay_session.c: sessions as the proxy thread makes and changes them.
 * Ports are bound and keys checked here, synchronously, so that a caller
 * learns at once whether the call can be anchored (503 when the range is
 * exhausted); the session and its keys are then handed to the least
 * loaded relay thread, which builds the SRTP contexts and owns the
 * session until it is freed.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>
#include <openssl/crypto.h>

#include "relay_int.h"
#include "util.h"

#define RELAY_BIND_TRIES	16	/* pairs tried when ports are taken */

/* A port out of an address, 0 for none. */
static uint16_t
relay_addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

/* The length of a known address, 0 for one not known yet. */
static socklen_t
relay_addr_len(const struct sockaddr_storage *ss)
{
	if (relay_addr_port(ss) == 0)
		return 0;
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
}

/* A leg's peers; an unknown RTCP peer follows the RTP one (RFC 3605). */
void
relay_leg_set_peers(struct relay_leg *l, const struct sockaddr_storage *rtp,
    const struct sockaddr_storage *rtcp)
{
	l->peer_rtp = *rtp;
	l->peer_rtp_len = relay_addr_len(rtp);
	l->peer_rtp_ms = 0;
	l->peer_rtcp_ms = 0;
	l->rtcp_peer_given = relay_addr_len(rtcp) != 0;
	if (l->rtcp_peer_given) {
		l->peer_rtcp = *rtcp;
		l->peer_rtcp_len = relay_addr_len(rtcp);
	} else {
		l->peer_rtcp = *rtp;
		l->peer_rtcp_len = l->peer_rtp_len;
		if (l->peer_rtcp_len != 0 && rtp->ss_family == AF_INET)
			((struct sockaddr_in *)&l->peer_rtcp)->sin_port =
			    htons(relay_addr_port(rtp) + 1);
		else if (l->peer_rtcp_len != 0)
			((struct sockaddr_in6 *)&l->peer_rtcp)->sin6_port =
			    htons(relay_addr_port(rtp) + 1);
	}
}

/* Drop a leg's contexts, on the thread that owns it. */
void
relay_leg_contexts_free(struct relay_leg *l)
{
	if (l->in != NULL)
		srtp_dealloc(l->in);
	if (l->out != NULL)
		srtp_dealloc(l->out);
	if (l->in_old != NULL)
		srtp_dealloc(l->in_old);
	l->in = l->out = l->in_old = NULL;
}

/* A peer must be unknown or of the family the leg's socket speaks. */
static int
relay_peer_check(const struct relay *r, int leg,
    const struct sockaddr_storage *ss, const char **why)
{
	if (relay_addr_len(ss) != 0 &&
	    ss->ss_family != r->addr[leg].ss_family) {
		*why = "peer address family differs from the relay address";
		return -1;
	}
	return 0;
}

/* Both sockets of one leg on a pair from the range. */
static int
relay_leg_bind(struct relay *r, int leg, struct relay_leg *l, uint16_t *port,
    char *why, size_t len)
{
	uint64_t	now = mono_ms();
	int		i, err = 0;

	for (i = 0; i < RELAY_BIND_TRIES; i++) {
		if ((*port = relay_ports_get(r->ports, now)) == 0)
			break;
		l->rtp.fd = relay_socket_open(&r->addr[leg], *port, r->dscp,
		    &err);
		if (l->rtp.fd != -1) {
			l->rtcp.fd = relay_socket_open(&r->addr[leg],
			    *port + 1, r->dscp, &err);
			if (l->rtcp.fd != -1)
				return 0;
			close(l->rtp.fd);
			l->rtp.fd = -1;
		}
		/* Someone else holds it: let it rest and take another. */
		relay_ports_put(r->ports, *port, now);
		if (err != EADDRINUSE && err != EACCES) {
			snprintf(why, len, "media port %u: %s", *port,
			    strerror(err));
			*port = 0;
			return -1;
		}
	}
	*port = 0;
	snprintf(why, len, "no free media ports in the range");
	return RELAY_ERR_PORTS;
}

/* A new leg's keys, checked, for its thread to build; -1 with a reason. */
static int
relay_leg_keys(struct relay_leg *l, const struct relay_leg_spec *sp,
    struct relay_upd_leg *ul, const char **why)
{
	if (relay_crypto_check(&sp->in, why) == -1 ||
	    relay_crypto_check(&sp->out, why) == -1)
		return -1;
	ul->what = RELAY_UPD_CRYPTO_IN | RELAY_UPD_CRYPTO_OUT;
	ul->in = sp->in;
	ul->out = sp->out;
	l->in_flags = sp->in.flags;
	return 0;
}

/* Wipe the keys an update carries and free it. */
void
relay_upd_free(struct relay_upd *u)
{
	OPENSSL_cleanse(u, sizeof(*u));
	free(u);
}

/* The thread with the fewest sessions. */
static struct relay_thread *
relay_least_loaded(struct relay *r)
{
	struct relay_thread	*best = &r->threads[0];
	unsigned		 i;

	for (i = 1; i < r->n_threads; i++)
		if (r->threads[i].n_sessions < best->n_sessions)
			best = &r->threads[i];
	return best;
}

/* Undo a session that never reached its thread. */
static void
relay_session_undo(struct relay *r, struct relay_thread *t,
    struct relay_session *s, struct relay_upd *u, const uint16_t port[2])
{
	uint64_t	now = mono_ms();
	int		i;

	for (i = 0; i < 2; i++) {
		if (s->leg[i].rtp.fd != -1)
			close(s->leg[i].rtp.fd);
		if (s->leg[i].rtcp.fd != -1)
			close(s->leg[i].rtcp.fd);
		if (port[i] != 0)
			relay_ports_put(r->ports, port[i], now);
	}
	relay_upd_free(u);
	relay_pool_put(&t->pool, s);
}

/* The proxy's record of a new session. */
static struct relay_handle *
relay_handle_new(struct relay *r, struct relay_session *s,
    const struct relay_session_spec *sp, const uint16_t port[2])
{
	struct relay_handle	*h = xcalloc(1, sizeof(*h));
	int			 i;

	h->id = s->id;
	h->sess = s;
	for (i = 0; i < 2; i++) {
		h->port[i] = port[i];
		h->local[i] = r->addr[i];
		if (h->local[i].ss_family == AF_INET6)
			((struct sockaddr_in6 *)&h->local[i])->sin6_port =
			    htons(port[i]);
		else
			((struct sockaddr_in *)&h->local[i])->sin_port =
			    htons(port[i]);
		h->remote[i] = sp->leg[i].rtp_peer;
		h->suite_in[i] = sp->leg[i].in.suite;
		h->suite_out[i] = sp->leg[i].out.suite;
		if (relay_crypto_fingerprint(&sp->leg[i].in, h->fp_in[i]) == -1)
			memset(h->fp_in[i], 0xff, 32);
		if (relay_crypto_fingerprint(&sp->leg[i].out,
		    h->fp_out[i]) == -1)
			memset(h->fp_out[i], 0xff, 32);
	}
	return h;
}

/* Bind, key and hand over a new session. */
int
relay_session_new(struct relay *r, const struct relay_session_spec *sp,
    struct relay_session_info *info, char *why, size_t len)
{
	struct relay_session	*s;
	struct relay_upd	*u;
	struct relay_handle	*h;
	struct relay_thread	*t;
	const char		*reason = NULL;
	uint16_t		 port[2] = { 0, 0 };
	int			 i, rc;

	t = relay_least_loaded(r);
	if ((s = relay_pool_get(&t->pool)) == NULL) {
		snprintf(why, len, "relay thread %u: out of memory", t->id);
		return -1;
	}
	u = xcalloc(1, sizeof(*u));
	for (i = 0; i < 2; i++) {
		s->leg[i].rtp.fd = s->leg[i].rtcp.fd = -1;
		s->leg[i].rtp.leg = s->leg[i].rtcp.leg = (uint8_t)i;
		s->leg[i].rtcp.rtcp = 1;
		s->leg[i].rtp.sess = s->leg[i].rtcp.sess = s;
		s->leg[i].flags = sp->leg[i].flags;
		relay_leg_set_peers(&s->leg[i], &sp->leg[i].rtp_peer,
		    &sp->leg[i].rtcp_peer);
		if (relay_peer_check(r, i, &sp->leg[i].rtp_peer, &reason) ==
		    -1 || relay_peer_check(r, i, &sp->leg[i].rtcp_peer,
		    &reason) == -1 ||
		    relay_leg_keys(&s->leg[i], &sp->leg[i], &u->leg[i],
		    &reason) == -1) {
			snprintf(why, len, "%s leg: %s", i == 0 ? "phone" :
			    "carrier", reason);
			relay_session_undo(r, t, s, u, port);
			return -1;
		}
	}
	for (i = 0; i < 2; i++) {
		rc = relay_leg_bind(r, i, &s->leg[i], &port[i], why, len);
		if (rc != 0) {
			relay_session_undo(r, t, s, u, port);
			return rc;
		}
	}
	if (++r->next_id == 0)
		r->next_id = 1;
	s->id = r->next_id;
	if (!relay_command(t, RELAY_CMD_ADD, s, u)) {
		snprintf(why, len, "relay thread %u busy", t->id);
		relay_session_undo(r, t, s, u, port);
		return -1;
	}
	h = relay_handle_new(r, s, sp, port);
	h->thread = t;
	HASH_ADD(hh, r->handles, id, sizeof(h->id), h);
	t->n_sessions++;
	r->n_sessions++;
	info->id = s->id;
	for (i = 0; i < 2; i++) {
		info->rtp_port[i] = port[i];
		info->rtcp_port[i] = (sp->leg[i].flags & RELAY_LEG_RTCP_MUX) ?
		    port[i] : port[i] + 1;
	}
	return 0;
}

/*
 * One direction's key in an update: passed on for a new context only
 * when it differs from the one in use (RFC 3711 §3.3.1: the same key
 * keeps its rollover counter), else only its flags.
 */
static int
relay_update_key(const struct relay_crypto *c, unsigned char fp[32],
    struct relay_crypto *key, bool *changed, const char **why)
{
	unsigned char	nfp[32];

	*changed = false;
	if (relay_crypto_check(c, why) == -1)
		return -1;
	if (relay_crypto_fingerprint(c, nfp) == 0 &&
	    CRYPTO_memcmp(nfp, fp, 32) == 0)
		return 0;
	*key = *c;
	memcpy(fp, nfp, 32);
	*changed = true;
	return 0;
}

/* Build one leg's part of an update; contexts in u, fingerprints in fp. */
static int
relay_update_leg(struct relay *r, int i, const struct relay_leg_update *lu,
    struct relay_upd_leg *ul, unsigned char fp[2][32], const char **why)
{
	bool	changed;

	ul->what = lu->what & (RELAY_UPD_PEER | RELAY_UPD_FLAGS);
	ul->rtp_peer = lu->rtp_peer;
	ul->rtcp_peer = lu->rtcp_peer;
	ul->flags = lu->flags;
	if ((lu->what & RELAY_UPD_PEER) &&
	    (relay_peer_check(r, i, &lu->rtp_peer, why) == -1 ||
	    relay_peer_check(r, i, &lu->rtcp_peer, why) == -1))
		return -1;
	if (lu->what & RELAY_UPD_CRYPTO_IN) {
		if (relay_update_key(&lu->in, fp[0], &ul->in, &changed,
		    why) == -1)
			return -1;
		ul->what |= RELAY_UPD_IN_FLAGS |
		    (changed ? RELAY_UPD_CRYPTO_IN : 0);
		ul->in_flags = lu->in.flags;
	}
	if (lu->what & RELAY_UPD_CRYPTO_OUT) {
		if (relay_update_key(&lu->out, fp[1], &ul->out, &changed,
		    why) == -1)
			return -1;
		ul->what |= changed ? RELAY_UPD_CRYPTO_OUT : 0;
	}
	return 0;
}

/* Change peers, keys or flags of a session's legs. */
int
relay_session_update(struct relay *r, uint32_t id,
    const struct relay_session_update *up, char *why, size_t len)
{
	struct relay_handle	*h;
	struct relay_upd	*u;
	unsigned char		 fp[2][2][32];
	const char		*reason = NULL;
	int			 i;

	HASH_FIND(hh, r->handles, &id, sizeof(id), h);
	if (h == NULL) {
		snprintf(why, len, "no media session %u", id);
		return -1;
	}
	u = xcalloc(1, sizeof(*u));
	for (i = 0; i < 2; i++) {
		memcpy(fp[i][0], h->fp_in[i], 32);
		memcpy(fp[i][1], h->fp_out[i], 32);
		if (relay_update_leg(r, i, &up->leg[i], &u->leg[i], fp[i],
		    &reason) == -1) {
			snprintf(why, len, "session %u %s leg: %s", id,
			    i == 0 ? "phone" : "carrier", reason);
			relay_upd_free(u);
			return -1;
		}
	}
	/*
	 * The SDP that named these keys and peers is on its way: a full
	 * ring must not leave the call on the old ones (dead air), so wait
	 * for room, as for a free.
	 */
	relay_command_wait(h->thread, RELAY_CMD_UPDATE, h->sess, u);
	for (i = 0; i < 2; i++) {
		memcpy(h->fp_in[i], fp[i][0], 32);
		memcpy(h->fp_out[i], fp[i][1], 32);
		if (up->leg[i].what & RELAY_UPD_PEER)
			h->remote[i] = up->leg[i].rtp_peer;
		if (up->leg[i].what & RELAY_UPD_CRYPTO_IN)
			h->suite_in[i] = up->leg[i].in.suite;
		if (up->leg[i].what & RELAY_UPD_CRYPTO_OUT)
			h->suite_out[i] = up->leg[i].out.suite;
	}
	return 0;
}

/* End a session: its thread closes it, its ports rest in quarantine. */
void
relay_session_free(struct relay *r, uint32_t id)
{
	struct relay_handle	*h;
	uint64_t		 now = mono_ms();
	int			 i;

	HASH_FIND(hh, r->handles, &id, sizeof(id), h);
	if (h == NULL)
		return;
	for (i = 0; i < 2; i++)
		r->gone_auth_fail += relay_ctr_get(
		    &h->sess->leg[i].ctr.auth_fail);
	/* Freeing must not fail. */
	relay_command_wait(h->thread, RELAY_CMD_FREE, h->sess, NULL);
	for (i = 0; i < 2; i++)
		relay_ports_put(r->ports, h->port[i], now);
	h->thread->n_sessions--;
	r->n_sessions--;
	HASH_DEL(r->handles, h);
	free(h);
}

/* Counters of a session, read while its thread keeps writing them. */
int
relay_session_stats(struct relay *r, uint32_t id,
    struct relay_session_stats *st)
{
	struct relay_handle	*h;
	struct relay_leg_ctr	*c;
	struct relay_leg_stats	*ls;
	uint64_t		 now = mono_ms(), last;
	int			 i;

	HASH_FIND(hh, r->handles, &id, sizeof(id), h);
	if (h == NULL)
		return -1;
	memset(st, 0, sizeof(*st));
	st->id = id;
	st->thread = h->thread->id;
	for (i = 0; i < 2; i++) {
		c = &h->sess->leg[i].ctr;
		ls = &st->leg[i];
		ls->packets_in = relay_ctr_get(&c->packets_in);
		ls->bytes_in = relay_ctr_get(&c->bytes_in);
		ls->packets_out = relay_ctr_get(&c->packets_out);
		ls->bytes_out = relay_ctr_get(&c->bytes_out);
		ls->srtp_failures = relay_ctr_get(&c->auth_fail);
		ls->replays = relay_ctr_get(&c->replay);
		ls->plain_srtcp = relay_ctr_get(&c->plain_srtcp);
		ls->drops = relay_ctr_get(&c->drops);
		last = relay_ctr_get(&c->last_ms);
		ls->last_packet_ms = last == 0 ? UINT64_MAX :
		    (now > last ? now - last : 0);
		ls->local = h->local[i];
		ls->remote = h->remote[i];
		ls->suite_in = h->suite_in[i];
		ls->suite_out = h->suite_out[i];
	}
	return 0;
}
