/*
 * sdp.h: SDP bodies (RFC 8866, formerly RFC 4566) as a faithful data
 * layer for a proxy that rewrites offers and answers: parse a body into
 * its lines and media sections, read the fields media anchoring needs,
 * edit a few of them, and print the result. No offer/answer policy lives
 * here.
 *
 * Every line keeps its raw bytes and its own line end (CRLF or a bare LF,
 * mixed as received, the last one possibly missing), so printing what was
 * parsed gives back the input byte for byte, and an edit changes only the
 * lines it names. libosip2's sdp_message is not used: it rebuilds every
 * line, drops what it does not know and cannot keep a body's line ends.
 *
 * Lines are numbered 0..nlines-1 in body order. Media sections are
 * numbered 0..nmedia-1 in m= order; SDP_SESSION names the session level.
 * Line numbers from the finders hold until the next edit that adds or
 * removes a line; strings returned point into the struct and hold until
 * the next edit of any kind.
 *
 * A struct sdp owns its text (offsets into an arena inside it, no
 * pointers), so it can be copied by assignment or memcpy, e.g. to rewrite
 * one offer two ways. It is large (about 140 KB): allocate it.
 *
 * The module never logs: bodies carry SRTP master keys (a=crypto). The
 * text of a line an edit replaced or removed is zeroed, so a key the
 * proxy took out is gone from the struct (not from copies made before).
 * Functions that can fail return NULL on success and a short static
 * reason on failure, fit for a log line; no reason quotes the input.
 */
#ifndef SIPEDGE_SDP_H
#define SIPEDGE_SDP_H

#include <stddef.h>
#include <stdint.h>

#define SDP_MAX_BODY	65536	/* bytes in a body, parsed or printed */
#define SDP_MAX_LINES	512	/* lines in a body, blank trailing ones too */
#define SDP_MAX_MEDIA	32	/* m= sections */
#define SDP_MAX_FMTS	64	/* formats on one m= line */
#define SDP_TOKEN_MAX	32	/* media, proto, fmt, nettype..., with NUL */
#define SDP_ADDR_MAX	256	/* an address or FQDN, o= username, with NUL */
#define SDP_NUM_MAX	64	/* o= sess-id and sess-version, with NUL */
/*
 * Twice the most live text (every line and its NUL): an edit that finds
 * the arena full compacts it and then always has room for one more line.
 */
#define SDP_TEXT_MAX	(2 * (SDP_MAX_BODY + SDP_MAX_LINES))

#define SDP_SESSION	(-1)	/* the session level, as a media number */

/* How a line ended in the body; NONE only for a last line. */
enum sdp_eol {
	SDP_EOL_NONE = 0,
	SDP_EOL_LF,
	SDP_EOL_CRLF,
};

/* One line: "X=value" at text[off..off+len), NUL-terminated there. */
struct sdp_line {
	uint32_t	off;
	uint32_t	len;	/* 0: a blank line at the end of the body */
	uint8_t		eol;	/* enum sdp_eol */
};

/*
 * A parsed body. Read nlines and nmedia freely; change it only through
 * the functions below. Blank lines are accepted only at the end of a
 * body (some stacks add an empty line); they print as received and stay
 * last.
 */
struct sdp {
	size_t		nlines;
	struct sdp_line	line[SDP_MAX_LINES];
	size_t		ntrail;			/* blank lines at the end */
	size_t		nmedia;
	size_t		mline[SDP_MAX_MEDIA];	/* line of each m= */
	enum sdp_eol	eol;			/* what new lines end with */
	size_t		textlen;		/* arena bytes in use */
	char		text[SDP_TEXT_MAX];
};

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address> */
struct sdp_origin {
	char	username[SDP_ADDR_MAX];
	char	sess_id[SDP_NUM_MAX];
	char	sess_version[SDP_NUM_MAX];	/* decimal, any length */
	char	nettype[SDP_TOKEN_MAX];
	char	addrtype[SDP_TOKEN_MAX];
	char	addr[SDP_ADDR_MAX];
};

/* c=<nettype> <addrtype> <address>[/ttl][/count] */
struct sdp_conn {
	int	line;				/* the c= line read */
	char	nettype[SDP_TOKEN_MAX];		/* "IN" */
	char	addrtype[SDP_TOKEN_MAX];	/* "IP4", "IP6" */
	char	addr[SDP_ADDR_MAX];		/* without /ttl and /count */
	int	multicast;			/* a /ttl or /count followed */
};

