/*
 * sdp_field.c: the fields of SDP lines (RFC 8866 §5, §9), read from a
 * line's raw text each time they are asked for, so that an edit never
 * leaves a parsed copy behind that disagrees with the line.
 *
 * Fields are separated by one space in the grammar; runs of spaces and
 * trailing spaces, which some phones send, are accepted. The o=, c= and
 * m= parsers here are also what sdp_parse() checks those lines with.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "sdp.h"
#include "sdp_int.h"

/* The direction attributes, in enum sdp_dir order. */
static const char *const sdp_dir_names[] = {
	"sendrecv", "sendonly", "recvonly", "inactive",
};

/* See sdp_int.h. */
size_t
sdp_fields(const char *p, size_t n, struct sdp_span *f, size_t max)
{
	size_t	i = 0, k = 0, start;

	for (;;) {
		while (i < n && p[i] == ' ')
			i++;
		if (i == n)
			return k;
		if (k == max)
			return max + 1;
		start = i;
		while (i < n && p[i] != ' ')
			i++;
		f[k].off = start;
		f[k].len = i - start;
		k++;
	}
}

/* See sdp_int.h. */
int
sdp_token_ok(const char *p, size_t n, size_t max)
{
	size_t		i;
	unsigned char	c;

	if (n == 0 || n >= max)
		return 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (c < 0x21 || c > 0x7e || strchr("\"(),/:;<=>?@[\\]", c))
			return 0;
	}
	return 1;
}

/* See sdp_int.h. */
int
sdp_proto_ok(const char *p, size_t n, size_t max)
{
	size_t	i, start = 0;

	if (n == 0 || n >= max)
		return 0;
	for (i = 0; i <= n; i++) {
		if (i < n && p[i] != '/')
			continue;
		if (!sdp_token_ok(p + start, i - start, max))
			return 0;
		start = i + 1;
	}
	return 1;
}

/* See sdp_int.h. */
int
sdp_copy(char *dst, size_t max, const char *p, size_t n)
{
	if (n >= max)
		return 0;
	memcpy(dst, p, n);
	dst[n] = '\0';
	return 1;
}

/* A field with no TAB (RFC 8866 non-ws-string), copied if it fits. */
static int
sdp_nonws(char *dst, size_t max, const char *p, size_t n)
{
	return n > 0 && memchr(p, '\t', n) == NULL && sdp_copy(dst, max, p, n);
}

/* A token field, copied if it fits. */
static int
sdp_token(char *dst, size_t max, const char *p, size_t n)
{
	return sdp_token_ok(p, n, max) && sdp_copy(dst, max, p, n);
}

/* Decimal digits, at most max in value: 1 and *v, or 0. */
static int
sdp_number(const char *p, size_t n, unsigned long max, unsigned long *v)
{
	unsigned long	x = 0;
	size_t		i;

	if (n == 0 || n > 10)
		return 0;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		x = x * 10 + (unsigned long)(p[i] - '0');
	}
	if (x > max)
		return 0;
	*v = x;
	return 1;
}

/* See sdp_int.h. */
const char *
sdp_parse_o(const char *p, size_t n, struct sdp_origin *o,
    struct sdp_span *version)
{
	static const char	*bad = "o= line does not parse";
	struct sdp_span		 f[6];
	const char		*v = p + 2;
	size_t			 i;

	if (sdp_fields(v, n - 2, f, 6) != 6)
		return bad;
	if (!sdp_nonws(o->username, sizeof(o->username), v + f[0].off,
	    f[0].len) ||
	    !sdp_nonws(o->sess_id, sizeof(o->sess_id), v + f[1].off,
	    f[1].len) ||
	    !sdp_copy(o->sess_version, sizeof(o->sess_version), v + f[2].off,
	    f[2].len) ||
	    !sdp_token(o->nettype, sizeof(o->nettype), v + f[3].off,
	    f[3].len) ||
	    !sdp_token(o->addrtype, sizeof(o->addrtype), v + f[4].off,
	    f[4].len) ||
	    !sdp_nonws(o->addr, sizeof(o->addr), v + f[5].off, f[5].len))
		return bad;
	/* The version is bumped as a decimal string: digits only. */
	for (i = 0; i < f[2].len; i++)
		if (v[f[2].off + i] < '0' || v[f[2].off + i] > '9')
			return bad;
	version->off = f[2].off + 2;
	version->len = f[2].len;
	return NULL;
}

/* See sdp_int.h. */
const char *
sdp_parse_c(const char *p, size_t n, struct sdp_conn *c,
    struct sdp_span *tail)
{
	static const char	*bad = "c= line does not parse";
	struct sdp_span		 f[3];
	const char		*v = p + 2, *a, *slash;

