/* sip_msg.c: libosip2 wrapper: parse, check, answer and serialise SIP. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "sip_msg.h"
#include "util.h"

#define SIP_MSG_SERVER		"sipedge/" PACKAGE_VERSION
/* Header fields, list items and parameters; real messages have < 100. */
#define SIP_MSG_MAX_ITEMS	1024

/* One line of a raw message, without its line end. */
struct sip_line {
	const char	*p;
	size_t		 n;
};

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
#define SIP_RAW_ALL	0x3e
#define SIP_RAW_TAIL	"Server: " SIP_MSG_SERVER "\r\n" \
			"Content-Length: 0\r\n\r\n"

/* RFC 3261 token characters: methods, header names, tags. */
static const char sip_token[] = "abcdefghijklmnopqrstuvwxyz"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~";

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
static int
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
static size_t
sip_span(const char *p, size_t n, const char *set)
{
	size_t	i;

	for (i = 0; i < n && p[i] != '\0' && strchr(set, p[i]) != NULL; i++)
		;
	return i;
}

/* Whether a whole NUL-terminated string is a token. */
static int
sip_token_str(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && sip_span(s, n, sip_token) == n;
}

/* Header text: no control characters but HT; UTF-8 is allowed. */
static int
sip_text_ok(const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (((unsigned char)p[i] < 0x20 && p[i] != '\t') ||
		    p[i] == 0x7f)
			return 0;
	return 1;
}

/* "METHOD SP URI SP SIP/2.0": the method's length, 0 if it is not one. */
static size_t
sip_request_line(const struct sip_line *l)
{
	size_t	m, u;

	m = sip_span(l->p, l->n, sip_token);
	if (m == 0 || m == l->n || l->p[m] != ' ')
		return 0;
	for (u = m + 1; u < l->n && l->p[u] > ' ' && l->p[u] < 0x7f; u++)
		;
	if (u == m + 1 || l->n - u != 8 || l->p[u] != ' ' ||
	    strncasecmp(l->p + u + 1, "SIP/2.0", 7) != 0)
		return 0;
	return m;
}

/*
 * "SIP/2.0 SP 3DIGIT SP reason". Checked here because without the second
 * SP libosip2 takes the next line, the top Via, as the reason phrase.
 */
static int
sip_status_line(const struct sip_line *l)
{
	if (l->n < 12 || strncasecmp(l->p, "SIP/2.0 ", 8) != 0 ||
	    l->p[8] < '1' || l->p[8] > '6' || l->p[11] != ' ' ||
	    sip_span(l->p + 9, 2, "0123456789") != 2)
		return 0;
	return sip_text_ok(l->p + 12, l->n - 12);
}

/*
 * What libosip2 should not see: a bad start line, NUL or CR in the
 * header, or more fields and parameters than SIP_MSG_MAX_ITEMS, since
 * libosip2 appends to its lists in quadratic time (60 kB of "a," cost a
 * second).
 */
static const char *
sip_msg_precheck(const char *buf, size_t len, size_t *body)
{
	struct sip_line	l;
	size_t		off = 0, items = 0, i;

	if (buf == NULL || !sip_line_next(buf, len, &off, &l))
		return "empty message";
	if (sip_request_line(&l) == 0 && !sip_status_line(&l))
		return "malformed start line";
	/* libosip2 would fold the next line into the reason phrase. */
	if (off < len && (buf[off] == ' ' || buf[off] == '\t'))
		return "malformed start line";
	while (sip_line_next(buf, len, &off, &l) && l.n > 0) {
		if (memchr(l.p, '\0', l.n) != NULL)
			return "NUL byte in header";
		/* libosip2 ends lines there too; we would see other lines. */
		if (memchr(l.p, '\r', l.n) != NULL)
			return "bare CR in header";
		for (i = 0, items++; i < l.n; i++)
			items += l.p[i] == ',' || l.p[i] == ';';
		if (items > SIP_MSG_MAX_ITEMS)
			return "too many header fields";
	}
	*body = off;
	return NULL;
}

/* No port or 1-5 digits: libosip2 reads "h: " as port "", prints "h:". */
static int
sip_port_ok(const char *port)
{
	size_t	n;

	if (port == NULL)
		return 1;
	n = strlen(port);
	return n > 0 && n <= 5 && strspn(port, "0123456789") == n;
}

/*
 * A parameter value: none, plain, or one quoted string. "a= " prints as
 * "a=", which libosip2 refuses; stray quotes and commas move the split
 * of a list header (Via, Contact) when the message is printed again.
 */
static int
sip_param_value_ok(const char *v)
{
	size_t	n;

	if (v == NULL)
		return 1;
	if ((n = strlen(v)) == 0)
		return 0;
	if (v[0] == '"')
		return n >= 2 && strcspn(v + 1, "\"") == n - 2;
	return strcspn(v, "\",") == n;
}

/* Parameters with token names and sane values. */
static int
sip_params_ok(const osip_list_t *params)
{
	osip_generic_param_t	*p;
	int			 i;

	for (i = 0; (p = osip_list_get(params, i)) != NULL; i++)
		if (p->gname == NULL || !sip_token_str(p->gname) ||
		    !sip_param_value_ok(p->gvalue))
			return 0;
	return 1;
}

