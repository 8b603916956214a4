/*
 * test_dns.c: RFC 3263 through c-ares against a real dnsmasq on loopback.
 *
 * The suite needs dnsmasq (Debian package dnsmasq-base). Without it every
 * test that needs a server fails, naming the package: a resolver that was
 * never exercised must not pass. dnsmasq runs on a free port for the
 * suite's lifetime, logs its queries to a file (to prove which lookups
 * were made) and is stopped by the suite cleanup.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "dns.h"
#include "unit.h"
#include "util.h"

#ifndef DNSMASQ
#define DNSMASQ		"/usr/sbin/dnsmasq"
#endif
#define RESOLVE_TIMEOUT	10	/* seconds before a test gives up */

static pid_t		 dnsmasq_pid = -1;	/* its guard */
static int		 dnsmasq_pipe = -1;	/* closing it stops it */
static int		 dnsmasq_state;		/* 0 new, 1 up, -1 failed */
static uint16_t		 dnsmasq_port;
static char		 dnsmasq_log[64];
static struct event_base *test_base;
static struct dns	*test_dns;

/* What a dns_sip_cb reported. */
struct result {
	int			called;
	int			error;
	char			errmsg[512];
	struct rfc3263_target	t[16];
	size_t			n;
};

/* The records every test resolves (dnsmasq syntax). */
static const char *dnsmasq_records[] = {
	/* NAPTR -> SRV -> A; the UDP NAPTR is preferred but not SIPS. */
	"--naptr-record=carrier.test,10,10,s,SIPS+D2T,,_sips._tcp.carrier.test",
	"--naptr-record=carrier.test,5,10,s,SIP+D2U,,_sip._udp.carrier.test",
	"--srv-host=_sips._tcp.carrier.test,sip1.carrier.test,5061,10,0",
	"--srv-host=_sip._udp.carrier.test,udp.carrier.test,5060,10,0",
	"--host-record=sip1.carrier.test,127.0.0.2",
	"--host-record=udp.carrier.test,127.0.0.99",
	/* SRV only. */
	"--srv-host=_sips._tcp.srvonly.test,sip2.srvonly.test,5071,10,0",
	"--host-record=sip2.srvonly.test,127.0.0.3",
	/* A only. */
	"--host-record=aonly.test,127.0.0.4",
	/* Everything, for the explicit server with a port. */
	"--naptr-record=explicit.test,10,10,s,SIPS+D2T,,_sips._tcp.explicit.test",
	"--srv-host=_sips._tcp.explicit.test,sip9.explicit.test,5099,10,0",
	"--host-record=explicit.test,127.0.0.6",
	"--host-record=sip9.explicit.test,127.0.0.7",
	/* Dual stack. */
	"--host-record=dual.test,127.0.0.8,::1",
	/* SRV target "." (no target given), and an A record not to use. */
	"--srv-host=_sips._tcp.down.test",
	"--host-record=down.test,127.0.0.9",
	/* Two priorities. */
	"--srv-host=_sips._tcp.failover.test,b.failover.test,5062,20,0",
	"--srv-host=_sips._tcp.failover.test,a.failover.test,5061,10,0",
	"--host-record=a.failover.test,127.0.0.10",
	"--host-record=b.failover.test,127.0.0.11",
	/* An explicit server without port: SRV; its NAPTR is a trap. */
	"--naptr-record=sbc.test,10,10,s,SIPS+D2T,,_sips._tcp.wrong.test",
	"--srv-host=_sips._tcp.sbc.test,sip.sbc.test,5081,10,0",
	"--host-record=sip.sbc.test,127.0.0.13",
	"--srv-host=_sips._tcp.wrong.test,sip.wrong.test,5099,10,0",
	"--host-record=sip.wrong.test,127.0.0.14",
	/* NAPTR to an SRV name that does not exist. */
	"--naptr-record=nowhere.test,10,10,s,SIPS+D2T,,_sips._tcp.gone.test",
	"--srv-host=_sips._tcp.nowhere.test,sip.nowhere.test,5065,10,0",
	"--host-record=sip.nowhere.test,127.0.0.12",
};

