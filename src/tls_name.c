/*
 * tls_name.c: RFC 5922 §7 server identity for SIP over TLS.
 *
 * The set of identities a certificate offers (§7.1) is, in precedence:
 *
 * 1. subjectAltName URIs with scheme "sip". When the certificate has any,
 *    only they count. A "sip" URI with a user part names a user, not a
 *    domain: it is never accepted, but it still is a sip URI, so it still
 *    keeps dNSNames out (the stricter reading of "no URI identities whose
 *    scheme is sip"). "sips" URIs must not appear in certificates (§7.1)
 *    and are ignored altogether. The URI's port, parameters and headers
 *    are not part of the identity (§7.2).
 * 2. Otherwise subjectAltName dNSNames.
 * 3. Only when there is no subjectAltName extension at all: the subject
 *    CN(s). A subjectAltName with nothing usable in it matches nothing.
 *
 * Comparison (§7.2) is of whole DNS names, ASCII case-insensitive, one
 * trailing dot ignored, never a suffix and never a wildcard: "*.x.test"
 * is just a name that no host is called. A name with an embedded NUL
 * matches nothing. The domain compared is the one RFC 3263 started from
 * (§7.3), never the SRV or NAPTR target: that is the phones' bug.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/x509v3.h>

#include "tls_name.h"

enum tls_name_kind {
	TLS_NAME_NONE,		/* subjectAltName without usable entries */
	TLS_NAME_URI,
	TLS_NAME_DNS,
	TLS_NAME_CN,
};

/* Called for each identity of a kind; non-zero stops the walk. */
typedef int (*tls_name_fn)(const char *, size_t, void *);

struct tls_name_cmp {
	const char	*domain;
	int		 kind;
	int		 found;
};

struct tls_name_out {
	char		*buf;
	size_t		 len;
	size_t		 used;
	int		 count;
	int		 wildcard;
};

/* ASCII lower case, whatever the locale. */
static int
tls_name_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Whole-name, case-insensitive comparison ignoring one trailing dot each. */
static int
tls_name_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t	i;

	if (alen > 0 && a[alen - 1] == '.')
		alen--;
	if (blen > 0 && b[blen - 1] == '.')
		blen--;
	if (alen == 0 || alen != blen)
		return 0;
	for (i = 0; i < alen; i++) {
		if (a[i] == '\0' || b[i] == '\0' ||
		    tls_name_lower((unsigned char)a[i]) !=
		    tls_name_lower((unsigned char)b[i]))
			return 0;
	}
	return 1;
}

/* Does a SAN URI have the "sip" scheme (case-insensitive, RFC 3986)? */
static int
tls_name_is_sip(const char *uri, size_t len)
{
	return len >= 4 && strncasecmp(uri, "sip:", 4) == 0;
}

int
tls_name_uri_host(const char *uri, size_t len, const char **host,
    size_t *hostlen)
{
	const char	*p, *end;

	if (!tls_name_is_sip(uri, len))
		return -1;
	/*
	 * Any '@' means a user part: RFC 3261 users may contain ';' and '?',
	 * parameters and headers may not contain '@', so
	 * "sip:carrier.test;x@evil.test" is a user at evil.test.
	 */
	if (memchr(uri, '@', len) != NULL)
		return -1;
	*host = p = uri + 4;
	for (end = uri + len; p < end && *p != ';' && *p != '?'; p++)
		;
	end = p;
	if (*host < end && **host == '[') {
		for (p = *host; p < end && *p != ']'; p++)
			;
		if (p == end)
			return -1;
		(*host)++;
	} else {
		for (p = *host; p < end && *p != ':'; p++)
			;
	}
	*hostlen = p - *host;
	return *hostlen == 0 ? -1 : 0;
}

/* Walk the subjectAltName entries of one kind. */
static int
tls_name_each_san(X509 *cert, enum tls_name_kind kind, tls_name_fn fn,
    void *arg)
{
	GENERAL_NAMES		*gens;
	const GENERAL_NAME	*g;
	const ASN1_STRING	*s;
	const char		*data;
	int			 i, len, stop = 0;

	gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	if (gens == NULL)
		return 0;
	for (i = 0; i < sk_GENERAL_NAME_num(gens) && !stop; i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (kind == TLS_NAME_URI && g->type == GEN_URI)
			s = g->d.uniformResourceIdentifier;
		else if (kind == TLS_NAME_DNS && g->type == GEN_DNS)
			s = g->d.dNSName;
		else
			continue;
		data = (const char *)ASN1_STRING_get0_data(s);
		len = ASN1_STRING_length(s);
		if (kind == TLS_NAME_URI && !tls_name_is_sip(data, len))
			continue;
		stop = fn(data, len, arg);
	}
	GENERAL_NAMES_free(gens);
	return stop;
}

/* Walk the subject CNs, converted to UTF-8. */
static int
tls_name_each_cn(X509 *cert, tls_name_fn fn, void *arg)
{
	const X509_NAME	*name = X509_get_subject_name(cert);
	unsigned char	*utf8;
	int		 i = -1, len, stop = 0;

	while (!stop &&
	    (i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0) {
		len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(
		    X509_NAME_get_entry(name, i)));
		if (len < 0)
			continue;
		stop = fn((const char *)utf8, len, arg);
		OPENSSL_free(utf8);
	}
	return stop;
}