/*
 * A host name, IPv4 or IPv6 address that libosip2 can read back once
 * printed: it prints a host with a ':' in brackets, and cannot read
 * "sip:a" (a one-letter host) although it reads "sip:a;x".
 */
static int
sip_host_ok(const char *host)
{
	unsigned char	a[16];
	size_t		n;

	if (host == NULL || (n = strlen(host)) < 2)
		return 0;
	if (strchr(host, ':') != NULL)
		return inet_pton(AF_INET6, host, a) == 1;
	return sip_span(host, n, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._") == n;
}

/*
 * The number of a tel: URI, as libosip2 reads it back once printed: it
 * cannot read "<tel:1>" (one character) although it reads "tel:1".
 */
static int
sip_tel_ok(const char *s)
{
	if (s == NULL || strlen(s) < 2)
		return 0;
	for (; *s != '\0'; s++) {
		if (*s <= ' ' || *s >= 0x7f || strchr("<>\",", *s) != NULL)
			return 0;
		if (*s == '%' && (!isxdigit((unsigned char)s[1]) ||
		    !isxdigit((unsigned char)s[2])))
			return 0;
	}
	return 1;
}

/* A sip:, sips: or tel: URI that prints back as read. */
static int
sip_uri_ok(const osip_uri_t *u)
{
	if (u == NULL || u->scheme == NULL)
		return 0;
	if (strcasecmp(u->scheme, "tel") == 0)
		return sip_tel_ok(u->string);
	if (strcasecmp(u->scheme, "sip") != 0 &&
	    strcasecmp(u->scheme, "sips") != 0)
		return 0;
	return sip_host_ok(u->host) && sip_port_ok(u->port) &&
	    sip_params_ok(&u->url_params) &&
	    (u->username == NULL || *u->username != '\0') &&
	    (u->password == NULL || *u->password != '\0');
}

/* Keep the Call-ID in one string, so sip_msg_call_id() can return it. */
static int
sip_call_id_join(osip_call_id_t *cid)
{
	char	*s;
	size_t	 n;

	if (cid->host == NULL)
		return 0;
	n = strlen(cid->number) + strlen(cid->host) + 2;
	if ((s = osip_malloc(n)) == NULL)
		return -1;
	snprintf(s, n, "%s@%s", cid->number, cid->host);
	osip_free(cid->number);
	osip_free(cid->host);
	cid->number = s;
	cid->host = NULL;
	return 0;
}

/* From, To, Call-ID and CSeq present and sane; NULL or a reason. */
static const char *
sip_msg_check_ids(osip_message_t *msg)
{
	const char	*s;

	if (msg->from == NULL || msg->to == NULL)
		return msg->from == NULL ? "missing From" : "missing To";
	if (!sip_uri_ok(msg->from->url) ||
	    !sip_params_ok(&msg->from->gen_params))
		return "invalid From";
	if (!sip_uri_ok(msg->to->url) || !sip_params_ok(&msg->to->gen_params))
		return "invalid To";
	if (msg->call_id == NULL || msg->call_id->number == NULL)
		return "missing Call-ID";
	if (sip_call_id_join(msg->call_id) == -1)
		return "out of memory";
	for (s = msg->call_id->number; *s > ' ' && *s < 0x7f; s++)
		;
	if (*s != '\0' || s == msg->call_id->number)
		return "invalid Call-ID";
	if (msg->cseq == NULL || msg->cseq->number == NULL ||
	    msg->cseq->method == NULL)
		return "missing CSeq";
	/* RFC 3261 §8.1.1.5: a 32-bit number below 2^31. */
	s = msg->cseq->number;
	if (strspn(s, "0123456789") != strlen(s) || *s == '\0' ||
	    strlen(s) > 10 || strtoul(s, NULL, 10) >= 0x80000000UL)
		return "invalid CSeq number";
	if (!sip_token_str(msg->cseq->method))
		return "invalid CSeq method";
	return NULL;
}

/* Header names, Vias and Contacts; NULL or a reason. */
static const char *
sip_msg_check_hops(const osip_message_t *msg)
{
	osip_via_t	*via;
	osip_contact_t	*ct;
	osip_header_t	*h;
	int		 i;

	for (i = 0; (h = osip_list_get(&msg->headers, i)) != NULL; i++)
		if (h->hname == NULL || !sip_token_str(h->hname))
			return "invalid header name";
	if (osip_list_size(&msg->vias) <= 0)
		return "missing Via";
	for (i = 0; (via = osip_list_get(&msg->vias, i)) != NULL; i++)
		if (via->version == NULL || !sip_token_str(via->version) ||
		    via->protocol == NULL || !sip_token_str(via->protocol) ||
		    !sip_host_ok(via->host) ||
		    !sip_port_ok(via->port) || !sip_params_ok(&via->via_params))
			return "invalid Via";
	/* "Contact: *" has no URI, only the display name "*". */
	for (i = 0; (ct = osip_list_get(&msg->contacts, i)) != NULL; i++)
		if (ct->url == NULL ? (ct->displayname == NULL ||
		    strcmp(ct->displayname, "*") != 0) :
		    (!sip_uri_ok(ct->url) || !sip_params_ok(&ct->gen_params)))
			return "invalid Contact";
	return NULL;
}

/* What the proxy needs and libosip2 does not insist on; NULL or a reason. */
static const char *
sip_msg_check(osip_message_t *msg)
{
	const char	*err;
	char		*ct;

	if ((err = sip_msg_check_hops(msg)) != NULL ||
	    (err = sip_msg_check_ids(msg)) != NULL)
		return err;
	/*
	 * With a valueless parameter its printer fails; the message's
	 * printer then writes the header before it in its place.
	 */
	if (msg->content_type != NULL) {
		if (osip_content_type_to_str(msg->content_type, &ct) != 0)
			return "invalid Content-Type";
		osip_free(ct);
	}
	if (!MSG_IS_REQUEST(msg))
		return msg->status_code >= 100 && msg->status_code <= 699 ?
		    NULL : "invalid status code";
	if (msg->req_uri == NULL || msg->sip_method == NULL)
		return "missing Request-URI";
	return sip_uri_ok(msg->req_uri) ? NULL : "invalid Request-URI";
}

/* Parse, then refuse what libosip2 accepts but the proxy cannot use. */
static int	sip_msg_keep_auth_raw(osip_message_t *, const char *, size_t);

osip_message_t *
sip_msg_parse(const char *buf, size_t len, char *why, size_t whylen)
{
	osip_message_t	*msg = NULL;
	const char	*err;
	size_t		 body = 0;

	sip_msg_init();
	sip_msg_why(why, whylen, "%s", "");
	if ((err = sip_msg_precheck(buf, len, &body)) != NULL)
		goto fail;
	err = "unparsable message";
	if (osip_message_init(&msg) != 0 ||
	    osip_message_parse(msg, buf, len) != 0 ||
	    (err = sip_msg_check(msg)) != NULL)
		goto fail;
	/* libosip2 silently drops a body that has no Content-Type. */
	err = "body without Content-Type";
	if (body < len && msg->content_type == NULL)
		goto fail;
	if (MSG_IS_REQUEST(msg) &&
	    strcmp(msg->cseq->method, msg->sip_method) != 0) {
		sip_msg_why(why, whylen, "CSeq method %.32s does not match "
		    "request method %.32s", msg->cseq->method, msg->sip_method);
		osip_message_free(msg);
		return NULL;
	}
	err = "cannot keep authentication headers";
	if (sip_msg_keep_auth_raw(msg, buf, len) != 0)
		goto fail;
	return msg;
fail:
	sip_msg_why(why, whylen, "%s", err);
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

/* osip_message_free() that accepts NULL. */
void
sip_msg_free(osip_message_t *msg)
{
	if (msg != NULL)
		osip_message_free(msg);
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

/* Print a message with its structure edits and a computed Content-Length. */
int
sip_msg_serialize(osip_message_t *msg, char **out, size_t *len)
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
	return 0;
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
static const char *
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

/* Which header a raw line is; SIP_RAW_BAD if needed but unreadable. */
static enum sip_raw_kind
sip_raw_kind(const struct sip_line *l)
{
	static const char *const names[] = { "", "Via", "From", "To",
	    "Call-ID", "CSeq" };
	static const char	 compact[] = " vfti ";
	size_t			 n, c, i;

	n = sip_span(l->p, l->n, sip_token);
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
 * Copy the Via (all), From, To, Call-ID and CSeq lines; 0 when all were
 * there and readable. Folded lines are not worth it in a message that
 * is already broken: a folded one of these makes it unanswerable.
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
	return seen == SIP_RAW_ALL ? 0 : -1;
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

/* Two hosts are the same, brackets around IPv6 aside, ignoring case. */
static int
sip_host_eq(const char *a, const char *b)
{
	size_t	na, nb;

	a += *a == '[';
	b += *b == '[';
	na = strcspn(a, "]");
	nb = strcspn(b, "]");
	return na == nb && strncasecmp(a, b, na) == 0;
}

/* Whether the edge itself is the target of a request. */
int
sip_msg_is_for_edge(const osip_message_t *req, const char *const *edge_hosts,
    size_t n)
{
	const char	*mf, *host;
	size_t		 i;

	if (req == NULL || !MSG_IS_REQUEST(req) || req->sip_method == NULL)
		return 0;
	/* RFC 3261 §16.3 item 2: a proxy may answer OPTIONS with MF 0. */
	if (strcmp(req->sip_method, "OPTIONS") == 0 &&
	    (mf = sip_msg_header(req, "Max-Forwards")) != NULL &&
	    *mf != '\0' && mf[strspn(mf, "0")] == '\0')
		return 1;
	if (req->req_uri == NULL || (host = req->req_uri->host) == NULL ||
	    osip_list_size(&req->routes) > 0)
		return 0;
	for (i = 0; i < n; i++)
		if (edge_hosts[i] != NULL && sip_host_eq(host, edge_hosts[i]))
			return 1;
	return 0;
}
