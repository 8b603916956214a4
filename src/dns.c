/*
 * dns.c: RFC 3263 for carriers with c-ares on the daemon's libevent loop.
 *
 * c-ares tells us which sockets it wants watched (ARES_OPT_SOCK_STATE_CB)
 * and when it next needs a timeout processed (ares_timeout); libevent does
 * the waiting. rfc3263.c decides what to ask; this file asks, caches and
 * hands the ordered targets back.
 *
 * A resolution walks stages: NAPTR, SRV (one lookup per NAPTR replacement,
 * or _sips._tcp.<name>), then A/AAAA for every SRV target (or the name
 * itself on 5061 or the explicit port). Lookups of a stage run in
 * parallel; the stage ends when the last one answers. A timeout or server
 * failure in the NAPTR or SRV stage ends the resolution with that error,
 * because without the answer we cannot know where the carrier lives; in
 * the A/AAAA stage it only loses that target. When NAPTR replacements
 * have no SRV records, _sips._tcp.<name> is tried before A/AAAA.
 *
 * A/AAAA go through ares_getaddrinfo: one call for both families, TTLs per
 * address, and /etc/hosts honoured as the system resolver would. Search
 * domains are switched off: RFC 3263 names are fully qualified.
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

#include <arpa/nameser.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ares.h>
#include <event2/event.h>
#include <openssl/rand.h>

#include "dns.h"
#include "log.h"
#include "util.h"

#define DNS_RR_ADDR	0		/* A and AAAA, via ares_getaddrinfo */
#define DNS_RR_SRV	ns_t_srv
#define DNS_RR_NAPTR	ns_t_naptr
#define DNS_TIMEOUT_MS	2000		/* first try; c-ares doubles it */
#define DNS_TRIES	3
#define DNS_CACHE_MAX	1024
#define DNS_HOSTS_MAX	32		/* SRV targets followed per query */

/* What one lookup found: records, "none" (negative) or a failure. */
struct dns_rrset {
	int		 status;	/* ARES_SUCCESS, ARES_ENOTFOUND, ... */
	uint32_t	 ttl;
	void		*rr;		/* rfc3263_naptr, _srv or _addr */
	size_t		 n;
};

struct dns_cache_entry {
	TAILQ_ENTRY(dns_cache_entry) entry;
	int			 type;
	char			 name[RFC3263_NAMELEN];
	uint64_t		 expires;	/* monotonic milliseconds */
	struct dns_rrset	 set;
};

/* A socket c-ares asked us to watch. */
struct dns_sock {
	TAILQ_ENTRY(dns_sock)	 entry;
	ares_socket_t		 fd;
	struct event		*ev;
};

struct dns {
	struct event_base	*base;
	ares_channel		 channel;
	struct event		*timer;
	TAILQ_HEAD(, dns_sock)	 socks;
	TAILQ_HEAD(, dns_query)	 queries;
	TAILQ_HEAD(, dns_cache_entry) cache;
	size_t			 ncache;
	unsigned		 hits;
	unsigned		 misses;
};

enum dns_stage {
	DNS_STAGE_NAPTR,
	DNS_STAGE_SRV,
	DNS_STAGE_ADDR,
	DNS_STAGE_DONE,
};

/* An SRV owner name to look up, and its ordered answer. */
struct dns_srvname {
	char			 name[RFC3263_NAMELEN];
	uint32_t		 ttl;		/* of the NAPTR that named it */
	struct rfc3263_srv	*srv;
	size_t			 n;
	int			 unavailable;	/* target "." */
};

/* A host to look up A/AAAA for, and its addresses. */
struct dns_host {
	char			 name[RFC3263_NAMELEN];
	uint16_t		 port;
	uint32_t		 ttl;		/* of the NAPTR/SRV chain */
	struct rfc3263_addr	*addrs;
	size_t			 n;
};

struct dns_query {
	struct dns		*dns;
	TAILQ_ENTRY(dns_query)	 entry;
	dns_sip_cb		 cb;
	void			*arg;
	struct rfc3263_plan	 plan;
	enum dns_stage		 stage;
	unsigned		 pending;	/* lookups not answered yet */
	int			 cancelled;
	int			 delivering;
	int			 default_srv;	/* _sips._tcp.<name> asked */
	int			 from_srv;	/* hosts are SRV targets */
	struct dns_srvname	*names;
	size_t			 nnames;
	struct dns_host		*hosts;
	size_t			 nhosts;
	int			 error;
	char			 errmsg[512];
	struct rfc3263_targets	 out;
	struct event		*done;
};

