/*
 * sip_frame.c: SIP message boundaries on a byte stream.
 *
 * Over TLS a message ends where its Content-Length says (RFC 3261 §18.3);
 * keep-alives are a CRLFCRLF ping answered by a CRLF pong (RFC 5626
 * §4.4.1, §5.4), and CRLFs before a start line are ignored (§7.5). This
 * is the first code to see a peer's bytes, so it checks just enough to
 * refuse what is not SIP (TLS inside TLS, HTTP, binary noise) and bodies
 * that would not fit before buffering them; full parsing is sip_msg's.
 *
 * Every call is O(len), keeps no state between calls, allocates nothing
 * and reads no byte at or past len; sip_frame_next_from lets the caller
 * carry the one number that keeps a slow header block from being
 * rescanned on every read.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "sip_frame.h"

/* Whether c may appear in an RFC 3261 token (method, header name). */
static int
sip_frame_token(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("-.!%*_+`'~", c) != NULL;
}

/* Whether c is linear white space within a line. */
static int
sip_frame_sp(char c)
{
	return c == ' ' || c == '\t';
}

/* ASCII case-insensitive comparison of n bytes, independent of locale. */
static int
sip_frame_ieq(const char *p, const char *s, size_t n)
{
	size_t		i;
	unsigned char	a, b;

	for (i = 0; i < n; i++) {
		a = (unsigned char)p[i];
		b = (unsigned char)s[i];
		if (a >= 'A' && a <= 'Z')
			a += 'a' - 'A';
		if (b >= 'A' && b <= 'Z')
			b += 'a' - 'A';
		if (a != b)
			return 0;
	}
	return 1;
}

/* Fill in a result without header information. */
static void
sip_frame_set(struct sip_frame *out, enum sip_frame_kind kind, size_t len,
    const char *why)
{
	out->kind = kind;
	out->len = len;
	out->why = why;
}

/*
 * Recognise a keep-alive or stray line end at the front of the buffer;
 * returns 0 when a start line begins there instead. A CRLF that ends the
 * buffer is reported as a pong; a caller that never pings (the phone side)
 * may instead wait for more, since it may be half a ping split by a TLS
 * record boundary. A bare LF is dropped as stray, as Kamailio does.
 */
static int
sip_frame_keepalive(const char *buf, size_t len, struct sip_frame *out)
{
	if (buf[0] == '\n')
		sip_frame_set(out, SIP_FRAME_PONG, 1, NULL);
	else if (buf[0] != '\r')
		return 0;
	else if (len < 2)
		sip_frame_set(out, SIP_FRAME_NEED_MORE, 0, NULL);
	else if (buf[1] != '\n')
		sip_frame_set(out, SIP_FRAME_BAD, 0, "bare CR before start line");
	else if (len == 2 || buf[2] != '\r')
		sip_frame_set(out, SIP_FRAME_PONG, 2, NULL);
	else if (len == 3)
		sip_frame_set(out, SIP_FRAME_NEED_MORE, 0, NULL);
	else if (buf[3] == '\n')
		sip_frame_set(out, SIP_FRAME_PING, 4, NULL);
	else
		sip_frame_set(out, SIP_FRAME_PONG, 2, NULL);
	return 1;
}

/*
 * Whether the first line (n bytes, no line end) starts a SIP message: a
 * Status-Line ("SIP/" first), or a method token, SP, and a last word
 * that is a SIP version ("SIP/...", trailing white space tolerated). A
 * line that gets the rest wrong (spaces, another version, a bad
 * Request-URI) is still framed: sip_msg answers it with 400 or 505 and
 * the connection, which is the phone's flow, stays. An incomplete line
 * is checked as far as it goes, so HTTP, TLS records and noise are
 * refused without waiting for the rest.
 */
