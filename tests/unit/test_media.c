/*
 * test_media.c: media anchoring in SDP. Offers and answers of the shapes
 * phones and carriers really send go through a session; what each side
 * gets is parsed back and checked: the relay's address and ports, the
 * proto its policy asks for, exactly one crypto line in each answer with
 * the offerer's tag, keys the edge made itself (never the other side's),
 * m= count and order kept, and the refusals each policy demands.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "media.h"
#include "sdes.h"
#include "sdp.h"
#include "unit.h"
#include "util.h"

#define PHONE_ADDR	"192.0.2.10"
#define CARRIER_ADDR	"198.51.100.20"

/* The keys in the tests: base64 of 30 bytes (AES-128 key and salt). */
#define KEY_PHONE	"WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
#define KEY_PHONE2	"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk"
#define KEY_CARRIER	"MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw"

/* A port allocator: even ports from a base, up to a limit. */
struct ports {
	unsigned	next[2];
	unsigned	left;
	unsigned	released;
};

static int
ports_alloc(void *arg, size_t stream, enum media_side side, unsigned *port,
    char *why, size_t whylen)
{
	struct ports	*p = arg;

	if (p->left == 0) {
		snprintf(why, whylen, "port range exhausted");
		return -1;
	}
	p->left--;
	*port = p->next[side];
	p->next[side] += 2;
	return 0;
}

static void
ports_release(void *arg, size_t stream, enum media_side side,
    unsigned port)
{
	((struct ports *)arg)->released++;
}

static struct ports		 ports;
static struct media_ports	 media_ports = { ports_alloc, ports_release,
    &ports };

/* A policy: SRTP rule, offer shape, suites (AES_CM_128_HMAC_SHA1_80, _32). */
static void
policy(struct media_policy *p, enum srtp_policy srtp, enum sdp_shape shape,
    const char *addr)
{
	memset(p, 0, sizeof(*p));
	p->srtp = srtp;
	p->shape = shape;
	p->suites[0] = SDES_AES_CM_128_HMAC_SHA1_80;
	p->suites[1] = SDES_AES_CM_128_HMAC_SHA1_32;
	p->n_suites = 2;
	snprintf(p->addr, sizeof(p->addr), "%s", addr);
}

static struct media_session *
session(enum srtp_policy phone, enum sdp_shape pshape,
    enum srtp_policy carrier, enum sdp_shape cshape)
{
	static int		started;
	struct media_policy	pp, cp;

	/* The relay's libsrtp2 decides which suites are usable. */
	if (!started++)
		(void)srtp_init();	/* a second one fails: other suites */
	CU_ASSERT_TRUE_FATAL(sdes_suite_relay_ok(SDES_AES_CM_128_HMAC_SHA1_80));
	memset(&ports, 0, sizeof(ports));
	ports.next[MEDIA_PHONE] = 20000;
	ports.next[MEDIA_CARRIER] = 30000;
	ports.left = 100;
	policy(&pp, phone, pshape, PHONE_ADDR);
	policy(&cp, carrier, cshape, CARRIER_ADDR);
	return media_session_new(&pp, &cp, &media_ports);
}

/* baresip with srtp-mand: RTP/SAVP, one crypto line. */
static const char baresip_savp[] =
    "v=0\r\n"
    "o=- 1932 2451 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\n"
    "m=audio 10012 RTP/SAVP 0 8 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=sendrecv\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_PHONE "\r\n";

/* Spectralink: the dual offer, several crypto lines with parameters. */
static const char spectralink_dual[] =
    "v=0\r\n"
    "o=- 100 1 IN IP4 10.1.1.5\r\n"
    "s=-\r\n"
    "c=IN IP4 10.1.1.5\r\n"
    "t=0 0\r\n"
    "m=audio 2222 RTP/SAVP 0 18\r\n"
    "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:"
    "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdA==\r\n"
    "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" KEY_PHONE
    " UNENCRYPTED_SRTCP\r\n"
    "a=crypto:3 AES_CM_128_HMAC_SHA1_32 inline:" KEY_PHONE2 "\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:18 G729/8000\r\n"
    "m=audio 2222 RTP/AVP 0 18\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:18 G729/8000\r\n";

