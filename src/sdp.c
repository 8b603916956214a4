/*
 * sdp.c: the line store under every SDP function: parse a body into
 * lines, print them back, and the few primitives edits are made of
 * (rebuild, insert and delete a line).
 *
 * Line text lives in an arena inside struct sdp, addressed by offsets so
 * the struct can be copied. Parsing copies each line once; an edit
 * appends the new text of the lines it changes and leaves the old bytes
 * behind, zeroed. When the arena is full the live lines are moved together
 * (compacted); SDP_TEXT_MAX is twice the most live text there can be, so
 * that always makes room for one more line.
 *
 * Dead text is zeroed (a replaced or removed line, the space compaction
 * frees, a body that failed to parse): a=crypto keys the proxy removed do
 * not linger in the struct, and a stale pointer reads zeros rather than
 * plausible old text.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sdp.h"
#include "sdp_int.h"

/* Where one line's text lies in the arena, for compaction. */
struct sdp_chunk {
	uint32_t	off;
	uint32_t	line;
};

/* Bytes a line end takes when printed. */
static size_t
sdp_eol_len(enum sdp_eol e)
{
	if (e == SDP_EOL_CRLF)
		return 2;
	return e == SDP_EOL_LF ? 1 : 0;
}

/* The characters of a line end. */
static const char *
sdp_eol_str(enum sdp_eol e)
{
	if (e == SDP_EOL_CRLF)
		return "\r\n";
	return e == SDP_EOL_LF ? "\n" : "";
}

/* An empty body: no lines, no text. */
static void
sdp_clear(struct sdp *s)
{
	s->nlines = 0;
	s->ntrail = 0;
	s->nmedia = 0;
	s->eol = SDP_EOL_CRLF;
	s->textlen = 0;
}

/* Append a line to the parsed body, its text copied into the arena. */
static void
sdp_store(struct sdp *s, const char *p, size_t n, enum sdp_eol eol)
{
	struct sdp_line	*l = &s->line[s->nlines++];

	/* sdp_parse() bounds the body, so this always fits. */
	memcpy(s->text + s->textlen, p, n);
	s->text[s->textlen + n] = '\0';
	l->off = (uint32_t)s->textlen;
	l->len = (uint32_t)n;
	l->eol = (uint8_t)eol;
	s->textlen += n + 1;
}

/* Check and store one line of a body being parsed. */
static const char *
sdp_parse_line(struct sdp *s, const char *p, size_t n, enum sdp_eol eol)
{
	const char	*err = NULL;
	size_t		 i;

	if (s->nlines == SDP_MAX_LINES)
		return "too many SDP lines";
	if (n == 0) {
		if (s->nlines == 0)
			return "SDP does not start with v=0";
		s->ntrail++;
		sdp_store(s, p, 0, eol);
		return NULL;
	}
	if (s->ntrail > 0)
		return "blank line inside an SDP body";
	for (i = 0; i < n; i++) {
		if (p[i] == '\r')
			return "bare CR in an SDP line";
		if (((unsigned char)p[i] < 0x20 && p[i] != '\t') ||
		    p[i] == 0x7f)
			return "control character in an SDP line";
	}
	if (n < 2 || p[1] != '=' || !((p[0] >= 'a' && p[0] <= 'z') ||
	    (p[0] >= 'A' && p[0] <= 'Z')))
		return "SDP line is not type=value";
	if (s->nlines == 0 && (n != 3 || memcmp(p, "v=0", 3) != 0))
		return "SDP does not start with v=0";
	switch (p[0]) {
	case 'o': {
		struct sdp_origin	o;
		struct sdp_span		v;

		err = sdp_parse_o(p, n, &o, &v);
		break;
	}
	case 'c': {
		struct sdp_conn	c;
		struct sdp_span	t;

		err = sdp_parse_c(p, n, &c, &t);
		break;
	}
	case 'm': {
		struct sdp_media	m;
		struct sdp_span		port, proto;

		if (s->nmedia == SDP_MAX_MEDIA)
			return "too many SDP media sections";
		if ((err = sdp_parse_m(p, n, &m, &port, &proto)) != NULL)
			break;
		s->mline[s->nmedia++] = s->nlines;
		break;
	}
	}
	if (err != NULL)
		return err;
	sdp_store(s, p, n, eol);
	return NULL;
}

/* Parse a body into lines; see sdp.h. */
const char *
sdp_parse(const char *buf, size_t len, struct sdp *s)
{
	const char	*err, *nl;
	size_t		 i = 0, n, next;
	enum sdp_eol	 eol;

	sdp_clear(s);
	if (len == 0)
		return "empty SDP body";
	if (len > SDP_MAX_BODY)
		return "SDP body too large";
	while (i < len) {
		if ((nl = memchr(buf + i, '\n', len - i)) == NULL) {
			n = len - i;
			next = len;
			eol = SDP_EOL_NONE;
		} else {
			n = (size_t)(nl - (buf + i));
			next = i + n + 1;
			eol = SDP_EOL_LF;
			if (n > 0 && buf[i + n - 1] == '\r') {
				n--;
				eol = SDP_EOL_CRLF;
			}
		}
		if ((err = sdp_parse_line(s, buf + i, n, eol)) != NULL) {
			memset(s->text, 0, s->textlen);
			sdp_clear(s);
			return err;
		}
		i = next;
	}
	if (s->line[0].eol != SDP_EOL_NONE)
		s->eol = s->line[0].eol;
	return NULL;
}

