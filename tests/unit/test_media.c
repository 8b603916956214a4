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

#include <openssl/crypto.h>
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

static char	*peer_sdp(const char *, unsigned, const char *, unsigned,
		    const char *, const char *);

/*
 * A repeat of an offer is a refresh only until the other side has had an
 * exchange of its own: then the edge's SDP has moved on, and the repeat
 * gets fresh keys and an o= version above the last the carrier saw.
 */
static void
test_a_repeat_after_the_other_sides_exchange_is_a_new_offer(void)
{
	struct media_session	*ms = session(SRTP_POLICY_MANDATORY,
	    SDP_SHAPE_SAVP, SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP);
	struct sdes_line	 l[4];
	struct sdp_origin	 v2, v3;
	struct sdp		*po, *ca, *o3;
	char			*out1, *a1, *pout, *cans, *out3, *ans, *offer;
	char			*pans, why[256];
	size_t			 out1len, a1len, poutlen, canslen, out3len, n;

	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, baresip_savp,
	    strlen(baresip_savp), &out1, &out1len, why, sizeof(why)), why), 0);
	ans = carrier_answer("RTP/SAVP", 1, "AES_CM_128_HMAC_SHA1_80");
	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_CARRIER, ans,
	    strlen(ans), &a1, &a1len, why, sizeof(why)), why), 0);
	/* The carrier's own re-INVITE, answered by the phone. */
	offer = peer_sdp("203.0.113.5", 40002, "RTP/SAVP", 7,
	    "AES_CM_128_HMAC_SHA1_80", KEY_CARRIER);
	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_CARRIER, offer,
	    strlen(offer), &pout, &poutlen, why, sizeof(why)), why), 0);
	po = parsed(pout, poutlen);
	n = cryptos(po, 0, l, 4);
	CU_ASSERT_FATAL(n >= 1);
	pans = peer_sdp("10.1.1.5", 2224, "RTP/SAVP", l[0].tag,
	    sdes_suite_name(l[0].suite), KEY_PHONE2);
	while (n > 0)
		sdes_clear(&l[--n]);
	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_PHONE, pans,
	    strlen(pans), &cans, &canslen, why, sizeof(why)), why), 0);
	ca = parsed(cans, canslen);
	/* The phone's first offer again, byte for byte. */
	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, baresip_savp,
	    strlen(baresip_savp), &out3, &out3len, why, sizeof(why)), why), 0);
	o3 = parsed(out3, out3len);
	CU_ASSERT(out3len != out1len || memcmp(out1, out3, out1len) != 0);
	CU_ASSERT_PTR_NULL(sdp_origin(ca, &v2));
	CU_ASSERT_PTR_NULL(sdp_origin(o3, &v3));
	CU_ASSERT(strtoull(v3.sess_version, NULL, 10) >
	    strtoull(v2.sess_version, NULL, 10));
	media_offer_failed(ms);
	free(po);
	free(ca);
	free(o3);
	free(out1);
	free(a1);
	free(pout);
	free(cans);
	free(out3);
	free(ans);
	free(offer);
	free(pans);
	media_session_free(ms);
}

/*
 * The carrier's re-INVITE comes with another o= line (a B2BUA after a
 * transfer): towards the phone the edge's o= keeps the username and
 * sess-id of its first SDP there, one version up (RFC 3264 §8).
 */
static void
test_the_origin_towards_a_side_stays_when_the_other_sides_changes(void)
{
	struct media_session	*ms = session(SRTP_POLICY_MANDATORY,
	    SDP_SHAPE_SAVP, SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP);
	struct sdp_origin	 o1, o2;
	struct sdp		*s1, *s2;
	char			*out, *ans, *a1, *offer, *pout, why[256];
	size_t			 outlen, a1len, poutlen;

	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, baresip_savp,
	    strlen(baresip_savp), &out, &outlen, why, sizeof(why)), why), 0);
	ans = carrier_answer("RTP/SAVP", 1, "AES_CM_128_HMAC_SHA1_80");
	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_CARRIER, ans,
	    strlen(ans), &a1, &a1len, why, sizeof(why)), why), 0);
	offer = peer_sdp("203.0.113.9", 40010, "RTP/SAVP", 3,
	    "AES_CM_128_HMAC_SHA1_80", KEY_CARRIER);
	CU_ASSERT_EQUAL_FATAL(strncmp(offer + 5, "o=peer 55 55", 12), 0);
	memcpy(offer + 5, "o=b2bu 91 11", 12);
	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_CARRIER, offer,
	    strlen(offer), &pout, &poutlen, why, sizeof(why)), why), 0);
	s1 = parsed(a1, a1len);
	s2 = parsed(pout, poutlen);
	CU_ASSERT_PTR_NULL(sdp_origin(s1, &o1));
	CU_ASSERT_PTR_NULL(sdp_origin(s2, &o2));
	CU_ASSERT_STRING_EQUAL(o2.username, o1.username);
	CU_ASSERT_STRING_EQUAL(o2.sess_id, o1.sess_id);
	CU_ASSERT_EQUAL(strtoull(o2.sess_version, NULL, 10),
	    strtoull(o1.sess_version, NULL, 10) + 1);
	CU_ASSERT_STRING_EQUAL(o2.addr, o1.addr);
	media_offer_failed(ms);
	free(s1);
	free(s2);
	free(out);
	free(ans);
	free(a1);
	free(offer);
	free(pout);
	media_session_free(ms);
}

/* Each peer's WSH= is kept with the key it gave, for the relay's window. */
static void
test_a_peers_window_size_hint_reaches_its_leg(void)
{
	struct media_session	*ms = session(SRTP_POLICY_MANDATORY,
	    SDP_SHAPE_SAVP, SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP);
	const struct media_stream *st;
	char			*offer, *ans, *ans2, *out, *a1, why[256];
	size_t			 outlen, a1len;

	xasprintf(&offer, "%.*s WSH=1024\r\n", (int)strlen(baresip_savp) - 2,
	    baresip_savp);
	ans = carrier_answer("RTP/SAVP", 1, "AES_CM_128_HMAC_SHA1_80");
	xasprintf(&ans2, "%.*s WSH=256\r\n", (int)strlen(ans) - 2, ans);
	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, offer,
	    strlen(offer), &out, &outlen, why, sizeof(why)), why), 0);
	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_CARRIER, ans2,
	    strlen(ans2), &a1, &a1len, why, sizeof(why)), why), 0);
	st = media_stream_get(ms, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(st->leg[MEDIA_PHONE].rx.wsh, 1024);
	CU_ASSERT_EQUAL(st->leg[MEDIA_CARRIER].rx.wsh, 256);
	free(offer);
	free(ans);
	free(ans2);
	free(out);
	free(a1);
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

/*
 * Opportunistic SRTP (srtp = optional): an answer whose crypto line does
 * not parse has not declined SRTP; taking the leg as plain would relay
 * its SRTP as noise. 488, with a reason.
 */
static void
test_an_optional_answer_with_a_broken_crypto_line_is_488(void)
{
	struct media_session	*ms = session(SRTP_POLICY_MANDATORY,
	    SDP_SHAPE_SAVP, SRTP_POLICY_OPTIONAL, SDP_SHAPE_AVP_CRYPTO);
	char			*out, *ans, *broken, why[256];
	size_t			 outlen;

	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, baresip_savp,
	    strlen(baresip_savp), &out, &outlen, why, sizeof(why)), why), 0);
	free(out);
	ans = carrier_answer("RTP/AVP", 1, "AES_CM_128_HMAC_SHA1_80");
	/* Two keys without MKI: not valid (RFC 4568 §9.1). */
	xasprintf(&broken, "%.*s;inline:%s\r\n", (int)(strlen(ans) - 2), ans,
	    KEY_PHONE2);
	CU_ASSERT_EQUAL(media_answer(ms, MEDIA_CARRIER, broken, strlen(broken),
	    &out, &outlen, why, sizeof(why)), 488);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "side=carrier reason=an answer "
	    "whose crypto line is not valid"));
	CU_ASSERT_PTR_NULL(strstr(why, KEY_PHONE2));
	free(broken);
	free(ans);
	media_session_free(ms);
}

/*
 * RFC 3264 §6: an answer with more m= lines than the offer is refused,
 * so the extra one (the answerer's address and key) never reaches the
 * offerer; an offer with more streams than the edge anchors is refused
 * rather than passing the rest on with the offerer's keys.
 */
static void
test_mline_counts_the_edge_cannot_map_are_488(void)
{
	struct media_session	*ms = session(SRTP_POLICY_MANDATORY,
	    SDP_SHAPE_SAVP, SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP);
	char			*out, *ans, *extra, *many, why[256];
	size_t			 outlen, i;

	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, baresip_savp,
	    strlen(baresip_savp), &out, &outlen, why, sizeof(why)), why), 0);
	free(out);
	ans = carrier_answer("RTP/SAVP", 1, "AES_CM_128_HMAC_SHA1_80");
	xasprintf(&extra, "%sm=audio 40002 RTP/SAVP 0\r\n"
	    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_PHONE2 "\r\n",
	    ans);
	CU_ASSERT_EQUAL(media_answer(ms, MEDIA_CARRIER, extra, strlen(extra),
	    &out, &outlen, why, sizeof(why)), 488);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "side=carrier reason=the answer "
	    "has more m= lines (2) than the offer (1)"));
	free(extra);
	free(ans);
	media_session_free(ms);

	ms = session(SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP,
	    SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP);
	xasprintf(&many, "%s", baresip_savp);
	for (i = 0; i < MEDIA_MAX_STREAMS; i++) {
		char	*more;

		xasprintf(&more, "%sm=audio %zu RTP/SAVP 0\r\n"
		    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_PHONE2
		    "\r\n", many, 10014 + 2 * i);
		free(many);
		many = more;
	}
	CU_ASSERT_EQUAL(media_offer(ms, MEDIA_PHONE, many, strlen(many), &out,
	    &outlen, why, sizeof(why)), 488);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "reason=more than 8 media streams"));
	CU_ASSERT_EQUAL(ports.released, 100 - ports.left);
	free(many);
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
/* A carrier's offer of RTP/AVP with crypto, tag 7. */
static const char carrier_avp_offer[] =
    "v=0\r\n"
    "o=carrier 9 9 IN IP4 203.0.113.5\r\n"
    "s=-\r\n"
    "c=IN IP4 203.0.113.5\r\n"
    "t=0 0\r\n"
    "m=audio 40000 RTP/AVP 8\r\n"
    "a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:" KEY_CARRIER "\r\n";

