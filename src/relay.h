/*
 * relay.h: the media relay. Relay threads ([media] threads) each own the
 * UDP sockets, the io_uring or epoll set and the sessions handed to them;
 * a packet received on one leg of a session is unprotected with that
 * leg's inbound SRTP context, protected with the other leg's outbound
 * context and sent from the other leg's socket to where that leg's peer
 * was last seen sending authenticated packets (symmetric latching).
 *
 * Everything here is called from one thread, the proxy thread. It never
 * touches a session a relay thread owns except through a command queue
 * (one single-producer single-consumer ring and an eventfd per thread);
 * what the threads have to say (a media timeout, a new latch) comes back
 * through a queue the proxy thread drains when relay_result_fd() is
 * readable. Counters are read with relaxed atomics, never locked.
 *
 * The packet path takes no lock, allocates nothing and logs nothing;
 * libsrtp2 itself allocates once per new SSRC (its stream templates).
 * Keys and salts given here are copied only into libsrtp2 and wiped
 * everywhere else (OPENSSL_cleanse); they never reach a log or a reason.
 */
#ifndef SIPEDGE_RELAY_H
#define SIPEDGE_RELAY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct config_media;
struct relay;

/* The two legs of a session. */
#define RELAY_LEG_A		0	/* phone side, bound on phone_address */
#define RELAY_LEG_B		1	/* carrier side, on carrier_address */

/* How the relay threads wait for and move packets; chosen once at start. */
enum relay_io {
	RELAY_IO_AUTO = 0,	/* io_uring where it works, else epoll */
	RELAY_IO_URING,		/* multishot recvmsg, batched sendmsg */
	RELAY_IO_EPOLL,		/* epoll with recvmmsg/sendmmsg */
	RELAY_IO_EPOLL_SINGLE,	/* epoll, one recvmsg/sendmsg per packet */
};

/* SDES suites the relay can key (RFC 4568, RFC 6188, RFC 7714). */
enum relay_suite {
	RELAY_SUITE_NONE = 0,	/* plain RTP: no context */
	RELAY_SUITE_AES_CM_128_HMAC_SHA1_80,
	RELAY_SUITE_AES_CM_128_HMAC_SHA1_32,
	RELAY_SUITE_AES_256_CM_HMAC_SHA1_80,
	RELAY_SUITE_AES_256_CM_HMAC_SHA1_32,
	RELAY_SUITE_AEAD_AES_128_GCM,
	RELAY_SUITE_AEAD_AES_256_GCM,
};

/* Session parameters of the accepted crypto line (RFC 4568 §6.3.2). */
#define RELAY_CRYPTO_UNENCRYPTED_SRTP		0x01
#define RELAY_CRYPTO_UNENCRYPTED_SRTCP		0x02
#define RELAY_CRYPTO_UNAUTHENTICATED_SRTP	0x04
/*
 * Inbound only: plain RTCP that arrives where SRTCP was negotiated and
 * not signalled (Cisco SPA) is relayed (protected for the other leg)
 * instead of dropped. It is counted either way and never moves a latch.
 */
#define RELAY_CRYPTO_LENIENT_SRTCP		0x08

#define RELAY_KEY_MAX		46	/* AES-256 key and 112-bit salt */

/*
 * The replay window of a context, in packets: RELAY_WINDOW unless a
 * crypto line's WSH asks for more (RFC 4568 §6.3.7, a hint), up to
 * RELAY_WINDOW_MAX (1.4 s of 3,000 packets/s video; the window's bit
 * vector is shifted on every packet, so a peer cannot make it cost more).
 */
#define RELAY_WINDOW		128
#define RELAY_WINDOW_MAX	4096

/*
 * One SRTP master key and salt, concatenated as in SDES inline keys:
 * key_len must be 30 (AES_CM_128), 46 (AES_256_CM), 28 (AEAD_AES_128_GCM)
 * or 44 (AEAD_AES_256_GCM). The relay wipes its own copies; the caller
 * wipes this struct.
 */