/* A loopback port free for both UDP and TCP. */
static uint16_t
free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len;
	int			u, t, ok, tries, one = 1;
	uint16_t		port = 0;

	for (tries = 0; tries < 20; tries++) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(sin);
		u = socket(AF_INET, SOCK_DGRAM, 0);
		t = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		ok = u != -1 && t != -1 &&
		    bind(u, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
		    getsockname(u, (struct sockaddr *)&sin, &len) == 0 &&
		    bind(t, (struct sockaddr *)&sin, sizeof(sin)) == 0;
		port = ntohs(sin.sin_port);
		close(u);
		close(t);
		if (ok)
			return port;
	}
	return 0;
}

/* Is dnsmasq accepting TCP on its port yet? */
static int
dnsmasq_listening(void)
{
	struct sockaddr_in	sin;
	int			s, r;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(dnsmasq_port);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return 0;
	r = connect(s, (struct sockaddr *)&sin, sizeof(sin));
	close(s);
	return r == 0;
}

/* Run dnsmasq; never returns. */
static void
dnsmasq_exec(void)
{
	char		 port[32], log[96], *argv[64];
	size_t		 n = 0, i;
	int		 fd;

	if ((fd = open("/dev/null", O_RDWR)) != -1)
		dup2(fd, STDOUT_FILENO);
	snprintf(port, sizeof(port), "--port=%u", dnsmasq_port);
	snprintf(log, sizeof(log), "--log-facility=%s", dnsmasq_log);
	argv[n++] = (char *)DNSMASQ;
	argv[n++] = (char *)"--keep-in-foreground";
	argv[n++] = (char *)"--conf-file=/dev/null";
	argv[n++] = port;
	argv[n++] = (char *)"--listen-address=127.0.0.1";
	argv[n++] = (char *)"--bind-interfaces";
	argv[n++] = (char *)"--no-resolv";
	argv[n++] = (char *)"--no-hosts";
	argv[n++] = (char *)"--pid-file";
	argv[n++] = (char *)"--log-queries";
	argv[n++] = log;
	argv[n++] = (char *)"--local=/test/";	/* NXDOMAIN, not REFUSED */
	argv[n++] = (char *)"--local-ttl=60";
	for (i = 0; i < nitems(dnsmasq_records); i++)
		argv[n++] = (char *)dnsmasq_records[i];
	argv[n] = NULL;
	execv(DNSMASQ, argv);
	fprintf(stderr, "%s: %s\n", DNSMASQ, strerror(errno));
	_exit(127);
}

/*
 * The guard: a child of the test that runs dnsmasq and stops it when the
 * pipe from the test closes, however the test ends (even SIGKILL), and
 * removes the query log. A parent-death signal would not do: dnsmasq
 * drops privileges when started as root, which clears it. The guard exits
 * when dnsmasq does.
 */
static void
dnsmasq_guard(int rfd)
{
	struct pollfd	pfd = { rfd, POLLIN, 0 };
	pid_t		pid;
	int		status;

	if ((pid = fork()) == -1)
		_exit(127);
	if (pid == 0) {
		close(rfd);
		dnsmasq_exec();
	}
	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			_exit(1);
		if (poll(&pfd, 1, 100) == 1)
			break;
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	unlink(dnsmasq_log);
	_exit(0);
}

/* Start dnsmasq and wait until it answers; -1 with a message if not. */
static int
dnsmasq_start(void)
{
	int	fd, i, status, p[2];

	if (access(DNSMASQ, X_OK) == -1) {
		fprintf(stderr, "\ntest_dns: %s is missing: install the Debian "
		    "package dnsmasq-base (apt-get install dnsmasq-base)\n",
		    DNSMASQ);
		return -1;
	}
	snprintf(dnsmasq_log, sizeof(dnsmasq_log),
	    "/tmp/sipedge-test-dns-XXXXXX");
	if ((fd = mkstemp(dnsmasq_log)) == -1)
		return -1;
	close(fd);
	if ((dnsmasq_port = free_port()) == 0 || pipe2(p, O_CLOEXEC) == -1)
		return -1;
	if ((dnsmasq_pid = fork()) == -1)
		return -1;
	if (dnsmasq_pid == 0) {
		close(p[1]);
		dnsmasq_guard(p[0]);
	}
	close(p[0]);
	dnsmasq_pipe = p[1];
	for (i = 0; i < 100; i++) {
		if (waitpid(dnsmasq_pid, &status, WNOHANG) == dnsmasq_pid) {
			fprintf(stderr, "\ntest_dns: dnsmasq exited at start; "
			    "see %s\n", dnsmasq_log);
			dnsmasq_pid = -1;
			return -1;
		}
		if (dnsmasq_listening())
			return 0;
		usleep(50000);
	}
	fprintf(stderr, "\ntest_dns: dnsmasq not listening on port %u\n",
	    dnsmasq_port);
	return -1;
}