/*
 * A peer address of the other family than the relay's on its side: 488
 * with a reason, offer or answer, and its ports given back; a hold
 * address (0.0.0.0) of either family is no such thing.
 */
static void
test_a_peer_the_relay_cannot_reach_by_family_is_488(void)
{
	struct media_session	*ms = session(SRTP_POLICY_MANDATORY,
	    SDP_SHAPE_SAVP, SRTP_POLICY_OPTIONAL, SDP_SHAPE_AVP_CRYPTO);
	char			*v6, *ans, *out, why[256];
	size_t			 outlen;

	xasprintf(&v6,
	    "v=0\r\n"
	    "o=carrier 9 9 IN IP6 2001:db8::5\r\n"
	    "s=-\r\n"
	    "c=IN IP6 2001:db8::5\r\n"
	    "t=0 0\r\n"
	    "m=audio 40000 RTP/AVP 8\r\n"
	    "a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:" KEY_CARRIER "\r\n");
	CU_ASSERT_EQUAL(media_offer(ms, MEDIA_CARRIER, v6, strlen(v6), &out,
	    &outlen, why, sizeof(why)), 488);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "media refused side=carrier "
	    "reason=its media address 2001:db8::5 is not of the relay's"));
	CU_ASSERT_FALSE(media_offer_pending(ms, NULL));
	CU_ASSERT_EQUAL(ports.released, 100 - ports.left);
	free(v6);

	/* The same in an answer, from the phone's side this time. */
	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_CARRIER,
	    carrier_avp_offer, strlen(carrier_avp_offer), &out, &outlen, why,
	    sizeof(why)), why), 0);
	free(out);
	xasprintf(&ans,
	    "v=0\r\n"
	    "o=- 1 1 IN IP6 ::1\r\n"
	    "s=-\r\n"
	    "c=IN IP6 2001:db8::10\r\n"
	    "t=0 0\r\n"
	    "m=audio 10012 RTP/SAVP 8\r\n"
	    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_PHONE "\r\n");
	CU_ASSERT_EQUAL(media_answer(ms, MEDIA_PHONE, ans, strlen(ans), &out,
	    &outlen, why, sizeof(why)), 488);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "side=phone reason=its media "
	    "address 2001:db8::10"));
	free(ans);
	media_session_free(ms);

	/* A hold address is latched to, not refused. */
	ms = session(SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP,
	    SRTP_POLICY_OPTIONAL, SDP_SHAPE_AVP_CRYPTO);
	xasprintf(&v6,
	    "v=0\r\n"
	    "o=carrier 9 9 IN IP4 203.0.113.5\r\n"
	    "s=-\r\n"
	    "c=IN IP4 0.0.0.0\r\n"
	    "t=0 0\r\n"
	    "m=audio 40000 RTP/AVP 8\r\n"
	    "a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:" KEY_CARRIER "\r\n");
	CU_ASSERT_EQUAL(said(media_offer(ms, MEDIA_CARRIER, v6, strlen(v6),
	    &out, &outlen, why, sizeof(why)), why), 0);
	free(out);
	free(v6);
	media_session_free(ms);

	/* An IPv4-mapped IPv6 address is IPv4 (RFC 3266 §5). */
	ms = session(SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP,
	    SRTP_POLICY_OPTIONAL, SDP_SHAPE_AVP_CRYPTO);
	xasprintf(&v6,
	    "v=0\r\n"
	    "o=carrier 9 9 IN IP6 ::ffff:203.0.113.5\r\n"
	    "s=-\r\n"
	    "c=IN IP6 ::ffff:203.0.113.5\r\n"
	    "t=0 0\r\n"
	    "m=audio 40000 RTP/AVP 8\r\n"
	    "a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:" KEY_CARRIER "\r\n");
	CU_ASSERT_EQUAL(said(media_offer(ms, MEDIA_CARRIER, v6, strlen(v6),
	    &out, &outlen, why, sizeof(why)), why), 0);
	free(out);
	free(v6);
	media_session_free(ms);
}

static void
test_offer_to_a_dual_phone_and_its_answer(void)
{
	struct media_session	*ms = session(SRTP_POLICY_OPTIONAL,
	    SDP_SHAPE_SAVP_AVP, SRTP_POLICY_OPTIONAL, SDP_SHAPE_SAVP);
	struct sdes_line	 l[4];
	struct sdp		*o, *a;
	char			*out, *ans, why[256];
	size_t			 outlen, n;

	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_CARRIER, carrier_avp_offer,
	    strlen(carrier_avp_offer), &out, &outlen, why, sizeof(why)), why), 0);
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

/* A plain offer from the phone and the carrier's answer, in one go. */
static void
plain_exchange(struct media_session *ms, const char *offer,
    const char *answer)
{
	char	*out, *ans, why[256];
	size_t	 outlen, anslen;

	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, offer,
	    strlen(offer), &out, &outlen, why, sizeof(why)), why), 0);
	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_CARRIER, answer,
	    strlen(answer), &ans, &anslen, why, sizeof(why)), why), 0);
	free(out);
	free(ans);
}

/*
 * Whether the call is on hold (its silence then expected, no media
 * timeout) follows each stream's direction in each side's last SDP: a
 * sendonly video beside sendrecv audio is no hold, a held audio stream
 * is, and so is the RFC 2543 c=0.0.0.0 (or ::).
 */
static void
test_hold_follows_each_streams_direction_on_each_side(void)
{
#define HOLD_SDP(o, c, m)	"v=0\r\no=- 7 " o " IN IP4 10.1.1.8\r\n" \
	"s=-\r\nc=IN IP4 " c "\r\nt=0 0\r\n" m
#define AUDIO(dir)	"m=audio 4000 RTP/AVP 8\r\n" dir
#define VIDEO(dir)	"m=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n" dir
	struct media_session	*ms = session(SRTP_POLICY_OFF,
	    SDP_SHAPE_SAVP, SRTP_POLICY_OFF, SDP_SHAPE_SAVP);

	plain_exchange(ms, HOLD_SDP("1", "10.1.1.8", AUDIO("")),
	    HOLD_SDP("1", "203.0.113.5", AUDIO("a=sendrecv\r\n")));
	CU_ASSERT_TRUE(media_flowing(ms));
	plain_exchange(ms, HOLD_SDP("2", "10.1.1.8", AUDIO("a=sendonly\r\n")),
	    HOLD_SDP("2", "203.0.113.5", AUDIO("a=recvonly\r\n")));
	CU_ASSERT_FALSE(media_flowing(ms));
	plain_exchange(ms, HOLD_SDP("3", "10.1.1.8",
	    AUDIO("") VIDEO("a=sendonly\r\n")),
	    HOLD_SDP("3", "203.0.113.5", AUDIO("") VIDEO("a=recvonly\r\n")));
	CU_ASSERT_TRUE(media_flowing(ms));
	plain_exchange(ms, HOLD_SDP("4", "0.0.0.0", AUDIO("") VIDEO("")),
	    HOLD_SDP("4", "203.0.113.5", AUDIO("") VIDEO("")));
	CU_ASSERT_FALSE(media_flowing(ms));
	plain_exchange(ms, HOLD_SDP("5", "10.1.1.8",
	    AUDIO("a=inactive\r\n") VIDEO("")),
	    HOLD_SDP("5", "203.0.113.5", AUDIO("a=inactive\r\n") VIDEO("")));
	CU_ASSERT_TRUE(media_flowing(ms));	/* the video still goes */
	/* The RFC 2543 hold in IPv6: c=IN IP6 ::. */
	plain_exchange(ms, "v=0\r\no=- 7 6 IN IP4 10.1.1.8\r\ns=-\r\n"
	    "c=IN IP6 ::\r\nt=0 0\r\n" AUDIO("") VIDEO(""),
	    HOLD_SDP("6", "203.0.113.5", AUDIO("") VIDEO("")));
	CU_ASSERT_FALSE(media_flowing(ms));
	media_session_free(ms);
#undef HOLD_SDP
#undef AUDIO
#undef VIDEO
}

