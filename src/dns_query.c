/*
 * dns_query.c: the stages of one RFC 3263 resolution.
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
 * Every lookup is answered from the cache in dns.c when it can be, and a
 * server's answer is stored there before the stage sees it.
 */
#include "config.h"

#include <sys/queue.h>

#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ares.h>
#include <event2/event.h>
#include <openssl/rand.h>

#include "dns.h"
#include "dns_int.h"
#include "log.h"
#include "util.h"

#define DNS_HOSTS_MAX	32		/* SRV targets followed per query */

/* One outstanding c-ares request. */
struct dns_lookup {
	struct dns_query	*q;
	int			 type;
	size_t			 slot;
	char			 name[RFC3263_NAMELEN];
};

static void	dns_stage_srv(struct dns_query *);

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

/* Random numbers for RFC 2782 weights; not a secret, so no failure path. */
static uint32_t
dns_rnd(void *arg)
{
	uint32_t	r = 0;

	(void)RAND_bytes((unsigned char *)&r, sizeof(r));
	return r;
}

/* Free a query and everything it holds. */
void
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

/* Record the first failure of a query; later ones add nothing. */
void
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
void
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
void
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
void
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

