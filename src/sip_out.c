/*
 * sip_out.c: print a message the proxy forwards as it came in, except
 * where the proxy changed it (RFC 3261 §16.6: a proxy touches only what
 * it must; RFC 4475 §3.1.1.11: a signed body must arrive intact).
 *
 * libosip2 prints a whole message from its structures: it reorders
 * headers, respells names, rewrites multipart bodies and drops what it
 * cannot represent. So the bytes as received are kept beside the
 * structures (struct sip_src), together with each header family as
 * libosip2 printed it right after parsing. When the message goes out,
 * a family that prints the same as then is copied from the original
 * bytes, line for line and in place; a family the proxy changed (Via,
 * Route, Record-Route, Contact, Max-Forwards, ...) is printed from the
 * structures where its first line stood. Comparing prints instead of
 * marking edits means no edit anywhere can be lost, whoever makes it.
 * The body is always copied as received.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_parser.h>

#include "log.h"
#include "sip_msg_int.h"
#include "util.h"

/* Header families the proxy may edit, printed from libosip2's lists. */
enum sip_fam {
	SIP_FAM_VIA,
	SIP_FAM_ROUTE,
	SIP_FAM_RR,
	SIP_FAM_CONTACT,
	SIP_FAM_FROM,
	SIP_FAM_TO,
	SIP_FAM_CALL_ID,
	SIP_FAM_CSEQ,
	SIP_FAM_CTYPE,
	SIP_FAM_N,
	/* Raw lines that are not one of those: */
	SIP_FAM_CLEN = SIP_FAM_N,	/* follows the body, which never changes */
	SIP_FAM_KEPT,			/* libosip2 structures the edge never edits */
	SIP_FAM_GENERIC,		/* name/value pairs in msg->headers */
};

/* One generic header as parsed, to tell later whether it changed. */
struct sip_gen {
	char	*name;
	char	*value;
};

/*
 * A family as printed: one line per header, elements in list order;
 * line i is text[off[i]..off[i + 1]).
 */
struct sip_fam_text {
	char	*text;
	size_t	*off;
	size_t	 n;
};

/* What sip_msg_parse keeps beside the structures (application_data). */
struct sip_src {
	char		*buf;		/* the message as received */
	size_t		 len;
	size_t		 first;		/* offset of the first header line */
	size_t		 blank;		/* offset of the empty line */
	size_t		 body;		/* offset of the body */
	char		*start;		/* start line as printed after parsing */
	struct sip_fam_text fam[SIP_FAM_N];
	bool		 mapped[SIP_FAM_N];	/* raw elements match the list */
	struct sip_gen	*gen;
	size_t		 n_gen;
	uint64_t	 body_hash;	/* of the parsed bodies (sip_out_bodies) */
};

/* A growing output buffer (osip_malloc'd: callers osip_free it). */
struct sip_buf {
	char	*p;
	size_t	 n;
	size_t	 cap;
};

/* Names of raw header lines, long and compact, and their family. */
static const struct {
	const char	*name;
	char		 compact;
	int		 fam;
} sip_out_names[] = {
	{ "Via", 'v', SIP_FAM_VIA },
	{ "Route", 0, SIP_FAM_ROUTE },
	{ "Record-Route", 0, SIP_FAM_RR },
	{ "Contact", 'm', SIP_FAM_CONTACT },
	{ "From", 'f', SIP_FAM_FROM },
	{ "To", 't', SIP_FAM_TO },
	{ "Call-ID", 'i', SIP_FAM_CALL_ID },
	{ "CSeq", 0, SIP_FAM_CSEQ },
	{ "Content-Type", 'c', SIP_FAM_CTYPE },
	{ "Content-Length", 'l', SIP_FAM_CLEN },
	{ "Accept", 0, SIP_FAM_KEPT },
	{ "Accept-Encoding", 0, SIP_FAM_KEPT },
	{ "Accept-Language", 0, SIP_FAM_KEPT },
	{ "Alert-Info", 0, SIP_FAM_KEPT },
	{ "Allow", 0, SIP_FAM_KEPT },
	{ "Call-Info", 0, SIP_FAM_KEPT },
	{ "Content-Encoding", 'e', SIP_FAM_KEPT },
	{ "Error-Info", 0, SIP_FAM_KEPT },
	{ "Mime-Version", 0, SIP_FAM_KEPT },
};