/* How often needle is in s. */
static size_t
occurrences(const char *s, const char *needle)
{
	size_t	n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/*
 * RFC 2543 hold (c= 0.0.0.0) reaches the other side as an RFC 3264 hold:
 * the relay's address, and one direction less for the side that held.
 */
static void
test_an_rfc2543_hold_reaches_the_other_side_as_a_hold(void)
{
#define OLD_HOLD(c, dir)	"v=0\r\no=- 7 1 IN IP4 10.1.1.8\r\ns=-\r\n" \
	"c=IN IP4 " c "\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\n" dir
	struct media_session	*ms = session(SRTP_POLICY_OFF,
	    SDP_SHAPE_SAVP, SRTP_POLICY_OFF, SDP_SHAPE_SAVP);
	static const struct {
		const char	*offer, *want;
	} cases[] = {
		{ OLD_HOLD("0.0.0.0", ""), "a=sendonly" },
		{ OLD_HOLD("0.0.0.0", "a=sendrecv\r\n"), "a=sendonly" },
		{ OLD_HOLD("0.0.0.0", "a=recvonly\r\n"), "a=inactive" },
		{ OLD_HOLD("10.1.1.8", "a=recvonly\r\n"), "a=recvonly" },
	};
	const char		*answer = OLD_HOLD("203.0.113.5", "");
	char			*out, *ans, why[256];
	size_t			 outlen, anslen, i;

	for (i = 0; i < nitems(cases); i++) {
		CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE,
		    cases[i].offer, strlen(cases[i].offer), &out, &outlen, why,
		    sizeof(why)), why), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, cases[i].want));
		CU_ASSERT_EQUAL(occurrences(out, "a=sendrecv") +
		    occurrences(out, "a=sendonly") + occurrences(out,
		    "a=recvonly") + occurrences(out, "a=inactive"), 1);
		CU_ASSERT_PTR_NULL(strstr(out, "0.0.0.0"));
		CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_CARRIER,
		    answer, strlen(answer), &ans, &anslen, why, sizeof(why)),
		    why), 0);
		free(out);
		free(ans);
	}
	/* The answerer holding the old way: the offerer hears of it too. */
	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE,
	    OLD_HOLD("10.1.1.8", ""), strlen(OLD_HOLD("10.1.1.8", "")), &out,
	    &outlen, why, sizeof(why)), why), 0);
	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_CARRIER,
	    OLD_HOLD("0.0.0.0", ""), strlen(OLD_HOLD("0.0.0.0", "")), &ans,
	    &anslen, why, sizeof(why)), why), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(ans, "a=sendonly"));
	CU_ASSERT_PTR_NULL(strstr(ans, "0.0.0.0"));
	free(out);
	free(ans);
	media_session_free(ms);
#undef OLD_HOLD
}

/*
 * The matrix of issue 9's tests: every phone shape (with [phones] srtp =
 * mandatory) against every carrier policy, an offer from each side.
 */

/* The AES-256 key of Spectralink's first crypto line. */
#define KEY_PHONE_256	\
    "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdA"
#define KEY_CARRIER2	"Y2FycmllciBrZXkgbnVtYmVyIHR3byAxMjM0NTY3"
#define CARRIER_PEER	"203.0.113.5"

/* A phone profile's shape, and what the phone of that shape sends. */
struct phone_row {
	const char	*name;
	enum sdp_shape	 shape;
	const char	*offer;		/* its offer */
	const char	*proto;		/* of its m= the edge takes */
	size_t		 nmedia;	/* m= lines in its offer */
	const char	*addr;		/* where its media goes */
	unsigned	 port;
	const char	*offered;	/* proto of the edge's offer to it */
};

static const struct phone_row phone_rows[] = {
	{ "phone RTP/SAVP (baresip)", SDP_SHAPE_SAVP, baresip_savp,
	  "RTP/SAVP", 1, "127.0.0.1", 10012, "RTP/SAVP" },
	{ "phone RTP/AVP with crypto (Cisco)", SDP_SHAPE_AVP_CRYPTO,
	  cisco_avp_crypto, "RTP/AVP", 1, "10.1.1.7", 16384, "RTP/AVP" },
	/*
	 * With srtp = mandatory the edge offers a dual phone RTP/SAVP
	 * alone: a plain RTP/AVP copy would let it choose plain RTP.
	 */
	{ "phone Spectralink dual", SDP_SHAPE_SAVP_AVP, spectralink_dual,
	  "RTP/SAVP", 2, "10.1.1.5", 2222, "RTP/SAVP" },
};

/* A carrier answer: a crypto line with tag and suite, or none (NULL). */
struct carrier_reply {
	unsigned	 tag;
	const char	*suite;
};

/* A carrier file's policy, and what the edge must offer it. */
struct carrier_row {
	const char		*name;
	enum srtp_policy	 srtp;
	enum sdp_shape		 shape;		/* srtp_profile */
	const char		*proto;		/* of the edge's offer to it */
	bool			 crypto;	/* crypto lines in it */
	struct carrier_reply	 replies[2];	/* each a sub-case */
	size_t			 nreplies;
};

static const struct carrier_row carrier_rows[] = {
	{ "carrier srtp = mandatory, srtp_profile RTP/SAVP",
	  SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP, "RTP/SAVP", true,
	  { { 1, "AES_CM_128_HMAC_SHA1_80" } }, 1 },
	{ "carrier srtp = mandatory, srtp_profile RTP/AVP with crypto",
	  SRTP_POLICY_MANDATORY, SDP_SHAPE_AVP_CRYPTO, "RTP/AVP", true,
	  { { 2, "AES_CM_128_HMAC_SHA1_32" } }, 1 },
	/* RFC 8643 whatever srtp_profile says: RTP/AVP with crypto. */
	{ "carrier srtp = optional, srtp_profile RTP/SAVP",
	  SRTP_POLICY_OPTIONAL, SDP_SHAPE_SAVP, "RTP/AVP", true,
	  { { 1, "AES_CM_128_HMAC_SHA1_80" }, { 0, NULL } }, 2 },
	{ "carrier srtp = optional, srtp_profile RTP/AVP with crypto",
	  SRTP_POLICY_OPTIONAL, SDP_SHAPE_AVP_CRYPTO, "RTP/AVP", true,
	  { { 2, "AES_CM_128_HMAC_SHA1_32" }, { 0, NULL } }, 2 },
	{ "carrier srtp = off", SRTP_POLICY_OFF, SDP_SHAPE_SAVP, "RTP/AVP",
	  false, { { 0, NULL } }, 1 },
};

/* The edge's crypto lines are its policies' suites in order, tags 1... */
static const enum sdes_suite edge_suites[] = {
	SDES_AES_CM_128_HMAC_SHA1_80, SDES_AES_CM_128_HMAC_SHA1_32,
};

/* A one-stream body from a peer: formats 0 and 101, a crypto line or not. */
static char *
peer_sdp(const char *addr, unsigned port, const char *proto, unsigned tag,
    const char *suite, const char *key)
{
	char	*b, crypto[256] = "";

	if (suite != NULL)
		snprintf(crypto, sizeof(crypto), "a=crypto:%u %s inline:%s\r\n",
		    tag, suite, key);
	xasprintf(&b,
	    "v=0\r\n"
	    "o=peer 55 55 IN IP4 %s\r\n"
	    "s=-\r\n"
	    "c=IN IP4 %s\r\n"
	    "t=0 0\r\n"
	    "m=audio %u %s 0 101\r\n"
	    "a=rtpmap:0 PCMU/8000\r\n"
	    "a=rtpmap:101 telephone-event/8000\r\n"
	    "%s", addr, addr, port, proto, crypto);
	return b;
}

/* The key and salt a test key decodes to, for a suite. */
static void
key_of(const char *suite, const char *key, struct media_key *k)
{
	struct sdes_line	l;
	char			line[256];

	snprintf(line, sizeof(line), "1 %s inline:%s", suite, key);
	CU_ASSERT_PTR_NULL_FATAL(sdes_parse(line, strlen(line), &l));
	memset(k, 0, sizeof(*k));
	k->suite = l.suite;
	k->keysalt_len = l.keys[0].keysalt_len;
	memcpy(k->keysalt, l.keys[0].keysalt, k->keysalt_len);
	sdes_clear(&l);
}

/* A leg's key is this key of this suite. */
static bool
key_is(const struct media_key *k, enum sdes_suite suite,
    const unsigned char *keysalt, size_t len)
{
	return k->suite == suite && k->keysalt_len == len &&
	    memcmp(k->keysalt, keysalt, len) == 0;
}

/*
 * A session refresh answered with a new key (and a bumped o=): a new
 * answer, taken, not a 488 that would end the call at every refresh.
 */
static void
test_a_refresh_answered_with_a_new_key_is_taken(void)
{
	struct media_session	*ms = session(SRTP_POLICY_MANDATORY,
	    SDP_SHAPE_SAVP, SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP);
	const struct media_stream *st;
	struct sdes_line	 l[2];
	struct media_key	 k;
	struct sdp		*o;
	char			*out, *out2, *ans, *ans2, *a1, *a2, why[256];
	size_t			 outlen, out2len, a1len, a2len;

	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, baresip_savp,
	    strlen(baresip_savp), &out, &outlen, why, sizeof(why)), why), 0);
	ans = carrier_answer("RTP/SAVP", 1, "AES_CM_128_HMAC_SHA1_80");
	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_CARRIER, ans,
	    strlen(ans), &a1, &a1len, why, sizeof(why)), why), 0);
	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, baresip_savp,
	    strlen(baresip_savp), &out2, &out2len, why, sizeof(why)), why), 0);
	xasprintf(&ans2, "%s", ans);
	memcpy(strstr(ans2, KEY_CARRIER), KEY_PHONE2, strlen(KEY_PHONE2));
	memcpy(strstr(ans2, "55 55"), "55 56", 5);
	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_CARRIER, ans2,
	    strlen(ans2), &a2, &a2len, why, sizeof(why)), why), 0);
	/* The relay follows the carrier's new key. */
	st = media_stream_get(ms, 0);
	CU_ASSERT_TRUE(st->changed);
	key_of("AES_CM_128_HMAC_SHA1_80", KEY_PHONE2, &k);
	CU_ASSERT_TRUE(key_is(&st->leg[MEDIA_CARRIER].rx, k.suite, k.keysalt,
	    k.keysalt_len));
	/* The phone gets an answer in its shape, one crypto line its tag. */
	o = parsed(a2, a2len);
	check_section(o, 0, st->leg[MEDIA_PHONE].port, "RTP/SAVP", NULL);
	CU_ASSERT_EQUAL(cryptos(o, 0, l, 2), 1);
	CU_ASSERT_EQUAL(l[0].tag, 1);
	CU_ASSERT_PTR_NULL(strstr(a2, KEY_PHONE2));
	sdes_clear(&l[0]);
	OPENSSL_cleanse(&k, sizeof(k));
	free(o);
	free(out);
	free(out2);
	free(a1);
	free(a2);
	free(ans);
	free(ans2);
	media_session_free(ms);
}

