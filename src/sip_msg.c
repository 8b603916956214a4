/* sip_msg.c: libosip2 wrapper: parse, answer and serialise SIP. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "sip_msg.h"
#include "sip_msg_int.h"
#include "util.h"

/* Compact forms of headers libosip2 keeps as name/value pairs. */
static const char *const sip_compact[][2] = {
	{ "Supported", "k" }, { "Subject", "s" }, { "Event", "o" },
	{ "Allow-Events", "u" }, { "Refer-To", "r" }, { "Referred-By", "b" },
	{ "Session-Expires", "x" }, { "Accept-Contact", "a" },
	{ "Reject-Contact", "j" }, { "Request-Disposition", "d" },
};

static int	sip_msg_ready;

/* libosip2 traces go to debug: a peer's garbage must not flood the log. */
static void __attribute__((format(printf, 4, 0)))
sip_msg_trace_cb(const char *fi, int li, osip_trace_level_t level,
    const char *fmt, va_list ap)
{
	char	buf[256];

	if (log_get_level() < LOG_LVL_DEBUG || fmt == NULL)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\r\n")] = '\0';
	log_debug("libosip2: %s:%d: %s", fi != NULL ? fi : "?", li, buf);
}

/* Parser tables once; libosip2 would otherwise print errors to stdout. */
void
sip_msg_init(void)
{
	if (sip_msg_ready)
		return;
	parser_init();
	/* Levels below INFO1: fatal, bug, error, warning. */
	osip_trace_initialize_func(OSIP_INFO1, sip_msg_trace_cb);
	sip_msg_ready = 1;
}

/* Fill a caller's reason buffer, which may be absent. */
static void __attribute__((format(printf, 3, 4)))
sip_msg_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list	ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* Next line of buf from *off, without its LF or CRLF; 0 at the end. */
int
sip_line_next(const char *buf, size_t len, size_t *off, struct sip_line *l)
{
	const char	*nl;

	if (*off >= len)
		return 0;
	l->p = buf + *off;
	nl = memchr(l->p, '\n', len - *off);
	l->n = nl != NULL ? (size_t)(nl - l->p) : len - *off;
	*off += l->n + (nl != NULL);
	if (l->n > 0 && l->p[l->n - 1] == '\r')
		l->n--;
	return 1;
}

/* Length of the run of characters from set at p (n bytes at most). */
size_t
sip_span(const char *p, size_t n, const char *set)
{
	size_t	i;

	for (i = 0; i < n && p[i] != '\0' && strchr(set, p[i]) != NULL; i++)
		;
	return i;
}

/* Content-Length values become 0 (padded): libosip2 gets no body. */
static void
sip_msg_view_length(char *v, size_t n)
{
	struct sip_line	 l;
	size_t		 off = 0, k;
	char		*p;
	int		 in_cl = 0;

	(void)sip_line_next(v, n, &off, &l);
	while (sip_line_next(v, n, &off, &l) && l.n > 0) {
		p = (char *)l.p;
		if (p[0] != ' ' && p[0] != '\t') {
			k = sip_token_len(p, l.n);
			in_cl = (k == 1 && (p[0] | 0x20) == 'l') || (k == 14 &&
			    strncasecmp(p, "Content-Length", 14) == 0);
			if (!in_cl)
				continue;
			p += k;
			l.n -= k;
			while (l.n > 0 && *p != ':')
				p++, l.n--;
		} else if (!in_cl)
			continue;
		for (; l.n > 0; p++, l.n--)
			if (*p >= '0' && *p <= '9')
				*p = in_cl++ == 1 ? '0' : ' ';
	}
}

/*
 * The header block as libosip2 sees it: escaped NULs in URIs and NUL
 * bytes in quoted strings masked (see SIP_MASK_NUL), and no body. The
 * body is handed over whole afterwards: libosip2's own multipart parser
 * rewrites what it prints and leaks on duplicate part headers, and the
 * edge forwards bodies as they came anyway. Caller frees.
 */
static char *
sip_msg_view(const char *buf, size_t body, int mask, size_t *outlen)
{
	const size_t	 ml = sizeof(SIP_MASK_NUL) - 1;
	char		*out = xmalloc(body + (mask ? (body / 3 + 1) * ml : 0) + 1);
	size_t		 i, n = 0;

	for (i = 0; i < body; i++) {
		if (mask && buf[i] == '%' && body - i >= 3 &&
		    buf[i + 1] == '0' && buf[i + 2] == '0') {
			memcpy(out + n, SIP_MASK_NUL, ml);
			n += ml;
			i += 2;
		} else
			out[n++] = buf[i] == '\0' ? SIP_MASK_CTL : buf[i];
	}
	out[n] = '\0';
	sip_msg_view_length(out, n);
	*outlen = n;
	return out;
}

