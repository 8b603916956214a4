/*
 * media.c: the offer/answer rules of media anchoring; see media.h.
 *
 * An offer from side O is turned into the edge's offer to side A: each
 * stream gets the relay's address and port on A's side, the shape A
 * speaks, and crypto lines with fresh keys in the suites A allows. O's
 * own crypto line to accept is chosen at once (by O's allowed suites);
 * its answer is made when A answers. A's answer is turned into the
 * edge's answer to O on the same lines: A's chosen formats and
 * direction, O's proto, one crypto line echoing O's tag with a fresh key
 * (RFC 4568 §7.1.2), and O's m= count and order (a dual offer gets its
 * other m= back, rejected with port 0: RFC 3264 §6).
 *
 * An offer identical to the last one from its side, byte for byte, is a
 * session refresh: it gets the same SDP as last time, keys included, so
 * the relay keeps its contexts and rollover counters (RFC 3711 §3.3.1;
 * field-notes.md, "Re-keying").
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <openssl/crypto.h>

#include "media.h"
#include "util.h"

static char	*media_dup(const char *, size_t);

/* One exchange of one side, kept for a refresh that repeats it. */
struct media_memo {
	char	*in;		/* what the side sent */
	size_t	 in_len;
	char	*out;		/* what the edge sent the other side for it */
	size_t	 out_len;
};

/*
 * An early dialog's answer to the pending offer: a forked INVITE gets one
 * per To tag (RFC 3261 §13.2.2.4), and each dialog keeps its own. What
 * the edge answered there, and the streams as that answer left them.
 */
#define MEDIA_MAX_FORKS	4

struct media_fork {
	char			*tag;
	struct media_memo	 memo;
	struct media_stream	*st;	/* n of them */
	size_t			 n;
};

struct media_lines {
	struct sdes_line	 offered[MEDIA_MAX_OFFERED];
	size_t			 n_offered;
	struct sdes_line	 chosen;
};

struct media_session {
	struct media_policy	 pol[2];
	struct media_ports	 ports;
	size_t			 n;
	struct media_stream	 st[MEDIA_MAX_STREAMS];
	/*
	 * What the edge offered the answerer, and the offerer's chosen line,
	 * per stream: made when a stream first needs them (a line is 3.5 KB,
	 * and most calls have one stream of the eight a session may hold).
	 */
	struct media_lines	*lines[MEDIA_MAX_STREAMS];
	bool			 fresh[MEDIA_MAX_STREAMS][2];	/* ports of
							 * this offer */
	bool			 pending;
	bool			 refresh;	/* the pending offer repeats */
	size_t			 offered_nmedia; /* m= lines of the edge's
						   pending offer */
	/* The last offer has its answer; another may take its place. */
	bool			 answered;
	enum media_side		 from;
	char			*offer;		/* the pending offer, received */
	size_t			 offer_len;
	struct media_memo	 offers[2];	/* by the side that offered */
	struct media_memo	 answers[2];	/* by the side that answered */
	/*
	 * The o= line towards a side: its username and sess-id stay those of
	 * the edge's first SDP there, whichever side's SDP a later one is
	 * built from, and its version goes up by one (RFC 3264 §8).
	 */
	unsigned long long	 version[2];
	bool			 have_version[2];
	struct sdp_origin	 origin[2];
	/*
	 * The last exchange that completed, as the relay has it: the
	 * streams, and the SDP the edge sent each side in it. A refused
	 * offer or answer puts the streams back; media_reoffer() offers a
	 * side this state again.
	 */
	struct media_stream	*good_st;	/* good_n of them */
	size_t			 good_n;
	char			*good_sdp[2];	/* by the side it went to */
	size_t			 good_len[2];
	bool			 own;		/* the pending offer is ours */
	/* The early dialogs' answers to the last offer, oldest first. */
	struct media_fork	 forks[MEDIA_MAX_FORKS];
	size_t			 n_forks;
	char			*tag;		/* of the answer at hand */
};

/* Format a reason into why; returns code. */
static int __attribute__((format(printf, 4, 5)))
media_fail(int code, char *why, size_t whylen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return code;
}

/* The lines of stream k, made on first use. */
static struct media_lines *
ML(struct media_session *ms, size_t k)
{
	if (ms->lines[k] == NULL)
		ms->lines[k] = xcalloc(1, sizeof(*ms->lines[k]));
	return ms->lines[k];
}

static const char *
media_side_name(enum media_side s)
{
	return s == MEDIA_PHONE ? "phone" : "carrier";
}

struct media_session *
media_session_new(const struct media_policy *phone,
    const struct media_policy *carrier, const struct media_ports *ports)
{
	struct media_session	*ms = xcalloc(1, sizeof(*ms));

	ms->pol[MEDIA_PHONE] = *phone;
	ms->pol[MEDIA_CARRIER] = *carrier;
	ms->ports = *ports;
	return ms;
}

static void
media_memo_clear(struct media_memo *m)
{
	if (m->out != NULL)
		OPENSSL_cleanse(m->out, m->out_len);
	free(m->in);
	free(m->out);
	memset(m, 0, sizeof(*m));
}

/* Remember that the edge sent out for in (copies of both). */
static void
media_memo_set(struct media_memo *m, const char *in, size_t in_len,
    const char *out, size_t out_len)
{
	media_memo_clear(m);
	m->in = media_dup(in, in_len);
	m->in_len = in_len;
	m->out = media_dup(out, out_len);
	m->out_len = out_len;
}

/* A copy of the session's streams (NULL for none), for keeping. */
static struct media_stream *
media_streams_copy(const struct media_session *ms)
{
	struct media_stream	*st;

	if (ms->n == 0)
		return NULL;
	st = xcalloc(ms->n, sizeof(*st));
	memcpy(st, ms->st, ms->n * sizeof(*st));
	return st;
}

static void
media_fork_clear(struct media_fork *f)
{
	free(f->tag);
	media_memo_clear(&f->memo);
	if (f->st != NULL) {
		OPENSSL_cleanse(f->st, f->n * sizeof(*f->st));
		free(f->st);
	}
	memset(f, 0, sizeof(*f));
}

/* A new offer: the answers to the last one are history. */
static void
media_forks_clear(struct media_session *ms)
{
	size_t	i;

	for (i = 0; i < ms->n_forks; i++)
		media_fork_clear(&ms->forks[i]);
	ms->n_forks = 0;
}

static struct media_fork *
media_fork_find(struct media_session *ms, const char *tag)
{
	size_t	i;

	for (i = 0; tag != NULL && i < ms->n_forks; i++)
		if (strcmp(ms->forks[i].tag, tag) == 0)
			return &ms->forks[i];
	return NULL;
}