/* The length of the printed body. */
size_t
sdp_print_len(const struct sdp *s)
{
	size_t	i, n = 0;

	for (i = 0; i < s->nlines; i++)
		n += s->line[i].len + sdp_eol_len(s->line[i].eol);
	return n;
}

/* Print the body into a buffer; see sdp.h. */
const char *
sdp_print(const struct sdp *s, char *out, size_t outlen, size_t *lenp)
{
	const struct sdp_line	*l;
	size_t			 i, n, k = 0;

	if ((n = sdp_print_len(s)) >= outlen)
		return "SDP output buffer too small";
	for (i = 0; i < s->nlines; i++) {
		l = &s->line[i];
		memcpy(out + k, s->text + l->off, l->len);
		k += l->len;
		memcpy(out + k, sdp_eol_str(l->eol), sdp_eol_len(l->eol));
		k += sdp_eol_len(l->eol);
	}
	out[k] = '\0';
	if (lenp != NULL)
		*lenp = k;
	return NULL;
}

/* Print the body into a malloc'd string. */
char *
sdp_print_alloc(const struct sdp *s, size_t *lenp)
{
	size_t	 n = sdp_print_len(s) + 1;
	char	*out;

	if ((out = malloc(n)) == NULL)
		return NULL;
	if (sdp_print(s, out, n, lenp) != NULL) {
		free(out);
		return NULL;
	}
	return out;
}

/* The type letter of a line. */
char
sdp_line_type(const struct sdp *s, int line)
{
	if (line < 0 || (size_t)line >= s->nlines || s->line[line].len == 0)
		return '\0';
	return s->text[s->line[line].off];
}

/* The text of a line. */
const char *
sdp_line_text(const struct sdp *s, int line, size_t *lenp)
{
	if (line < 0 || (size_t)line >= s->nlines)
		return NULL;
	if (lenp != NULL)
		*lenp = s->line[line].len;
	return s->text + s->line[line].off;
}

/* The section a line belongs to: the last m= at or before it. */
int
sdp_line_media(const struct sdp *s, int line)
{
	size_t	m;

	for (m = s->nmedia; m > 0; m--)
		if (s->mline[m - 1] <= (size_t)line)
			return (int)m - 1;
	return SDP_SESSION;
}

/* The line range of a section; see sdp_int.h. */
int
sdp_section(const struct sdp *s, int media, size_t *first, size_t *end)
{
	size_t	body_end = s->nlines - s->ntrail;

	if (media == SDP_SESSION) {
		*first = 0;
		*end = s->nmedia > 0 ? s->mline[0] : body_end;
		return 1;
	}
	if (media < 0 || (size_t)media >= s->nmedia)
		return 0;
	*first = s->mline[media];
	*end = (size_t)media + 1 < s->nmedia ? s->mline[media + 1] : body_end;
	return 1;
}

/* The first line of a type in lines [from, end), or -1. */
static int
sdp_line_scan(const struct sdp *s, size_t from, size_t end, char type)
{
	size_t	i;

	for (i = from; i < end; i++)
		if (s->line[i].len > 0 && s->text[s->line[i].off] == type)
			return (int)i;
	return -1;
}

/* The first line of a type in a section. */
int
sdp_line_find(const struct sdp *s, int media, char type)
{
	size_t	first, end;

	if (type == '\0' || !sdp_section(s, media, &first, &end))
		return -1;
	return sdp_line_scan(s, first, end, type);
}

/* The next line of the same type in the same section. */
int
sdp_line_next(const struct sdp *s, int line)
{
	size_t	first, end;
	char	type;

	if ((type = sdp_line_type(s, line)) == '\0' || type == 'm')
		return -1;
	(void)sdp_section(s, sdp_line_media(s, line), &first, &end);
	return sdp_line_scan(s, (size_t)line + 1, end, type);
}

/* Rebuild the table of m= lines. */
void
sdp_reindex(struct sdp *s)
{
	size_t	i;

	s->nmedia = 0;
	for (i = 0; i < s->nlines; i++)
		if (sdp_line_type(s, (int)i) == 'm')
			s->mline[s->nmedia++] = i;
}