static int
sip_frame_start_line(const char *p, size_t n, int complete)
{
	static const char	 ver[] = "SIP/";
	const size_t		 vl = sizeof(ver) - 1;
	size_t			 i, m;

	m = n < vl ? n : vl;
	if (sip_frame_ieq(p, ver, m) && (m == vl || !complete))
		return 0;
	for (i = 0; i < n && sip_frame_token(p[i]); i++)
		;
	if (i == n)
		return complete ? -1 : 0;
	if (i == 0 || p[i] != ' ')
		return -1;
	if (!complete)
		return 0;
	while (n > i && sip_frame_sp(p[n - 1]))
		n--;
	for (m = n; m > i && p[m - 1] != ' ' && p[m - 1] != '\t'; m--)
		;
	if (m == i + 1 || n - m < vl || !sip_frame_ieq(p + m, ver, vl))
		return -1;
	return 0;
}

/* Length of the line from start to the LF at end, without a CR before it. */
static size_t
sip_frame_line_len(const char *buf, size_t start, size_t end)
{
	if (end > start && buf[end - 1] == '\r')
		end--;
	return end - start;
}

/*
 * Find the end of the header block: the first empty line (CRLF or bare
 * LF) within max bytes. The start line is refused as soon as it is
 * complete if it does not start a SIP message; control characters and
 * bare CRs do not lose the framing (sip_msg answers them with 400).
 * Scanning starts at *ls, the start of a line after the start line that
 * an earlier scan reached, or 0. Returns MESSAGE with *hlen set when
 * found, else NEED_MORE (with *ls where to resume), TOO_BIG or BAD.
 */
static enum sip_frame_kind
sip_frame_scan(const char *buf, size_t len, size_t max, size_t *ls,
    size_t *hlen, const char **why)
{
	size_t		 n = len < max ? len : max, i;
	const char	*lf;

	while (*ls < n && (lf = memchr(buf + *ls, '\n', n - *ls)) != NULL) {
		i = (size_t)(lf - buf);
		if (*ls == 0) {
			if (sip_frame_start_line(buf,
			    sip_frame_line_len(buf, 0, i), 1) == -1)
				goto start;
		} else if (sip_frame_line_len(buf, *ls, i) == 0) {
			*hlen = i + 1;
			return SIP_FRAME_MESSAGE;
		}
		*ls = i + 1;
	}
	if (*ls == 0 && sip_frame_start_line(buf,
	    sip_frame_line_len(buf, 0, n), 0) == -1)
		goto start;
	if (len < max)
		return SIP_FRAME_NEED_MORE;
	*why = "header block exceeds maximum size";
	return SIP_FRAME_TOO_BIG;
start:
	*why = "not a SIP start line";
	return SIP_FRAME_BAD;
}

/* Index just past the LF that ends the line holding p[i], or n. */
static size_t
sip_frame_eol(const char *p, size_t n, size_t i)
{
	const char	*lf = memchr(p + i, '\n', n - i);

	return lf == NULL ? n : (size_t)(lf - p) + 1;
}

/* Skip LWS: SP and HT, and line folds (a line end followed by SP or HT). */
static size_t
sip_frame_lws(const char *p, size_t n, size_t i)
{
	for (;;) {
		if (i < n && sip_frame_sp(p[i]))
			i++;
		else if (i + 2 < n && p[i] == '\r' && p[i + 1] == '\n' &&
		    sip_frame_sp(p[i + 2]))
			i += 3;
		else if (i + 1 < n && p[i] == '\n' && sip_frame_sp(p[i + 1]))
			i += 2;
		else
			return i;
	}
}

/*
 * Parse a Content-Length value at p[*i] (just past the colon): digits
 * with LWS around them, then the line end. *i is left on the LF.
 */
