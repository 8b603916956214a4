/*
 * dns.c: RFC 3263 for carriers with c-ares on the daemon's libevent loop.
 *
 * c-ares tells us which sockets it wants watched (ARES_OPT_SOCK_STATE_CB)
 * and when it next needs a timeout processed (ares_timeout); libevent does
 * the waiting. rfc3263.c decides what to ask; dns_query.c walks the stages
 * of a resolution and asks; this file runs the channel, turns replies into
 * record sets, caches them and hands the queries out.
 *
 * The cache holds every answer (positive within its TTL clamped to
 * DNS_TTL_MIN..DNS_TTL_MAX, negative for DNS_TTL_NEGATIVE s) keyed by type
 * and lower-cased name. It is a list: a daemon has a handful of carriers
 * and each needs a few names, so a linear walk beats any index.
 *
 * Callbacks are always delivered from an event of their own, never from
 * inside dns_resolve_sip or c-ares, so a caller may free the resolver in
 * its callback and never sees its own call re-entered.
 */
#include "config.h"

#include <sys/queue.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ares.h>
#include <event2/event.h>

#include "dns.h"
#include "dns_int.h"
#include "log.h"
#include "util.h"

#define DNS_TIMEOUT_MS	2000		/* first try; c-ares doubles it */
#define DNS_TRIES	3
#define DNS_CACHE_MAX	1024

/* A socket c-ares asked us to watch. */
struct dns_sock {
	TAILQ_ENTRY(dns_sock)	 entry;
	ares_socket_t		 fd;
	struct event		*ev;
};

/* Keep a TTL within DNS_TTL_MIN..DNS_TTL_MAX. */
static uint32_t
dns_ttl_clamp(uint32_t ttl)
{
	if (ttl < DNS_TTL_MIN)
		return DNS_TTL_MIN;
	return ttl > DNS_TTL_MAX ? DNS_TTL_MAX : ttl;
}

/* Is this c-ares status "the name or record does not exist"? */
int
dns_status_negative(int status)
{
	return status == ARES_ENOTFOUND || status == ARES_ENODATA;
}

/* Cache key: lower case, no trailing dot. */
void
dns_name_key(char *key, const char *name)
{
	size_t	i, len = strlen(name);

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len >= RFC3263_NAMELEN)
		len = RFC3263_NAMELEN - 1;
	for (i = 0; i < len; i++)
		key[i] = name[i] >= 'A' && name[i] <= 'Z' ?
		    name[i] - 'A' + 'a' : name[i];
	key[len] = '\0';
}

/* Skip a possibly compressed name at *off. */
static int
dns_skip_name(const unsigned char *p, size_t len, size_t *off)
{
	size_t	o = *off;

	while (o < len) {
		if (p[o] == 0) {
			*off = o + 1;
			return 0;
		}
		if ((p[o] & 0xc0) == 0xc0) {
			if (o + 2 > len)
				return -1;
			*off = o + 2;
			return 0;
		}
		if ((p[o] & 0xc0) != 0)
			return -1;
		o += 1 + p[o];
	}
	return -1;
}

/* Big-endian 16 bits. */
static unsigned
dns_get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

int
dns_answer_ttl(const unsigned char *p, size_t len, int type, uint32_t *ttl)
{
	size_t		off = 12, rdlen;
	unsigned	qd, an, i;
	uint32_t	t, best = UINT32_MAX;
	int		found = 0;

	if (len < 12)
		return -1;
	qd = dns_get16(p + 4);
	an = dns_get16(p + 6);
	for (i = 0; i < qd; i++) {
		if (dns_skip_name(p, len, &off) == -1 || off + 4 > len)
			return -1;
		off += 4;
	}
	for (i = 0; i < an; i++) {
		if (dns_skip_name(p, len, &off) == -1 || off + 10 > len)
			return -1;
		t = (uint32_t)p[off + 4] << 24 | (uint32_t)p[off + 5] << 16 |
		    (uint32_t)p[off + 6] << 8 | p[off + 7];
		rdlen = dns_get16(p + off + 8);
		if (off + 10 + rdlen > len)
			return -1;
		/* RFC 2181 §8: a TTL with the top bit set means zero. */
		if ((int)dns_get16(p + off) == type) {
			found = 1;
			if (t & 0x80000000U)
				t = 0;
			if (t < best)
				best = t;
		}
		off += 10 + rdlen;
	}
	if (!found)
		return -1;
	*ttl = best;
	return 0;
}

/* Free the records of a set. */
void
dns_rrset_clear(struct dns_rrset *set)
{
	free(set->rr);
	set->rr = NULL;
	set->n = 0;
}