struct relay_crypto {
	enum relay_suite	 suite;
	unsigned char		 key[RELAY_KEY_MAX];
	size_t			 key_len;
	unsigned		 flags;		/* RELAY_CRYPTO_* */
	/*
	 * The replay window asked for, 0: RELAY_WINDOW; clamped to
	 * RELAY_WINDOW..RELAY_WINDOW_MAX. The relay forwards sequence
	 * numbers as they came, so a leg's outbound context needs the
	 * window of the other leg's inbound one: proxy_media gives all
	 * four contexts of a stream the same. A kept key (the same key
	 * again) keeps the window its context was made with.
	 */
	unsigned		 window;
};

/* Leg flags. */
#define RELAY_LEG_RTCP_MUX	0x01	/* RTCP on the RTP port (RFC 5761) */
#define RELAY_LEG_PLAIN_UDP	0x02	/* not RTP (T.38 udptl): no parsing */

/*
 * One leg as the SDP describes it. A peer with family AF_UNSPEC or port 0
 * is not known yet: the leg latches to the first packet it receives. An
 * unknown rtcp_peer is the RTP peer's port + 1 (RFC 3605), or the RTP
 * peer itself with rtcp-mux.
 */
struct relay_leg_spec {
	struct sockaddr_storage	 rtp_peer;
	struct sockaddr_storage	 rtcp_peer;
	struct relay_crypto	 in;	/* the peer's key: what arrives */
	struct relay_crypto	 out;	/* our key: what the leg sends */
	unsigned		 flags;	/* RELAY_LEG_* */
};

/* Both legs of a new session, indexed by RELAY_LEG_A and RELAY_LEG_B. */
struct relay_session_spec {
	struct relay_leg_spec	 leg[2];
};

/* What relay_session_new() allocated: put these ports into the SDP. */
struct relay_session_info {
	uint32_t		 id;
	uint16_t		 rtp_port[2];
	uint16_t		 rtcp_port[2];	/* rtp_port[i] with rtcp-mux */
};

/* What a relay_leg_update changes; the rest of the leg stays. */
#define RELAY_UPD_PEER		0x01	/* rtp_peer and rtcp_peer */
#define RELAY_UPD_CRYPTO_IN	0x02	/* in */
#define RELAY_UPD_CRYPTO_OUT	0x04	/* out */
#define RELAY_UPD_FLAGS		0x08	/* flags (rtcp-mux, plain udp) */

/*
 * A re-INVITE, UPDATE or late answer for one leg. A key that equals the
 * one in use keeps its context and rollover counter (RFC 3711 §3.3.1); a
 * different one gets a new context, and the old inbound context still
 * decrypts for RELAY_REKEY_WINDOW_MS so that packets in flight survive.
 */
struct relay_leg_update {
	unsigned		 what;		/* RELAY_UPD_* */
	struct sockaddr_storage	 rtp_peer;
	struct sockaddr_storage	 rtcp_peer;
	struct relay_crypto	 in;
	struct relay_crypto	 out;
	unsigned		 flags;
};

struct relay_session_update {
	struct relay_leg_update	 leg[2];
};

#define RELAY_REKEY_WINDOW_MS	2000
#define RELAY_QUARANTINE_MS	4000	/* a freed port waits this long */

/* Counters of one leg; "in" is what its peer sent, "out" what it got. */
struct relay_leg_stats {
	uint64_t		 packets_in;
	uint64_t		 bytes_in;
	uint64_t		 packets_out;
	uint64_t		 bytes_out;
	uint64_t		 srtp_failures;	/* failed authentication */
	uint64_t		 replays;	/* replayed or too old */
	uint64_t		 plain_srtcp;	/* unsignalled plain RTCP */
	uint64_t		 drops;		/* malformed, no peer, send */
	uint64_t		 last_packet_ms; /* ago; UINT64_MAX: none */
	struct sockaddr_storage	 local;		/* our RTP address */
	struct sockaddr_storage	 remote;	/* the peer's RTP address */
	enum relay_suite	 suite_in;
	enum relay_suite	 suite_out;
};

struct relay_session_stats {
	uint32_t		 id;
	unsigned		 thread;
	struct relay_leg_stats	 leg[2];
};

/* The whole relay, for "sipedgectl media". */
struct relay_stats {
	const char		*io;		/* "io_uring", "epoll", ... */
	unsigned		 ports_in_use;
	unsigned		 ports_total;
	unsigned		 ports_quarantined;
	unsigned		 sessions;
	unsigned		 threads;
	uint64_t		 packets_relayed;
	uint64_t		 srtp_failures;
};