/* Parse, then refuse what libosip2 accepts but the proxy cannot use. */
static int	sip_msg_keep_auth_raw(osip_message_t *, const char *, size_t);

/* Drop every body msg has. */
static void
sip_msg_bodies_free(osip_message_t *msg)
{
	osip_body_t	*b;

	while ((b = osip_list_get(&msg->bodies, 0)) != NULL) {
		osip_list_remove(&msg->bodies, 0);
		osip_body_free(b);
	}
}

/*
 * One part, headers and body, as a body of msg's. Its headers are read
 * here, not by libosip2's MIME parser, which takes bare LFs for line ends
 * and leaks a second Content-Type: a part whose headers are not plain
 * "Name: value" lines ending in CRLF, or that has two types, is refused.
 */
static int
sip_msg_part(osip_message_t *msg, const char *p, size_t n)
{
	osip_body_t	*b = NULL;
	const char	*eol;
	char		*name = NULL, *value = NULL;
	size_t		 k, c, v;
	bool		 typed = false;

	if (osip_body_init(&b) != 0)
		return -1;
	for (;;) {
		if ((eol = memmem(p, n, "\r\n", 2)) == NULL)
			goto bad;
		if ((k = (size_t)(eol - p)) == 0)
			break;			/* the empty line */
		c = sip_token_len(p, k);
		if (c == 0 || c == k || p[c] != ':' ||
		    memchr(p, '\n', k) != NULL || memchr(p, '\r', k) != NULL ||
		    memchr(p, '\0', k) != NULL)
			goto bad;
		v = c + 1 + sip_span(p + c + 1, k - c - 1, " \t");
		name = xstrndup(p, c);
		value = xstrndup(p + v, k - v);
		if (strcasecmp(name, "content-type") == 0) {
			if (typed || osip_body_set_contenttype(b, value) != 0)
				goto bad;
			typed = true;
		} else if (osip_body_set_header(b, name, value) != 0)
			goto bad;
		free(name);
		free(value);
		name = value = NULL;
		p += k + 2;
		n -= k + 2;
	}
	p += 2;
	n -= 2;
	b->body = osip_malloc(n + 1);
	if (b->body == NULL)
		goto bad;
	memcpy(b->body, p, n);
	b->body[n] = '\0';
	b->length = n;
	if (osip_list_add(&msg->bodies, b, -1) < 0)
		goto bad;
	return 0;
bad:
	free(name);
	free(value);
	osip_body_free(b);
	return -1;
}

/* Where the delimiter d (dlen bytes) next starts a line in buf, or len. */
static size_t
sip_msg_delim(const char *buf, size_t len, size_t from, const char *d,
    size_t dlen)
{
	const char	*p;

	while (from + dlen <= len &&
	    (p = memmem(buf + from, len - from, d, dlen)) != NULL) {
		from = (size_t)(p - buf);
		if (from == 0 || (from >= 2 && buf[from - 2] == '\r' &&
		    buf[from - 1] == '\n'))
			return from;
		from++;
	}
	return len;
}

/*
 * A multipart body (RFC 5621, RFC 2046 §5.1) as its parts, each with
 * its own headers, so that the SDP part can be rewritten and the others
 * (an emergency call's location, a carrier's ISUP) pass as they are.
 * Returns -1, with no body kept, for anything else or a body that is
 * not the multipart its type says: the caller then keeps it whole.
 */
