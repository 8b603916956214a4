/*
 * media_gen.c: the SRTP load generator of bench/capacity.sh. One thread,
 * pinned to a CPU of its own (-c, default 1), plays N calls, each one
 * G.711 stream (160-byte payload every 20 ms, 50 packets/s) protected
 * with the key of the leg it enters, sends it to the relay's port of that
 * leg and receives everything the relay forwards on one sink socket,
 * whose port the controller puts into the far leg's SDP.
 *
 * The controller (bench/capacity.py) drives it over stdin, one command a
 * line; keys travel only over that pipe, as hex, and are never printed:
 *
 *	call DST_PORT TX_SUITE TX_KEY RX_SUITE RX_KEY [DST_ADDR]
 *		add a call: protect with TX_KEY (the leg-A key, what the
 *		relay unprotects), send to DST_ADDR (default 127.0.0.1),
 *		port DST_PORT; what arrives for it is checked with RX_KEY
 *		(the key the relay protects the far leg with). Prints
 *		"call INDEX". A suite "none" (key "-") is plain RTP, its
 *		payload compared as it came.
 *	step SECONDS RELAY_PID [BURST]
 *		run every call for a 0.3 s warm-up and then SECONDS, paced
 *		evenly (call i, then i + 1, ...) in bursts of BURST packets
 *		(16; 1 for latency steps), and print a "step" line:
 *		sent, received, late (more than 20 ms after its send),
 *		loss (late counts as lost), latency quantiles, the relay
 *		process's CPU (RELAY_PID, 0 for none) and CPU 0's busy share
 *		over the measured part, the generator's own CPU, and how
 *		many of the sampled packets (one in 16) failed to unprotect.
 *	quit
 *
 * What the generator does per packet is kept small so that its ceiling
 * stays above the relay's: the packets of a step are protected before
 * the step starts (libsrtp2 with sipedge's OpenSSL types, in send order,
 * so sequence numbers and rollover are what a phone would send), the
 * step only sends them with sendmmsg and receives with recvmmsg, and
 * sleeps until a few packets are due (so its CPU share, gen_cpu, says
 * how close it is to its own ceiling). Latency is the kernel's receive
 * time (SO_TIMESTAMPNS) less the time just before the packet's sendmmsg.
 * A
 * packet is known on receipt by its SSRC (the call) and sequence number,
 * which SRTP leaves in clear and both relays pass unchanged; its send
 * time is looked up, not carried in the (encrypted) payload. One packet
 * in 16 is unprotected with RX_KEY: a run with failures is not valid.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <openssl/crypto.h>
#include <srtp2/srtp.h>

#include "srtp_ossl.h"
#include "bench_util.h"

#define PAYLOAD		160
#define RTP_HDR		12
#define SLOT		(RTP_HDR + PAYLOAD + SRTP_MAX_TRAILER_LEN)
#define PPS		50		/* packets/s of one call */
#define BATCH		64
#define HIST_US		20000		/* 1 us buckets up to 20 ms */
#define LATE_US		20000		/* later counts as lost */
#define WARM_S		0.3		/* warm-up, not measured */
#define SSRC_BASE	0x5e000000u	/* call i sends SSRC_BASE + i */
#define SAMPLE		16		/* one packet in SAMPLE decrypted */

struct call {
	srtp_t			tx;	/* protects what the call sends */
	srtp_t			rx;	/* checks what the relay forwards */
	struct sockaddr_in	dst;
	uint16_t		seq;	/* first sequence number of the step */
	uint32_t		ts;
};

static struct call	*calls;
static unsigned		 ncalls, calls_cap;
static int		 gen_fd, sink_fd;
static uint16_t		 gen_port, sink_port;

/* The buffers of one step: packet k is call k % n, round k / n. */
static unsigned char	*pkts;
static uint16_t		*lens;
static uint64_t		*sent_ns;
static uint8_t		*seen;
static size_t		 pkts_cap;
static uint64_t		 hist[HIST_US + 1];

/* Wall-clock nanoseconds: the clock SO_TIMESTAMPNS stamps packets with. */
static uint64_t
real_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void __attribute__((noreturn))
die(const char *what)
{
	fprintf(stderr, "media_gen: %s\n", what);
	exit(1);
}

