/*
 * srtp_ossl_int.h: the libsrtp2 type tables srtp_ossl_aes.c and
 * srtp_ossl_hmac.c define for srtp_ossl.c to install.
 */
#ifndef SIPEDGE_SRTP_OSSL_INT_H
#define SIPEDGE_SRTP_OSSL_INT_H

#include <srtp2/auth.h>
#include <srtp2/cipher.h>

extern const srtp_cipher_type_t	srtp_ossl_aes_icm_128;
extern const srtp_cipher_type_t	srtp_ossl_aes_icm_192;
extern const srtp_cipher_type_t	srtp_ossl_aes_icm_256;
extern const srtp_cipher_type_t	srtp_ossl_aes_gcm_128;
extern const srtp_cipher_type_t	srtp_ossl_aes_gcm_256;
extern const srtp_auth_type_t	srtp_ossl_hmac_sha1;

/* Fetch the EVP ciphers once; 0 or -1. Before any type is allocated. */
int	srtp_ossl_aes_fetch(void);

#endif