static int
sip_msg_parts(osip_message_t *msg, const char *buf, size_t len)
{
	osip_generic_param_t	*bp = NULL;
	const char		*bv;
	char			 d[80];
	size_t			 dlen, pos, start, end, bl;

	if (msg->content_type == NULL || msg->content_type->type == NULL ||
	    strcasecmp(msg->content_type->type, "multipart") != 0 ||
	    osip_generic_param_get_byname(&msg->content_type->gen_params,
	    "boundary", &bp) != 0 || bp == NULL || (bv = bp->gvalue) == NULL)
		return -1;
	bl = strlen(bv);
	if (bl >= 2 && bv[0] == '"' && bv[bl - 1] == '"') {
		bv++;
		bl -= 2;
	}
	if (bl == 0 || bl > 70)		/* RFC 2046's limit */
		return -1;
	dlen = (size_t)snprintf(d, sizeof(d), "--%.*s", (int)bl, bv);
	pos = sip_msg_delim(buf, len, 0, d, dlen);
	for (;;) {
		if (pos + dlen > len)
			goto bad;
		pos += dlen;
		if (pos + 2 <= len && buf[pos] == '-' && buf[pos + 1] == '-')
			break;				/* the close delimiter */
		pos += sip_span(buf + pos, len - pos, " \t");
		if (pos + 2 > len || buf[pos] != '\r' || buf[pos + 1] != '\n')
			goto bad;
		start = pos + 2;
		if ((end = sip_msg_delim(buf, len, start, d, dlen)) == len ||
		    end < start + 2)
			goto bad;
		if (sip_msg_part(msg, buf + start, end - 2 - start) != 0)
			goto bad;
		pos = end;
	}
	if (osip_list_size(&msg->bodies) > 0)
		return 0;
bad:
	sip_msg_bodies_free(msg);
	return -1;
}

osip_message_t *
sip_msg_parse(const char *buf, size_t len, char *why, size_t whylen)
{
	return sip_msg_parse_code(buf, len, NULL, why, whylen);
}

osip_message_t *
sip_msg_parse_code(const char *buf, size_t len, int *code, char *why,
    size_t whylen)
{
	osip_message_t	*msg = NULL;
	struct sip_line	 field;
	const char	*err;
	char		*view = NULL;
	size_t		 body = 0, vlen = 0;
	int		 status = 400, mask = 0;

	sip_msg_init();
	sip_msg_why(why, whylen, "%s", "");
	if ((err = sip_msg_precheck(buf, len, &body, &status, &mask,
	    &field)) != NULL) {
		if (field.n == 0)
			goto fail;
		sip_msg_why(why, whylen, "%s %.*s", err, (int)(field.n > 32 ?
		    32 : field.n), field.p);
		goto refuse;
	}
	status = 400;
	view = sip_msg_view(buf, body, mask, &vlen);
	err = "unparsable message";
	if (osip_message_init(&msg) != 0 ||
	    osip_message_parse(msg, view, vlen) != 0 ||
	    (err = sip_msg_check(msg)) != NULL)
		goto fail;
	/* A body needs a type, or the next hop cannot know what it is. */
	err = "body without Content-Type";
	if (body < len && msg->content_type == NULL)
		goto fail;
	err = "cannot keep the body";
	if (body < len && sip_msg_parts(msg, buf + body, len - body) != 0 &&
	    osip_message_set_body(msg, buf + body, len - body) != 0)
		goto fail;
	if (MSG_IS_REQUEST(msg) &&
	    strcmp(msg->cseq->method, msg->sip_method) != 0) {
		sip_msg_why(why, whylen, "CSeq method %.32s does not match "
		    "request method %.32s", msg->cseq->method, msg->sip_method);
		goto refuse;
	}
	err = "cannot keep authentication headers";
	if (sip_msg_keep_auth_raw(msg, view, vlen) != 0)
		goto fail;
	err = "cannot print the message";
	if ((msg->application_data = sip_src_new(msg, buf, len)) == NULL)
		goto fail;
	free(view);
	return msg;
fail:
	sip_msg_why(why, whylen, "%s", err);
refuse:
	if (code != NULL)
		*code = status;
	free(view);
	sip_msg_free(msg);
	return NULL;
}

/* The authentication headers libosip2 would rewrite (see below). */
static const char *const sip_auth_names[] = {
	"WWW-Authenticate", "Proxy-Authenticate", "Authorization",
	"Proxy-Authorization", "Authentication-Info",
	"Proxy-Authentication-Info",
};

/* Which of those a header line is, or -1. */
static int
sip_auth_name(const struct sip_line *l, size_t *value_off)
{
	size_t	i, n;

	for (i = 0; i < sizeof(sip_auth_names) / sizeof(sip_auth_names[0]);
	    i++) {
		n = strlen(sip_auth_names[i]);
		if (l->n <= n || strncasecmp(l->p, sip_auth_names[i], n) != 0)
			continue;
		n += sip_span(l->p + n, l->n - n, " \t");
		if (n < l->n && l->p[n] == ':') {
			*value_off = n + 1;
			return (int)i;
		}
	}
	return -1;
}

