/*
 * bench_util.h: what the benchmark programs (relay_io, media_gen,
 * relay_host) share: clocks, pinning, the file limit, loopback sockets.
 */
#ifndef SIPEDGE_BENCH_UTIL_H
#define SIPEDGE_BENCH_UTIL_H

#include <stdint.h>
#include <time.h>

/* Nanoseconds on the monotonic clock. */
uint64_t	bench_now_ns(void);
/* CPU time of a clock (thread or process), in seconds. */
double		bench_cpu_s(clockid_t);
/* Pin the calling thread (and threads it makes later) to one CPU. */
void		bench_pin(const char *prog, int cpu);
/* Raise RLIMIT_NOFILE to its hard limit: thousands of relay sockets. */
void		bench_nofile_max(void);
/*
 * A UDP socket bound on 127.0.0.1 with send and receive buffers of bytes
 * (forced past rmem_max where allowed); its port in *port, or -1.
 */
int		bench_udp_sock(uint16_t *port, int bytes);

#endif