static int
sip_frame_cl_value(const char *p, size_t n, size_t *i, size_t *v,
    const char **why)
{
	size_t	k = sip_frame_lws(p, n, *i), d;

	*v = 0;
	if (k == n || p[k] < '0' || p[k] > '9')
		goto nan;
	for (; k < n && p[k] >= '0' && p[k] <= '9'; k++) {
		d = (size_t)(p[k] - '0');
		if (*v > (SIZE_MAX - d) / 10) {
			*why = "Content-Length out of range";
			return -1;
		}
		*v = *v * 10 + d;
	}
	k = sip_frame_lws(p, n, k);
	if (k < n && p[k] == '\r')
		k++;
	if (k == n || p[k] != '\n')
		goto nan;
	*i = k;
	return 0;
nan:
	*why = "Content-Length is not a number";
	return -1;
}

/*
 * Look at the header line starting at p[*i]. Returns 1 with *v for a
 * Content-Length (or compact l), 0 for any other line (continuation lines
 * and the blank line have no name), -1 when a Content-Length is malformed.
 */
static int
sip_frame_header(const char *p, size_t n, size_t *i, size_t *v,
    const char **why)
{
	size_t	k;

	for (k = *i; k < n && sip_frame_token(p[k]); k++)
		;
	if (!(k - *i == 1 && sip_frame_ieq(p + *i, "l", 1)) &&
	    !(k - *i == 14 && sip_frame_ieq(p + *i, "content-length", 14)))
		return 0;
	while (k < n && sip_frame_sp(p[k]))
		k++;
	if (k == n || p[k] != ':') {
		*why = "malformed Content-Length";
		return -1;
	}
	*i = k + 1;
	return sip_frame_cl_value(p, n, i, v, why) == -1 ? -1 : 1;
}

/*
 * Find the Content-Length in a complete header block of n bytes. None
 * means 0, tolerated as Kamailio does; repeats must agree, or two parsers
 * along the path could disagree on where this message ends.
 */
static enum sip_frame_kind
sip_frame_content_length(const char *p, size_t n, size_t *cl,
    const char **why)
{
	size_t	i, v;
	int	seen = 0, r;

	*cl = 0;
	for (i = sip_frame_eol(p, n, 0); i < n; i = sip_frame_eol(p, n, i)) {
		if ((r = sip_frame_header(p, n, &i, &v, why)) == -1)
			return SIP_FRAME_BAD;
		if (r == 0)
			continue;
		if (seen && v != *cl) {
			*why = "conflicting Content-Length headers";
			return SIP_FRAME_BAD;
		}
		*cl = v;
		seen = 1;
	}
	return SIP_FRAME_MESSAGE;
}

/* Classify the first unit in buf[0..len); see sip_frame.h. */
void
sip_frame_next(const char *buf, size_t len, size_t max, struct sip_frame *out)
{
	sip_frame_next_from(buf, len, max, 0, out);
}

/* Classify, skipping what an earlier NEED_MORE checked; see sip_frame.h. */
void
sip_frame_next_from(const char *buf, size_t len, size_t max, size_t from,
    struct sip_frame *out)
{
	enum sip_frame_kind	kind;
	size_t			hlen, cl;

	memset(out, 0, sizeof(*out));
	out->kind = SIP_FRAME_NEED_MORE;
	if (len == 0 || sip_frame_keepalive(buf, len, out))
		return;
	if (from > len || from > max)
		from = 0;
	kind = sip_frame_scan(buf, len, max, &from, &hlen, &out->why);
	if (kind == SIP_FRAME_NEED_MORE)
		out->resume = from;
	if (kind == SIP_FRAME_MESSAGE)
		kind = sip_frame_content_length(buf, hlen, &cl, &out->why);
	if (kind != SIP_FRAME_MESSAGE) {
		out->kind = kind;
		return;
	}
	out->header_len = hlen;
	out->content_length = cl;
	/* hlen <= max: the scan looks no further than max bytes. */
	if (cl > max - hlen)
		sip_frame_set(out, SIP_FRAME_TOO_BIG, 0,
		    "Content-Length exceeds maximum size");
	else if (cl > len - hlen)
		out->kind = SIP_FRAME_NEED_MORE;
	else
		sip_frame_set(out, SIP_FRAME_MESSAGE, hlen + cl, NULL);
}
