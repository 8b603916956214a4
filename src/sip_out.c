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

/* A header name, its length and compact form. */
#define SIP_NAME(n)	n, sizeof(n) - 1

/* Names of raw header lines, long and compact, and their family. */
static const struct {
	const char	*name;
	size_t		 len;
	char		 compact;
	int		 fam;
} sip_out_names[] = {
	{ SIP_NAME("Via"), 'v', SIP_FAM_VIA },
	{ SIP_NAME("Route"), 0, SIP_FAM_ROUTE },
	{ SIP_NAME("Record-Route"), 0, SIP_FAM_RR },
	{ SIP_NAME("Contact"), 'm', SIP_FAM_CONTACT },
	{ SIP_NAME("From"), 'f', SIP_FAM_FROM },
	{ SIP_NAME("To"), 't', SIP_FAM_TO },
	{ SIP_NAME("Call-ID"), 'i', SIP_FAM_CALL_ID },
	{ SIP_NAME("CSeq"), 0, SIP_FAM_CSEQ },
	{ SIP_NAME("Content-Type"), 'c', SIP_FAM_CTYPE },
	{ SIP_NAME("Content-Length"), 'l', SIP_FAM_CLEN },
	{ SIP_NAME("Accept"), 0, SIP_FAM_KEPT },
	{ SIP_NAME("Accept-Encoding"), 0, SIP_FAM_KEPT },
	{ SIP_NAME("Accept-Language"), 0, SIP_FAM_KEPT },
	{ SIP_NAME("Alert-Info"), 0, SIP_FAM_KEPT },
	{ SIP_NAME("Allow"), 0, SIP_FAM_KEPT },
	{ SIP_NAME("Call-Info"), 0, SIP_FAM_KEPT },
	{ SIP_NAME("Content-Encoding"), 'e', SIP_FAM_KEPT },
	{ SIP_NAME("Error-Info"), 0, SIP_FAM_KEPT },
	{ SIP_NAME("Mime-Version"), 0, SIP_FAM_KEPT },
};

/*
 * Compact forms of generic headers (RFC 3261 §7.3.3 and the registry),
 * so "k" and "Supported" are one name; and the spelling of generic
 * headers the edge adds.
 */
static const struct {
	const char	*name;
	size_t		 len;
	char		 compact;
} sip_out_compact[] = {
	{ SIP_NAME("Supported"), 'k' }, { SIP_NAME("Subject"), 's' },
	{ SIP_NAME("Event"), 'o' }, { SIP_NAME("Allow-Events"), 'u' },
	{ SIP_NAME("Refer-To"), 'r' }, { SIP_NAME("Referred-By"), 'b' },
	{ SIP_NAME("Session-Expires"), 'x' },
	{ SIP_NAME("Accept-Contact"), 'a' },
	{ SIP_NAME("Reject-Contact"), 'j' },
	{ SIP_NAME("Request-Disposition"), 'd' },
	{ SIP_NAME("Identity"), 'y' }, { SIP_NAME("Identity-Info"), 'n' },
	{ SIP_NAME("Max-Forwards"), 0 }, { SIP_NAME("Path"), 0 },
};

/* A header's name or value, "" for none. */
static const char *
sip_out_str(const char *s)
{
	return s != NULL ? s : "";
}

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

/* The list of a list family, NULL for the others. */
static osip_list_t *
sip_out_list(osip_message_t *m, int fam)
{
	switch (fam) {
	case SIP_FAM_VIA:
		return &m->vias;
	case SIP_FAM_ROUTE:
		return &m->routes;
	case SIP_FAM_RR:
		return &m->record_routes;
	case SIP_FAM_CONTACT:
		return &m->contacts;
	}
	return NULL;
}

/* The one header of a family that has one, or NULL. */
static void *
sip_out_single(osip_message_t *m, int fam)
{
	switch (fam) {
	case SIP_FAM_FROM:
		return m->from;
	case SIP_FAM_TO:
		return m->to;
	case SIP_FAM_CALL_ID:
		return m->call_id;
	case SIP_FAM_CSEQ:
		return m->cseq;
	case SIP_FAM_CTYPE:
		return m->content_type;
	}
	return NULL;
}

