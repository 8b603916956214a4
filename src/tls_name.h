/*
 * tls_name.h: RFC 5922 §7.1-7.3 server identity: does a carrier's
 * certificate identify the SIP domain that went into RFC 3263 resolution
 * (never the SRV/NAPTR target, never a wildcard)?
 */
#ifndef SIPEDGE_TLS_NAME_H
#define SIPEDGE_TLS_NAME_H

#include <stddef.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

/*
 * 0 if the certificate names the SIP domain; -1 otherwise with a reason
 * in why ("certificate names sip:other.test, carrier-srv.test; expected
 * carrier.test").
 */
int	tls_name_match(X509 *, const char *domain, char *why, size_t whylen);
/*
 * The identities RFC 5922 considers, comma-separated into buf (bytes
 * outside printable ASCII shown as '?'); returns how many there are.
 */
int	tls_name_list(X509 *, char *buf, size_t len);
/*
 * After a handshake: 0 if the chain verified (SSL_get_verify_result) and
 * the peer certificate names the domain; -1 with a reason otherwise.
 */
int	tls_name_verify(SSL *, const char *domain, char *why, size_t whylen);
/*
 * The host part of a SAN URI if it is a SIP domain identity (RFC 5922
 * §7.1: scheme "sip", no user part, i.e. no '@' anywhere; port, parameters
 * and headers are not part of the identity, §7.2). 0 and *host, *hostlen
 * pointing into uri on success.
 */
int	tls_name_uri_host(const char *uri, size_t len, const char **host,
	    size_t *hostlen);

#endif