/*
 * The answer just given (memo) is the one of early dialog ms->tag: keep
 * it and the streams, the oldest dialog making room when all are taken.
 */
static void
media_fork_keep(struct media_session *ms, const struct media_memo *memo)
{
	struct media_fork	*f;

	if (ms->tag == NULL)
		return;
	if ((f = media_fork_find(ms, ms->tag)) != NULL)
		media_fork_clear(f);
	else {
		if (ms->n_forks == MEDIA_MAX_FORKS) {
			media_fork_clear(&ms->forks[0]);
			memmove(&ms->forks[0], &ms->forks[1],
			    (MEDIA_MAX_FORKS - 1) * sizeof(ms->forks[0]));
			ms->n_forks--;
		}
		f = &ms->forks[ms->n_forks++];
		memset(f, 0, sizeof(*f));
	}
	f->tag = xstrdup(ms->tag);
	media_memo_set(&f->memo, memo->in, memo->in_len, memo->out,
	    memo->out_len);
	f->n = ms->n;
	f->st = media_streams_copy(ms);
}

void
media_answer_dialog(struct media_session *ms, const char *tag)
{
	free(ms->tag);
	ms->tag = tag != NULL ? xstrdup(tag) : NULL;
}

/* Wipe the lines the edge offered for a stream. */
static void
media_offered_clear(struct media_session *ms, size_t k)
{
	size_t	i;

	if (ms->lines[k] == NULL)
		return;
	for (i = 0; i < ms->lines[k]->n_offered; i++)
		sdes_clear(&ms->lines[k]->offered[i]);
	ms->lines[k]->n_offered = 0;
}

/* Wipe the lines of a stream's offer state, both ways. */
static void
media_lines_clear(struct media_session *ms, size_t k)
{
	media_offered_clear(ms, k);
	if (ms->lines[k] != NULL)
		sdes_clear(&ms->lines[k]->chosen);
}

/* Forget the settled state (it holds keys). */
static void
media_good_clear(struct media_session *ms)
{
	int	s;

	if (ms->good_st != NULL) {
		OPENSSL_cleanse(ms->good_st, ms->good_n * sizeof(*ms->good_st));
		free(ms->good_st);
	}
	ms->good_st = NULL;
	ms->good_n = 0;
	for (s = 0; s < 2; s++) {
		if (ms->good_sdp[s] != NULL) {
			OPENSSL_cleanse(ms->good_sdp[s], ms->good_len[s]);
			free(ms->good_sdp[s]);
		}
		ms->good_sdp[s] = NULL;
		ms->good_len[s] = 0;
	}
}

/*
 * An exchange completed: the edge sent side `to` the body sdp and the
 * other side other (NULL: what it had before); remember it as settled.
 */
static void
media_settle(struct media_session *ms, enum media_side to, const char *sdp,
    size_t len, const char *other, size_t other_len)
{
	char	*keep[2];
	size_t	 keep_len[2];
	int	 s;

	keep[to] = media_dup(sdp, len);
	keep_len[to] = len;
	s = MEDIA_OTHER(to);
	if (other != NULL) {
		keep[s] = media_dup(other, other_len);
		keep_len[s] = other_len;
	} else {
		keep[s] = ms->good_sdp[s];
		keep_len[s] = ms->good_len[s];
		ms->good_sdp[s] = NULL;
	}
	media_good_clear(ms);
	memcpy(ms->good_sdp, keep, sizeof(keep));
	memcpy(ms->good_len, keep_len, sizeof(keep_len));
	ms->good_n = ms->n;
	ms->good_st = media_streams_copy(ms);
}

/*
 * An offer or answer was refused: the streams go back to what the relay
 * has (the last settled exchange), so that nothing half-taken from the
 * refused SDP reaches it later. Call after media_release_fresh().
 */
static void
media_restore(struct media_session *ms)
{
	size_t	k;

	for (k = ms->good_n; k < ms->n && k < MEDIA_MAX_STREAMS; k++)
		OPENSSL_cleanse(&ms->st[k], sizeof(ms->st[k]));
	ms->n = ms->good_n;
	for (k = 0; k < ms->good_n; k++) {
		ms->st[k] = ms->good_st[k];
		ms->st[k].changed = false;
	}
}

void
media_session_free(struct media_session *ms)
{
	size_t	k;
	int	s;

	if (ms == NULL)
		return;
	for (k = 0; k < ms->n; k++) {
		for (s = 0; s < 2; s++)
			if (ms->st[k].leg[s].port != 0 &&
			    ms->ports.release != NULL)
				ms->ports.release(ms->ports.arg, k, s,
				    ms->st[k].leg[s].port);
		media_lines_clear(ms, k);
	}
	for (k = 0; k < MEDIA_MAX_STREAMS; k++)
		if (ms->lines[k] != NULL) {
			OPENSSL_cleanse(ms->lines[k], sizeof(*ms->lines[k]));
			free(ms->lines[k]);
		}
	for (s = 0; s < 2; s++) {
		media_memo_clear(&ms->offers[s]);
		media_memo_clear(&ms->answers[s]);
	}
	media_good_clear(ms);
	media_forks_clear(ms);
	free(ms->tag);
	free(ms->offer);
	OPENSSL_cleanse(ms, sizeof(*ms));
	free(ms);
}

bool
media_offer_pending(const struct media_session *ms, enum media_side *from)
{
	if (ms->pending && from != NULL)
		*from = ms->from;
	return ms->pending;
}

bool
media_own_pending(const struct media_session *ms)
{
	return ms->pending && ms->own;
}

bool
media_answered(const struct media_session *ms, enum media_side *offerer)
{
	if (ms->answered && offerer != NULL)
		*offerer = ms->from;
	return ms->answered;
}

size_t
media_stream_count(const struct media_session *ms)
{
	return ms->n;
}

/*
 * The family of an SDP address: AF_INET (an IPv4-mapped IPv6 address too,
 * RFC 3266 §5), AF_INET6, or 0 for a name or none; *hold says whether it
 * is the unspecified one (0.0.0.0, ::), an RFC 2543 hold.
 */
static int
media_addr_family(const char *addr, bool *hold)
{
	struct sockaddr_storage	ss;

	return sockaddr_sdp(addr, 0, &ss, hold);
}

bool
media_flowing(const struct media_session *ms)
{
	const struct media_leg	*l;
	size_t			 k;
	int			 i;
	bool			 hold;

	for (k = 0; k < ms->n; k++) {
		if (ms->st[k].rejected)
			continue;
		for (i = 0; i < 2; i++) {
			l = &ms->st[k].leg[i];
			(void)media_addr_family(l->peer, &hold);
			if (l->dir != SDP_DIR_SENDRECV || hold)
				break;
		}
		if (i == 2)
			return true;
	}
	return false;
}

