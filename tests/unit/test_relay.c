/*
 * test_relay.c: the media relay with its real threads on loopback. UDP
 * sockets play the phone and the carrier; the test protects and checks
 * SRTP with libsrtp2 itself, each side with its own keys, so that what
 * the relay does is seen the way the phone and the carrier would see it:
 * audio arrives (re-keyed), forged and replayed packets do not, a latch
 * follows only authenticated packets, a stream survives a sequence-number
 * wrap and re-keying, RTCP goes where it should, ports run out and come
 * back after quarantine, and a silent call is reported.
 *
 * Every test runs once per I/O method (epoll, io_uring, and the
 * one-syscall-per-packet epoll for the basic ones). All waits are
 * bounded.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <srtp2/srtp.h>

#include "edge_config.h"
#include "relay.h"
#include "relay_int.h"
#include "util.h"
#include "unit.h"

#define PAYLOAD		160		/* G.711, 20 ms */
#define WAIT_MS		2000		/* for what must arrive */
#define QUIET_MS	150		/* for what must not */

/* The relay under test and the sockets playing phone and carrier. */
struct trelay {
	struct relay		*r;
	struct config_media	 cf;
	int			 phone;
	int			 carrier;
	uint16_t		 phone_port;
	uint16_t		 carrier_port;
	struct relay_session_info info;
};

static uint16_t	test_relay_base;

/*
 * A window of 64 ports picked by pid, so parallel test runs rarely meet;
 * other = 1 gives a second one, half the windows away.
 */
static uint16_t
trelay_window(int other)
{
	return (uint16_t)(20000 + ((getpid() + other * 300) % 600) * 64);
}

/* This run's usual window. */
static uint16_t
trelay_base(void)
{
	if (test_relay_base == 0)
		test_relay_base = trelay_window(0);
	return test_relay_base;
}