/* A resolver pointed at one loopback port. */
static struct dns *
dns_on_port(uint16_t port)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	struct dns		*dns;
	char			*why = NULL;

	if (sockaddr_from("127.0.0.1", port, &ss, &len) == -1)
		return NULL;
	if ((dns = dns_new(test_base, &ss, 1, &why)) == NULL) {
		fprintf(stderr, "dns_new: %s\n", why);
		free(why);
	}
	return dns;
}

/* dnsmasq and the shared resolver, started once for the suite. */
static int
dnsmasq_up(void)
{
	if (dnsmasq_state == 0) {
		dnsmasq_state = -1;
		if ((test_base = event_base_new()) != NULL &&
		    dnsmasq_start() == 0 &&
		    (test_dns = dns_on_port(dnsmasq_port)) != NULL)
			dnsmasq_state = 1;
	}
	return dnsmasq_state == 1;
}

#define REQUIRE_DNSMASQ() \
	CU_ASSERT_FATAL(dnsmasq_up() && \
	    "dnsmasq (Debian package dnsmasq-base) must run for this test")

/* Suite cleanup: stop dnsmasq, free the resolver. */
static int
dns_suite_cleanup(void)
{
	dns_free(test_dns);
	test_dns = NULL;
	if (dnsmasq_pipe != -1)
		close(dnsmasq_pipe);
	dnsmasq_pipe = -1;
	if (dnsmasq_pid > 0)
		waitpid(dnsmasq_pid, NULL, 0);
	dnsmasq_pid = -1;
	if (dnsmasq_log[0] != '\0')
		unlink(dnsmasq_log);
	dnsmasq_log[0] = '\0';
	if (test_base != NULL)
		event_base_free(test_base);
	test_base = NULL;
	dnsmasq_state = 0;
	return 0;
}