/* m=<media> <port>[/<nports>] <proto> <fmt> ... */
struct sdp_media {
	char		media[SDP_TOKEN_MAX];	/* "audio", "image" */
	unsigned	port;			/* 0: rejected (RFC 3264 §6) */
	unsigned	nports;			/* 0: no /nports given */
	char		proto[SDP_TOKEN_MAX];	/* "RTP/SAVP", "udptl" */
	size_t		nfmt;
	/* The formats in m= order: "0", "101", "t38". */
	char		fmt[SDP_MAX_FMTS][SDP_TOKEN_MAX];
};

/* b=<bwtype>:<bandwidth> */
struct sdp_bandwidth {
	char		type[SDP_TOKEN_MAX];	/* "AS", "TIAS", "CT" */
	unsigned long	value;
};

/* a=rtcp:<port> [<nettype> <addrtype> <address>] (RFC 3605) */
struct sdp_rtcp {
	unsigned	port;
	char		nettype[SDP_TOKEN_MAX];	/* "" when no address */
	char		addrtype[SDP_TOKEN_MAX];
	char		addr[SDP_ADDR_MAX];
};

/* a=rtpmap:<pt> <encoding>/<clock>[/<params>] */
struct sdp_rtpmap {
	int		line;
	unsigned	pt;
	char		encoding[SDP_TOKEN_MAX];	/* "telephone-event" */
	unsigned	clock;
	char		params[SDP_TOKEN_MAX];		/* channels, or "" */
};

/* The direction attributes (RFC 3264 §5.1, §6.1). */
enum sdp_dir {
	SDP_DIR_SENDRECV = 0,	/* also when none is given */
	SDP_DIR_SENDONLY,
	SDP_DIR_RECVONLY,
	SDP_DIR_INACTIVE,
};

/*
 * Parse the body in buf[0..len). Refused: an empty or oversized body, a
 * first line other than v=0, a line not of the form X=..., a control
 * character (other than TAB) or a bare CR in a line, a blank line before
 * the end, an o=, c= or m= line that does not parse, too many lines,
 * media or formats. On failure *s is left empty (no lines).
 */
const char	*sdp_parse(const char *buf, size_t len, struct sdp *s);

/* The bytes sdp_print() writes, without its NUL. */
size_t		 sdp_print_len(const struct sdp *);
/*
 * Print into out[0..outlen), NUL-terminated, each line with its own line
 * end; new lines end like the body's first line. The length goes to
 * *lenp when lenp is not NULL.
 */
const char	*sdp_print(const struct sdp *, char *out, size_t outlen,
		    size_t *lenp);
/* The same into a malloc'd string; NULL only when memory runs out. */
char		*sdp_print_alloc(const struct sdp *, size_t *lenp);

/* The type letter of a line ('a', 'm'...), '\0' for a blank one. */
char		 sdp_line_type(const struct sdp *, int line);
/* A line's text "X=value", NUL-terminated, its length into *lenp. */
const char	*sdp_line_text(const struct sdp *, int line, size_t *lenp);
/* The media section a line is in, SDP_SESSION before the first m=. */
int		 sdp_line_media(const struct sdp *, int line);
/* The first line of a type in a section (media or SDP_SESSION), or -1. */
int		 sdp_line_find(const struct sdp *, int media, char type);
/* The next line of the same type after line in its section (not m=). */
int		 sdp_line_next(const struct sdp *, int line);

/* The o= line's fields. */
const char	*sdp_origin(const struct sdp *, struct sdp_origin *);
/* The c= line of a section itself (media, or SDP_SESSION). */
const char	*sdp_conn(const struct sdp *, int media, struct sdp_conn *);
/* The c= that applies to a media section: its own, else the session's. */
const char	*sdp_media_conn(const struct sdp *, int media,
		    struct sdp_conn *);
/* The m= line's fields of a media section. */
const char	*sdp_media(const struct sdp *, int media, struct sdp_media *);
/* The fields of a b= line (from sdp_line_find(s, media, 'b')). */
const char	*sdp_bandwidth(const struct sdp *, int line,
		    struct sdp_bandwidth *);

/*
 * The first a= line named name (compared in any case) in a section, or
 * -1; then the next one after line in the same section.
 */