/* A UDP socket on 127.0.0.1, any port. */
static int
udp_sock(uint16_t *port)
{
	struct sockaddr_in	sin;
	socklen_t		sl = sizeof(sin);
	int			fd, big = 1 << 20;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(fd != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	CU_ASSERT_FATAL(getsockname(fd, (struct sockaddr *)&sin, &sl) == 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* 127.0.0.1:port as a sockaddr_storage. */
static void
loopback(struct sockaddr_storage *ss, uint16_t port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons(port);
}

/* Send to the relay's port on loopback. */
static void
send_to(int fd, uint16_t port, const void *buf, size_t len)
{
	struct sockaddr_storage	ss;

	loopback(&ss, port);
	CU_ASSERT_EQUAL(sendto(fd, buf, len, 0, (struct sockaddr *)&ss,
	    sizeof(struct sockaddr_in)), (ssize_t)len);
}

/* A datagram within ms, or -1; *from gets the sender's port. */
static int
recv_wait(int fd, void *buf, size_t cap, int ms, uint16_t *from)
{
	struct pollfd		pfd = { .fd = fd, .events = POLLIN };
	struct sockaddr_in	sin;
	socklen_t		sl = sizeof(sin);
	ssize_t			n;

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	n = recvfrom(fd, buf, cap, MSG_DONTWAIT, (struct sockaddr *)&sin, &sl);
	if (n >= 0 && from != NULL)
		*from = ntohs(sin.sin_port);
	return (int)n;
}

/* Sleep ms milliseconds. */
static void
sleep_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait until the relay threads applied every command (bounded). */
static void
settle(struct relay *r)
{
	int	i;

	for (i = 0; i < 2000 && relay_commands_pending(r) > 0; i++)
		sleep_ms(1);
	CU_ASSERT_EQUAL(relay_commands_pending(r), 0);
}

/* An RTP packet whose payload is a pattern of its sequence number. */
static size_t
rtp_make(unsigned char *p, uint16_t seq, uint32_t ssrc)
{
	uint32_t	ts = (uint32_t)seq * 160;
	size_t		i;

	memset(p, 0, 12);
	p[0] = 0x80;
	p[1] = 0;			/* PCMU */
	p[2] = seq >> 8;
	p[3] = seq & 0xff;
	p[4] = ts >> 24;
	p[5] = ts >> 16;
	p[6] = ts >> 8;
	p[7] = ts;
	p[8] = ssrc >> 24;
	p[9] = ssrc >> 16;
	p[10] = ssrc >> 8;
	p[11] = ssrc;
	for (i = 0; i < PAYLOAD; i++)
		p[12 + i] = (unsigned char)(seq * 7 + i);
	return 12 + PAYLOAD;
}

/* Whether a packet is rtp_make's for seq. */
static bool
rtp_is(const unsigned char *p, int len, uint16_t seq)
{
	unsigned char	want[12 + PAYLOAD];

	rtp_make(want, seq, 0);
	return len == 12 + PAYLOAD && p[2] == want[2] && p[3] == want[3] &&
	    memcmp(p + 12, want + 12, PAYLOAD) == 0;
}

/* An RTCP receiver report (plain), 8 bytes plus one empty SDES. */
static size_t
rtcp_make(unsigned char *p, uint32_t ssrc)
{
	memset(p, 0, 16);
	p[0] = 0x80;
	p[1] = 201;			/* RR, no report blocks */
	p[3] = 1;
	p[4] = ssrc >> 24;
	p[5] = ssrc >> 16;
	p[6] = ssrc >> 8;
	p[7] = ssrc;
	p[8] = 0x81;
	p[9] = 202;			/* SDES, one chunk */
	p[11] = 1;
	memcpy(p + 12, p + 4, 4);
	return 16;
}

/* A key for a suite, distinct per seed. */
static void
key_fill(struct relay_crypto *c, enum relay_suite suite, unsigned seed)
{
	size_t	i;

	memset(c, 0, sizeof(*c));
	c->suite = suite;
	c->key_len = relay_suite_key_len(suite);
	for (i = 0; i < c->key_len; i++)
		c->key[i] = (unsigned char)(seed * 31 + i * 17 + 1);
}

/*
 * The peer's own context, built here with libsrtp2 directly (not with the
 * relay's code) for the two suites the tests use.
 */
static srtp_t
peer_ctx(const struct relay_crypto *c, bool inbound)
{
	srtp_policy_t	p;
	srtp_t		ctx = NULL;
	unsigned char	key[RELAY_KEY_MAX];

	memset(&p, 0, sizeof(p));
	if (c->suite == RELAY_SUITE_AES_CM_128_HMAC_SHA1_32)
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
	else
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
	srtp_crypto_policy_set_rtcp_default(&p.rtcp);
	p.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	memcpy(key, c->key, c->key_len);
	p.key = key;
	p.window_size = c->window != 0 ? c->window : 128;
	CU_ASSERT_FATAL(srtp_create(&ctx, &p) == srtp_err_status_ok);
	return ctx;
}

/*
 * libsrtp2 once per process, as the daemon does. Another suite may have
 * done it already: a second srtp_init() only fails to register its debug
 * module again (bad_param), the crypto kernel stays as it was.
 */
static void
srtp_ready(void)
{
	static bool		done;
	srtp_err_status_t	st;

	if (done)
		return;
	st = srtp_init();
	CU_ASSERT_FATAL(st == srtp_err_status_ok ||
	    st == srtp_err_status_bad_param);
	done = true;
}

/* Start a relay with the given I/O method; NULL (and a note) to skip. */
static struct relay *
trelay_start(struct trelay *t, enum relay_io io, uint16_t min, uint16_t max,
    unsigned timeout)
{
	struct relay_opts	o = { .io = io, .quarantine_ms = 300,
				    .uring_buffers = 16 };
	char			why[256];

	srtp_ready();
	memset(t, 0, sizeof(*t));
	t->phone = t->carrier = -1;
	t->cf.phone_address = "127.0.0.1";
	t->cf.carrier_address = "127.0.0.1";
	t->cf.port_min = min != 0 ? min : trelay_base();
	t->cf.port_max = max != 0 ? max : (uint16_t)(trelay_base() + 63);
	t->cf.threads = 2;
	t->cf.dscp = 46;
	t->cf.timeout = timeout != 0 ? timeout : 60;
	t->r = relay_new_opts(&t->cf, &o, why, sizeof(why));
	if (t->r == NULL && io == RELAY_IO_URING &&
	    strstr(why, "io_uring unavailable") != NULL) {
		fprintf(stderr, "\n  skipped, %s\n", why);
		return NULL;
	}
	if (t->r == NULL)
		fprintf(stderr, "\n  relay_new: %s\n", why);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t->r);
	CU_ASSERT_STRING_EQUAL(relay_io_name(t->r), io == RELAY_IO_URING ?
	    "io_uring" : io == RELAY_IO_EPOLL ? "epoll" : "epoll-single");
	t->phone = udp_sock(&t->phone_port);
	t->carrier = udp_sock(&t->carrier_port);
	return t->r;
}

/* A session between phone and carrier; the phone's address is latched. */
static void
trelay_session(struct trelay *t, const struct relay_crypto *crypto,
    unsigned flags_a, unsigned flags_b)
{
	struct relay_session_spec	sp;
	char				why[256];
	int				rc;

	memset(&sp, 0, sizeof(sp));
	loopback(&sp.leg[RELAY_LEG_B].rtp_peer, t->carrier_port);
	loopback(&sp.leg[RELAY_LEG_B].rtcp_peer, t->carrier_port);
	sp.leg[RELAY_LEG_A].flags = flags_a;
	sp.leg[RELAY_LEG_B].flags = flags_b;
	if (crypto != NULL) {
		sp.leg[RELAY_LEG_A].in = crypto[0];
		sp.leg[RELAY_LEG_A].out = crypto[1];
		sp.leg[RELAY_LEG_B].in = crypto[2];
		sp.leg[RELAY_LEG_B].out = crypto[3];
	}
	if ((rc = relay_session_new(t->r, &sp, &t->info, why,
	    sizeof(why))) != 0)
		fprintf(stderr, "\n  relay_session_new: %s\n", why);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	settle(t->r);
}

static void
trelay_stop(struct trelay *t)
{
	relay_free(t->r);
	if (t->phone != -1)
		close(t->phone);
	if (t->carrier != -1)
		close(t->carrier);
}

/* The four keys of an SRTP session: phone's, edge's to phone, ... */
enum { K_PHONE, K_EDGE_A, K_CARRIER, K_EDGE_B };

static void
keys_fill(struct relay_crypto k[4], unsigned seed)
{
	key_fill(&k[K_PHONE], RELAY_SUITE_AES_CM_128_HMAC_SHA1_80, seed);
	key_fill(&k[K_EDGE_A], RELAY_SUITE_AES_CM_128_HMAC_SHA1_80, seed + 1);
	key_fill(&k[K_CARRIER], RELAY_SUITE_AES_CM_128_HMAC_SHA1_32, seed + 2);
	key_fill(&k[K_EDGE_B], RELAY_SUITE_AES_CM_128_HMAC_SHA1_32, seed + 3);
}

/* The peers' contexts for keys k. */
struct peers {
	srtp_t	phone_tx, phone_rx, carrier_tx, carrier_rx;
};

static void
peers_new(struct peers *p, const struct relay_crypto k[4])
{
	p->phone_tx = peer_ctx(&k[K_PHONE], false);
	p->phone_rx = peer_ctx(&k[K_EDGE_A], true);
	p->carrier_tx = peer_ctx(&k[K_CARRIER], false);
	p->carrier_rx = peer_ctx(&k[K_EDGE_B], true);
}

static void
peers_free(struct peers *p)
{
	srtp_dealloc(p->phone_tx);
	srtp_dealloc(p->phone_rx);
	srtp_dealloc(p->carrier_tx);
	srtp_dealloc(p->carrier_rx);
}

/*
 * One SRTP packet from `from` (protected with tx) through the relay's
 * port to `to`, which must decrypt it with rx to the same payload.
 * Returns whether it did.
 */
static bool
srtp_through(int from, srtp_t tx, uint16_t port, int to, srtp_t rx,
    uint16_t seq, uint32_t ssrc)
{
	unsigned char	buf[512];
	int		n = (int)rtp_make(buf, seq, ssrc);

	if (srtp_protect(tx, buf, &n) != srtp_err_status_ok)
		return false;
	send_to(from, port, buf, (size_t)n);
	if ((n = recv_wait(to, buf, sizeof(buf), WAIT_MS, NULL)) < 0 ||
	    srtp_unprotect(rx, buf, &n) != srtp_err_status_ok)
		return false;
	return rtp_is(buf, n, seq);
}

/*
 * A session's counters once a leg has sent n packets: the peer may read
 * a packet a moment before the relay thread counts its send.
 */
static void
stats_wait(struct relay *r, uint32_t id, int leg, uint64_t n,
    struct relay_session_stats *st)
{
	int	i;

	for (i = 0; i < 1000; i++) {
		CU_ASSERT_EQUAL_FATAL(relay_session_stats(r, id, st), 0);
		if (st->leg[leg].packets_out >= n)
			break;
		sleep_ms(1);
	}
}

/* Plain RTP goes phone -> carrier and back, to the latched phone. */
static void
run_plain_rtp(enum relay_io io)
{
	struct trelay			t;
	struct relay_session_stats	st;
	unsigned char			buf[512], in[512];
	size_t				n;
	int				got;

	if (trelay_start(&t, io, 0, 0, 0) == NULL)
		return;
	trelay_session(&t, NULL, 0, 0);
	n = rtp_make(buf, 100, 0x1234);
	send_to(t.phone, t.info.rtp_port[RELAY_LEG_A], buf, n);
	got = recv_wait(t.carrier, in, sizeof(in), WAIT_MS, NULL);
	CU_ASSERT_EQUAL(got, (int)n);
	CU_ASSERT(got > 0 && memcmp(in, buf, n) == 0);
	n = rtp_make(buf, 200, 0x5678);
	send_to(t.carrier, t.info.rtp_port[RELAY_LEG_B], buf, n);
	got = recv_wait(t.phone, in, sizeof(in), WAIT_MS, NULL);
	CU_ASSERT_EQUAL(got, (int)n);
	CU_ASSERT(got > 0 && memcmp(in, buf, n) == 0);
	stats_wait(t.r, t.info.id, RELAY_LEG_A, 1, &st);
	CU_ASSERT_EQUAL(st.leg[RELAY_LEG_A].packets_in, 1);
	CU_ASSERT_EQUAL(st.leg[RELAY_LEG_A].packets_out, 1);
	CU_ASSERT_EQUAL(st.leg[RELAY_LEG_B].packets_in, 1);
	CU_ASSERT_EQUAL(st.leg[RELAY_LEG_B].packets_out, 1);
	CU_ASSERT_EQUAL(st.leg[RELAY_LEG_B].bytes_out, n);
	CU_ASSERT_EQUAL(st.leg[RELAY_LEG_A].suite_in, RELAY_SUITE_NONE);
	trelay_stop(&t);
}

/*
 * A plain leg proves nothing about a packet's source: one from a
 * stranger while the latched phone is live goes nowhere and moves
 * nothing (RTP bleed), and the carrier's audio still reaches the phone;
 * once the phone has been silent for RELAY_PLAIN_RELATCH_MS, a new
 * address is the phone roaming and takes the latch.
 */
static void
run_plain_bleed(enum relay_io io)
{
	struct trelay	t;
	unsigned char	buf[512], in[512];
	uint16_t	sport;
	size_t		n;
	int		stranger;

	if (trelay_start(&t, io, 0, 0, 0) == NULL)
		return;
	trelay_session(&t, NULL, 0, 0);
	stranger = udp_sock(&sport);
	n = rtp_make(buf, 100, 0x1234);
	send_to(t.phone, t.info.rtp_port[RELAY_LEG_A], buf, n);
	CU_ASSERT_EQUAL(recv_wait(t.carrier, in, sizeof(in), WAIT_MS, NULL),
	    (int)n);
	n = rtp_make(buf, 101, 0x1234);
	send_to(stranger, t.info.rtp_port[RELAY_LEG_A], buf, n);
	CU_ASSERT_EQUAL(recv_wait(t.carrier, in, sizeof(in), QUIET_MS, NULL),
	    -1);
	n = rtp_make(buf, 200, 0x5678);
	send_to(t.carrier, t.info.rtp_port[RELAY_LEG_B], buf, n);
	CU_ASSERT_EQUAL(recv_wait(t.phone, in, sizeof(in), WAIT_MS, NULL),
	    (int)n);
	CU_ASSERT_EQUAL(recv_wait(stranger, in, sizeof(in), QUIET_MS, NULL),
	    -1);
	/* The phone silent long enough: the new address is the phone. */
	sleep_ms(RELAY_PLAIN_RELATCH_MS + 100);
	n = rtp_make(buf, 102, 0x1234);
	send_to(stranger, t.info.rtp_port[RELAY_LEG_A], buf, n);
	CU_ASSERT_EQUAL(recv_wait(t.carrier, in, sizeof(in), WAIT_MS, NULL),
	    (int)n);
	n = rtp_make(buf, 201, 0x5678);
	send_to(t.carrier, t.info.rtp_port[RELAY_LEG_B], buf, n);
	CU_ASSERT_EQUAL(recv_wait(stranger, in, sizeof(in), WAIT_MS, NULL),
	    (int)n);
	close(stranger);
	trelay_stop(&t);
}

/*
 * SRTP re-keyed per leg; a replayed and a forged packet are dropped and
 * counted, and the stream goes on.
 */
static void
run_srtp_rekeyed(enum relay_io io)
{
	struct trelay			t;
	struct relay_crypto		k[4];
	struct relay_session_stats	st;
	struct peers			p;
	unsigned char			buf[512], saved[512];
	int				n, saved_len;

	if (trelay_start(&t, io, 0, 0, 0) == NULL)
		return;
	keys_fill(k, 1);
	trelay_session(&t, k, 0, 0);
	peers_new(&p, k);
	CU_ASSERT(srtp_through(t.phone, p.phone_tx, t.info.rtp_port[0],
	    t.carrier, p.carrier_rx, 1, 0xa1));
	CU_ASSERT(srtp_through(t.carrier, p.carrier_tx, t.info.rtp_port[1],
	    t.phone, p.phone_rx, 1, 0xb1));
	/* What the carrier got is not what the phone sent: re-keyed. */
	n = (int)rtp_make(buf, 2, 0xa1);
	CU_ASSERT_FATAL(srtp_protect(p.phone_tx, buf, &n) == 0);
	memcpy(saved, buf, (size_t)n);
	saved_len = n;
	send_to(t.phone, t.info.rtp_port[0], buf, (size_t)n);
	n = recv_wait(t.carrier, buf, sizeof(buf), WAIT_MS, NULL);
	CU_ASSERT_EQUAL(n, 12 + PAYLOAD + 4);	/* 32-bit tag on leg B */
	CU_ASSERT(n > 0 && memcmp(buf + 12, saved + 12, PAYLOAD) != 0);
	/* Replayed. */
	send_to(t.phone, t.info.rtp_port[0], saved, (size_t)saved_len);
	CU_ASSERT_EQUAL(recv_wait(t.carrier, buf, sizeof(buf), QUIET_MS,
	    NULL), -1);
	/* Forged: one payload bit flipped in a fresh packet. */
	n = (int)rtp_make(buf, 3, 0xa1);
	CU_ASSERT_FATAL(srtp_protect(p.phone_tx, buf, &n) == 0);
	buf[40] ^= 0x01;
	send_to(t.phone, t.info.rtp_port[0], buf, (size_t)n);
	CU_ASSERT_EQUAL(recv_wait(t.carrier, buf, sizeof(buf), QUIET_MS,
	    NULL), -1);
	CU_ASSERT(srtp_through(t.phone, p.phone_tx, t.info.rtp_port[0],
	    t.carrier, p.carrier_rx, 4, 0xa1));
	stats_wait(t.r, t.info.id, RELAY_LEG_B, 3, &st);
	CU_ASSERT_EQUAL(st.leg[RELAY_LEG_A].replays, 1);
	CU_ASSERT_EQUAL(st.leg[RELAY_LEG_A].srtp_failures, 1);
	CU_ASSERT_EQUAL(st.leg[RELAY_LEG_A].packets_in, 5);
	CU_ASSERT_EQUAL(st.leg[RELAY_LEG_B].packets_out, 3);
	CU_ASSERT_EQUAL(st.leg[RELAY_LEG_B].suite_out,
	    RELAY_SUITE_AES_CM_128_HMAC_SHA1_32);
	peers_free(&p);
	trelay_stop(&t);
}

/*
 * A packet the network held back by 300 (the phone's WSH=1024 covers it)
 * gets through both legs' windows; one held back past the window does
 * not. With the default window of 128 the first would be dropped too.
 */
static void
run_wsh(enum relay_io io)
{
	struct trelay			t;
	struct relay_crypto		k[4];
	struct relay_session_stats	st;
	struct peers			p;
	unsigned char			late[512], far[512], buf[512];
	int				i, n, late_len = 0, far_len = 0;
	uint16_t			seq;

	if (trelay_start(&t, io, 0, 0, 0) == NULL)
		return;
	keys_fill(k, 11);
	for (i = 0; i < 4; i++)
		k[i].window = 1024;
	trelay_session(&t, k, 0, 0);
	peers_new(&p, k);
	for (seq = 1; seq <= 1400; seq++) {
		n = (int)rtp_make(buf, seq, 0xa7);
		CU_ASSERT_FATAL(srtp_protect(p.phone_tx, buf, &n) == 0);
		if (seq == 5 || seq == 100) {
			memcpy(seq == 5 ? far : late, buf, (size_t)n);
			*(seq == 5 ? &far_len : &late_len) = n;
			continue;
		}
		send_to(t.phone, t.info.rtp_port[0], buf, (size_t)n);
		n = recv_wait(t.carrier, buf, sizeof(buf), WAIT_MS, NULL);
		CU_ASSERT_FATAL(n > 0 &&
		    srtp_unprotect(p.carrier_rx, buf, &n) == 0);
		if (seq == 400) {	/* 300 after it: inside the window */
			send_to(t.phone, t.info.rtp_port[0], late,
			    (size_t)late_len);
			n = recv_wait(t.carrier, buf, sizeof(buf), WAIT_MS,
			    NULL);
			CU_ASSERT(n > 0 &&
			    srtp_unprotect(p.carrier_rx, buf, &n) == 0 &&
			    rtp_is(buf, n, 100));
		}
	}
	/* 1,395 behind: past even the larger window, dropped as a replay. */
	send_to(t.phone, t.info.rtp_port[0], far, (size_t)far_len);
	CU_ASSERT_EQUAL(recv_wait(t.carrier, buf, sizeof(buf), QUIET_MS,
	    NULL), -1);
	stats_wait(t.r, t.info.id, RELAY_LEG_B, 1399, &st);
	CU_ASSERT_EQUAL(st.leg[RELAY_LEG_B].packets_out, 1399);
	CU_ASSERT_EQUAL(st.leg[RELAY_LEG_A].replays, 1);
	peers_free(&p);
	trelay_stop(&t);
}

/* Collects results of relay_results_drain. */
struct results {
	int	n;
	int	kind[16];
	uint32_t session[16];
	char	text[16][160];
};

static void
results_cb(const struct relay_result *r, void *arg)
{
	struct results	*rs = arg;

	if (rs->n >= 16)
		return;
	rs->kind[rs->n] = r->kind;
	rs->session[rs->n] = r->session;
	snprintf(rs->text[rs->n], sizeof(rs->text[0]), "%s", r->text);
	rs->n++;
}

/* Whether any result so far has kind and mentions text. */
static bool
results_have(const struct results *rs, int kind, const char *text)
{
	int	i;

	for (i = 0; i < rs->n; i++)
		if (rs->kind[i] == kind && strstr(rs->text[i], text) != NULL)
			return true;
	return false;
}

/*
 * The phone moves to a new port: a forged or replayed packet from there
 * moves nothing, an authenticated one moves the latch.
 */
static void
run_relatch(enum relay_io io)
{
	struct trelay		t;
	struct relay_crypto	k[4];
	struct peers		p;
	struct results		rs;
	unsigned char		buf[512], saved[512];
	uint16_t		moved_port, from;
	char			text[64];
	int			moved, n, saved_len;

	if (trelay_start(&t, io, 0, 0, 0) == NULL)
		return;
	keys_fill(k, 7);
	trelay_session(&t, k, 0, 0);
	peers_new(&p, k);
	moved = udp_sock(&moved_port);
	n = (int)rtp_make(buf, 10, 0xa2);
	CU_ASSERT_FATAL(srtp_protect(p.phone_tx, buf, &n) == 0);
	memcpy(saved, buf, (size_t)n);
	saved_len = n;
	send_to(t.phone, t.info.rtp_port[0], buf, (size_t)n);
	CU_ASSERT(recv_wait(t.carrier, buf, sizeof(buf), WAIT_MS, NULL) > 0);
	CU_ASSERT(srtp_through(t.carrier, p.carrier_tx, t.info.rtp_port[1],
	    t.phone, p.phone_rx, 10, 0xb2));
	/* Forged from the new port: dropped, the latch stays. */
	n = (int)rtp_make(buf, 11, 0xa2);
	CU_ASSERT_FATAL(srtp_protect(p.phone_tx, buf, &n) == 0);
	buf[n - 1] ^= 0x80;
	send_to(moved, t.info.rtp_port[0], buf, (size_t)n);
	/* Replayed from the new port: dropped, the latch stays. */
	send_to(moved, t.info.rtp_port[0], saved, (size_t)saved_len);
	CU_ASSERT_EQUAL(recv_wait(t.carrier, buf, sizeof(buf), QUIET_MS,
	    NULL), -1);
	CU_ASSERT(srtp_through(t.carrier, p.carrier_tx, t.info.rtp_port[1],
	    t.phone, p.phone_rx, 11, 0xb2));
	CU_ASSERT_EQUAL(recv_wait(moved, buf, sizeof(buf), QUIET_MS, NULL),
	    -1);
	/* Authenticated from the new port: the latch moves there. */
	CU_ASSERT(srtp_through(moved, p.phone_tx, t.info.rtp_port[0],
	    t.carrier, p.carrier_rx, 12, 0xa2));
	n = (int)rtp_make(buf, 12, 0xb2);
	CU_ASSERT_FATAL(srtp_protect(p.carrier_tx, buf, &n) == 0);
	send_to(t.carrier, t.info.rtp_port[1], buf, (size_t)n);
	n = recv_wait(moved, buf, sizeof(buf), WAIT_MS, &from);
	CU_ASSERT(n > 0 && srtp_unprotect(p.phone_rx, buf, &n) == 0 &&
	    rtp_is(buf, n, 12));
	CU_ASSERT_EQUAL(from, t.info.rtp_port[0]);
	CU_ASSERT_EQUAL(recv_wait(t.phone, buf, sizeof(buf), QUIET_MS, NULL),
	    -1);
	memset(&rs, 0, sizeof(rs));
	sleep_ms(50);
	relay_results_drain(t.r, results_cb, &rs);
	snprintf(text, sizeof(text), "phone leg latched to 127.0.0.1:%u",
	    moved_port);
	CU_ASSERT(results_have(&rs, RELAY_RESULT_LATCHED, text));
	close(moved);
	peers_free(&p);
	trelay_stop(&t);
}

/*
 * Bursts of n packets each way: phone -> carrier and carrier -> phone,
 * from sequence number *seq on. Returns how many arrived decrypted.
 */
static int
bursts(struct trelay *t, struct peers *p, uint16_t *seq, int total)
{
	unsigned char	buf[512];
	int		i, j, n, ok = 0, burst = 64;

	for (i = 0; i < total; i += burst) {
		for (j = 0; j < burst; j++) {
			n = (int)rtp_make(buf, (uint16_t)(*seq + j), 0xa3);
			CU_ASSERT_FATAL(srtp_protect(p->phone_tx, buf,
			    &n) == 0);
			send_to(t->phone, t->info.rtp_port[0], buf, (size_t)n);
			n = (int)rtp_make(buf, (uint16_t)(*seq + j), 0xb3);
			CU_ASSERT_FATAL(srtp_protect(p->carrier_tx, buf,
			    &n) == 0);
			send_to(t->carrier, t->info.rtp_port[1], buf,
			    (size_t)n);
		}
		for (j = 0; j < 2 * burst; j++) {
			bool to_phone = j >= burst;

			n = recv_wait(to_phone ? t->phone : t->carrier, buf,
			    sizeof(buf), WAIT_MS, NULL);
			if (n > 0 && srtp_unprotect(to_phone ? p->phone_rx :
			    p->carrier_rx, buf, &n) == 0 &&
			    rtp_is(buf, n, (uint16_t)(*seq + j % burst)))
				ok++;
		}
		*seq = (uint16_t)(*seq + burst);
	}
	return ok;
}

/*
 * More than 65,536 packets each way (past a sequence-number wrap), then
 * a re-INVITE with the same keys (contexts and rollover counters kept:
 * a new context would start at ROC 0 and fail every packet), then one
 * with new keys (new contexts; a packet in flight under the old key still
 * gets through), and audio keeps flowing both ways throughout.
 */
static void
run_wrap_rekey(enum relay_io io)
{
	struct trelay			t;
	struct relay_crypto		k[4], k2[4];
	struct relay_session_update	up;
	struct peers			p, p2;
	unsigned char			buf[512];
	char				why[256];
	uint16_t			seq = 1000;
	int				i, n, total = 66048;

	if (trelay_start(&t, io, 0, 0, 0) == NULL)
		return;
	keys_fill(k, 11);
	trelay_session(&t, k, 0, 0);
	peers_new(&p, k);
	CU_ASSERT_EQUAL(bursts(&t, &p, &seq, total), 2 * total);
	CU_ASSERT_EQUAL(seq, 1512);	/* 1000 + 66048, past 65535 */
	memset(&up, 0, sizeof(up));
	for (i = 0; i < 2; i++) {
		up.leg[i].what = RELAY_UPD_CRYPTO_IN | RELAY_UPD_CRYPTO_OUT;
		up.leg[i].in = k[i == 0 ? K_PHONE : K_CARRIER];
		up.leg[i].out = k[i == 0 ? K_EDGE_A : K_EDGE_B];
	}
	CU_ASSERT_EQUAL(relay_session_update(t.r, t.info.id, &up, why,
	    sizeof(why)), 0);
	settle(t.r);
	CU_ASSERT_EQUAL(bursts(&t, &p, &seq, 128), 256);
	keys_fill(k2, 21);
	for (i = 0; i < 2; i++) {
		up.leg[i].in = k2[i == 0 ? K_PHONE : K_CARRIER];
		up.leg[i].out = k2[i == 0 ? K_EDGE_A : K_EDGE_B];
	}
	CU_ASSERT_EQUAL(relay_session_update(t.r, t.info.id, &up, why,
	    sizeof(why)), 0);
	settle(t.r);
	peers_new(&p2, k2);
	/* In flight under the phone's old key: decrypts, leaves re-keyed. */
	n = (int)rtp_make(buf, seq, 0xa3);
	CU_ASSERT_FATAL(srtp_protect(p.phone_tx, buf, &n) == 0);
	send_to(t.phone, t.info.rtp_port[0], buf, (size_t)n);
	n = recv_wait(t.carrier, buf, sizeof(buf), WAIT_MS, NULL);
	CU_ASSERT(n > 0 && srtp_unprotect(p2.carrier_rx, buf, &n) == 0 &&
	    rtp_is(buf, n, seq));
	seq++;
	CU_ASSERT_EQUAL(bursts(&t, &p2, &seq, 128), 256);
	peers_free(&p);
	peers_free(&p2);
	trelay_stop(&t);
}

/*
 * More re-keys than the relay thread's command ring holds, sent faster
 * than the thread builds the new contexts (a re-INVITE storm after a
 * carrier fails over): every update is taken, none refused as "busy",
 * and the last keys are the ones the relay uses.
 */
static void
run_update_storm(enum relay_io io)
{
	struct trelay			t;
	struct relay_crypto		k[2][4];
	struct relay_session_update	up;
	struct peers			p;
	char				why[256];
	uint16_t			seq = 1;
	int				i, j, failed = 0, n = 3 * 1024;

	if (trelay_start(&t, io, 0, 0, 0) == NULL)
		return;
	keys_fill(k[0], 41);
	keys_fill(k[1], 51);
	trelay_session(&t, k[0], 0, 0);
	memset(&up, 0, sizeof(up));
	for (i = 1; i <= n; i++) {
		for (j = 0; j < 2; j++) {
			up.leg[j].what = RELAY_UPD_CRYPTO_IN |
			    RELAY_UPD_CRYPTO_OUT;
			up.leg[j].in = k[i % 2][j == 0 ? K_PHONE : K_CARRIER];
			up.leg[j].out = k[i % 2][j == 0 ? K_EDGE_A : K_EDGE_B];
		}
		if (relay_session_update(t.r, t.info.id, &up, why,
		    sizeof(why)) != 0)
			failed++;
	}
	CU_ASSERT_EQUAL(failed, 0);
	settle(t.r);
	peers_new(&p, k[n % 2]);
	CU_ASSERT_EQUAL(bursts(&t, &p, &seq, 64), 128);
	peers_free(&p);
	trelay_stop(&t);
}

/*
 * rtcp-mux on the phone leg, separate RTCP on the carrier leg: SRTCP each
 * way lands on the right port. Plain RTCP from a phone that negotiated
 * SRTCP (Cisco SPA) is counted and dropped, RTP goes on, and with
 * RELAY_CRYPTO_LENIENT_SRTCP (same key: context kept) it is relayed.
 */
static void
run_rtcp(enum relay_io io)
{
	struct trelay			t;
	struct relay_crypto		k[4];
	struct relay_session_update	up;
	struct relay_session_stats	st;
	struct peers			p;
	struct results			rs;
	unsigned char			buf[512];
	char				why[256];
	uint16_t			rtcp_port, from;
	int				rtcp_sock, n;

	if (trelay_start(&t, io, 0, 0, 0) == NULL)
		return;
	keys_fill(k, 31);
	rtcp_sock = udp_sock(&rtcp_port);
	{
		struct relay_session_spec sp;

		memset(&sp, 0, sizeof(sp));
		loopback(&sp.leg[1].rtp_peer, t.carrier_port);
		loopback(&sp.leg[1].rtcp_peer, rtcp_port);
		sp.leg[0].flags = RELAY_LEG_RTCP_MUX;
		sp.leg[0].in = k[K_PHONE];
		sp.leg[0].out = k[K_EDGE_A];
		sp.leg[1].in = k[K_CARRIER];
		sp.leg[1].out = k[K_EDGE_B];
		CU_ASSERT_EQUAL_FATAL(relay_session_new(t.r, &sp, &t.info,
		    why, sizeof(why)), 0);
		settle(t.r);
	}
	CU_ASSERT_EQUAL(t.info.rtcp_port[0], t.info.rtp_port[0]);
	CU_ASSERT_EQUAL(t.info.rtcp_port[1], t.info.rtp_port[1] + 1);
	peers_new(&p, k);
	/* RTP first, so the phone's address is latched. */
	CU_ASSERT(srtp_through(t.phone, p.phone_tx, t.info.rtp_port[0],
	    t.carrier, p.carrier_rx, 1, 0xa4));
	/* SRTCP on the muxed port reaches the carrier's RTCP socket. */
	n = (int)rtcp_make(buf, 0xa4);
	CU_ASSERT_FATAL(srtp_protect_rtcp(p.phone_tx, buf, &n) == 0);
	send_to(t.phone, t.info.rtp_port[0], buf, (size_t)n);
	n = recv_wait(rtcp_sock, buf, sizeof(buf), WAIT_MS, &from);
	CU_ASSERT(n > 0 && srtp_unprotect_rtcp(p.carrier_rx, buf, &n) == 0 &&
	    n == 16 && buf[1] == 201);
	CU_ASSERT_EQUAL(from, t.info.rtcp_port[1]);
	/* SRTCP to the carrier leg's RTCP port reaches the phone, muxed. */
	n = (int)rtcp_make(buf, 0xb4);
	CU_ASSERT_FATAL(srtp_protect_rtcp(p.carrier_tx, buf, &n) == 0);
	send_to(rtcp_sock, t.info.rtcp_port[1], buf, (size_t)n);
	n = recv_wait(t.phone, buf, sizeof(buf), WAIT_MS, &from);
	CU_ASSERT(n > 0 && srtp_unprotect_rtcp(p.phone_rx, buf, &n) == 0 &&
	    n == 16 && buf[1] == 201);
	CU_ASSERT_EQUAL(from, t.info.rtp_port[0]);
	/* Plain RTCP where SRTCP was negotiated: counted, not relayed. */
	n = (int)rtcp_make(buf, 0xa4);
	send_to(t.phone, t.info.rtp_port[0], buf, (size_t)n);
	CU_ASSERT_EQUAL(recv_wait(rtcp_sock, buf, sizeof(buf), QUIET_MS,
	    NULL), -1);
	CU_ASSERT(srtp_through(t.phone, p.phone_tx, t.info.rtp_port[0],
	    t.carrier, p.carrier_rx, 2, 0xa4));
	CU_ASSERT_EQUAL(relay_session_stats(t.r, t.info.id, &st), 0);
	CU_ASSERT_EQUAL(st.leg[0].plain_srtcp, 1);
	CU_ASSERT_EQUAL(st.leg[0].srtp_failures, 0);
	memset(&rs, 0, sizeof(rs));
	relay_results_drain(t.r, results_cb, &rs);
	CU_ASSERT(results_have(&rs, RELAY_RESULT_PLAIN_SRTCP,
	    "phone leg sends plain RTCP"));
	/* Lenient: the same key with the flag keeps the context, relays. */
	memset(&up, 0, sizeof(up));
	up.leg[0].what = RELAY_UPD_CRYPTO_IN;
	up.leg[0].in = k[K_PHONE];
	up.leg[0].in.flags |= RELAY_CRYPTO_LENIENT_SRTCP;
	CU_ASSERT_EQUAL(relay_session_update(t.r, t.info.id, &up, why,
	    sizeof(why)), 0);
	settle(t.r);
	n = (int)rtcp_make(buf, 0xa4);
	send_to(t.phone, t.info.rtp_port[0], buf, (size_t)n);
	n = recv_wait(rtcp_sock, buf, sizeof(buf), WAIT_MS, NULL);
	CU_ASSERT(n > 0 && srtp_unprotect_rtcp(p.carrier_rx, buf, &n) == 0 &&
	    n == 16);
	CU_ASSERT(srtp_through(t.phone, p.phone_tx, t.info.rtp_port[0],
	    t.carrier, p.carrier_rx, 3, 0xa4));
	close(rtcp_sock);
	peers_free(&p);
	trelay_stop(&t);
}

/* A range of two pairs holds one session; a freed one waits quarantine. */
static void
run_ports(enum relay_io io)
{
	struct trelay			t;
	struct relay_session_spec	sp;
	struct relay_session_info	info;
	struct relay_stats		st;
	uint16_t			base = trelay_base() + 60;
	char				why[256];

	if (trelay_start(&t, io, base, (uint16_t)(base + 3), 0) == NULL)
		return;
	memset(&sp, 0, sizeof(sp));
	CU_ASSERT_EQUAL_FATAL(relay_session_new(t.r, &sp, &t.info, why,
	    sizeof(why)), 0);
	CU_ASSERT(t.info.rtp_port[0] == base || t.info.rtp_port[0] == base + 2);
	CU_ASSERT_EQUAL(t.info.rtp_port[0] + t.info.rtp_port[1], 2 * base + 2);
	CU_ASSERT_EQUAL(relay_session_new(t.r, &sp, &info, why, sizeof(why)),
	    RELAY_ERR_PORTS);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "no free media ports"));
	relay_stats(t.r, &st);
	CU_ASSERT_EQUAL(st.ports_total, 4);
	CU_ASSERT_EQUAL(st.ports_in_use, 4);
	CU_ASSERT_EQUAL(st.sessions, 1);
	relay_session_free(t.r, t.info.id);
	CU_ASSERT_EQUAL(relay_session_new(t.r, &sp, &info, why, sizeof(why)),
	    RELAY_ERR_PORTS);
	relay_stats(t.r, &st);
	CU_ASSERT_EQUAL(st.ports_quarantined, 4);
	CU_ASSERT_EQUAL(st.ports_in_use, 0);
	sleep_ms(400);
	CU_ASSERT_EQUAL(relay_session_new(t.r, &sp, &info, why, sizeof(why)),
	    0);
	trelay_stop(&t);
}

