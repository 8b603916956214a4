/*
 * sip_raw.c: answering a request libosip2 could not parse, from the raw
 * bytes of its Via, From, To, Call-ID and CSeq lines.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "sip_msg.h"
#include "sip_msg_int.h"
#include "util.h"

/* A bounded output buffer for raw responses. */
struct sip_out {
	char	*p;
	size_t	 n;
	size_t	 cap;
};

/* Headers a raw response copies; bit numbers in a "seen" mask. */
enum sip_raw_kind {
	SIP_RAW_OTHER,
	SIP_RAW_VIA,
	SIP_RAW_FROM,
	SIP_RAW_TO,
	SIP_RAW_CALL_ID,
	SIP_RAW_CSEQ,
	SIP_RAW_BAD,
};
#define SIP_RAW_NEEDED	(1U << SIP_RAW_VIA)
#define SIP_RAW_TAIL	"Server: " SIP_MSG_SERVER "\r\n" \
			"Content-Length: 0\r\n\r\n"

/* Which header a raw line is; SIP_RAW_BAD if needed but unreadable. */
static enum sip_raw_kind
sip_raw_kind(const struct sip_line *l)
{
	static const char *const names[] = { "", "Via", "From", "To",
	    "Call-ID", "CSeq" };
	static const char	 compact[] = " vfti ";
	size_t			 n, c, i;

	n = sip_token_len(l->p, l->n);
	c = n + sip_span(l->p + n, l->n - n, " \t");
	if (n == 0 || c == l->n || l->p[c] != ':')
		return SIP_RAW_OTHER;
	for (i = 1; i < nitems(names); i++) {
		if ((n != strlen(names[i]) || strncasecmp(l->p, names[i], n)) &&
		    (n != 1 || tolower((unsigned char)l->p[0]) != compact[i]))
			continue;
		c++;
		c += sip_span(l->p + c, l->n - c, " \t");
		return c < l->n && sip_text_ok(l->p, l->n) ?
		    (enum sip_raw_kind)i : SIP_RAW_BAD;
	}
	return SIP_RAW_OTHER;
}

/* Whether a raw To line has a tag parameter after its URI. */
static int
sip_raw_has_tag(const struct sip_line *l)
{
	size_t	i, j, s = 0;

	for (i = 0; i < l->n; i++)
		if (l->p[i] == '>')
			s = i;
	for (i = s; i < l->n; i++) {
		if (l->p[i] != ';')
			continue;
		j = i + 1 + sip_span(l->p + i + 1, l->n - i - 1, " \t");
		if (l->n - j < 3 || strncasecmp(l->p + j, "tag", 3) != 0)
			continue;
		j += 3 + sip_span(l->p + j + 3, l->n - j - 3, " \t");
		if (j < l->n && l->p[j] == '=')
			return 1;
	}
	return 0;
}

/* Append n bytes; the buffer was sized for the worst case. */
static void
sip_out_put(struct sip_out *o, const char *s, size_t n)
{
	if (o->cap - o->n <= n)
		fatal("%s: raw response overflows its bound", __func__);
	memcpy(o->p + o->n, s, n);
	o->n += n;
	o->p[o->n] = '\0';
}

/*
 * Copy one header line, adding a To tag if it has none. The tag hashes
 * the whole request: a stateless answer gives a retransmission the same
 * tag (RFC 3261 §8.2.7).
 */
static void
sip_raw_copy(struct sip_out *o, const struct sip_line *l, int kind, int code,
    const char *buf, size_t len)
{
	char		tag[16];
	uint32_t	h = 2166136261U;
	size_t		i;

	sip_out_put(o, l->p, l->n);
	if (kind == SIP_RAW_TO && code > 100 && !sip_raw_has_tag(l)) {
		for (i = 0; i < len; i++)
			h = (h ^ (unsigned char)buf[i]) * 16777619U;
		snprintf(tag, sizeof(tag), ";tag=%08x", (unsigned)h);
		sip_out_put(o, tag, strlen(tag));
	}
	sip_out_put(o, "\r\n", 2);
}

/*
 * Copy the Via (all), From, To, Call-ID and CSeq lines that are there
 * (RFC 4475 §3.1.2.18: a request missing some still deserves its 400);
 * 0 when a Via was, since without one nothing can match the answer.
 * Folded lines are not worth it in a message that is already broken: a
 * folded one of these makes it unanswerable.
 */
static int
sip_raw_headers(struct sip_out *o, const char *buf, size_t len, size_t off,
    int code)
{
	struct sip_line	l;
	unsigned	seen = 0;
	int		kind = SIP_RAW_OTHER;

	while (sip_line_next(buf, len, &off, &l) && l.n > 0) {
		if (l.p[0] == ' ' || l.p[0] == '\t') {
			if (kind != SIP_RAW_OTHER)
				return -1;
			continue;
		}
		if ((kind = sip_raw_kind(&l)) == SIP_RAW_BAD)
			return -1;
		if (kind == SIP_RAW_OTHER ||
		    (kind != SIP_RAW_VIA && (seen & (1U << kind)))) {
			kind = SIP_RAW_OTHER;
			continue;
		}
		seen |= 1U << kind;
		sip_raw_copy(o, &l, kind, code, buf, len);
	}
	return (seen & SIP_RAW_NEEDED) != 0 ? 0 : -1;
}

/* Answer a request libosip2 refused, from its readable header lines. */
int
sip_msg_response_raw(const char *buf, size_t len, int code,
    const char *reason, char **out, size_t *outlen)
{
	struct sip_line	l;
	struct sip_out	o;
	char		status[32];
	size_t		off = 0, m;

	*out = NULL;
	*outlen = 0;
	if (buf == NULL || len > SIZE_MAX / 4 ||
	    (reason = sip_reason(code, reason)) == NULL ||
	    !sip_line_next(buf, len, &off, &l) ||
	    (m = sip_request_line(&l)) == 0)
		return -1;
	/* An ACK is never answered (RFC 3261 §17.2.1). */
	if (m == 3 && memcmp(l.p, "ACK", 3) == 0)
		return -1;
	/* Each copied line grows by at most its CR, and there is one To tag. */
	o.cap = 2 * len + strlen(reason) + 128;
	if ((o.p = osip_malloc(o.cap)) == NULL)
		return -1;
	o.n = 0;
	snprintf(status, sizeof(status), "SIP/2.0 %d ", code);
	sip_out_put(&o, status, strlen(status));
	sip_out_put(&o, reason, strlen(reason));
	sip_out_put(&o, "\r\n", 2);
	if (sip_raw_headers(&o, buf, len, off, code) == -1) {
		osip_free(o.p);
		return -1;
	}
	sip_out_put(&o, SIP_RAW_TAIL, strlen(SIP_RAW_TAIL));
	*out = o.p;
	*outlen = o.n;
	return 0;
}
