/*
 * sip_hdr.c: proxy header surgery on libosip2 messages. Every list
 * manipulation here keeps libosip2's ownership rules: what is removed from
 * a message is freed here, what is added is owned by the message.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>
#include <osipparser2/osip_message.h>
#include <osipparser2/osip_parser.h>

#include "sip_hdr.h"
#include "util.h"

#define SIP_HDR_MAX_FORWARDS	70
#define SIP_HDR_LOOP_HEX	16	/* hex digits of the loop hash in a branch */

/* n random bytes as hex after what buf already holds. */
static void
sip_hdr_random_hex(char *buf, size_t len, size_t n)
{
	unsigned char	r[16];
	size_t		i, off = strlen(buf);

	if (n > sizeof(r))
		n = sizeof(r);
	if (RAND_bytes(r, (int)n) != 1)
		memset(r, 0, sizeof(r));	/* still unique enough with time */
	for (i = 0; i < n && off + 2 < len; i++, off += 2)
		snprintf(buf + off, len - off, "%02x", r[i]);
}

void
sip_hdr_branch_new(char *buf, size_t len)
{
	if (len == 0)
		return;
	snprintf(buf, len, "%s", SIP_HDR_BRANCH_PREFIX);
	sip_hdr_random_hex(buf, len, 10);
}

/* FNV-1a over one field and a separator: tells requests apart, no MAC. */
static uint64_t
sip_hdr_fnv(uint64_t h, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	h ^= 0xff;
	return h * 0x100000001b3ULL;
}

/* The value of a tag (or other) parameter, or NULL. */
static const char *
sip_hdr_gparam(const osip_list_t *params, const char *name)
{
	osip_generic_param_t	*p = NULL;
	char			 n[16];

	snprintf(n, sizeof(n), "%s", name);
	if (osip_generic_param_get_byname((osip_list_t *)params, n, &p) != 0 ||
	    p == NULL)
		return NULL;
	return p->gvalue;
}

/*
 * What RFC 3261 §16.6 item 8 says a loop leaves unchanged: Request-URI,
 * From and To tags, Call-ID, CSeq number, and the Via that was on top
 * when the edge received the request (the one at via_pos now).
 */
static uint64_t
sip_hdr_loop_hash(const osip_message_t *m, int via_pos)
{
	osip_via_t	*via = osip_list_get(&m->vias, via_pos);
	uint64_t	 h = 0xcbf29ce484222325ULL;
	char		*ruri = NULL;

	if (m->req_uri != NULL && osip_uri_to_str(m->req_uri, &ruri) != 0)
		ruri = NULL;
	h = sip_hdr_fnv(h, ruri);
	osip_free(ruri);
	h = sip_hdr_fnv(h, m->from != NULL ?
	    sip_hdr_gparam(&m->from->gen_params, "tag") : NULL);
	h = sip_hdr_fnv(h, m->to != NULL ?
	    sip_hdr_gparam(&m->to->gen_params, "tag") : NULL);
	h = sip_hdr_fnv(h, m->call_id != NULL ? m->call_id->number : NULL);
	h = sip_hdr_fnv(h, m->call_id != NULL ? m->call_id->host : NULL);
	h = sip_hdr_fnv(h, m->cseq != NULL ? m->cseq->number : NULL);
	if (via != NULL) {
		h = sip_hdr_fnv(h, via->host);
		h = sip_hdr_fnv(h, via->port);
		h = sip_hdr_fnv(h, sip_hdr_gparam(&via->via_params, "branch"));
	}
	return h;
}

void
sip_hdr_branch_loop(const osip_message_t *m, char *buf, size_t len)
{
	if (len == 0)
		return;
	snprintf(buf, len, "%s%0*llx.", SIP_HDR_BRANCH_PREFIX,
	    SIP_HDR_LOOP_HEX, (unsigned long long)sip_hdr_loop_hash(m, 0));
	sip_hdr_random_hex(buf, len, 8);
}

/* The loop hash a branch from sip_hdr_branch_loop() carries; 0 if none. */
static int
sip_hdr_branch_hash(const char *b, uint64_t *h)
{
	size_t	pl = strlen(SIP_HDR_BRANCH_PREFIX);
	char	hex[SIP_HDR_LOOP_HEX + 1];

	if (strncasecmp(b, SIP_HDR_BRANCH_PREFIX, pl) != 0)
		return 0;
	b += pl;
	if (strspn(b, "0123456789abcdefABCDEF") != SIP_HDR_LOOP_HEX ||
	    b[SIP_HDR_LOOP_HEX] != '.')
		return 0;
	memcpy(hex, b, SIP_HDR_LOOP_HEX);
	hex[SIP_HDR_LOOP_HEX] = '\0';
	*h = strtoull(hex, NULL, 16);
	return 1;
}

