/*
 * relay_host.c: sipedge's media relay alone, in a process of its own,
 * for bench/capacity.sh's "relay API, not SIP" mode: one relay thread
 * ([media] threads = 1), the whole process pinned to one CPU (-c,
 * default 0), libsrtp2 with sipedge's OpenSSL types as the daemon runs
 * it. Sessions are made with relay_session_new() exactly as the proxy
 * makes them from SDP, from lines on stdin (keys as hex, only over that
 * pipe, never printed):
 *
 *	session PEER_A PEER_B SUITE_A KEY_A_IN KEY_A_OUT SUITE_B KEY_B_IN
 *	    KEY_B_OUT
 *		leg A (phone side) peer 127.0.0.1:PEER_A, leg B (carrier
 *		side) peer 127.0.0.1:PEER_B; prints "session ID PORT_A
 *		PORT_B", the relay's RTP ports of each leg.
 *	quit
 *
 *	relay_host [-a ADDR] [-c CPU] [-m io_uring|epoll|epoll-single]
 *	    [-p PORT_MIN] [-P PORT_MAX]
 *
 * -a binds the relay's sockets to another loopback address (127.0.0.1
 * by default), so that a second relay can take the same port range.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>

#include <openssl/crypto.h>
#include <srtp2/srtp.h>

#include "bench_util.h"
#include "edge_config.h"
#include "log.h"
#include "relay.h"
#include "srtp_ossl.h"

static void
die(const char *what)
{
	fprintf(stderr, "relay_host: %s\n", what);
	exit(1);
}

static enum relay_suite
suite(const char *name)
{
	enum relay_suite	s;

	for (s = RELAY_SUITE_NONE; s <= RELAY_SUITE_AEAD_AES_256_GCM; s++)
		if (strcmp(relay_suite_name(s), name) == 0)
			return s;
	die("unknown suite");
	return RELAY_SUITE_NONE;
}

/* Hex into a relay_crypto of a suite ("-" for none). */
static void
key(struct relay_crypto *c, enum relay_suite s, const char *hex)
{
	size_t	n = 0;
	int	hi, lo;

	c->suite = s;
	for (; hex[0] != '\0' && hex[1] != '\0'; hex += 2) {
		if (n == sizeof(c->key))
			die("key too long");
		hi = hex[0] <= '9' ? hex[0] - '0' : (hex[0] | 0x20) - 'a' + 10;
		lo = hex[1] <= '9' ? hex[1] - '0' : (hex[1] | 0x20) - 'a' + 10;
		if (hi < 0 || hi > 15 || lo < 0 || lo > 15)
			die("bad key");
		c->key[n++] = (unsigned char)(hi << 4 | lo);
	}
	c->key_len = n;
}

static void
peer(struct sockaddr_storage *ss, unsigned port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;

	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons((uint16_t)port);
}

static void
result_cb(const struct relay_result *r, void *arg)
{
	(void)r;
	(void)arg;
}

int
main(int argc, char **argv)
{
	struct config_media		cf;
	struct relay_opts		o;
	struct relay_session_spec	sp;
	struct relay_session_info	info;
	struct relay			*relay;
	const char			*reason, *mode = NULL;
	char				 addr[64] = "127.0.0.1";
	char				line[1024], cmd[16], a[6][160], why[256];
	unsigned			pa, pb;
	int				c, cpu = 0, pmin = 20000, pmax = 59999;

	while ((c = getopt(argc, argv, "a:c:m:p:P:")) != -1) {
		switch (c) {
		case 'a': snprintf(addr, sizeof(addr), "%s", optarg); break;
		case 'c': cpu = atoi(optarg); break;
		case 'm': mode = optarg; break;
		case 'p': pmin = atoi(optarg); break;
		case 'P': pmax = atoi(optarg); break;
		default:
			die("usage: relay_host [-a ADDR] [-c CPU] [-m IO] "
			    "[-p MIN] [-P MAX]");
		}
	}
	bench_pin("relay_host", cpu);
	bench_nofile_max();
	log_init("relay_host");
	if (srtp_init() != srtp_err_status_ok)
		die("srtp_init");
	if (srtp_ossl_install(&reason) != 0)
		die(reason);
	memset(&cf, 0, sizeof(cf));
	memset(&o, 0, sizeof(o));
	cf.phone_address = addr;
	cf.carrier_address = addr;
	cf.port_min = (uint16_t)pmin;
	cf.port_max = (uint16_t)pmax;
	cf.threads = 1;
	cf.dscp = 46;
	cf.timeout = 3600;
	o.io = mode == NULL ? RELAY_IO_AUTO :
	    strcmp(mode, "io_uring") == 0 ? RELAY_IO_URING :
	    strcmp(mode, "epoll-single") == 0 ? RELAY_IO_EPOLL_SINGLE :
	    RELAY_IO_EPOLL;
	if ((relay = relay_new_opts(&cf, &o, why, sizeof(why))) == NULL)
		die(why);
	printf("ready io=%s pid=%d\n", relay_io_name(relay), (int)getpid());
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		relay_results_drain(relay, result_cb, NULL);
		if (sscanf(line, "%15s", cmd) != 1)
			continue;
		if (strcmp(cmd, "quit") == 0)
			break;
		if (strcmp(cmd, "session") != 0)
			die("unknown command");
		if (sscanf(line, "%*s %u %u %159s %159s %159s %159s %159s %159s",
		    &pa, &pb, a[0], a[1], a[2], a[3], a[4], a[5]) != 8)
			die("bad session line");
		memset(&sp, 0, sizeof(sp));
		peer(&sp.leg[RELAY_LEG_A].rtp_peer, pa);
		peer(&sp.leg[RELAY_LEG_B].rtp_peer, pb);
		key(&sp.leg[RELAY_LEG_A].in, suite(a[0]), a[1]);
		key(&sp.leg[RELAY_LEG_A].out, suite(a[0]), a[2]);
		key(&sp.leg[RELAY_LEG_B].in, suite(a[3]), a[4]);
		key(&sp.leg[RELAY_LEG_B].out, suite(a[3]), a[5]);
		OPENSSL_cleanse(line, sizeof(line));
		OPENSSL_cleanse(a, sizeof(a));
		c = relay_session_new(relay, &sp, &info, why, sizeof(why));
		OPENSSL_cleanse(&sp, sizeof(sp));
		if (c != 0)
			die(why);
		printf("session %u %u %u\n", info.id,
		    info.rtp_port[RELAY_LEG_A], info.rtp_port[RELAY_LEG_B]);
		fflush(stdout);
	}
	relay_free(relay);
	return 0;
}