/* A silent session is reported after [media] timeout, a busy one not. */
static void
run_timeout(enum relay_io io)
{
	struct trelay			t;
	struct relay_session_info	busy;
	struct results			rs;
	struct pollfd			pfd;
	unsigned char			buf[512];
	uint16_t			seq = 1;
	uint32_t			silent;
	char				text[64];
	int				i;

	if (trelay_start(&t, io, 0, 0, 1) == NULL)
		return;
	trelay_session(&t, NULL, 0, 0);
	silent = t.info.id;
	trelay_session(&t, NULL, 0, 0);
	busy = t.info;
	memset(&rs, 0, sizeof(rs));
	pfd.fd = relay_result_fd(t.r);
	pfd.events = POLLIN;
	for (i = 0; i < 30 && !results_have(&rs, RELAY_RESULT_TIMEOUT,
	    "timed out"); i++) {
		send_to(t.phone, busy.rtp_port[0], buf,
		    rtp_make(buf, seq++, 1));
		if (poll(&pfd, 1, 100) == 1)
			relay_results_drain(t.r, results_cb, &rs);
	}
	/* Long enough past the silent one for the busy one to show up. */
	for (i = 0; i < 6; i++) {
		send_to(t.phone, busy.rtp_port[0], buf,
		    rtp_make(buf, seq++, 1));
		if (poll(&pfd, 1, 100) == 1)
			relay_results_drain(t.r, results_cb, &rs);
	}
	snprintf(text, sizeof(text), "session %u timed out: no packets for "
	    "1 s", silent);
	CU_ASSERT(results_have(&rs, RELAY_RESULT_TIMEOUT, text));
	snprintf(text, sizeof(text), "session %u timed out", busy.id);
	CU_ASSERT(!results_have(&rs, RELAY_RESULT_TIMEOUT, text));
	trelay_stop(&t);
}