/* No test key at all in a body the edge wrote (its lines' keys aside). */
static void
check_no_test_key(const char *out)
{
	CU_ASSERT_PTR_NULL(strstr(out, KEY_PHONE));
	CU_ASSERT_PTR_NULL(strstr(out, KEY_PHONE2));
	CU_ASSERT_PTR_NULL(strstr(out, KEY_PHONE_256));
	CU_ASSERT_PTR_NULL(strstr(out, KEY_CARRIER));
	CU_ASSERT_PTR_NULL(strstr(out, KEY_CARRIER2));
}

/* The edge's offer of its policy's suites: tags 1.., its own keys. */
static size_t
check_edge_offer_lines(const struct sdp *s, int media, struct sdes_line *l,
    size_t max)
{
	size_t	n = cryptos(s, media, l, max), i;

	CU_ASSERT_EQUAL(n, nitems(edge_suites));
	for (i = 0; i < n && i < nitems(edge_suites); i++) {
		CU_ASSERT_EQUAL(l[i].tag, i + 1);
		CU_ASSERT_EQUAL(l[i].suite, edge_suites[i]);
		CU_ASSERT_EQUAL(l[i].nkeys, 1);
		check_own_key(&l[i]);
	}
	return n;
}

/* Name a sub-case that failed: CUnit gives only the line. */
static void
matrix_case_done(unsigned before, const char *dir, const char *a,
    const char *b, const char *c)
{
	if (CU_get_number_of_failures() != before)
		fprintf(stderr, "media matrix: failed: %s: %s / %s / %s\n",
		    dir, a, b, c);
}

/* A phone of a shape offers; a carrier of a policy answers. */
static void
matrix_phone_offers(const struct phone_row *ph, const struct carrier_row *cr,
    const struct carrier_reply *rep)
{
	unsigned		 before = CU_get_number_of_failures();
	struct media_session	*ms = session(SRTP_POLICY_MANDATORY,
	    ph->shape, cr->srtp, cr->shape);
	struct sdes_line	 pl[4], ol[4], al[2];
	struct media_stream	*st;
	struct media_key	 ck;
	struct sdp_media	 m;
	struct sdp		*p, *o = NULL, *a = NULL;
	char			*out = NULL, *ans = NULL, why[256];
	char			 reply[64];
	size_t			 outlen, np, no = 0, na = 0, i;
	int			 want = -1;
	bool			 carrier_srtp = rep->suite != NULL;

	snprintf(reply, sizeof(reply), "answer %s",
	    carrier_srtp ? rep->suite : "without crypto");
	/* The line the phone's suites take: its first _80 or _32. */
	p = parsed(ph->offer, strlen(ph->offer));
	np = cryptos(p, 0, pl, nitems(pl));
	for (i = 0; i < np && want < 0; i++)
		if (pl[i].suite == SDES_AES_CM_128_HMAC_SHA1_80 ||
		    pl[i].suite == SDES_AES_CM_128_HMAC_SHA1_32)
			want = (int)i;
	CU_ASSERT_TRUE_FATAL(want >= 0);

	CU_ASSERT_EQUAL(said(media_offer(ms, MEDIA_PHONE, ph->offer,
	    strlen(ph->offer), &out, &outlen, why, sizeof(why)), why), 0);
	if (out == NULL)
		goto done;
	/* The carrier's offer: one audio m=, its policy's proto and crypto. */
	o = parsed(out, outlen);
	CU_ASSERT_EQUAL(o->nmedia, 1);
	if (o->nmedia < 1)
		goto done;
	CU_ASSERT_PTR_NULL(sdp_media(o, 0, &m));
	CU_ASSERT_STRING_EQUAL(m.media, "audio");
	check_section(o, 0, 30000, cr->proto, CARRIER_ADDR);
	if (cr->crypto)
		no = check_edge_offer_lines(o, 0, ol, nitems(ol));
	else {
		CU_ASSERT_EQUAL(cryptos(o, 0, ol, nitems(ol)), 0);
		CU_ASSERT_PTR_NULL(strstr(out, "a=crypto"));
	}
	check_no_test_key(out);
	CU_ASSERT_PTR_NULL(strstr(out, ph->addr));

	/* The carrier answers that offer. */
	ans = peer_sdp(CARRIER_PEER, 40000, cr->proto, rep->tag, rep->suite,
	    KEY_CARRIER);
	free(out);
	out = NULL;
	CU_ASSERT_EQUAL(said(media_answer(ms, MEDIA_CARRIER, ans, strlen(ans),
	    &out, &outlen, why, sizeof(why)), why), 0);
	if (out == NULL)
		goto done;
	/* The phone's answer: its m= count and order, its proto, its tag. */
	a = parsed(out, outlen);
	CU_ASSERT_EQUAL(a->nmedia, ph->nmedia);
	if (a->nmedia != ph->nmedia)
		goto done;
	check_section(a, 0, 20000, ph->proto, PHONE_ADDR);
	na = cryptos(a, 0, al, nitems(al));
	CU_ASSERT_EQUAL(na, 1);
	if (na >= 1) {
		CU_ASSERT_EQUAL(al[0].tag, pl[want].tag);
		CU_ASSERT_EQUAL(al[0].suite, pl[want].suite);
		CU_ASSERT_EQUAL(al[0].flags, pl[want].flags);
		CU_ASSERT_EQUAL(al[0].nkeys, 1);
		check_own_key(&al[0]);
	}
	if (ph->nmedia == 2) {
		/* The dual offer's RTP/AVP copy, rejected in its place. */
		check_section(a, 1, 0, "RTP/AVP", NULL);
		CU_ASSERT_EQUAL(cryptos(a, 1, &al[1], 1), 0);
	}
	check_no_test_key(out);
	CU_ASSERT_PTR_NULL(strstr(out, CARRIER_PEER));

	/* What the relay is told. */
	CU_ASSERT_EQUAL(media_stream_count(ms), 1);
	st = media_stream_get(ms, 0);
	CU_ASSERT_PTR_NOT_NULL(st);
	if (st == NULL)
		goto done;
	CU_ASSERT_FALSE(st->rejected);
	CU_ASSERT_EQUAL(st->leg[MEDIA_PHONE].port, 20000);
	CU_ASSERT_EQUAL(st->leg[MEDIA_CARRIER].port, 30000);
	CU_ASSERT_STRING_EQUAL(st->leg[MEDIA_PHONE].peer, ph->addr);
	CU_ASSERT_EQUAL(st->leg[MEDIA_PHONE].peer_port, ph->port);
	CU_ASSERT_STRING_EQUAL(st->leg[MEDIA_CARRIER].peer, CARRIER_PEER);
	CU_ASSERT_EQUAL(st->leg[MEDIA_CARRIER].peer_port, 40000);
	CU_ASSERT_TRUE(st->leg[MEDIA_PHONE].srtp);
	CU_ASSERT_EQUAL(st->leg[MEDIA_CARRIER].srtp, carrier_srtp);
	CU_ASSERT_TRUE(key_is(&st->leg[MEDIA_PHONE].rx, pl[want].suite,
	    pl[want].keys[0].keysalt, pl[want].keys[0].keysalt_len));
	if (na >= 1)
		CU_ASSERT_TRUE(key_is(&st->leg[MEDIA_PHONE].tx, al[0].suite,
		    al[0].keys[0].keysalt, al[0].keys[0].keysalt_len));
	if (carrier_srtp) {
		key_of(rep->suite, KEY_CARRIER, &ck);
		CU_ASSERT_TRUE(key_is(&st->leg[MEDIA_CARRIER].rx, ck.suite,
		    ck.keysalt, ck.keysalt_len));
		CU_ASSERT_TRUE_FATAL(rep->tag >= 1 && rep->tag <= no);
		CU_ASSERT_TRUE(key_is(&st->leg[MEDIA_CARRIER].tx,
		    ol[rep->tag - 1].suite, ol[rep->tag - 1].keys[0].keysalt,
		    ol[rep->tag - 1].keys[0].keysalt_len));
		OPENSSL_cleanse(&ck, sizeof(ck));
	}
done:
	for (i = 0; i < np; i++)
		sdes_clear(&pl[i]);
	for (i = 0; i < no; i++)
		sdes_clear(&ol[i]);
	for (i = 0; i < na && i < nitems(al); i++)
		sdes_clear(&al[i]);
	free(p);
	free(o);
	free(a);
	free(out);
	free(ans);
	media_session_free(ms);
	CU_ASSERT_EQUAL(ports.released, 2);
	matrix_case_done(before, "phone offers", ph->name, cr->name, reply);
}

/* An offer from a carrier, and the policy it is offered under. */
struct carrier_offer_row {
	const char		*name;
	enum srtp_policy	 srtp;
	enum sdp_shape		 shape;
	const char		*proto;		/* of its offer */
	bool			 crypto;	/* a crypto line in it */
};

