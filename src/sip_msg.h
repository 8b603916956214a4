/* sip_msg.h: libosip2 wrapper: parse, check, answer and serialise SIP. */
#ifndef SIPEDGE_SIP_MSG_H
#define SIPEDGE_SIP_MSG_H

#include <stddef.h>
#include <sys/socket.h>

#include <osipparser2/osip_parser.h>

/*
 * Messages are plain osip_message_t so the proxy can rewrite Contact,
 * Route and Record-Route in place. Every buffer this module hands out
 * (sip_msg_serialize, sip_msg_response_raw) is released with osip_free().
 */

/* One-time libosip2 set-up (parser tables, traces to log_debug); idempotent. */
void		 sip_msg_init(void);

/*
 * Parse one framed message (buf need not be NUL-terminated). Returns NULL
 * with a short reason in why ("missing Call-ID", "CSeq method INVITE does
 * not match request method BYE") when libosip2 refuses it, when Via,
 * From, To, Call-ID, CSeq (for requests the Request-URI) are missing or
 * unusable, or when libosip2 would print it in a form it cannot read
 * back (bad hosts, ports, parameters, Contact, Content-Type, a body
 * without Content-Type). More than 1024 fields and parameters are
 * refused before libosip2, whose lists grow in quadratic time.
 */
osip_message_t	*sip_msg_parse(const char *buf, size_t len, char *why,
		    size_t whylen);
/*
 * The same, with the status a refusal deserves in *code: 400, 505 for
 * another SIP version, 416 for a Request-URI scheme other than sip,
 * sips and tel.
 */
osip_message_t	*sip_msg_parse_code(const char *buf, size_t len, int *code,
		    char *why, size_t whylen);
/*
 * Release a parsed message. Messages from sip_msg_parse keep the bytes
 * they came in, which sip_msg_serialize prints them from: release them
 * here, never with osip_message_free().
 */
void		 sip_msg_free(osip_message_t *);
/* A copy without the received bytes, printed wholly by libosip2. */
int		 sip_msg_clone(const osip_message_t *, osip_message_t **);

/*
 * Print a message, structure edits included. One from sip_msg_parse goes
 * out as it came in, but for the header families the edge changed (see
 * sip_out.c): header order, spelling and the body byte for byte. Others
 * are printed by libosip2 with Content-Length computed from the body.
 * *out is NUL-terminated; release it with osip_free().
 */
int		 sip_msg_serialize(osip_message_t *, char **out,
		    size_t *len);

/* Accessors; method is the CSeq method for responses, status 0 for requests. */
int		 sip_msg_is_request(const osip_message_t *);
const char	*sip_msg_method(const osip_message_t *);
int		 sip_msg_status(const osip_message_t *);
/* The whole Call-ID as sent ("a@b"), for messages from this module. */
const char	*sip_msg_call_id(const osip_message_t *);
/*
 * First value of a header libosip2 keeps as name/value (User-Agent,
 * Max-Forwards, Supported, Expires, ...), matched case-insensitively and
 * by compact form. Headers libosip2 parses into structures (Via, From,
 * To, Call-ID, CSeq, Contact, Route, Content-*, Allow, Accept, auth
 * headers) are NULL here: use their osip_message_t fields.
 */
const char	*sip_msg_header(const osip_message_t *, const char *name);

/*
 * RFC 3581 §4 on the top Via: received=<source address> and
 * rport=<source port>, always, from the connection (design rule 1).
 */
int		 sip_msg_via_received(osip_message_t *,
		    const struct sockaddr *src);

/*
 * RFC 3261 §8.2.6.2 response to req: its Vias in order, From, To (plus
 * ;tag=to_tag if none and code > 100), Call-ID, CSeq, Server and
 * Content-Length 0. reason NULL picks the standard phrase.
 */
osip_message_t	*sip_msg_response(const osip_message_t *req, int code,
		    const char *reason, const char *to_tag);

/*
 * Answer a request libosip2 could not parse, by copying its Via, From,
 * To, Call-ID and CSeq lines. 0 with the response in *out (osip_free()),
 * -1 when too little is readable (or it is an ACK): close the connection.
 */
int		 sip_msg_response_raw(const char *buf, size_t len, int code,
		    const char *reason, char **out, size_t *outlen);

#endif