struct media_stream *
media_stream_get(struct media_session *ms, size_t k)
{
	return k < ms->n ? &ms->st[k] : NULL;
}

/* A copy of buf as a NUL-terminated string. */
static char *
media_dup(const char *buf, size_t len)
{
	char	*p = xmalloc(len + 1);

	memcpy(p, buf, len);
	p[len] = '\0';
	return p;
}

/*
 * Is body the one a memo was made from? Then *out gets a copy of what
 * the edge made of it then: the same SDP, the same keys.
 */
static bool
media_memo_repeat(const struct media_memo *memo, const char *body,
    size_t len, char **out, size_t *outlen)
{
	if (memo->in == NULL || memo->out == NULL || memo->in_len != len ||
	    memcmp(memo->in, body, len) != 0)
		return false;
	*out = media_dup(memo->out, memo->out_len);
	*outlen = memo->out_len;
	return true;
}

/* An answer given again: nothing for the relay to follow. */
static void
media_unchanged(struct media_session *ms)
{
	size_t	k;

	for (k = 0; k < ms->n; k++)
		ms->st[k].changed = false;
}

/* A new answer: the relay follows every stream it did not reject. */
static void
media_changed(struct media_session *ms)
{
	size_t	k;

	for (k = 0; k < ms->n; k++)
		ms->st[k].changed = !ms->st[k].rejected;
}

/* Is a proto RTP with SRTP (RTP/SAVP, RTP/SAVPF, UDP/TLS/RTP/SAVP...)? */
static bool
media_proto_savp(const char *proto)
{
	return strstr(proto, "SAVP") != NULL;
}

static bool
media_proto_rtp(const char *proto)
{
	return strncasecmp(proto, "RTP/", 4) == 0;
}

static bool
media_proto_udp(const char *proto)
{
	return strcasecmp(proto, "udptl") == 0 || strcasecmp(proto, "UDP") == 0;
}

/* The proto for an offer shape, keeping the feedback profile (AVPF). */
static const char *
media_proto_for(bool savp, const char *like)
{
	bool	f = like[0] != '\0' && like[strlen(like) - 1] == 'F';

	if (savp)
		return f ? "RTP/SAVPF" : "RTP/SAVP";
	return f ? "RTP/AVPF" : "RTP/AVP";
}

/* The crypto lines of a media section that parse; others are skipped. */
static size_t
media_crypto_lines(const struct sdp *s, int media, struct sdes_line *out,
    size_t max)
{
	const char	*v;
	size_t		 n = 0;
	int		 line;

	for (line = sdp_attr_find(s, media, "crypto"); line >= 0 && n < max;
	    line = sdp_attr_next(s, line, "crypto")) {
		if ((v = sdp_attr_value(s, line)) == NULL)
			continue;
		/* RFC 4568 §7.1: a line we do not understand is ignored. */
		if (sdes_parse(v, strlen(v), &out[n]) == NULL)
			n++;
	}
	return n;
}

/* Wipe a list of lines. */
static void
media_crypto_clear(struct sdes_line *l, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		sdes_clear(&l[i]);
}

/* A line's first key, as the relay wants it. */
static void
media_key_from(struct media_key *k, const struct sdes_line *l)
{
	OPENSSL_cleanse(k, sizeof(*k));
	k->suite = l->suite;
	k->flags = l->flags;
	k->wsh = l->wsh;
	k->keysalt_len = l->keys[0].keysalt_len;
	memcpy(k->keysalt, l->keys[0].keysalt, k->keysalt_len);
}

/* Add a crypto line to a media section. */
static const char *
media_crypto_add(struct sdp *s, int media, const struct sdes_line *l)
{
	char		 buf[SDES_PRINT_MAX];
	const char	*err;

	if ((err = sdes_print(l, buf, sizeof(buf), NULL)) == NULL)
		err = sdp_attr_add(s, media, "crypto", buf);
	OPENSSL_cleanse(buf, sizeof(buf));
	return err;
}

/* The ICE attributes: an anchored stream has no candidates of its peer. */
static void
media_strip_ice(struct sdp *s, int media)
{
	static const char *const names[] = { "candidate", "ice-ufrag",
	    "ice-pwd", "ice-options", "ice-lite", "end-of-candidates",
	    "remote-candidates", "ice-mismatch" };
	size_t	i;

	for (i = 0; i < nitems(names); i++)
		(void)sdp_attr_remove(s, media, names[i]);
}

/*
 * Is a peer's address an IP literal of the other family than the relay's
 * address on its side? The relay could not send there: the call is
 * refused rather than left with a relay session that never got its keys.
 * A name, none or a hold address is latched to, not refused.
 */
static bool
media_family_differs(const char *peer, const char *relay)
{
	bool	hold;
	int	af = media_addr_family(peer, &hold);

	if (af == 0 || hold)
		return false;
	return (af == AF_INET6) != (strchr(relay, ':') != NULL);
}

/*
 * Where a side's media of a section goes: address, RTP and RTCP port;
 * 488 for an address the relay cannot reach.
 */
static int
media_peer(const struct media_session *ms, const struct sdp *s, int media,
    struct media_leg *leg, enum media_side side, char *why, size_t whylen)
{
	struct sdp_conn		c;
	struct sdp_media	m;
	struct sdp_rtcp		r;

	leg->peer[0] = '\0';
	if (sdp_media_conn(s, media, &c) == NULL)
		snprintf(leg->peer, sizeof(leg->peer), "%s", c.addr);
	if (media_family_differs(leg->peer, ms->pol[side].addr))
		return media_fail(488, why, whylen, "media refused side=%s "
		    "reason=its media address %s is not of the relay's "
		    "address family on that side (%s)",
		    media_side_name(side), leg->peer, ms->pol[side].addr);
	leg->dir = sdp_direction(s, media);
	(void)sdp_media(s, media, &m);
	leg->peer_port = m.port;
	leg->peer_rtcp_port = m.port + 1;
	if (sdp_rtcp(s, media, &r) == 1)
		leg->peer_rtcp_port = r.port;
	return 0;
}

/* A relay port for a stream's leg, if it has none yet. */
static int
media_port(struct media_session *ms, size_t k, enum media_side side,
    char *why, size_t whylen)
{
	char	reason[128];

	if (ms->st[k].leg[side].port != 0)
		return 0;
	reason[0] = '\0';
	if (ms->ports.alloc(ms->ports.arg, k, side,
	    &ms->st[k].leg[side].port, reason, sizeof(reason)) == -1) {
		ms->st[k].leg[side].port = 0;
		return media_fail(503, why, whylen, "no relay port on the %s "
		    "side: %s", media_side_name(side), reason);
	}
	ms->fresh[k][side] = true;
	return 0;
}