/* Print one header of a family with libosip2's printer for it. */
static int
sip_out_elem(int fam, void *e, char **s)
{
	*s = NULL;
	switch (fam) {
	case SIP_FAM_VIA:
		return osip_via_to_str(e, s);
	case SIP_FAM_ROUTE:
		return osip_route_to_str(e, s);
	case SIP_FAM_RR:
		return osip_record_route_to_str(e, s);
	case SIP_FAM_CONTACT:
		return osip_contact_to_str(e, s);
	case SIP_FAM_FROM:
		return osip_from_to_str(e, s);
	case SIP_FAM_TO:
		return osip_to_to_str(e, s);
	case SIP_FAM_CALL_ID:
		return osip_call_id_to_str(e, s);
	case SIP_FAM_CSEQ:
		return osip_cseq_to_str(e, s);
	case SIP_FAM_CTYPE:
		return osip_content_type_to_str(e, s);
	}
	return -1;
}

/* Append one header of a family to its print. */
static int
sip_out_family_add(struct sip_fam_text *ft, struct sip_buf *b, int fam,
    const char *name, void *e)
{
	char	*s;

	if (sip_out_elem(fam, e, &s) != 0)
		return -1;
	sip_buf_line(b, name, strlen(name), s != NULL ? s : "");
	osip_free(s);
	ft->off = xreallocarray(ft->off, ft->n + 2, sizeof(*ft->off));
	ft->off[++ft->n] = b->n;
	return 0;
}