/* Cisco MPP: RTP/AVP with a=crypto. */
static const char cisco_avp_crypto[] =
    "v=0\r\n"
    "o=- 3000 3000 IN IP4 10.1.1.7\r\n"
    "s=-\r\n"
    "c=IN IP4 10.1.1.7\r\n"
    "t=0 0\r\n"
    "m=audio 16384 RTP/AVP 0 101\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_PHONE "\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=sendrecv\r\n";

/* A plain offer. */
static const char plain_avp[] =
    "v=0\r\n"
    "o=- 7 7 IN IP4 10.1.1.8\r\n"
    "s=-\r\n"
    "c=IN IP4 10.1.1.8\r\n"
    "t=0 0\r\n"
    "m=audio 4000 RTP/AVP 8\r\n";

/* What a refusal said, when a test did not expect one. */
static int
said(int code, const char *why)
{
	if (code != 0)
		fprintf(stderr, "media: %d %s\n", code, why);
	return code;
}

/* Parse what the module wrote, or fail the test. */
static struct sdp *
parsed(const char *buf, size_t len)
{
	struct sdp	*s = xmalloc(sizeof(*s));
	const char	*err = sdp_parse(buf, len, s);

	if (err != NULL)
		fprintf(stderr, "sdp: %s\n%.*s\n", err, (int)len, buf);
	CU_ASSERT_PTR_NULL_FATAL(err);
	return s;
}

/* The crypto lines of a section, parsed. */
static size_t
cryptos(const struct sdp *s, int media, struct sdes_line *out, size_t max)
{
	size_t		 n = 0;
	int		 line;
	const char	*v;

	for (line = sdp_attr_find(s, media, "crypto"); line >= 0 && n < max;
	    line = sdp_attr_next(s, line, "crypto")) {
		v = sdp_attr_value(s, line);
		CU_ASSERT_PTR_NULL_FATAL(sdes_parse(v, strlen(v), &out[n]));
		n++;
	}
	return n;
}

/* A section's port, proto and connection address. */
static void
check_section(const struct sdp *s, int media, unsigned port,
    const char *proto, const char *addr)
{
	struct sdp_media	m;
	struct sdp_conn		c;

	CU_ASSERT_PTR_NULL_FATAL(sdp_media(s, media, &m));
	CU_ASSERT_EQUAL(m.port, port);
	CU_ASSERT_STRING_EQUAL(m.proto, proto);
	if (addr != NULL) {
		CU_ASSERT_PTR_NULL_FATAL(sdp_media_conn(s, media, &c));
		CU_ASSERT_STRING_EQUAL(c.addr, addr);
	}
}

/* A carrier's answer: one crypto line with tag and suite, or none. */
static char *
carrier_answer(const char *proto, unsigned tag, const char *suite)
{
	char	*a, crypto[256] = "";

	if (suite != NULL)
		snprintf(crypto, sizeof(crypto), "a=crypto:%u %s inline:%s\r\n",
		    tag, suite, KEY_CARRIER);
	xasprintf(&a,
	    "v=0\r\n"
	    "o=carrier 55 55 IN IP4 203.0.113.5\r\n"
	    "s=-\r\n"
	    "c=IN IP4 203.0.113.5\r\n"
	    "t=0 0\r\n"
	    "m=audio 40000 %s 0 101\r\n"
	    "a=rtpmap:101 telephone-event/8000\r\n"
	    "%s", proto, crypto);
	return a;
}

/* The edge's key is neither side's. */
static void
check_own_key(const struct sdes_line *l)
{
	struct sdes_line	k;
	const char		*keys[] = { KEY_PHONE, KEY_PHONE2, KEY_CARRIER };
	char			 line[256];
	size_t			 i;

	for (i = 0; i < nitems(keys); i++) {
		snprintf(line, sizeof(line), "1 AES_CM_128_HMAC_SHA1_80 "
		    "inline:%s", keys[i]);
		CU_ASSERT_PTR_NULL_FATAL(sdes_parse(line, strlen(line), &k));
		CU_ASSERT_NOT_EQUAL(memcmp(k.keys[0].keysalt,
		    l->keys[0].keysalt, k.keys[0].keysalt_len), 0);
		sdes_clear(&k);
	}
}

