/*
 * rfc3263.c: RFC 3263 target selection for a sips: domain over TLS.
 *
 * Pure logic, no I/O, so every rule is unit-tested without a DNS server:
 *
 * - A domain without explicit server: NAPTR (SIPS+D2T only, §4.1: a SIPS
 *   URI keeps only SIPS services), else SRV _sips._tcp.<domain>, else
 *   A/AAAA on port 5061.
 * - An explicit server with a port: A/AAAA of that host on that port only
 *   (§4.2: a port means no SRV; it also means no NAPTR, §4.1).
 * - An explicit server without a port: the transport is configured (TLS),
 *   which is the §4.1 case of a known transport, so no NAPTR: SRV
 *   _sips._tcp.<server> then A/AAAA on 5061 (§4.2).
 * - A numeric address (domain or server): no DNS at all.
 *
 * Within a host, IPv4 addresses come before IPv6 ones. RFC 3263 leaves the
 * order to the client; carriers in quirks.md publish IPv4 first, edges are
 * more often without working IPv6 than without IPv4, and a fixed order
 * makes failover predictable in logs and tests.
 */
#include "config.h"

#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rfc3263.h"
#include "util.h"

/* Is c allowed in a DNS label we look up (LDH plus '_' for SRV owners)? */
static int
rfc3263_label_char(int c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

int
rfc3263_name_valid(const char *s)
{
	size_t	len = strlen(s), label = 0, i;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (!rfc3263_label_char(s[i]) || ++label > 63)
			return 0;
	}
	return label > 0;
}

/* Copy a name without its trailing dot; the caller checked it is valid. */
static void
rfc3263_name_copy(char *dst, const char *src)
{
	size_t	len = strlen(src);

	if (len > 0 && src[len - 1] == '.')
		len--;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* A numeric address needs no DNS: the plan is the target itself. */
static int
rfc3263_plan_numeric(struct rfc3263_plan *p, const char *host, uint16_t port)
{
	struct rfc3263_target	*t = &p->numeric;

	if (sockaddr_from(host, port, &t->addr, &t->addrlen) == -1)
		return -1;
	p->first = RFC3263_STEP_NONE;
	p->port = port;
	snprintf(p->name, sizeof(p->name), "%s", host);
	snprintf(t->host, sizeof(t->host), "%s", host);
	t->port = port;
	t->ttl = UINT32_MAX;
	return 0;
}

/* Fill name, srv_name and port for a looked-up host. */
static void
rfc3263_plan_name(struct rfc3263_plan *p, enum rfc3263_step first,
    const char *host, uint16_t port)
{
	p->first = first;
	p->port = port;
	rfc3263_name_copy(p->name, host);
	/* rfc3263_plan checked that it fits; the precision tells gcc. */
	snprintf(p->srv_name, sizeof(p->srv_name), "%s%.*s", RFC3263_SRV_PREFIX,
	    (int)(sizeof(p->srv_name) - sizeof(RFC3263_SRV_PREFIX)), p->name);
}

int
rfc3263_plan(struct rfc3263_plan *p, const char *domain,
    const char *server_host, uint16_t server_port, char *why, size_t whylen)
{
	const char	*host = domain;
	uint16_t	 port = server_port != 0 ? server_port : RFC3263_PORT;

	memset(p, 0, sizeof(*p));
	if (server_host != NULL && *server_host != '\0')
		host = server_host;
	if (host == NULL || *host == '\0') {
		snprintf(why, whylen, "no SIP domain to resolve");
		return -1;
	}
	if (rfc3263_plan_numeric(p, host, port) == 0)
		return 0;
	/* "_sips._tcp." must still fit in front of the name. */
	if (!rfc3263_name_valid(host) ||
	    strlen(host) + strlen(RFC3263_SRV_PREFIX) >= RFC3263_NAMELEN) {
		snprintf(why, whylen, "\"%.255s\" is not a valid host name",
		    host);
		return -1;
	}
	if (server_port != 0)
		rfc3263_plan_name(p, RFC3263_STEP_ADDR, host, server_port);
	else if (host == server_host)
		rfc3263_plan_name(p, RFC3263_STEP_SRV, host, RFC3263_PORT);
	else
		rfc3263_plan_name(p, RFC3263_STEP_NAPTR, host, RFC3263_PORT);
	return 0;
}

/* Does a NAPTR record lead to SIP over TLS for a sips: URI? */
static int
rfc3263_naptr_usable(const struct rfc3263_naptr *r)
{
	if (strcasecmp(r->flags, "s") != 0 ||
	    strcasecmp(r->service, RFC3263_SERVICE) != 0)
		return 0;
	return rfc3263_name_valid(r->replacement);
}

/* NAPTR a sorts before b: lower order first, then lower preference. */
static int
rfc3263_naptr_before(const struct rfc3263_naptr *a,
    const struct rfc3263_naptr *b)
{
	if (a->order != b->order)
		return a->order < b->order;
	return a->preference < b->preference;
}

/*
 * Every usable record is kept, not only the first order that matched, so
 * the SRV sets of later records are failover behind earlier ones.
 */
size_t
rfc3263_naptr_filter(struct rfc3263_naptr *v, size_t n)
{
	struct rfc3263_naptr	tmp;
	size_t			i, j, kept = 0;

	for (i = 0; i < n; i++) {
		if (!rfc3263_naptr_usable(&v[i]))
			continue;
		tmp = v[i];
		/* Stable insertion: equal keys keep the answer's order. */
		for (j = kept; j > 0 && rfc3263_naptr_before(&tmp, &v[j - 1]);
		    j--)
			v[j] = v[j - 1];
		v[j] = tmp;
		kept++;
	}
	return kept;
}

/* Drop "." targets; note whether the answer said "not available". */
static size_t
rfc3263_srv_drop_root(struct rfc3263_srv *v, size_t n, int *unavailable)
{
	size_t	i, kept = 0, roots = 0;

	for (i = 0; i < n; i++) {
		if (v[i].target[0] == '\0' || strcmp(v[i].target, ".") == 0) {
			roots++;
			continue;
		}
		v[kept++] = v[i];
	}
	*unavailable = kept == 0 && roots > 0;
	return kept;
}

/* Stable sort by ascending priority. */
static void
rfc3263_srv_sort(struct rfc3263_srv *v, size_t n)
{
	struct rfc3263_srv	tmp;
	size_t			i, j;

	for (i = 1; i < n; i++) {
		tmp = v[i];
		for (j = i; j > 0 && v[j - 1].priority > tmp.priority; j--)
			v[j] = v[j - 1];
		v[j] = tmp;
	}
}

/* Move v[from] to v[to] (to <= from), shifting the rest up by one. */
static void
rfc3263_srv_move(struct rfc3263_srv *v, size_t to, size_t from)
{
	struct rfc3263_srv	tmp = v[from];

	memmove(&v[to + 1], &v[to], (from - to) * sizeof(*v));
	v[to] = tmp;
}

/*
 * RFC 2782 weighted selection within one priority, v[0..n): weight-0
 * records go first, then repeatedly pick a random number in [0, sum] and
 * take the first record whose running sum reaches it. A weight-0 record
 * is picked only on 0, the "very small chance" the RFC gives them.
 */
static void
rfc3263_srv_weigh(struct rfc3263_srv *v, size_t n, uint32_t (*rnd)(void *),
    void *rndarg)
{
	size_t		k, m, zeros = 0;
	uint64_t	sum, run, r;

	for (m = 0; m < n; m++) {
		if (v[m].weight == 0)
			rfc3263_srv_move(v, zeros++, m);
	}
	for (k = 0; k + 1 < n; k++) {
		sum = 0;
		for (m = k; m < n; m++)
			sum += v[m].weight;
		r = sum == 0 ? 0 : (uint64_t)rnd(rndarg) % (sum + 1);
		run = 0;
		for (m = k; m < n - 1; m++) {
			run += v[m].weight;
			if (run >= r)
				break;
		}
		rfc3263_srv_move(v, k, m);
	}
}

size_t
rfc3263_srv_order(struct rfc3263_srv *v, size_t n, uint32_t (*rnd)(void *),
    void *rndarg, int *unavailable)
{
	size_t	i, j;

	n = rfc3263_srv_drop_root(v, n, unavailable);
	rfc3263_srv_sort(v, n);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j].priority == v[i].priority; j++)
			;
		rfc3263_srv_weigh(&v[i], j - i, rnd, rndarg);
	}
	return n;
}

