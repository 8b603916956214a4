/* util.h: allocation that cannot fail, and small string and address helpers. */
#ifndef SIPEDGE_UTIL_H
#define SIPEDGE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...) __attribute__((format(printf, 2, 3)));

char	*str_trim(char *);
char	*path_resolve(const char *base_file, const char *path);
char	*path_dirname(const char *);

/*
 * Split "HOST[:PORT]", "[V6]:PORT" or a bare IPv6 address. host receives
 * the host without brackets; *port is 0 when none was given. Returns -1 on
 * malformed input with a static reason in *why.
 */
int	 hostport_split(const char *, char *host, size_t hostlen,
	    uint16_t *port, const char **why);
/* Parse a numeric IPv4/IPv6 address and port into a sockaddr. */
int	 sockaddr_from(const char *host, uint16_t port,
	    struct sockaddr_storage *, socklen_t *);
/*
 * An SDP connection address (numeric; a name is none) with port: an
 * IPv4-mapped IPv6 address becomes IPv4 (RFC 3266 §5). Returns the
 * family or 0; *hold: it is 0.0.0.0 or ::, an RFC 2543 hold.
 */
int	 sockaddr_sdp(const char *host, uint16_t port,
	    struct sockaddr_storage *, bool *hold);
/* Seconds and milliseconds on the monotonic clock (timeouts, ages). */
time_t	 mono_seconds(void);
uint64_t mono_ms(void);

/* Print a sockaddr as "1.2.3.4:5" or "[::1]:5". */
const char *sockaddr_str(const struct sockaddr *, char *, size_t);

#endif