/* Every header of a family as lines; -1 when one cannot be printed. */
static int
sip_out_family(osip_message_t *m, int fam, struct sip_fam_text *ft)
{
	struct sip_buf		 b = { NULL, 0, 0 };
	osip_list_iterator_t	 it;
	osip_list_t		*list = sip_out_list(m, fam);
	const char		*name = NULL;
	void			*e;
	size_t			 k;
	int			 rc = 0;

	memset(ft, 0, sizeof(*ft));
	for (k = 0; k < nitems(sip_out_names); k++)
		if (sip_out_names[k].fam == fam)
			name = sip_out_names[k].name;
	sip_buf_put(&b, "", 0);
	ft->off = xcalloc(1, sizeof(*ft->off));
	if (list != NULL)
		for (e = osip_list_get_first(list, &it); rc == 0 &&
		    osip_list_iterator_has_elem(it); e = osip_list_get_next(&it))
			rc = sip_out_family_add(ft, &b, fam, name, e);
	else if ((e = sip_out_single(m, fam)) != NULL)
		rc = sip_out_family_add(ft, &b, fam, name, e);
	ft->text = b.p;
	return rc;
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
		if (n == 1 && sip_out_compact[k].compact != 0 &&
		    (name[0] | 0x20) == sip_out_compact[k].compact)
			return sip_out_compact[k].name;
		if (sip_out_compact[k].len == n &&
		    strncasecmp(name, sip_out_compact[k].name, n) == 0)
			return sip_out_compact[k].name;
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
		    (sip_out_names[k].len == n &&
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
		k = sip_token_len(src->buf + off, end - off);
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
	struct sip_src		*src = xcalloc(1, sizeof(*src));
	struct sip_line		 l;
	osip_list_iterator_t	 it;
	osip_header_t		*h;
	size_t			 off = 0, at;
	int			 f;

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
	src->gen = xcalloc((size_t)osip_list_size(&m->headers) + 1,
	    sizeof(*src->gen));
	for (h = osip_list_get_first(&m->headers, &it);
	    osip_list_iterator_has_elem(it); h = osip_list_get_next(&it)) {
		src->gen[src->n_gen].name = xstrdup(sip_out_str(h->hname));
		src->gen[src->n_gen++].value = xstrdup(sip_out_str(h->hvalue));
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

/* Names of generic headers the edge changed; more and all are printed. */
#define SIP_OUT_DIRTY_MAX	8

/*
 * The generic headers as they are now and which names the edge changed,
 * found in one pass: edits (Max-Forwards in place, Path on top) leave a
 * common prefix and suffix with the list as parsed, and the names in
 * between are the changed ones. Every step is linear in the headers, so
 * a message with a thousand of them costs what it weighs.
 */
struct sip_gen_now {
	osip_header_t	**h;		/* msg->headers, in order */
	size_t		  n;
	const char	 *dirty[SIP_OUT_DIRTY_MAX];
	bool		  printed[SIP_OUT_DIRTY_MAX];
	size_t		  n_dirty;
	bool		  all;		/* too many changed: print them all */
	bool		  all_printed;
};

/* Whether header h is the parsed generic header g. */
static int
sip_out_gen_eq(const osip_header_t *h, const struct sip_gen *g)
{
	return strcmp(sip_out_str(h->hname), g->name) == 0 &&
	    strcmp(sip_out_str(h->hvalue), g->value) == 0;
}

/* Note a changed name once; too many make every generic header dirty. */
static void
sip_out_dirty(struct sip_gen_now *g, const char *name)
{
	size_t	i, n = strlen(name);

	for (i = 0; i < g->n_dirty; i++)
		if (sip_out_same_name(g->dirty[i], strlen(g->dirty[i]), name, n))
			return;
	if (g->n_dirty == SIP_OUT_DIRTY_MAX)
		g->all = true;
	else
		g->dirty[g->n_dirty++] = name;
}

/* Whether a name's values in the middles, now [p, nend) and as parsed
 * [p, oend), are the same sequence. */
static int
sip_out_gen_seq_same(const struct sip_src *src, const struct sip_gen_now *g,
    size_t p, size_t nend, size_t oend, const char *name)
{
	size_t		 i = p, j = p, n = strlen(name);
	const char	*hn;

	for (;;) {
		while (i < nend && (hn = sip_out_str(g->h[i]->hname)) != NULL &&
		    !sip_out_same_name(hn, strlen(hn), name, n))
			i++;
		while (j < oend && !sip_out_same_name(src->gen[j].name,
		    strlen(src->gen[j].name), name, n))
			j++;
		if (i == nend || j == oend)
			return i == nend && j == oend;
		if (strcmp(sip_out_str(g->h[i]->hvalue), src->gen[j].value) != 0)
			return 0;
		i++, j++;
	}
}

/*
 * The names in the middles that changed. Two edits at once (Path on top,
 * Max-Forwards further down) leave unchanged headers between them: a
 * short middle is compared name by name, a long one is all dirty.
 */
static void
sip_out_gen_middle(const struct sip_src *src, struct sip_gen_now *g,
    size_t p, size_t nend, size_t oend)
{
	const char	*name;
	size_t		 i;
	int		 fine = (nend - p) + (oend - p) <= 64;

	for (i = p; i < nend + (oend - p); i++) {
		name = i < nend ? sip_out_str(g->h[i]->hname) :
		    src->gen[p + i - nend].name;
		if (!fine || !sip_out_gen_seq_same(src, g, p, nend, oend, name))
			sip_out_dirty(g, name);
	}
}

/* The generic headers now, against those parsed; free g->h after. */
static void
sip_out_gen_diff(const struct sip_src *src, osip_message_t *m,
    struct sip_gen_now *g)
{
	osip_list_iterator_t	 it;
	osip_header_t		*h;
	size_t			 p = 0, q = 0;

	memset(g, 0, sizeof(*g));
	g->h = xcalloc((size_t)osip_list_size(&m->headers) + 1,
	    sizeof(*g->h));
	for (h = osip_list_get_first(&m->headers, &it);
	    osip_list_iterator_has_elem(it); h = osip_list_get_next(&it))
		g->h[g->n++] = h;
	while (p < g->n && p < src->n_gen && sip_out_gen_eq(g->h[p],
	    &src->gen[p]))
		p++;
	while (q < g->n - p && q < src->n_gen - p &&
	    sip_out_gen_eq(g->h[g->n - 1 - q], &src->gen[src->n_gen - 1 - q]))
		q++;
	sip_out_gen_middle(src, g, p, g->n - q, src->n_gen - q);
}

/* Which dirty name a header name is, or -1. */
static int
sip_out_dirty_index(const struct sip_gen_now *g, const char *name, size_t n)
{
	size_t	i;

	for (i = 0; i < g->n_dirty; i++)
		if (sip_out_same_name(g->dirty[i], strlen(g->dirty[i]), name, n))
			return (int)i;
	return -1;
}

/*
 * Print the generic headers of a name as they are now (every one, for
 * NULL), spelt as given or, with no spelling, by the long name.
 */
static void
sip_out_gen_print(struct sip_buf *b, const struct sip_gen_now *g,
    const char *name, const char *spelling, size_t spelling_len)
{
	const char	*hn, *sp;
	size_t		 i;

	for (i = 0; i < g->n; i++) {
		hn = sip_out_str(g->h[i]->hname);
		if (name != NULL && !sip_out_same_name(hn, strlen(hn), name,
		    strlen(name)))
			continue;
		sp = spelling;
		if (sp == NULL && (sp = sip_out_long(hn, strlen(hn))) == NULL)
			sp = hn;
		sip_buf_line(b, sp, spelling == NULL ? strlen(sp) :
		    spelling_len, sip_out_str(g->h[i]->hvalue));
	}
}

/*
 * A raw generic field of name (n bytes): 1 when the caller copies it,
 * 0 when it went out, or will, as the headers of its name are now.
 */
static int
sip_out_gen_field(struct sip_buf *b, struct sip_gen_now *g, const char *name,
    size_t n)
{
	int	d;

	if (g->all) {
		if (!g->all_printed)
			sip_out_gen_print(b, g, NULL, NULL, 0);
		g->all_printed = true;
		return 0;
	}
	if ((d = sip_out_dirty_index(g, name, n)) == -1)
		return 1;
	if (!g->printed[d])
		sip_out_gen_print(b, g, g->dirty[d], name, n);
	g->printed[d] = true;
	return 0;
}

/*
 * Generic headers the edge added (no raw field of that name) go before
 * Content-Length or at the end of the block.
 */
static void
sip_out_gen_added(struct sip_buf *b, struct sip_gen_now *g)
{
	size_t	i;

	if (g->all && !g->all_printed)
		sip_out_gen_print(b, g, NULL, NULL, 0);
	g->all_printed = true;
	for (i = 0; i < g->n_dirty; i++)
		if (!g->printed[i])
			sip_out_gen_print(b, g, g->dirty[i], NULL, 0);
	memset(g->printed, 1, sizeof(g->printed));
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
	struct sip_gen_now	 g;
	int			 changed[SIP_FAM_N], done[SIP_FAM_N] = { 0 };
	size_t			 cut[SIP_FAM_N] = { 0 }, seen[SIP_FAM_N] = { 0 };
	char			 cl[48];
	int			 kind, f, added = 0;
	size_t			 off, end, k, c;

	sip_out_gen_diff(src, m, &g);
	for (f = 0; f < SIP_FAM_N; f++)
		changed[f] = strcmp(now[f].text, src->fam[f].text) != 0;
	/* A family the edge added (Record-Route, Route) goes on top. */
	for (f = 0; f < SIP_FAM_N; f++)
		if (changed[f] && src->fam[f].n == 0)
			sip_buf_str(b, now[f].text);
	for (off = src->first; off < src->blank; off = end) {
		end = sip_out_field_end(src, off);
		k = sip_token_len(src->buf + off, end - off);
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
			sip_out_gen_added(b, &g);
			added = 1;
			if (clen != NULL) {
				sip_buf_str(b, clen);
				continue;
			}
		}
		if (kind == SIP_FAM_CLEN && clen != NULL)
			continue;
		if (kind == SIP_FAM_GENERIC &&
		    !sip_out_gen_field(b, &g, src->buf + off, k))
			continue;
		sip_buf_put(b, src->buf + off, end - off);
	}
	if (!added) {
		/* No Content-Length came in (0 was assumed): a stream needs one. */
		sip_out_gen_added(b, &g);
		if (clen == NULL) {
			snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n",
			    src->len - src->body);
			clen = cl;
		}
		sip_buf_str(b, clen);
	}
	free(g.h);
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