int		 sdp_attr_find(const struct sdp *, int media, const char *name);
int		 sdp_attr_next(const struct sdp *, int line, const char *name);
/* What follows "name:" on an a= line, NUL-terminated; NULL if no ':'. */
const char	*sdp_attr_value(const struct sdp *, int line);

/* a=rtcp of a media section: 1 and *out, 0 if none, -1 if malformed. */
int		 sdp_rtcp(const struct sdp *, int media, struct sdp_rtcp *out);
/* 1 if a media section carries a=rtcp-mux. */
int		 sdp_rtcp_mux(const struct sdp *, int media);
/*
 * The direction of a section: a media section's own attribute, else the
 * session's, else sendrecv. SDP_SESSION gives the session's alone. A
 * c=0.0.0.0 hold (RFC 2543) is not a direction: read the address.
 */
enum sdp_dir	 sdp_direction(const struct sdp *, int media);
/* The name of a direction: "sendrecv"... */
const char	*sdp_dir_name(enum sdp_dir);
/* The a=rtpmap for payload type pt in a media section: its line, or -1. */
int		 sdp_rtpmap(const struct sdp *, int media, unsigned pt,
		    struct sdp_rtpmap *out);
/*
 * The first a=rtpmap of an encoding (any case) in a media section whose
 * payload type is on the m= line, e.g. "telephone-event": line, or -1.
 */
int		 sdp_rtpmap_find(const struct sdp *, int media,
		    const char *encoding, struct sdp_rtpmap *out);
/* The a=fmtp for pt: its line, or -1; the parameters into *paramsp. */
int		 sdp_fmtp(const struct sdp *, int media, unsigned pt,
		    const char **paramsp);

/*
 * Edits. Each changes the lines it names and no other byte of the body.
 * They refuse to grow the printed body past SDP_MAX_BODY or SDP_MAX_LINES.
 */

/*
 * Set the c= address of a section (media or SDP_SESSION) to an IPv4 or
 * IPv6 address literal; the addrtype follows it, nettype becomes IN and a
 * multicast /ttl goes. Without a c= line there, one is added where RFC
 * 8866 §5 orders it (session: after o=, s=, i=, u=, e=, p=; media: after
 * m= and i=).
 */
const char	*sdp_set_conn(struct sdp *, int media, const char *addr);
/*
 * Set a media port; nports 0 or 1 drops a "/nports", more writes it. A
 * section without formats (a rejected one may be sent so) stays at port 0.
 */
const char	*sdp_media_set_port(struct sdp *, int media, unsigned port,
		    unsigned nports);
/* Set a media proto ("RTP/SAVP"); formats and everything else stay. */
const char	*sdp_media_set_proto(struct sdp *, int media,
		    const char *proto);
/* Reject a media section: port 0, the section kept (RFC 3264 §6). */
const char	*sdp_media_reject(struct sdp *, int media);
/* Remove every a= line named name (any case) in a section; how many. */
size_t		 sdp_attr_remove(struct sdp *, int media, const char *name);
/* Remove one a= line (from the finders). */
const char	*sdp_attr_remove_line(struct sdp *, int line);
/*
 * Add a=name[:value] (value NULL: a property attribute) to a section,
 * right after its last a= line, else at the end of the section. A body
 * that ended without a newline still does.
 */
const char	*sdp_attr_add(struct sdp *, int media, const char *name,
		    const char *value);
/* Replace the value of an a= line (NULL: leave the name alone). */
const char	*sdp_attr_set(struct sdp *, int line, const char *value);
/* Remove a media section, every line of it (sdp_section.c). */
const char	*sdp_media_remove(struct sdp *, int media);
/*
 * Copy media section `media` of src, every line, in before section at of
 * dst (at == dst->nmedia: after the last); dst must not be src.
 */
const char	*sdp_media_copy(struct sdp *dst, int at, const struct sdp *src,
		    int media);
/*
 * Set the o= sess-version to a decimal string and, each where not NULL,
 * the username and sess-id (tokens) and the unicast address (an IP
 * literal: "IN IP4|IP6 ADDR"); the line is then written anew.
 */
const char	*sdp_origin_set(struct sdp *, const char *user,
		    const char *sess_id, const char *version,
		    const char *addr);
/* Add one to the o= sess-version as decimal text, past 2^64 too. */
const char	*sdp_origin_bump(struct sdp *);

#endif
