/*
 * relay_io.c: how many packets per second one relay thread moves with
 * each I/O method, without crypto: the relay's I/O limit.
 *
 * N sessions, each one stream of 172-byte RTP (12-byte header and 160
 * bytes of G.711) at 50 packets/s, are relayed from leg A to leg B on
 * loopback; N is stepped up until more than 0.1 % of the packets sent in
 * a step are lost or arrive more than 20 ms late (a phone's jitter buffer
 * drops those; and an overloaded relay hides behind thousands of socket
 * queues for a while before it loses anything). The relay thread is pinned to CPU 0 and the generator
 * (one thread that sends with sendmmsg to every session's port and
 * receives everything on one sink socket) to CPU 1, so that it has a core
 * of its own. Its own limit is measured the same way with "-m direct"
 * (the generator sending straight to its sink); a relay figure close to
 * that is the generator's ceiling, not the relay's, and is flagged.
 *
 *	relay_io -m io_uring|epoll|epoll-single|direct [-s N0] [-S NMAX]
 *	    [-f FACTOR] [-d SECONDS] [-l SESSIONS] [-p PORT_MIN]
 *
 * -l runs one step at a fixed number of sessions and prints the latency
 * added between the generator's send and its receive (p50, p99, p99.9).
 * Output lines start with a keyword the script (relay_io.sh) greps for.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <srtp2/srtp.h>

#include "bench_util.h"
#include "edge_config.h"
#include "log.h"
#include "relay.h"

#define PKT_LEN		172
#define PPS_PER_STREAM	50
#define BATCH		64
#define HIST_US		20000		/* latency histogram, 1 us buckets */
#define LATE_US		20000		/* later than this counts as lost */
#define LOSS_MAX	0.001

/* One step's load and what came of it. */
struct step {
	unsigned		 sessions;
	double			 seconds;
	uint64_t		 sent;
	uint64_t		 recv;
	uint64_t		 send_fail;
	uint64_t		 lag_max;	/* packets behind schedule */
	double			 gen_cpu;	/* share of a core, generator */
	double			 relay_cpu;	/* and the rest of the process */
	uint64_t		 hist[HIST_US + 1];
};

static struct relay	*relay;
static int		 gen_fd, sink_fd;
static uint16_t		*ports;			/* where session i is sent */
static unsigned		 n_sessions;
static uint16_t		 sink_port;

/* Sessions up to n: leg A latches to the generator, leg B sends to sink. */
static int
sessions_grow(unsigned n)
{
	struct relay_session_spec	sp;
	struct relay_session_info	info;
	struct sockaddr_in		*sin;
	char				why[256];

	ports = realloc(ports, n * sizeof(*ports));
	if (ports == NULL)
		return -1;
	for (; n_sessions < n; n_sessions++) {
		if (relay == NULL) {
			ports[n_sessions] = sink_port;
			continue;
		}
		memset(&sp, 0, sizeof(sp));
		sin = (struct sockaddr_in *)&sp.leg[RELAY_LEG_B].rtp_peer;
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin->sin_port = htons(sink_port);
		if (relay_session_new(relay, &sp, &info, why,
		    sizeof(why)) != 0) {
			fprintf(stderr, "relay_io: session %u: %s\n",
			    n_sessions, why);
			return -1;
		}
		ports[n_sessions] = info.rtp_port[RELAY_LEG_A];
	}
	return 0;
}

/* The next packet of session i: RTP header, send time, session. */
static void
packet_fill(unsigned char *p, unsigned i, uint16_t seq, uint64_t t)
{
	memset(p, 0, 12);
	p[0] = 0x80;
	p[2] = seq >> 8;
	p[3] = seq & 0xff;
	memcpy(p + 8, &i, 4);
	memcpy(p + 12, &t, 8);
	memset(p + 20, 0xd5, PKT_LEN - 20);	/* PCMU silence */
}

/* Receive what waits on the sink; record each packet's latency. */
static void
sink_drain(struct step *st, unsigned char (*rbuf)[256],
    struct mmsghdr *rmsg, struct iovec *riov)
{
	uint64_t	t, sent, us;
	int		i, n;

