/*
 * fuzz_sip_path.c: libFuzzer target for the whole path a message takes
 * through the edge, from the bytes of a stream to the bytes forwarded:
 * framing (sip_frame), parsing (sip_msg), the proxy's edits (received
 * and rport, Max-Forwards, Record-Route, its own Via, REGISTER Contacts;
 * the Via popped from a response) and printing (sip_out).
 *
 * What it asserts: whatever parses is printed; the print parses again;
 * the body leaves byte for byte as it came (RFC 3261 §16.6), and so does
 * every header line the edge has no reason to touch (To, From, Call-ID,
 * CSeq and unknown headers), in its order.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "sip_contact.h"
#include "sip_frame.h"
#include "sip_hdr.h"
#include "sip_msg.h"

#define MAX_MESSAGE	65536

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Quiet logs, libosip2 set up once. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init("fuzz_sip_path");
	log_set_level(getenv("FUZZ_LOG") ? LOG_LVL_DEBUG :
	    (enum log_level)(LOG_LVL_ERROR - 1));
	sip_msg_init();
	return 0;
}

/* Offset just past the empty line ending the header block, or len. */
static size_t
body_offset(const char *p, size_t len)
{
	size_t	i;

	for (i = 0; i + 1 < len; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && p[i + 1] == '\r' && p[i + 2] == '\n')
			return i + 3;
	}
	return len;
}

/* Whether a raw header line is one the edge never edits. */
static int
untouched(const char *p, size_t n)
{
	static const char *const names[] = { "To", "t", "From", "f",
	    "Call-ID", "i", "CSeq", "X-Fuzz" };
	size_t	i, k;

	for (k = 0; k < n && p[k] != ':' && p[k] != ' ' && p[k] != '\t'; k++)
		;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == k && strncasecmp(p, names[i], k) == 0)
			return 1;
	return 0;
}

/*
 * Every untouched header field of in (with its folded lines) appears in
 * out, in the same order, as it was.
 */
static void
check_untouched(const char *in, size_t ilen, const char *out, size_t olen)
{
	size_t	i = 0, end, k, at = 0, ib = body_offset(in, ilen);
	size_t	ob = body_offset(out, olen);
	const char *hit;

	/* Skip the start line. */
	while (i < ib && in[i] != '\n')
		i++;
	for (i++; i < ib; i = end) {
		for (end = i; end < ib && in[end] != '\n'; end++)
			;
		end++;
		while (end < ib && (in[end] == ' ' || in[end] == '\t')) {
			while (end < ib && in[end] != '\n')
				end++;
			end++;
		}
		if (end > ib)
			end = ib;
		k = end - i;
		if (k <= 2 || !untouched(in + i, k))
			continue;
		hit = memmem(out + at, ob - at, in + i, k);
		if (hit == NULL)
			abort();
		at = (size_t)(hit - out) + k;
	}
}

/* A phone's Contact replaced by the edge's, the originals dropped. */
static void
register_edits(osip_message_t *m)
{
	char	**orig = NULL;
	size_t	  n = 0, i;

	(void)sip_contact_replace(m,
	    "sip:tok@127.0.0.1:43210;transport=tls;sipedge=r-0", &orig, &n);
	for (i = 0; i < n; i++)
		free(orig[i]);
	free(orig);
}

/* Edit, print and check one parsed message. */
static void
forward(osip_message_t *m, const char *in, size_t len)
{
	struct sockaddr_in6	 src;
	osip_message_t		*again;
	char			*out;
	size_t			 olen, ib, ob;

	memset(&src, 0, sizeof(src));
	src.sin6_family = AF_INET6;
	src.sin6_port = htons(40312);
	inet_pton(AF_INET6, "2001:db8::50", &src.sin6_addr);
	if (sip_msg_is_request(m)) {
		if (sip_msg_via_received(m, (struct sockaddr *)&src) == -1)
			abort();
		(void)sip_hdr_max_forwards(m);
		if (strcmp(sip_msg_method(m), "REGISTER") == 0)
			register_edits(m);
		if (sip_hdr_rr_push(m, "sip:tok@127.0.0.1:5061;lr") != 0 ||
		    sip_hdr_via_push(m, "127.0.0.1", 43210,
		    "z9hG4bKsefuzz") != 0)
			abort();
	} else
		(void)sip_hdr_via_pop(m);
	if (sip_msg_serialize(m, &out, &olen) == -1)
		return;
	if (strlen(out) > olen)
		abort();
	/* The body, byte for byte. */
	ib = body_offset(in, len);
	ob = body_offset(out, olen);
	if (len - ib != olen - ob || memcmp(in + ib, out + ob, len - ib) != 0)
		abort();
	check_untouched(in, len, out, olen);
	/* A response without Vias left has nowhere to go, and is not sent. */
	if (sip_msg_is_request(m) || osip_list_size(&m->vias) > 0) {
		if ((again = sip_msg_parse(out, olen, NULL, 0)) == NULL)
			abort();
		sip_msg_free(again);
	}
	osip_free(out);
}

/* Frame the stream as a connection does, and forward every message. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*p = (const char *)data;
	struct sip_frame	 f;
	osip_message_t		*m;
	size_t			 off = 0;
	int			 code;

	while (off < size) {
		sip_frame_next(p + off, size - off, MAX_MESSAGE, &f);
		if (f.kind == SIP_FRAME_MESSAGE) {
			m = sip_msg_parse_code(p + off, f.len, &code, NULL, 0);
			if (m != NULL) {
				forward(m, p + off, f.len);
				sip_msg_free(m);
			} else if (code != 400 && code != 416 && code != 505)
				abort();
		} else if (f.kind != SIP_FRAME_PING && f.kind != SIP_FRAME_PONG)
			break;
		off += f.len;
	}
	return 0;
}
