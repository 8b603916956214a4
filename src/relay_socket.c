/*
 * relay_socket.c: one media socket: UDP, bound to the leg's address and a
 * port from the range, non-blocking, marked with [media] dscp. Opened on
 * the proxy thread and then owned by a relay thread.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/ip.h>

#include "relay_int.h"

/* The bound socket, or -1 with errno in *err (EADDRINUSE: try another). */
int
relay_socket_open(const struct sockaddr_storage *addr, uint16_t port,
    int dscp, int *err)
{
	struct sockaddr_storage	 ss = *addr;
	socklen_t		 len;
	int			 fd, tos = dscp << 2, lvl, opt;

	if (ss.ss_family == AF_INET6) {
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		len = sizeof(struct sockaddr_in6);
		lvl = IPPROTO_IPV6;
		opt = IPV6_TCLASS;
	} else {
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
		len = sizeof(struct sockaddr_in);
		lvl = IPPROTO_IP;
		opt = IP_TOS;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		*err = errno;
		return -1;
	}
	if (setsockopt(fd, lvl, opt, &tos, sizeof(tos)) == -1 ||
	    bind(fd, (struct sockaddr *)&ss, len) == -1) {
		*err = errno;
		close(fd);
		return -1;
	}
	return fd;
}