static const struct carrier_offer_row carrier_offer_rows[] = {
	{ "carrier srtp = mandatory (RTP/SAVP) offers RTP/SAVP with crypto",
	  SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP, "RTP/SAVP", true },
	/* srtp_profile shapes only the edge's own offers. */
	{ "carrier srtp = mandatory (RTP/AVP with crypto) offers RTP/SAVP",
	  SRTP_POLICY_MANDATORY, SDP_SHAPE_AVP_CRYPTO, "RTP/SAVP", true },
	{ "carrier srtp = mandatory (RTP/SAVP) offers RTP/AVP with crypto",
	  SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP, "RTP/AVP", true },
	{ "carrier srtp = optional offers RTP/SAVP with crypto",
	  SRTP_POLICY_OPTIONAL, SDP_SHAPE_SAVP, "RTP/SAVP", true },
	{ "carrier srtp = optional offers RTP/AVP with crypto",
	  SRTP_POLICY_OPTIONAL, SDP_SHAPE_SAVP, "RTP/AVP", true },
	{ "carrier srtp = optional offers plain RTP/AVP",
	  SRTP_POLICY_OPTIONAL, SDP_SHAPE_SAVP, "RTP/AVP", false },
	{ "carrier srtp = off offers plain RTP/AVP",
	  SRTP_POLICY_OFF, SDP_SHAPE_SAVP, "RTP/AVP", false },
};

/* A carrier of a policy offers; a phone of a shape answers. */
static void
matrix_carrier_offers(const struct phone_row *ph,
    const struct carrier_offer_row *cr)
{
	unsigned		 before = CU_get_number_of_failures();
	struct media_session	*ms = session(SRTP_POLICY_MANDATORY,
	    ph->shape, cr->srtp, cr->shape);
	struct sdes_line	 ol[4], al[2];
	struct media_stream	*st;
	struct media_key	 pk, ck;
	struct sdp_media	 m;
	struct sdp		*o = NULL, *a = NULL;
	char			*offer, *out = NULL, *ans = NULL, why[256];
	size_t			 outlen, no = 0, na = 0, i;

	offer = peer_sdp(CARRIER_PEER, 40000, cr->proto, 7,
	    cr->crypto ? "AES_CM_128_HMAC_SHA1_80" : NULL, KEY_CARRIER);
	CU_ASSERT_EQUAL(said(media_offer(ms, MEDIA_CARRIER, offer,
	    strlen(offer), &out, &outlen, why, sizeof(why)), why), 0);
	if (out == NULL)
		goto done;
	/* The phone's offer: in its profile's shape, the edge's keys. */
	o = parsed(out, outlen);
	CU_ASSERT_EQUAL(o->nmedia, 1);
	if (o->nmedia < 1)
		goto done;
	CU_ASSERT_PTR_NULL(sdp_media(o, 0, &m));
	CU_ASSERT_STRING_EQUAL(m.media, "audio");
	check_section(o, 0, 20000, ph->offered, PHONE_ADDR);
	no = check_edge_offer_lines(o, 0, ol, nitems(ol));
	check_no_test_key(out);
	CU_ASSERT_PTR_NULL(strstr(out, CARRIER_PEER));

	/* The phone takes tag 1 in the proto it was offered. */
	ans = peer_sdp(ph->addr, ph->port, ph->offered, 1,
	    "AES_CM_128_HMAC_SHA1_80", KEY_PHONE);
	free(out);
	out = NULL;
	CU_ASSERT_EQUAL(said(media_answer(ms, MEDIA_PHONE, ans, strlen(ans),
	    &out, &outlen, why, sizeof(why)), why), 0);
	if (out == NULL)
		goto done;
	/* The carrier's answer: in the shape its offer came in (RFC 3264). */
	a = parsed(out, outlen);
	CU_ASSERT_EQUAL(a->nmedia, 1);
	if (a->nmedia < 1)
		goto done;
	check_section(a, 0, 30000, cr->proto, CARRIER_ADDR);
	na = cryptos(a, 0, al, nitems(al));
	if (cr->crypto) {
		CU_ASSERT_EQUAL(na, 1);
		if (na >= 1) {
			CU_ASSERT_EQUAL(al[0].tag, 7);
			CU_ASSERT_EQUAL(al[0].suite,
			    SDES_AES_CM_128_HMAC_SHA1_80);
			check_own_key(&al[0]);
		}
	} else {
		CU_ASSERT_EQUAL(na, 0);
		CU_ASSERT_PTR_NULL(strstr(out, "a=crypto"));
	}
	check_no_test_key(out);
	CU_ASSERT_PTR_NULL(strstr(out, ph->addr));

	CU_ASSERT_EQUAL(media_stream_count(ms), 1);
	st = media_stream_get(ms, 0);
	CU_ASSERT_PTR_NOT_NULL(st);
	if (st == NULL)
		goto done;
	CU_ASSERT_EQUAL(st->leg[MEDIA_PHONE].port, 20000);
	CU_ASSERT_EQUAL(st->leg[MEDIA_CARRIER].port, 30000);
	CU_ASSERT_STRING_EQUAL(st->leg[MEDIA_PHONE].peer, ph->addr);
	CU_ASSERT_EQUAL(st->leg[MEDIA_PHONE].peer_port, ph->port);
	CU_ASSERT_STRING_EQUAL(st->leg[MEDIA_CARRIER].peer, CARRIER_PEER);
	CU_ASSERT_EQUAL(st->leg[MEDIA_CARRIER].peer_port, 40000);
	CU_ASSERT_TRUE(st->leg[MEDIA_PHONE].srtp);
	CU_ASSERT_EQUAL(st->leg[MEDIA_CARRIER].srtp, cr->crypto);
	key_of("AES_CM_128_HMAC_SHA1_80", KEY_PHONE, &pk);
	CU_ASSERT_TRUE(key_is(&st->leg[MEDIA_PHONE].rx, pk.suite, pk.keysalt,
	    pk.keysalt_len));
	if (no >= 1)
		CU_ASSERT_TRUE(key_is(&st->leg[MEDIA_PHONE].tx, ol[0].suite,
		    ol[0].keys[0].keysalt, ol[0].keys[0].keysalt_len));
	if (cr->crypto) {
		key_of("AES_CM_128_HMAC_SHA1_80", KEY_CARRIER, &ck);
		CU_ASSERT_TRUE(key_is(&st->leg[MEDIA_CARRIER].rx, ck.suite,
		    ck.keysalt, ck.keysalt_len));
		if (na >= 1)
			CU_ASSERT_TRUE(key_is(&st->leg[MEDIA_CARRIER].tx,
			    al[0].suite, al[0].keys[0].keysalt,
			    al[0].keys[0].keysalt_len));
		OPENSSL_cleanse(&ck, sizeof(ck));
	}
	OPENSSL_cleanse(&pk, sizeof(pk));
done:
	for (i = 0; i < no; i++)
		sdes_clear(&ol[i]);
	for (i = 0; i < na && i < nitems(al); i++)
		sdes_clear(&al[i]);
	free(o);
	free(a);
	free(out);
	free(ans);
	free(offer);
	media_session_free(ms);
	CU_ASSERT_EQUAL(ports.released, 2);
	matrix_case_done(before, "carrier offers", ph->name, cr->name, "");
}

/* SDP rewriting for every profile shape against every carrier policy. */
static void
test_every_phone_shape_against_every_carrier_policy_both_ways(void)
{
	size_t	p, c, r;

	for (p = 0; p < nitems(phone_rows); p++) {
		for (c = 0; c < nitems(carrier_rows); c++)
			for (r = 0; r < carrier_rows[c].nreplies; r++)
				matrix_phone_offers(&phone_rows[p],
				    &carrier_rows[c],
				    &carrier_rows[c].replies[r]);
		for (c = 0; c < nitems(carrier_offer_rows); c++)
			matrix_carrier_offers(&phone_rows[p],
			    &carrier_offer_rows[c]);
	}
}

/* A phone's offer and the carrier's first answer to it, in a session. */
static struct media_session *
answered_call(char **ans, char **first, size_t *firstlen)
{
	struct media_session	*ms = session(SRTP_POLICY_MANDATORY,
	    SDP_SHAPE_SAVP, SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP);
	enum media_side		 offerer = MEDIA_CARRIER;
	char			*out, why[256];
	size_t			 outlen;

	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, baresip_savp,
	    strlen(baresip_savp), &out, &outlen, why, sizeof(why)), why), 0);
	free(out);
	*ans = peer_sdp(CARRIER_PEER, 40000, "RTP/SAVP", 1,
	    "AES_CM_128_HMAC_SHA1_80", KEY_CARRIER);
	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_CARRIER, *ans,
	    strlen(*ans), first, firstlen, why, sizeof(why)), why), 0);
	CU_ASSERT_TRUE(media_answered(ms, &offerer));
	CU_ASSERT_EQUAL(offerer, MEDIA_PHONE);
	return ms;
}