/* Walk the identities of one kind. */
static int
tls_name_each(X509 *cert, enum tls_name_kind kind, tls_name_fn fn, void *arg)
{
	switch (kind) {
	case TLS_NAME_URI:
	case TLS_NAME_DNS:
		return tls_name_each_san(cert, kind, fn, arg);
	case TLS_NAME_CN:
		return tls_name_each_cn(cert, fn, arg);
	case TLS_NAME_NONE:
		break;
	}
	return 0;
}

/* Stop at the first entry: used to test whether a kind is present. */
static int
tls_name_any_cb(const char *name, size_t len, void *arg)
{
	return 1;
}

/* Which kind of identity RFC 5922 §7.1 uses for this certificate. */
static enum tls_name_kind
tls_name_kind(X509 *cert)
{
	if (X509_get_ext_by_NID(cert, NID_subject_alt_name, -1) < 0)
		return TLS_NAME_CN;
	if (tls_name_each(cert, TLS_NAME_URI, tls_name_any_cb, NULL))
		return TLS_NAME_URI;
	if (tls_name_each(cert, TLS_NAME_DNS, tls_name_any_cb, NULL))
		return TLS_NAME_DNS;
	return TLS_NAME_NONE;
}

/* Compare one identity with the domain. */
static int
tls_name_cmp_cb(const char *name, size_t len, void *arg)
{
	struct tls_name_cmp	*c = arg;
	const char		*host = name;
	size_t			 hostlen = len;

	if (c->kind == TLS_NAME_URI &&
	    tls_name_uri_host(name, len, &host, &hostlen) == -1)
		return 0;
	c->found = tls_name_equal(host, hostlen, c->domain, strlen(c->domain));
	return c->found;
}

/* Does an identity of this kind name the domain? */
static int
tls_name_has(X509 *cert, enum tls_name_kind kind, const char *domain)
{
	struct tls_name_cmp	c = { domain, kind, 0 };

	tls_name_each(cert, kind, tls_name_cmp_cb, &c);
	return c.found;
}

/* Append one identity, printable ASCII only, to the output buffer. */
static int
tls_name_out_cb(const char *name, size_t len, void *arg)
{
	struct tls_name_out	*o = arg;
	size_t			 i;
	const char		*sep = o->count > 0 ? ", " : "";

	o->count++;
	if (len >= 2 && name[0] == '*' && name[1] == '.')
		o->wildcard = 1;
	for (; *sep != '\0'; sep++) {
		if (o->used + 1 < o->len)
			o->buf[o->used++] = *sep;
	}
	for (i = 0; i < len && o->used + 1 < o->len; i++) {
		o->buf[o->used++] = name[i] > 0x20 && name[i] < 0x7f ?
		    name[i] : '?';
	}
	if (o->len > 0)
		o->buf[o->used] = '\0';
	return 0;
}

/* List the identities of the kind in use; see tls_name_out. */
static void
tls_name_collect(X509 *cert, struct tls_name_out *o)
{
	if (o->len > 0)
		o->buf[0] = '\0';
	tls_name_each(cert, tls_name_kind(cert), tls_name_out_cb, o);
}

int
tls_name_list(X509 *cert, char *buf, size_t len)
{
	struct tls_name_out	o = { buf, len, 0, 0, 0 };

	tls_name_collect(cert, &o);
	return o.count;
}

/* Why a name the operator can see in the certificate did not count. */
static const char *
tls_name_hint(X509 *cert, enum tls_name_kind kind, const char *domain,
    int wildcard)
{
	if (kind == TLS_NAME_URI && tls_name_has(cert, TLS_NAME_DNS, domain))
		return " (its dNSName for the domain does not count: "
		    "the certificate has sip URIs, RFC 5922 7.1)";
	if (kind != TLS_NAME_CN && tls_name_has(cert, TLS_NAME_CN, domain))
		return " (its subject CN does not count: the certificate "
		    "has a subjectAltName, RFC 5922 7.1)";
	if (wildcard)
		return " (wildcard names are never accepted, RFC 5922 7.2)";
	return "";
}

int
tls_name_match(X509 *cert, const char *domain, char *why, size_t whylen)
{
	enum tls_name_kind	kind;
	struct tls_name_out	o;
	char			names[512];

	if (domain == NULL || *domain == '\0' || strchr(domain, '*') != NULL) {
		snprintf(why, whylen, "no SIP domain to verify the certificate "
		    "against");
		return -1;
	}
	kind = tls_name_kind(cert);
	if (tls_name_has(cert, kind, domain))
		return 0;
	memset(&o, 0, sizeof(o));
	o.buf = names;
	o.len = sizeof(names);
	tls_name_collect(cert, &o);
	if (o.count == 0)
		snprintf(names, sizeof(names), "%s", kind == TLS_NAME_CN ?
		    "no subject CN" : "no sip URI or dNSName");
	snprintf(why, whylen, "certificate names %s; expected %s%s", names,
	    domain, tls_name_hint(cert, kind, domain, o.wildcard));
	return -1;
}

int
tls_name_verify(SSL *ssl, const char *domain, char *why, size_t whylen)
{
	X509	*cert = SSL_get0_peer_certificate(ssl);
	long	 r;

	if (cert == NULL) {
		snprintf(why, whylen, "no certificate presented");
		return -1;
	}
	if ((r = SSL_get_verify_result(ssl)) != X509_V_OK) {
		snprintf(why, whylen, "certificate chain not trusted: %s",
		    X509_verify_cert_error_string(r));
		return -1;
	}
	return tls_name_match(cert, domain, why, whylen);
}