/* Count the timeouts reported. */
static void
timeouts_cb(const struct relay_result *r, void *arg)
{
	unsigned	*n = arg;

	if (r->kind == RELAY_RESULT_TIMEOUT)
		(*n)++;
}

/*
 * Eight silent sessions on two threads are each reported once, soon
 * after [media] timeout: a relay thread looks at a slice of its sessions
 * each tick (here one), and the slices go round all of them.
 */
static void
run_timeout_many(enum relay_io io)
{
	struct trelay	t;
	struct pollfd	pfd;
	unsigned	n = 0;
	uint64_t	end;
	uint16_t	base;
	int		i;

	/*
	 * A window of its own: a ring's sockets are let go asynchronously
	 * after relay_free(), and 32 of them still bound would starve the
	 * tests after this one in the usual window.
	 */
	base = trelay_window(1);
	if (trelay_start(&t, io, base, (uint16_t)(base + 63), 1) == NULL)
		return;
	for (i = 0; i < 8; i++)
		trelay_session(&t, NULL, 0, 0);
	pfd.fd = relay_result_fd(t.r);
	pfd.events = POLLIN;
	end = mono_ms() + 4000;
	while (n < 8 && mono_ms() < end)
		if (poll(&pfd, 1, 100) == 1)
			relay_results_drain(t.r, timeouts_cb, &n);
	/* Nothing is said twice. */
	if (poll(&pfd, 1, 300) == 1)
		relay_results_drain(t.r, timeouts_cb, &n);
	CU_ASSERT_EQUAL(n, 8);
	trelay_stop(&t);
}