/* Give back the ports an offer took that its failure leaves unused. */
static void
media_release_fresh(struct media_session *ms)
{
	size_t	k;
	int	s;

	for (k = 0; k < MEDIA_MAX_STREAMS; k++)
		for (s = 0; s < 2; s++) {
			if (!ms->fresh[k][s])
				continue;
			ms->fresh[k][s] = false;
			if (ms->st[k].leg[s].port != 0 &&
			    ms->ports.release != NULL)
				ms->ports.release(ms->ports.arg, k, s,
				    ms->st[k].leg[s].port);
			ms->st[k].leg[s].port = 0;
		}
}

/* Set the o= version of the edge's SDP towards a side. */
static const char *
media_origin(struct media_session *ms, struct sdp *out, enum media_side to)
{
	struct sdp_origin	 o;
	char			 v[32];

	if (!ms->have_version[to]) {
		if (sdp_origin(out, &o) != NULL)
			return "no o= line";
		ms->version[to] = strtoull(o.sess_version, NULL, 10);
		ms->origin[to] = o;
		ms->have_version[to] = true;
	} else
		ms->version[to]++;
	snprintf(v, sizeof(v), "%llu", ms->version[to]);
	return sdp_origin_set(out, ms->origin[to].username,
	    ms->origin[to].sess_id, v, ms->pol[to].addr);
}

/* Print an edited body into a fresh string. */
static int
media_print(const struct sdp *s, char **out, size_t *outlen, char *why,
    size_t whylen)
{
	if ((*out = sdp_print_alloc(s, outlen)) == NULL)
		return media_fail(500, why, whylen, "cannot print SDP");
	return 0;
}

/*
 * The m= sections of an offer, grouped into streams: one section each,
 * or two for a phone's dual RTP/SAVP plus RTP/AVP offer of the same
 * formats. first[k] is the first section of stream k, second[k] the
 * other of a pair or -1.
 */
static size_t
media_group(const struct sdp *s, enum media_side from, int *first,
    int *second)
{
	struct sdp_media	*a, *b;
	size_t			 i, k = 0, f;
	bool			 pair;

	a = xmalloc(sizeof(*a));
	b = xmalloc(sizeof(*b));
	for (i = 0; i < s->nmedia && k < MEDIA_MAX_STREAMS; i++) {
		pair = false;
		if (from == MEDIA_PHONE && i + 1 < s->nmedia &&
		    sdp_media(s, (int)i, a) == NULL &&
		    sdp_media(s, (int)i + 1, b) == NULL &&
		    strcmp(a->media, b->media) == 0 &&
		    media_proto_rtp(a->proto) && media_proto_rtp(b->proto) &&
		    media_proto_savp(a->proto) != media_proto_savp(b->proto) &&
		    a->nfmt == b->nfmt) {
			pair = true;
			for (f = 0; f < a->nfmt; f++)
				if (strcmp(a->fmt[f], b->fmt[f]) != 0)
					pair = false;
		}
		first[k] = (int)i;
		second[k] = pair ? (int)i + 1 : -1;
		if (pair)
			i++;
		k++;
	}
	free(a);
	free(b);
	return k;
}

/*
 * The offerer's side of stream k from sections sec/alt: which section it
 * is (of a dual offer, the RTP/SAVP one when this side may do SRTP), its
 * crypto line to accept, and where its media goes.
 */
static int
media_offerer_leg(struct media_session *ms, const struct sdp *s, size_t k,
    enum media_side from, int sec, int alt, char *why, size_t whylen)
{
	const struct media_policy	*pol = &ms->pol[from];
	struct media_stream		*st = &ms->st[k];
	struct media_leg		*leg = &st->leg[from];
	struct sdes_line		*lines;
	struct sdp_media		 m;
	const char			*err = NULL;
	size_t				 n;
	int				 idx, code = 0;
	bool				 savp;

	if (alt >= 0) {
		(void)sdp_media(s, sec, &m);
		/* sec is the SAVP one of the pair when it comes first. */
		if (!media_proto_savp(m.proto)) {
			int	t = sec;

			sec = alt;
			alt = t;
		}
		if (pol->srtp == SRTP_POLICY_OFF) {
			int	t = sec;

			sec = alt;	/* take the RTP/AVP one */
			alt = t;
		}
	}
	(void)sdp_media(s, sec, &m);
	leg->mline = sec;
	leg->alt = alt;
	st->udp = media_proto_udp(m.proto);
	if (!st->udp && !media_proto_rtp(m.proto))
		return media_fail(488, why, whylen, "media refused side=%s "
		    "reason=unknown media transport %s", media_side_name(from),
		    m.proto);
	sdes_clear(&ML(ms, k)->chosen);
	leg->srtp = false;
	if (st->udp)
		goto peer;
	lines = xcalloc(SDES_MAX_KEYS, sizeof(*lines));
	n = media_crypto_lines(s, sec, lines, SDES_MAX_KEYS);
	idx = sdes_choose(lines, n, pol->suites, pol->n_suites, &err);
	if (alt >= 0 && media_proto_savp(m.proto) && idx < 0 &&
	    pol->srtp != SRTP_POLICY_MANDATORY) {
		/* Nothing usable on the SAVP line of a pair: take the AVP. */
		media_crypto_clear(lines, n);
		free(lines);
		leg->mline = alt;
		leg->alt = sec;
		sec = leg->mline;
		(void)sdp_media(s, sec, &m);
		lines = xcalloc(SDES_MAX_KEYS, sizeof(*lines));
		n = media_crypto_lines(s, sec, lines, SDES_MAX_KEYS);
		idx = sdes_choose(lines, n, pol->suites, pol->n_suites, &err);
	}
	savp = media_proto_savp(m.proto);
	if (savp && pol->srtp == SRTP_POLICY_OFF)
		code = media_fail(488, why, whylen, "media refused side=%s "
		    "reason=it offers only %s and srtp = off",
		    media_side_name(from), m.proto);
	else if (savp && idx < 0)
		code = media_fail(488, why, whylen, "media refused side=%s "
		    "reason=no crypto line it may use (%s)",
		    media_side_name(from), err != NULL ? err : "none");
	else if (idx >= 0 && pol->srtp != SRTP_POLICY_OFF)
		leg->srtp = true;
	else if (pol->srtp == SRTP_POLICY_MANDATORY)
		code = media_fail(488, why, whylen, "media refused side=%s "
		    "reason=no SRTP offered and srtp = mandatory",
		    media_side_name(from));
	if (leg->srtp)
		ML(ms, k)->chosen = lines[idx];	/* the copy is wiped later */
	media_crypto_clear(lines, n);
	free(lines);
	if (code != 0)
		return code;
peer:
	if ((code = media_peer(ms, s, sec, leg, from, why, whylen)) != 0)
		return code;
	leg->mux = sdp_rtcp_mux(s, sec) == 1;
	return 0;
}

