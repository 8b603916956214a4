/* test_rfc3263.c: RFC 3263 target selection without a DNS server. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "rfc3263.h"
#include "unit.h"
#include "util.h"

/* A fixed pseudo-random sequence (64-bit LCG, high bits). */
static uint32_t
lcg_rnd(void *arg)
{
	uint64_t	*state = arg;

	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*state >> 32);
}

/* Always the same number. */
static uint32_t
const_rnd(void *arg)
{
	return *(uint32_t *)arg;
}

/* Fill a NAPTR record. */
static void
naptr(struct rfc3263_naptr *r, uint16_t order, uint16_t pref,
    const char *flags, const char *service, const char *replacement)
{
	memset(r, 0, sizeof(*r));
	r->order = order;
	r->preference = pref;
	snprintf(r->flags, sizeof(r->flags), "%s", flags);
	snprintf(r->service, sizeof(r->service), "%s", service);
	snprintf(r->replacement, sizeof(r->replacement), "%s", replacement);
	r->ttl = 300;
}

/* Fill an SRV record. */
static void
srv(struct rfc3263_srv *r, uint16_t prio, uint16_t weight, uint16_t port,
    const char *target)
{
	memset(r, 0, sizeof(*r));
	r->priority = prio;
	r->weight = weight;
	r->port = port;
	snprintf(r->target, sizeof(r->target), "%s", target);
	r->ttl = 300;
}

/* An address answer. */
static struct rfc3263_addr
addr(const char *ip, uint32_t ttl)
{
	struct rfc3263_addr	a;

	memset(&a, 0, sizeof(a));
	CU_ASSERT_EQUAL(sockaddr_from(ip, 0, &a.addr, &a.addrlen), 0);
	a.ttl = ttl;
	return a;
}

/* SIPS keeps only SIPS+D2T with flag "s"; UDP, plain TCP and E2U go. */
static void
test_rfc3263_naptr_keeps_only_sips_d2t(void)
{
	struct rfc3263_naptr	v[8];
	size_t			n;

	naptr(&v[0], 10, 10, "s", "SIP+D2U", "_sip._udp.carrier.test");
	naptr(&v[1], 10, 20, "s", "SIP+D2T", "_sip._tcp.carrier.test");
	naptr(&v[2], 10, 30, "u", "E2U+sip", "");
	naptr(&v[3], 10, 40, "s", "SIPS+D2T", "_sips._tcp.carrier.test");
	naptr(&v[4], 10, 50, "S", "sips+d2t", "_sips._tcp.b.carrier.test");
	naptr(&v[5], 10, 60, "a", "SIPS+D2T", "sip1.carrier.test");
	naptr(&v[6], 10, 70, "s", "SIPS+D2T", ".");
	naptr(&v[7], 10, 80, "s", "SIPS+D2U", "_sips._udp.carrier.test");
	n = rfc3263_naptr_filter(v, 8);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(v[0].replacement, "_sips._tcp.carrier.test");
	CU_ASSERT_STRING_EQUAL(v[1].replacement, "_sips._tcp.b.carrier.test");
	CU_ASSERT_EQUAL(rfc3263_naptr_filter(v, 0), 0);
}

/* Lower order first, then lower preference; ties keep answer order. */
static void
test_rfc3263_naptr_orders_by_order_then_preference(void)
{
	struct rfc3263_naptr	v[5];
	size_t			n;

	naptr(&v[0], 20, 10, "s", "SIPS+D2T", "d.test");
	naptr(&v[1], 10, 50, "s", "SIPS+D2T", "b.test");
	naptr(&v[2], 10, 10, "s", "SIPS+D2T", "a.test");
	naptr(&v[3], 10, 50, "s", "SIPS+D2T", "c.test");
	naptr(&v[4], 5, 90, "s", "SIP+D2T", "x.test");
	n = rfc3263_naptr_filter(v, 5);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_STRING_EQUAL(v[0].replacement, "a.test");
	CU_ASSERT_STRING_EQUAL(v[1].replacement, "b.test");
	CU_ASSERT_STRING_EQUAL(v[2].replacement, "c.test");
	CU_ASSERT_STRING_EQUAL(v[3].replacement, "d.test");
}