/* Did dnsmasq log this line fragment? */
static int
dnsmasq_logged(const char *what)
{
	FILE	*f;
	char	 line[1024];
	int	 found = 0;

	if ((f = fopen(dnsmasq_log, "r")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, what) != NULL;
	fclose(f);
	return found;
}

/* Keep what the resolver reported. */
static void
result_cb(int error, const char *errmsg, const struct rfc3263_target *t,
    size_t n, void *arg)
{
	struct result	*r = arg;

	r->called++;
	r->error = error;
	snprintf(r->errmsg, sizeof(r->errmsg), "%s", errmsg ? errmsg : "");
	r->n = n < nitems(r->t) ? n : nitems(r->t);
	if (r->n > 0)
		memcpy(r->t, t, r->n * sizeof(*t));
}

/* Stop waiting. */
static void
deadline_cb(evutil_socket_t fd, short events, void *arg)
{
	*(int *)arg = 1;
}

/* Run the loop until r has its answer, or for at most secs. */
static void
run_until(struct result *r, int secs)
{
	struct timeval	 tv = { secs, 0 };
	struct event	*ev;
	int		 expired = 0;

	ev = evtimer_new(test_base, deadline_cb, &expired);
	evtimer_add(ev, &tv);
	while ((r == NULL || r->called == 0) && !expired)
		event_base_loop(test_base, EVLOOP_ONCE);
	event_free(ev);
}

/* Resolve with dns and wait for the callback. */
static void
resolve_with(struct dns *dns, const char *domain, const char *server,
    uint16_t port, struct result *r)
{
	memset(r, 0, sizeof(*r));
	dns_resolve_sip(dns, domain, server, port, result_cb, r);
	run_until(r, RESOLVE_TIMEOUT);
	CU_ASSERT_EQUAL(r->called, 1);
}

/* Resolve with the shared resolver. */
static void
resolve(const char *domain, const char *server, uint16_t port,
    struct result *r)
{
	resolve_with(test_dns, domain, server, port, r);
}

/* "host addr:port" of a target, for comparisons. */
static const char *
target_str(const struct rfc3263_target *t)
{
	static char	buf[320];
	char		addr[64];

	sockaddr_str((const struct sockaddr *)&t->addr, addr, sizeof(addr));
	snprintf(buf, sizeof(buf), "%s %s", t->host, addr);
	return buf;
}

/* The smallest TTL among answer records; malformed input is refused. */
static void
test_dns_answer_ttl_reads_smallest_ttl(void)
{
	/* _sips._tcp.x. SRV, two answers (TTL 300 and 120) by pointer. */
	static const unsigned char msg[] = {
		0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0,
		5, '_', 's', 'i', 'p', 's', 4, '_', 't', 'c', 'p', 1, 'x', 0,
		0, 33, 0, 1,
		0xc0, 12, 0, 33, 0, 1, 0, 0, 0x01, 0x2c, 0, 9,
		0, 10, 0, 0, 0x13, 0xc5, 1, 'a', 0,
		0xc0, 12, 0, 33, 0, 1, 0, 0, 0, 120, 0, 9,
		0, 10, 0, 0, 0x13, 0xc5, 1, 'b', 0,
	};
	unsigned char	buf[sizeof(msg)];
	uint32_t	ttl = 0;
	size_t		len;

	CU_ASSERT_EQUAL(dns_answer_ttl(msg, sizeof(msg), 33, &ttl), 0);
	CU_ASSERT_EQUAL(ttl, 120);
	CU_ASSERT_EQUAL(dns_answer_ttl(msg, sizeof(msg), 35, &ttl), -1);
	/* Every truncation is refused, none is read past. */
	for (len = 0; len < sizeof(msg); len++) {
		memcpy(buf, msg, len);
		CU_ASSERT_EQUAL(dns_answer_ttl(buf, len, 33, &ttl), -1);
	}
	/* RFC 2181 §8: a TTL with the top bit set counts as zero. */
	memcpy(buf, msg, sizeof(msg));
	buf[36] = 0x80;
	CU_ASSERT_EQUAL(dns_answer_ttl(buf, sizeof(buf), 33, &ttl), 0);
	CU_ASSERT_EQUAL(ttl, 0);
}

/* NAPTR -> SRV -> A yields sip1.carrier.test 127.0.0.2:5061. */
static void
test_dns_naptr_srv_a_chain_gives_target(void)
{
	struct result	r;

	REQUIRE_DNSMASQ();
	resolve("carrier.test", NULL, 0, &r);
	CU_ASSERT_EQUAL(r.error, DNS_OK);
	CU_ASSERT_EQUAL_FATAL(r.n, 1);
	CU_ASSERT_STRING_EQUAL(target_str(&r.t[0]),
	    "sip1.carrier.test 127.0.0.2:5061");
	CU_ASSERT_EQUAL(r.t[0].port, 5061);
	CU_ASSERT(r.t[0].ttl >= DNS_TTL_MIN && r.t[0].ttl <= 60);
	CU_ASSERT(dnsmasq_logged("query[NAPTR] carrier.test from"));
	CU_ASSERT(!dnsmasq_logged("_sip._udp.carrier.test"));
}

/* A domain with SRV but no NAPTR uses the SRV target and port. */
static void
test_dns_srv_only_domain_uses_srv_port(void)
{
	struct result	r;

	REQUIRE_DNSMASQ();
	resolve("srvonly.test", NULL, 0, &r);
	CU_ASSERT_EQUAL(r.error, DNS_OK);
	CU_ASSERT_EQUAL_FATAL(r.n, 1);
	CU_ASSERT_STRING_EQUAL(target_str(&r.t[0]),
	    "sip2.srvonly.test 127.0.0.3:5071");
}

/* A domain with only an A record is reached on 5061. */
static void
test_dns_a_only_domain_gets_port_5061(void)
{
	struct result	r;

	REQUIRE_DNSMASQ();
	resolve("aonly.test", NULL, 0, &r);
	CU_ASSERT_EQUAL(r.error, DNS_OK);
	CU_ASSERT_EQUAL_FATAL(r.n, 1);
	CU_ASSERT_STRING_EQUAL(target_str(&r.t[0]),
	    "aonly.test 127.0.0.4:5061");
}

/* Both families are targets, IPv4 first. */
static void
test_dns_dual_stack_lists_ipv4_first(void)
{
	struct result	r;

	REQUIRE_DNSMASQ();
	resolve("dual.test", NULL, 0, &r);
	CU_ASSERT_EQUAL(r.error, DNS_OK);
	CU_ASSERT_EQUAL_FATAL(r.n, 2);
	CU_ASSERT_STRING_EQUAL(target_str(&r.t[0]), "dual.test 127.0.0.8:5061");
	CU_ASSERT_STRING_EQUAL(target_str(&r.t[1]), "dual.test [::1]:5061");
}

/* SRV priorities become the failover order. */
static void
test_dns_srv_priorities_give_failover_order(void)
{
	struct result	r;

	REQUIRE_DNSMASQ();
	resolve("failover.test", NULL, 0, &r);
	CU_ASSERT_EQUAL(r.error, DNS_OK);
	CU_ASSERT_EQUAL_FATAL(r.n, 2);
	CU_ASSERT_STRING_EQUAL(target_str(&r.t[0]),
	    "a.failover.test 127.0.0.10:5061");
	CU_ASSERT_STRING_EQUAL(target_str(&r.t[1]),
	    "b.failover.test 127.0.0.11:5062");
}

/* A NAPTR leading to no SRV records falls back to _sips._tcp.<domain>. */
static void
test_dns_naptr_without_srv_falls_back_to_default_srv(void)
{
	struct result	r;

	REQUIRE_DNSMASQ();
	resolve("nowhere.test", NULL, 0, &r);
	CU_ASSERT_EQUAL(r.error, DNS_OK);
	CU_ASSERT_EQUAL_FATAL(r.n, 1);
	CU_ASSERT_STRING_EQUAL(target_str(&r.t[0]),
	    "sip.nowhere.test 127.0.0.12:5065");
}

/* An explicit server with a port: A/AAAA of it only, on that port. */
static void
test_dns_explicit_server_with_port_asks_a_aaaa_only(void)
{
	struct result	r;

	REQUIRE_DNSMASQ();
	resolve("carrier.test", "explicit.test", 5080, &r);
	CU_ASSERT_EQUAL(r.error, DNS_OK);
	CU_ASSERT_EQUAL_FATAL(r.n, 1);
	CU_ASSERT_STRING_EQUAL(target_str(&r.t[0]),
	    "explicit.test 127.0.0.6:5080");
	CU_ASSERT(dnsmasq_logged("query[A] explicit.test from"));
	CU_ASSERT(!dnsmasq_logged("query[NAPTR] explicit.test"));
	CU_ASSERT(!dnsmasq_logged("_sips._tcp.explicit.test"));
}

/* An explicit server without a port goes through its SRV records. */
static void
test_dns_explicit_server_without_port_uses_srv(void)
{
	struct result	r;

	REQUIRE_DNSMASQ();
	resolve("carrier.test", "sbc.test", 0, &r);
	CU_ASSERT_EQUAL(r.error, DNS_OK);
	CU_ASSERT_EQUAL_FATAL(r.n, 1);
	CU_ASSERT_STRING_EQUAL(target_str(&r.t[0]),
	    "sip.sbc.test 127.0.0.13:5081");
	CU_ASSERT(dnsmasq_logged("query[SRV] _sips._tcp.sbc.test from"));
	CU_ASSERT(!dnsmasq_logged("query[NAPTR] sbc.test"));
}

/* A numeric server is the target; no query is sent. */
static void
test_dns_numeric_server_sends_no_query(void)
{
	struct result	r;
	unsigned	hits0, misses0, hits, misses;

	REQUIRE_DNSMASQ();
	dns_cache_stats(test_dns, &hits0, &misses0);
	resolve("carrier.test", "127.0.0.1", 5099, &r);
	dns_cache_stats(test_dns, &hits, &misses);
	CU_ASSERT_EQUAL(r.error, DNS_OK);
	CU_ASSERT_EQUAL_FATAL(r.n, 1);
	CU_ASSERT_STRING_EQUAL(target_str(&r.t[0]), "127.0.0.1 127.0.0.1:5099");
	CU_ASSERT_EQUAL(hits, hits0);
	CU_ASSERT_EQUAL(misses, misses0);
}

/* A name that does not exist is an error naming every type tried. */
static void
test_dns_nxdomain_is_an_error(void)
{
	struct result	r;

	REQUIRE_DNSMASQ();
	resolve("nosuch.test", NULL, 0, &r);
	CU_ASSERT_EQUAL(r.error, DNS_ENOTFOUND);
	CU_ASSERT_EQUAL(r.n, 0);
	CU_ASSERT_STRING_EQUAL(r.errmsg,
	    "no NAPTR/SRV/A/AAAA records for nosuch.test");
	resolve("carrier.test", "nosuch.test", 5061, &r);
	CU_ASSERT_EQUAL(r.error, DNS_ENOTFOUND);
	CU_ASSERT_STRING_EQUAL(r.errmsg, "no A/AAAA records for nosuch.test");
}

/* SRV target "." means not available: no fallback to the A record. */
static void
test_dns_srv_root_target_means_unavailable(void)
{
	struct result	r;

	REQUIRE_DNSMASQ();
	resolve("down.test", NULL, 0, &r);
	CU_ASSERT_EQUAL(r.error, DNS_ENOTFOUND);
	CU_ASSERT_EQUAL(r.n, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.errmsg, "not available"));
	CU_ASSERT(!dnsmasq_logged("query[A] down.test"));
}

