/*
 * sip_hdr.h: the header surgery of a proxy on libosip2 messages: Via,
 * Max-Forwards, Route and Record-Route, and hop-by-hop CANCEL and ACK
 * (REGISTER Contacts are in sip_contact.h). No I/O; every function works on a
 * message and is unit-tested on canned ones.
 *
 * URIs the edge writes carry a "sipedge" URI parameter so the edge knows
 * them again when they come back in a Route or Request-URI:
 *	sipedge=p	faces the phones; the user part is the flow token
 *	sipedge=c-NAME	faces carrier NAME
 *	sipedge=r-LINE	a registration Contact; the user part is the flow
 *			token, LINE tells the lines of one phone apart
 */
#ifndef SIPEDGE_SIP_HDR_H
#define SIPEDGE_SIP_HDR_H

#include <stddef.h>
#include <stdint.h>

#include <osipparser2/osip_message.h>

#define SIP_HDR_PARAM		"sipedge"
#define SIP_HDR_BRANCH_PREFIX	"z9hG4bKse"	/* RFC 3261 cookie + ours */
#define SIP_HDR_BRANCH_MAX	48
#define SIP_HDR_NAME_MAX	64

/* Who the edge is, as the connection a message came in on sees it. */
struct sip_hdr_self {
	const char *const	*hosts;		/* names and addresses, configured
						 * and of carrier connections */
	size_t			 n_hosts;
	const uint16_t		*ports;		/* listen and advertised ports */
	size_t			 n_ports;
	const char		*local_host;	/* of this connection */
	uint16_t		 local_port;
};

/* What the edge's own Route entries said. */
struct sip_hdr_routed {
	int	n_popped;
	char	token[SIP_HDR_NAME_MAX];	/* from sipedge=p, or "" */
	char	carrier[SIP_HDR_NAME_MAX];	/* from sipedge=c-NAME, or "" */
};

/* A fresh branch: SIP_HDR_BRANCH_PREFIX and 20 random hex digits. */
void	sip_hdr_branch_new(char *buf, size_t len);
/*
 * A branch for forwarding m that tells a loop from a spiral (RFC 3261
 * §16.6 item 8): SIP_HDR_BRANCH_PREFIX, 16 hex digits hashing what a loop
 * leaves unchanged (Request-URI, From and To tags, Call-ID, CSeq number,
 * the top Via as received), '.', 16 random hex digits. Call it on the
 * request as received (our Route entries popped), before any rewriting.
 */
void	sip_hdr_branch_loop(const osip_message_t *m, char *buf, size_t len);
/* The branch of the Via at pos (0 = top), or NULL. */
const char *sip_hdr_via_branch(const osip_message_t *, int pos);
/* Put "SIP/2.0/TLS host:port;branch=B;rport" on top. */
int	sip_hdr_via_push(osip_message_t *, const char *host, uint16_t port,
	    const char *branch);
/* Remove the top Via; -1 when there is none. */
int	sip_hdr_via_pop(osip_message_t *);
/* Set the CSeq number of a message that has a CSeq. */
void	sip_hdr_cseq_set(osip_message_t *, unsigned long);
/*
 * Has the request looped? A Via of ours (our prefix, one of our hosts)
 * whose loop hash still matches the request: it came back unchanged. A
 * retargeted request (a spiral: the carrier calls another phone behind
 * the edge) and branches without a hash are not loops.
 */
int	sip_hdr_via_loops(const osip_message_t *, const struct sip_hdr_self *);

/*
 * Max-Forwards: absent means 70. Returns the value before decrementing;
 * 0 means the request must not go further (483).
 */
int	sip_hdr_max_forwards(osip_message_t *);

/*
 * Does this URI name one of the edge's hosts (any port)? Without case and
 * IPv6 brackets; IPv6 addresses compare as addresses.
 */
int	sip_hdr_host_is_self(const osip_uri_t *, const struct sip_hdr_self *);
/* Is this URI the edge's own (marked, or one of its hosts and ports)? */
int	sip_hdr_uri_is_self(const osip_uri_t *, const struct sip_hdr_self *);
/* The value of the sipedge parameter, or NULL. */
const char *sip_hdr_uri_mark(const osip_uri_t *);
/* Remove the leading Route entries that are the edge's; say what they carried. */
int	sip_hdr_routes_pop_self(osip_message_t *, const struct sip_hdr_self *,
	    struct sip_hdr_routed *);
/* Put a Record-Route entry (a URI string) on top. */
int	sip_hdr_rr_push(osip_message_t *, const char *uri);
/* Put a Path entry (a URI string) on top. */
int	sip_hdr_path_push(osip_message_t *, const char *uri);

/* "sip:user@host" of a To/From: scheme, user, lower-case host; caller frees. */
char	*sip_hdr_aor(const osip_from_t *);
/* The To tag, or NULL. */
const char *sip_hdr_to_tag(const osip_message_t *);
/* The From tag, or NULL. */
const char *sip_hdr_from_tag(const osip_message_t *);
/* m's Request-URI and Route headers become copies of from's (0 or -1). */
int	sip_hdr_set_target(osip_message_t *, const osip_message_t *from);
/* Replace the Request-URI with a parsed URI string. */
int	sip_hdr_set_request_uri(osip_message_t *, const char *uri);
/* Host of the Request-URI, or NULL. */
const char *sip_hdr_ruri_host(const osip_message_t *);

/*
 * Hop-by-hop requests built from the INVITE as the edge forwarded it
 * (RFC 3261 §9.1, §17.1.1.3): same Request-URI, top Via (branch), From,
 * Call-ID, CSeq number and Route; CANCEL keeps the request's To, ACK takes
 * the To of the final response.
 */
osip_message_t *sip_hdr_build_cancel(const osip_message_t *invite);
osip_message_t *sip_hdr_build_ack(const osip_message_t *invite,
	    const osip_message_t *response);

#endif