/* Add one raw authentication header value (folding joined, trimmed). */
static int
sip_auth_add(osip_message_t *msg, int which, const char *v, size_t n)
{
	char	*value;
	int	 rc;

	while (n > 0 && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	value = xstrndup(v, n);
	rc = osip_message_set_header(msg, sip_auth_names[which], value);
	free(value);
	return rc;
}

/*
 * libosip2 parses authentication headers into structures and prints them
 * back in its own order, silently dropping parameters it does not know
 * (RFC 7616 userhash and charset among them). A proxy must pass them as
 * they came, and digest handling wants the text, so the structured lists
 * are replaced by the header lines exactly as received, in their order.
 */
static int
sip_msg_keep_auth_raw(osip_message_t *msg, const char *buf, size_t len)
{
	struct sip_line	 l;
	size_t		 off = 0, voff = 0;
	char		*acc = NULL;
	size_t		 acclen = 0;
	int		 which = -1, rc = 0;

	osip_list_special_free(&msg->www_authenticates,
	    (void (*)(void *))osip_www_authenticate_free);
	osip_list_special_free(&msg->proxy_authenticates,
	    (void (*)(void *))osip_www_authenticate_free);
	osip_list_special_free(&msg->authorizations,
	    (void (*)(void *))osip_authorization_free);
	osip_list_special_free(&msg->proxy_authorizations,
	    (void (*)(void *))osip_authorization_free);
	osip_list_special_free(&msg->authentication_infos,
	    (void (*)(void *))osip_authentication_info_free);
	osip_list_special_free(&msg->proxy_authentication_infos,
	    (void (*)(void *))osip_authentication_info_free);
	(void)sip_line_next(buf, len, &off, &l);	/* the start line */
	while (sip_line_next(buf, len, &off, &l) && l.n > 0) {
		if (l.p[0] == ' ' || l.p[0] == '\t') {
			/* A folded line continues the header before it. */
			if (which >= 0) {
				acc = xreallocarray(acc, acclen + l.n + 1, 1);
				acc[acclen++] = ' ';
				memcpy(acc + acclen, l.p, l.n);
				acclen += l.n;
			}
			continue;
		}
		if (which >= 0 && sip_auth_add(msg, which, acc, acclen) != 0)
			rc = -1;
		free(acc);
		acc = NULL;
		acclen = 0;
		if ((which = sip_auth_name(&l, &voff)) >= 0) {
			acclen = l.n - voff;
			acc = xstrndup(l.p + voff, acclen);
		}
	}
	if (which >= 0 && sip_auth_add(msg, which, acc, acclen) != 0)
		rc = -1;
	free(acc);
	return rc;
}

/* osip_message_free() that accepts NULL, and the bytes kept beside it. */
void
sip_msg_free(osip_message_t *msg)
{
	if (msg == NULL)
		return;
	sip_src_free(msg->application_data);
	msg->application_data = NULL;
	osip_message_free(msg);
}

/*
 * A copy for the edge's own use (answers, CANCEL, ACK): libosip2 copies
 * application_data as a pointer, so the copy must not share the bytes.
 */
int
sip_msg_clone(const osip_message_t *msg, osip_message_t **out)
{
	if (osip_message_clone(msg, out) != 0) {
		*out = NULL;
		return -1;
	}
	(*out)->application_data = NULL;
	return 0;
}

/*
 * libosip2 pads Content-Length ("Content-Length:    30") to fill it in
 * later; print it plainly, phones' parsers being what they are.
 */
static void
sip_msg_tidy_length(char *s, size_t *len)
{
	static const char	 h[] = "\r\nContent-Length: ";
	char			*p, *end;
	size_t			 pad;

	if ((end = strstr(s, "\r\n\r\n")) == NULL ||
	    (p = strstr(s, h)) == NULL || p > end)
		return;
	p += sizeof(h) - 1;
	if ((pad = strspn(p, " ")) == 0)
		return;
	memmove(p, p + pad, *len - (size_t)(p + pad - s) + 1);
	*len -= pad;
}

/*
 * Undo SIP_MASK_NUL in the header block libosip2 printed, in place: the
 * edge's own answers copy From, To and Via from a masked request.
 */
static void
sip_msg_unmask(char *s, size_t *len)
{
	const size_t	 ml = sizeof(SIP_MASK_NUL) - 1;
	char		*end = strstr(s, "\r\n\r\n"), *m, *from = s;

	if (end == NULL)
		return;
	while ((m = (char *)sip_mask_find(from, (size_t)(end - from))) !=
	    NULL) {
		memcpy(m, "%00", 3);
		memmove(m + 3, m + ml, *len - (size_t)(m + ml - s) + 1);
		*len -= ml - 3;
		end -= ml - 3;
		from = m + 3;
	}
}

/* Print a message with libosip2 alone, Content-Length computed. */
int
sip_msg_print_osip(osip_message_t *msg, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	/*
	 * After one osip_message_to_str() libosip2 returns its cached text
	 * until told the structure changed: edits made through the fields
	 * (Via params, Contact) would be lost.
	 */
	osip_message_force_update(msg);
	if (osip_message_to_str(msg, out, len) != 0 || *out == NULL) {
		*out = NULL;
		*len = 0;
		return -1;
	}
	sip_msg_tidy_length(*out, len);
	sip_msg_unmask(*out, len);
	return 0;
}

/* Print a message with its structure edits; see sip_msg.h. */
int
sip_msg_serialize(osip_message_t *msg, char **out, size_t *len)
{
	if (msg->application_data != NULL)
		return sip_src_print(msg->application_data, msg, out, len);
	return sip_msg_print_osip(msg, out, len);
}

/* Whether a message is a request. */
int
sip_msg_is_request(const osip_message_t *msg)
{
	return MSG_IS_REQUEST(msg);
}

/* The request method, or for a response the method in its CSeq. */
const char *
sip_msg_method(const osip_message_t *msg)
{
	if (MSG_IS_REQUEST(msg))
		return msg->sip_method;
	return msg->cseq != NULL ? msg->cseq->method : NULL;
}

/* The status code of a response, 0 for a request. */
int
sip_msg_status(const osip_message_t *msg)
{
	return msg->status_code;
}

/* The Call-ID; NULL if it was built elsewhere and is still split at '@'. */
const char *
sip_msg_call_id(const osip_message_t *msg)
{
	if (msg->call_id == NULL || msg->call_id->host != NULL)
		return NULL;
	return msg->call_id->number;
}

/* First value of a name/value header, by full or compact name. */
const char *
sip_msg_header(const osip_message_t *msg, const char *name)
{
	const char	*alt = NULL;
	osip_header_t	*h;
	size_t		 k;
	int		 i;

	for (k = 0; k < nitems(sip_compact); k++)
		if (strcasecmp(name, sip_compact[k][0]) == 0)
			alt = sip_compact[k][1];
	for (i = 0; (h = osip_list_get(&msg->headers, i)) != NULL; i++)
		if (h->hname != NULL && (strcasecmp(h->hname, name) == 0 ||
		    (alt != NULL && strcasecmp(h->hname, alt) == 0)))
			return h->hvalue != NULL ? h->hvalue : "";
	return NULL;
}

/* Source address for received= (no brackets, v4-mapped as IPv4), port. */
static int
sip_addr_str(const struct sockaddr *sa, char *host, size_t hostlen,
    unsigned *port)
{
	const struct sockaddr_in	*sin = (const void *)sa;
	const struct sockaddr_in6	*sin6 = (const void *)sa;
	struct in_addr			 v4;

	if (sa != NULL && sa->sa_family == AF_INET) {
		*port = ntohs(sin->sin_port);
		return inet_ntop(AF_INET, &sin->sin_addr, host, hostlen) ?
		    0 : -1;
	}
	if (sa == NULL || sa->sa_family != AF_INET6)
		return -1;
	*port = ntohs(sin6->sin6_port);
	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		memcpy(&v4, &sin6->sin6_addr.s6_addr[12], sizeof(v4));
		return inet_ntop(AF_INET, &v4, host, hostlen) ? 0 : -1;
	}
	return inet_ntop(AF_INET6, &sin6->sin6_addr, host, hostlen) ? 0 : -1;
}