/*
 * A burst bigger than the relay thread's receive buffers (16 in these
 * tests) loses nothing: io_uring ends a multishot receive that finds no
 * buffer, the relay arms it again, and the packets wait in the socket
 * meanwhile; epoll's recvmmsg batches are relayed whole.
 */
static void
run_burst(enum relay_io io)
{
	static unsigned char	pk[160][12 + PAYLOAD];
	static struct sockaddr_storage dst[160];
	static struct iovec	iov[160];
	static struct mmsghdr	mm[160];
	struct trelay		t;
	unsigned char		buf[512];
	uint16_t		port[4];
	int			i, j, got = 0;

	if (trelay_start(&t, io, 0, 0, 0) == NULL)
		return;
	for (i = 0; i < 4; i++) {
		trelay_session(&t, NULL, 0, 0);
		port[i] = t.info.rtp_port[0];
	}
	for (j = 0; j < 3; j++) {
		/* One sendmmsg, so the relay finds several packets waiting. */
		for (i = 0; i < 160; i++) {
			rtp_make(pk[i], (uint16_t)i, (uint32_t)(i % 4));
			loopback(&dst[i], port[i % 4]);
			iov[i].iov_base = pk[i];
			iov[i].iov_len = 12 + PAYLOAD;
			memset(&mm[i], 0, sizeof(mm[i]));
			mm[i].msg_hdr.msg_name = &dst[i];
			mm[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		CU_ASSERT_EQUAL(sendmmsg(t.phone, mm, 160, 0), 160);
		while (recv_wait(t.carrier, buf, sizeof(buf), WAIT_MS,
		    NULL) > 0 && ++got % 160 != 0)
			;
	}
	CU_ASSERT_EQUAL(got, 3 * 160);
	trelay_stop(&t);
}

/* T.38 udptl (not RTP) passes a plain UDP leg untouched, both ways. */
static void
run_plain_udp(enum relay_io io)
{
	struct trelay	t;
	unsigned char	in[64];
	const char	udptl[] = "\x00\x05udptl-ifp";
	int		n;

	if (trelay_start(&t, io, 0, 0, 0) == NULL)
		return;
	trelay_session(&t, NULL, RELAY_LEG_PLAIN_UDP, RELAY_LEG_PLAIN_UDP);
	send_to(t.phone, t.info.rtp_port[0], udptl, sizeof(udptl));
	n = recv_wait(t.carrier, in, sizeof(in), WAIT_MS, NULL);
	CU_ASSERT(n == (int)sizeof(udptl) && memcmp(in, udptl, n) == 0);
	send_to(t.carrier, t.info.rtp_port[1], udptl, sizeof(udptl));
	n = recv_wait(t.phone, in, sizeof(in), WAIT_MS, NULL);
	CU_ASSERT(n == (int)sizeof(udptl) && memcmp(in, udptl, n) == 0);
	trelay_stop(&t);
}

/* A key of the wrong length is refused, and the reason shows no key. */
static void
test_relay_refuses_bad_key_without_showing_it(void)
{
	struct trelay			t;
	struct relay_session_spec	sp;
	struct relay_session_info	info;
	char				why[256];

	trelay_start(&t, RELAY_IO_EPOLL, 0, 0, 0);
	memset(&sp, 0, sizeof(sp));
	key_fill(&sp.leg[1].out, RELAY_SUITE_AES_256_CM_HMAC_SHA1_80, 3);
	sp.leg[1].out.key_len = 30;
	CU_ASSERT_EQUAL(relay_session_new(t.r, &sp, &info, why, sizeof(why)),
	    -1);
	CU_ASSERT_STRING_EQUAL(why, "carrier leg: SRTP master key and salt "
	    "of the wrong length");
	trelay_stop(&t);
}

#define RELAY_TESTS(fn)							\
static void test_relay_##fn##_epoll(void) { run_##fn(RELAY_IO_EPOLL); }	\
static void test_relay_##fn##_io_uring(void) { run_##fn(RELAY_IO_URING); }

RELAY_TESTS(plain_rtp)
RELAY_TESTS(plain_bleed)
RELAY_TESTS(srtp_rekeyed)
RELAY_TESTS(relatch)
RELAY_TESTS(wrap_rekey)
RELAY_TESTS(rtcp)
RELAY_TESTS(ports)
RELAY_TESTS(timeout)
RELAY_TESTS(timeout_many)
RELAY_TESTS(plain_udp)
RELAY_TESTS(burst)
RELAY_TESTS(wsh)
RELAY_TESTS(update_storm)

static void
test_relay_plain_rtp_epoll_single(void)
{
	run_plain_rtp(RELAY_IO_EPOLL_SINGLE);
}

static void
test_relay_srtp_rekeyed_epoll_single(void)
{
	run_srtp_rekeyed(RELAY_IO_EPOLL_SINGLE);
}

/*
 * A thread's sessions come out of slabs of its own, side by side and a
 * cache line each apart, zeroed, and a freed one is handed out again
 * before the pool takes more memory: a relay that ends and starts calls
 * all day stays at the memory its busiest hour needed.
 */
static void
test_relay_pool_packs_and_reuses(void)
{
	enum { N = 5000 };
	static struct relay_session	*s[N];
	struct relay_pool		 p;
	size_t				 stride, i, side_by_side = 0;
	unsigned			 slabs;

	stride = (sizeof(struct relay_session) + 63) & ~(size_t)63;
	relay_pool_init(&p);
	for (i = 0; i < N; i++) {
		s[i] = relay_pool_get(&p);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s[i]);
		CU_ASSERT(((uintptr_t)s[i] & 63) == 0);
		CU_ASSERT(s[i]->id == 0 && s[i]->next == NULL);
		if (i > 0 && (char *)s[i] - (char *)s[i - 1] == (ptrdiff_t)stride)
			side_by_side++;
		s[i]->id = (uint32_t)i + 1;
		s[i]->leg[1].peer_rtp_len = 16;
	}
	/* All but the first of each slab follow the one before. */
	CU_ASSERT(side_by_side >= N - 10);
	slabs = p.n_slabs;
	CU_ASSERT(slabs >= 2);
	for (i = 0; i < N; i++)
		relay_pool_put(&p, s[i]);
	for (i = 0; i < N; i++) {
		s[i] = relay_pool_get(&p);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s[i]);
		CU_ASSERT(s[i]->id == 0 && s[i]->leg[1].peer_rtp_len == 0);
	}
	CU_ASSERT_EQUAL(p.n_slabs, slabs);
	relay_pool_fini(&p);
}

