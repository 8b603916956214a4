/*
 * ctl_proto.h: the control socket wire format, shared by sipedged and
 * sipedgectl. Bump CTL_PROTO_VERSION when the shape of a request or
 * reply changes incompatibly; adding result fields is not such a change.
 *
 * One request per connection. The client writes one JSON object and a
 * newline:
 *
 *	{"version": 1, "argv": ["log-level", "debug"]}
 *
 * The daemon answers with one JSON object and a newline, then closes:
 *
 *	{"version": 1, "ok": true, "result": { ... }}
 *	{"version": 1, "ok": false, "error": "why it failed"}
 *
 * "result" is an object; list commands put their rows in "items".
 */
#ifndef SIPEDGE_CTL_PROTO_H
#define SIPEDGE_CTL_PROTO_H

#define CTL_PROTO_VERSION	1		/* bump when this changes */
#define CTL_MAX_REQUEST		8192		/* bytes, newline included */
#define CTL_MAX_ARGS		16
#define CTL_MAX_REPLY		(64u << 20)	/* bytes the client accepts */
#define CTL_DEFAULT_SOCKET	"/run/sipedge/control.sock"

#endif
