/*
 * ctl_client.c: one request over the control socket, blocking, with a
 * timeout on every read and write so a wedged daemon cannot hang a shell
 * script or a monitoring check.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_client.h"
#include "ctl_proto.h"
#include "util.h"

/* What to suggest when connect() fails with err. */
static const char *
ctl_client_hint(int err)
{
	switch (err) {
	case EACCES:
	case EPERM:
		return "do you have permission to use it?";
	case EAGAIN:
		return "is sipedged busy?";
	default:
		return "is sipedged running?";
	}
}

/* Connect to the socket with read and write timeouts set. */
static int
ctl_client_connect(const char *path, char **error)
{
	struct sockaddr_un	sun;
	struct timeval		tv = { CTL_CLIENT_TIMEOUT, 0 };
	int			fd, err;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (*path == '\0') {
		*error = xstrdup("control socket path is empty");
		return -1;
	}
	if (strlen(path) >= sizeof(sun.sun_path)) {
		xasprintf(error, "control socket path too long: %s", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		xasprintf(error, "socket: %s", strerror(errno));
		return -1;
	}
	/* SO_SNDTIMEO also bounds connect() when the backlog is full. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		err = errno;
		xasprintf(error, "cannot connect to %s: %s (%s)", path,
		    strerror(err), ctl_client_hint(err));
		close(fd);
		return -1;
	}
	return fd;
}

/* The request line for argv, as ctl_proto.h describes it. */
static char *
ctl_client_request(int argc, char **argv, char **error)
{
	json_t	*jargv, *req, *arg;
	char	*text, *line;
	int	 i;

	if (argc < 1 || argc > CTL_MAX_ARGS) {
		xasprintf(error, "between 1 and %d words make a request",
		    CTL_MAX_ARGS);
		return NULL;
	}
	jargv = json_array();
	for (i = 0; i < argc; i++) {
		if ((arg = json_string(argv[i])) == NULL) {
			xasprintf(error, "argument %d is not valid UTF-8", i);
			json_decref(jargv);
			return NULL;
		}
		json_array_append_new(jargv, arg);
	}
	req = json_pack("{s:i, s:o}", "version", CTL_PROTO_VERSION, "argv",
	    jargv);
	text = json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(req);
	if (text == NULL) {
		*error = xstrdup("cannot encode the request");
		return NULL;
	}
	xasprintf(&line, "%s\n", text);
	free(text);
	if (strlen(line) > CTL_MAX_REQUEST) {
		xasprintf(error, "request too long (at most %d bytes)",
		    CTL_MAX_REQUEST);
		free(line);
		return NULL;
	}
	return line;
}

/*
 * Write the request. A daemon that refuses us (over quota) answers and
 * closes without reading, so a broken pipe is not an error here: the
 * answer is waiting to be read.
 */
static int
ctl_client_send(int fd, const char *path, const char *line, char **error)
{
	size_t	len = strlen(line), off = 0;
	ssize_t	n;

	while (off < len) {
		n = send(fd, line + off, len - off, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EPIPE || errno == ECONNRESET))
			return 0;
		if (n == -1) {
			xasprintf(error, "sending to %s: %s", path,
			    errno == EAGAIN ? "timed out" : strerror(errno));
			return CTL_CLIENT_UNREACHABLE;
		}
		off += (size_t)n;
	}
	return 0;
}

/* Read until the daemon closes, at most CTL_MAX_REPLY bytes. */
static int
ctl_client_recv(int fd, const char *path, char **buf, size_t *len,
    char **error)
{
	size_t	size = 4096;
	ssize_t	n;

	*len = 0;
	*buf = xmalloc(size);
	for (;;) {
		if (*len == size) {
			if (size >= CTL_MAX_REPLY) {
				xasprintf(error, "reply from %s larger than "
				    "%u bytes", path, CTL_MAX_REPLY);
				return CTL_CLIENT_PROTOCOL;
			}
			size *= 2;
			*buf = xreallocarray(*buf, 1, size);
		}
		n = recv(fd, *buf + *len, size - *len, 0);
		if (n == 0 || (n == -1 && errno == ECONNRESET && *len > 0))
			return 0;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			xasprintf(error, "no reply from sipedged on %s within "
			    "%d seconds", path, CTL_CLIENT_TIMEOUT);
			return CTL_CLIENT_UNREACHABLE;
		}
		if (n == -1) {
			xasprintf(error, "reading from %s: %s", path,
			    strerror(errno));
			return CTL_CLIENT_PROTOCOL;
		}
		*len += (size_t)n;
	}
}

/* Check the envelope's shape; see ctl_proto.h. */
static int
ctl_client_check(json_t *reply, char **error)
{
	json_t		*version, *ok, *msg;
	json_int_t	 v;

	if (!json_is_object(reply)) {
		*error = xstrdup("malformed reply from sipedged: not an object");
		return -1;
	}
	version = json_object_get(reply, "version");
	ok = json_object_get(reply, "ok");
	msg = json_object_get(reply, "error");
	v = json_is_integer(version) ? json_integer_value(version) : -1;
	if (v != CTL_PROTO_VERSION) {
		xasprintf(error, "sipedged speaks control protocol %"
		    JSON_INTEGER_FORMAT ", sipedgectl speaks %d%s%s", v,
		    CTL_PROTO_VERSION, json_is_string(msg) ? ": " : "",
		    json_is_string(msg) ? json_string_value(msg) : "");
		return -1;
	}
	if (!json_is_boolean(ok) ||
	    (json_is_true(ok) && !json_is_object(json_object_get(reply,
	    "result"))) || (json_is_false(ok) && !json_is_string(msg))) {
		*error = xstrdup("malformed reply from sipedged: no \"ok\" "
		    "with a \"result\" or an \"error\"");
		return -1;
	}
	return 0;
}

/* Turn the bytes read into a checked envelope. */
static int
ctl_client_parse(const char *buf, size_t len, json_t **reply, char **error)
{
	json_error_t	jerr;

	if (len == 0) {
		*error = xstrdup("sipedged closed the connection without "
		    "answering");
		return CTL_CLIENT_PROTOCOL;
	}
	if ((*reply = json_loadb(buf, len, 0, &jerr)) == NULL) {
		xasprintf(error, "malformed reply from sipedged: %s",
		    jerr.text);
		return CTL_CLIENT_PROTOCOL;
	}
	if (ctl_client_check(*reply, error) == -1) {
		json_decref(*reply);
		*reply = NULL;
		return CTL_CLIENT_PROTOCOL;
	}
	return 0;
}

/* Send argv, return the daemon's envelope; see ctl_client.h. */
int
ctl_client_call(const char *socket_path, int argc, char **argv,
    json_t **reply, char **error)
{
	char	*line, *buf = NULL;
	size_t	 len;
	int	 fd, rc;

	*reply = NULL;
	*error = NULL;
	if ((line = ctl_client_request(argc, argv, error)) == NULL)
		return CTL_CLIENT_PROTOCOL;
	if ((fd = ctl_client_connect(socket_path, error)) == -1) {
		free(line);
		return CTL_CLIENT_UNREACHABLE;
	}
	rc = ctl_client_send(fd, socket_path, line, error);
	if (rc == 0)
		rc = ctl_client_recv(fd, socket_path, &buf, &len, error);
	if (rc == 0)
		rc = ctl_client_parse(buf, len, reply, error);
	close(fd);
	free(buf);
	free(line);
	return rc;
}
