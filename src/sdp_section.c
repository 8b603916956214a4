/*
 * sdp_section.c: edits of whole media sections and of the o= version,
 * which media anchoring needs when the two sides speak different shapes:
 * a phone's dual offer (RTP/SAVP plus RTP/AVP) reaches a carrier as one
 * m= section, and the answer the phone gets has both again; the edge
 * keeps an o= version of its own for each side.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "sdp.h"
#include "sdp_int.h"

/* Remove a media section, every line of it; see sdp.h. */
const char *
sdp_media_remove(struct sdp *s, int media)
{
	size_t	first, end, i;

	if (media < 0 || (size_t)media >= s->nmedia ||
	    !sdp_section(s, media, &first, &end))
		return "no such SDP media section";
	for (i = end; i > first; i--)
		sdp_line_delete(s, i - 1);
	sdp_reindex(s);
	return NULL;
}

/* Copy a media section of src in before section at of dst; see sdp.h. */
const char *
sdp_media_copy(struct sdp *dst, int at, const struct sdp *src, int media)
{
	struct sdp_part	 part;
	const char	*err, *t;
	size_t		 first, end, i, to, n, dfirst, dend;

	if (media < 0 || (size_t)media >= src->nmedia ||
	    !sdp_section(src, media, &first, &end))
		return "no such SDP media section";
	if (at < 0 || (size_t)at > dst->nmedia)
		return "no such place for an SDP media section";
	if (dst == src)
		return "copying a section within one body needs a copy";
	if (dst->nmedia >= SDP_MAX_MEDIA)
		return "too many SDP media sections";
	if ((size_t)at < dst->nmedia) {
		(void)sdp_section(dst, at, &dfirst, &dend);
		to = dfirst;
	} else
		to = dst->nlines - dst->ntrail;	/* before trailing blanks */
	for (i = first; i < end; i++) {
		t = sdp_line_text(src, (int)i, &n);
		if (n == 0)
			continue;
		part.p = t;
		part.n = n;
		if ((err = sdp_line_insert(dst, to++, &part, 1)) != NULL) {
			sdp_reindex(dst);
			return err;
		}
	}
	sdp_reindex(dst);
	return NULL;
}

/* Set the o= sess-version, and the rest where given; see sdp.h. */
const char *
sdp_origin_set(struct sdp *s, const char *user, const char *sess_id,
    const char *version, const char *addr)
{
	struct sdp_origin	 o;
	struct sdp_span		 v;
	struct sdp_part		 parts[5];
	char			 tail[SDP_NUM_MAX + SDP_TOKEN_MAX * 2 +
				     SDP_ADDR_MAX + 8];
	struct in6_addr		 a6;
	const char		*t, *err, *p;
	size_t			 n;
	int			 line;

	if (version == NULL || *version == '\0' ||
	    strlen(version) >= SDP_NUM_MAX)
		return "o= version empty or too long";
	for (p = version; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return "o= version is not decimal";
	if (addr != NULL && inet_pton(AF_INET6, addr, &a6) != 1 &&
	    inet_pton(AF_INET, addr, &a6) != 1)
		return "o= address is not an IPv4 or IPv6 address";
	if ((user != NULL && !sdp_token_ok(user, strlen(user),
	    SDP_ADDR_MAX)) || (sess_id != NULL && !sdp_token_ok(sess_id,
	    strlen(sess_id), SDP_NUM_MAX)))
		return "o= username or sess-id is empty or has white space";
	if ((line = sdp_line_find(s, SDP_SESSION, 'o')) < 0)
		return "no o= line";
	t = sdp_line_text(s, line, &n);
	if ((err = sdp_parse_o(t, n, &o, &v)) != NULL)
		return err;
	if (addr == NULL && user == NULL && sess_id == NULL) {
		parts[0] = (struct sdp_part){ t, v.off };
		parts[1] = (struct sdp_part){ version, strlen(version) };
		parts[2] = (struct sdp_part){ t + v.off + v.len,
		    n - v.off - v.len };
		return sdp_line_build(s, (size_t)line, parts, 3);
	}
	if (addr != NULL)
		(void)snprintf(tail, sizeof(tail), " %s IN %s %s", version,
		    strchr(addr, ':') != NULL ? "IP6" : "IP4", addr);
	else
		(void)snprintf(tail, sizeof(tail), " %s %s %s %s", version,
		    o.nettype, o.addrtype, o.addr);
	if (user == NULL)
		user = o.username;
	if (sess_id == NULL)
		sess_id = o.sess_id;
	parts[0] = (struct sdp_part){ "o=", 2 };
	parts[1] = (struct sdp_part){ user, strlen(user) };
	parts[2] = (struct sdp_part){ " ", 1 };
	parts[3] = (struct sdp_part){ sess_id, strlen(sess_id) };
	parts[4] = (struct sdp_part){ tail, strlen(tail) };
	return sdp_line_build(s, (size_t)line, parts, 5);
}
