/*
 * tls.h: OpenSSL contexts for both sides of the edge, and what a finished
 * handshake tells us (version, cipher, group, SNI) for sipedgectl.
 */
#ifndef SIPEDGE_TLS_H
#define SIPEDGE_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

struct config_phones;
struct config_carrier;

struct tls_info {
	char	version[16];	/* "TLSv1.3" */
	char	cipher[64];
	char	group[32];	/* key exchange group, "X25519" */
	char	sni[256];	/* server name the peer asked for, or "" */
};

/* Server context for phones from [phones]; NULL with a reason on error. */
SSL_CTX	*tls_phone_ctx_new(const struct config_phones *, char *, size_t);
/*
 * Server context for carriers that connect to the edge: the edge's
 * certificate from [phones], TLS 1.2 or later, OpenSSL's default suites.
 * With client_ca, a client certificate that chains to it is required
 * (the name in it is checked after the handshake); without, none is asked.
 */
SSL_CTX	*tls_carrier_server_ctx_new(const struct config_phones *,
	    const char *client_ca, char *, size_t);
/* Client context for one carrier: CA, verification and minimum version. */
SSL_CTX	*tls_carrier_ctx_new(const struct config_carrier *, char *, size_t);
/* Fill info from an established connection. */
void	 tls_info_get(SSL *, struct tls_info *);
/* The first OpenSSL error on this thread's queue as text, queue cleared. */
const char *tls_error_str(char *, size_t);

#endif