/* A 183's answer repeated in the 200: the phone gets the same SDP again. */
static void
test_answer_repeated_in_the_200_gives_the_same_answer_and_keys(void)
{
	struct media_session	*ms;
	struct media_key	 tx, rx;
	char			*ans, *a1, *a2, why[256];
	size_t			 a1len, a2len;

	ms = answered_call(&ans, &a1, &a1len);
	tx = media_stream_get(ms, 0)->leg[MEDIA_PHONE].tx;
	rx = media_stream_get(ms, 0)->leg[MEDIA_CARRIER].tx;
	CU_ASSERT_EQUAL_FATAL(said(media_answer_again(ms, MEDIA_CARRIER, ans,
	    strlen(ans), &a2, &a2len, why, sizeof(why)), why), 0);
	CU_ASSERT_EQUAL(a2len, a1len);
	CU_ASSERT_EQUAL(memcmp(a1, a2, a1len), 0);
	/* Same keys both legs: the relay has nothing to follow. */
	CU_ASSERT_FALSE(media_stream_get(ms, 0)->changed);
	CU_ASSERT_EQUAL(memcmp(&media_stream_get(ms, 0)->leg[MEDIA_PHONE].tx,
	    &tx, sizeof(tx)), 0);
	CU_ASSERT_EQUAL(memcmp(&media_stream_get(ms, 0)->leg[MEDIA_CARRIER].tx,
	    &rx, sizeof(rx)), 0);
	CU_ASSERT_TRUE(media_answered(ms, NULL));
	CU_ASSERT_FALSE(media_offer_pending(ms, NULL));
	OPENSSL_cleanse(&tx, sizeof(tx));
	OPENSSL_cleanse(&rx, sizeof(rx));
	free(a1);
	free(a2);
	free(ans);
	media_session_free(ms);
	CU_ASSERT_EQUAL(ports.released, 2);
}

/* A 200 unlike its 183 (or another fork): its answer replaces the first. */
static void
test_a_different_answer_to_the_same_offer_replaces_the_first(void)
{
	struct media_session	*ms;
	struct media_stream	*st;
	struct media_key	 ck;
	struct sdes_line	 l[2];
	struct sdp		*a;
	char			*ans, *ans2, *a1, *a2, *a3, why[256];
	size_t			 a1len, a2len, a3len;

	ms = answered_call(&ans, &a1, &a1len);
	/* The relay has taken the first answer, as pm_apply() leaves it. */
	media_stream_get(ms, 0)->changed = false;
	/* Another address, port, tag and key. */
	ans2 = peer_sdp("203.0.113.9", 40002, "RTP/SAVP", 2,
	    "AES_CM_128_HMAC_SHA1_32", KEY_CARRIER2);
	CU_ASSERT_EQUAL_FATAL(said(media_answer_again(ms, MEDIA_CARRIER, ans2,
	    strlen(ans2), &a2, &a2len, why, sizeof(why)), why), 0);
	CU_ASSERT_FALSE(a2len == a1len && memcmp(a1, a2, a1len) == 0);
	/* Still the answer the phone's offer wants. */
	a = parsed(a2, a2len);
	CU_ASSERT_EQUAL(a->nmedia, 1);
	check_section(a, 0, 20000, "RTP/SAVP", PHONE_ADDR);
	CU_ASSERT_EQUAL_FATAL(cryptos(a, 0, l, 2), 1);
	CU_ASSERT_EQUAL(l[0].tag, 1);
	check_own_key(&l[0]);
	check_no_test_key(a2);
	CU_ASSERT_PTR_NULL(strstr(a2, "203.0.113.9"));
	/* The relay follows the new answer. */
	st = media_stream_get(ms, 0);
	CU_ASSERT_TRUE(st->changed);
	CU_ASSERT_STRING_EQUAL(st->leg[MEDIA_CARRIER].peer, "203.0.113.9");
	CU_ASSERT_EQUAL(st->leg[MEDIA_CARRIER].peer_port, 40002);
	CU_ASSERT_TRUE(st->leg[MEDIA_CARRIER].srtp);
	key_of("AES_CM_128_HMAC_SHA1_32", KEY_CARRIER2, &ck);
	CU_ASSERT_TRUE(key_is(&st->leg[MEDIA_CARRIER].rx, ck.suite, ck.keysalt,
	    ck.keysalt_len));
	CU_ASSERT_EQUAL(st->leg[MEDIA_CARRIER].tx.suite,
	    SDES_AES_CM_128_HMAC_SHA1_32);
	CU_ASSERT_TRUE(key_is(&st->leg[MEDIA_PHONE].tx, l[0].suite,
	    l[0].keys[0].keysalt, l[0].keys[0].keysalt_len));
	CU_ASSERT_TRUE(media_answered(ms, NULL));
	/* And it is the answer now: repeated, it gets the second again. */
	CU_ASSERT_EQUAL_FATAL(said(media_answer_again(ms, MEDIA_CARRIER, ans2,
	    strlen(ans2), &a3, &a3len, why, sizeof(why)), why), 0);
	CU_ASSERT_EQUAL(a3len, a2len);
	CU_ASSERT_EQUAL(memcmp(a2, a3, a2len), 0);
	CU_ASSERT_FALSE(media_stream_get(ms, 0)->changed);
	OPENSSL_cleanse(&ck, sizeof(ck));
	sdes_clear(&l[0]);
	free(a);
	free(a1);
	free(a2);
	free(a3);
	free(ans);
	free(ans2);
	media_session_free(ms);
	CU_ASSERT_EQUAL(ports.released, 2);
}

/*
 * A forked INVITE: dialog A's 183, then B's, then A's 2xx repeating A's
 * SDP. Dialog A's answer stays the one the phone had there (same keys:
 * with 100rel the phone keeps it), and the relay goes back to A's peer.
 */
static void
test_each_early_dialog_keeps_its_own_answer(void)
{
	struct media_session	*ms = session(SRTP_POLICY_MANDATORY,
	    SDP_SHAPE_SAVP, SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP);
	struct media_stream	*st;
	struct media_key	 tx_a;
	char			*ans_a, *ans_b, *out, *a1, *a2, *a3, *a4;
	char			 why[256];
	size_t			 outlen, a1len, a2len, a3len, a4len;

	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, baresip_savp,
	    strlen(baresip_savp), &out, &outlen, why, sizeof(why)), why), 0);
	free(out);
	ans_a = peer_sdp(CARRIER_PEER, 40000, "RTP/SAVP", 1,
	    "AES_CM_128_HMAC_SHA1_80", KEY_CARRIER);
	ans_b = peer_sdp("203.0.113.9", 40002, "RTP/SAVP", 2,
	    "AES_CM_128_HMAC_SHA1_32", KEY_CARRIER2);
	media_answer_dialog(ms, "fork-a");
	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_CARRIER, ans_a,
	    strlen(ans_a), &a1, &a1len, why, sizeof(why)), why), 0);
	tx_a = media_stream_get(ms, 0)->leg[MEDIA_PHONE].tx;
	media_answer_dialog(ms, "fork-b");
	CU_ASSERT_EQUAL_FATAL(said(media_answer_again(ms, MEDIA_CARRIER, ans_b,
	    strlen(ans_b), &a2, &a2len, why, sizeof(why)), why), 0);
	CU_ASSERT_FALSE(a2len == a1len && memcmp(a1, a2, a1len) == 0);
	CU_ASSERT_STRING_EQUAL(media_stream_get(ms, 0)->leg[MEDIA_CARRIER].peer,
	    "203.0.113.9");
	/* A's 2xx: A's answer again, byte for byte, and the relay follows. */
	media_answer_dialog(ms, "fork-a");
	CU_ASSERT_EQUAL_FATAL(said(media_answer_again(ms, MEDIA_CARRIER, ans_a,
	    strlen(ans_a), &a3, &a3len, why, sizeof(why)), why), 0);
	CU_ASSERT_EQUAL(a3len, a1len);
	CU_ASSERT_EQUAL(memcmp(a1, a3, a1len), 0);
	st = media_stream_get(ms, 0);
	CU_ASSERT_TRUE(st->changed);
	CU_ASSERT_STRING_EQUAL(st->leg[MEDIA_CARRIER].peer, CARRIER_PEER);
	CU_ASSERT_EQUAL(st->leg[MEDIA_CARRIER].peer_port, 40000);
	CU_ASSERT_EQUAL(memcmp(&st->leg[MEDIA_PHONE].tx, &tx_a, sizeof(tx_a)),
	    0);
	/* Once more from A: nothing new for the relay. */
	CU_ASSERT_EQUAL_FATAL(said(media_answer_again(ms, MEDIA_CARRIER, ans_a,
	    strlen(ans_a), &a4, &a4len, why, sizeof(why)), why), 0);
	CU_ASSERT_EQUAL(a4len, a1len);
	CU_ASSERT_EQUAL(memcmp(a1, a4, a1len), 0);
	CU_ASSERT_FALSE(media_stream_get(ms, 0)->changed);
	/* A new offer starts afresh: no dialog's answer is kept past it. */
	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, baresip_savp,
	    strlen(baresip_savp), &out, &outlen, why, sizeof(why)), why), 0);
	free(out);
	media_answer_dialog(ms, "fork-a");
	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_CARRIER, ans_a,
	    strlen(ans_a), &out, &outlen, why, sizeof(why)), why), 0);
	free(out);
	media_answer_dialog(ms, "fork-b");
	CU_ASSERT_EQUAL_FATAL(said(media_answer_again(ms, MEDIA_CARRIER, ans_b,
	    strlen(ans_b), &out, &outlen, why, sizeof(why)), why), 0);
	CU_ASSERT_FALSE(outlen == a2len && memcmp(a2, out, a2len) == 0);
	free(out);
	OPENSSL_cleanse(&tx_a, sizeof(tx_a));
	free(a1);
	free(a2);
	free(a3);
	free(a4);
	free(ans_a);
	free(ans_b);
	media_session_free(ms);
	CU_ASSERT_EQUAL(ports.released, 2);
}