void
test_relay_register(void)
{
	CU_pSuite	e = unit_suite("relay_epoll");
	CU_pSuite	u = unit_suite("relay_io_uring");

	UNIT_TEST(e, test_relay_plain_rtp_epoll);
	UNIT_TEST(e, test_relay_plain_rtp_epoll_single);
	UNIT_TEST(e, test_relay_plain_bleed_epoll);
	UNIT_TEST(e, test_relay_srtp_rekeyed_epoll);
	UNIT_TEST(e, test_relay_srtp_rekeyed_epoll_single);
	UNIT_TEST(e, test_relay_relatch_epoll);
	UNIT_TEST(e, test_relay_wrap_rekey_epoll);
	UNIT_TEST(e, test_relay_rtcp_epoll);
	UNIT_TEST(e, test_relay_ports_epoll);
	UNIT_TEST(e, test_relay_timeout_epoll);
	UNIT_TEST(e, test_relay_timeout_many_epoll);
	UNIT_TEST(e, test_relay_plain_udp_epoll);
	UNIT_TEST(e, test_relay_burst_epoll);
	UNIT_TEST(e, test_relay_wsh_epoll);
	UNIT_TEST(e, test_relay_update_storm_epoll);
	UNIT_TEST(e, test_relay_refuses_bad_key_without_showing_it);
	UNIT_TEST(e, test_relay_pool_packs_and_reuses);
	UNIT_TEST(u, test_relay_plain_rtp_io_uring);
	UNIT_TEST(u, test_relay_plain_bleed_io_uring);
	UNIT_TEST(u, test_relay_srtp_rekeyed_io_uring);
	UNIT_TEST(u, test_relay_relatch_io_uring);
	UNIT_TEST(u, test_relay_wrap_rekey_io_uring);
	UNIT_TEST(u, test_relay_rtcp_io_uring);
	UNIT_TEST(u, test_relay_ports_io_uring);
	UNIT_TEST(u, test_relay_timeout_io_uring);
	UNIT_TEST(u, test_relay_timeout_many_io_uring);
	UNIT_TEST(u, test_relay_plain_udp_io_uring);
	UNIT_TEST(u, test_relay_burst_io_uring);
	UNIT_TEST(u, test_relay_wsh_io_uring);
	UNIT_TEST(u, test_relay_update_storm_io_uring);
}
