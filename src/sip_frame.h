/*
 * sip_frame.h: find where one SIP message ends on a stream transport
 * (RFC 3261 §18.3, §7.5) and tell keep-alives (RFC 5626 §4.4.1, §5.4)
 * apart from messages. The connection code hands over the bytes it has
 * buffered and consumes what comes back; nothing is allocated or copied.
 */
#ifndef SIPEDGE_SIP_FRAME_H
#define SIPEDGE_SIP_FRAME_H

#include <stddef.h>

/* What the bytes at the front of the buffer are. */
enum sip_frame_kind {
	SIP_FRAME_NEED_MORE,	/* not complete yet: read more */
	SIP_FRAME_MESSAGE,	/* len bytes are one whole message (headers + body) */
	SIP_FRAME_PING,		/* CRLFCRLF keep-alive (4 bytes): answer one CRLF at once */
	SIP_FRAME_PONG,		/* a lone CRLF (2 bytes) or LF (1 byte): a pong or a
				   stray line end before a message: drop it */
	SIP_FRAME_TOO_BIG,	/* headers or Content-Length exceed max: close */
	SIP_FRAME_BAD,		/* not a SIP message: close */
};

/*
 * The result of one call. header_len and content_length are also filled
 * for NEED_MORE once the header block is complete (the caller then knows
 * how much body is still to come), and content_length for a TOO_BIG body;
 * otherwise they are 0.
 */
struct sip_frame {
	enum sip_frame_kind	 kind;
	size_t			 len;		/* bytes to consume: MESSAGE/PING/PONG */
	size_t			 header_len;	/* up to and including the blank line */
	size_t			 content_length;
	size_t			 resume;	/* NEED_MORE: see sip_frame_next_from */
	const char		*why;		/* TOO_BIG/BAD: static reason to log */
};

/*
 * Classify the first unit in buf[0..len). max caps header block plus body;
 * a Content-Length that cannot fit is refused as soon as the headers are
 * in, before any of the body is buffered. Reads no byte at or past len.
 */
void	sip_frame_next(const char *buf, size_t len, size_t max,
	    struct sip_frame *out);

/*
 * The same, skipping the first from bytes, which an earlier NEED_MORE for
 * this buffer start has already checked (its out->resume, 0 to check all).
 * Rescanning from 0 on every read is O(len) per call, but a peer that
 * sends a large header block one byte per TLS record would make it
 * quadratic; resuming keeps the work linear. Once NEED_MORE reports a
 * header_len, no call is needed until header_len + content_length bytes
 * are buffered.
 */
void	sip_frame_next_from(const char *buf, size_t len, size_t max,
	    size_t from, struct sip_frame *out);

#endif