/* baresip RTP/SAVP out through a carrier that wants RTP/SAVP. */
static void
test_savp_phone_to_savp_carrier_gets_own_keys_each_leg(void)
{
	struct media_session	*ms = session(SRTP_POLICY_MANDATORY,
	    SDP_SHAPE_SAVP, SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP);
	struct sdes_line	 l[8];
	struct media_stream	*st;
	struct sdp		*o, *a;
	char			*out, *ans, why[256];
	size_t			 outlen, n;

	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, baresip_savp,
	    strlen(baresip_savp), &out, &outlen, why, sizeof(why)), why), 0);
	o = parsed(out, outlen);
	CU_ASSERT_EQUAL(o->nmedia, 1);
	check_section(o, 0, 30000, "RTP/SAVP", CARRIER_ADDR);
	n = cryptos(o, 0, l, 8);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(l[0].tag, 1);
	CU_ASSERT_EQUAL(l[0].suite, SDES_AES_CM_128_HMAC_SHA1_80);
	CU_ASSERT_EQUAL(l[1].tag, 2);
	CU_ASSERT_EQUAL(l[1].suite, SDES_AES_CM_128_HMAC_SHA1_32);
	check_own_key(&l[0]);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "a=rtpmap:101 telephone-event"));
	CU_ASSERT_PTR_NULL(strstr(out, "127.0.0.1"));
	CU_ASSERT_TRUE(media_offer_pending(ms, NULL));

	ans = carrier_answer("RTP/SAVP", 1, "AES_CM_128_HMAC_SHA1_80");
	free(out);
	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_CARRIER, ans, strlen(ans),
	    &out, &outlen, why, sizeof(why)), why), 0);
	a = parsed(out, outlen);
	CU_ASSERT_EQUAL(a->nmedia, 1);
	check_section(a, 0, 20000, "RTP/SAVP", PHONE_ADDR);
	CU_ASSERT_EQUAL_FATAL(cryptos(a, 0, &l[2], 1), 1);
	CU_ASSERT_EQUAL(l[2].tag, 1);		/* the phone's tag echoed */
	check_own_key(&l[2]);

	st = media_stream_get(ms, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_TRUE(st->leg[MEDIA_PHONE].srtp);
	CU_ASSERT_TRUE(st->leg[MEDIA_CARRIER].srtp);
	CU_ASSERT_STRING_EQUAL(st->leg[MEDIA_PHONE].peer, "127.0.0.1");
	CU_ASSERT_EQUAL(st->leg[MEDIA_PHONE].peer_port, 10012);
	CU_ASSERT_STRING_EQUAL(st->leg[MEDIA_CARRIER].peer, "203.0.113.5");
	CU_ASSERT_EQUAL(st->leg[MEDIA_CARRIER].peer_port, 40000);
	/* The edge protects towards each side with the key it gave it. */
	CU_ASSERT_EQUAL(memcmp(st->leg[MEDIA_PHONE].tx.keysalt,
	    l[2].keys[0].keysalt, 30), 0);
	CU_ASSERT_EQUAL(memcmp(st->leg[MEDIA_CARRIER].tx.keysalt,
	    l[0].keys[0].keysalt, 30), 0);
	/* And takes each side's own key for what it receives. */
	CU_ASSERT_EQUAL(st->leg[MEDIA_CARRIER].rx.keysalt_len, 30);
	CU_ASSERT_NOT_EQUAL(memcmp(st->leg[MEDIA_CARRIER].rx.keysalt,
	    st->leg[MEDIA_PHONE].rx.keysalt, 30), 0);
	CU_ASSERT_FALSE(media_offer_pending(ms, NULL));
	for (n = 0; n < 3; n++)
		sdes_clear(&l[n]);
	free(o);
	free(a);
	free(out);
	free(ans);
	media_session_free(ms);
	CU_ASSERT_EQUAL(ports.released, 2);
}