/* Within the TTL the same resolution is answered from the cache. */
static void
test_dns_second_resolve_is_cache_hit(void)
{
	struct result	r1, r2;
	unsigned	h0, m0, h1, m1, h2, m2;

	REQUIRE_DNSMASQ();
	dns_cache_flush(test_dns);
	dns_cache_stats(test_dns, &h0, &m0);
	resolve("carrier.test", NULL, 0, &r1);
	dns_cache_stats(test_dns, &h1, &m1);
	resolve("carrier.test", NULL, 0, &r2);
	dns_cache_stats(test_dns, &h2, &m2);
	CU_ASSERT_EQUAL(r1.error, DNS_OK);
	CU_ASSERT_EQUAL(r2.error, DNS_OK);
	CU_ASSERT_EQUAL(m1 - m0, 3);		/* NAPTR, SRV, A/AAAA */
	CU_ASSERT_EQUAL(h1, h0);
	CU_ASSERT_EQUAL(m2, m1);
	CU_ASSERT_EQUAL(h2 - h1, 3);
	CU_ASSERT_EQUAL_FATAL(r2.n, 1);
	CU_ASSERT_STRING_EQUAL(target_str(&r2.t[0]),
	    "sip1.carrier.test 127.0.0.2:5061");
	/* Negative answers are cached too. */
	resolve("nosuch.test", NULL, 0, &r1);
	dns_cache_stats(test_dns, &h1, &m1);
	resolve("nosuch.test", NULL, 0, &r2);
	dns_cache_stats(test_dns, &h2, &m2);
	CU_ASSERT_EQUAL(m2, m1);
	CU_ASSERT_EQUAL(r2.error, DNS_ENOTFOUND);
}

