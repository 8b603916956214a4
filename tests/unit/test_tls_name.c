/*
 * test_tls_name.c: RFC 5922 server identity. The certificates come from
 * data/tls_name/gen.sh; the domain is always the one RFC 3263 started
 * from, never the SRV target (the phones' bug).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tls_name.h"
#include "unit.h"

#define TLS_NAME_DATA	TEST_DATA_DIR "/tls_name/"

/* A client and server after an in-memory handshake. */
struct tls_pair {
	SSL	*client;
	SSL	*server;
};

/* Load one of the generated certificates. */
static X509 *
load_cert(const char *name)
{
	char	 path[512];
	FILE	*f;
	X509	*x;

	snprintf(path, sizeof(path), "%s%s.pem", TLS_NAME_DATA, name);
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "%s: cannot open (see tls_name/gen.sh)\n",
		    path);
		return NULL;
	}
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return x;
}

/* Match a certificate file against a domain; why may be NULL. */
static int
match(const char *name, const char *domain, char *why, size_t whylen)
{
	X509	*x = load_cert(name);
	char	 buf[512];
	int	 r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	if (why == NULL) {
		why = buf;
		whylen = sizeof(buf);
	}
	why[0] = '\0';
	r = tls_name_match(x, domain, why, whylen);
	X509_free(x);
	return r;
}

/* SAN URI sip:carrier.test identifies carrier.test. */
static void
test_tls_name_sip_uri_matches_domain(void)
{
	CU_ASSERT_EQUAL(match("uri", "carrier.test", NULL, 0), 0);
	CU_ASSERT_EQUAL(match("uri", "other.test", NULL, 0), -1);
}

/* With a sip URI present, a dNSName for the domain does not count. */
static void
test_tls_name_uri_present_ignores_dnsname(void)
{
	char	why[512];

	CU_ASSERT_EQUAL(match("uri-other-dns", "carrier.test", why,
	    sizeof(why)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(why,
	    "certificate names sip:other.test; expected carrier.test"));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "dNSName"));
	CU_ASSERT_EQUAL(match("uri-other-dns", "other.test", NULL, 0), 0);
}

/* Without sip URIs the dNSNames are the identities. */
static void
test_tls_name_dnsname_matches_without_uri(void)
{
	CU_ASSERT_EQUAL(match("dns", "carrier.test", NULL, 0), 0);
	/* The subject CN of a certificate with SAN is no identity. */
	CU_ASSERT_EQUAL(match("dns", "dns-only", NULL, 0), -1);
}

/* The subject CN counts only when there is no subjectAltName at all. */
static void
test_tls_name_cn_used_only_without_san(void)
{
	CU_ASSERT_EQUAL(match("cn", "carrier.test", NULL, 0), 0);
	CU_ASSERT_EQUAL(match("cn", "other.test", NULL, 0), -1);
}

/* CN=carrier.test with SAN dNSName other.test is not carrier.test. */
static void
test_tls_name_cn_ignored_when_san_present(void)
{
	char	why[512];

	CU_ASSERT_EQUAL(match("cn-san-other", "carrier.test", why,
	    sizeof(why)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(why,
	    "certificate names other.test; expected carrier.test"));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "CN"));
}

/* *.carrier.test matches neither x.carrier.test nor carrier.test. */
static void
test_tls_name_wildcard_is_never_honoured(void)
{
	char	why[512];

	CU_ASSERT_EQUAL(match("wildcard", "x.carrier.test", why, sizeof(why)),
	    -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "*.carrier.test"));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "wildcard"));
	CU_ASSERT_EQUAL(match("wildcard", "carrier.test", NULL, 0), -1);
	/* Nor does a "domain" that is itself a pattern. */
	CU_ASSERT_EQUAL(match("wildcard", "*.carrier.test", NULL, 0), -1);
}

/* Comparison ignores ASCII case on both sides. */
static void
test_tls_name_case_is_ignored(void)
{
	CU_ASSERT_EQUAL(match("mixed-case", "carrier.test", NULL, 0), 0);
	CU_ASSERT_EQUAL(match("dns", "CARRIER.Test", NULL, 0), 0);
}

/* One trailing dot, on either side, is the same name. */
static void
test_tls_name_trailing_dot_is_ignored(void)
{
	CU_ASSERT_EQUAL(match("trailing-dot", "carrier.test", NULL, 0), 0);
	CU_ASSERT_EQUAL(match("dns", "carrier.test.", NULL, 0), 0);
	CU_ASSERT_EQUAL(match("dns", "carrier.test..", NULL, 0), -1);
}

/* A certificate for the SRV target only does not identify the domain. */
static void
test_tls_name_srv_target_only_is_refused(void)
{
	char	why[512];

	CU_ASSERT_EQUAL(match("srv-target", "carrier.test", why, sizeof(why)),
	    -1);
	CU_ASSERT_STRING_EQUAL(why,
	    "certificate names sip1.provider.net; expected carrier.test");
}