/* Replace every name parameter of a Via (a phone may send several). */
static int
sip_via_param_put(osip_via_t *via, const char *name, const char *value)
{
	osip_generic_param_t	*p;
	char			*n, *v;
	int			 i = 0;

	while ((p = osip_list_get(&via->via_params, i)) != NULL) {
		if (p->gname != NULL && strcasecmp(p->gname, name) == 0) {
			osip_list_remove(&via->via_params, i);
			osip_generic_param_free(p);
		} else
			i++;
	}
	n = osip_strdup(name);
	v = osip_strdup(value);
	if (n == NULL || v == NULL ||
	    osip_generic_param_add(&via->via_params, n, v) != 0) {
		osip_free(n);
		osip_free(v);
		return -1;
	}
	return 0;
}

/*
 * RFC 3581 §4 on the top Via. rport is filled in even when the phone did
 * not ask for it: the edge answers over the connection whatever the Via
 * says (design rule 1), and the real port in the Via documents that.
 */
int
sip_msg_via_received(osip_message_t *msg, const struct sockaddr *src)
{
	osip_via_t	*via;
	char		 host[INET6_ADDRSTRLEN], port[8];
	unsigned	 p;

	if ((via = osip_list_get(&msg->vias, 0)) == NULL ||
	    sip_addr_str(src, host, sizeof(host), &p) == -1)
		return -1;
	snprintf(port, sizeof(port), "%u", p);
	if (sip_via_param_put(via, "received", host) == -1 ||
	    sip_via_param_put(via, "rport", port) == -1)
		return -1;
	osip_message_force_update(msg);
	return 0;
}