struct relay_thread_stats {
	unsigned		 id;
	unsigned		 sessions;
	uint64_t		 packets;	/* relayed (sent) by it */
};

/* What a relay thread reports to the proxy thread. */
enum relay_result_kind {
	RELAY_RESULT_TIMEOUT,		/* no packets for [media] timeout */
	RELAY_RESULT_LATCHED,		/* a leg's peer moved to addr */
	RELAY_RESULT_PLAIN_SRTCP,	/* first unsignalled plain RTCP */
	RELAY_RESULT_NO_CONTEXT,	/* a leg's key got no SRTP context */
};

struct relay_result {
	enum relay_result_kind	 kind;
	uint32_t		 session;
	int			 leg;		/* RELAY_LEG_*, or -1 */
	struct sockaddr_storage	 addr;		/* LATCHED: the new peer */
	const char		*text;		/* a line fit for a log */
};

typedef void relay_result_cb(const struct relay_result *, void *);

/* Options of relay_new_opts(); zero means the default. */
struct relay_opts {
	enum relay_io		 io;
	unsigned		 quarantine_ms;
	unsigned		 uring_buffers;	/* per thread, 8..2048, 2^n */
};

/*
 * Start cf->threads relay threads. The I/O method is io_uring where a
 * probe at start shows multishot recvmsg with provided buffers working,
 * else epoll; the environment variable SIPEDGE_RELAY_IO (io_uring,
 * epoll, epoll-single) forces one. Logs the choice and why at notice.
 * Calls srtp_init(). Returns NULL with a reason in why on failure.
 */
struct relay	*relay_new(const struct config_media *, char *why, size_t);
/* The same with explicit options (tests, the benchmark). */
struct relay	*relay_new_opts(const struct config_media *,
		    const struct relay_opts *, char *why, size_t);
/* A reloaded [media] timeout: the threads use it from their next tick. */
void		 relay_set_timeout(struct relay *, unsigned seconds);
/* Stop the threads, close every socket and free every session. */
void		 relay_free(struct relay *);
/* The I/O method in use: "io_uring", "epoll" or "epoll-single". */
const char	*relay_io_name(const struct relay *);

/*
 * Allocate a port pair per leg (bound, non-blocking, DSCP set), build the
 * SRTP contexts and hand the session to the least loaded thread. Returns
 * 0 and fills *info, -1 with a reason on a bad spec or a failed socket,
 * or RELAY_ERR_PORTS when the range is exhausted (answer 503).
 */
#define RELAY_ERR_PORTS		(-2)
int		 relay_session_new(struct relay *,
		    const struct relay_session_spec *,
		    struct relay_session_info *, char *why, size_t);
/*
 * Change a session's peers, keys or flags per leg (see relay_leg_update).
 * Returns -1 with a reason for an unknown id or a bad key; the session
 * then stays as it was.
 */
int		 relay_session_update(struct relay *, uint32_t id,
		    const struct relay_session_update *, char *why, size_t);
/* End a session; its ports go to quarantine. Unknown ids are ignored. */
void		 relay_session_free(struct relay *, uint32_t id);
/* Counters and addresses of one session; -1 for an unknown id. */
int		 relay_session_stats(struct relay *, uint32_t id,
		    struct relay_session_stats *);
/* Totals over every session and thread. */
void		 relay_stats(struct relay *, struct relay_stats *);
/* One relay thread's counters, i below relay_stats().threads. */
int		 relay_thread_stats(struct relay *, unsigned i,
		    struct relay_thread_stats *);
/* Commands sent to the threads that they have not applied yet. */
size_t		 relay_commands_pending(struct relay *);

/* An fd that is readable when results wait; register it with libevent. */
int		 relay_result_fd(const struct relay *);
/* Hand every waiting result to cb, on the calling (proxy) thread. */
void		 relay_results_drain(struct relay *, relay_result_cb *, void *);

/* The name of a suite as SDES spells it, "none" for plain RTP. */
const char	*relay_suite_name(enum relay_suite);
/* The key||salt length a suite needs, 0 for RELAY_SUITE_NONE. */
size_t		 relay_suite_key_len(enum relay_suite);

#endif