/* Whole names only: no suffix or partial matches. */
static void
test_tls_name_suffix_does_not_match(void)
{
	CU_ASSERT_EQUAL(match("dns", "test", NULL, 0), -1);
	CU_ASSERT_EQUAL(match("dns", "sub.carrier.test", NULL, 0), -1);
	CU_ASSERT_EQUAL(match("dns", "arrier.test", NULL, 0), -1);
	CU_ASSERT_EQUAL(match("dns", "", NULL, 0), -1);
}

/* sip:alice@carrier.test names a user; it also keeps dNSNames out. */
static void
test_tls_name_uri_with_user_part_is_refused(void)
{
	CU_ASSERT_EQUAL(match("uri-user", "carrier.test", NULL, 0), -1);
}

/* sips: URIs are not SIP domain identities (§7.1), nor is the CN then. */
static void
test_tls_name_sips_uri_is_not_an_identity(void)
{
	char	why[512];

	CU_ASSERT_EQUAL(match("uri-sips", "carrier.test", why, sizeof(why)),
	    -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "no sip URI or dNSName"));
}

/* sip:carrier.test:5061;transport=tls identifies carrier.test (§7.2). */
static void
test_tls_name_uri_port_and_params_are_ignored(void)
{
	CU_ASSERT_EQUAL(match("uri-params", "carrier.test", NULL, 0), 0);
}

/* A dNSName with an embedded NUL matches nothing and prints safely. */
static void
test_tls_name_embedded_nul_is_refused(void)
{
	static const char	 evil[] = "carrier.test\0.evil.test";
	X509			*x = X509_new();
	GENERAL_NAMES		*gens = GENERAL_NAMES_new();
	GENERAL_NAME		*g = GENERAL_NAME_new();
	ASN1_IA5STRING		*s = ASN1_IA5STRING_new();
	char			 why[512], list[256];

	CU_ASSERT_FATAL(x && gens && g && s);
	ASN1_STRING_set(s, evil, sizeof(evil) - 1);
	GENERAL_NAME_set0_value(g, GEN_DNS, s);
	sk_GENERAL_NAME_push(gens, g);
	X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, 0);
	GENERAL_NAMES_free(gens);
	CU_ASSERT_EQUAL(tls_name_match(x, "carrier.test", why, sizeof(why)),
	    -1);
	CU_ASSERT_EQUAL(tls_name_list(x, list, sizeof(list)), 1);
	CU_ASSERT_STRING_EQUAL(list, "carrier.test?.evil.test");
	X509_free(x);
}

/* The list holds exactly the identities RFC 5922 considered. */
static void
test_tls_name_list_shows_considered_names(void)
{
	const struct {
		const char	*cert;
		int		 n;
		const char	*list;
	} t[] = {
		{ "uri-other-dns", 1, "sip:other.test" },
		{ "uri-user", 1, "sip:alice@carrier.test" },
		{ "dns", 1, "carrier.test" },
		{ "cn", 1, "carrier.test" },
		{ "uri-sips", 0, "" },
	};
	char	buf[256], tiny[8];
	X509	*x;
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		x = load_cert(t[i].cert);
		CU_ASSERT_PTR_NOT_NULL_FATAL(x);
		CU_ASSERT_EQUAL(tls_name_list(x, buf, sizeof(buf)), t[i].n);
		CU_ASSERT_STRING_EQUAL(buf, t[i].list);
		X509_free(x);
	}
	/* A short buffer truncates, still terminated. */
	x = load_cert("uri-other-dns");
	CU_ASSERT_EQUAL(tls_name_list(x, tiny, sizeof(tiny)), 1);
	CU_ASSERT_STRING_EQUAL(tiny, "sip:oth");
	X509_free(x);
}

/* The host part of SAN URIs, and which URIs are not domain identities. */
static void
test_tls_name_uri_host_parses_sip_uris(void)
{
	const struct {
		const char	*uri;
		const char	*host;		/* NULL: not an identity */
	} t[] = {
		{ "sip:a.test", "a.test" },
		{ "SIP:a.test:5061", "a.test" },
		{ "sip:a.test;transport=tls", "a.test" },
		{ "sip:a.test?h=x", "a.test" },
		{ "sip:carrier.test;x@evil.test", NULL },
		{ "sip:carrier.test?x@evil.test", NULL },
		{ "sip:[2001:db8::1]:5061", "2001:db8::1" },
		{ "sip:u@a.test", NULL },
		{ "sip:u:pw@a.test", NULL },
		{ "sips:a.test", NULL },
		{ "tel:+4921100", NULL },
		{ "sip:", NULL },
		{ "sip:;x", NULL },
		{ "sip:[2001:db8::1", NULL },
		{ "si", NULL },
	};
	const char	*host;
	size_t		 i, len;
	int		 r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = tls_name_uri_host(t[i].uri, strlen(t[i].uri), &host, &len);
		if (t[i].host == NULL) {
			CU_ASSERT_EQUAL(r, -1);
			continue;
		}
		CU_ASSERT_EQUAL_FATAL(r, 0);
		CU_ASSERT_EQUAL(len, strlen(t[i].host));
		CU_ASSERT_NSTRING_EQUAL(host, t[i].host, len);
	}
}