/* Ascending priority, whatever the weights. */
static void
test_rfc3263_srv_orders_by_priority(void)
{
	struct rfc3263_srv	v[4];
	uint64_t		state = 1;
	int			unavailable = -1;

	srv(&v[0], 30, 100, 5061, "c.test");
	srv(&v[1], 10, 0, 5061, "a.test");
	srv(&v[2], 20, 65535, 5061, "b.test");
	srv(&v[3], 40, 1, 5061, "d.test");
	CU_ASSERT_EQUAL_FATAL(rfc3263_srv_order(v, 4, lcg_rnd, &state,
	    &unavailable), 4);
	CU_ASSERT_EQUAL(unavailable, 0);
	CU_ASSERT_STRING_EQUAL(v[0].target, "a.test");
	CU_ASSERT_STRING_EQUAL(v[1].target, "b.test");
	CU_ASSERT_STRING_EQUAL(v[2].target, "c.test");
	CU_ASSERT_STRING_EQUAL(v[3].target, "d.test");
}

/* Count, over 1000 orderings, how often each target comes first. */
static void
srv_first_counts(const uint16_t *weights, size_t n, unsigned *first)
{
	struct rfc3263_srv	v[8];
	uint64_t		state = 42;
	char			name[16];
	size_t			i, draw;
	int			unavailable;

	memset(first, 0, n * sizeof(*first));
	for (draw = 0; draw < 1000; draw++) {
		for (i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "t%zu.test", i);
			srv(&v[i], 10, weights[i], 5061, name);
		}
		CU_ASSERT_EQUAL_FATAL(rfc3263_srv_order(v, n, lcg_rnd, &state,
		    &unavailable), n);
		first[v[0].target[1] - '0']++;
	}
}

/* Weights 60/30/10 put each target first about that often. */
static void
test_rfc3263_srv_weights_follow_distribution(void)
{
	const uint16_t	weights[] = { 60, 30, 10 };
	unsigned	first[3];

	srv_first_counts(weights, 3, first);
	CU_ASSERT(first[0] >= 550 && first[0] <= 650);
	CU_ASSERT(first[1] >= 255 && first[1] <= 345);
	CU_ASSERT(first[2] >= 70 && first[2] <= 130);
	CU_ASSERT_EQUAL(first[0] + first[1] + first[2], 1000);
}

/* Weight 0 gets the RFC's small chance: about 1 in (sum + 1). */
static void
test_rfc3263_srv_weight_zero_gets_small_chance(void)
{
	const uint16_t	weights[] = { 0, 100 };
	unsigned	first[2];

	srv_first_counts(weights, 2, first);
	CU_ASSERT(first[0] >= 1 && first[0] <= 30);
}

/* The RFC 2782 running-sum rule, step by step with known numbers. */
static void
test_rfc3263_srv_running_sum_selection(void)
{
	struct rfc3263_srv	v[3];
	uint32_t		r = 65;
	int			unavailable;

	/* Sum 100, 65 -> b (running 60, 90); then sum 70, 65 -> c; then a. */
	srv(&v[0], 10, 60, 5061, "a.test");
	srv(&v[1], 10, 30, 5061, "b.test");
	srv(&v[2], 10, 10, 5061, "c.test");
	CU_ASSERT_EQUAL_FATAL(rfc3263_srv_order(v, 3, const_rnd, &r,
	    &unavailable), 3);
	CU_ASSERT_STRING_EQUAL(v[0].target, "b.test");
	CU_ASSERT_STRING_EQUAL(v[1].target, "c.test");
	CU_ASSERT_STRING_EQUAL(v[2].target, "a.test");
	/* 0 picks the weight-0 record, which sorts first. */
	r = 0;
	srv(&v[0], 10, 60, 5061, "a.test");
	srv(&v[1], 10, 0, 5061, "z.test");
	CU_ASSERT_EQUAL_FATAL(rfc3263_srv_order(v, 2, const_rnd, &r,
	    &unavailable), 2);
	CU_ASSERT_STRING_EQUAL(v[0].target, "z.test");
}

