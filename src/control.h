/*
 * control.h: the daemon's end of the control socket. It accepts
 * sipedgectl connections, checks who is asking, and hands each request
 * to ctl_dispatch; the wire format is in ctl_proto.h.
 */
#ifndef SIPEDGE_CONTROL_H
#define SIPEDGE_CONTROL_H

#include <sys/types.h>

struct daemon;
struct control;

/*
 * Listen on a UNIX socket at path with the given permissions, on the
 * daemon's event base. A stale socket file is replaced; a live one (another
 * daemon answers) is an error. Returns NULL with *why set (caller frees).
 */
struct control	*control_open(struct daemon *, const char *path, mode_t mode,
		    char **why);
/* Drop every client, stop listening and remove the socket file. */
void		 control_close(struct control *);

#endif
