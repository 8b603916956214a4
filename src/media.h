/*
 * media.h: media anchoring in SDP (issue 9). Every offer and answer that
 * passes the edge is rewritten so that the media of the call flows
 * through the relay: towards each side the connection address is the
 * relay's address on that side and the port one of its ports; each leg
 * has SRTP keys of its own (the edge answers and offers with fresh keys
 * from OpenSSL's RNG, never passing one side's key to the other); and
 * each side sees the SDP shape it speaks (RTP/SAVP, RTP/AVP with
 * a=crypto, or the dual RTP/SAVP plus RTP/AVP offer of Spectralink).
 *
 * The module does no I/O: relay ports come from the caller's
 * media_ports, and what the relay must do for each stream is read back
 * from the session's streams after an answer (media_stream_*). It never
 * logs; its reasons never hold a key.
 */
#ifndef SIPEDGE_MEDIA_H
#define SIPEDGE_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edge_config.h"
#include "sdes.h"
#include "sdp.h"

#define MEDIA_MAX_STREAMS	8	/* streams of one call */
#define MEDIA_MAX_OFFERED	4	/* crypto lines the edge offers */

/* The two sides of the edge. */
enum media_side {
	MEDIA_PHONE = 0,
	MEDIA_CARRIER = 1,
};
#define MEDIA_OTHER(s)	((s) == MEDIA_PHONE ? MEDIA_CARRIER : MEDIA_PHONE)

/* How a side is spoken to: from [phones] and the profile, or a carrier file. */
struct media_policy {
	enum srtp_policy	 srtp;		/* what this side must do */
	/*
	 * The shape of the edge's offers to this side: SAVP, AVP with
	 * crypto, or (phones only) the dual SAVP plus AVP. A carrier with
	 * srtp = optional is offered AVP with crypto (RFC 8643) whatever
	 * its profile; srtp = off is plain RTP/AVP.
	 */
	enum sdp_shape		 shape;
	enum sdes_suite		 suites[SDES_SUITE_COUNT];	/* preferred first */
	size_t			 n_suites;
	char			 addr[SDP_ADDR_MAX];	/* relay address in SDP */
};

/* Relay ports, one RTP port (RTCP is the next) per side and stream. */
struct media_ports {
	/* A port for a stream on a side; 0, or -1 with why (exhausted). */
	int	(*alloc)(void *, size_t stream, enum media_side, unsigned *port,
		    char *why, size_t whylen);
	void	(*release)(void *, size_t stream, enum media_side,
		    unsigned port);
	void	*arg;
};

/* The keys of one direction of a leg. */
struct media_key {
	enum sdes_suite	 suite;
	unsigned	 flags;				/* SDES_F_* */
	unsigned char	 keysalt[SDES_KEYSALT_MAX];	/* secret */
	size_t		 keysalt_len;
	uint32_t	 wsh;		/* the line's WSH=, 0: none */
};

/* One side of one stream. */
struct media_leg {
	unsigned	 port;		/* the relay's RTP port on this side */
	char		 peer[SDP_ADDR_MAX];	/* where this side receives */
	unsigned	 peer_port;
	unsigned	 peer_rtcp_port;
	bool		 mux;		/* rtcp-mux on this leg */
	bool		 srtp;		/* false: plain RTP (or UDP) */
	struct media_key rx;		/* what this side protects with */
	struct media_key tx;		/* what the edge protects with to it */
	int		 mline;		/* its m= in this side's SDP */
	int		 alt;		/* the other m= of a dual shape, -1 */
	enum sdp_dir	 dir;		/* in this side's last SDP */
};

/* One stream of a call: a leg on each side. */
struct media_stream {
	bool		 rejected;	/* port 0 */
	bool		 udp;		/* not RTP (T.38 udptl): plain UDP */
	bool		 changed;	/* keys or peers changed in the last
					 * answer: the relay must follow */
	struct media_leg leg[2];	/* by enum media_side */
};

struct media_session;

struct media_session *media_session_new(const struct media_policy *phone,
		    const struct media_policy *carrier,
		    const struct media_ports *);
/* Release the session, its relay ports and its keys. NULL is fine. */
void		 media_session_free(struct media_session *);

/*
 * An offer from one side: the offer for the other side into *out
 * (malloc'd, *outlen bytes). Returns 0, or the SIP status the offer must
 * be refused with (400 unparsable, 488 a side's SRTP policy cannot be
 * met or unknown media, 503 no relay port) and why. An offer while
 * another is pending is refused with 491.
 */
int		 media_offer(struct media_session *, enum media_side from,
		    const char *body, size_t len, char **out, size_t *outlen,
		    char *why, size_t whylen);
/*
 * The answer from one side to the edge's offer: the answer for the
 * offerer into *out. Returns 0 or a status as media_offer() (an answer
 * that breaks its side's policy: 488); the offer is no longer pending
 * either way.
 */
int		 media_answer(struct media_session *, enum media_side from,
		    const char *body, size_t len, char **out, size_t *outlen,
		    char *why, size_t whylen);
/*
 * An answer after the offer has had one: a 183's answer repeated in the
 * 2xx (the same body gets the same answer, same keys), or a different
 * answer to the same offer (another early dialog, a 2xx unlike its
 * 183), which then replaces the first. 400 when no answer was given to
 * the last offer of the other side.
 */
int		 media_answer_again(struct media_session *, enum media_side from,
		    const char *body, size_t len, char **out, size_t *outlen,
		    char *why, size_t whylen);
/*
 * The early dialog (the answerer's To tag; NULL: none) the answers given
 * from now on come in. Each dialog keeps its answer: after another
 * fork's, its own again gets what it had, keys and all, and the streams
 * go back to it.
 */
void		 media_answer_dialog(struct media_session *, const char *tag);
/*
 * The edge's own offer to side `to` of what the relay has (the last
 * exchange that completed), with fresh keys: for a side left believing
 * in an answer the edge refused. Its answer goes to media_answer(),
 * which then changes only that side's legs and gives no SDP back (*out
 * stays NULL); media_offer_failed() when it gets none. 491 while an
 * offer is pending, 500 when nothing has been settled yet.
 */
int		 media_reoffer(struct media_session *, enum media_side to,
		    char **out, size_t *outlen, char *why, size_t whylen);
/* Is the pending offer the edge's own (media_reoffer)? */
bool		 media_own_pending(const struct media_session *);
/* Did the last offer get its answer (so media_answer_again applies)? */
bool		 media_answered(const struct media_session *,
		    enum media_side *offerer);
/* The pending offer was refused or withdrawn (a 4xx, a CANCEL). */
void		 media_offer_failed(struct media_session *);
/* Is an offer waiting for its answer, and from which side? */
bool		 media_offer_pending(const struct media_session *,
		    enum media_side *from);

/*
 * Does some stream that was not rejected go both ways: sendrecv in each
 * side's last SDP, neither side holding with c=0.0.0.0 or :: (RFC 2543)? A
 * call without one is on hold, and silence is then what is expected.
 */
bool		 media_flowing(const struct media_session *);

/* The streams as the last answer left them. */
size_t		 media_stream_count(const struct media_session *);
struct media_stream *media_stream_get(struct media_session *, size_t);

#endif