/* A lone "." target: decidedly not available; mixed in, it is dropped. */
static void
test_rfc3263_srv_root_target_means_unavailable(void)
{
	struct rfc3263_srv	v[2];
	uint64_t		state = 7;
	int			unavailable = 0;

	srv(&v[0], 0, 0, 0, ".");
	CU_ASSERT_EQUAL(rfc3263_srv_order(v, 1, lcg_rnd, &state,
	    &unavailable), 0);
	CU_ASSERT_EQUAL(unavailable, 1);
	srv(&v[0], 0, 0, 0, "");
	CU_ASSERT_EQUAL(rfc3263_srv_order(v, 1, lcg_rnd, &state,
	    &unavailable), 0);
	CU_ASSERT_EQUAL(unavailable, 1);
	srv(&v[0], 10, 0, 0, ".");
	srv(&v[1], 20, 0, 5061, "sip1.carrier.test");
	CU_ASSERT_EQUAL_FATAL(rfc3263_srv_order(v, 2, lcg_rnd, &state,
	    &unavailable), 1);
	CU_ASSERT_EQUAL(unavailable, 0);
	CU_ASSERT_STRING_EQUAL(v[0].target, "sip1.carrier.test");
	CU_ASSERT_EQUAL(rfc3263_srv_order(v, 0, lcg_rnd, &state,
	    &unavailable), 0);
	CU_ASSERT_EQUAL(unavailable, 0);
}

/* A domain alone starts with NAPTR and falls back to _sips._tcp, 5061. */
static void
test_rfc3263_plan_domain_starts_with_naptr(void)
{
	struct rfc3263_plan	p;
	char			why[256];

	CU_ASSERT_EQUAL_FATAL(rfc3263_plan(&p, "carrier.test.", NULL, 0, why,
	    sizeof(why)), 0);
	CU_ASSERT_EQUAL(p.first, RFC3263_STEP_NAPTR);
	CU_ASSERT_STRING_EQUAL(p.name, "carrier.test");
	CU_ASSERT_STRING_EQUAL(p.srv_name, "_sips._tcp.carrier.test");
	CU_ASSERT_EQUAL(p.port, 5061);
}

