/*
 * sdp_edit.c: the edits a media-anchoring proxy makes to SDP, each one
 * splicing new bytes into the lines it names (a port, an address, an
 * attribute) so that everything else in those lines and every other line
 * stays as the peer wrote it.
 *
 * Whatever a caller hands in is checked before it reaches a line: an
 * address must be an IP literal, names tokens, values free of line
 * breaks and control characters, so no edit can smuggle a new line into
 * the body.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "sdp.h"
#include "sdp_int.h"

/* One piece of a line, as a part. */
#define SDP_PART(p, n)	((struct sdp_part){ (p), (n) })
/* A NUL-terminated string, as a part. */
#define SDP_STR(s)	SDP_PART((s), strlen(s))

/* 1 if a value may go into an a= line: no control character but TAB. */
static int
sdp_value_ok(const char *v)
{
	for (; *v != '\0'; v++)
		if (((unsigned char)*v < 0x20 && *v != '\t') || *v == 0x7f)
			return 0;
	return 1;
}

/* 1 if media names a media section. */
static int
sdp_media_ok(const struct sdp *s, int media)
{
	return media >= 0 && (size_t)media < s->nmedia;
}

/* Replace text[span] of a line with rep. */
static const char *
sdp_splice(struct sdp *s, size_t line, struct sdp_span span, const char *rep)
{
	struct sdp_part	 parts[3];
	const char	*t;
	size_t		 n;

	t = sdp_line_text(s, (int)line, &n);
	parts[0] = SDP_PART(t, span.off);
	parts[1] = SDP_STR(rep);
	parts[2] = SDP_PART(t + span.off + span.len, n - span.off - span.len);
	return sdp_line_build(s, line, parts, 3);
}

/* Where a new c= line goes: after the last line of the types before it. */
static size_t
sdp_conn_place(const struct sdp *s, int media)
{
	const char	*before = media == SDP_SESSION ? "vosiuep" : "mi";
	size_t		 first, end, i, at;
	char		 type;

	(void)sdp_section(s, media, &first, &end);
	at = first + 1;
	for (i = first; i < end; i++)
		if ((type = sdp_line_type(s, (int)i)) != '\0' &&
		    strchr(before, type) != NULL)
			at = i + 1;
	return at;
}

/* Set or add a section's c= line; see sdp.h. */
const char *
sdp_set_conn(struct sdp *s, int media, const char *addr)
{
	struct sdp_part	 parts[4];
	struct sdp_conn	 c;
	struct sdp_span	 tail;
	struct in6_addr	 a6;
	struct in_addr	 a4;
	const char	*type, *t, *err;
	char		 rep[SDP_ADDR_MAX + 16];
	size_t		 n;
	int		 line;

	if (addr == NULL)
		return "no address for c=";
	if (inet_pton(AF_INET, addr, &a4) == 1)
		type = "IP4";
	else if (inet_pton(AF_INET6, addr, &a6) == 1)
		type = "IP6";
	else
		return "c= address is not an IPv4 or IPv6 address";
	if (media != SDP_SESSION && !sdp_media_ok(s, media))
		return "no such SDP media section";
	if ((line = sdp_line_find(s, media, 'c')) < 0) {
		parts[0] = SDP_STR("c=IN ");
		parts[1] = SDP_STR(type);
		parts[2] = SDP_STR(" ");
		parts[3] = SDP_STR(addr);
		return sdp_line_insert(s, sdp_conn_place(s, media), parts, 4);
	}
	t = sdp_line_text(s, line, &n);
	if ((err = sdp_parse_c(t, n, &c, &tail)) != NULL)
		return err;
	(void)snprintf(rep, sizeof(rep), "IN %s %s", type, addr);
	return sdp_splice(s, (size_t)line, tail, rep);
}

/* Set a media port, and /nports; see sdp.h. */
const char *
sdp_media_set_port(struct sdp *s, int media, unsigned port, unsigned nports)
{
	struct sdp_media	 m;
	struct sdp_span		 pspan, proto;
	const char		*t, *err;
	char			 rep[16];
	size_t			 n;

	if (!sdp_media_ok(s, media))
		return "no such SDP media section";
	if (port > 65535 || nports > 65535)
		return "port out of range";
	t = sdp_line_text(s, (int)s->mline[media], &n);
	if ((err = sdp_parse_m(t, n, &m, &pspan, &proto)) != NULL)
		return err;
	/* Only a rejected stream may go without formats (sdp_parse_m). */
	if (port != 0 && m.nfmt == 0)
		return "m= line has no formats";
	if (nports > 1)
		(void)snprintf(rep, sizeof(rep), "%u/%u", port, nports);
	else
		(void)snprintf(rep, sizeof(rep), "%u", port);
	return sdp_splice(s, s->mline[media], pspan, rep);
}