/*
 * Compact forms of generic headers (RFC 3261 §7.3.3 and the registry),
 * so "k" and "Supported" are one name; and the spelling of generic
 * headers the edge adds.
 */
static const char *const sip_out_compact[][2] = {
	{ "Supported", "k" }, { "Subject", "s" }, { "Event", "o" },
	{ "Allow-Events", "u" }, { "Refer-To", "r" }, { "Referred-By", "b" },
	{ "Session-Expires", "x" }, { "Accept-Contact", "a" },
	{ "Reject-Contact", "j" }, { "Request-Disposition", "d" },
	{ "Identity", "y" }, { "Identity-Info", "n" },
	{ "Max-Forwards", NULL }, { "Path", NULL },
};

/* Append n bytes. */
static void
sip_buf_put(struct sip_buf *b, const char *s, size_t n)
{
	char	*p;

	if (b->cap - b->n <= n) {
		b->cap = (b->n + n + 1) * 2;
		if ((p = osip_realloc(b->p, b->cap)) == NULL)
			fatal("%s: out of memory", __func__);
		b->p = p;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

/* Append a NUL-terminated string. */
static void
sip_buf_str(struct sip_buf *b, const char *s)
{
	sip_buf_put(b, s, strlen(s));
}

/*
 * Append text libosip2 printed, undoing the mask sip_msg_parse put on
 * escaped NULs in URIs (sip_msg_int.h): "%C0%80" goes out as "%00".
 */
static void
sip_buf_unmask(struct sip_buf *b, const char *s)
{
	const char	*m;

	while ((m = sip_mask_find(s, strlen(s))) != NULL) {
		sip_buf_put(b, s, (size_t)(m - s));
		sip_buf_str(b, "%00");
		s = m + sizeof(SIP_MASK_NUL) - 1;
	}
	sip_buf_str(b, s);
}

/* Append "Name: value" and a CRLF, the value unmasked. */
static void
sip_buf_line(struct sip_buf *b, const char *name, size_t namelen,
    const char *value)
{
	sip_buf_put(b, name, namelen);
	sip_buf_put(b, ": ", 2);
	sip_buf_unmask(b, value);
	sip_buf_put(b, "\r\n", 2);
}

/* The printer and the list (or single field) of one family. */
static int
sip_out_elem(osip_message_t *m, int fam, int i, char **s)
{
	void	*e = NULL;

	*s = NULL;
	switch (fam) {
	case SIP_FAM_VIA:
		e = osip_list_get(&m->vias, i);
		return e == NULL ? 1 : osip_via_to_str(e, s);
	case SIP_FAM_ROUTE:
		e = osip_list_get(&m->routes, i);
		return e == NULL ? 1 : osip_route_to_str(e, s);
	case SIP_FAM_RR:
		e = osip_list_get(&m->record_routes, i);
		return e == NULL ? 1 : osip_record_route_to_str(e, s);
	case SIP_FAM_CONTACT:
		e = osip_list_get(&m->contacts, i);
		return e == NULL ? 1 : osip_contact_to_str(e, s);
	}
	if (i > 0)
		return 1;
	switch (fam) {
	case SIP_FAM_FROM:
		return m->from == NULL ? 1 : osip_from_to_str(m->from, s);
	case SIP_FAM_TO:
		return m->to == NULL ? 1 : osip_to_to_str(m->to, s);
	case SIP_FAM_CALL_ID:
		return m->call_id == NULL ? 1 :
		    osip_call_id_to_str(m->call_id, s);
	case SIP_FAM_CSEQ:
		return m->cseq == NULL ? 1 : osip_cseq_to_str(m->cseq, s);
	case SIP_FAM_CTYPE:
		return m->content_type == NULL ? 1 :
		    osip_content_type_to_str(m->content_type, s);
	}
	return 1;
}

/* Every header of a family as lines; -1 when one cannot be printed. */
static int
sip_out_family(osip_message_t *m, int fam, struct sip_fam_text *ft)
{
	struct sip_buf	 b = { NULL, 0, 0 };
	const char	*name = NULL;
	char		*s;
	size_t		 k;
	int		 i, rc;

	memset(ft, 0, sizeof(*ft));
	for (k = 0; k < nitems(sip_out_names); k++)
		if (sip_out_names[k].fam == fam)
			name = sip_out_names[k].name;
	sip_buf_put(&b, "", 0);
	ft->off = xcalloc(1, sizeof(*ft->off));
	for (i = 0; (rc = sip_out_elem(m, fam, i, &s)) == 0; i++) {
		sip_buf_line(&b, name, strlen(name), s != NULL ? s : "");
		osip_free(s);
		ft->off = xreallocarray(ft->off, ft->n + 2, sizeof(*ft->off));
		ft->off[++ft->n] = b.n;
	}
	ft->text = b.p;
	return rc < 0 ? -1 : 0;
}

/* Release a family's print. */
static void
sip_fam_text_free(struct sip_fam_text *ft)
{
	osip_free(ft->text);
	free(ft->off);
	memset(ft, 0, sizeof(*ft));
}

/* Whether line i of a equals line j of b. */
static int
sip_fam_line_eq(const struct sip_fam_text *a, size_t i,
    const struct sip_fam_text *b, size_t j)
{
	size_t	n = a->off[i + 1] - a->off[i];

	return n == b->off[j + 1] - b->off[j] &&
	    memcmp(a->text + a->off[i], b->text + b->off[j], n) == 0;
}

/*
 * The number of comma-separated elements in the value of a raw header
 * field of n bytes (RFC 3261 §7.3.1), commas in quoted strings and
 * between < and > not counting.
 */
static size_t
sip_out_raw_elems(const char *p, size_t n)
{
	size_t	i, elems = 1;
	int	q = 0, angle = 0;

	for (i = 0; i < n && p[i] != ':'; i++)
		;
	for (i++; i < n; i++) {
		if (q && p[i] == '\\')
			i++;
		else if (p[i] == '"')
			q = !q;
		else if (!q && p[i] == '<')
			angle = 1;
		else if (!q && p[i] == '>')
			angle = 0;
		else if (!q && !angle && p[i] == ',')
			elems++;
	}
	return elems;
}

/* The start line as the structures say it, without its line end. */
static char *
sip_out_start(osip_message_t *m)
{
	struct sip_buf	 b = { NULL, 0, 0 };
	char		*uri, code[8];

	if (MSG_IS_REQUEST(m)) {
		if (m->req_uri == NULL || m->sip_method == NULL ||
		    osip_uri_to_str(m->req_uri, &uri) != 0)
			return NULL;
		sip_buf_str(&b, m->sip_method);
		sip_buf_put(&b, " ", 1);
		sip_buf_unmask(&b, uri);
		sip_buf_str(&b, " SIP/2.0");
		osip_free(uri);
		return b.p;
	}
	snprintf(code, sizeof(code), "%03d", m->status_code);
	sip_buf_str(&b, "SIP/2.0 ");
	sip_buf_str(&b, code);
	sip_buf_put(&b, " ", 1);
	sip_buf_str(&b, m->reason_phrase != NULL ? m->reason_phrase : "");
	return b.p;
}

/* The long name of a header name given in n bytes (compact or long). */
static const char *
sip_out_long(const char *name, size_t n)
{
	size_t	k;

	for (k = 0; k < nitems(sip_out_compact); k++) {
		if (sip_out_compact[k][1] != NULL && n == 1 &&
		    strncasecmp(name, sip_out_compact[k][1], 1) == 0)
			return sip_out_compact[k][0];
		if (strlen(sip_out_compact[k][0]) == n &&
		    strncasecmp(name, sip_out_compact[k][0], n) == 0)
			return sip_out_compact[k][0];
	}
	return NULL;
}

/* Whether two header names (n and m bytes) are one, compact forms too. */
static int
sip_out_same_name(const char *a, size_t n, const char *b, size_t m)
{
	const char	*la = sip_out_long(a, n), *lb = sip_out_long(b, m);

	if (la != NULL || lb != NULL)
		return la == lb;
	return n == m && strncasecmp(a, b, n) == 0;
}

/* The family of a raw header name of n bytes. */
static int
sip_out_kind(const char *name, size_t n)
{
	size_t	k;

	for (k = 0; k < nitems(sip_out_names); k++) {
		if ((n == 1 && sip_out_names[k].compact != 0 &&
		    (name[0] | 0x20) == sip_out_names[k].compact) ||
		    (strlen(sip_out_names[k].name) == n &&
		    strncasecmp(name, sip_out_names[k].name, n) == 0))
			return sip_out_names[k].fam;
	}
	return SIP_FAM_GENERIC;
}

/*
 * A fingerprint of the bodies libosip2 holds: their number, addresses,
 * lengths and bytes (FNV-1a). The edge's own changes (anchored SDP,
 * later) replace a body with one of fresh random keys, so an unchanged
 * fingerprint means the received body goes out as it came.
 */
static uint64_t
sip_out_bodies(const osip_message_t *m)
{
	osip_body_t	*b;
	uint64_t	 h = 1469598103934665603ULL;
	uintptr_t	 a;
	size_t		 k;
	int		 i;

	for (i = 0; (b = osip_list_get(&m->bodies, i)) != NULL; i++) {
		a = (uintptr_t)b ^ (uintptr_t)b->body;
		h = (h ^ (uint64_t)a) * 1099511628211ULL;
		h = (h ^ (uint64_t)b->length) * 1099511628211ULL;
		for (k = 0; b->body != NULL && k < b->length; k++)
			h = (h ^ (unsigned char)b->body[k]) * 1099511628211ULL;
	}
	return (h ^ (uint64_t)i) * 1099511628211ULL;
}

/* The end of the header field starting at off: its folded lines too. */
static size_t
sip_out_field_end(const struct sip_src *src, size_t off)
{
	struct sip_line	l;
	size_t		next = off;

	(void)sip_line_next(src->buf, src->blank, &next, &l);
	while (next < src->blank &&
	    (src->buf[next] == ' ' || src->buf[next] == '\t'))
		(void)sip_line_next(src->buf, src->blank, &next, &l);
	return next;
}

/*
 * Whether the raw fields of each list family hold as many elements as
 * libosip2's list: then an edit to some elements (the top Via) leaves
 * the raw fields of the others as they came.
 */
static void
sip_out_map(struct sip_src *src)
{
	size_t	count[SIP_FAM_N] = { 0 }, off, end, k;
	int	kind, f;

	for (off = src->first; off < src->blank; off = end) {
		end = sip_out_field_end(src, off);
		k = sip_span(src->buf + off, end - off, sip_token);
		if ((kind = sip_out_kind(src->buf + off, k)) < SIP_FAM_N)
			count[kind] += sip_out_raw_elems(src->buf + off,
			    end - off);
	}
	for (f = 0; f < SIP_FAM_N; f++)
		src->mapped[f] = count[f] == src->fam[f].n;
}

/* Snapshot what libosip2 made of a message just parsed from buf. */
struct sip_src *
sip_src_new(osip_message_t *m, const char *buf, size_t len)
{
	struct sip_src	*src = xcalloc(1, sizeof(*src));
	struct sip_line	 l;
	osip_header_t	*h;
	size_t		 off = 0, at;
	int		 f, i;

	src->buf = xmalloc(len + 1);
	memcpy(src->buf, buf, len);
	src->buf[len] = '\0';
	src->len = len;
	(void)sip_line_next(buf, len, &off, &l);
	src->first = off;
	src->blank = src->body = len;
	for (at = off; sip_line_next(buf, len, &off, &l); at = off)
		if (l.n == 0) {
			src->blank = at;
			src->body = off;
			break;
		}
	if ((src->start = sip_out_start(m)) == NULL)
		goto fail;
	for (f = 0; f < SIP_FAM_N; f++)
		if (sip_out_family(m, f, &src->fam[f]) == -1)
			goto fail;
	sip_out_map(src);
	src->n_gen = (size_t)osip_list_size(&m->headers);
	src->gen = xcalloc(src->n_gen + 1, sizeof(*src->gen));
	for (i = 0; (h = osip_list_get(&m->headers, i)) != NULL; i++) {
		src->gen[i].name = xstrdup(h->hname != NULL ? h->hname : "");
		src->gen[i].value = xstrdup(h->hvalue != NULL ? h->hvalue : "");
	}
	src->body_hash = sip_out_bodies(m);
	return src;
fail:
	sip_src_free(src);
	return NULL;
}

/* Release a snapshot. */
void
sip_src_free(struct sip_src *src)
{
	size_t	i;

	if (src == NULL)
		return;
	for (i = 0; i < src->n_gen; i++) {
		free(src->gen[i].name);
		free(src->gen[i].value);
	}
	free(src->gen);
	for (i = 0; i < SIP_FAM_N; i++)
		sip_fam_text_free(&src->fam[i]);
	osip_free(src->start);
	free(src->buf);
	free(src);
}

/* Whether the generic headers are the ones parsed, in order. */
static int
sip_out_gen_same(const struct sip_src *src, osip_message_t *m)
{
	osip_header_t	*h;
	size_t		 i;

	if ((size_t)osip_list_size(&m->headers) != src->n_gen)
		return 0;
	for (i = 0; i < src->n_gen; i++) {
		h = osip_list_get(&m->headers, (int)i);
		if (strcmp(h->hname != NULL ? h->hname : "",
		    src->gen[i].name) != 0 || strcmp(h->hvalue != NULL ?
		    h->hvalue : "", src->gen[i].value) != 0)
			return 0;
	}
	return 1;
}

/* Whether the values of generic header name (n bytes) are as parsed. */
static int
sip_out_gen_name_same(const struct sip_src *src, osip_message_t *m,
    const char *name, size_t n)
{
	osip_header_t	*h;
	size_t		 i = 0;
	int		 j;

	for (j = 0; (h = osip_list_get(&m->headers, j)) != NULL; j++) {
		if (h->hname == NULL || !sip_out_same_name(h->hname,
		    strlen(h->hname), name, n))
			continue;
		while (i < src->n_gen && !sip_out_same_name(src->gen[i].name,
		    strlen(src->gen[i].name), name, n))
			i++;
		if (i == src->n_gen || strcmp(h->hvalue != NULL ? h->hvalue :
		    "", src->gen[i].value) != 0)
			return 0;
		i++;
	}
	for (; i < src->n_gen; i++)
		if (sip_out_same_name(src->gen[i].name,
		    strlen(src->gen[i].name), name, n))
			return 0;
	return 1;
}

/* Print every generic header of a name, spelt as the caller says. */
static void
sip_out_gen_print(struct sip_buf *b, osip_message_t *m, const char *name,
    size_t n, const char *spelling, size_t spelling_len)
{
	osip_header_t	*h;
	int		 j;

	for (j = 0; (h = osip_list_get(&m->headers, j)) != NULL; j++)
		if (h->hname != NULL && sip_out_same_name(h->hname,
		    strlen(h->hname), name, n))
			sip_buf_line(b, spelling, spelling_len,
			    h->hvalue != NULL ? h->hvalue : "");
}

/* Whether a raw generic header of this name (n bytes) is before limit. */
static int
sip_out_raw_has(const struct sip_src *src, size_t limit, const char *name,
    size_t n)
{
	struct sip_line	l;
	size_t		off = src->first, k;

	while (off < limit && sip_line_next(src->buf, limit, &off, &l)) {
		if (l.n == 0 || l.p[0] == ' ' || l.p[0] == '\t')
			continue;
		k = sip_span(l.p, l.n, sip_token);
		if (sip_out_kind(l.p, k) == SIP_FAM_GENERIC &&
		    sip_out_same_name(l.p, k, name, n))
			return 1;
	}
	return 0;
}

/*
 * Generic headers the edge added (no raw line of that name), before
 * Content-Length or the end of the block; each name once.
 */
static void
sip_out_gen_added(struct sip_buf *b, const struct sip_src *src,
    osip_message_t *m)
{
	osip_header_t	*h, *e;
	const char	*sp;
	size_t		 n;
	int		 j, k, seen;

	for (j = 0; (h = osip_list_get(&m->headers, j)) != NULL; j++) {
		if (h->hname == NULL)
			continue;
		n = strlen(h->hname);
		for (k = 0, seen = 0; k < j && !seen; k++)
			seen = (e = osip_list_get(&m->headers, k)) != NULL &&
			    e->hname != NULL && sip_out_same_name(e->hname,
			    strlen(e->hname), h->hname, n);
		if (seen || sip_out_raw_has(src, src->blank, h->hname, n))
			continue;
		sp = sip_out_long(h->hname, n);
		if (sp == NULL || n == 1)
			sp = sp != NULL ? sp : h->hname;
		sip_out_gen_print(b, m, h->hname, n, sp, strlen(sp));
	}
}

/*
 * A changed family at its first raw field. Where the raw fields map onto
 * libosip2's list, the elements that print as they did after parsing
 * and end the list (those after the edge's edits: it pushes and pops at
 * the top, or rewrites all) keep their raw fields; only the others are
 * printed. *cut is the number of leading original elements replaced.
 */
static void
sip_out_list_start(struct sip_buf *b, const struct sip_src *src, int f,
    const struct sip_fam_text *now, size_t *cut)
{
	const struct sip_fam_text	*was = &src->fam[f];
	size_t				 keep = 0;

	if (src->mapped[f])
		while (keep < now->n && keep < was->n && sip_fam_line_eq(now,
		    now->n - 1 - keep, was, was->n - 1 - keep))
			keep++;
	*cut = was->n - keep;
	sip_buf_put(b, now->text, now->off[now->n - keep]);
}

/*
 * One raw field of a changed family f whose first element is original
 * element e and which holds c of them: copied when all are kept, else
 * the kept ones printed (the replaced ones went out at the first field).
 */
static void
sip_out_list_field(struct sip_buf *b, const struct sip_src *src, int f,
    size_t cut, size_t e, size_t c, size_t off, size_t end)
{
	const struct sip_fam_text	*was = &src->fam[f];
	size_t				 i;

	if (e >= cut) {
		sip_buf_put(b, src->buf + off, end - off);
		return;
	}
	for (i = cut; i < e + c && i < was->n; i++)
		sip_buf_put(b, was->text + was->off[i], was->off[i + 1] -
		    was->off[i]);
}

/* The header block, family by family as described at the top. */
static void
sip_out_headers(struct sip_buf *b, const struct sip_src *src,
    osip_message_t *m, const struct sip_fam_text now[SIP_FAM_N],
    const char *clen)
{
	int	 changed[SIP_FAM_N], done[SIP_FAM_N] = { 0 };
	size_t	 cut[SIP_FAM_N] = { 0 }, seen[SIP_FAM_N] = { 0 };
	char	 cl[48];
	int	 gen_same = sip_out_gen_same(src, m), kind, f, added = 0;
	size_t	 off, end, k, c;

	for (f = 0; f < SIP_FAM_N; f++)
		changed[f] = strcmp(now[f].text, src->fam[f].text) != 0;
	/* A family the edge added (Record-Route, Route) goes on top. */
	for (f = 0; f < SIP_FAM_N; f++)
		if (changed[f] && src->fam[f].n == 0)
			sip_buf_str(b, now[f].text);
	for (off = src->first; off < src->blank; off = end) {
		end = sip_out_field_end(src, off);
		k = sip_span(src->buf + off, end - off, sip_token);
		kind = sip_out_kind(src->buf + off, k);
		if (kind < SIP_FAM_N && changed[kind]) {
			if (!done[kind])
				sip_out_list_start(b, src, kind, &now[kind],
				    &cut[kind]);
			done[kind] = 1;
			c = sip_out_raw_elems(src->buf + off, end - off);
			if (src->mapped[kind])
				sip_out_list_field(b, src, kind, cut[kind],
				    seen[kind], c, off, end);
			seen[kind] += c;
			continue;
		}
		if (kind == SIP_FAM_CLEN && !added) {
			sip_out_gen_added(b, src, m);
			added = 1;
			if (clen != NULL) {
				sip_buf_str(b, clen);
				continue;
			}
		}
		if (kind == SIP_FAM_CLEN && clen != NULL)
			continue;
		if (kind == SIP_FAM_GENERIC && !gen_same &&
		    !sip_out_gen_name_same(src, m, src->buf + off, k)) {
			/* Printed once, at the first line of that name. */
			if (!sip_out_raw_has(src, off, src->buf + off, k))
				sip_out_gen_print(b, m, src->buf + off, k,
				    src->buf + off, k);
			continue;
		}
		sip_buf_put(b, src->buf + off, end - off);
	}
	if (added)
		return;
	/* No Content-Length came in (0 was assumed): a stream needs one. */
	sip_out_gen_added(b, src, m);
	if (clen == NULL) {
		snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n",
		    src->len - src->body);
		clen = cl;
	}
	sip_buf_str(b, clen);
}

/*
 * Print m as received where it is unchanged; see the top of the file.
 * Returns -1 when a changed part cannot be printed.
 */
int
sip_src_print(const struct sip_src *src, osip_message_t *m, char **out,
    size_t *len)
{
	struct sip_buf		 b = { NULL, 0, 0 };
	struct sip_fam_text	 now[SIP_FAM_N];
	osip_body_t		*body;
	char			*start = NULL, *nb = NULL;
	char			 clen[48];
	size_t			 nblen = 0;
	int			 f, rc = -1, body_same;

	*out = NULL;
	*len = 0;
	memset(now, 0, sizeof(now));
	if (!(body_same = sip_out_bodies(m) == src->body_hash)) {
		/* The edge replaced the body: one is printed here, more
		 * (a multipart it rebuilt) are libosip2's to print whole. */
		if (osip_list_size(&m->bodies) > 1)
			return sip_msg_print_osip(m, out, len);
		if ((body = osip_list_get(&m->bodies, 0)) != NULL &&
		    osip_body_to_str(body, &nb, &nblen) != 0)
			return -1;
		snprintf(clen, sizeof(clen), "Content-Length: %zu\r\n", nblen);
	}
	if ((start = sip_out_start(m)) == NULL)
		goto done;
	for (f = 0; f < SIP_FAM_N; f++)
		if (sip_out_family(m, f, &now[f]) == -1)
			goto done;
	if (strcmp(start, src->start) == 0)
		sip_buf_put(&b, src->buf, src->first);
	else {
		sip_buf_str(&b, start);
		sip_buf_put(&b, "\r\n", 2);
	}
	sip_out_headers(&b, src, m, now, body_same ? NULL : clen);
	if (body_same)
		/* The empty line and the body, as they came. */
		sip_buf_put(&b, src->buf + src->blank, src->len - src->blank);
	else {
		sip_buf_put(&b, "\r\n", 2);
		if (nb != NULL)
			sip_buf_put(&b, nb, nblen);
	}
	*out = b.p;
	*len = b.n;
	b.p = NULL;
	rc = 0;
done:
	for (f = 0; f < SIP_FAM_N; f++)
		sip_fam_text_free(&now[f]);
	osip_free(start);
	osip_free(nb);
	osip_free(b.p);
	return rc;
}
