/*
 * rfc3263.h: RFC 3263 server location for a sips: domain over TLS, as pure
 * logic: which lookups to make, NAPTR filtering, RFC 2782 SRV ordering and
 * the final ordered, deduplicated target list. dns.c does the I/O.
 */
#ifndef SIPEDGE_RFC3263_H
#define SIPEDGE_RFC3263_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define RFC3263_PORT		5061	/* sips default (RFC 3261 §19.1.2) */
#define RFC3263_NAMELEN		256	/* 255 octets of name and a NUL */
#define RFC3263_SRV_PREFIX	"_sips._tcp."
#define RFC3263_SERVICE		"SIPS+D2T"

struct rfc3263_naptr {
	uint16_t	order, preference;
	char		flags[16];
	char		service[32];
	char		replacement[RFC3263_NAMELEN];
	uint32_t	ttl;
};

struct rfc3263_srv {
	uint16_t	priority, weight, port;
	char		target[RFC3263_NAMELEN];
	uint32_t	ttl;
};

/* One resolved address to try, in order; ttl: seconds it stays valid. */
struct rfc3263_target {
	char			host[RFC3263_NAMELEN];
	uint16_t		port;
	struct sockaddr_storage	addr;
	socklen_t		addrlen;
	uint32_t		ttl;
};

/* An address answer for a host (A or AAAA) with its TTL. */
struct rfc3263_addr {
	struct sockaddr_storage	addr;
	socklen_t		addrlen;
	uint32_t		ttl;
};

/* The first lookup a resolution starts with. */
enum rfc3263_step {
	RFC3263_STEP_NONE,	/* numeric address: no DNS at all */
	RFC3263_STEP_NAPTR,	/* NAPTR, then SRV, then A/AAAA */
	RFC3263_STEP_SRV,	/* SRV _sips._tcp.name, then A/AAAA */
	RFC3263_STEP_ADDR,	/* A/AAAA of name on port only */
};

struct rfc3263_plan {
	enum rfc3263_step	first;
	char			name[RFC3263_NAMELEN];	/* host looked up */
	char			srv_name[RFC3263_NAMELEN]; /* _sips._tcp.name */
	uint16_t		port;	/* for A/AAAA without SRV */
	struct rfc3263_target	numeric;	/* first == RFC3263_STEP_NONE */
};

/* The ordered result of a resolution; ttl is the smallest of all answers. */
struct rfc3263_targets {
	struct rfc3263_target	*v;
	size_t			 n;
	size_t			 cap;
	uint32_t		 ttl;
};

/*
 * Decide the lookups for a carrier: domain, optional explicit server host
 * and port (0: none). Returns -1 with a reason for names that cannot be
 * looked up.
 */
int	rfc3263_plan(struct rfc3263_plan *, const char *domain,
	    const char *server_host, uint16_t server_port, char *why,
	    size_t whylen);
/* Is this a name DNS can look up (LDH labels, underscores, <= 253)? */
int	rfc3263_name_valid(const char *);
/* Keep SIPS+D2T records with flag "s", in order/preference order. */
size_t	rfc3263_naptr_filter(struct rfc3263_naptr *, size_t);
/*
 * Order SRV records per RFC 2782 in place; returns how many remain.
 * *unavailable is set when the records say "decidedly not available"
 * (target "."), which forbids falling back to A/AAAA.
 */
size_t	rfc3263_srv_order(struct rfc3263_srv *, size_t,
	    uint32_t (*rnd)(void *), void *rndarg, int *unavailable);
void	rfc3263_targets_init(struct rfc3263_targets *);
void	rfc3263_targets_free(struct rfc3263_targets *);
/*
 * Append a host's addresses on port, IPv4 before IPv6, skipping addresses
 * already listed; ttl caps each target's TTL. Returns how many were added.
 */
size_t	rfc3263_targets_add(struct rfc3263_targets *, const char *host,
	    uint16_t port, const struct rfc3263_addr *, size_t, uint32_t ttl);

#endif