/* Copy a NAPTR answer; records with over-long fields are left out. */
static void
dns_naptr_convert(struct dns_rrset *set, struct ares_naptr_reply *reply)
{
	struct ares_naptr_reply	*r;
	struct rfc3263_naptr	*v;
	size_t			 n = 0;

	for (r = reply; r != NULL; r = r->next)
		n++;
	v = set->rr = xcalloc(n, sizeof(*v));
	for (r = reply, n = 0; r != NULL; r = r->next) {
		if (strlen((char *)r->flags) >= sizeof(v[n].flags) ||
		    strlen((char *)r->service) >= sizeof(v[n].service) ||
		    strlen(r->replacement) >= sizeof(v[n].replacement))
			continue;
		v[n].order = r->order;
		v[n].preference = r->preference;
		strcpy(v[n].flags, (char *)r->flags);
		strcpy(v[n].service, (char *)r->service);
		strcpy(v[n].replacement, r->replacement);
		v[n++].ttl = set->ttl;
	}
	set->n = n;
}

/* Copy an SRV answer; records with over-long targets are left out. */
static void
dns_srv_convert(struct dns_rrset *set, struct ares_srv_reply *reply)
{
	struct ares_srv_reply	*r;
	struct rfc3263_srv	*v;
	size_t			 n = 0;

	for (r = reply; r != NULL; r = r->next)
		n++;
	v = set->rr = xcalloc(n, sizeof(*v));
	for (r = reply, n = 0; r != NULL; r = r->next) {
		if (strlen(r->host) >= sizeof(v[n].target))
			continue;
		v[n].priority = r->priority;
		v[n].weight = r->weight;
		v[n].port = r->port;
		strcpy(v[n].target, r->host);
		v[n++].ttl = set->ttl;
	}
	set->n = n;
}

/* Turn a NAPTR or SRV reply into a set. */
void
dns_rrset_parse(struct dns_rrset *set, int type, int status,
    const unsigned char *abuf, int alen)
{
	struct ares_naptr_reply	*naptr = NULL;
	struct ares_srv_reply	*srv = NULL;
	uint32_t		 ttl;

	memset(set, 0, sizeof(*set));
	set->status = status;
	if (status != ARES_SUCCESS)
		return;
	if (dns_answer_ttl(abuf, alen, type, &ttl) == -1)
		ttl = DNS_TTL_MIN;
	set->ttl = dns_ttl_clamp(ttl);
	if (type == DNS_RR_NAPTR) {
		if ((set->status = ares_parse_naptr_reply(abuf, alen,
		    &naptr)) == ARES_SUCCESS)
			dns_naptr_convert(set, naptr);
		ares_free_data(naptr);
	} else {
		if ((set->status = ares_parse_srv_reply(abuf, alen,
		    &srv)) == ARES_SUCCESS)
			dns_srv_convert(set, srv);
		ares_free_data(srv);
	}
	if (set->status == ARES_SUCCESS && set->n == 0)
		set->status = ARES_ENODATA;
}

/* Turn a getaddrinfo result into a set of addresses with TTLs. */
void
dns_rrset_addrinfo(struct dns_rrset *set, int status,
    const struct ares_addrinfo *res)
{
	const struct ares_addrinfo_node	*ai;
	struct rfc3263_addr		*v;
	size_t				 n = 0;

	memset(set, 0, sizeof(*set));
	set->status = status;
	set->ttl = DNS_TTL_MAX;
	if (status != ARES_SUCCESS || res == NULL)
		return;
	for (ai = res->nodes; ai != NULL; ai = ai->ai_next)
		n++;
	v = set->rr = xcalloc(n, sizeof(*v));
	for (ai = res->nodes, n = 0; ai != NULL; ai = ai->ai_next) {
		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof(v[n].addr))
			continue;
		memcpy(&v[n].addr, ai->ai_addr, ai->ai_addrlen);
		v[n].addrlen = ai->ai_addrlen;
		v[n].ttl = dns_ttl_clamp(ai->ai_ttl < 0 ? 0 : ai->ai_ttl);
		if (v[n].ttl < set->ttl)
			set->ttl = v[n].ttl;
		n++;
	}
	set->n = n;
	if (n == 0)
		set->status = ARES_ENODATA;
}

/* Free one cache entry. */
static void
dns_cache_remove(struct dns *dns, struct dns_cache_entry *e)
{
	TAILQ_REMOVE(&dns->cache, e, entry);
	dns->ncache--;
	dns_rrset_clear(&e->set);
	free(e);
}