const char *
sip_hdr_via_branch(const osip_message_t *m, int pos)
{
	osip_via_t		*via;
	osip_generic_param_t	*p = NULL;

	via = osip_list_get(&m->vias, pos);
	if (via == NULL ||
	    osip_via_param_get_byname(via, "branch", &p) != 0 || p == NULL)
		return NULL;
	return p->gvalue;
}

int
sip_hdr_via_push(osip_message_t *m, const char *host, uint16_t port,
    const char *branch)
{
	osip_via_t	*via;
	char		*s;
	/* An IPv6 address gets brackets, unless it has them already. */
	int		 v6 = strchr(host, ':') != NULL && *host != '[';

	xasprintf(&s, "SIP/2.0/TLS %s%s%s:%u;branch=%s;rport", v6 ? "[" : "",
	    host, v6 ? "]" : "", port, branch);
	if (osip_via_init(&via) != 0) {
		free(s);
		return -1;
	}
	if (osip_via_parse(via, s) != 0) {
		osip_via_free(via);
		free(s);
		return -1;
	}
	free(s);
	osip_list_add(&m->vias, via, 0);
	return 0;
}

void
sip_hdr_cseq_set(osip_message_t *m, unsigned long n)
{
	char	buf[16];

	snprintf(buf, sizeof(buf), "%lu", n);
	osip_free(m->cseq->number);
	m->cseq->number = osip_strdup(buf);
}

int
sip_hdr_via_pop(osip_message_t *m)
{
	osip_via_t	*via = osip_list_get(&m->vias, 0);

	if (via == NULL)
		return -1;
	osip_list_remove(&m->vias, 0);
	osip_via_free(via);
	return 0;
}

int
sip_hdr_max_forwards(osip_message_t *m)
{
	osip_header_t	*h = NULL;
	long		 v = SIP_HDR_MAX_FORWARDS;
	char		*end, buf[16];

	if (osip_message_get_max_forwards(m, 0, &h) < 0 || h == NULL) {
		snprintf(buf, sizeof(buf), "%d", SIP_HDR_MAX_FORWARDS - 1);
		osip_message_set_max_forwards(m, buf);
		return SIP_HDR_MAX_FORWARDS;
	}
	/*
	 * An empty or unreadable value counts as absent, and is rewritten in
	 * place: adding a second header would forward two Max-Forwards.
	 */
	if (h->hvalue != NULL) {
		v = strtol(h->hvalue, &end, 10);
		if (end == h->hvalue || v < 0)
			v = SIP_HDR_MAX_FORWARDS;
	}
	if (v > 255)
		v = 255;
	if (v > 0) {
		snprintf(buf, sizeof(buf), "%ld", v - 1);
		osip_free(h->hvalue);
		h->hvalue = osip_strdup(buf);
	}
	return (int)v;
}

const char *
sip_hdr_uri_mark(const osip_uri_t *u)
{
	osip_uri_param_t	*p = NULL;

	if (u == NULL || osip_uri_param_get_byname(
	    (osip_list_t *)&u->url_params, SIP_HDR_PARAM, &p) != 0 || p == NULL)
		return NULL;
	return p->gvalue != NULL ? p->gvalue : "";
}

/* A host without IPv6 brackets into buf; 0 if it does not fit. */
static int
sip_hdr_host_bare(const char *h, char *buf, size_t len)
{
	size_t	n;

	if (*h == '[')
		h++;
	n = strcspn(h, "]");
	if (n >= len)
		return 0;
	memcpy(buf, h, n);
	buf[n] = '\0';
	return 1;
}

/*
 * Host names compare without case and without IPv6 brackets; IPv6
 * addresses as addresses, since "2001:db8:0::5" and "2001:DB8::5" are one.
 */
static int
sip_hdr_host_eq(const char *a, const char *b)
{
	char		ba[INET6_ADDRSTRLEN + 16], bb[INET6_ADDRSTRLEN + 16];
	struct in6_addr	a6, b6;

	if (!sip_hdr_host_bare(a, ba, sizeof(ba)) ||
	    !sip_hdr_host_bare(b, bb, sizeof(bb)))
		return 0;
	if (strchr(ba, ':') != NULL && strchr(bb, ':') != NULL &&
	    inet_pton(AF_INET6, ba, &a6) == 1 &&
	    inet_pton(AF_INET6, bb, &b6) == 1)
		return memcmp(&a6, &b6, sizeof(a6)) == 0;
	return strcasecmp(ba, bb) == 0;
}