/* A cancelled query never calls back. */
static void
test_dns_cancel_means_no_callback(void)
{
	struct result		 r;
	struct dns_query	*q;

	REQUIRE_DNSMASQ();
	dns_cache_flush(test_dns);
	memset(&r, 0, sizeof(r));
	q = dns_resolve_sip(test_dns, "carrier.test", NULL, 0, result_cb, &r);
	dns_cancel(q);
	/* Numeric: the answer is ready, its delivery still pending. */
	q = dns_resolve_sip(test_dns, "127.0.0.1", NULL, 0, result_cb, &r);
	dns_cancel(q);
	run_until(NULL, 1);
	CU_ASSERT_EQUAL(r.called, 0);
}

/* The callback comes from the loop, never from inside dns_resolve_sip. */
static void
test_dns_callback_is_never_synchronous(void)
{
	struct result	r;

	REQUIRE_DNSMASQ();
	memset(&r, 0, sizeof(r));
	dns_resolve_sip(test_dns, "carrier.test", "192.0.2.1", 5061, result_cb,
	    &r);
	CU_ASSERT_EQUAL(r.called, 0);
	run_until(&r, RESOLVE_TIMEOUT);
	CU_ASSERT_EQUAL(r.called, 1);
	CU_ASSERT_EQUAL(r.n, 1);
}