/* Copy Vias in order, From, To, Call-ID and CSeq from req to res. */
static int
sip_msg_copy_ids(const osip_message_t *req, osip_message_t *res)
{
	osip_via_t	*via, *copy;
	int		 i;

	for (i = 0; (via = osip_list_get(&req->vias, i)) != NULL; i++) {
		if (osip_via_clone(via, &copy) != 0)
			return -1;
		if (osip_list_add(&res->vias, copy, -1) < 0) {
			osip_via_free(copy);
			return -1;
		}
	}
	if (i == 0 || osip_from_clone(req->from, &res->from) != 0 ||
	    osip_to_clone(req->to, &res->to) != 0 ||
	    osip_call_id_clone(req->call_id, &res->call_id) != 0 ||
	    osip_cseq_clone(req->cseq, &res->cseq) != 0)
		return -1;
	return 0;
}

/* The UAS tag on To (RFC 3261 §8.2.6.2), unless it has one or is 100. */
static int
sip_msg_add_to_tag(osip_message_t *res, int code, const char *to_tag)
{
	osip_generic_param_t	*tag;
	char			*v;

	if (code <= 100 || to_tag == NULL ||
	    osip_to_get_tag(res->to, &tag) == OSIP_SUCCESS)
		return 0;
	if (!sip_token_str(to_tag) || (v = osip_strdup(to_tag)) == NULL)
		return -1;
	if (osip_to_set_tag(res->to, v) != 0) {
		osip_free(v);
		return -1;
	}
	return 0;
}

/* A printable reason phrase for code; NULL if the caller's is unsafe. */
const char *
sip_reason(int code, const char *reason)
{
	if (code < 100 || code > 699)
		return NULL;
	if (reason == NULL && (reason = osip_message_get_reason(code)) == NULL)
		reason = "Unknown";
	return sip_text_ok(reason, strlen(reason)) ? reason : NULL;
}

/* Build the response to a parsed request (RFC 3261 §8.2.6). */
osip_message_t *
sip_msg_response(const osip_message_t *req, int code, const char *reason,
    const char *to_tag)
{
	osip_message_t	*res;
	const char	*ts;

	sip_msg_init();
	if (req == NULL || !MSG_IS_REQUEST(req) ||
	    (reason = sip_reason(code, reason)) == NULL ||
	    osip_message_init(&res) != 0)
		return NULL;
	osip_message_set_version(res, osip_strdup("SIP/2.0"));
	osip_message_set_status_code(res, code);
	osip_message_set_reason_phrase(res, osip_strdup(reason));
	/* RFC 3261 §8.2.6.1: a 100 echoes the Timestamp. */
	ts = code == 100 ? sip_msg_header(req, "Timestamp") : NULL;
	if (res->sip_version == NULL || res->reason_phrase == NULL ||
	    sip_msg_copy_ids(req, res) == -1 ||
	    sip_msg_add_to_tag(res, code, to_tag) == -1 ||
	    (ts != NULL &&
	    osip_message_set_header(res, "Timestamp", ts) != 0) ||
	    osip_message_set_header(res, "Server", SIP_MSG_SERVER) != 0 ||
	    osip_message_set_content_length(res, "0") != 0) {
		osip_message_free(res);
		return NULL;
	}
	return res;
}
