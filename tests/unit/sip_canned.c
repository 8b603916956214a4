/*
 * sip_canned.c: a REGISTER exchange through the edge, as canned lines from
 * the peers it meets (a Spectralink phone, Kamailio), and the helpers the
 * header and Contact tests parse and print canned messages with.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_canned.h"
#include "sip_msg.h"
#include "unit.h"

/* Spectralink: Via and Contact say 5062, its TLS connection is :40312. */
const char *const spectralink_register[] = {
	"REGISTER sip:carrier.test SIP/2.0",
	"Via: SIP/2.0/TLS 192.168.1.50:5062;branch=z9hG4bK-524287-1;rport",
	"Max-Forwards: 70",
	"Contact: <sip:alice@192.168.1.50:5062;transport=tls;ob>;expires=600;"
	    INSTANCE ";reg-id=1",
	"To: \"Alice\" <sip:Alice@Carrier.TEST>",
	"From: \"Alice\" <sip:Alice@Carrier.TEST>;tag=8a1f77c3",
	"Call-ID: 6fb2b8e0a1c4@192.168.1.50",
	"CSeq: 1 REGISTER",
	"Expires: 3600",
	"User-Agent: Spectralink 84-Series 6.4.1",
	"Supported: path, outbound",
	"Content-Length: 0",
};

/* The same phone leaving: "Contact: *". */
const char *const spectralink_unregister[] = {
	"REGISTER sip:carrier.test SIP/2.0",
	"Via: SIP/2.0/TLS 192.168.1.50:5062;branch=z9hG4bK-524287-9;rport",
	"Max-Forwards: 70",
	"Contact: *",
	"To: \"Alice\" <sip:Alice@Carrier.TEST>",
	"From: \"Alice\" <sip:Alice@Carrier.TEST>;tag=3c0ffee",
	"Call-ID: 6fb2b8e0a1c4@192.168.1.50",
	"CSeq: 9 REGISTER",
	"Expires: 0",
	"Content-Length: 0",
};

/* Kamailio challenges the REGISTER (RFC 8760: two algorithms). */
const char *const kamailio_401[] = {
	"SIP/2.0 401 Unauthorized",
	"Via: SIP/2.0/TLS 127.0.0.1:43210;branch=z9hG4bKse00;rport=43210;"
	    "received=127.0.0.1",
	"Via: SIP/2.0/TLS 192.168.1.50:5062;branch=z9hG4bK-524287-1;"
	    "received=192.168.1.50;rport=40312",
	"From: \"Alice\" <sip:Alice@Carrier.TEST>;tag=8a1f77c3",
	"To: \"Alice\" <sip:Alice@Carrier.TEST>;"
	    "tag=a6a1c5f60faecf035a1ae5b6e96e979a-6d8f",
	"Call-ID: 6fb2b8e0a1c4@192.168.1.50",
	"CSeq: 1 REGISTER",
	"WWW-Authenticate: Digest realm=\"carrier.test\", "
	    "nonce=\"Zk9aL2bJ3kq1xw==\", qop=\"auth\", algorithm=SHA-256",
	"WWW-Authenticate: Digest realm=\"carrier.test\", "
	    "nonce=\"Zk9aL2bJ3kq1xw==\", qop=\"auth\", algorithm=MD5",
	"Server: kamailio (5.6.3 (x86_64/linux))",
	"Content-Length: 0",
};

/* Kamailio's 200 lists every Contact of the AOR: ours and others'. */
const char *const kamailio_register_ok[] = {
	"SIP/2.0 200 OK",
	"Via: SIP/2.0/TLS 192.168.1.50:5062;branch=z9hG4bK-524287-2;"
	    "received=192.168.1.50;rport=40312",
	"From: \"Alice\" <sip:Alice@Carrier.TEST>;tag=8a1f77c3",
	"To: \"Alice\" <sip:Alice@Carrier.TEST>;"
	    "tag=a6a1c5f60faecf035a1ae5b6e96e979a-6d90",
	"Call-ID: 6fb2b8e0a1c4@192.168.1.50",
	"CSeq: 2 REGISTER",
	"Contact: <" OUR_CONTACT ">;expires=600;" INSTANCE ";reg-id=1, "
	    "<sip:" TOKEN_B "@127.0.0.1:43210;transport=tls;sipedge=r>"
	    ";expires=3121",
	"Contact: <sip:alice@198.51.100.7:5060>;expires=1800",
	"Server: kamailio (5.6.3 (x86_64/linux))",
	"Content-Length: 0",
};

/* Parse canned lines (and a body, whose Content-Length is added) or fail. */
osip_message_t *
sip_canned_parse(const char *const *lines, size_t n, const char *body)
{
	char		 buf[8192], why[128];
	osip_message_t	*m;
	size_t		 i, len = 0;

	for (i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s\r\n",
		    lines[i]);
	if (body != NULL)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	else
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "\r\n");
	CU_ASSERT_FATAL(len < sizeof(buf));
	m = sip_msg_parse(buf, len, why, sizeof(why));
	if (m == NULL)
		fprintf(stderr, "parse: %s\n", why);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	return m;
}

/* Print a message (osip_free the text) and check that it parses again. */
char *
sip_canned_print(osip_message_t *m, osip_message_t **again)
{
	char		*text, why[128];
	size_t		 len;
	osip_message_t	*re;

	CU_ASSERT_EQUAL_FATAL(sip_msg_serialize(m, &text, &len), 0);
	re = sip_msg_parse(text, len, why, sizeof(why));
	if (re == NULL)
		fprintf(stderr, "reparse: %s\n%s\n", why, text);
	CU_ASSERT_PTR_NOT_NULL(re);
	if (again != NULL)
		*again = re;
	else
		sip_msg_free(re);
	return text;
}

/* The printed form of a URI, in a static buffer. */
const char *
sip_canned_uri_text(const osip_uri_t *u)
{
	static char	 buf[512];
	char		*s;

	if (u == NULL || osip_uri_to_str(u, &s) != 0)
		return "";
	snprintf(buf, sizeof(buf), "%s", s);
	osip_free(s);
	return buf;
}
