/*
 * srtp_crypto.c: the relay's crypto limit in memory. Each session is a
 * call through the edge: packets from the phone are unprotected with key
 * A and protected with key B towards the carrier, and back. One thread
 * walks the sessions round robin, one unprotect and one protect each
 * step, with a 160-octet payload (G.711, 20 ms); with Debian's stock
 * libsrtp2 (NSS), and after srtp_ossl_install(), each run in a process
 * of its own; it prints unprotect+protect per second and the ratio.
 *
 *	srtp_crypto [-o] [-t SECONDS] [SESSIONS ...]	(2 s; 1 2000 8000)
 *
 * -o runs the OpenSSL types only (bench/capacity.sh's crypto limit):
 * stock libsrtp2 needs minutes to set up thousands of sessions.
 */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>
#include <srtp2/srtp.h>

#include "srtp_ossl.h"

#define PAYLOAD		160
#define RTP_HDR		12
#define PKT_MAX		(RTP_HDR + PAYLOAD + SRTP_MAX_TRAILER_LEN + 4)
#define MAX_RUNS	8

/* A suite the benchmark runs. */
struct bench_suite {
	const char	*name;
	void		(*set)(srtp_crypto_policy_t *);
	int		 key_len;
};

static const struct bench_suite suites[] = {
	{ "AES_CM_128_HMAC_SHA1_80", srtp_crypto_policy_set_rtp_default, 30 },
	{ "AEAD_AES_128_GCM", srtp_crypto_policy_set_aes_gcm_128_16_auth, 28 },
};
#define NSUITES	(sizeof(suites) / sizeof(suites[0]))

/*
 * One call: rx[d] unprotects what arrives in direction d, tx[d] protects
 * it for the other leg, whose receiver is rx[!d]; pkt waits for rx[dir].
 */
struct bench_session {
	srtp_t		rx[2], tx[2];
	uint16_t	seq;
	int		dir;
	int		len;
	uint8_t		pkt[PKT_MAX];
};

/* Results: [suite][run][stock, ours] in operations per second. */
static double	rate[NSUITES][MAX_RUNS][2];
static double	setup_s[NSUITES][MAX_RUNS][2];

/* Seconds on the monotonic clock. */
static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Exit with a message. */
static void
die(const char *what)
{
	fprintf(stderr, "srtp_crypto: %s\n", what);
	exit(1);
}

/* A context for one direction of one leg, keyed with key. */
static srtp_t
bench_ctx(const struct bench_suite *s, const uint8_t *key, uint32_t ssrc,
    int rx)
{
	srtp_policy_t	p;
	srtp_t		ctx;

	memset(&p, 0, sizeof(p));
	s->set(&p.rtp);
	s->set(&p.rtcp);
	p.key = (uint8_t *)key;
	p.ssrc.type = rx ? ssrc_any_inbound : ssrc_specific;
	p.ssrc.value = ssrc;
	p.window_size = 128;
	if (srtp_create(&ctx, &p) != srtp_err_status_ok)
		die("srtp_create");
	return ctx;
}

/* Set up session b with fresh keys A and B and a first packet for rx[0]. */
static void
bench_session_init(struct bench_session *b, const struct bench_suite *s,
    uint32_t ssrc)
{
	uint8_t	ka[SRTP_MAX_KEY_LEN], kb[SRTP_MAX_KEY_LEN];

	RAND_bytes(ka, s->key_len);
	RAND_bytes(kb, s->key_len);
	/* Leg A (phone) and leg B (carrier) each have a receiver and sender. */
	b->rx[0] = bench_ctx(s, ka, ssrc, 1);
	b->tx[1] = bench_ctx(s, ka, ssrc, 0);
	b->rx[1] = bench_ctx(s, kb, ssrc, 1);
	b->tx[0] = bench_ctx(s, kb, ssrc, 0);
	memset(b->pkt, 0, sizeof(b->pkt));
	b->pkt[0] = 0x80;
	b->pkt[8] = ssrc >> 24;
	b->pkt[9] = ssrc >> 16;
	b->pkt[10] = ssrc >> 8;
	b->pkt[11] = ssrc;
	RAND_bytes(b->pkt + RTP_HDR, PAYLOAD);
	b->seq = 1;
	b->pkt[3] = 1;
	b->len = RTP_HDR + PAYLOAD;
	b->dir = 0;
	/* What the phone would send: protected with A, for rx[0]. */
	if (srtp_protect(b->tx[1], b->pkt, &b->len) != srtp_err_status_ok)
		die("first protect");
}

/*
 * The relay's work for one packet of session b: unprotect with the
 * sender's leg, protect for the other. The next sequence number is set
 * between the two so that the output is the other leg's next input: the
 * benchmark needs no generator, and every step is one unprotect and one
 * protect of a fresh packet.
 */
