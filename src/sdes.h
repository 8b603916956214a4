/*
 * sdes.h: SDP security descriptions (RFC 4568 SDES) for SRTP: parse the
 * value of one a=crypto attribute from a buffer and a length, print it
 * back canonically, mint fresh keys, and the offer/answer rules the SDP
 * layer needs (choose the one line to accept, check an answer against
 * what was offered).
 *
 * A struct sdes_line holds everything it describes, unknown session
 * parameters included, with no pointers: it may be copied by assignment.
 * It holds master keys and salts, so every line that held one must be
 * wiped with sdes_clear() before its memory goes. The module never logs,
 * and no reason it returns contains key material.
 *
 * Functions that can fail return NULL on success and a short static
 * reason on failure ("unknown crypto suite"), fit for a log line; a line
 * that fails to parse is one the caller skips (RFC 4568 §7.1).
 */
#ifndef SIPEDGE_SDES_H
#define SIPEDGE_SDES_H

#include <stddef.h>
#include <stdint.h>

#include <srtp2/srtp.h>

#define SDES_MAX_LEN		1024	/* one attribute value, raw bytes */
#define SDES_MAX_KEYS		8	/* key-params in a line or a FEC_KEY */
#define SDES_MAX_PARAMS		16	/* session parameters in a line */
#define SDES_PARAM_MAX		128	/* one unknown session parameter */
#define SDES_KEYSALT_MAX	46	/* AES-256 key and 112-bit salt */
#define SDES_TAG_MAX		999999999U	/* 1*9DIGIT */
#define SDES_LIFETIME_MAX	(UINT64_C(1) << 48)	/* RFC 3711 §9.2 */
#define SDES_MKI_LEN_MAX	128	/* RFC 4568 §9.1, bytes */
#define SDES_WSH_MIN		64	/* RFC 4568 §9.1 */
#define SDES_WSH_MAX		0x7fff	/* libsrtp2's largest replay window */
#define SDES_REASON_MAX		160	/* room for sdes_answer_check()'s why */
#define SDES_PRINT_MAX		8192	/* room for any sdes_print() output */

/*
 * The suites of RFC 4568 §6.2, RFC 6188 and RFC 7714, and the GCM
 * variants with 8-octet tags and the NULL suites seen in the field. Each
 * is distinct: AEAD_AES_256_GCM is never AEAD_AES_256_GCM_8.
 */
enum sdes_suite {
	SDES_SUITE_UNKNOWN = 0,
	SDES_AES_CM_128_HMAC_SHA1_80,
	SDES_AES_CM_128_HMAC_SHA1_32,
	SDES_F8_128_HMAC_SHA1_80,
	SDES_AES_192_CM_HMAC_SHA1_80,
	SDES_AES_192_CM_HMAC_SHA1_32,
	SDES_AES_256_CM_HMAC_SHA1_80,
	SDES_AES_256_CM_HMAC_SHA1_32,
	SDES_AEAD_AES_128_GCM,
	SDES_AEAD_AES_128_GCM_8,
	SDES_AEAD_AES_256_GCM,
	SDES_AEAD_AES_256_GCM_8,
	SDES_NULL_HMAC_SHA1_80,
	SDES_NULL_HMAC_SHA1_32,
};
/* One past the last suite: the size of a list of all of them. */
#define SDES_SUITE_COUNT	(SDES_NULL_HMAC_SHA1_32 + 1)

/* What a suite is, and how libsrtp2 is told to do it. */
struct sdes_suite_info {
	enum sdes_suite	 suite;
	const char	*name;		/* canonical (RFC 6188 spelling) */
	size_t		 key_len;	/* master key, octets */
	size_t		 salt_len;	/* master salt, octets */
	size_t		 tag_len;	/* SRTP auth tag, octets */
	size_t		 rtcp_tag_len;	/* SRTCP auth tag, octets */
	int		 aead;		/* RFC 7714 GCM */
	int		 supported;	/* 0: parsed, never used (F8, NULL) */
	/* srtp_crypto_policy_set_...() for SRTP and SRTCP; NULL: none. */
	void		(*rtp_policy)(srtp_crypto_policy_t *);
	void		(*rtcp_policy)(srtp_crypto_policy_t *);
};

/* The three flag parameters (RFC 4568 §6.3), bits of sdes_line.flags. */
#define SDES_F_UNENCRYPTED_SRTP		0x1
#define SDES_F_UNENCRYPTED_SRTCP	0x2
#define SDES_F_UNAUTHENTICATED_SRTP	0x4

/* FEC_ORDER values (RFC 4568 §6.3). */
enum sdes_fec_order {
	SDES_FEC_NONE = 0,	/* not given */
	SDES_FEC_SRTP,		/* FEC_SRTP: FEC before SRTP */
	SDES_SRTP_FEC,		/* SRTP_FEC: SRTP before FEC (the default) */
};

/* An unknown session parameter: an extension with a leading "-". */
struct sdes_ext {
	char	 text[SDES_PARAM_MAX + 1];	/* verbatim */
};

