/* tls.c: OpenSSL contexts for phones (server) and carriers (client). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "edge_config.h"
#include "log.h"
#include "tls.h"

const char *
tls_error_str(char *buf, size_t len)
{
	unsigned long	e = ERR_get_error();

	if (e == 0)
		snprintf(buf, len, "unknown TLS error");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

/* Log a peer certificate that failed its chain check, and why. */
static int
tls_verify_log(int ok, X509_STORE_CTX *ctx, const char *what)
{
	char	buf[256];

	if (!ok) {
		X509	*cert = X509_STORE_CTX_get_current_cert(ctx);

		if (cert != NULL)
			X509_NAME_oneline(X509_get_subject_name(cert), buf,
			    sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "(no certificate)");
		log_info("tls: %s %s refused: %s", what, buf,
		    X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx)));
	}
	return ok;
}

/* Log the address of a phone whose handshake fails at the server callback. */
static int
tls_phone_verify_cb(int ok, X509_STORE_CTX *ctx)
{
	return tls_verify_log(ok, ctx, "phone certificate");
}

/* Settings both sides share: no compression, no renegotiation, small buffers. */
static void
tls_ctx_common(SSL_CTX *ctx)
{
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	/*
	 * Idle phones hold a connection for hours: give the 16 KiB record
	 * buffers back between reads. This is most of the memory per idle
	 * connection.
	 */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

/*
 * The edge's certificate chain and key, which both listeners serve;
 * *file names the one at fault.
 */
static int
tls_server_cert(SSL_CTX *ctx, const struct config_phones *p,
    const char **file)
{
	*file = p->certificate;
	if (SSL_CTX_use_certificate_chain_file(ctx, p->certificate) != 1)
		return -1;
	*file = p->private_key;
	if (SSL_CTX_use_PrivateKey_file(ctx, p->private_key,
	    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1)
		return -1;
	*file = NULL;
	return 0;
}

/*
 * Ask peers for a certificate from the CA in file and refuse any other,
 * or, without a file, ask for none. *at names the file at fault.
 */
static int
tls_client_ca(SSL_CTX *ctx, const char *file, SSL_verify_cb cb,
    const char **at)
{
	STACK_OF(X509_NAME)	*names;

	if (file == NULL) {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		return 0;
	}
	*at = file;
	if (SSL_CTX_load_verify_locations(ctx, file, NULL) != 1 ||
	    (names = SSL_load_client_CA_file(file)) == NULL)
		return -1;
	SSL_CTX_set_client_CA_list(ctx, names);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, cb);
	*at = NULL;
	return 0;
}

/* A server context's failure: the OpenSSL reason, after the file if one. */
static SSL_CTX *
tls_server_fail(SSL_CTX *ctx, const char *file, char *why, size_t whylen)
{
	char	err[256];

	tls_error_str(err, sizeof(err));
	if (file != NULL)
		snprintf(why, whylen, "%s: %s", file, err);
	else
		snprintf(why, whylen, "%s", err);
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *
tls_phone_ctx_new(const struct config_phones *p, char *why, size_t whylen)
{
	SSL_CTX		*ctx;
	const char	*file = NULL;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		return tls_server_fail(ctx, NULL, why, whylen);
	tls_ctx_common(ctx);
	if (!SSL_CTX_set_min_proto_version(ctx, p->tls_min_version) ||
	    !SSL_CTX_set_cipher_list(ctx, p->tls_ciphers) ||
	    !SSL_CTX_set_ciphersuites(ctx, p->tls_ciphersuites) ||
	    !SSL_CTX_set1_groups_list(ctx, p->tls_groups) ||
	    tls_server_cert(ctx, p, &file) == -1 ||
	    tls_client_ca(ctx, p->client_ca, tls_phone_verify_cb, &file) == -1)
		return tls_server_fail(ctx, file, why, whylen);
	return ctx;
}

/* Log why a carrier's client certificate failed its chain check. */
static int
tls_carrier_verify_cb(int ok, X509_STORE_CTX *ctx)
{
	return tls_verify_log(ok, ctx, "carrier client certificate");
}

SSL_CTX *
tls_carrier_server_ctx_new(const struct config_phones *p,
    const char *client_ca, char *why, size_t whylen)
{
	static const unsigned char	 sid[] = "sipedge-carrier";
	SSL_CTX				*ctx;
	const char			*file = NULL;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		return tls_server_fail(ctx, NULL, why, whylen);
	tls_ctx_common(ctx);
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    !SSL_CTX_set_session_id_context(ctx, sid, sizeof(sid) - 1) ||
	    tls_server_cert(ctx, p, &file) == -1 ||
	    tls_client_ca(ctx, client_ca, tls_carrier_verify_cb, &file) == -1)
		return tls_server_fail(ctx, file, why, whylen);
	return ctx;
}

SSL_CTX *
tls_carrier_ctx_new(const struct config_carrier *c, char *why, size_t whylen)
{
	SSL_CTX	*ctx;
	char	 err[256];
	int	 ok;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		goto fail;
	tls_ctx_common(ctx);
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION))
		goto fail;
	if (c->ca_file != NULL)
		ok = SSL_CTX_load_verify_locations(ctx, c->ca_file, NULL);
	else
		ok = SSL_CTX_set_default_verify_paths(ctx);
	if (ok != 1)
		goto fail;
	/*
	 * The chain is checked by OpenSSL; the name is checked after the
	 * handshake against the SIP domain (RFC 5922), not the host name we
	 * connected to, so no X509_VERIFY_PARAM host is set here.
	 */
	SSL_CTX_set_verify(ctx, c->tls_verify ? SSL_VERIFY_PEER :
	    SSL_VERIFY_NONE, NULL);
	return ctx;
fail:
	snprintf(why, whylen, "%s", tls_error_str(err, sizeof(err)));
	SSL_CTX_free(ctx);
	return NULL;
}

void
tls_info_get(SSL *ssl, struct tls_info *info)
{
	const char	*s;
	int		 nid;

	memset(info, 0, sizeof(*info));
	snprintf(info->version, sizeof(info->version), "%s",
	    SSL_get_version(ssl));
	s = SSL_get_cipher_name(ssl);
	snprintf(info->cipher, sizeof(info->cipher), "%s", s ? s : "");
	nid = SSL_get_negotiated_group(ssl);
	s = nid > 0 ? SSL_group_to_name(ssl, nid) : NULL;
	snprintf(info->group, sizeof(info->group), "%s", s ? s : "");
	s = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	snprintf(info->sni, sizeof(info->sni), "%s", s ? s : "");
}