static void
bench_step(struct bench_session *b)
{
	int	d = b->dir;

	if (srtp_unprotect(b->rx[d], b->pkt, &b->len) != srtp_err_status_ok)
		die("unprotect failed");
	b->seq++;
	b->pkt[2] = b->seq >> 8;
	b->pkt[3] = b->seq & 0xff;
	if (srtp_protect(b->tx[d], b->pkt, &b->len) != srtp_err_status_ok)
		die("protect failed");
	b->dir = !d;
}

/*
 * Run n sessions of suite s round robin for secs; operations per second.
 * The sessions are not freed: the caller is a child about to exit, and
 * stock libsrtp2 takes minutes to free thousands of streams (each NSS
 * context it shuts down walks all the others: 73 s for 2,000 sessions).
 */
static double
bench_run(const struct bench_suite *s, size_t n, double secs, double *setup)
{
	struct bench_session	*b;
	double			 t0, t;
	uint64_t		 ops = 0;
	size_t			 i;

	if ((b = calloc(n, sizeof(*b))) == NULL)
		die("calloc");
	t0 = now();
	for (i = 0; i < n; i++)
		bench_session_init(&b[i], s, 0x10000 + (uint32_t)i);
	*setup = now() - t0;
	t0 = t = now();
	/* Sequence numbers wrap on long runs; libsrtp2's ROC follows. */
	for (i = 0;; i = i + 1 == n ? 0 : i + 1) {
		bench_step(&b[i]);
		if ((++ops & 1023) == 0 && (t = now()) - t0 >= secs)
			break;
	}
	return ops / (t - t0);
}

/*
 * One measurement in a child of its own, so that no run inherits another
 * one's streams, and stock runs never see the install: rate and setup
 * time, or exit on failure.
 */
static void
bench_fork(const struct bench_suite *s, size_t n, double secs, int ours,
    double res[2])
{
	const char	*reason;
	pid_t		 pid;
	int		 fd[2], status;

	if (pipe(fd) != 0)
		die("pipe");
	fflush(NULL);
	if ((pid = fork()) == -1)
		die("fork");
	if (pid == 0) {
		close(fd[0]);
		if (srtp_init() != srtp_err_status_ok)
			die("srtp_init");
		if (ours && srtp_ossl_install(&reason) != 0)
			die(reason);
		res[0] = bench_run(s, n, secs, &res[1]);
		if (write(fd[1], res, 2 * sizeof(double)) !=
		    2 * sizeof(double))
			die("write");
		_exit(0);
	}
	close(fd[1]);
	if (read(fd[0], res, 2 * sizeof(double)) != 2 * sizeof(double))
		die("a run failed");
	close(fd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		die("a run failed");
}

int
main(int argc, char **argv)
{
	double		 res[2];
	size_t		 runs[MAX_RUNS] = { 1, 2000, 8000 };
	size_t		 nruns = 3, i, r;
	double		 secs = 2;
	char		*end;
	int		 ch, k, only_ours = 0;

	while ((ch = getopt(argc, argv, "ot:")) != -1) {
		if (ch == 'o') {
			only_ours = 1;
			continue;
		}
		if (ch != 't')
			die("usage: srtp_crypto [-o] [-t SECONDS] "
			    "[SESSIONS ...]");
		secs = strtod(optarg, &end);
		if (*end != '\0' || secs <= 0)
			die("bad -t");
	}
	if (optind < argc) {
		for (nruns = 0; optind < argc && nruns < MAX_RUNS; optind++) {
			errno = 0;
			runs[nruns] = strtoul(argv[optind], &end, 10);
			if (errno || *end != '\0' || runs[nruns] == 0)
				die("bad session count");
			nruns++;
		}
	}
	for (k = only_ours; k < 2; k++)
		for (i = 0; i < NSUITES; i++)
			for (r = 0; r < nruns; r++) {
				bench_fork(&suites[i], runs[r], secs, k, res);
				rate[i][r][k] = res[0];
				setup_s[i][r][k] = res[1];
				fprintf(stderr, "%s %s %zu sessions: %.0f/s "
				    "(set up in %.2f s)\n", k ? "openssl" :
				    "stock  ", suites[i].name, runs[r], res[0],
				    res[1]);
			}
	printf("unprotect+protect per second, one thread, %d-octet payload\n",
	    PAYLOAD);
	printf("%-24s %8s %12s %12s %7s %9s %9s\n", "suite", "sessions",
	    "stock/s", "openssl/s", "ratio", "setup_st", "setup_os");
	for (i = 0; i < NSUITES; i++)
		for (r = 0; r < nruns; r++)
			printf("%-24s %8zu %12.0f %12.0f %6.2fx %8.2fs "
			    "%8.2fs\n", suites[i].name, runs[r],
			    rate[i][r][0], rate[i][r][1],
			    rate[i][r][1] / rate[i][r][0], setup_s[i][r][0],
			    setup_s[i][r][1]);
	return 0;
}