	for (;;) {
		for (i = 0; i < BATCH; i++) {
			riov[i].iov_base = rbuf[i];
			riov[i].iov_len = 256;
			memset(&rmsg[i].msg_hdr, 0, sizeof(rmsg[i].msg_hdr));
			rmsg[i].msg_hdr.msg_iov = &riov[i];
			rmsg[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(sink_fd, rmsg, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		t = bench_now_ns();
		for (i = 0; i < n; i++) {
			if (rmsg[i].msg_len != PKT_LEN)
				continue;
			memcpy(&sent, rbuf[i] + 12, 8);
			us = t > sent ? (t - sent) / 1000 : 0;
			st->hist[us >= LATE_US ? HIST_US : us]++;
			st->recv++;
		}
	}
}

/*
 * One step: send every session's stream at 50 packets/s, evenly spread,
 * for st->seconds, then wait a little for the last packets.
 */
static void
step_run(struct step *st)
{
	static unsigned char	sbuf[BATCH][PKT_LEN], rbuf[BATCH][256];
	static struct mmsghdr	smsg[BATCH], rmsg[BATCH];
	static struct iovec	siov[BATCH], riov[BATCH];
	static struct sockaddr_in dst[BATCH];
	static uint16_t		seq;
	double			rate = (double)st->sessions * PPS_PER_STREAM;
	uint64_t		t0 = bench_now_ns(), t, due, end, lag;
	unsigned		next = 0;
	int			i, n, r;

	end = t0 + (uint64_t)(st->seconds * 1e9);
	while ((t = bench_now_ns()) < end) {
		due = (uint64_t)((double)(t - t0) * rate / 1e9);
		lag = due > st->sent ? due - st->sent : 0;
		if (lag > st->lag_max)
			st->lag_max = lag;
		while (st->sent < due) {
			n = due - st->sent > BATCH ? BATCH :
			    (int)(due - st->sent);
			for (i = 0; i < n; i++) {
				packet_fill(sbuf[i], next, seq, t);
				memset(&dst[i], 0, sizeof(dst[i]));
				dst[i].sin_family = AF_INET;
				dst[i].sin_addr.s_addr =
				    htonl(INADDR_LOOPBACK);
				dst[i].sin_port = htons(ports[next]);
				siov[i].iov_base = sbuf[i];
				siov[i].iov_len = PKT_LEN;
				memset(&smsg[i].msg_hdr, 0,
				    sizeof(smsg[i].msg_hdr));
				smsg[i].msg_hdr.msg_name = &dst[i];
				smsg[i].msg_hdr.msg_namelen = sizeof(dst[i]);
				smsg[i].msg_hdr.msg_iov = &siov[i];
				smsg[i].msg_hdr.msg_iovlen = 1;
				if (++next == st->sessions) {
					next = 0;
					seq++;
				}
			}
			r = sendmmsg(gen_fd, smsg, (unsigned)n, 0);
			if (r < n) {
				st->send_fail += (uint64_t)(n - (r < 0 ? 0 : r));
				if (getenv("RELAY_IO_DEBUG") != NULL)
					fprintf(stderr, "sendmmsg %d of %d: %s\n",
					    r, n, strerror(errno));
			}
			st->sent += (uint64_t)n;
		}
		sink_drain(st, rbuf, rmsg, riov);
	}
	end = bench_now_ns() + 200000000ULL;
	while (bench_now_ns() < end)
		sink_drain(st, rbuf, rmsg, riov);
}

/* Arguments of the generator thread. */
struct gen_arg {
	struct step	*st;
};

static void *
gen_main(void *arg)
{
	struct gen_arg	*g = arg;
	double		 c0, p0, w0;

	bench_pin("relay_io", 1);
	w0 = (double)bench_now_ns() / 1e9;
	c0 = bench_cpu_s(CLOCK_THREAD_CPUTIME_ID);
	p0 = bench_cpu_s(CLOCK_PROCESS_CPUTIME_ID);
	step_run(g->st);
	w0 = (double)bench_now_ns() / 1e9 - w0;
	c0 = bench_cpu_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	p0 = bench_cpu_s(CLOCK_PROCESS_CPUTIME_ID) - p0;
	/* The main thread only waits meanwhile: the rest is the relay. */
	g->st->gen_cpu = c0 / w0;
	g->st->relay_cpu = (p0 - c0) / w0;
	return NULL;
}

/* Quantile q of a step's latencies, in microseconds. */
static unsigned
quantile(const struct step *st, double q)
{
	uint64_t	want = (uint64_t)(q * (double)st->recv), n = 0;
	unsigned	i;

	for (i = 0; i <= HIST_US; i++)
		if ((n += st->hist[i]) > want)
			return i;
	return HIST_US;
}

/* Run one step on the generator's core; results drained meanwhile. */
static void
step(struct step *st)
{
	struct gen_arg	g = { st };
	pthread_t	tid;

	pthread_create(&tid, NULL, gen_main, &g);
	pthread_join(tid, NULL);
}

/* Results are only latch notices here; keep the queue empty. */
static void
result_cb(const struct relay_result *r, void *arg)
{
	(void)r;
	(void)arg;
}

/* One step at n sessions; prints a "step" line. Returns the loss. */
static double
step_at(const char *mode, unsigned n, double secs, struct step *st)
{
	double	loss;

	memset(st, 0, sizeof(*st));
	st->sessions = n;
	st->seconds = secs;
	if (sessions_grow(n) == -1)
		return -1;
	/* Latch every new leg A before measuring. */
	{
		struct step	warm;

		memset(&warm, 0, sizeof(warm));
		warm.sessions = n;
		warm.seconds = 0.3;
		step(&warm);
	}
	if (relay != NULL)
		relay_results_drain(relay, result_cb, NULL);
	step(st);
	if (relay != NULL)
		relay_results_drain(relay, result_cb, NULL);
	loss = st->sent == 0 ? 1 : 1.0 - (double)(st->recv -
	    st->hist[HIST_US]) / (double)st->sent;
	printf("step mode=%s sessions=%u pps=%.0f sent=%llu recv=%llu "
	    "late=%llu loss=%.4f%% send_fail=%llu gen_lag_max=%llu "
	    "p50_us=%u p99_us=%u relay_cpu=%.0f%% gen_cpu=%.0f%%\n", mode, n,
	    (double)st->sent / secs,
	    (unsigned long long)st->sent, (unsigned long long)st->recv,
	    (unsigned long long)st->hist[HIST_US],
	    100 * loss, (unsigned long long)st->send_fail,
	    (unsigned long long)st->lag_max, quantile(st, 0.5),
	    quantile(st, 0.99), 100 * st->relay_cpu, 100 * st->gen_cpu);
	fflush(stdout);
	return loss;
}

int
main(int argc, char **argv)
{
	struct config_media	cf;
	struct relay_opts	o;
	struct rlimit		rl;
	struct step		*st;
	const char		*mode = "epoll";
	char			why[256];
	unsigned		n, n0 = 200, nmax = 4800, good = 0, bad = 0;
	unsigned		lat = 0;
	double			factor = 1.3, secs = 2, loss, good_pps = 0;
	int			c;

	while ((c = getopt(argc, argv, "m:s:S:f:d:l:p:")) != -1) {
		switch (c) {
		case 'm': mode = optarg; break;
		case 's': n0 = (unsigned)atoi(optarg); break;
		case 'S': nmax = (unsigned)atoi(optarg); break;
		case 'f': factor = atof(optarg); break;
		case 'd': secs = atof(optarg); break;
		case 'l': lat = (unsigned)atoi(optarg); break;
		default:
			fprintf(stderr, "usage: relay_io -m io_uring|epoll|"
			    "epoll-single|direct [-s N0] [-S NMAX] [-f FACTOR] "
			    "[-d SECONDS] [-l SESSIONS]\n");
			return 2;
		}
	}
	log_init("relay_io");
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		/* Four sockets a session, and some room. */
		if (nmax > (rl.rlim_cur - 64) / 4)
			nmax = (unsigned)((rl.rlim_cur - 64) / 4);
	}
	bench_pin("relay_io", 0);
	if ((gen_fd = bench_udp_sock(&sink_port, 32 << 20)) == -1 ||
	    (sink_fd = bench_udp_sock(&sink_port, 32 << 20)) == -1) {
		fprintf(stderr, "relay_io: sockets: %s\n", strerror(errno));
		return 1;
	}
	if (strcmp(mode, "direct") != 0) {
		memset(&cf, 0, sizeof(cf));
		memset(&o, 0, sizeof(o));
		cf.phone_address = "127.0.0.1";
		cf.carrier_address = "127.0.0.1";
		cf.port_min = 24000;
		cf.port_max = 63999;
		cf.threads = 1;
		cf.dscp = 46;
		cf.timeout = 600;
		o.io = strcmp(mode, "io_uring") == 0 ? RELAY_IO_URING :
		    strcmp(mode, "epoll-single") == 0 ? RELAY_IO_EPOLL_SINGLE :
		    RELAY_IO_EPOLL;
		if (srtp_init() != srtp_err_status_ok ||
		    (relay = relay_new_opts(&cf, &o, why, sizeof(why))) ==
		    NULL) {
			fprintf(stderr, "relay_io: %s\n", why);
			return 1;
		}
		printf("io mode=%s relay=%s\n", mode, relay_io_name(relay));
	}
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return 1;
	if (lat != 0) {
		loss = step_at(mode, lat, secs, st);
		printf("latency mode=%s sessions=%u pps=%.0f loss=%.4f%% "
		    "p50_us=%u p99_us=%u p999_us=%u\n", mode, lat,
		    (double)st->sent / secs, 100 * loss, quantile(st, 0.5),
		    quantile(st, 0.99), quantile(st, 0.999));
		relay_free(relay);
		return 0;
	}
	/* Geometric steps to the first loss, then halve the gap twice. */
	for (n = n0; n <= nmax; n = (unsigned)(n * factor) + 1) {
		if ((loss = step_at(mode, n, secs, st)) < 0)
			break;
		if (loss > LOSS_MAX) {
			bad = n;
			break;
		}
		good = n;
		good_pps = (double)st->sent / secs;
	}
	for (c = 0; c < 2 && bad != 0 && good != 0 && bad - good > 50; c++) {
		n = (good + bad) / 2;
		if ((loss = step_at(mode, n, secs, st)) < 0)
			break;
		if (loss > LOSS_MAX)
			bad = n;
		else {
			good = n;
			good_pps = (double)st->sent / secs;
		}
	}
	printf("max mode=%s sessions=%u pps=%.0f%s\n", mode, good, good_pps,
	    bad == 0 ? " (no loss up to the session limit)" : "");
	relay_free(relay);
	return 0;
}