/* An explicit server with a port: A/AAAA only, no NAPTR or SRV query. */
static void
test_rfc3263_plan_explicit_port_means_addr_only(void)
{
	struct rfc3263_plan	p;
	char			why[256];

	CU_ASSERT_EQUAL_FATAL(rfc3263_plan(&p, "carrier.test",
	    "secure.sip.easybell.de", 5061, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(p.first, RFC3263_STEP_ADDR);
	CU_ASSERT_STRING_EQUAL(p.name, "secure.sip.easybell.de");
	CU_ASSERT_EQUAL(p.port, 5061);
	CU_ASSERT_EQUAL_FATAL(rfc3263_plan(&p, "carrier.test", "sbc.test",
	    5070, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(p.first, RFC3263_STEP_ADDR);
	CU_ASSERT_EQUAL(p.port, 5070);
}

/* An explicit server without a port is a name to SRV, then A/AAAA. */
static void
test_rfc3263_plan_explicit_server_without_port_uses_srv(void)
{
	struct rfc3263_plan	p;
	char			why[256];

	CU_ASSERT_EQUAL_FATAL(rfc3263_plan(&p, "carrier.test",
	    "secure.dus.net", 0, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(p.first, RFC3263_STEP_SRV);
	CU_ASSERT_STRING_EQUAL(p.name, "secure.dus.net");
	CU_ASSERT_STRING_EQUAL(p.srv_name, "_sips._tcp.secure.dus.net");
	CU_ASSERT_EQUAL(p.port, 5061);
}

/* Numeric addresses need no DNS at all. */
static void
test_rfc3263_plan_numeric_ip_needs_no_dns(void)
{
	struct rfc3263_plan	p;
	char			why[256], buf[64];

	CU_ASSERT_EQUAL_FATAL(rfc3263_plan(&p, "carrier.test", "192.0.2.10",
	    5080, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(p.first, RFC3263_STEP_NONE);
	CU_ASSERT_STRING_EQUAL(sockaddr_str((struct sockaddr *)
	    &p.numeric.addr, buf, sizeof(buf)), "192.0.2.10:5080");
	CU_ASSERT_EQUAL_FATAL(rfc3263_plan(&p, "carrier.test", "2001:db8::1",
	    0, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(p.first, RFC3263_STEP_NONE);
	CU_ASSERT_STRING_EQUAL(sockaddr_str((struct sockaddr *)
	    &p.numeric.addr, buf, sizeof(buf)), "[2001:db8::1]:5061");
	CU_ASSERT_EQUAL_FATAL(rfc3263_plan(&p, "198.51.100.7", NULL, 0, why,
	    sizeof(why)), 0);
	CU_ASSERT_EQUAL(p.first, RFC3263_STEP_NONE);
	CU_ASSERT_EQUAL(p.numeric.port, 5061);
}

/* Names DNS cannot carry are refused with a reason. */
static void
test_rfc3263_plan_refuses_bad_names(void)
{
	const char		*bad[] = { "", "bad name.test", "a..b", ".",
	    "x/y.test" };
	struct rfc3263_plan	 p;
	char			 why[256], longname[300];
	size_t			 i;

	for (i = 0; i < nitems(bad); i++) {
		why[0] = '\0';
		CU_ASSERT_EQUAL(rfc3263_plan(&p, bad[i], NULL, 0, why,
		    sizeof(why)), -1);
		CU_ASSERT(why[0] != '\0');
	}
	CU_ASSERT_EQUAL(rfc3263_plan(&p, NULL, NULL, 0, why, sizeof(why)), -1);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CU_ASSERT_EQUAL(rfc3263_plan(&p, longname, NULL, 0, why, sizeof(why)),
	    -1);
	CU_ASSERT(rfc3263_name_valid("_sips._tcp.carrier.test"));
	CU_ASSERT(!rfc3263_name_valid("carrier.test.."));
}

/* Per host IPv4 before IPv6; a repeated address:port is listed once. */
static void
test_rfc3263_targets_ipv4_first_and_deduplicated(void)
{
	struct rfc3263_targets	l;
	struct rfc3263_addr	a[3];
	char			buf[64];

	rfc3263_targets_init(&l);
	a[0] = addr("::1", 300);
	a[1] = addr("127.0.0.2", 30);
	a[2] = addr("127.0.0.2", 300);
	CU_ASSERT_EQUAL(rfc3263_targets_add(&l, "sip1.carrier.test", 5061, a,
	    3, 120), 2);
	CU_ASSERT_EQUAL_FATAL(l.n, 2);
	CU_ASSERT_STRING_EQUAL(sockaddr_str((struct sockaddr *)&l.v[0].addr,
	    buf, sizeof(buf)), "127.0.0.2:5061");
	CU_ASSERT_STRING_EQUAL(sockaddr_str((struct sockaddr *)&l.v[1].addr,
	    buf, sizeof(buf)), "[::1]:5061");
	CU_ASSERT_STRING_EQUAL(l.v[0].host, "sip1.carrier.test");
	CU_ASSERT_EQUAL(l.v[0].port, 5061);
	/* TTL: the smaller of the address's and the SRV chain's. */
	CU_ASSERT_EQUAL(l.v[0].ttl, 30);
	CU_ASSERT_EQUAL(l.v[1].ttl, 120);
	CU_ASSERT_EQUAL(l.ttl, 30);
	/* The same address from another SRV target on the same port: once. */
	CU_ASSERT_EQUAL(rfc3263_targets_add(&l, "sip2.carrier.test", 5061,
	    &a[1], 1, 300), 0);
	/* On another port it is another target. */
	CU_ASSERT_EQUAL(rfc3263_targets_add(&l, "sip2.carrier.test", 5062,
	    &a[1], 1, 10), 1);
	CU_ASSERT_EQUAL_FATAL(l.n, 3);
	CU_ASSERT_STRING_EQUAL(l.v[2].host, "sip2.carrier.test");
	CU_ASSERT_EQUAL(l.ttl, 10);
	rfc3263_targets_free(&l);
	CU_ASSERT_EQUAL(l.n, 0);
}

void
test_rfc3263_register(void)
{
	CU_pSuite	s = unit_suite("rfc3263");

	UNIT_TEST(s, test_rfc3263_naptr_keeps_only_sips_d2t);
	UNIT_TEST(s, test_rfc3263_naptr_orders_by_order_then_preference);
	UNIT_TEST(s, test_rfc3263_srv_orders_by_priority);
	UNIT_TEST(s, test_rfc3263_srv_weights_follow_distribution);
	UNIT_TEST(s, test_rfc3263_srv_weight_zero_gets_small_chance);
	UNIT_TEST(s, test_rfc3263_srv_running_sum_selection);
	UNIT_TEST(s, test_rfc3263_srv_root_target_means_unavailable);
	UNIT_TEST(s, test_rfc3263_plan_domain_starts_with_naptr);
	UNIT_TEST(s, test_rfc3263_plan_explicit_port_means_addr_only);
	UNIT_TEST(s, test_rfc3263_plan_explicit_server_without_port_uses_srv);
	UNIT_TEST(s, test_rfc3263_plan_numeric_ip_needs_no_dns);
	UNIT_TEST(s, test_rfc3263_plan_refuses_bad_names);
	UNIT_TEST(s, test_rfc3263_targets_ipv4_first_and_deduplicated);
}