	if (sdp_fields(v, n - 2, f, 3) != 3)
		return bad;
	if (!sdp_token(c->nettype, sizeof(c->nettype), v + f[0].off,
	    f[0].len) ||
	    !sdp_token(c->addrtype, sizeof(c->addrtype), v + f[1].off,
	    f[1].len))
		return bad;
	a = v + f[2].off;
	slash = memchr(a, '/', f[2].len);
	c->multicast = slash != NULL;
	if (!sdp_nonws(c->addr, sizeof(c->addr), a,
	    slash != NULL ? (size_t)(slash - a) : f[2].len))
		return bad;
	tail->off = f[0].off + 2;
	tail->len = f[2].off + f[2].len - f[0].off;
	return NULL;
}

/* See sdp_int.h. */
const char *
sdp_parse_m(const char *p, size_t n, struct sdp_media *m,
    struct sdp_span *port, struct sdp_span *proto)
{
	static const char	*bad = "m= line does not parse";
	struct sdp_span		 f[SDP_M_FIELDS];
	const char		*v = p + 2, *slash;
	unsigned long		 x;
	size_t			 nf, i, plen;

	if ((nf = sdp_fields(v, n - 2, f, SDP_M_FIELDS)) > SDP_M_FIELDS)
		return "too many formats on an m= line";
	if (nf < 3 || !sdp_token(m->media, sizeof(m->media), v + f[0].off,
	    f[0].len))
		return bad;
	slash = memchr(v + f[1].off, '/', f[1].len);
	plen = slash != NULL ? (size_t)(slash - (v + f[1].off)) : f[1].len;
	if (!sdp_number(v + f[1].off, plen, 65535, &x))
		return bad;
	m->port = (unsigned)x;
	m->nports = 0;
	if (slash != NULL) {
		if (!sdp_number(slash + 1, f[1].len - plen - 1, 65535, &x) ||
		    x == 0)
			return bad;
		m->nports = (unsigned)x;
	}
	if (!sdp_proto_ok(v + f[2].off, f[2].len, sizeof(m->proto)))
		return bad;
	(void)sdp_copy(m->proto, sizeof(m->proto), v + f[2].off, f[2].len);
	/* No format is wrong, but a rejected stream may be sent that way. */
	if (nf == 3 && m->port != 0)
		return bad;
	m->nfmt = nf - 3;
	for (i = 0; i < m->nfmt; i++)
		if (!sdp_token(m->fmt[i], sizeof(m->fmt[i]), v + f[3 + i].off,
		    f[3 + i].len))
			return bad;
	port->off = f[1].off + 2;
	port->len = f[1].len;
	proto->off = f[2].off + 2;
	proto->len = f[2].len;
	return NULL;
}

/* See sdp.h. */
const char *
sdp_origin(const struct sdp *s, struct sdp_origin *o)
{
	struct sdp_span	 v;
	const char	*t;
	size_t		 n;
	int		 line;

	if ((line = sdp_line_find(s, SDP_SESSION, 'o')) < 0)
		return "no o= line";
	t = sdp_line_text(s, line, &n);
	return sdp_parse_o(t, n, o, &v);
}

/* See sdp.h. */
const char *
sdp_conn(const struct sdp *s, int media, struct sdp_conn *c)
{
	struct sdp_span	 tail;
	const char	*t, *err;
	size_t		 n;
	int		 line;

	if (media != SDP_SESSION && (media < 0 || (size_t)media >= s->nmedia))
		return "no such SDP media section";
	if ((line = sdp_line_find(s, media, 'c')) < 0)
		return "no c= line";
	t = sdp_line_text(s, line, &n);
	if ((err = sdp_parse_c(t, n, c, &tail)) != NULL)
		return err;
	c->line = line;
	return NULL;
}

/* See sdp.h. */
const char *
sdp_media_conn(const struct sdp *s, int media, struct sdp_conn *c)
{
	if (media < 0 || (size_t)media >= s->nmedia)
		return "no such SDP media section";
	if (sdp_line_find(s, media, 'c') >= 0)
		return sdp_conn(s, media, c);
	if (sdp_line_find(s, SDP_SESSION, 'c') >= 0)
		return sdp_conn(s, SDP_SESSION, c);
	return "no c= line for the media";
}

/* See sdp.h. */
const char *
sdp_media(const struct sdp *s, int media, struct sdp_media *m)
{
	struct sdp_span	 port, proto;
	const char	*t;
	size_t		 n;

	if (media < 0 || (size_t)media >= s->nmedia)
		return "no such SDP media section";
	t = sdp_line_text(s, (int)s->mline[media], &n);
	return sdp_parse_m(t, n, m, &port, &proto);
}