/* media_answer_again() with no answered offer of the other side: 400. */
static void
test_answer_again_without_an_answered_offer_is_400(void)
{
	struct media_session	*ms = session(SRTP_POLICY_MANDATORY,
	    SDP_SHAPE_SAVP, SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP);
	enum media_side		 from;
	char			*ans, *out, *a1, why[256];
	size_t			 outlen, a1len;

	ans = peer_sdp(CARRIER_PEER, 40000, "RTP/SAVP", 1,
	    "AES_CM_128_HMAC_SHA1_80", KEY_CARRIER);
	/* No offer at all. */
	CU_ASSERT_EQUAL(media_answer_again(ms, MEDIA_CARRIER, ans, strlen(ans),
	    &out, &outlen, why, sizeof(why)), 400);
	CU_ASSERT_PTR_NULL(out);
	/* An offer not answered yet: 400, and the offer still waits. */
	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, baresip_savp,
	    strlen(baresip_savp), &out, &outlen, why, sizeof(why)), why), 0);
	free(out);
	CU_ASSERT_EQUAL(media_answer_again(ms, MEDIA_CARRIER, ans, strlen(ans),
	    &out, &outlen, why, sizeof(why)), 400);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_TRUE(media_offer_pending(ms, &from));
	CU_ASSERT_EQUAL(from, MEDIA_PHONE);
	CU_ASSERT_FALSE(media_answered(ms, NULL));
	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_CARRIER, ans,
	    strlen(ans), &a1, &a1len, why, sizeof(why)), why), 0);
	/* Answered, but by the carrier: not an answer the phone can repeat. */
	CU_ASSERT_EQUAL(media_answer_again(ms, MEDIA_PHONE, baresip_savp,
	    strlen(baresip_savp), &out, &outlen, why, sizeof(why)), 400);
	CU_ASSERT_PTR_NULL(out);
	/* A refused offer leaves nothing answered. */
	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_CARRIER, ans,
	    strlen(ans), &out, &outlen, why, sizeof(why)), why), 0);
	free(out);
	media_offer_failed(ms);
	CU_ASSERT_EQUAL(media_answer_again(ms, MEDIA_PHONE, baresip_savp,
	    strlen(baresip_savp), &out, &outlen, why, sizeof(why)), 400);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_EQUAL(media_answer_again(ms, MEDIA_CARRIER, ans, strlen(ans),
	    &out, &outlen, why, sizeof(why)), 400);
	CU_ASSERT_PTR_NULL(out);
	free(a1);
	free(ans);
	media_session_free(ms);
}

/*
 * A late offer: the carrier's offer in the 183 and again in the 200
 * before the phone answers in the ACK. The same offer pending is the
 * same offer (same SDP, same keys, no new port), not glare; any other
 * offer while it waits is 491 and leaves it waiting.
 */
static void
test_pending_offer_repeated_is_the_same_offer_and_another_is_491(void)
{
	struct media_session	*ms = session(SRTP_POLICY_MANDATORY,
	    SDP_SHAPE_SAVP, SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP);
	enum media_side		 from;
	struct media_key	 ck;
	struct sdes_line	 l[4];
	struct sdp		*o, *a;
	char			*offer, *other, *ans, *o1, *o2, *out;
	char			 why[256];
	size_t			 o1len, o2len, outlen, n, i;
	unsigned		 left;

	offer = peer_sdp(CARRIER_PEER, 40000, "RTP/SAVP", 7,
	    "AES_CM_128_HMAC_SHA1_80", KEY_CARRIER);
	other = peer_sdp(CARRIER_PEER, 40000, "RTP/SAVP", 7,
	    "AES_CM_128_HMAC_SHA1_80", KEY_CARRIER2);
	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_CARRIER, offer,
	    strlen(offer), &o1, &o1len, why, sizeof(why)), why), 0);
	left = ports.left;
	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_CARRIER, offer,
	    strlen(offer), &o2, &o2len, why, sizeof(why)), why), 0);
	CU_ASSERT_EQUAL(o2len, o1len);
	CU_ASSERT_EQUAL(memcmp(o1, o2, o1len), 0);
	CU_ASSERT_EQUAL(ports.left, left);
	CU_ASSERT_TRUE(media_offer_pending(ms, &from));
	CU_ASSERT_EQUAL(from, MEDIA_CARRIER);

	/* Another offer from the same side, and one from the other: 491. */
	CU_ASSERT_EQUAL(media_offer(ms, MEDIA_CARRIER, other, strlen(other),
	    &out, &outlen, why, sizeof(why)), 491);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_EQUAL(media_offer(ms, MEDIA_PHONE, baresip_savp,
	    strlen(baresip_savp), &out, &outlen, why, sizeof(why)), 491);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_EQUAL(ports.left, left);
	CU_ASSERT_TRUE(media_offer_pending(ms, &from));
	CU_ASSERT_EQUAL(from, MEDIA_CARRIER);

	/* The phone answers the offer it got (twice, the same): tag 1. */
	o = parsed(o2, o2len);
	n = check_edge_offer_lines(o, 0, l, nitems(l));
	ans = peer_sdp("127.0.0.1", 10012, "RTP/SAVP", 1,
	    "AES_CM_128_HMAC_SHA1_80", KEY_PHONE);
	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_PHONE, ans,
	    strlen(ans), &out, &outlen, why, sizeof(why)), why), 0);
	a = parsed(out, outlen);
	check_section(a, 0, 30000, "RTP/SAVP", CARRIER_ADDR);
	for (i = 0; i < n; i++)
		sdes_clear(&l[i]);
	CU_ASSERT_EQUAL_FATAL(cryptos(a, 0, l, 2), 1);
	CU_ASSERT_EQUAL(l[0].tag, 7);
	check_own_key(&l[0]);
	/* The pending offer's key, not the refused one's. */
	key_of("AES_CM_128_HMAC_SHA1_80", KEY_CARRIER, &ck);
	CU_ASSERT_TRUE(key_is(&media_stream_get(ms, 0)->leg[MEDIA_CARRIER].rx,
	    ck.suite, ck.keysalt, ck.keysalt_len));
	CU_ASSERT_FALSE(media_offer_pending(ms, NULL));
	OPENSSL_cleanse(&ck, sizeof(ck));
	sdes_clear(&l[0]);
	free(o);
	free(a);
	free(o1);
	free(o2);
	free(out);
	free(ans);
	free(offer);
	free(other);
	media_session_free(ms);
	CU_ASSERT_EQUAL(ports.released, 2);
}

/* Is a leg's key the one in base64 b64 (an AES-128 key and salt)? */
static bool
key_b64_is(const struct media_key *k, const char *b64)
{
	struct sdes_line	l;
	char			line[256];
	bool			same;

	snprintf(line, sizeof(line), "1 AES_CM_128_HMAC_SHA1_80 inline:%s",
	    b64);
	CU_ASSERT_PTR_NULL_FATAL(sdes_parse(line, strlen(line), &l));
	same = k->keysalt_len == l.keys[0].keysalt_len &&
	    memcmp(k->keysalt, l.keys[0].keysalt, k->keysalt_len) == 0;
	sdes_clear(&l);
	return same;
}

/*
 * A re-INVITE whose answer the edge refuses leaves the streams as the
 * relay has them; the edge's own offer then brings the answerer back to
 * that state with fresh keys of the suites and tags it had, and its
 * answer changes only the answerer's legs.
 */