/* Spectralink's dual offer: one m= to the carrier, both back in order. */
static void
test_spectralink_dual_offer_collapses_and_comes_back_in_order(void)
{
	struct media_session	*ms = session(SRTP_POLICY_MANDATORY,
	    SDP_SHAPE_SAVP_AVP, SRTP_POLICY_OPTIONAL, SDP_SHAPE_SAVP);
	struct sdes_line	 l[4];
	struct sdp		*o, *a;
	char			*out, *ans, why[256];
	size_t			 outlen;

	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, spectralink_dual,
	    strlen(spectralink_dual), &out, &outlen, why, sizeof(why)), why), 0);
	o = parsed(out, outlen);
	CU_ASSERT_EQUAL_FATAL(o->nmedia, 1);
	/* srtp = optional: RTP/AVP with crypto (RFC 8643). */
	check_section(o, 0, 30000, "RTP/AVP", CARRIER_ADDR);
	CU_ASSERT_EQUAL(cryptos(o, 0, l, 4), 2);
	sdes_clear(&l[0]);
	sdes_clear(&l[1]);
	ans = carrier_answer("RTP/AVP", 2, "AES_CM_128_HMAC_SHA1_32");
	free(out);
	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_CARRIER, ans, strlen(ans),
	    &out, &outlen, why, sizeof(why)), why), 0);
	a = parsed(out, outlen);
	CU_ASSERT_EQUAL_FATAL(a->nmedia, 2);
	check_section(a, 0, 20000, "RTP/SAVP", PHONE_ADDR);
	check_section(a, 1, 0, "RTP/AVP", NULL);
	/* AES-256 is not in the phone's suites: its line 2 is accepted. */
	CU_ASSERT_EQUAL_FATAL(cryptos(a, 0, l, 4), 1);
	CU_ASSERT_EQUAL(l[0].tag, 2);
	CU_ASSERT_EQUAL(l[0].suite, SDES_AES_CM_128_HMAC_SHA1_80);
	CU_ASSERT_TRUE(l[0].flags & SDES_F_UNENCRYPTED_SRTCP);
	CU_ASSERT_EQUAL(cryptos(a, 1, &l[1], 1), 0);
	check_own_key(&l[0]);
	CU_ASSERT_TRUE(media_stream_get(ms, 0)->leg[MEDIA_CARRIER].srtp);
	sdes_clear(&l[0]);
	free(o);
	free(a);
	free(out);
	free(ans);
	media_session_free(ms);
}

/* Cisco's RTP/AVP with crypto through a plain carrier: OSRTP answered. */
static void
test_cisco_avp_crypto_to_plain_carrier(void)
{
	struct media_session	*ms = session(SRTP_POLICY_OPTIONAL,
	    SDP_SHAPE_AVP_CRYPTO, SRTP_POLICY_OFF, SDP_SHAPE_SAVP);
	struct sdes_line	 l[2];
	struct sdp		*o, *a;
	char			*out, *ans, why[256];
	size_t			 outlen;

	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, cisco_avp_crypto,
	    strlen(cisco_avp_crypto), &out, &outlen, why, sizeof(why)), why), 0);
	o = parsed(out, outlen);
	check_section(o, 0, 30000, "RTP/AVP", CARRIER_ADDR);
	CU_ASSERT_EQUAL(cryptos(o, 0, l, 2), 0);
	CU_ASSERT_PTR_NULL(strstr(out, "a=crypto"));
	ans = carrier_answer("RTP/AVP", 0, NULL);
	free(out);
	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_CARRIER, ans, strlen(ans),
	    &out, &outlen, why, sizeof(why)), why), 0);
	a = parsed(out, outlen);
	check_section(a, 0, 20000, "RTP/AVP", PHONE_ADDR);
	CU_ASSERT_EQUAL_FATAL(cryptos(a, 0, l, 2), 1);
	CU_ASSERT_EQUAL(l[0].tag, 1);
	CU_ASSERT_TRUE(media_stream_get(ms, 0)->leg[MEDIA_PHONE].srtp);
	CU_ASSERT_FALSE(media_stream_get(ms, 0)->leg[MEDIA_CARRIER].srtp);
	sdes_clear(&l[0]);
	free(o);
	free(a);
	free(out);
	free(ans);
	media_session_free(ms);
}

