/*
 * relay_int.h: what the relay's files share: the sessions a relay thread
 * owns, its queues, the per-packet step and the I/O backends' table.
 * Nothing outside src/relay*.c, the relay unit test and fuzz_relay_packet
 * includes it.
 */
#ifndef SIPEDGE_RELAY_INT_H
#define SIPEDGE_RELAY_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <srtp2/srtp.h>
#include <uthash.h>

#include "relay.h"

/*
 * One datagram buffer: the largest packet relayed plus what protecting it
 * may add (SRTP_MAX_TRAILER_LEN) and io_uring's recvmsg header and source
 * address in front of it.
 */
#define RELAY_BUF_SIZE		2048
#define RELAY_PKT_MAX		1500
#define RELAY_TICK_MS		10	/* timeouts and re-key windows */
#define RELAY_TICK_SLICES	10	/* a tenth of the sessions a tick */
#define RELAY_IDLE_MS		1000	/* the longest wait without sessions */
/*
 * A plain leg's packets prove nothing about their source: one from a new
 * address moves the latch only when the latched peer has sent nothing
 * for this long (a roaming phone), never while it is live (RTP bleed).
 */
#define RELAY_PLAIN_RELATCH_MS	2000
#define RELAY_QUEUE_LEN		1024	/* commands or results per thread */

/*
 * A lock-free ring with one producer and one consumer, of fixed-size
 * elements. The producer owns tail, the consumer head; each publishes
 * with release and reads the other's with acquire.
 */
struct relay_queue {
	_Atomic size_t		 head;
	char			 pad0[64 - sizeof(size_t)];
	_Atomic size_t		 tail;
	char			 pad1[64 - sizeof(size_t)];
	size_t			 mask;
	size_t			 elem;
	unsigned char		*slots;
};

int	 relay_queue_init(struct relay_queue *, size_t len, size_t elem);
void	 relay_queue_fini(struct relay_queue *);
bool	 relay_queue_push(struct relay_queue *, const void *);
bool	 relay_queue_pop(struct relay_queue *, void *);
size_t	 relay_queue_count(struct relay_queue *);

/* A relay thread's counter: one writer, relaxed, no lock prefix. */
static inline void
relay_ctr_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c,
	    memory_order_relaxed) + n, memory_order_relaxed);
}