/* See sdp.h. */
const char *
sdp_bandwidth(const struct sdp *s, int line, struct sdp_bandwidth *b)
{
	const char	*t, *colon;
	size_t		 n, k;

	if (sdp_line_type(s, line) != 'b')
		return "not a b= line";
	t = sdp_line_text(s, line, &n);
	for (k = n; k > 2 && t[k - 1] == ' '; k--)
		continue;
	if ((colon = memchr(t + 2, ':', k - 2)) == NULL ||
	    !sdp_token(b->type, sizeof(b->type), t + 2,
	    (size_t)(colon - (t + 2))) ||
	    !sdp_number(colon + 1, (size_t)(t + k - colon - 1), 4294967295UL,
	    &b->value))
		return "b= line does not parse";
	return NULL;
}

/* The name of an a= line: the bytes after "a=" up to ':' or the end. */
static size_t
sdp_attr_name(const struct sdp *s, size_t line, const char **namep)
{
	const char	*t, *colon;
	size_t		 n;

	t = sdp_line_text(s, (int)line, &n);
	*namep = t + 2;
	colon = memchr(t + 2, ':', n - 2);
	return colon != NULL ? (size_t)(colon - (t + 2)) : n - 2;
}

/* See sdp_int.h. */
int
sdp_attr_is(const struct sdp *s, size_t line, const char *name)
{
	const char	*p;
	size_t		 n;

	if (sdp_line_type(s, (int)line) != 'a')
		return 0;
	n = sdp_attr_name(s, line, &p);
	return n == strlen(name) && strncasecmp(p, name, n) == 0;
}

/* The first a= line named name in lines [from, end), or -1. */
static int
sdp_attr_scan(const struct sdp *s, size_t from, size_t end,
    const char *name)
{
	size_t	i;

	for (i = from; i < end; i++)
		if (sdp_attr_is(s, i, name))
			return (int)i;
	return -1;
}

/* See sdp.h. */
int
sdp_attr_find(const struct sdp *s, int media, const char *name)
{
	size_t	first, end;

	if (!sdp_section(s, media, &first, &end))
		return -1;
	return sdp_attr_scan(s, first, end, name);
}

/* See sdp.h. */
int
sdp_attr_next(const struct sdp *s, int line, const char *name)
{
	size_t	first, end;

	if (line < 0 || (size_t)line >= s->nlines)
		return -1;
	(void)sdp_section(s, sdp_line_media(s, line), &first, &end);
	return sdp_attr_scan(s, (size_t)line + 1, end, name);
}

/* See sdp.h. */
const char *
sdp_attr_value(const struct sdp *s, int line)
{
	const char	*t, *colon;
	size_t		 n;

	if (sdp_line_type(s, line) != 'a')
		return NULL;
	t = sdp_line_text(s, line, &n);
	colon = memchr(t + 2, ':', n - 2);
	return colon != NULL ? colon + 1 : NULL;
}

/* See sdp.h. */
int
sdp_rtcp(const struct sdp *s, int media, struct sdp_rtcp *r)
{
	struct sdp_span	 f[4];
	const char	*v;
	unsigned long	 x;
	size_t		 nf;
	int		 line;

	if (media < 0 || (line = sdp_attr_find(s, media, "rtcp")) < 0)
		return 0;
	if ((v = sdp_attr_value(s, line)) == NULL)
		return -1;
	memset(r, 0, sizeof(*r));
	nf = sdp_fields(v, strlen(v), f, 4);
	if ((nf != 1 && nf != 4) ||
	    !sdp_number(v + f[0].off, f[0].len, 65535, &x))
		return -1;
	r->port = (unsigned)x;
	if (nf == 4 && (!sdp_token(r->nettype, sizeof(r->nettype),
	    v + f[1].off, f[1].len) ||
	    !sdp_token(r->addrtype, sizeof(r->addrtype), v + f[2].off,
	    f[2].len) ||
	    !sdp_nonws(r->addr, sizeof(r->addr), v + f[3].off, f[3].len)))
		return -1;
	return 1;
}

/* See sdp.h. */
int
sdp_rtcp_mux(const struct sdp *s, int media)
{
	return media >= 0 && sdp_attr_find(s, media, "rtcp-mux") >= 0;
}