/* Each side's own policy refuses what it cannot take, naming the side. */
static void
test_policies_refuse_with_488_and_the_side(void)
{
	struct media_session	*ms;
	struct sdp		*o;
	char			*out, *ans, why[256];
	size_t			 outlen;

	/* A plain phone where phones must do SRTP. */
	ms = session(SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP,
	    SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP);
	CU_ASSERT_EQUAL(media_offer(ms, MEDIA_PHONE, plain_avp,
	    strlen(plain_avp), &out, &outlen, why, sizeof(why)), 488);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "media refused side=phone"));
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_FALSE(media_offer_pending(ms, NULL));
	media_session_free(ms);
	CU_ASSERT_EQUAL(ports.released, 0);	/* none taken */

	/* RTP/SAVP from a phone where phones are off. */
	ms = session(SRTP_POLICY_OFF, SDP_SHAPE_SAVP, SRTP_POLICY_OFF,
	    SDP_SHAPE_SAVP);
	CU_ASSERT_EQUAL(media_offer(ms, MEDIA_PHONE, baresip_savp,
	    strlen(baresip_savp), &out, &outlen, why, sizeof(why)), 488);
	media_session_free(ms);

	/* A carrier that must do SRTP answers without crypto. */
	ms = session(SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP,
	    SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP);
	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, baresip_savp,
	    strlen(baresip_savp), &out, &outlen, why, sizeof(why)), why), 0);
	o = parsed(out, outlen);
	ans = carrier_answer("RTP/SAVP", 0, NULL);
	free(out);
	CU_ASSERT_EQUAL(media_answer(ms, MEDIA_CARRIER, ans, strlen(ans),
	    &out, &outlen, why, sizeof(why)), 488);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "side=carrier"));
	CU_ASSERT_FALSE(media_offer_pending(ms, NULL));
	free(ans);
	free(o);
	media_session_free(ms);
}

/* An answered suite that was not the offered tag's is refused. */
static void
test_answer_with_another_suite_for_the_tag_is_refused(void)
{
	struct media_session	*ms = session(SRTP_POLICY_MANDATORY,
	    SDP_SHAPE_SAVP, SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP);
	struct sdp		*o;
	char			*out, *ans, why[256];
	size_t			 outlen;

	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, baresip_savp,
	    strlen(baresip_savp), &out, &outlen, why, sizeof(why)), why), 0);
	o = parsed(out, outlen);
	/* Tag 1 was AES_CM_128_HMAC_SHA1_80. */
	ans = carrier_answer("RTP/SAVP", 1, "AES_CM_128_HMAC_SHA1_32");
	free(out);
	CU_ASSERT_EQUAL(media_answer(ms, MEDIA_CARRIER, ans, strlen(ans),
	    &out, &outlen, why, sizeof(why)), 488);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "AES_CM_128_HMAC_SHA1_32"));
	CU_ASSERT_PTR_NULL(strstr(why, KEY_CARRIER));
	free(ans);
	free(o);
	media_session_free(ms);
}