/* One outstanding c-ares request. */
struct dns_lookup {
	struct dns_query	*q;
	int			 type;
	size_t			 slot;
	char			 name[RFC3263_NAMELEN];
};

static void	dns_query_unref(struct dns_query *);
static void	dns_stage_srv(struct dns_query *);

/* Milliseconds on the monotonic clock. */
static uint64_t
dns_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The record type as operators read it in messages. */
static const char *
dns_type_name(int type)
{
	switch (type) {
	case DNS_RR_NAPTR:
		return "NAPTR";
	case DNS_RR_SRV:
		return "SRV";
	default:
		return "A/AAAA";
	}
}

/* Keep a TTL within DNS_TTL_MIN..DNS_TTL_MAX. */
static uint32_t
dns_ttl_clamp(uint32_t ttl)
{
	if (ttl < DNS_TTL_MIN)
		return DNS_TTL_MIN;
	return ttl > DNS_TTL_MAX ? DNS_TTL_MAX : ttl;
}

/* Is this c-ares status "the name or record does not exist"? */
static int
dns_status_negative(int status)
{
	return status == ARES_ENOTFOUND || status == ARES_ENODATA;
}

/* Cache key: lower case, no trailing dot. */
static void
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

/* Random numbers for RFC 2782 weights; not a secret, so no failure path. */
static uint32_t
dns_rnd(void *arg)
{
	uint32_t	r = 0;

	(void)RAND_bytes((unsigned char *)&r, sizeof(r));
	return r;
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
static void
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
static void
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
static void
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
static struct dns_cache_entry *
dns_cache_find(struct dns *dns, int type, const char *key)
{
	struct dns_cache_entry	*e, *next;
	uint64_t		 now = dns_now();

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
static struct dns_cache_entry *
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
	e->expires = dns_now() + (uint64_t)set->ttl * 1000;
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

/* Free a query and everything it holds. */
static void
dns_query_free(struct dns_query *q)
{
	size_t	i;

	if (!q->delivering)
		TAILQ_REMOVE(&q->dns->queries, q, entry);
	event_free(q->done);
	for (i = 0; i < q->nnames; i++)
		free(q->names[i].srv);
	free(q->names);
	for (i = 0; i < q->nhosts; i++)
		free(q->hosts[i].addrs);
	free(q->hosts);
	rfc3263_targets_free(&q->out);
	free(q);
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

/* Record the first failure of a query; later ones add nothing. */
static void
dns_query_error(struct dns_query *q, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
dns_query_error(struct dns_query *q, int error, const char *fmt, ...)
{
	va_list	ap;

	if (q->error != DNS_OK)
		return;
	q->error = error;
	va_start(ap, fmt);
	vsnprintf(q->errmsg, sizeof(q->errmsg), fmt, ap);
	va_end(ap);
}

/* A lookup failed for a reason other than "no such record". */
static void
dns_query_failed(struct dns_query *q, int type, const char *name, int status)
{
	if (status == ARES_ETIMEOUT)
		dns_query_error(q, DNS_ETIMEOUT, "DNS timeout for %s", name);
	else if (status == ARES_EBADNAME)
		dns_query_error(q, DNS_EINVAL, "\"%s\" is not a valid DNS name",
		    name);
	else
		dns_query_error(q, DNS_EFAIL, "DNS %s lookup for %s failed: %s",
		    dns_type_name(type), name, ares_strerror(status));
}

/* Hand the result over from an event of its own. */
static void
dns_query_finish(struct dns_query *q)
{
	q->stage = DNS_STAGE_DONE;
	event_active(q->done, EV_TIMEOUT, 1);
}

/* Deliver the result; the query is gone afterwards. */
static void
dns_query_done_cb(evutil_socket_t fd, short events, void *arg)
{
	struct dns_query	*q = arg;

	TAILQ_REMOVE(&q->dns->queries, q, entry);
	q->delivering = 1;
	if (q->out.n > 0)
		q->error = DNS_OK;
	else if (q->error == DNS_OK)
		dns_query_error(q, DNS_ENOTFOUND, "no targets for %s",
		    q->plan.name);
	log_debug("dns: %s: %zu target%s%s%s", q->plan.name, q->out.n,
	    q->out.n == 1 ? "" : "s", q->error ? ": " : "",
	    q->error ? q->errmsg : "");
	q->cb(q->error, q->error ? q->errmsg : NULL, q->out.v, q->out.n,
	    q->arg);
	dns_query_free(q);
}

/* Add a host to look up, once per (name, port). */
static void
dns_host_add(struct dns_query *q, const char *name, uint16_t port,
    uint32_t ttl)
{
	struct dns_host	*h;
	size_t		 i;

	for (i = 0; i < q->nhosts; i++) {
		if (q->hosts[i].port == port &&
		    strcasecmp(q->hosts[i].name, name) == 0)
			return;
	}
	if (q->nhosts == DNS_HOSTS_MAX)
		return;
	q->hosts = xreallocarray(q->hosts, q->nhosts + 1, sizeof(*q->hosts));
	h = &q->hosts[q->nhosts++];
	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->port = port;
	h->ttl = ttl;
}

/* Add an SRV owner name to look up. */
static void
dns_srvname_add(struct dns_query *q, const char *name, uint32_t ttl)
{
	struct dns_srvname	*s;

	q->names = xreallocarray(q->names, q->nnames + 1, sizeof(*q->names));
	s = &q->names[q->nnames++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->ttl = ttl;
	if (strcasecmp(name, q->plan.srv_name) == 0)
		q->default_srv = 1;
}

/* Keep the usable NAPTR records as SRV names to look up. */
static void
dns_result_naptr(struct dns_query *q, const struct dns_rrset *set)
{
	struct rfc3263_naptr	*v;
	size_t			 i, n;

	v = xcalloc(set->n, sizeof(*v));
	memcpy(v, set->rr, set->n * sizeof(*v));
	n = rfc3263_naptr_filter(v, set->n);
	for (i = 0; i < n; i++)
		dns_srvname_add(q, v[i].replacement, set->ttl);
	free(v);
}

/* Keep an SRV answer in RFC 2782 order. */
static void
dns_result_srv(struct dns_query *q, size_t slot, const struct dns_rrset *set)
{
	struct dns_srvname	*s = &q->names[slot];
	size_t			 i;

	s->srv = xcalloc(set->n, sizeof(*s->srv));
	memcpy(s->srv, set->rr, set->n * sizeof(*s->srv));
	/* From the cache, the set's TTL is what remains of it. */
	for (i = 0; i < set->n; i++)
		s->srv[i].ttl = set->ttl;
	s->n = rfc3263_srv_order(s->srv, set->n, dns_rnd, NULL,
	    &s->unavailable);
}

/* Keep a host's addresses. */
static void
dns_result_addr(struct dns_query *q, size_t slot, const struct dns_rrset *set)
{
	struct dns_host	*h = &q->hosts[slot];
	size_t		 i;

	h->addrs = xcalloc(set->n, sizeof(*h->addrs));
	memcpy(h->addrs, set->rr, set->n * sizeof(*h->addrs));
	h->n = set->n;
	for (i = 0; i < h->n; i++) {
		if (h->addrs[i].ttl > set->ttl)
			h->addrs[i].ttl = set->ttl;
	}
}

/* A lookup answered (from the cache or a server). */
static void
dns_lookup_result(struct dns_query *q, int type, size_t slot,
    const struct dns_rrset *set, const char *name)
{
	if (dns_status_negative(set->status))
		return;
	if (set->status != ARES_SUCCESS) {
		dns_query_failed(q, type, name, set->status);
		return;
	}
	if (type == DNS_RR_NAPTR)
		dns_result_naptr(q, set);
	else if (type == DNS_RR_SRV)
		dns_result_srv(q, slot, set);
	else
		dns_result_addr(q, slot, set);
}

/* ares_query answered. */
static void
dns_query_cb(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	struct dns_lookup	*l = arg;
	struct dns_query	*q = l->q;
	struct dns_cache_entry	*e;
	struct dns_rrset	 set;

	if (!q->cancelled) {
		dns_rrset_parse(&set, l->type, status, abuf, alen);
		log_debug("dns: %s %s: %s", dns_type_name(l->type), l->name,
		    set.status == ARES_SUCCESS ? "answered" :
		    ares_strerror(set.status));
		e = dns_cache_store(q->dns, l->type, l->name, &set);
		dns_lookup_result(q, l->type, l->slot, e ? &e->set : &set,
		    l->name);
		dns_rrset_clear(&set);
	}
	free(l);
	dns_query_unref(q);
}

/* ares_getaddrinfo answered. */
static void
dns_addrinfo_cb(void *arg, int status, int timeouts,
    struct ares_addrinfo *res)
{
	struct dns_lookup	*l = arg;
	struct dns_query	*q = l->q;
	struct dns_cache_entry	*e;
	struct dns_rrset	 set;

	if (!q->cancelled) {
		dns_rrset_addrinfo(&set, status, res);
		log_debug("dns: A/AAAA %s: %zu address%s%s%s", l->name, set.n,
		    set.n == 1 ? "" : "es", set.status ? ": " : "",
		    set.status ? ares_strerror(set.status) : "");
		e = dns_cache_store(q->dns, l->type, l->name, &set);
		dns_lookup_result(q, l->type, l->slot, e ? &e->set : &set,
		    l->name);
		dns_rrset_clear(&set);
	}
	ares_freeaddrinfo(res);
	free(l);
	dns_query_unref(q);
}

/* Look a name up, from the cache when it has a live answer. */
static void
dns_lookup(struct dns_query *q, int type, const char *name, size_t slot)
{
	struct dns			*dns = q->dns;
	struct dns_cache_entry		*e;
	struct dns_lookup		*l;
	struct ares_addrinfo_hints	 hints;
	char				 key[RFC3263_NAMELEN];

	dns_name_key(key, name);
	q->pending++;
	if ((e = dns_cache_find(dns, type, key)) != NULL) {
		dns->hits++;
		dns_lookup_result(q, type, slot, &e->set, key);
		dns_query_unref(q);
		return;
	}
	dns->misses++;
	l = xcalloc(1, sizeof(*l));
	l->q = q;
	l->type = type;
	l->slot = slot;
	memcpy(l->name, key, sizeof(l->name));
	if (type != DNS_RR_ADDR) {
		ares_query(dns->channel, l->name, ns_c_in, type, dns_query_cb,
		    l);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = ARES_AI_NOSORT;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	ares_getaddrinfo(dns->channel, l->name, NULL, &hints, dns_addrinfo_cb,
	    l);
}

/* NAPTR of the name. */
static void
dns_stage_naptr(struct dns_query *q)
{
	q->stage = DNS_STAGE_NAPTR;
	q->pending++;
	dns_lookup(q, DNS_RR_NAPTR, q->plan.name, 0);
	dns_query_unref(q);
}

/* SRV of every name collected so far. */
static void
dns_stage_srv(struct dns_query *q)
{
	size_t	i;

	q->stage = DNS_STAGE_SRV;
	q->pending++;
	for (i = 0; i < q->nnames; i++)
		dns_lookup(q, DNS_RR_SRV, q->names[i].name, i);
	dns_query_unref(q);
}

/* SRV of _sips._tcp.<name>, replacing NAPTR names that led nowhere. */
static void
dns_stage_srv_default(struct dns_query *q)
{
	size_t	i;

	for (i = 0; i < q->nnames; i++)
		free(q->names[i].srv);
	free(q->names);
	q->names = NULL;
	q->nnames = 0;
	dns_srvname_add(q, q->plan.srv_name, UINT32_MAX);
	dns_stage_srv(q);
}

/* A/AAAA of every host collected so far. */
static void
dns_stage_addr(struct dns_query *q)
{
	size_t	i;

	q->stage = DNS_STAGE_ADDR;
	q->pending++;
	for (i = 0; i < q->nhosts; i++)
		dns_lookup(q, DNS_RR_ADDR, q->hosts[i].name, i);
	dns_query_unref(q);
}

/* NAPTR answered: its SRV names, or the default one. */
static void
dns_step_naptr(struct dns_query *q)
{
	if (q->error != DNS_OK)
		dns_query_finish(q);
	else if (q->nnames == 0)
		dns_stage_srv_default(q);
	else
		dns_stage_srv(q);
}

/* Did every SRV answer say "not available" (target ".")? */
static int
dns_srv_unavailable(const struct dns_query *q)
{
	size_t	i;

	for (i = 0; i < q->nnames; i++) {
		if (!q->names[i].unavailable)
			return 0;
	}
	return q->nnames > 0;
}

/* SRV answered: their targets, else the default SRV, else A/AAAA. */
static void
dns_step_srv(struct dns_query *q)
{
	struct dns_srvname	*s;
	struct rfc3263_srv	*r;
	size_t			 i, j;

	if (q->error != DNS_OK) {
		dns_query_finish(q);
		return;
	}
	for (i = 0; i < q->nnames; i++) {
		s = &q->names[i];
		for (j = 0; j < s->n; j++) {
			r = &s->srv[j];
			if (rfc3263_name_valid(r->target))
				dns_host_add(q, r->target, r->port,
				    s->ttl < r->ttl ? s->ttl : r->ttl);
		}
	}
	if (q->nhosts > 0) {
		q->from_srv = 1;
		dns_stage_addr(q);
	} else if (dns_srv_unavailable(q)) {
		dns_query_error(q, DNS_ENOTFOUND, "SRV %s says the service is "
		    "not available (target \".\")", q->names[0].name);
		dns_query_finish(q);
	} else if (!q->default_srv)
		dns_stage_srv_default(q);
	else {
		dns_host_add(q, q->plan.name, q->plan.port, UINT32_MAX);
		dns_stage_addr(q);
	}
}

/* A/AAAA answered: the ordered target list, and the result. */
static void
dns_step_addr(struct dns_query *q)
{
	const char	*what;
	size_t		 i;

	for (i = 0; i < q->nhosts; i++)
		rfc3263_targets_add(&q->out, q->hosts[i].name,
		    q->hosts[i].port, q->hosts[i].addrs, q->hosts[i].n,
		    q->hosts[i].ttl);
	if (q->out.n == 0 && q->from_srv)
		dns_query_error(q, DNS_ENOTFOUND, "no A/AAAA records for %s "
		    "(SRV target for %s)", q->hosts[0].name, q->plan.name);
	else if (q->out.n == 0) {
		what = q->plan.first == RFC3263_STEP_NAPTR ? "NAPTR/SRV/" :
		    q->plan.first == RFC3263_STEP_SRV ? "SRV/" : "";
		dns_query_error(q, DNS_ENOTFOUND, "no %sA/AAAA records for %s",
		    what, q->plan.name);
	}
	dns_query_finish(q);
}

/* The stage's last lookup answered: move on. */
static void
dns_query_step(struct dns_query *q)
{
	switch (q->stage) {
	case DNS_STAGE_NAPTR:
		dns_step_naptr(q);
		break;
	case DNS_STAGE_SRV:
		dns_step_srv(q);
		break;
	case DNS_STAGE_ADDR:
		dns_step_addr(q);
		break;
	case DNS_STAGE_DONE:
		dns_query_finish(q);
		break;
	}
}

/* One lookup (or a stage's guard) fewer outstanding. */
static void
dns_query_unref(struct dns_query *q)
{
	if (--q->pending > 0)
		return;
	if (q->cancelled)
		dns_query_free(q);
	else
		dns_query_step(q);
}

/* Start the plan's first stage. */
static void
dns_query_start(struct dns_query *q)
{
	struct rfc3263_addr	a;

	switch (q->plan.first) {
	case RFC3263_STEP_NONE:
		memset(&a, 0, sizeof(a));
		a.addr = q->plan.numeric.addr;
		a.addrlen = q->plan.numeric.addrlen;
		a.ttl = DNS_TTL_MAX;
		rfc3263_targets_add(&q->out, q->plan.name, q->plan.port, &a, 1,
		    DNS_TTL_MAX);
		q->stage = DNS_STAGE_DONE;
		break;
	case RFC3263_STEP_NAPTR:
		dns_stage_naptr(q);
		break;
	case RFC3263_STEP_SRV:
		dns_stage_srv_default(q);
		break;
	case RFC3263_STEP_ADDR:
		dns_host_add(q, q->plan.name, q->plan.port, UINT32_MAX);
		dns_stage_addr(q);
		break;
	}
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
