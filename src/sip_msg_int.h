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

/*
 * libosip2 unescapes URIs into C strings, so "sip:%00@h" would become
 * "sip:@h" and lose the user (RFC 4475 §3.1.1.4). sip_msg_parse hands it
 * "%C0%80" instead (an overlong NUL that is never valid UTF-8, refused
 * when a peer sends it), and the printer turns it back into "%00".
 * NUL bytes in quoted strings likewise reach libosip2 as SIP_MASK_CTL.
 */
#define SIP_MASK_NUL		"%C0%80"
#define SIP_MASK_CTL		'\x01'

struct sip_src;

/* One line of a raw message, without its line end. */
struct sip_line {
	const char	*p;
	size_t		 n;
};

/* sip_msg.c: raw lines and reason phrases. */
int		 sip_line_next(const char *, size_t, size_t *,
		    struct sip_line *);
size_t		 sip_span(const char *, size_t, const char *);
int		 sip_msg_print_osip(osip_message_t *, char **, size_t *);
const char	*sip_reason(int, const char *);

/* sip_check.c: tokens, text, start lines and whole messages. */
extern const char sip_token[];
size_t		 sip_token_len(const char *, size_t);
int		 sip_token_str(const char *);
int		 sip_text_ok(const char *, size_t);
size_t		 sip_request_line(const struct sip_line *);
const char	*sip_mask_find(const char *, size_t);
const char	*sip_msg_precheck(const char *, size_t, size_t *, int *,
		    int *, struct sip_line *);
const char	*sip_msg_check(osip_message_t *);

/* sip_out.c: the message as received, printed with the proxy's edits. */
struct sip_src	*sip_src_new(osip_message_t *, const char *, size_t);
void		 sip_src_free(struct sip_src *);
int		 sip_src_print(const struct sip_src *, osip_message_t *,
		    char **, size_t *);

#endif