/* The same offer again is a refresh: the same SDP, the same keys. */
static void
test_identical_reoffer_keeps_keys_and_a_new_one_does_not(void)
{
	struct media_session	*ms = session(SRTP_POLICY_MANDATORY,
	    SDP_SHAPE_SAVP, SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP);
	struct sdp		*o, *o2;
	struct sdp_origin	 v1, v3;
	char			*out, *out2, *out3, *ans, *a1, *a2, why[256];
	char			*changed;
	size_t			 outlen, out2len, out3len, a1len, a2len;

	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, baresip_savp,
	    strlen(baresip_savp), &out, &outlen, why, sizeof(why)), why), 0);
	o = parsed(out, outlen);
	ans = carrier_answer("RTP/SAVP", 1, "AES_CM_128_HMAC_SHA1_80");
	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_CARRIER, ans, strlen(ans),
	    &a1, &a1len, why, sizeof(why)), why), 0);
	/* The re-INVITE of a session refresh: byte for byte the same. */
	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, baresip_savp,
	    strlen(baresip_savp), &out2, &out2len, why, sizeof(why)), why), 0);
	CU_ASSERT_EQUAL(out2len, outlen);
	CU_ASSERT_EQUAL(memcmp(out, out2, outlen), 0);
	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_CARRIER, ans, strlen(ans),
	    &a2, &a2len, why, sizeof(why)), why), 0);
	CU_ASSERT_EQUAL(a1len, a2len);
	CU_ASSERT_EQUAL(memcmp(a1, a2, a1len), 0);
	CU_ASSERT_FALSE(media_stream_get(ms, 0)->changed);

	/* A new version with another key: new keys, a higher o= version. */
	xasprintf(&changed, "%s", baresip_savp);
	memcpy(strstr(changed, KEY_PHONE), KEY_PHONE2, strlen(KEY_PHONE2));
	memcpy(strstr(changed, "2451"), "2452", 4);
	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, changed,
	    strlen(changed), &out3, &out3len, why, sizeof(why)), why), 0);
	o2 = parsed(out3, out3len);
	CU_ASSERT_PTR_NULL(sdp_origin(o, &v1));
	CU_ASSERT_PTR_NULL(sdp_origin(o2, &v3));
	CU_ASSERT_EQUAL(strtoull(v3.sess_version, NULL, 10),
	    strtoull(v1.sess_version, NULL, 10) + 1);
	CU_ASSERT_NOT_EQUAL(strcmp(out, out3), 0);
	media_offer_failed(ms);
	CU_ASSERT_FALSE(media_offer_pending(ms, NULL));
	free(changed);
	free(o);
	free(o2);
	free(out);
	free(out2);
	free(out3);
	free(a1);
	free(a2);
	free(ans);
	media_session_free(ms);
}

/* No relay port: 503, and what was taken is given back. */
static void
test_port_exhaustion_is_503_and_releases_what_it_took(void)
{
	struct media_session	*ms = session(SRTP_POLICY_MANDATORY,
	    SDP_SHAPE_SAVP, SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP);
	char			*out, why[256];
	size_t			 outlen;

	ports.left = 1;		/* the phone side gets one, the carrier none */
	CU_ASSERT_EQUAL(media_offer(ms, MEDIA_PHONE, baresip_savp,
	    strlen(baresip_savp), &out, &outlen, why, sizeof(why)), 503);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "no relay port"));
	CU_ASSERT_EQUAL(ports.released, 1);
	CU_ASSERT_FALSE(media_offer_pending(ms, NULL));
	media_session_free(ms);
	CU_ASSERT_EQUAL(ports.released, 1);
}