void
rfc3263_targets_init(struct rfc3263_targets *l)
{
	memset(l, 0, sizeof(*l));
	l->ttl = UINT32_MAX;
}

void
rfc3263_targets_free(struct rfc3263_targets *l)
{
	free(l->v);
	rfc3263_targets_init(l);
}

/* Same family, address and port? Padding and flow labels do not count. */
static int
rfc3263_addr_equal(const struct sockaddr_storage *a,
    const struct sockaddr_storage *b)
{
	const struct sockaddr_in	*a4 = (const void *)a;
	const struct sockaddr_in	*b4 = (const void *)b;
	const struct sockaddr_in6	*a6 = (const void *)a;
	const struct sockaddr_in6	*b6 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port == b6->sin6_port &&
	    memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr)) == 0;
}

/* Set the port of an IPv4 or IPv6 sockaddr. */
static void
rfc3263_addr_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* Append one target; a's sockaddr already carries the port. */
static void
rfc3263_targets_push(struct rfc3263_targets *l, const char *host,
    uint16_t port, const struct rfc3263_addr *a, uint32_t ttl)
{
	struct rfc3263_target	*t;

	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 8 : l->cap * 2;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	t = &l->v[l->n++];
	memset(t, 0, sizeof(*t));
	snprintf(t->host, sizeof(t->host), "%s", host);
	t->port = port;
	t->addr = a->addr;
	t->addrlen = a->addrlen;
	t->ttl = a->ttl < ttl ? a->ttl : ttl;
	if (t->ttl < l->ttl)
		l->ttl = t->ttl;
}

/* Append the addresses of one family that are not yet listed. */
static size_t
rfc3263_targets_family(struct rfc3263_targets *l, const char *host,
    uint16_t port, const struct rfc3263_addr *a, size_t n, uint32_t ttl,
    int family)
{
	struct rfc3263_addr	tmp;
	size_t			i, j, added = 0;

	for (i = 0; i < n; i++) {
		if (a[i].addr.ss_family != family)
			continue;
		tmp = a[i];
		rfc3263_addr_port(&tmp.addr, port);
		for (j = 0; j < l->n; j++) {
			if (rfc3263_addr_equal(&l->v[j].addr, &tmp.addr))
				break;
		}
		if (j < l->n)
			continue;
		rfc3263_targets_push(l, host, port, &tmp, ttl);
		added++;
	}
	return added;
}

size_t
rfc3263_targets_add(struct rfc3263_targets *l, const char *host,
    uint16_t port, const struct rfc3263_addr *a, size_t n, uint32_t ttl)
{
	return rfc3263_targets_family(l, host, port, a, n, ttl, AF_INET) +
	    rfc3263_targets_family(l, host, port, a, n, ttl, AF_INET6);
}