/*
 * What the edge offers the answerer of stream k: SRTP or not, in which
 * proto, and (dual) whether a plain RTP/AVP copy follows. Fills the
 * stream's offered lines.
 */
static int
media_answerer_offer(struct media_session *ms, size_t k, enum media_side to,
    bool *savp, bool *crypto, bool *dual, char *why, size_t whylen)
{
	const struct media_policy	*pol = &ms->pol[to];
	struct media_lines		*ml;
	size_t				 i;

	*savp = *crypto = *dual = false;
	media_offered_clear(ms, k);
	if (ms->st[k].udp || pol->srtp == SRTP_POLICY_OFF)
		return 0;
	if (pol->srtp == SRTP_POLICY_MANDATORY)
		*savp = pol->shape != SDP_SHAPE_AVP_CRYPTO;
	else if (to == MEDIA_PHONE && pol->shape == SDP_SHAPE_SAVP_AVP)
		*savp = *dual = true;	/* SRTP, or the plain copy */
	*crypto = true;
	ml = ML(ms, k);
	for (i = 0; i < pol->n_suites && ml->n_offered < MEDIA_MAX_OFFERED;
	    i++) {
		if (sdes_keygen(pol->suites[i],
		    &ml->offered[ml->n_offered]) != NULL)
			continue;
		ml->offered[ml->n_offered].tag = (uint32_t)ml->n_offered + 1;
		ml->n_offered++;
	}
	if (ml->n_offered == 0)
		return media_fail(488, why, whylen, "media refused side=%s "
		    "reason=no crypto suite to offer it",
		    media_side_name(to));
	return 0;
}

/* Rewrite one media section of an outgoing body for side `to`. */
static const char *
media_section(struct sdp *out, int sec, const struct media_policy *pol,
    unsigned port, const char *proto)
{
	struct sdp_conn	 c;
	const char	*err;

	if ((err = sdp_media_set_port(out, sec, port, 0)) != NULL ||
	    (proto != NULL && (err = sdp_media_set_proto(out, sec,
	    proto)) != NULL))
		return err;
	(void)sdp_attr_remove(out, sec, "crypto");
	(void)sdp_attr_remove(out, sec, "rtcp");
	media_strip_ice(out, sec);
	if (sdp_conn(out, sec, &c) == NULL &&
	    (err = sdp_set_conn(out, sec, pol->addr)) != NULL)
		return err;
	return NULL;
}

/*
 * RFC 2543 hold, c= 0.0.0.0 ("do not send to me"), does not survive the
 * relay's address in its place: say it in the RFC 3264 way instead, one
 * direction less for the side that held (sendrecv to sendonly, recvonly
 * to inactive), so the other side still sees a hold and does not time
 * out waiting for media.
 */
static const char *
media_old_hold(struct sdp *out, int sec, const struct media_leg *held)
{
	enum sdp_dir	d;
	bool		hold;

	(void)media_addr_family(held->peer, &hold);
	if (!hold)
		return NULL;
	for (d = SDP_DIR_SENDRECV; d <= SDP_DIR_INACTIVE; d++)
		(void)sdp_attr_remove(out, sec, sdp_dir_name(d));
	d = held->dir == SDP_DIR_SENDRECV || held->dir == SDP_DIR_SENDONLY ?
	    SDP_DIR_SENDONLY : SDP_DIR_INACTIVE;
	return sdp_attr_add(out, sec, sdp_dir_name(d), NULL);
}