/* Hex into bytes; the length, or -1. */
static int
unhex(const char *s, unsigned char *out, size_t max)
{
	size_t	n = 0;
	int	hi, lo;

	for (; s[0] != '\0' && s[1] != '\0'; s += 2) {
		if (n == max)
			return -1;
		hi = s[0] <= '9' ? s[0] - '0' : (s[0] | 0x20) - 'a' + 10;
		lo = s[1] <= '9' ? s[1] - '0' : (s[1] | 0x20) - 'a' + 10;
		if (hi < 0 || hi > 15 || lo < 0 || lo > 15)
			return -1;
		out[n++] = (unsigned char)(hi << 4 | lo);
	}
	return s[0] == '\0' ? (int)n : -1;
}

/*
 * A libsrtp2 context for one direction of a suite and key; NULL for
 * "none", plain RTP (the I/O limit's calls, key "-").
 */
static srtp_t
ctx_new(const char *suite, const char *hex, int inbound)
{
	srtp_policy_t	p;
	srtp_t		ctx;
	unsigned char	key[64];
	int		len, want;

	if (strcmp(suite, "none") == 0)
		return NULL;
	memset(&p, 0, sizeof(p));
	if (strcmp(suite, "AES_CM_128_HMAC_SHA1_80") == 0) {
		srtp_crypto_policy_set_rtp_default(&p.rtp);
		want = 30;
	} else if (strcmp(suite, "AES_CM_128_HMAC_SHA1_32") == 0) {
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
		want = 30;
	} else if (strcmp(suite, "AEAD_AES_128_GCM") == 0) {
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
		want = 28;
	} else
		die("unknown suite");
	srtp_crypto_policy_set_rtcp_default(&p.rtcp);
	if ((len = unhex(hex, key, sizeof(key))) != want)
		die("bad key length");
	p.key = key;
	p.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	p.window_size = 1024;
	p.allow_repeat_tx = 0;
	if (srtp_create(&ctx, &p) != srtp_err_status_ok)
		die("srtp_create");
	OPENSSL_cleanse(key, sizeof(key));
	return ctx;
}

static void
call_add(struct in_addr addr, unsigned port, const char *txs, const char *txk,
    const char *rxs, const char *rxk)
{
	struct call	*c;

	if (ncalls == calls_cap) {
		calls_cap = calls_cap ? calls_cap * 2 : 1024;
		if ((calls = realloc(calls, calls_cap * sizeof(*calls))) ==
		    NULL)
			die("out of memory");
	}
	c = &calls[ncalls];
	memset(c, 0, sizeof(*c));
	c->tx = ctx_new(txs, txk, 0);
	c->rx = ctx_new(rxs, rxk, 1);
	c->dst.sin_family = AF_INET;
	c->dst.sin_addr = addr;
	c->dst.sin_port = htons((uint16_t)port);
	c->seq = (uint16_t)(ncalls * 7919u);	/* wraps in some calls */
	c->ts = ncalls * 104729u;
	printf("call %u\n", ncalls);
	fflush(stdout);
	ncalls++;
}

/* Protect every packet of a step of `rounds` rounds, in send order. */
static void
step_prepare(unsigned rounds)
{
	size_t		 total = (size_t)ncalls * rounds, k;
	unsigned	 r, i;
	unsigned char	*p;
	struct call	*c;
	int		 len;

	if (total > pkts_cap) {
		free(pkts);
		free(lens);
		free(sent_ns);
		free(seen);
		pkts = malloc(total * SLOT);
		lens = malloc(total * sizeof(*lens));
		sent_ns = malloc(total * sizeof(*sent_ns));
		seen = malloc(total);
		if (pkts == NULL || lens == NULL || sent_ns == NULL ||
		    seen == NULL)
			die("out of memory");
		pkts_cap = total;
	}
	memset(seen, 0, total);
	for (r = 0, k = 0; r < rounds; r++)
		for (i = 0; i < ncalls; i++, k++) {
			c = &calls[i];
			p = pkts + k * SLOT;
			p[0] = 0x80;
			p[1] = 0;	/* PCMU */
			p[2] = (uint8_t)((uint16_t)(c->seq + r) >> 8);
			p[3] = (uint8_t)(c->seq + r);
			p[4] = (uint8_t)((c->ts + r * 160) >> 24);
			p[5] = (uint8_t)((c->ts + r * 160) >> 16);
			p[6] = (uint8_t)((c->ts + r * 160) >> 8);
			p[7] = (uint8_t)(c->ts + r * 160);
			p[8] = (uint8_t)((SSRC_BASE + i) >> 24);
			p[9] = (uint8_t)((SSRC_BASE + i) >> 16);
			p[10] = (uint8_t)((SSRC_BASE + i) >> 8);
			p[11] = (uint8_t)(SSRC_BASE + i);
			memset(p + RTP_HDR, 0xd5, PAYLOAD);	/* silence */
			memcpy(p + RTP_HDR, &k, sizeof(k));
			len = RTP_HDR + PAYLOAD;
			if (c->tx != NULL &&
			    srtp_protect(c->tx, p, &len) != srtp_err_status_ok)
				die("srtp_protect");
			lens[k] = (uint16_t)len;
		}
}