/* A name DNS cannot carry is an error through the callback. */
static void
test_dns_invalid_name_is_an_error(void)
{
	struct result	r;

	REQUIRE_DNSMASQ();
	resolve("bad name.test", NULL, 0, &r);
	CU_ASSERT_EQUAL(r.error, DNS_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.errmsg, "bad name.test"));
}

/* Freeing the resolver with queries running: no callback, no leak. */
static void
test_dns_free_cancels_running_queries(void)
{
	struct result	 r;
	struct dns	*dns;

	REQUIRE_DNSMASQ();
	dns = dns_on_port(dnsmasq_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dns);
	memset(&r, 0, sizeof(r));
	dns_resolve_sip(dns, "carrier.test", NULL, 0, result_cb, &r);
	dns_resolve_sip(dns, "carrier.test", "127.0.0.1", 5061, result_cb, &r);
	dns_free(dns);
	run_until(NULL, 1);
	CU_ASSERT_EQUAL(r.called, 0);
}

/* A server that is not there: an error that says DNS failed. */
static void
test_dns_unreachable_server_is_an_error(void)
{
	struct result	 r;
	struct dns	*dns;

	REQUIRE_DNSMASQ();
	dns = dns_on_port(free_port());
	CU_ASSERT_PTR_NOT_NULL_FATAL(dns);
	resolve_with(dns, "carrier.test", NULL, 0, &r);
	CU_ASSERT(r.error == DNS_EFAIL || r.error == DNS_ETIMEOUT);
	CU_ASSERT_EQUAL(r.n, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.errmsg, "carrier.test"));
	dns_free(dns);
}

void
test_dns_register(void)
{
	CU_pSuite	s;

	/* unit_suite() has no cleanup hook; dnsmasq must be stopped. */
	if ((s = CU_add_suite("dns", NULL, dns_suite_cleanup)) == NULL) {
		fprintf(stderr, "CU_add_suite dns: %s\n", CU_get_error_msg());
		exit(2);
	}
	UNIT_TEST(s, test_dns_answer_ttl_reads_smallest_ttl);
	UNIT_TEST(s, test_dns_naptr_srv_a_chain_gives_target);
	UNIT_TEST(s, test_dns_srv_only_domain_uses_srv_port);
	UNIT_TEST(s, test_dns_a_only_domain_gets_port_5061);
	UNIT_TEST(s, test_dns_dual_stack_lists_ipv4_first);
	UNIT_TEST(s, test_dns_srv_priorities_give_failover_order);
	UNIT_TEST(s, test_dns_naptr_without_srv_falls_back_to_default_srv);
	UNIT_TEST(s, test_dns_explicit_server_with_port_asks_a_aaaa_only);
	UNIT_TEST(s, test_dns_explicit_server_without_port_uses_srv);
	UNIT_TEST(s, test_dns_numeric_server_sends_no_query);
	UNIT_TEST(s, test_dns_nxdomain_is_an_error);
	UNIT_TEST(s, test_dns_srv_root_target_means_unavailable);
	UNIT_TEST(s, test_dns_second_resolve_is_cache_hit);
	UNIT_TEST(s, test_dns_cancel_means_no_callback);
	UNIT_TEST(s, test_dns_callback_is_never_synchronous);
	UNIT_TEST(s, test_dns_invalid_name_is_an_error);
	UNIT_TEST(s, test_dns_free_cancels_running_queries);
	UNIT_TEST(s, test_dns_unreachable_server_is_an_error);
}