/* Is a host name one of the edge's (configured, or this connection's)? */
static int
sip_hdr_name_is_self(const char *host, const struct sip_hdr_self *self)
{
	size_t	i;

	if (host == NULL)
		return 0;
	for (i = 0; i < self->n_hosts; i++)
		if (sip_hdr_host_eq(host, self->hosts[i]))
			return 1;
	return self->local_host != NULL &&
	    sip_hdr_host_eq(host, self->local_host);
}

/*
 * A Via of ours (our prefix, one of our hosts) means the request passed
 * the edge before: a loop if it came back unchanged, a legitimate spiral
 * (RFC 3261 §16.3 item 4) if the carrier retargeted it, e.g. to another
 * phone registered through the edge. The loop hash in our branch tells
 * which; branches without one (sip_hdr_branch_new) never count as loops,
 * and Max-Forwards still ends any loop.
 */
int
sip_hdr_via_loops(const osip_message_t *m, const struct sip_hdr_self *self)
{
	osip_via_t	*via;
	const char	*b;
	uint64_t	 h;
	int		 i;

	for (i = 0; (via = osip_list_get(&m->vias, i)) != NULL; i++) {
		b = sip_hdr_via_branch(m, i);
		if (b == NULL || !sip_hdr_branch_hash(b, &h) ||
		    !sip_hdr_name_is_self(via->host, self))
			continue;
		if (h == sip_hdr_loop_hash(m, i + 1))
			return 1;
	}
	return 0;
}

int
sip_hdr_host_is_self(const osip_uri_t *u, const struct sip_hdr_self *self)
{
	return u != NULL && sip_hdr_name_is_self(u->host, self);
}

int
sip_hdr_uri_is_self(const osip_uri_t *u, const struct sip_hdr_self *self)
{
	long	port;
	size_t	i;

	if (!sip_hdr_host_is_self(u, self))
		return 0;
	/* Our marked URIs carry whatever port; others must name ours. */
	if (sip_hdr_uri_mark(u) != NULL || u->port == NULL)
		return 1;
	port = strtol(u->port, NULL, 10);
	if (port == self->local_port)
		return 1;
	for (i = 0; i < self->n_ports; i++)
		if (port == self->ports[i])
			return 1;
	return 0;
}

/* Note what one of our Route entries carried. */
static void
sip_hdr_routed_note(const osip_uri_t *u, struct sip_hdr_routed *r)
{
	const char	*mark = sip_hdr_uri_mark(u);

	if (mark == NULL)
		return;
	if (strcmp(mark, "p") == 0 && u->username != NULL)
		snprintf(r->token, sizeof(r->token), "%s", u->username);
	else if (strncmp(mark, "c-", 2) == 0)
		snprintf(r->carrier, sizeof(r->carrier), "%s", mark + 2);
}

int
sip_hdr_routes_pop_self(osip_message_t *m, const struct sip_hdr_self *self,
    struct sip_hdr_routed *r)
{
	osip_route_t	*route;

	memset(r, 0, sizeof(*r));
	while ((route = osip_list_get(&m->routes, 0)) != NULL &&
	    sip_hdr_uri_is_self(route->url, self)) {
		sip_hdr_routed_note(route->url, r);
		osip_list_remove(&m->routes, 0);
		osip_route_free(route);
		r->n_popped++;
	}
	return r->n_popped;
}

/* Parse a name-addr or URI into a From-shaped header and put it at pos 0. */
static int
sip_hdr_list_push(osip_list_t *list, const char *uri)
{
	osip_from_t	*h;
	char		*s;

	xasprintf(&s, "<%s>", uri);
	if (osip_from_init(&h) != 0) {
		free(s);
		return -1;
	}
	if (osip_from_parse(h, s) != 0) {
		osip_from_free(h);
		free(s);
		return -1;
	}
	free(s);
	osip_list_add(list, h, 0);
	return 0;
}

int
sip_hdr_rr_push(osip_message_t *m, const char *uri)
{
	return sip_hdr_list_push(&m->record_routes, uri);
}

int
sip_hdr_path_push(osip_message_t *m, const char *uri)
{
	osip_header_t	*h;
	char		*s;
	int		 rc;

	/* libosip2 has no Path list: add it as a header, at the top. */
	xasprintf(&s, "<%s>", uri);
	if (osip_header_init(&h) != 0) {
		free(s);
		return -1;
	}
	h->hname = osip_strdup("Path");
	h->hvalue = osip_strdup(s);
	free(s);
	rc = osip_list_add(&m->headers, h, 0);
	return rc < 0 ? -1 : 0;
}