/* Set a media proto; see sdp.h. */
const char *
sdp_media_set_proto(struct sdp *s, int media, const char *proto)
{
	struct sdp_media	 m;
	struct sdp_span		 pspan, prspan;
	const char		*t, *err;
	size_t			 n;

	if (!sdp_media_ok(s, media))
		return "no such SDP media section";
	if (proto == NULL || !sdp_proto_ok(proto, strlen(proto), SDP_TOKEN_MAX))
		return "not an m= proto";
	t = sdp_line_text(s, (int)s->mline[media], &n);
	if ((err = sdp_parse_m(t, n, &m, &pspan, &prspan)) != NULL)
		return err;
	return sdp_splice(s, s->mline[media], prspan, proto);
}

/* Port 0 for a media section; see sdp.h. */
const char *
sdp_media_reject(struct sdp *s, int media)
{
	return sdp_media_set_port(s, media, 0, 0);
}

/* Remove the a= lines of a name from a section; see sdp.h. */
size_t
sdp_attr_remove(struct sdp *s, int media, const char *name)
{
	size_t	first, end, i, n = 0;

	if (!sdp_section(s, media, &first, &end))
		return 0;
	/* Backwards, so the lines still to look at keep their numbers. */
	for (i = end; i > first; i--)
		if (sdp_attr_is(s, i - 1, name)) {
			sdp_line_delete(s, i - 1);
			n++;
		}
	return n;
}

/* Remove one a= line; see sdp.h. */
const char *
sdp_attr_remove_line(struct sdp *s, int line)
{
	if (sdp_line_type(s, line) != 'a')
		return "not an a= line";
	sdp_line_delete(s, (size_t)line);
	return NULL;
}

/* Add an a= line to a section; see sdp.h. */
const char *
sdp_attr_add(struct sdp *s, int media, const char *name, const char *value)
{
	struct sdp_part	parts[4];
	size_t		first, end, at, i, np = 2;

	if (name == NULL || !sdp_token_ok(name, strlen(name), SDP_MAX_BODY))
		return "attribute name is not a token";
	if (value != NULL && !sdp_value_ok(value))
		return "control character in an attribute value";
	if (!sdp_section(s, media, &first, &end))
		return "no such SDP media section";
	at = end;
	for (i = end; i > first; i--)
		if (sdp_line_type(s, (int)i - 1) == 'a') {
			at = i;
			break;
		}
	parts[0] = SDP_STR("a=");
	parts[1] = SDP_STR(name);
	if (value != NULL) {
		parts[np++] = SDP_STR(":");
		parts[np++] = SDP_STR(value);
	}
	return sdp_line_insert(s, at, parts, np);
}

/* Replace the value of an a= line; see sdp.h. */
const char *
sdp_attr_set(struct sdp *s, int line, const char *value)
{
	struct sdp_part	 parts[3];
	const char	*t, *v;
	size_t		 n, np = 1;

	if (sdp_line_type(s, line) != 'a')
		return "not an a= line";
	if (value != NULL && !sdp_value_ok(value))
		return "control character in an attribute value";
	t = sdp_line_text(s, line, &n);
	v = sdp_attr_value(s, line);
	parts[0] = SDP_PART(t, v != NULL ? (size_t)(v - 1 - t) : n);
	if (value != NULL) {
		parts[np++] = SDP_STR(":");
		parts[np++] = SDP_STR(value);
	}
	return sdp_line_build(s, (size_t)line, parts, np);
}

/*
 * Add one to the decimal digits in[0..n), into out[outlen]: "9" gives
 * "10", and a sess-version past 2^64 carries on as text.
 */
static const char *
sdp_decimal_inc(const char *in, size_t n, char *out, size_t outlen)
{
	size_t	i;

	if (n + 2 > outlen)
		return "o= version too long";
	memcpy(out + 1, in, n);
	out[n + 1] = '\0';
	for (i = n; i > 0; i--) {
		if (out[i] != '9') {
			out[i]++;
			memmove(out, out + 1, n + 1);
			return NULL;
		}
		out[i] = '0';
	}
	/* All nines: one digit more. */
	out[0] = '1';
	return NULL;
}

/* Bump the o= sess-version; see sdp.h. */
const char *
sdp_origin_bump(struct sdp *s)
{
	struct sdp_origin	 o;
	struct sdp_span		 v;
	const char		*t, *err;
	char			 num[SDP_NUM_MAX + 1];
	size_t			 n;
	int			 line;

	if ((line = sdp_line_find(s, SDP_SESSION, 'o')) < 0)
		return "no o= line";
	t = sdp_line_text(s, line, &n);
	if ((err = sdp_parse_o(t, n, &o, &v)) != NULL)
		return err;
	if ((err = sdp_decimal_inc(t + v.off, v.len, num, sizeof(num))) != NULL)
		return err;
	/* What parses next time: the version must still fit its field. */
	if (strlen(num) >= SDP_NUM_MAX)
		return "o= version too long";
	return sdp_splice(s, (size_t)line, v, num);
}
