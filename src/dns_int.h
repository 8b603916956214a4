/*
 * dns_int.h: what dns.c (the c-ares channel on libevent, replies turned
 * into sets, the cache and the public entry points) and dns_query.c (the
 * RFC 3263 stages of one resolution) share. Nothing else includes it.
 */
#ifndef SIPEDGE_DNS_INT_H
#define SIPEDGE_DNS_INT_H

#include <sys/queue.h>

#include <arpa/nameser.h>
#include <stddef.h>
#include <stdint.h>

#include <ares.h>
#include <event2/util.h>

#include "dns.h"
#include "rfc3263.h"

#define DNS_RR_ADDR	0		/* A and AAAA, via ares_getaddrinfo */
#define DNS_RR_SRV	ns_t_srv
#define DNS_RR_NAPTR	ns_t_naptr

struct event;
struct event_base;
struct dns_sock;

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

/* dns.c: replies turned into sets, and the cache of them. */
int		 dns_status_negative(int);
void		 dns_name_key(char *, const char *);
void		 dns_rrset_clear(struct dns_rrset *);
void		 dns_rrset_parse(struct dns_rrset *, int, int,
		    const unsigned char *, int);
void		 dns_rrset_addrinfo(struct dns_rrset *, int,
		    const struct ares_addrinfo *);
struct dns_cache_entry *dns_cache_find(struct dns *, int, const char *);
struct dns_cache_entry *dns_cache_store(struct dns *, int, const char *,
		    struct dns_rrset *);

/* dns_query.c: one resolution, from its plan to its callback. */
void		 dns_query_start(struct dns_query *);
void		 dns_query_unref(struct dns_query *);
void		 dns_query_error(struct dns_query *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
void		 dns_query_done_cb(evutil_socket_t, short, void *);
void		 dns_query_free(struct dns_query *);

#endif