char *
sip_hdr_aor(const osip_from_t *h)
{
	char	*s, *p;
	int	 v6;

	if (h == NULL || h->url == NULL || h->url->host == NULL)
		return NULL;
	/* libosip2 keeps IPv6 hosts without brackets; a URI needs them. */
	v6 = strchr(h->url->host, ':') != NULL;
	xasprintf(&s, "%s:%s%s%s%s%s", h->url->scheme ? h->url->scheme : "sip",
	    h->url->username ? h->url->username : "",
	    h->url->username ? "@" : "", v6 ? "[" : "", h->url->host,
	    v6 ? "]" : "");
	/* Scheme and host are case-insensitive; the user part is not. */
	for (p = s; *p != ':' && *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if ((p = strrchr(s, '@')) == NULL)
		p = strchr(s, ':');
	for (; p != NULL && *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

const char *
sip_hdr_to_tag(const osip_message_t *m)
{
	osip_generic_param_t	*p = NULL;

	if (m->to == NULL || osip_to_get_tag(m->to, &p) != 0 || p == NULL)
		return NULL;
	return p->gvalue;
}

const char *
sip_hdr_from_tag(const osip_message_t *m)
{
	osip_generic_param_t	*p = NULL;

	if (m->from == NULL || osip_from_get_tag(m->from, &p) != 0 ||
	    p == NULL)
		return NULL;
	return p->gvalue;
}

int
sip_hdr_set_request_uri(osip_message_t *m, const char *uri)
{
	osip_uri_t	*u;

	if (osip_uri_init(&u) != 0)
		return -1;
	if (osip_uri_parse(u, uri) != 0) {
		osip_uri_free(u);
		return -1;
	}
	if (m->req_uri != NULL)
		osip_uri_free(m->req_uri);
	m->req_uri = u;
	return 0;
}

const char *
sip_hdr_ruri_host(const osip_message_t *m)
{
	return m->req_uri != NULL ? m->req_uri->host : NULL;
}

/* Copies of from's Route headers at the end of list. */
static int
sip_hdr_routes_clone(const osip_message_t *from, osip_list_t *list)
{
	osip_route_t	*r, *rc;
	int		 i;

	for (i = 0; (r = osip_list_get(&from->routes, i)) != NULL; i++) {
		if (osip_route_clone(r, &rc) != 0)
			return -1;
		if (osip_list_add(list, rc, -1) < 0) {
			osip_route_free(rc);
			return -1;
		}
	}
	return 0;
}

int
sip_hdr_set_target(osip_message_t *m, const osip_message_t *from)
{
	osip_uri_t	*u = NULL;
	osip_list_t	 routes;

	if (from->req_uri == NULL || osip_uri_clone(from->req_uri, &u) != 0)
		return -1;
	osip_list_init(&routes);
	if (sip_hdr_routes_clone(from, &routes) != 0) {
		osip_uri_free(u);
		osip_list_special_free(&routes,
		    (void (*)(void *))osip_route_free);
		return -1;
	}
	osip_uri_free(m->req_uri);
	m->req_uri = u;
	osip_list_special_free(&m->routes, (void (*)(void *))osip_route_free);
	m->routes = routes;
	return 0;
}

/* The skeleton both CANCEL and ACK share. */
static osip_message_t *
sip_hdr_hop_request(const osip_message_t *inv, const char *method,
    const osip_to_t *to)
{
	osip_message_t	*m;
	osip_via_t	*via;

	if (osip_message_init(&m) != 0)
		return NULL;
	m->sip_method = osip_strdup(method);
	m->sip_version = osip_strdup("SIP/2.0");
	if (osip_uri_clone(inv->req_uri, &m->req_uri) != 0 ||
	    (via = osip_list_get(&inv->vias, 0)) == NULL ||
	    osip_via_clone(via, &via) != 0)
		goto fail;
	osip_list_add(&m->vias, via, 0);
	if (osip_from_clone(inv->from, &m->from) != 0 ||
	    osip_to_clone(to, &m->to) != 0 ||
	    osip_call_id_clone(inv->call_id, &m->call_id) != 0 ||
	    osip_cseq_init(&m->cseq) != 0)
		goto fail;
	m->cseq->number = osip_strdup(inv->cseq->number);
	m->cseq->method = osip_strdup(method);
	if (sip_hdr_routes_clone(inv, &m->routes) != 0)
		goto fail;
	osip_message_set_max_forwards(m, "70");
	osip_message_set_content_length(m, "0");
	return m;
fail:
	osip_message_free(m);
	return NULL;
}

osip_message_t *
sip_hdr_build_cancel(const osip_message_t *invite)
{
	return sip_hdr_hop_request(invite, "CANCEL", invite->to);
}

osip_message_t *
sip_hdr_build_ack(const osip_message_t *invite, const osip_message_t *resp)
{
	return sip_hdr_hop_request(invite, "ACK", resp->to);
}
