/*
 * dns.h: RFC 3263 resolution of carriers with c-ares, driven by the
 * daemon's libevent loop, with a TTL-respecting cache.
 */
#ifndef SIPEDGE_DNS_H
#define SIPEDGE_DNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "rfc3263.h"

#define DNS_TTL_MIN		5	/* seconds an answer is kept at least */
#define DNS_TTL_MAX		3600	/* and at most */
#define DNS_TTL_NEGATIVE	30	/* for "no such record" */

struct event_base;
struct dns;		/* one resolver per daemon */
struct dns_query;

/* The error passed to a dns_sip_cb. */
enum dns_error {
	DNS_OK = 0,
	DNS_ENOTFOUND,		/* no records, or SRV said "not available" */
	DNS_ETIMEOUT,		/* a server did not answer in time */
	DNS_EFAIL,		/* server failure, refusal, bad answer */
	DNS_EINVAL,		/* the name cannot be looked up */
};

/*
 * The answer, exactly once per query unless cancelled: error 0, errmsg
 * NULL and the ordered targets (valid during the call only), or an
 * enum dns_error with a message naming what failed ("DNS timeout for
 * _sips._tcp.carrier.test") and targets NULL, n 0.
 * It never runs inside dns_resolve_sip or c-ares, so it may start, cancel
 * (other queries) or free the resolver.
 */
typedef void (*dns_sip_cb)(int error, const char *errmsg,
    const struct rfc3263_target *targets, size_t n, void *arg);

/*
 * A resolver on base. servers: nservers addresses with their ports (port 0
 * is 53); nservers 0 uses /etc/resolv.conf. On failure returns NULL and
 * sets *why to a message the caller frees.
 */
struct dns	*dns_new(struct event_base *, const struct sockaddr_storage *,
		    size_t nservers, char **why);
/* Free the resolver; queries still running are cancelled (no callback). */
void		 dns_free(struct dns *);
/*
 * RFC 3263 for a carrier: its SIP domain, an optional explicit server
 * host (NULL or "") and port (0: none). Never NULL.
 */
struct dns_query *dns_resolve_sip(struct dns *, const char *domain,
		    const char *server_host, uint16_t server_port, dns_sip_cb,
		    void *arg);
/* Stop a query: its callback will not be called. NULL is ignored. */
void		 dns_cancel(struct dns_query *);
/* Lookups answered from the cache and lookups sent to a server. */
void		 dns_cache_stats(struct dns *, unsigned *hits,
		    unsigned *misses);
/* Drop every cached answer. */
void		 dns_cache_flush(struct dns *);
/*
 * The smallest TTL of the answer records of type in a DNS message of len
 * bytes (what ares_parse_*_reply do not report); -1 if malformed or there
 * are none.
 */
int		 dns_answer_ttl(const unsigned char *, size_t len, int type,
		    uint32_t *ttl);

#endif