/* A live entry for (type, key), dropping expired ones on the way. */
struct dns_cache_entry *
dns_cache_find(struct dns *dns, int type, const char *key)
{
	struct dns_cache_entry	*e, *next;
	uint64_t		 now = mono_ms();

	for (e = TAILQ_FIRST(&dns->cache); e != NULL; e = next) {
		next = TAILQ_NEXT(e, entry);
		if (e->expires <= now) {
			dns_cache_remove(dns, e);
			continue;
		}
		if (e->type == type && strcmp(e->name, key) == 0) {
			e->set.ttl = (e->expires - now + 999) / 1000;
			return e;
		}
	}
	return NULL;
}

/*
 * Keep an answer; the set's records move into the cache. Failures are
 * not kept: the next attempt asks again.
 */
struct dns_cache_entry *
dns_cache_store(struct dns *dns, int type, const char *key,
    struct dns_rrset *set)
{
	struct dns_cache_entry	*e;

	if (set->status != ARES_SUCCESS && !dns_status_negative(set->status))
		return NULL;
	if (set->status != ARES_SUCCESS)
		set->ttl = DNS_TTL_NEGATIVE;
	if ((e = dns_cache_find(dns, type, key)) != NULL)
		dns_cache_remove(dns, e);
	if (dns->ncache >= DNS_CACHE_MAX)
		dns_cache_remove(dns, TAILQ_FIRST(&dns->cache));
	e = xcalloc(1, sizeof(*e));
	e->type = type;
	snprintf(e->name, sizeof(e->name), "%s", key);
	e->expires = mono_ms() + (uint64_t)set->ttl * 1000;
	e->set = *set;
	set->rr = NULL;
	set->n = 0;
	TAILQ_INSERT_TAIL(&dns->cache, e, entry);
	dns->ncache++;
	return e;
}

void
dns_cache_flush(struct dns *dns)
{
	while (!TAILQ_EMPTY(&dns->cache))
		dns_cache_remove(dns, TAILQ_FIRST(&dns->cache));
}

void
dns_cache_stats(struct dns *dns, unsigned *hits, unsigned *misses)
{
	*hits = dns->hits;
	*misses = dns->misses;
}

/* Arm the timer for c-ares' next timeout, or stop it when idle. */
static void
dns_timer_update(struct dns *dns)
{
	struct timeval	tv, *tvp;

	if ((tvp = ares_timeout(dns->channel, NULL, &tv)) == NULL)
		evtimer_del(dns->timer);
	else
		evtimer_add(dns->timer, tvp);
}

/* c-ares has timeouts to process. */
static void
dns_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct dns	*dns = arg;

	ares_process_fd(dns->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	dns_timer_update(dns);
}

/* A c-ares socket is ready. */
static void
dns_sock_cb(evutil_socket_t fd, short events, void *arg)
{
	struct dns	*dns = arg;

	ares_process_fd(dns->channel,
	    (events & EV_READ) ? fd : ARES_SOCKET_BAD,
	    (events & EV_WRITE) ? fd : ARES_SOCKET_BAD);
	dns_timer_update(dns);
}

/*
 * c-ares opens, closes or changes interest in a socket. It says "neither"
 * before closing, so the event is gone before the descriptor is reused.
 */
static void
dns_sock_state_cb(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns	*dns = data;
	struct dns_sock	*s;
	short		 what = EV_PERSIST;

	TAILQ_FOREACH(s, &dns->socks, entry) {
		if (s->fd == fd)
			break;
	}
	if (s != NULL && s->ev != NULL) {
		event_free(s->ev);
		s->ev = NULL;
	}
	if (!readable && !writable) {
		if (s != NULL) {
			TAILQ_REMOVE(&dns->socks, s, entry);
			free(s);
		}
		return;
	}
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->fd = fd;
		TAILQ_INSERT_TAIL(&dns->socks, s, entry);
	}
	what |= (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0);
	s->ev = event_new(dns->base, fd, what, dns_sock_cb, dns);
	if (s->ev == NULL || event_add(s->ev, NULL) == -1)
		fatal("%s: event_new", __func__);
}