/* The first direction attribute of a section: 1 and *d, or 0. */
static int
sdp_dir_in(const struct sdp *s, int media, enum sdp_dir *d)
{
	size_t	first, end, i, k;

	if (!sdp_section(s, media, &first, &end))
		return 0;
	for (i = first; i < end; i++)
		for (k = 0; k < sizeof(sdp_dir_names) / sizeof(*sdp_dir_names);
		    k++)
			if (sdp_attr_is(s, i, sdp_dir_names[k])) {
				*d = (enum sdp_dir)k;
				return 1;
			}
	return 0;
}

/* See sdp.h. */
enum sdp_dir
sdp_direction(const struct sdp *s, int media)
{
	enum sdp_dir	d;

	if (media != SDP_SESSION && sdp_dir_in(s, media, &d))
		return d;
	if (sdp_dir_in(s, SDP_SESSION, &d))
		return d;
	return SDP_DIR_SENDRECV;
}

/* See sdp.h. */
const char *
sdp_dir_name(enum sdp_dir d)
{
	if ((size_t)d >= sizeof(sdp_dir_names) / sizeof(*sdp_dir_names))
		return "";
	return sdp_dir_names[d];
}

/* Parse "pt enc/clock[/params]", an a=rtpmap value: 1 and *r, or 0. */
static int
sdp_rtpmap_parse(const char *v, struct sdp_rtpmap *r)
{
	struct sdp_span	 f[2];
	const char	*e, *s1, *s2;
	unsigned long	 x;
	size_t		 n;

	if (v == NULL || sdp_fields(v, strlen(v), f, 2) != 2 ||
	    !sdp_number(v + f[0].off, f[0].len, 127, &x))
		return 0;
	r->pt = (unsigned)x;
	e = v + f[1].off;
	n = f[1].len;
	if ((s1 = memchr(e, '/', n)) == NULL ||
	    !sdp_token(r->encoding, sizeof(r->encoding), e, (size_t)(s1 - e)))
		return 0;
	s1++;
	s2 = memchr(s1, '/', (size_t)(e + n - s1));
	if (!sdp_number(s1, (size_t)((s2 != NULL ? s2 : e + n) - s1),
	    4294967295UL, &x))
		return 0;
	r->clock = (unsigned)x;
	r->params[0] = '\0';
	if (s2 != NULL && !sdp_token(r->params, sizeof(r->params), s2 + 1,
	    (size_t)(e + n - s2 - 1)))
		return 0;
	return 1;
}

/* See sdp.h. */
int
sdp_rtpmap(const struct sdp *s, int media, unsigned pt,
    struct sdp_rtpmap *r)
{
	int	line;

	if (media < 0)
		return -1;
	for (line = sdp_attr_find(s, media, "rtpmap"); line >= 0;
	    line = sdp_attr_next(s, line, "rtpmap"))
		if (sdp_rtpmap_parse(sdp_attr_value(s, line), r) &&
		    r->pt == pt) {
			r->line = line;
			return line;
		}
	return -1;
}

/* 1 if payload type pt is among the formats of an m= line. */
static int
sdp_media_has_pt(const struct sdp_media *m, unsigned pt)
{
	unsigned long	x;
	size_t		i;

	for (i = 0; i < m->nfmt; i++)
		if (sdp_number(m->fmt[i], strlen(m->fmt[i]), 127, &x) &&
		    x == pt)
			return 1;
	return 0;
}

/* See sdp.h. */
int
sdp_rtpmap_find(const struct sdp *s, int media, const char *encoding,
    struct sdp_rtpmap *r)
{
	struct sdp_media	m;
	int			line;

	if (sdp_media(s, media, &m) != NULL)
		return -1;
	for (line = sdp_attr_find(s, media, "rtpmap"); line >= 0;
	    line = sdp_attr_next(s, line, "rtpmap"))
		if (sdp_rtpmap_parse(sdp_attr_value(s, line), r) &&
		    strcasecmp(r->encoding, encoding) == 0 &&
		    sdp_media_has_pt(&m, r->pt)) {
			r->line = line;
			return line;
		}
	return -1;
}

/* See sdp.h. */
int
sdp_fmtp(const struct sdp *s, int media, unsigned pt, const char **paramsp)
{
	const char	*v;
	unsigned long	 x;
	size_t		 n;
	int		 line;

	if (media < 0)
		return -1;
	for (line = sdp_attr_find(s, media, "fmtp"); line >= 0;
	    line = sdp_attr_next(s, line, "fmtp")) {
		if ((v = sdp_attr_value(s, line)) == NULL)
			continue;
		n = strcspn(v, " ");
		if (!sdp_number(v, n, 127, &x) || x != pt)
			continue;
		for (v += n; *v == ' '; v++)
			continue;
		if (paramsp != NULL)
			*paramsp = v;
		return line;
	}
	return -1;
}
