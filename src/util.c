/* util.c: allocation wrappers and small parsing helpers shared by modules. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "util.h"

/* malloc that treats exhaustion as fatal: a daemon cannot go on without it. */
void *
xmalloc(size_t n)
{
	void	*p = malloc(n == 0 ? 1 : n);

	if (p == NULL)
		fatal("xmalloc: %zu bytes: out of memory", n);
	return p;
}

/* calloc counterpart of xmalloc. */
void *
xcalloc(size_t nmemb, size_t size)
{
	void	*p = calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size);

	if (p == NULL)
		fatal("xcalloc: out of memory");
	return p;
}

/* reallocarray that checks overflow and exhaustion. */
void *
xreallocarray(void *old, size_t nmemb, size_t size)
{
	void	*p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		fatal("xreallocarray: overflow");
	p = realloc(old, nmemb * size == 0 ? 1 : nmemb * size);
	if (p == NULL)
		fatal("xreallocarray: out of memory");
	return p;
}

/* strdup that cannot fail. */
char *
xstrdup(const char *s)
{
	char	*p = strdup(s);

	if (p == NULL)
		fatal("xstrdup: out of memory");
	return p;
}

/* strndup that cannot fail. */
char *
xstrndup(const char *s, size_t n)
{
	char	*p = strndup(s, n);

	if (p == NULL)
		fatal("xstrndup: out of memory");
	return p;
}

/* asprintf that cannot fail. */
int
xasprintf(char **out, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vasprintf(out, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("xasprintf: out of memory");
	return n;
}

/* Strip leading and trailing white space in place. */
char *
str_trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* The directory part of a path ("." when there is none). */
char *
path_dirname(const char *path)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, slash - path);
}

/* Resolve path against the directory of base_file unless it is absolute. */
char *
path_resolve(const char *base_file, const char *path)
{
	char	*dir, *out;

	if (path[0] == '/' || base_file == NULL)
		return xstrdup(path);
	dir = path_dirname(base_file);
	xasprintf(&out, "%s/%s", dir, path);
	free(dir);
	return out;
}

/* Parse a decimal port; 1-65535 only. */
static int
port_parse(const char *s, uint16_t *port)
{
	char		*end;
	unsigned long	 v;

	if (*s == '\0' || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int
hostport_split(const char *in, char *host, size_t hostlen, uint16_t *port,
    const char **why)
{
	const char	*colon, *close;
	size_t		 n;

	*port = 0;
	*why = NULL;
	if (*in == '\0') {
		*why = "empty address";
		return -1;
	}
	if (*in == '[') {
		close = strchr(in, ']');
		if (close == NULL) {
			*why = "missing ']' after IPv6 address";
			return -1;
		}
		n = close - in - 1;
		if (close[1] == ':') {
			if (port_parse(close + 2, port) == -1) {
				*why = "port must be 1-65535";
				return -1;
			}
		} else if (close[1] != '\0') {
			*why = "unexpected text after ']'";
			return -1;
		}
		in++;
	} else {
		colon = strchr(in, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			/* A bare IPv6 address: no port possible. */
			n = strlen(in);
		} else if (colon != NULL) {
			n = colon - in;
			if (port_parse(colon + 1, port) == -1) {
				*why = "port must be 1-65535";
				return -1;
			}
		} else
			n = strlen(in);
	}
	if (n == 0) {
		*why = "empty host";
		return -1;
	}
	if (n >= hostlen) {
		*why = "host name too long";
		return -1;
	}
	memcpy(host, in, n);
	host[n] = '\0';
	return 0;
}

int
sockaddr_from(const char *host, uint16_t port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

int
sockaddr_sdp(const char *host, uint16_t port, struct sockaddr_storage *ss,
    bool *hold)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	struct in_addr		 v4;
	socklen_t		 len;

	*hold = false;
	if (sockaddr_from(host, port, ss, &len) == -1)
		return 0;
	if (ss->ss_family == AF_INET6) {
		if (!IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			*hold = IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
			return AF_INET6;
		}
		memcpy(&v4, &sin6->sin6_addr.s6_addr[12], sizeof(v4));
		memset(ss, 0, sizeof(*ss));
		sin->sin_family = AF_INET;
		sin->sin_addr = v4;
		sin->sin_port = htons(port);
	}
	*hold = sin->sin_addr.s_addr == htonl(INADDR_ANY);
	return AF_INET;
}

const char *
sockaddr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char	addr[INET6_ADDRSTRLEN];

	switch (sa->sa_family) {
	case AF_INET: {
		const struct sockaddr_in *sin = (const void *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
		snprintf(buf, len, "%s:%u", addr, ntohs(sin->sin_port));
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr));
		snprintf(buf, len, "[%s]:%u", addr, ntohs(sin6->sin6_port));
		break;
	}
	case AF_UNIX:
		snprintf(buf, len, "unix");
		break;
	default:
		snprintf(buf, len, "?");
		break;
	}
	return buf;
}

/* Seconds on the monotonic clock. */
time_t
mono_seconds(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Milliseconds on the monotonic clock. */
uint64_t
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