/* One key-param: inline:key||salt[|lifetime][|MKI:length]. */
struct sdes_key {
	unsigned char	 keysalt[SDES_KEYSALT_MAX];	/* secret */
	size_t		 keysalt_len;	/* key_len + salt_len of the suite */
	/*
	 * Packets, normalised: "2^31" and "2147483648" are one value; more
	 * than 2^48 is 2^48 (RFC 3711's limit); 0 means none was given (a
	 * lifetime of 0 says nothing a relay could act on, so it is dropped).
	 */
	uint64_t	 lifetime;
	int		 has_mki;
	uint64_t	 mki;		/* below 2^(8 * mki_len) */
	unsigned	 mki_len;	/* octets, 1..128 */
};

/* One a=crypto attribute. All zeros is an empty line. */
struct sdes_line {
	uint32_t		 tag;
	enum sdes_suite		 suite;
	size_t			 nkeys;
	struct sdes_key		 keys[SDES_MAX_KEYS];
	unsigned		 flags;		/* SDES_F_* */
	int			 has_kdr;
	unsigned		 kdr;		/* KDR=, 0..24 (2^kdr) */
	enum sdes_fec_order	 fec_order;
	size_t			 nfec_keys;	/* FEC_KEY=, same suite */
	struct sdes_key		 fec_keys[SDES_MAX_KEYS];
	uint32_t		 wsh;		/* WSH=, 0: not given */
	size_t			 next;
	struct sdes_ext		 ext[SDES_MAX_PARAMS];	/* as received */
};

/* The table entry of a suite, or NULL for UNKNOWN and out of range. */
const struct sdes_suite_info *sdes_suite_info(enum sdes_suite);
/* The suite a name or alias spells (any case), UNKNOWN if none. */
enum sdes_suite	 sdes_suite_from_name(const char *, size_t);
/* The canonical name of a suite, "" if unknown. */
const char	*sdes_suite_name(enum sdes_suite);
/*
 * Whether this process's libsrtp2 really does the suite: a context is
 * created for it and one packet protected. Needs srtp_init() (and any
 * srtp_replace_cipher_type()) done first; before that, every suite is 0.
 */
int		 sdes_suite_relay_ok(enum sdes_suite);
/*
 * Fill libsrtp2 crypto policies for a suite and SDES_F_* flags (the
 * UNENCRYPTED and UNAUTHENTICATED parameters become sec_serv bits).
 */
const char	*sdes_crypto_policy(enum sdes_suite, unsigned flags,
		    srtp_crypto_policy_t *rtp, srtp_crypto_policy_t *rtcp);

/*
 * Parse buf[0..len), the value of one a=crypto attribute (what follows
 * "a=crypto:"; blanks around it are allowed, a line break is not). On
 * failure the line is wiped and empty.
 */
const char	*sdes_parse(const char *buf, size_t len, struct sdes_line *);
/*
 * Print a line canonically: tag, canonical suite name, each key padded
 * base64 with its lifetime ("2^N" when a power of two) and MKI, then the
 * known session parameters in the order of RFC 4568 §9.1 (KDR, the
 * three flags, FEC_ORDER, FEC_KEY, WSH), then the unknown ones verbatim
 * in the order received. The
 * output holds keys: the caller wipes it. NUL-terminated; *lenp (if not
 * NULL) gets its length.
 */
const char	*sdes_print(const struct sdes_line *, char *out, size_t outlen,
		    size_t *lenp);
/* The same line field by field, whatever its spelling? 1 or 0. */
int		 sdes_line_equal(const struct sdes_line *,
		    const struct sdes_line *);
/* Wipe a line (keys included) and leave it empty. */
void		 sdes_clear(struct sdes_line *);

/*
 * Can the relay take this line? 1, or 0 with *why: a suite the relay
 * cannot do, MKI or several keys, KDR other than 0, FEC_KEY, a replay
 * window larger than libsrtp2's, UNENCRYPTED or UNAUTHENTICATED with an
 * AEAD suite. A line that parses but is not usable must not be accepted.
 */
int		 sdes_usable(const struct sdes_line *, const char **why);

/*
 * A line with one fresh master key and salt for a suite, from OpenSSL's
 * RAND_bytes; tag 0 and no session parameters. On failure (unsupported
 * suite, RNG failure) the line is left empty.
 */
const char	*sdes_keygen(enum sdes_suite, struct sdes_line *);
/*
 * The index of the line to accept from an offer of n lines: the first,
 * in the offerer's order of preference, whose suite is in allowed[] and
 * which is usable. -1 when none is (with *why).
 */
int		 sdes_choose(const struct sdes_line *offer, size_t n,
		    const enum sdes_suite *allowed, size_t nallowed,
		    const char **why);
/*
 * The answer to an accepted line (RFC 4568 §7.1.2): its tag and suite, a
 * fresh key, and its UNENCRYPTED, UNAUTHENTICATED, KDR, FEC_ORDER and
 * WSH parameters echoed (not FEC_KEY, not unknown extensions).
 */
const char	*sdes_answer(const struct sdes_line *accepted,
		    struct sdes_line *answer);
/*
 * Check an answer against the n lines we offered: its tag must be one we
 * offered, its suite that tag's suite, its flag parameters the same, and
 * its key not ours. Returns the index of the offered line, or -1 with a
 * NUL-terminated reason in why[0..whylen) that names the tag and both
 * suites where they differ, and never a key.
 */
int		 sdes_answer_check(const struct sdes_line *offer, size_t n,
		    const struct sdes_line *answer, char *why, size_t whylen);

#endif
