/*
 * sip_check.c: what libosip2 accepts but the proxy must refuse: bytes it
 * should never see (sip_msg_precheck) and fields it would print in a form
 * it cannot read back, or that the proxy cannot use (sip_msg_check).
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sip_msg.h"
#include "sip_msg_int.h"

/* Header fields, list items and parameters; real messages have < 100. */
#define SIP_MSG_MAX_ITEMS	1024

/* RFC 3261 token characters: methods, header names, tags. */
const char sip_token[] = "abcdefghijklmnopqrstuvwxyz"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~";

/* sip_token as a bitmap, for the loops that run over every header. */
static const uint32_t sip_token_map[8] = {
	0x00000000U, 0x03ff6ca2U, 0x87fffffeU, 0x47ffffffU, 0, 0, 0, 0
};

/* Length of the run of token characters at p (n bytes at most). */
size_t
sip_token_len(const char *p, size_t n)
{
	size_t		i;
	unsigned char	c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (!(sip_token_map[c >> 5] & (1U << (c & 31))))
			break;
	}
	return i;
}

/* Whether a whole NUL-terminated string is a token. */
int
sip_token_str(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && sip_token_len(s, n) == n;
}

/* Header text: no control characters but HT; UTF-8 is allowed. */
int
sip_text_ok(const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (((unsigned char)p[i] < 0x20 && p[i] != '\t') ||
		    p[i] == 0x7f)
			return 0;
	return 1;
}

/*
 * The method of a Request-Line, as a length: a token followed by SP, 0
 * if the line does not even start like one. How the rest is wrong is
 * sip_request_line_check's business.
 */
size_t
sip_request_line(const struct sip_line *l)
{
	size_t	m = sip_token_len(l->p, l->n);

	return m > 0 && m < l->n && l->p[m] == ' ' ? m : 0;
}