static inline uint64_t
relay_ctr_get(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

struct relay_session;
struct relay_thread;

/* One socket of a leg; the I/O backend finds it by slot and generation. */
struct relay_sock {
	int			 fd;
	uint8_t			 leg;		/* RELAY_LEG_* */
	uint8_t			 rtcp;		/* the RTCP port (port + 1) */
	uint8_t			 armed;		/* io_uring: receive armed */
	uint8_t			 rearm;		/* io_uring: re-arm pending */
	uint32_t		 slot;
	uint32_t		 gen;
	struct relay_session	*sess;
};

/* A leg's counters, written by its thread, read by the proxy thread. */
struct relay_leg_ctr {
	_Atomic uint64_t	 packets_in;
	_Atomic uint64_t	 bytes_in;
	_Atomic uint64_t	 packets_out;
	_Atomic uint64_t	 bytes_out;
	_Atomic uint64_t	 auth_fail;
	_Atomic uint64_t	 replay;
	_Atomic uint64_t	 plain_srtcp;
	_Atomic uint64_t	 drops;
	_Atomic uint64_t	 last_ms;	/* mono_ms of the last, or 0 */
};

/* One leg: its two sockets, where its peer is, and its contexts. */
struct relay_leg {
	struct relay_sock	 rtp;
	struct relay_sock	 rtcp;
	struct sockaddr_storage	 peer_rtp;
	struct sockaddr_storage	 peer_rtcp;
	socklen_t		 peer_rtp_len;	/* 0: not known yet */
	socklen_t		 peer_rtcp_len;
	bool			 rtcp_peer_given; /* else follows RTP's */
	/* mono_ms of the last packet from each peer; 0: none since set. */
	uint64_t		 peer_rtp_ms;
	uint64_t		 peer_rtcp_ms;
	unsigned		 flags;		/* RELAY_LEG_* */
	unsigned		 in_flags;	/* RELAY_CRYPTO_* of in */
	srtp_t			 in;		/* NULL: plain */
	srtp_t			 out;
	srtp_t			 in_old;	/* the key before a re-key */
	uint64_t		 in_old_until;	/* mono_ms */
	bool			 plain_srtcp_said;
	bool			 no_context;	/* a key without a context */
	struct relay_leg_ctr	 ctr;
};

/* A session as its relay thread owns it. */
struct relay_session {
	uint32_t		 id;
	struct relay_leg	 leg[2];
	uint64_t		 start_ms;	/* mono_ms of its ADD */
	bool			 timeout_said;
	struct relay_session	*prev;
	struct relay_session	*next;
};

/*
 * A change for one leg, or a new session's keys, built on the proxy
 * thread. The keys travel to the relay thread, which builds their
 * contexts itself: libsrtp2's allocations then come from that thread's
 * malloc arena, packed together, not scattered among the proxy's SIP
 * state (one call's SIP state is three times its relay state). The
 * relay thread wipes the keys and frees the update.
 */
struct relay_upd_leg {
	unsigned		 what;		/* RELAY_UPD_* */
	struct sockaddr_storage	 rtp_peer;
	struct sockaddr_storage	 rtcp_peer;
	struct relay_crypto	 in;		/* CRYPTO_IN: a new key */
	unsigned		 in_flags;
	struct relay_crypto	 out;		/* CRYPTO_OUT: a new key */
	unsigned		 flags;
};

struct relay_upd {
	struct relay_upd_leg	 leg[2];
};
/* Beyond relay.h's RELAY_UPD_*: the inbound flags alone changed. */
#define RELAY_UPD_IN_FLAGS	0x100

enum relay_cmd_kind {
	RELAY_CMD_ADD,
	RELAY_CMD_UPDATE,
	RELAY_CMD_FREE,
	RELAY_CMD_STOP,
};

/* What the proxy thread asks of a relay thread. */
struct relay_cmd {
	enum relay_cmd_kind	 kind;
	struct relay_session	*sess;
	struct relay_upd	*upd;		/* ADD, UPDATE: thread frees it */
};

/* What a relay thread tells the proxy thread (see struct relay_result). */
struct relay_res {
	enum relay_result_kind	 kind;
	uint32_t		 session;
	int			 leg;
	struct sockaddr_storage	 addr;
};

/*
 * An I/O backend: how a thread waits for packets and sends them. Redis
 * style, one small table per backend so that the loop, the commands and
 * the packet step are written once.
 */
struct relay_io_ops {
	const char	*name;
	/* Set up the thread's ring or epoll set, on the thread itself. */
	int		(*init)(struct relay_thread *);
	void		(*fini)(struct relay_thread *);
	/* Start or stop receiving on a socket. */
	int		(*sock_add)(struct relay_thread *, struct relay_sock *);
	void		(*sock_del)(struct relay_thread *, struct relay_sock *);
	/* Run until the thread's stop flag is set. */
	void		(*loop)(struct relay_thread *);
};

extern const struct relay_io_ops relay_io_epoll;
extern const struct relay_io_ops relay_io_epoll_single;
extern const struct relay_io_ops relay_io_uring;

/* Probe whether io_uring can run the relay here; a reason when not. */
int		 relay_uring_probe(char *why, size_t);

/* A thread's sessions, packed in slabs of their own (relay_pool.c). */
struct relay_pool {
	pthread_mutex_t		 mx;
	bool			 ready;
	struct relay_slab	*slabs;
	unsigned		 n_slabs;
	struct relay_session	*free;		/* linked by next */
};

/* One relay thread. */
struct relay_thread {
	unsigned		 id;
	pthread_t		 tid;
	const struct relay_io_ops *io;
	void			*io_state;
	struct relay_queue	 cmdq;		/* proxy -> thread */
	struct relay_queue	 resq;		/* thread -> proxy */
	int			 cmd_efd;	/* wakes the thread */
	int			 res_efd;	/* wakes the proxy, shared */
	_Atomic unsigned	 timeout_s;	/* [media] timeout; a reload
						 * stores a new one */
	unsigned		 uring_buffers;
	struct relay_session	*sessions;
	struct relay_session	*cursor;	/* where the next tick starts */
	unsigned		 live;		/* sessions in the list */
	struct relay_sock      **socks;		/* by slot */
	uint32_t		 n_socks;
	uint32_t		*free_slots;
	uint32_t		 n_free;
	uint32_t		 next_gen;
	uint64_t		 now_ms;
	uint64_t		 next_tick;
	bool			 stop;
	_Atomic int		 ready;		/* 1 running, -1 init failed */
	_Atomic uint64_t	 packets;
	_Atomic uint64_t	 cmds_done;
	uint64_t		 cmds_sent;	/* proxy thread's own */
	unsigned		 n_sessions;	/* proxy thread's own */
	struct relay_pool	 pool;
	unsigned char		 scratch[RELAY_BUF_SIZE];
};

/* The proxy thread's view of a session it handed to a thread. */
struct relay_handle {
	uint32_t		 id;
	struct relay_thread	*thread;
	struct relay_session	*sess;		/* counters only */
	uint16_t		 port[2];	/* each leg's RTP port */
	struct sockaddr_storage	 local[2];
	struct sockaddr_storage	 remote[2];
	enum relay_suite	 suite_in[2];
	enum relay_suite	 suite_out[2];
	unsigned char		 fp_in[2][32];	/* relay_crypto_fingerprint */
	unsigned char		 fp_out[2][32];
	UT_hash_handle		 hh;
};

/* The relay, owned by the proxy thread. */
struct relay {
	struct sockaddr_storage	 addr[2];	/* phone, carrier side */
	int			 dscp;
	unsigned		 timeout_s;
	unsigned		 uring_buffers;
	const struct relay_io_ops *io;
	struct relay_thread	*threads;
	unsigned		 n_threads;
	struct relay_ports	*ports;
	int			 res_efd;
	struct relay_handle	*handles;
	uint32_t		 next_id;
	unsigned		 n_sessions;
	uint64_t		 gone_auth_fail; /* of sessions freed */
};

/* Queue a command for a thread and wake it; false when its ring is full. */
bool	 relay_command(struct relay_thread *, enum relay_cmd_kind,
	    struct relay_session *, struct relay_upd *);
/*
 * The same for a command that must get through: waits for room (the
 * thread drains its ring every turn of its loop).
 */
void	 relay_command_wait(struct relay_thread *, enum relay_cmd_kind,
	    struct relay_session *, struct relay_upd *);

/* Where the packet step says a packet goes. */
struct relay_out {
	int			 fd;
	const struct sockaddr	*dst;
	socklen_t		 dstlen;
	size_t			 len;
	struct relay_leg	*leg;		/* counts what was sent */
};

/*
 * The per-packet step: classify, unprotect with the receiving leg's
 * context, latch, protect with the other leg's. buf holds len bytes and
 * has room for cap. Returns true when *out says where to send.
 */
bool	 relay_packet(struct relay_thread *, struct relay_sock *,
	    unsigned char *buf, size_t len, size_t cap,
	    const struct sockaddr *src, socklen_t srclen, struct relay_out *);
/* Count a send's outcome on the leg it left from. */
void	 relay_packet_sent(struct relay_thread *, const struct relay_out *,
	    long res);
/* RTCP on an RTP port with rtcp-mux: payload types 64..95 (RFC 5761 §4). */
bool	 relay_is_rtcp(const unsigned char *, size_t);
/* A plain RTCP compound packet whose lengths add up to the datagram. */
bool	 relay_is_plain_rtcp(const unsigned char *, size_t);

/* Session memory of a thread (relay_pool.c). */
void	 relay_pool_init(struct relay_pool *);
void	 relay_pool_fini(struct relay_pool *);
struct relay_session *relay_pool_get(struct relay_pool *);
void	 relay_pool_put(struct relay_pool *, struct relay_session *);

/* The thread's side of commands, timeouts and the socket table. */
void	 relay_thread_commands(struct relay_thread *);
void	 relay_thread_tick(struct relay_thread *);
void	 relay_thread_clock(struct relay_thread *);
int	 relay_thread_wait_ms(const struct relay_thread *);
struct relay_sock *relay_thread_sock(struct relay_thread *, uint32_t slot,
	    uint32_t gen);
bool	 relay_thread_result(struct relay_thread *, enum relay_result_kind,
	    const struct relay_session *, int leg,
	    const struct sockaddr *, socklen_t);
void	 relay_thread_free_session(struct relay_thread *,
	    struct relay_session *);
void	*relay_thread_main(void *);

/* A leg's peers from SDP (AF_UNSPEC or port 0: not known yet). */
void	 relay_leg_set_peers(struct relay_leg *,
	    const struct sockaddr_storage *rtp,
	    const struct sockaddr_storage *rtcp);
/* Wipe the keys an update carries and free it (either thread). */
void	 relay_upd_free(struct relay_upd *);
/* Drop a leg's SRTP contexts. */
void	 relay_leg_contexts_free(struct relay_leg *);

/* SRTP contexts from a relay_crypto (relay_crypto.c). */
int	 relay_crypto_check(const struct relay_crypto *, const char **why);
int	 relay_crypto_context(const struct relay_crypto *, bool inbound,
	    srtp_t *, const char **why);
int	 relay_crypto_fingerprint(const struct relay_crypto *,
	    unsigned char out[32]);

/* Port pairs from the range, with a quarantine (relay_ports.c). */
struct relay_ports;
struct relay_ports *relay_ports_new(uint16_t min, uint16_t max,
	    unsigned quarantine_ms);
void	 relay_ports_free(struct relay_ports *);
/* A free pair's RTP port (even), or 0 when none is free. */
uint16_t relay_ports_get(struct relay_ports *, uint64_t now_ms);
void	 relay_ports_put(struct relay_ports *, uint16_t, uint64_t now_ms);
void	 relay_ports_counts(struct relay_ports *, uint64_t now_ms,
	    unsigned *in_use, unsigned *total, unsigned *quarantined);

/* A bound, non-blocking UDP socket with DSCP set (relay_socket.c). */
int	 relay_socket_open(const struct sockaddr_storage *, uint16_t port,
	    int dscp, int *err);

#endif