int
media_offer(struct media_session *ms, enum media_side from,
    const char *body, size_t len, char **out, size_t *outlen, char *why,
    size_t whylen)
{
	enum media_side		 to = MEDIA_OTHER(from);
	struct sdp		*s = NULL, *o = NULL, *copy = NULL;
	struct sdp_media	 m;
	struct media_memo	*memo = &ms->offers[from];
	int			 first[MEDIA_MAX_STREAMS];
	int			 second[MEDIA_MAX_STREAMS];
	bool			 savp[MEDIA_MAX_STREAMS];
	bool			 crypto[MEDIA_MAX_STREAMS];
	bool			 dual[MEDIA_MAX_STREAMS];
	const char		*err;
	size_t			 n, k, i;
	int			 code = 0, idx;

	*out = NULL;
	if (ms->pending && ms->from == from &&
	    media_memo_repeat(memo, body, len, out, outlen))
		return 0;	/* the pending offer again (a 183, its 2xx) */
	if (ms->pending)
		return media_fail(491, why, whylen, "an offer is pending");
	media_forks_clear(ms);
	if (media_memo_repeat(memo, body, len, out, outlen)) {
		/* A refresh: the same offer gets the same SDP, same keys. */
		ms->pending = ms->refresh = true;
		ms->answered = false;
		ms->from = from;
		return 0;
	}
	s = xmalloc(sizeof(*s));
	if ((err = sdp_parse(body, len, s)) != NULL) {
		code = media_fail(400, why, whylen, "SDP offer: %s", err);
		goto out;
	}
	n = media_group(s, from, first, second);
	if (n == MEDIA_MAX_STREAMS && (size_t)(second[n - 1] >= 0 ?
	    second[n - 1] : first[n - 1]) + 1 < s->nmedia) {
		/* What is not a stream would pass with the offerer's keys. */
		code = media_fail(488, why, whylen, "media refused side=%s "
		    "reason=more than %d media streams",
		    media_side_name(from), MEDIA_MAX_STREAMS);
		goto out;
	}
	if (n < ms->n) {
		code = media_fail(488, why, whylen, "the offer has fewer "
		    "streams than the session (RFC 3264 §8)");
		goto out;
	}
	memset(ms->fresh, 0, sizeof(ms->fresh));
	for (k = 0; k < n; k++) {
		if (k >= ms->n) {
			memset(&ms->st[k], 0, sizeof(ms->st[k]));
			ms->st[k].leg[0].alt = ms->st[k].leg[1].alt = -1;
		}
		(void)sdp_media(s, first[k], &m);
		ms->st[k].rejected = m.port == 0 && (second[k] < 0 ||
		    (sdp_media(s, second[k], &m) == NULL && m.port == 0));
		ms->st[k].changed = true;
		if (ms->st[k].rejected) {
			ms->st[k].leg[from].mline = first[k];
			ms->st[k].leg[from].alt = second[k];
			continue;
		}
		if ((code = media_offerer_leg(ms, s, k, from, first[k],
		    second[k], why, whylen)) != 0 ||
		    (code = media_answerer_offer(ms, k, to, &savp[k],
		    &crypto[k], &dual[k], why, whylen)) != 0 ||
		    (code = media_port(ms, k, from, why, whylen)) != 0 ||
		    (code = media_port(ms, k, to, why, whylen)) != 0)
			goto fail;
	}
	/*
	 * The body for the answerer, on a copy of the offer: sections from
	 * the last, so that removing or adding one leaves the numbers of the
	 * ones still to do alone.
	 */
	o = xmalloc(sizeof(*o));
	*o = *s;
	for (k = n; k-- > 0;) {
		struct media_stream	*st = &ms->st[k];
		int			 sec = st->leg[from].mline;

		if (st->rejected) {
			if ((err = sdp_media_reject(o, first[k])) != NULL ||
			    (second[k] >= 0 && (err = sdp_media_remove(o,
			    second[k])) != NULL))
				goto edit;
			continue;
		}
		(void)sdp_media(s, sec, &m);
		if ((err = media_section(o, sec, &ms->pol[to],
		    st->leg[to].port, st->udp ? NULL :
		    media_proto_for(savp[k], m.proto))) != NULL ||
		    (err = media_old_hold(o, sec, &st->leg[from])) != NULL)
			goto edit;
		for (i = 0; crypto[k] && i < ML(ms, k)->n_offered; i++)
			if ((err = media_crypto_add(o, sec,
			    &ML(ms, k)->offered[i])) != NULL)
				goto edit;
		if (dual[k]) {
			/* The phone's own dual shape: a plain RTP/AVP copy. */
			if (copy == NULL)
				copy = xmalloc(sizeof(*copy));
			*copy = *o;
			if ((err = sdp_media_copy(o, sec + 1, copy,
			    sec)) != NULL ||
			    (err = sdp_media_set_proto(o, sec + 1,
			    media_proto_for(false, m.proto))) != NULL)
				goto edit;
			(void)sdp_attr_remove(o, sec + 1, "crypto");
		}
		/* A dual offer from a phone reaches the carrier as one. */
		if (st->leg[from].alt >= 0 &&
		    (err = sdp_media_remove(o, st->leg[from].alt)) != NULL)
			goto edit;
	}
	/* Where each stream is in the answerer's body, for its answer. */
	for (k = 0, idx = 0; k < n; k++) {
		ms->st[k].leg[to].mline = idx;
		ms->st[k].leg[to].alt = !ms->st[k].rejected && dual[k] ?
		    idx + 1 : -1;
		idx += ms->st[k].leg[to].alt >= 0 ? 2 : 1;
	}
	if ((err = sdp_set_conn(o, SDP_SESSION, ms->pol[to].addr)) != NULL)
		goto edit;
	media_strip_ice(o, SDP_SESSION);
	if ((err = media_origin(ms, o, to)) != NULL)
		goto edit;
	if ((code = media_print(o, out, outlen, why, whylen)) != 0)
		goto fail;
	ms->offered_nmedia = o->nmedia;
	ms->n = n;
	ms->pending = true;
	ms->refresh = false;
	ms->answered = false;
	ms->from = from;
	free(ms->offer);
	ms->offer = media_dup(body, len);
	ms->offer_len = len;
	media_memo_set(memo, body, len, *out, *outlen);
	goto out;
edit:
	code = media_fail(500, why, whylen, "cannot rewrite the SDP offer: %s",
	    err);
fail:
	media_release_fresh(ms);
	media_restore(ms);
	for (k = 0; k < n && k < MEDIA_MAX_STREAMS; k++)
		media_lines_clear(ms, k);
	if (*out != NULL) {
		OPENSSL_cleanse(*out, *outlen);
		free(*out);
		*out = NULL;
	}
out:
	if (o != NULL)
		OPENSSL_cleanse(o, sizeof(*o));
	if (copy != NULL)
		OPENSSL_cleanse(copy, sizeof(*copy));
	free(o);
	free(copy);
	free(s);
	return code;
}

void
media_offer_failed(struct media_session *ms)
{
	size_t	k;

	if (!ms->pending)
		return;
	ms->pending = false;
	ms->answered = false;
	if (ms->refresh)
		return;
	media_release_fresh(ms);
	media_restore(ms);
	for (k = 0; k < ms->n; k++)
		media_lines_clear(ms, k);
	if (ms->own) {
		ms->own = false;
		return;
	}
	/* A repeat of a refused offer must be treated as new. */
	media_memo_clear(&ms->offers[ms->from]);
}

/*
 * The answerer's side of stream k in its answer s: which section it took
 * (of the dual shape we offered a phone), its key, its media address.
 */
static int
media_answerer_leg(struct media_session *ms, const struct sdp *s, size_t k,
    enum media_side from, char *why, size_t whylen)
{
	struct media_stream	*st = &ms->st[k];
	struct media_leg	*leg = &st->leg[from];
	struct sdes_line	*lines;
	struct sdp_media	 m;
	char			 reason[SDES_REASON_MAX];
	size_t			 n;
	int			 sec = leg->mline, idx, code = 0;

	if (sec < 0 || (size_t)sec >= s->nmedia ||
	    (leg->alt >= 0 && (size_t)leg->alt >= s->nmedia))
		return media_fail(400, why, whylen, "the SDP answer has fewer "
		    "m= lines than the offer");
	(void)sdp_media(s, sec, &m);
	if (leg->alt >= 0 && m.port == 0) {
		/* The phone took the plain copy of our dual offer. */
		leg->mline = leg->alt;
		leg->alt = sec;
		sec = leg->mline;
		(void)sdp_media(s, sec, &m);
		media_offered_clear(ms, k);	/* no crypto on that one */
	}
	if (m.port == 0) {
		st->rejected = true;
		return 0;
	}
	leg->srtp = false;
	if ((code = media_peer(ms, s, sec, leg, from, why, whylen)) != 0)
		return code;
	leg->mux = sdp_rtcp_mux(s, sec) == 1;
	if (st->udp || ML(ms, k)->n_offered == 0)
		return 0;
	lines = xcalloc(SDES_MAX_KEYS, sizeof(*lines));
	n = media_crypto_lines(s, sec, lines, SDES_MAX_KEYS);
	if (n == 0 && sdp_attr_find(s, sec, "crypto") >= 0)
		/* Crypto it sends with, not declined: plain would be noise. */
		code = media_fail(488, why, whylen, "media refused side=%s "
		    "reason=an answer whose crypto line is not valid",
		    media_side_name(from));
	else if (n == 0) {
		if (media_proto_savp(m.proto) ||
		    ms->pol[from].srtp == SRTP_POLICY_MANDATORY)
			code = media_fail(488, why, whylen, "media refused "
			    "side=%s reason=an answer without crypto to an "
			    "SRTP offer", media_side_name(from));
		/* Else opportunistic SRTP declined: a plain leg. */
	} else if ((idx = sdes_answer_check(ML(ms, k)->offered,
	    ML(ms, k)->n_offered, &lines[0], reason, sizeof(reason))) < 0)
		code = media_fail(488, why, whylen, "media refused side=%s "
		    "reason=%s", media_side_name(from), reason);
	else {
		leg->srtp = true;
		media_key_from(&leg->rx, &lines[0]);
		media_key_from(&leg->tx, &ML(ms, k)->offered[idx]);
	}
	media_crypto_clear(lines, n);
	free(lines);
	return code;
}