/* Order chunks by where their text lies. */
static int
sdp_chunk_cmp(const void *a, const void *b)
{
	const struct sdp_chunk	*x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/*
 * Move the text of the live lines to the start of the arena, in arena
 * order so that each move goes down over bytes no longer needed. Parts
 * that point into a live line's text are moved with it: a caller may pass
 * text it just read from the body.
 */
static void
sdp_compact(struct sdp *s, struct sdp_part *parts, size_t nparts)
{
	struct sdp_chunk	 c[SDP_MAX_LINES];
	size_t			 at[SDP_MAX_PARTS];
	int			 in[SDP_MAX_PARTS];
	size_t			 i, j, dst = 0, size;
	const char		*p;

	for (j = 0; j < nparts; j++) {
		p = parts[j].p;
		in[j] = p >= s->text && p < s->text + s->textlen;
		at[j] = in[j] ? (size_t)(p - s->text) : 0;
	}
	for (i = 0; i < s->nlines; i++) {
		c[i].off = s->line[i].off;
		c[i].line = (uint32_t)i;
	}
	qsort(c, s->nlines, sizeof(c[0]), sdp_chunk_cmp);
	for (i = 0; i < s->nlines; i++) {
		size = s->line[c[i].line].len + 1;
		for (j = 0; j < nparts; j++) {
			if (in[j] && at[j] >= c[i].off &&
			    at[j] < c[i].off + size) {
				parts[j].p = s->text + dst + (at[j] - c[i].off);
				in[j] = 0;
			}
		}
		memmove(s->text + dst, s->text + c[i].off, size);
		s->line[c[i].line].off = (uint32_t)dst;
		dst += size;
	}
	memset(s->text + dst, 0, s->textlen - dst);
	s->textlen = dst;
}

/* Put the parts joined, NUL-terminated, at the arena's end; the offset. */
static const char *
sdp_text_put(struct sdp *s, struct sdp_part *parts, size_t nparts,
    size_t total, uint32_t *offp)
{
	size_t	j, k;

	if (nparts > SDP_MAX_PARTS)
		return "too many pieces for one SDP line";
	if (total + 1 > sizeof(s->text) - s->textlen)
		sdp_compact(s, parts, nparts);
	if (total + 1 > sizeof(s->text) - s->textlen)
		return "SDP text arena full";
	k = s->textlen;
	for (j = 0; j < nparts; j++) {
		memcpy(s->text + k, parts[j].p, parts[j].n);
		k += parts[j].n;
	}
	s->text[k] = '\0';
	*offp = (uint32_t)s->textlen;
	s->textlen = k + 1;
	return NULL;
}

/* The bytes the parts make together. */
static size_t
sdp_parts_len(const struct sdp_part *parts, size_t nparts)
{
	size_t	j, n = 0;

	for (j = 0; j < nparts; j++)
		n += parts[j].n;
	return n;
}

/* Rebuild a line from parts; see sdp_int.h. */
const char *
sdp_line_build(struct sdp *s, size_t line, struct sdp_part *parts,
    size_t nparts)
{
	const char	*err;
	size_t		 total = sdp_parts_len(parts, nparts);
	uint32_t	 off;

	if (sdp_print_len(s) - s->line[line].len + total > SDP_MAX_BODY)
		return "SDP body would grow too large";
	if ((err = sdp_text_put(s, parts, nparts, total, &off)) != NULL)
		return err;
	/* The parts may have come from the old text: zero it only now. */
	memset(s->text + s->line[line].off, 0, s->line[line].len);
	s->line[line].off = off;
	s->line[line].len = (uint32_t)total;
	return NULL;
}

/* Insert a line; see sdp_int.h. */
const char *
sdp_line_insert(struct sdp *s, size_t at, struct sdp_part *parts,
    size_t nparts)
{
	const char	*err;
	size_t		 total = sdp_parts_len(parts, nparts);
	struct sdp_line	*l;
	uint32_t	 off;

	if (s->nlines == SDP_MAX_LINES)
		return "too many SDP lines";
	if (sdp_print_len(s) + total + sdp_eol_len(s->eol) > SDP_MAX_BODY)
		return "SDP body would grow too large";
	if ((err = sdp_text_put(s, parts, nparts, total, &off)) != NULL)
		return err;
	memmove(&s->line[at + 1], &s->line[at],
	    (s->nlines - at) * sizeof(s->line[0]));
	s->nlines++;
	l = &s->line[at];
	l->off = off;
	l->len = (uint32_t)total;
	l->eol = (uint8_t)s->eol;
	/* After a last line without a newline: the new one is last now. */
	if (at > 0 && l[-1].eol == SDP_EOL_NONE) {
		l[-1].eol = (uint8_t)s->eol;
		l->eol = SDP_EOL_NONE;
	}
	sdp_reindex(s);
	return NULL;
}

/* Delete a line; see sdp_int.h. */
void
sdp_line_delete(struct sdp *s, size_t line)
{
	uint8_t	eol = s->line[line].eol;

	memset(s->text + s->line[line].off, 0, s->line[line].len);
	memmove(&s->line[line], &s->line[line + 1],
	    (s->nlines - line - 1) * sizeof(s->line[0]));
	s->nlines--;
	if (eol == SDP_EOL_NONE && line > 0 && line == s->nlines)
		s->line[line - 1].eol = SDP_EOL_NONE;
	sdp_reindex(s);
}