/* Handshake in memory with a server presenting cert; trust: the test CA. */
static int
handshake(struct tls_pair *p, const char *cert, int trust)
{
	SSL_CTX	*sctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX	*cctx = SSL_CTX_new(TLS_client_method());
	BIO	*bc, *bs;
	char	 path[512];
	int	 i, cdone = 0, sdone = 0;

	snprintf(path, sizeof(path), "%s%s.pem", TLS_NAME_DATA, cert);
	if (SSL_CTX_use_certificate_file(sctx, path, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(sctx, TLS_NAME_DATA "leaf.key",
	    SSL_FILETYPE_PEM) != 1)
		return -1;
	if (trust && SSL_CTX_load_verify_locations(cctx, TLS_NAME_DATA
	    "ca.pem", NULL) != 1)
		return -1;
	/* Verification runs and is recorded; tls_name_verify judges it. */
	SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, NULL);
	p->client = SSL_new(cctx);
	p->server = SSL_new(sctx);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	if (BIO_new_bio_pair(&bc, 0, &bs, 0) != 1)
		return -1;
	SSL_set_bio(p->client, bc, bc);
	SSL_set_bio(p->server, bs, bs);
	SSL_set_connect_state(p->client);
	SSL_set_accept_state(p->server);
	for (i = 0; i < 20 && !(cdone && sdone); i++) {
		cdone = cdone || SSL_do_handshake(p->client) == 1;
		sdone = sdone || SSL_do_handshake(p->server) == 1;
	}
	return cdone && sdone ? 0 : -1;
}

/* Free both ends. */
static void
tls_pair_free(struct tls_pair *p)
{
	SSL_free(p->client);
	SSL_free(p->server);
}

/* A trusted chain naming the domain passes. */
static void
test_tls_name_verify_accepts_trusted_domain_cert(void)
{
	struct tls_pair	p = { NULL, NULL };
	char		why[512] = "";

	CU_ASSERT_EQUAL_FATAL(handshake(&p, "dns", 1), 0);
	CU_ASSERT_EQUAL(tls_name_verify(p.client, "carrier.test", why,
	    sizeof(why)), 0);
	tls_pair_free(&p);
}

/* A trusted chain for the SRV target only is refused after the handshake. */
static void
test_tls_name_verify_refuses_srv_target_cert(void)
{
	struct tls_pair	p = { NULL, NULL };
	char		why[512] = "";

	CU_ASSERT_EQUAL_FATAL(handshake(&p, "srv-target", 1), 0);
	CU_ASSERT_EQUAL(tls_name_verify(p.client, "carrier.test", why,
	    sizeof(why)), -1);
	CU_ASSERT_STRING_EQUAL(why,
	    "certificate names sip1.provider.net; expected carrier.test");
	tls_pair_free(&p);
}

/* An untrusted chain is reported as such, before any name check. */
static void
test_tls_name_verify_reports_untrusted_chain(void)
{
	struct tls_pair	p = { NULL, NULL };
	char		why[512] = "";

	CU_ASSERT_EQUAL_FATAL(handshake(&p, "dns", 0), 0);
	CU_ASSERT_EQUAL(tls_name_verify(p.client, "carrier.test", why,
	    sizeof(why)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "certificate chain not trusted: "
	    "unable to get local issuer certificate"));
	tls_pair_free(&p);
}

void
test_tls_name_register(void)
{
	CU_pSuite	s = unit_suite("tls_name");

	UNIT_TEST(s, test_tls_name_sip_uri_matches_domain);
	UNIT_TEST(s, test_tls_name_uri_present_ignores_dnsname);
	UNIT_TEST(s, test_tls_name_dnsname_matches_without_uri);
	UNIT_TEST(s, test_tls_name_cn_used_only_without_san);
	UNIT_TEST(s, test_tls_name_cn_ignored_when_san_present);
	UNIT_TEST(s, test_tls_name_wildcard_is_never_honoured);
	UNIT_TEST(s, test_tls_name_case_is_ignored);
	UNIT_TEST(s, test_tls_name_trailing_dot_is_ignored);
	UNIT_TEST(s, test_tls_name_srv_target_only_is_refused);
	UNIT_TEST(s, test_tls_name_suffix_does_not_match);
	UNIT_TEST(s, test_tls_name_uri_with_user_part_is_refused);
	UNIT_TEST(s, test_tls_name_sips_uri_is_not_an_identity);
	UNIT_TEST(s, test_tls_name_uri_port_and_params_are_ignored);
	UNIT_TEST(s, test_tls_name_embedded_nul_is_refused);
	UNIT_TEST(s, test_tls_name_list_shows_considered_names);
	UNIT_TEST(s, test_tls_name_uri_host_parses_sip_uris);
	UNIT_TEST(s, test_tls_name_verify_accepts_trusted_domain_cert);
	UNIT_TEST(s, test_tls_name_verify_refuses_srv_target_cert);
	UNIT_TEST(s, test_tls_name_verify_reports_untrusted_chain);
}