/* A carrier's offer to a dual-shaped phone: both m= lines, one answered. */
static void
test_offer_to_a_dual_phone_and_its_answer(void)
{
	static const char carrier_offer[] =
	    "v=0\r\n"
	    "o=carrier 9 9 IN IP4 203.0.113.5\r\n"
	    "s=-\r\n"
	    "c=IN IP4 203.0.113.5\r\n"
	    "t=0 0\r\n"
	    "m=audio 40000 RTP/AVP 8\r\n"
	    "a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:" KEY_CARRIER "\r\n";
	struct media_session	*ms = session(SRTP_POLICY_OPTIONAL,
	    SDP_SHAPE_SAVP_AVP, SRTP_POLICY_OPTIONAL, SDP_SHAPE_SAVP);
	struct sdes_line	 l[4];
	struct sdp		*o, *a;
	char			*out, *ans, why[256];
	size_t			 outlen, n;

	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_CARRIER, carrier_offer,
	    strlen(carrier_offer), &out, &outlen, why, sizeof(why)), why), 0);
	o = parsed(out, outlen);
	CU_ASSERT_EQUAL_FATAL(o->nmedia, 2);
	check_section(o, 0, 20000, "RTP/SAVP", PHONE_ADDR);
	check_section(o, 1, 20000, "RTP/AVP", PHONE_ADDR);
	n = cryptos(o, 0, l, 4);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(cryptos(o, 1, &l[2], 2), 0);
	/* The phone takes the SAVP line with tag 1 and rejects the copy. */
	xasprintf(&ans,
	    "v=0\r\n"
	    "o=- 1 1 IN IP4 10.1.1.5\r\n"
	    "s=-\r\n"
	    "c=IN IP4 10.1.1.5\r\n"
	    "t=0 0\r\n"
	    "m=audio 2222 RTP/SAVP 8\r\n"
	    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_PHONE "\r\n"
	    "m=audio 0 RTP/AVP 8\r\n");
	sdes_clear(&l[0]);
	sdes_clear(&l[1]);
	free(out);
	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_PHONE, ans, strlen(ans),
	    &out, &outlen, why, sizeof(why)), why), 0);
	a = parsed(out, outlen);
	CU_ASSERT_EQUAL_FATAL(a->nmedia, 1);
	check_section(a, 0, 30000, "RTP/AVP", CARRIER_ADDR);
	CU_ASSERT_EQUAL_FATAL(cryptos(a, 0, l, 2), 1);
	CU_ASSERT_EQUAL(l[0].tag, 7);
	check_own_key(&l[0]);
	CU_ASSERT_TRUE(media_stream_get(ms, 0)->leg[MEDIA_PHONE].srtp);
	CU_ASSERT_EQUAL(media_stream_get(ms, 0)->leg[MEDIA_PHONE].peer_port,
	    2222);
	sdes_clear(&l[0]);
	free(o);
	free(a);
	free(out);
	free(ans);
	media_session_free(ms);
}

/* T.38: m=image udptl is relayed as plain UDP, not refused. */
static void
test_t38_image_udptl_is_plain_udp(void)
{
	static const char t38[] =
	    "v=0\r\n"
	    "o=- 1932 2452 IN IP4 127.0.0.1\r\n"
	    "s=-\r\n"
	    "c=IN IP4 127.0.0.1\r\n"
	    "t=0 0\r\n"
	    "m=image 10014 udptl t38\r\n"
	    "a=T38FaxVersion:0\r\n"
	    "a=T38FaxRateManagement:transferredTCF\r\n";
	struct media_session	*ms = session(SRTP_POLICY_OPTIONAL,
	    SDP_SHAPE_SAVP, SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP);
	struct sdp		*o;
	char			*out, why[256];
	size_t			 outlen;

	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, t38, strlen(t38),
	    &out, &outlen, why, sizeof(why)), why), 0);
	o = parsed(out, outlen);
	check_section(o, 0, 30000, "udptl", CARRIER_ADDR);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "a=T38FaxVersion:0"));
	CU_ASSERT_PTR_NULL(strstr(out, "a=crypto"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(media_stream_get(ms, 0));
	CU_ASSERT_TRUE(media_stream_get(ms, 0)->udp);
	free(o);
	free(out);
	media_session_free(ms);
}

void
test_media_register(void)
{
	CU_pSuite	s = unit_suite("media");

	UNIT_TEST(s, test_savp_phone_to_savp_carrier_gets_own_keys_each_leg);
	UNIT_TEST(s,
	    test_spectralink_dual_offer_collapses_and_comes_back_in_order);
	UNIT_TEST(s, test_cisco_avp_crypto_to_plain_carrier);
	UNIT_TEST(s, test_policies_refuse_with_488_and_the_side);
	UNIT_TEST(s, test_answer_with_another_suite_for_the_tag_is_refused);
	UNIT_TEST(s, test_identical_reoffer_keeps_keys_and_a_new_one_does_not);
	UNIT_TEST(s, test_port_exhaustion_is_503_and_releases_what_it_took);
	UNIT_TEST(s, test_offer_to_a_dual_phone_and_its_answer);
	UNIT_TEST(s, test_t38_image_udptl_is_plain_udp);
}