/* Counters of one step. */
struct result {
	uint64_t	sent, recv, late, dup, unknown, send_fail;
	uint64_t	sampled, sample_fail, lag_max;
};

/* Receive what waits on the sink. */
static void
sink_drain(struct result *res, unsigned rounds, unsigned warm)
{
	static unsigned char	rbuf[BATCH][256], tmp[256];
	static struct mmsghdr	rmsg[BATCH];
	static struct iovec	riov[BATCH];
	static unsigned char	rctl[BATCH][CMSG_SPACE(sizeof(struct timespec))];
	struct cmsghdr		*cm;
	struct timespec		 kts;
	unsigned char		*p;
	uint64_t		 t, now, us;
	uint32_t		 ssrc, i;
	uint16_t		 seq, r;
	size_t			 k;
	int			 j, n, len;

	for (;;) {
		for (j = 0; j < BATCH; j++) {
			riov[j].iov_base = rbuf[j];
			riov[j].iov_len = sizeof(rbuf[j]);
			memset(&rmsg[j].msg_hdr, 0, sizeof(rmsg[j].msg_hdr));
			rmsg[j].msg_hdr.msg_iov = &riov[j];
			rmsg[j].msg_hdr.msg_iovlen = 1;
			rmsg[j].msg_hdr.msg_control = rctl[j];
			rmsg[j].msg_hdr.msg_controllen = sizeof(rctl[j]);
		}
		n = recvmmsg(sink_fd, rmsg, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		now = real_ns();
		for (j = 0; j < n; j++) {
			p = rbuf[j];
			/* When the kernel queued it, not when we got round to it. */
			t = now;
			for (cm = CMSG_FIRSTHDR(&rmsg[j].msg_hdr); cm != NULL;
			    cm = CMSG_NXTHDR(&rmsg[j].msg_hdr, cm))
				if (cm->cmsg_level == SOL_SOCKET &&
				    cm->cmsg_type == SCM_TIMESTAMPNS) {
					memcpy(&kts, CMSG_DATA(cm), sizeof(kts));
					t = (uint64_t)kts.tv_sec * 1000000000ULL +
					    (uint64_t)kts.tv_nsec;
				}
			if (rmsg[j].msg_len < RTP_HDR + PAYLOAD ||
			    (p[0] & 0xc0) != 0x80 || p[1] >= 200) {
				res->unknown++;	/* RTCP, or not ours */
				continue;
			}
			ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 |
			    (uint32_t)p[10] << 8 | p[11];
			seq = (uint16_t)(p[2] << 8 | p[3]);
			i = ssrc - SSRC_BASE;
			if (i >= ncalls) {
				res->unknown++;
				continue;
			}
			r = (uint16_t)(seq - calls[i].seq);
			if (r >= rounds) {
				res->unknown++;
				continue;
			}
			k = (size_t)r * ncalls + i;
			if (seen[k]) {
				res->dup++;
				continue;
			}
			seen[k] = 1;
			if ((i + r) % SAMPLE == 0) {
				len = (int)rmsg[j].msg_len;
				memcpy(tmp, p, (size_t)len);
				res->sampled++;
				if ((calls[i].rx != NULL &&
				    srtp_unprotect(calls[i].rx, tmp, &len) !=
				    srtp_err_status_ok) || len != RTP_HDR +
				    PAYLOAD || memcmp(tmp + RTP_HDR, &k,
				    sizeof(k)) != 0)
					res->sample_fail++;
			}
			if (r < warm)
				continue;
			us = t > sent_ns[k] ? (t - sent_ns[k]) / 1000 : 0;
			if (us >= LATE_US)
				res->late++;
			hist[us >= HIST_US ? HIST_US : us]++;
			res->recv++;
		}
	}
}

/* CPU seconds of a process (all threads), from /proc. */
static double
proc_cpu(int pid)
{
	char	 path[64], buf[1024], *s;
	FILE	*f;
	unsigned long long ut = 0, st = 0;
	int	 i;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	s = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (s == NULL || (s = strrchr(buf, ')')) == NULL)
		return 0;
	/* Fields after the name: state is 3, utime 14, stime 15. */
	for (i = 2; i < 14 && s != NULL; i++)
		s = strchr(s + 1, ' ');
	if (s == NULL || sscanf(s, " %llu %llu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Busy and total jiffies of CPU 0, from /proc/stat. */
static void
cpu0(unsigned long long *busy, unsigned long long *total)
{
	unsigned long long	v[10] = { 0 };
	char			line[512];
	FILE			*f;
	int			i;

	*busy = *total = 0;
	if ((f = fopen("/proc/stat", "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "cpu0 ", 5) == 0) {
			(void)sscanf(line + 5, "%llu %llu %llu %llu %llu %llu "
			    "%llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
			    &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
			break;
		}
	fclose(f);
	for (i = 0; i < 8; i++)
		*total += v[i];
	*busy = *total - v[3] - v[4];
}

static unsigned
quantile(uint64_t n, double q)
{
	uint64_t	want = (uint64_t)(q * (double)n), s = 0;
	unsigned	i;

	for (i = 0; i <= HIST_US; i++)
		if ((s += hist[i]) > want)
			return i;
	return HIST_US;
}

/*
 * Sleep until `burst` more packets are due (BATCH / 4 unless the step
 * says otherwise; at most 1 ms): sends go out
 * in batches, what arrived meanwhile waits in the sink's queue with the
 * kernel's receive time on it (SO_TIMESTAMPNS), so sleeping costs the
 * latency figures nothing, and the generator's CPU says how busy it is.
 */
static unsigned	burst = BATCH / 4;

static void
idle_wait(uint64_t t0, size_t k, double rate)
{
	struct timespec	ts;
	uint64_t	due = t0 + (uint64_t)((double)(k + burst) * 1e9 / rate), t;

	t = bench_now_ns();
	if (due > t + 1000000)
		due = t + 1000000;
	if (due <= t + 2000)
		return;
	ts.tv_sec = (time_t)((due - t) / 1000000000ULL);
	ts.tv_nsec = (long)((due - t) % 1000000000ULL);
	(void)nanosleep(&ts, NULL);
}

static void
step(double secs, int relay_pid)
{
	static struct mmsghdr	smsg[BATCH];
	static struct iovec	siov[BATCH];
	struct result		res;
	unsigned		warm = (unsigned)(WARM_S * PPS + 0.5);
	unsigned		rounds = warm + (unsigned)(secs * PPS + 0.5);
	size_t			total, k = 0, due, mstart, kk;
	double			rate, c0 = 0, r0 = 0, g0, w;
	unsigned long long	b0 = 0, t0c = 0, b1, t1c;
	uint64_t		t0, t, tm = 0, end, ts_send;
	unsigned		i;
	int			n, sent, measuring = 0, j;

	if (ncalls == 0)
		die("step without calls");
	step_prepare(rounds);
	memset(&res, 0, sizeof(res));
	memset(hist, 0, sizeof(hist));
	total = (size_t)ncalls * rounds;
	mstart = (size_t)ncalls * warm;
	rate = (double)ncalls * PPS;
	t0 = bench_now_ns();
	while (k < total) {
		t = bench_now_ns();
		due = (size_t)((double)(t - t0) * rate / 1e9);
		if (due > total)
			due = total;
		if (due > k && due - k > res.lag_max)
			res.lag_max = due - k;
		if (!measuring && k >= mstart) {
			measuring = 1;
			tm = t;
			c0 = bench_cpu_s(CLOCK_THREAD_CPUTIME_ID);
			r0 = proc_cpu(relay_pid);
			cpu0(&b0, &t0c);
		}
		while (k < due) {
			ts_send = real_ns();
			n = due - k > BATCH ? BATCH : (int)(due - k);
			if (!measuring && k < mstart && k + (size_t)n > mstart)
				n = (int)(mstart - k);
			for (j = 0; j < n; j++) {
				kk = k + (size_t)j;
				i = (unsigned)(kk % ncalls);
				siov[j].iov_base = pkts + kk * SLOT;
				siov[j].iov_len = lens[kk];
				memset(&smsg[j].msg_hdr, 0,
				    sizeof(smsg[j].msg_hdr));
				smsg[j].msg_hdr.msg_name = &calls[i].dst;
				smsg[j].msg_hdr.msg_namelen =
				    sizeof(calls[i].dst);
				smsg[j].msg_hdr.msg_iov = &siov[j];
				smsg[j].msg_hdr.msg_iovlen = 1;
				sent_ns[kk] = ts_send;
			}
			sent = (int)sendmmsg(gen_fd, smsg, (unsigned)n, 0);
			if (sent < n)
				res.send_fail += (uint64_t)(n - (sent < 0 ? 0 :
				    sent));
			k += (size_t)n;
			if (!measuring && k >= mstart)
				break;
		}
		sink_drain(&res, rounds, warm);
		idle_wait(t0, k, rate);
	}
	t = bench_now_ns();
	w = (double)(t - tm) / 1e9;
	g0 = bench_cpu_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	r0 = proc_cpu(relay_pid) - r0;
	cpu0(&b1, &t1c);
	end = t + 200000000ULL;		/* stragglers */
	while (bench_now_ns() < end) {
		sink_drain(&res, rounds, warm);
		idle_wait(t, total + (size_t)(rate / 1000), rate);
	}
	res.sent = total - mstart;
	for (i = 0; i < ncalls; i++) {
		calls[i].seq = (uint16_t)(calls[i].seq + rounds);
		calls[i].ts += rounds * 160;
	}
	printf("step calls=%u pps=%.0f sent=%llu recv=%llu late=%llu "
	    "loss=%.4f%% p50_us=%u p99_us=%u p999_us=%u relay_cpu=%.1f%% "
	    "cpu0_busy=%.1f%% gen_cpu=%.1f%% gen_lag_max=%llu send_fail=%llu "
	    "dup=%llu unknown=%llu sampled=%llu sample_fail=%llu\n",
	    ncalls, (double)res.sent / w, (unsigned long long)res.sent,
	    (unsigned long long)res.recv, (unsigned long long)res.late,
	    100.0 * (1.0 - (double)(res.recv - res.late) / (double)res.sent),
	    quantile(res.recv, 0.5), quantile(res.recv, 0.99),
	    quantile(res.recv, 0.999), 100 * r0 / w,
	    t1c > t0c ? 100.0 * (double)(b1 - b0) / (double)(t1c - t0c) : 0,
	    100 * g0 / w, (unsigned long long)res.lag_max,
	    (unsigned long long)res.send_fail, (unsigned long long)res.dup,
	    (unsigned long long)res.unknown,
	    (unsigned long long)res.sampled,
	    (unsigned long long)res.sample_fail);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	const char	*reason;
	char		 line[1024], cmd[16], a[5][160];
	struct in_addr	 dst;
	unsigned	 port;
	double		 secs;
	int		 c, cpu = 1, pid;

	while ((c = getopt(argc, argv, "c:")) != -1) {
		if (c != 'c')
			die("usage: media_gen [-c CPU]");
		cpu = atoi(optarg);
	}
	bench_pin("media_gen", cpu);
	bench_nofile_max();
	(void)prctl(PR_SET_TIMERSLACK, 1UL);	/* wake when asked to */
	if (srtp_init() != srtp_err_status_ok)
		die("srtp_init");
	if (srtp_ossl_install(&reason) != 0)
		die(reason);
	if ((gen_fd = bench_udp_sock(&gen_port, 64 << 20)) == -1 ||
	    (sink_fd = bench_udp_sock(&sink_port, 64 << 20)) == -1)
		die(strerror(errno));
	c = 1;
	if (setsockopt(sink_fd, SOL_SOCKET, SO_TIMESTAMPNS, &c, sizeof(c)) == -1)
		die("SO_TIMESTAMPNS");
	printf("ready src=%u sink=%u\n", gen_port, sink_port);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (sscanf(line, "%15s", cmd) != 1)
			continue;
		if (strcmp(cmd, "call") == 0) {
			dst.s_addr = htonl(INADDR_LOOPBACK);
			c = sscanf(line, "%*s %u %159s %159s %159s %159s %159s",
			    &port, a[0], a[1], a[2], a[3], a[4]);
			if (c < 5 || (c == 6 && inet_pton(AF_INET, a[4],
			    &dst) != 1))
				die("bad call line");
			call_add(dst, port, a[0], a[1], a[2], a[3]);
			OPENSSL_cleanse(line, sizeof(line));
			OPENSSL_cleanse(a, sizeof(a));
		} else if (strcmp(cmd, "step") == 0) {
			c = sscanf(line, "%*s %lf %d %u", &secs, &pid, &burst);
			if (c < 2)
				die("bad step line");
			if (c < 3 || burst < 1 || burst > BATCH)
				burst = BATCH / 4;
			step(secs, pid);
		} else if (strcmp(cmd, "quit") == 0)
			break;
		else
			die("unknown command");
	}
	return 0;
}
