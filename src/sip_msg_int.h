/*
 * sip_msg_int.h: what sip_msg.c (parse, serialise, answer), sip_check.c
 * (what the proxy refuses although libosip2 accepts it) and sip_raw.c
 * (answering bytes libosip2 could not parse) share. Nothing else
 * includes it.
 */
#ifndef SIPEDGE_SIP_MSG_INT_H
#define SIPEDGE_SIP_MSG_INT_H

#include <stddef.h>

#include <osipparser2/osip_parser.h>

#define SIP_MSG_SERVER		"sipedge/" PACKAGE_VERSION

/* One line of a raw message, without its line end. */
struct sip_line {
	const char	*p;
	size_t		 n;
};

/* sip_msg.c: raw lines and reason phrases. */
int		 sip_line_next(const char *, size_t, size_t *,
		    struct sip_line *);
size_t		 sip_span(const char *, size_t, const char *);
const char	*sip_reason(int, const char *);

/* sip_check.c: tokens, text, start lines and whole messages. */
extern const char sip_token[];
int		 sip_token_str(const char *);
int		 sip_text_ok(const char *, size_t);
size_t		 sip_request_line(const struct sip_line *);
const char	*sip_msg_precheck(const char *, size_t, size_t *);
const char	*sip_msg_check(osip_message_t *);

#endif