/* Whether c is SP or HT. */
static int
sip_ws(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * The URI scheme of the Request-URI: 0 when it is sip, sips or tel, 416
 * for another well-formed scheme (RFC 3261 §8.2.2.1), 400 when there is
 * no scheme at all.
 */
static int
sip_scheme_check(const char *u, size_t n)
{
	size_t	i;

	if (n == 0 || !((u[0] | 0x20) >= 'a' && (u[0] | 0x20) <= 'z'))
		return 400;
	i = sip_span(u, n, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
	if (i == n || u[i] != ':')
		return 400;
	if ((i == 3 && strncasecmp(u, "sip", 3) == 0) ||
	    (i == 4 && strncasecmp(u, "sips", 4) == 0) ||
	    (i == 3 && strncasecmp(u, "tel", 3) == 0))
		return 0;
	return 416;
}

/*
 * "METHOD SP Request-URI SP SIP/2.0", exactly (RFC 3261 §7.1, §25.1):
 * NULL, or a reason with *code 400, 505 (another SIP version) or 416
 * (a Request-URI scheme the edge cannot route).
 */
static const char *
sip_request_line_check(const struct sip_line *l, int *code)
{
	size_t	m = sip_request_line(l), v, u;

	*code = 400;
	if (m == 0)
		return "malformed Request-Line";
	if (sip_ws(l->p[l->n - 1]))
		return "white space after the SIP version";
	for (v = l->n; v > m && l->p[v - 1] != ' '; v--)
		;
	if (v == m + 1)
		return "no SIP version in the Request-Line";
	if (l->n - v != 7 || strncasecmp(l->p + v, "SIP/2.0", 7) != 0) {
		*code = 505;
		return l->n - v > 4 && strncasecmp(l->p + v, "SIP/", 4) == 0 ?
		    "Version Not Supported" : "malformed SIP version";
	}
	if (sip_ws(l->p[m + 1]) || sip_ws(l->p[v - 2]))
		return "more than one space in the Request-Line";
	for (u = m + 1; u < v - 1; u++) {
		if (sip_ws(l->p[u]))
			return "white space in the Request-URI";
		if ((unsigned char)l->p[u] < 0x20 || l->p[u] == 0x7f)
			return "control character in the Request-URI";
	}
	if ((*code = sip_scheme_check(l->p + m + 1, v - 2 - m)) == 416)
		return "Unsupported URI Scheme";
	if (*code != 0)
		return "Request-URI has no scheme";
	return NULL;
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

/* The first SIP_MASK_NUL in p[0..n), any case, or NULL. */
const char *
sip_mask_find(const char *p, size_t n)
{
	const size_t	ml = sizeof(SIP_MASK_NUL) - 1;
	size_t		i;

	for (i = 0; i + ml <= n; i++)
		if (p[i] == '%' && strncasecmp(p + i, SIP_MASK_NUL, ml) == 0)
			return p + i;
	return NULL;
}

/*
 * What in n bytes of a start line or header field concerns libosip2's
 * view of it: *mask is set for "%00" (see SIP_MASK_NUL), and the mask
 * itself is refused when a peer sends it.
 */
static const char *
sip_escape_check(const char *p, size_t n, size_t i, int *mask)
{
	if (n - i >= 3 && p[i + 1] == '0' && p[i + 2] == '0')
		*mask = 1;
	else if (n - i >= sizeof(SIP_MASK_NUL) - 1 &&
	    sip_mask_find(p + i, sizeof(SIP_MASK_NUL) - 1) != NULL)
		return "overlong UTF-8 escape %C0%80 in header";
	return NULL;
}

/*
 * One header field (its line and folded continuations, CR LF and all),
 * in one pass: control characters are allowed only inside a quoted
 * string, where a quoted-pair may escape any of them (RFC 3261 §25.1,
 * RFC 4475 §3.1.1.2); a quoted string must end in the field it starts
 * in. *mask is set when libosip2 needs a masked view (a NUL in a quoted
 * string, an escaped NUL), *items counts list items and parameters.
 * Returns NULL or the reason, which the caller completes with the name.
 */
static const char *
sip_field_check(const char *p, size_t n, int *mask, size_t *items)
{
	size_t		 i, k = sip_token_len(p, n);
	const char	*err;
	unsigned char	 c;
	/* A Call-ID is words, and DQUOTE is a word character there. */
	int		 q = 0, quotes = !((k == 7 && strncasecmp(p, "Call-ID",
			     7) == 0) || (k == 1 && (p[0] | 0x20) == 'i'));

	for (i = k; i < n; i++) {
		c = (unsigned char)p[i];
		if (c >= 0x20 && c != 0x7f && c != '"' && c != '\\' &&
		    c != ',' && c != ';' && c != '%')
			continue;
		if (c == '\r') {
			if (i + 1 == n || p[i + 1] != '\n')
				return "bare CR in header";
		} else if (c == '\n' || c == '\t')
			;
		else if (q && c == '\\' && i + 1 < n && p[i + 1] != '\r' &&
		    p[i + 1] != '\n')
			*mask |= p[++i] == '\0';
		else if (c == '"' && quotes)
			q = !q;
		else if (c == ',' || c == ';')
			(*items)++;
		else if (c == '%') {
			if ((err = sip_escape_check(p, n, i, mask)) != NULL)
				return err;
		} else if (c < 0x20 || c == 0x7f) {
			if (!q)
				return "control character in header";
			*mask |= c == '\0';
		}
	}
	return q ? "unterminated quoted string in header" : NULL;
}

/*
 * What libosip2 should not see: a bad start line, control characters
 * outside quoted strings, more fields and parameters than
 * SIP_MSG_MAX_ITEMS (libosip2 appends to its lists in quadratic time:
 * 60 kB of "a," cost a second), or the mask sip_msg_parse uses for
 * escaped NULs. *code is the status to refuse with; *body the offset
 * just past the empty line, *mask whether sip_msg_parse must mask NULs,
 * *field the name of the header at fault, if one is.
 */
const char *
sip_msg_precheck(const char *buf, size_t len, size_t *body, int *code,
    int *mask, struct sip_line *field)
{
	struct sip_line	 l;
	const char	*err;
	size_t		 off = 0, items = 0, i, start;

	*code = 400;
	*mask = 0;
	field->p = NULL;
	field->n = 0;
	if (buf == NULL || !sip_line_next(buf, len, &off, &l))
		return "empty message";
	if (l.n >= 4 && strncasecmp(l.p, "SIP/", 4) == 0) {
		if (!sip_status_line(&l))
			return "malformed Status-Line";
	} else if ((err = sip_request_line_check(&l, code)) != NULL)
		return err;
	*code = 400;
	/* libosip2 would fold the next line into the reason phrase. */
	if (off < len && sip_ws(buf[off]))
		return "folded start line";
	/* The start line too: a Request-URI can hold %00. */
	for (i = 0; i < off; i++)
		if (buf[i] == '%' && sip_escape_check(buf, off, i, mask) != NULL)
			return "overlong UTF-8 escape %C0%80 in the start line";
	while (off < len && buf[off] != '\r' && buf[off] != '\n') {
		start = off;
		do
			(void)sip_line_next(buf, len, &off, &l);
		while (off < len && sip_ws(buf[off]));
		if ((err = sip_field_check(buf + start, off - start, mask,
		    &items)) != NULL) {
			field->p = buf + start;
			field->n = sip_token_len(field->p, off - start);
			return err;
		}
		if (++items > SIP_MSG_MAX_ITEMS)
			return "too many header fields";
	}
	/* The loop stops at any line that starts with CR: it must be empty. */
	if (sip_line_next(buf, len, &off, &l) && l.n > 0)
		return "bare CR in header";
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
const char *
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
	/*
	 * RFC 3261 §16.5 leaves a proxy a choice for "?Route=..." in a
	 * Request-URI (RFC 4475 §3.1.2.12): forwarding it would let a phone
	 * smuggle headers into the next hop's request, so it is refused.
	 */
	if (osip_list_size(&msg->req_uri->url_headers) > 0)
		return "Request-URI carries headers";
	return sip_uri_ok(msg->req_uri) ? NULL : "invalid Request-URI";
}