/* Every stream's answerer leg from answer s: 0 or the refusal. */
static int
media_answerer_legs(struct media_session *ms, const struct sdp *s,
    enum media_side from, char *why, size_t whylen)
{
	size_t	k;
	int	code;

	/*
	 * RFC 3264 §6: as many m= lines as the offer. One more would reach
	 * the offerer as it came, with the answerer's address and keys.
	 */
	if (s->nmedia > ms->offered_nmedia)
		return media_fail(488, why, whylen, "media refused side=%s "
		    "reason=the answer has more m= lines (%zu) than the "
		    "offer (%zu)", media_side_name(from), s->nmedia,
		    ms->offered_nmedia);
	for (k = 0; k < ms->n; k++)
		if (!ms->st[k].rejected && (code = media_answerer_leg(ms, s, k,
		    from, why, whylen)) != 0)
			return code;
	return 0;
}

int
media_reoffer(struct media_session *ms, enum media_side to, char **out,
    size_t *outlen, char *why, size_t whylen)
{
	struct sdp		*s;
	struct sdes_line	*lines, fresh;
	struct media_leg	*leg;
	const char		*err = NULL;
	size_t			 k, n, i;
	int			 code = 0, j, sec, secs[2], side;

	*out = NULL;
	if (ms->pending)
		return media_fail(491, why, whylen, "an offer is pending");
	media_forks_clear(ms);
	if (ms->good_sdp[to] == NULL)
		return media_fail(500, why, whylen, "no settled SDP to offer "
		    "the %s side again", media_side_name(to));
	s = xmalloc(sizeof(*s));
	lines = xcalloc(SDES_MAX_KEYS, sizeof(*lines));
	if ((err = sdp_parse(ms->good_sdp[to], ms->good_len[to], s)) != NULL) {
		code = media_fail(500, why, whylen, "the settled SDP again: %s",
		    err);
		goto out;
	}
	memset(ms->fresh, 0, sizeof(ms->fresh));
	for (k = 0; k < ms->n; k++) {
		leg = &ms->st[k].leg[to];
		media_lines_clear(ms, k);
		if (ms->st[k].rejected || ms->st[k].udp)
			continue;
		/* Fresh keys in the suites, tags and parameters it had. */
		secs[0] = leg->mline;
		secs[1] = leg->alt;
		for (j = 0; j < 2; j++) {
			sec = secs[j];
			if (sec < 0 || (size_t)sec >= s->nmedia ||
			    (n = media_crypto_lines(s, sec, lines,
			    SDES_MAX_KEYS)) == 0)
				continue;
			(void)sdp_attr_remove(s, sec, "crypto");
			for (i = 0; i < n && err == NULL &&
			    ML(ms, k)->n_offered < MEDIA_MAX_OFFERED; i++) {
				if (sdes_keygen(lines[i].suite, &fresh) != NULL)
					continue;
				fresh.tag = lines[i].tag;
				fresh.flags = lines[i].flags;
				err = media_crypto_add(s, sec, &fresh);
				ML(ms, k)->offered[ML(ms, k)->n_offered++] =
				    fresh;
				sdes_clear(&fresh);
			}
			media_crypto_clear(lines, n);
			if (err != NULL)
				goto edit;
			if (j == 1) {
				/* The answer is read on the one with crypto. */
				leg->alt = leg->mline;
				leg->mline = sec;
			}
			break;
		}
	}
	if ((err = media_origin(ms, s, to)) != NULL)
		goto edit;
	if ((code = media_print(s, out, outlen, why, whylen)) != 0)
		goto out;
	ms->offered_nmedia = s->nmedia;
	/* The state is offered anew: no earlier exchange is a refresh now. */
	for (side = 0; side < 2; side++) {
		media_memo_clear(&ms->offers[side]);
		media_memo_clear(&ms->answers[side]);
	}
	ms->pending = ms->own = true;
	ms->refresh = ms->answered = false;
	ms->from = MEDIA_OTHER(to);
	free(ms->offer);
	ms->offer = media_dup(*out, *outlen);
	ms->offer_len = *outlen;
	goto out;
edit:
	code = media_fail(500, why, whylen, "cannot make the offer: %s", err);
out:
	if (code != 0) {
		media_restore(ms);
		for (k = 0; k < ms->n; k++)
			media_lines_clear(ms, k);
	}
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
	free(lines);
	return code;
}

/* The answer to media_reoffer()'s offer: only its side's legs change. */
static int
media_own_answer(struct media_session *ms, enum media_side from,
    const char *body, size_t len, char *why, size_t whylen)
{
	struct sdp	*s = xmalloc(sizeof(*s));
	const char	*err;
	size_t		 k;
	int		 code = 0;

	ms->pending = ms->own = false;
	if ((err = sdp_parse(body, len, s)) != NULL) {
		code = media_fail(400, why, whylen, "SDP answer: %s", err);
		goto out;
	}
	if ((code = media_answerer_legs(ms, s, from, why, whylen)) != 0)
		goto out;
	media_changed(ms);
	media_settle(ms, from, ms->offer, ms->offer_len, NULL, 0);
out:
	if (code != 0)
		media_restore(ms);
	for (k = 0; k < ms->n; k++)
		media_lines_clear(ms, k);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
	return code;
}