/* Point c-ares at the configured servers, ports included. */
static int
dns_set_servers(struct dns *dns, const struct sockaddr_storage *servers,
    size_t n, char **why)
{
	struct ares_addr_port_node	*v;
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	size_t				 i;
	int				 port, r;

	v = xcalloc(n, sizeof(*v));
	for (i = 0; i < n; i++) {
		v[i].next = i + 1 < n ? &v[i + 1] : NULL;
		v[i].family = servers[i].ss_family;
		if (servers[i].ss_family == AF_INET) {
			sin = (const struct sockaddr_in *)&servers[i];
			v[i].addr.addr4 = sin->sin_addr;
			port = ntohs(sin->sin_port);
		} else {
			sin6 = (const struct sockaddr_in6 *)&servers[i];
			memcpy(&v[i].addr.addr6, &sin6->sin6_addr, 16);
			port = ntohs(sin6->sin6_port);
		}
		v[i].udp_port = v[i].tcp_port = port == 0 ? 53 : port;
	}
	r = ares_set_servers_ports(dns->channel, v);
	free(v);
	if (r != ARES_SUCCESS) {
		xasprintf(why, "DNS servers: %s", ares_strerror(r));
		return -1;
	}
	return 0;
}

struct dns *
dns_new(struct event_base *base, const struct sockaddr_storage *servers,
    size_t nservers, char **why)
{
	struct dns		*dns;
	struct ares_options	 opts;
	int			 r, mask;

	*why = NULL;
	if ((r = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		xasprintf(why, "c-ares: %s", ares_strerror(r));
		return NULL;
	}
	dns = xcalloc(1, sizeof(*dns));
	dns->base = base;
	TAILQ_INIT(&dns->socks);
	TAILQ_INIT(&dns->queries);
	TAILQ_INIT(&dns->cache);
	if ((dns->timer = evtimer_new(base, dns_timer_cb, dns)) == NULL)
		fatal("%s: evtimer_new", __func__);
	memset(&opts, 0, sizeof(opts));
	opts.sock_state_cb = dns_sock_state_cb;
	opts.sock_state_cb_data = dns;
	opts.timeout = DNS_TIMEOUT_MS;
	opts.tries = DNS_TRIES;
	opts.ndomains = 0;		/* no search list: names are FQDNs */
	mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	    ARES_OPT_DOMAINS;
	if ((r = ares_init_options(&dns->channel, &opts, mask)) !=
	    ARES_SUCCESS) {
		xasprintf(why, "c-ares: %s", ares_strerror(r));
		dns->channel = NULL;
		dns_free(dns);
		return NULL;
	}
	if (nservers > 0 &&
	    dns_set_servers(dns, servers, nservers, why) == -1) {
		dns_free(dns);
		return NULL;
	}
	return dns;
}

void
dns_free(struct dns *dns)
{
	struct dns_query	*q;
	struct dns_sock		*s;

	if (dns == NULL)
		return;
	/* Outstanding lookups come back with ARES_EDESTRUCTION and free. */
	TAILQ_FOREACH(q, &dns->queries, entry)
		q->cancelled = 1;
	if (dns->channel != NULL)
		ares_destroy(dns->channel);
	while ((q = TAILQ_FIRST(&dns->queries)) != NULL)
		dns_query_free(q);
	while ((s = TAILQ_FIRST(&dns->socks)) != NULL) {
		TAILQ_REMOVE(&dns->socks, s, entry);
		if (s->ev != NULL)
			event_free(s->ev);
		free(s);
	}
	dns_cache_flush(dns);
	event_free(dns->timer);
	free(dns);
	ares_library_cleanup();
}

struct dns_query *
dns_resolve_sip(struct dns *dns, const char *domain, const char *server_host,
    uint16_t server_port, dns_sip_cb cb, void *arg)
{
	struct dns_query	*q = xcalloc(1, sizeof(*q));
	char			 why[300];

	q->dns = dns;
	q->cb = cb;
	q->arg = arg;
	rfc3263_targets_init(&q->out);
	if ((q->done = evtimer_new(dns->base, dns_query_done_cb, q)) == NULL)
		fatal("%s: evtimer_new", __func__);
	TAILQ_INSERT_TAIL(&dns->queries, q, entry);
	/* The guard keeps cache hits from finishing stages under our feet. */
	q->pending = 1;
	if (rfc3263_plan(&q->plan, domain, server_host, server_port, why,
	    sizeof(why)) == -1) {
		snprintf(q->plan.name, sizeof(q->plan.name), "%s",
		    domain != NULL ? domain : "");
		dns_query_error(q, DNS_EINVAL, "%s", why);
		q->stage = DNS_STAGE_DONE;
	} else
		dns_query_start(q);
	dns_query_unref(q);
	dns_timer_update(dns);
	return q;
}

void
dns_cancel(struct dns_query *q)
{
	if (q == NULL || q->delivering)
		return;
	event_del(q->done);
	if (q->pending > 0)
		q->cancelled = 1;
	else
		dns_query_free(q);
}
