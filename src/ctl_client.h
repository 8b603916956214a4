/*
 * ctl_client.h: the client end of the control socket, as sipedgectl and
 * the tests use it: send one argv, get one reply envelope back.
 */
#ifndef SIPEDGE_CTL_CLIENT_H
#define SIPEDGE_CTL_CLIENT_H

#include <jansson.h>

#define CTL_CLIENT_TIMEOUT	5	/* seconds for any one read or write */

/* What ctl_client_call returns besides 0. */
#define CTL_CLIENT_UNREACHABLE	-1	/* no daemon answered on the socket */
#define CTL_CLIENT_PROTOCOL	-2	/* it answered with something unusable */

/*
 * Send argv to the daemon on socket_path and wait for its answer. Returns
 * 0 with the whole envelope in *reply (check its "ok"), or one of the
 * codes above with a message in *error. The caller frees both.
 */
int	ctl_client_call(const char *socket_path, int argc, char **argv,
	    json_t **reply, char **error);

#endif