static void
test_refused_reanswer_restores_and_the_reoffer_repairs_the_answerer(void)
{
	struct media_session	*ms = session(SRTP_POLICY_MANDATORY,
	    SDP_SHAPE_SAVP, SRTP_POLICY_MANDATORY, SDP_SHAPE_SAVP);
	struct media_stream	*st, before;
	struct sdes_line	 first[4], again[4];
	struct sdp		*o, *r;
	struct sdp_origin	 v1, v3;
	char			*out, *out2, *re, *a1, *ans, *bad, *changed;
	char			*rekeyed, *key, why[256];
	size_t			 outlen, out2len, relen, a1len, n1, n2, i;

	CU_ASSERT_EQUAL(media_reoffer(ms, MEDIA_CARRIER, &re, &relen, why,
	    sizeof(why)), 500);		/* nothing settled yet */
	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, baresip_savp,
	    strlen(baresip_savp), &out, &outlen, why, sizeof(why)), why), 0);
	ans = carrier_answer("RTP/SAVP", 1, "AES_CM_128_HMAC_SHA1_80");
	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_CARRIER, ans,
	    strlen(ans), &a1, &a1len, why, sizeof(why)), why), 0);
	free(a1);
	before = *media_stream_get(ms, 0);

	/* The phone re-keys; the carrier answers a suite it was not offered. */
	xasprintf(&changed, "%s", baresip_savp);
	memcpy(strstr(changed, KEY_PHONE), KEY_PHONE2, strlen(KEY_PHONE2));
	memcpy(strstr(changed, "2451"), "2452", 4);
	memcpy(strstr(changed, "10012"), "10014", 5);	/* and moves */
	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_PHONE, changed,
	    strlen(changed), &out2, &out2len, why, sizeof(why)), why), 0);
	free(out2);
	bad = carrier_answer("RTP/SAVP", 1, "AES_256_CM_HMAC_SHA1_80");
	CU_ASSERT_EQUAL(media_answer(ms, MEDIA_CARRIER, bad, strlen(bad),
	    &a1, &a1len, why, sizeof(why)), 488);
	st = media_stream_get(ms, 0);
	CU_ASSERT_TRUE(key_b64_is(&st->leg[MEDIA_PHONE].rx, KEY_PHONE));
	CU_ASSERT_TRUE(key_b64_is(&st->leg[MEDIA_CARRIER].rx, KEY_CARRIER));
	CU_ASSERT_EQUAL(st->leg[MEDIA_PHONE].peer_port, 10012);
	CU_ASSERT_EQUAL(memcmp(&st->leg[MEDIA_CARRIER].tx,
	    &before.leg[MEDIA_CARRIER].tx, sizeof(before.leg[0].tx)), 0);
	CU_ASSERT_FALSE(st->changed);

	/* The edge offers the carrier what the relay has, with new keys. */
	CU_ASSERT_EQUAL_FATAL(said(media_reoffer(ms, MEDIA_CARRIER, &re,
	    &relen, why, sizeof(why)), why), 0);
	CU_ASSERT_TRUE(media_own_pending(ms));
	o = parsed(out, outlen);
	r = parsed(re, relen);
	check_section(r, 0, 30000, "RTP/SAVP", NULL);
	n1 = cryptos(o, 0, first, 4);
	n2 = cryptos(r, 0, again, 4);
	CU_ASSERT_EQUAL_FATAL(n2, n1);
	for (i = 0; i < n1; i++) {
		CU_ASSERT_EQUAL(again[i].tag, first[i].tag);
		CU_ASSERT_EQUAL(again[i].suite, first[i].suite);
		CU_ASSERT_NOT_EQUAL(memcmp(again[i].keys[0].keysalt,
		    first[i].keys[0].keysalt, first[i].keys[0].keysalt_len), 0);
		check_own_key(&again[i]);
	}
	CU_ASSERT_PTR_NULL(sdp_origin(o, &v1));
	CU_ASSERT_PTR_NULL(sdp_origin(r, &v3));
	CU_ASSERT_TRUE(strtoull(v3.sess_version, NULL, 10) >
	    strtoull(v1.sess_version, NULL, 10));
	/* Nothing else may offer meanwhile. */
	CU_ASSERT_EQUAL(media_offer(ms, MEDIA_PHONE, changed, strlen(changed),
	    &out2, &out2len, why, sizeof(why)), 491);

	/* The carrier answers with a key of its own: only its legs follow. */
	xasprintf(&rekeyed, "%s", ans);
	CU_ASSERT_PTR_NOT_NULL_FATAL(key = strstr(rekeyed, KEY_CARRIER));
	memcpy(key, KEY_PHONE2, strlen(KEY_PHONE2));
	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_CARRIER, rekeyed,
	    strlen(rekeyed), &a1, &a1len, why, sizeof(why)), why), 0);
	CU_ASSERT_PTR_NULL(a1);
	CU_ASSERT_FALSE(media_own_pending(ms));
	st = media_stream_get(ms, 0);
	CU_ASSERT_TRUE(st->changed);
	CU_ASSERT_TRUE(key_b64_is(&st->leg[MEDIA_CARRIER].rx, KEY_PHONE2));
	CU_ASSERT_EQUAL(st->leg[MEDIA_CARRIER].tx.keysalt_len,
	    again[0].keys[0].keysalt_len);
	CU_ASSERT_EQUAL(memcmp(st->leg[MEDIA_CARRIER].tx.keysalt,
	    again[0].keys[0].keysalt, again[0].keys[0].keysalt_len), 0);
	CU_ASSERT_TRUE(key_b64_is(&st->leg[MEDIA_PHONE].rx, KEY_PHONE));
	CU_ASSERT_EQUAL(memcmp(&st->leg[MEDIA_PHONE].tx,
	    &before.leg[MEDIA_PHONE].tx, sizeof(before.leg[0].tx)), 0);

	/* An own offer refused (a 488) leaves the repaired state alone. */
	free(re);
	CU_ASSERT_EQUAL_FATAL(said(media_reoffer(ms, MEDIA_CARRIER, &re,
	    &relen, why, sizeof(why)), why), 0);
	media_offer_failed(ms);
	CU_ASSERT_FALSE(media_offer_pending(ms, NULL));
	CU_ASSERT_TRUE(key_b64_is(&media_stream_get(ms, 0)->leg[MEDIA_CARRIER].rx,
	    KEY_PHONE2));

	for (i = 0; i < n1; i++)
		sdes_clear(&first[i]);
	for (i = 0; i < n2; i++)
		sdes_clear(&again[i]);
	OPENSSL_cleanse(&before, sizeof(before));
	free(o);
	free(r);
	free(re);
	free(out);
	free(ans);
	free(bad);
	free(changed);
	free(rekeyed);
	media_session_free(ms);
}

/*
 * A dual phone that took the plain copy is offered the dual shape again
 * by the edge's own offer, with fresh keys on the RTP/SAVP section; an
 * answer that takes RTP/SAVP this time keys its leg.
 */
static void
test_reoffer_to_a_dual_phone_that_took_the_plain_copy(void)
{
	static const char plain_answer[] =
	    "v=0\r\n"
	    "o=- 1 1 IN IP4 10.1.1.5\r\n"
	    "s=-\r\n"
	    "c=IN IP4 10.1.1.5\r\n"
	    "t=0 0\r\n"
	    "m=audio 0 RTP/SAVP 8\r\n"
	    "m=audio 2222 RTP/AVP 8\r\n";
	static const char savp_answer[] =
	    "v=0\r\n"
	    "o=- 1 2 IN IP4 10.1.1.5\r\n"
	    "s=-\r\n"
	    "c=IN IP4 10.1.1.5\r\n"
	    "t=0 0\r\n"
	    "m=audio 2224 RTP/SAVP 8\r\n"
	    "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" KEY_PHONE "\r\n"
	    "m=audio 0 RTP/AVP 8\r\n";
	struct media_session	*ms = session(SRTP_POLICY_OPTIONAL,
	    SDP_SHAPE_SAVP_AVP, SRTP_POLICY_OPTIONAL, SDP_SHAPE_SAVP);
	struct media_stream	*st;
	struct sdes_line	 l[4];
	struct sdp		*r;
	char			*out, *re, why[256];
	size_t			 outlen, relen, n, i;

	CU_ASSERT_EQUAL_FATAL(said(media_offer(ms, MEDIA_CARRIER, carrier_avp_offer,
	    strlen(carrier_avp_offer), &out, &outlen, why, sizeof(why)), why), 0);
	free(out);
	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_PHONE, plain_answer,
	    strlen(plain_answer), &out, &outlen, why, sizeof(why)), why), 0);
	free(out);
	CU_ASSERT_FALSE(media_stream_get(ms, 0)->leg[MEDIA_PHONE].srtp);

	CU_ASSERT_EQUAL_FATAL(said(media_reoffer(ms, MEDIA_PHONE, &re, &relen,
	    why, sizeof(why)), why), 0);
	r = parsed(re, relen);
	CU_ASSERT_EQUAL_FATAL(r->nmedia, 2);
	check_section(r, 0, 20000, "RTP/SAVP", PHONE_ADDR);
	check_section(r, 1, 20000, "RTP/AVP", PHONE_ADDR);
	n = cryptos(r, 0, l, 4);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(cryptos(r, 1, &l[2], 2), 0);
	CU_ASSERT_EQUAL(l[1].tag, 2);
	CU_ASSERT_EQUAL(l[1].suite, SDES_AES_CM_128_HMAC_SHA1_32);

	CU_ASSERT_EQUAL_FATAL(said(media_answer(ms, MEDIA_PHONE, savp_answer,
	    strlen(savp_answer), &out, &outlen, why, sizeof(why)), why), 0);
	CU_ASSERT_PTR_NULL(out);
	st = media_stream_get(ms, 0);
	CU_ASSERT_TRUE(st->changed);
	CU_ASSERT_TRUE(st->leg[MEDIA_PHONE].srtp);
	CU_ASSERT_EQUAL(st->leg[MEDIA_PHONE].peer_port, 2224);
	CU_ASSERT_TRUE(key_b64_is(&st->leg[MEDIA_PHONE].rx, KEY_PHONE));
	CU_ASSERT_TRUE(key_is(&st->leg[MEDIA_PHONE].tx,
	    SDES_AES_CM_128_HMAC_SHA1_32, l[1].keys[0].keysalt,
	    l[1].keys[0].keysalt_len));
	for (i = 0; i < n; i++)
		sdes_clear(&l[i]);
	free(r);
	free(re);
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
	UNIT_TEST(s, test_a_refresh_answered_with_a_new_key_is_taken);
	UNIT_TEST(s, test_mline_counts_the_edge_cannot_map_are_488);
	UNIT_TEST(s, test_an_optional_answer_with_a_broken_crypto_line_is_488);
	UNIT_TEST(s, test_a_peer_the_relay_cannot_reach_by_family_is_488);
	UNIT_TEST(s, test_port_exhaustion_is_503_and_releases_what_it_took);
	UNIT_TEST(s, test_hold_follows_each_streams_direction_on_each_side);
	UNIT_TEST(s, test_an_rfc2543_hold_reaches_the_other_side_as_a_hold);
	UNIT_TEST(s, test_offer_to_a_dual_phone_and_its_answer);
	UNIT_TEST(s, test_t38_image_udptl_is_plain_udp);
	UNIT_TEST(s,
	    test_every_phone_shape_against_every_carrier_policy_both_ways);
	UNIT_TEST(s,
	    test_answer_repeated_in_the_200_gives_the_same_answer_and_keys);
	UNIT_TEST(s,
	    test_a_different_answer_to_the_same_offer_replaces_the_first);
	UNIT_TEST(s, test_each_early_dialog_keeps_its_own_answer);
	UNIT_TEST(s, test_answer_again_without_an_answered_offer_is_400);
	UNIT_TEST(s,
	    test_pending_offer_repeated_is_the_same_offer_and_another_is_491);
	UNIT_TEST(s,
	    test_a_repeat_after_the_other_sides_exchange_is_a_new_offer);
	UNIT_TEST(s,
	    test_the_origin_towards_a_side_stays_when_the_other_sides_changes);
	UNIT_TEST(s, test_a_peers_window_size_hint_reaches_its_leg);
	UNIT_TEST(s,
	    test_refused_reanswer_restores_and_the_reoffer_repairs_the_answerer);
	UNIT_TEST(s, test_reoffer_to_a_dual_phone_that_took_the_plain_copy);
}