int
media_answer(struct media_session *ms, enum media_side from,
    const char *body, size_t len, char **out, size_t *outlen, char *why,
    size_t whylen)
{
	enum media_side		 to = MEDIA_OTHER(from);
	struct sdp		*s = NULL, *o = NULL, *offer = NULL;
	struct sdp_media	 m;
	struct sdes_line	*ans = NULL;
	struct media_memo	*memo = &ms->answers[from];
	const char		*err;
	size_t			 k;
	int			 code = 0, sec, pos;

	*out = NULL;
	if (!ms->pending || ms->from != to)
		return media_fail(400, why, whylen, "an SDP answer without an "
		    "offer");
	if (ms->own)
		return media_own_answer(ms, from, body, len, why, whylen);
	ms->pending = false;
	if (ms->refresh && media_memo_repeat(memo, body, len, out, outlen)) {
		media_unchanged(ms);
		ms->answered = true;
		return 0;
	}
	/*
	 * The answer to a repeated offer changed (a new key, a bumped o=,
	 * as RFC 4568 §7.1.4 allows an answerer on every exchange): it is
	 * taken as an answer to the edge's offer, which is the one that side
	 * had last time, lines and keys still at hand.
	 */
	ms->refresh = false;
	s = xmalloc(sizeof(*s));
	offer = xmalloc(sizeof(*offer));
	if ((err = sdp_parse(body, len, s)) != NULL) {
		code = media_fail(400, why, whylen, "SDP answer: %s", err);
		goto out;
	}
	if ((err = sdp_parse(ms->offer, ms->offer_len, offer)) != NULL) {
		code = media_fail(500, why, whylen, "the offer again: %s", err);
		goto out;
	}
	if ((code = media_answerer_legs(ms, s, from, why, whylen)) != 0)
		goto out;
	/* The offerer's answer, on a copy of the answerer's; from the last. */
	o = xmalloc(sizeof(*o));
	*o = *s;
	ans = xcalloc(1, sizeof(*ans));
	for (k = ms->n; k-- > 0;) {
		struct media_stream	*st = &ms->st[k];
		struct media_leg	*ol = &st->leg[to];

		sec = st->leg[from].mline;
		if (st->leg[from].alt >= 0 &&
		    (err = sdp_media_remove(o, st->leg[from].alt)) != NULL)
			goto edit;
		if (st->leg[from].alt >= 0 && st->leg[from].alt < sec)
			sec--;
		if (st->rejected) {
			if ((err = sdp_media_reject(o, sec)) != NULL)
				goto edit;
		} else {
			(void)sdp_media(offer, ol->mline, &m);
			if ((err = media_section(o, sec, &ms->pol[to], ol->port,
			    st->udp ? NULL : m.proto)) != NULL ||
			    (err = media_old_hold(o, sec, &st->leg[from])) !=
			    NULL)
				goto edit;
			if (ol->srtp) {
				if ((err = sdes_answer(&ML(ms, k)->chosen,
				    ans)) != NULL ||
				    (err = media_crypto_add(o, sec, ans)) !=
				    NULL)
					goto edit;
				media_key_from(&ol->rx, &ML(ms, k)->chosen);
				media_key_from(&ol->tx, ans);
				sdes_clear(ans);
			}
			(void)sdp_attr_remove(o, sec, "rtcp-mux");
			if (ol->mux && (err = sdp_attr_add(o, sec, "rtcp-mux",
			    NULL)) != NULL)
				goto edit;
		}
		/* The other m= of the offerer's dual offer, rejected. */
		if (ol->alt >= 0) {
			pos = ol->alt < ol->mline ? sec : sec + 1;
			if ((err = sdp_media_copy(o, pos, offer,
			    ol->alt)) != NULL ||
			    (err = sdp_media_reject(o, pos)) != NULL)
				goto edit;
			(void)sdp_attr_remove(o, pos, "crypto");
			media_strip_ice(o, pos);
		}
	}
	if ((err = sdp_set_conn(o, SDP_SESSION, ms->pol[to].addr)) != NULL)
		goto edit;
	media_strip_ice(o, SDP_SESSION);
	if ((err = media_origin(ms, o, to)) != NULL)
		goto edit;
	if ((code = media_print(o, out, outlen, why, whylen)) != 0)
		goto out;
	memset(ms->fresh, 0, sizeof(ms->fresh));
	/*
	 * After the offer's first answer (a 183's) the relay has that one,
	 * and a second (the 200's, another peer and key) must reach it too.
	 */
	media_changed(ms);
	media_memo_set(memo, body, len, *out, *outlen);
	ms->answered = true;
	media_settle(ms, to, *out, *outlen, ms->offers[to].out,
	    ms->offers[to].out_len);
	media_fork_keep(ms, memo);
	/*
	 * What was kept for the other way round no longer matches what
	 * the edge has: a repeat of it is a new offer, not a refresh.
	 */
	media_memo_clear(&ms->offers[from]);
	media_memo_clear(&ms->answers[to]);
	goto out;
edit:
	code = media_fail(500, why, whylen, "cannot rewrite the SDP answer: "
	    "%s", err);
out:
	if (code != 0) {
		media_release_fresh(ms);
		media_restore(ms);
		media_memo_clear(&ms->offers[to]);
		if (*out != NULL) {
			OPENSSL_cleanse(*out, *outlen);
			free(*out);
			*out = NULL;
		}
	}
	if (ans != NULL) {
		sdes_clear(ans);
		free(ans);
	}
	if (o != NULL)
		OPENSSL_cleanse(o, sizeof(*o));
	if (s != NULL)
		OPENSSL_cleanse(s, sizeof(*s));
	free(o);
	free(s);
	free(offer);
	return code;
}

int
media_answer_again(struct media_session *ms, enum media_side from,
    const char *body, size_t len, char **out, size_t *outlen, char *why,
    size_t whylen)
{
	struct media_fork	*f = media_fork_find(ms, ms->tag);
	struct media_memo	*memo = &ms->answers[from];

	*out = NULL;
	if (!ms->answered || ms->from != MEDIA_OTHER(from))
		return media_fail(400, why, whylen, "an SDP answer without an "
		    "offer");
	if (f != NULL && f->n == ms->n && (memo->out_len != f->memo.out_len ||
	    memcmp(memo->out, f->memo.out, f->memo.out_len) != 0) &&
	    media_memo_repeat(&f->memo, body, len, out, outlen)) {
		/*
		 * An earlier early dialog's answer again (its 2xx after
		 * another fork's 183): it gets what it had, same keys, and
		 * the relay goes back to its streams.
		 */
		memcpy(ms->st, f->st, f->n * sizeof(*f->st));
		media_changed(ms);
		media_memo_set(memo, f->memo.in, f->memo.in_len, f->memo.out,
		    f->memo.out_len);
		media_settle(ms, MEDIA_OTHER(from), *out, *outlen,
		    ms->offers[MEDIA_OTHER(from)].out,
		    ms->offers[MEDIA_OTHER(from)].out_len);
		return 0;
	}
	if (media_memo_repeat(memo, body, len, out, outlen)) {
		media_unchanged(ms);
		return 0;
	}
	/* Another answer to the same offer (a fork, or the 2xx after a 183). */
	ms->pending = true;
	ms->answered = false;
	return media_answer(ms, from, body, len, out, outlen, why, whylen);
}
