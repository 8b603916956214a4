/*
 * sdp_int.h: what sdp.c (line store, parse, print), sdp_field.c (reading
 * fields) and sdp_edit.c (edits) share, and nothing else includes.
 */
#ifndef SIPEDGE_SDP_INT_H
#define SIPEDGE_SDP_INT_H

#include <stddef.h>

#include "sdp.h"

/* A piece of a line's text, as offsets from its first byte. */
struct sdp_span {
	size_t	off;
	size_t	len;
};

/* A piece of text to build a line from; it may point into the arena. */
struct sdp_part {
	const char	*p;
	size_t		 n;
};

/* Fields of an m= line: media, port, proto, formats. */
#define SDP_M_FIELDS	(3 + SDP_MAX_FMTS)
/* Pieces one line is built from, at most. */
#define SDP_MAX_PARTS	8

/*
 * Split text[0..n) at runs of spaces into at most max fields: how many, or
 * max + 1 when there are more.
 */
size_t		 sdp_fields(const char *, size_t, struct sdp_span *,
		    size_t max);
/* 1 if p[0..n) is an RFC 8866 token shorter than max. */
int		 sdp_token_ok(const char *, size_t, size_t max);
/* 1 if p[0..n) is a proto: tokens joined by "/", shorter than max. */
int		 sdp_proto_ok(const char *, size_t, size_t max);
/* Copy p[0..n) into a buffer of size max, NUL-terminated; 0 if too long. */
int		 sdp_copy(char *, size_t max, const char *, size_t);

/* Parse a whole o= line; the sess-version's place into *version. */
const char	*sdp_parse_o(const char *, size_t, struct sdp_origin *,
		    struct sdp_span *version);
/* Parse a whole c= line; the place from nettype to the address end. */
const char	*sdp_parse_c(const char *, size_t, struct sdp_conn *,
		    struct sdp_span *tail);
/* Parse a whole m= line; the places of port[/nports] and proto. */
const char	*sdp_parse_m(const char *, size_t, struct sdp_media *,
		    struct sdp_span *port, struct sdp_span *proto);

/* 1 if a line is an a= line named name, in any case. */
int		 sdp_attr_is(const struct sdp *, size_t line, const char *name);

/* The lines [*first, *end) of a section; 0 if there is no such section. */
int		 sdp_section(const struct sdp *, int media, size_t *first,
		    size_t *end);
/* Replace the whole text of a line with the parts joined. */
const char	*sdp_line_build(struct sdp *, size_t line,
		    struct sdp_part *, size_t nparts);
/* Insert a new line made of the parts before line at (at <= nlines). */
const char	*sdp_line_insert(struct sdp *, size_t at, struct sdp_part *,
		    size_t nparts);
/* Remove a line; a last line without a newline passes that on. */
void		 sdp_line_delete(struct sdp *, size_t line);
/* Find the m= lines again after lines came or went. */
void		 sdp_reindex(struct sdp *);

#endif
