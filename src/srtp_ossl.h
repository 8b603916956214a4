/*
 * srtp_ossl.h: OpenSSL-backed ciphers and authentication for libsrtp2.
 *
 * Debian's libsrtp2 does its AES and HMAC-SHA1 through NSS, which costs a
 * PKCS#11 context per packet and slows down as sessions grow. This module
 * plugs OpenSSL EVP AES-ICM (128, 192, 256), AES-GCM (128, 256; 8 and 16
 * octet tags) and an HMAC-SHA1 on precomputed inner and outer SHA-1 states
 * into libsrtp2's crypto kernel with srtp_replace_cipher_type() and
 * srtp_replace_auth_type(). libsrtp2 keeps its key derivation, replay
 * database and rollover counter; only the primitives change. Contexts are
 * made when libsrtp2 allocates and keys a stream; a packet allocates
 * nothing and takes no lock.
 *
 * The replacement is process-global and applies to streams created after
 * it; call srtp_ossl_install() once, after srtp_init() and before the
 * first srtp_create(), while only one thread uses libsrtp2.
 *
 * Nothing here logs, and no reason string carries key or salt bytes.
 */
#ifndef SIPEDGE_SRTP_OSSL_H
#define SIPEDGE_SRTP_OSSL_H

/*
 * Replace libsrtp2's AES-ICM, AES-GCM and HMAC-SHA1 with ours, then
 * self-test: libsrtp2 runs its own test vectors and ours on each replaced
 * type, and srtp_ossl_check() must agree. 0 on success; -1 with a static
 * reason otherwise, and the daemon must not start: a type that failed may
 * already be installed.
 */
int	srtp_ossl_install(const char **reason);

/*
 * Protect and unprotect a fixed RTP and RTCP packet with a fixed master
 * key for every suite and compare with outputs computed with Debian's
 * stock libsrtp2: a known answer for the whole chain, key derivation
 * included, through whatever types libsrtp2 has registered now. 0 if all
 * agree; -1 and a static reason naming the suite otherwise. Needs
 * srtp_init().
 */
int	srtp_ossl_check(const char **reason);

#endif
