/*
 * digest.h: HTTP Digest authentication for SIP (RFC 7616, RFC 8760,
 * RFC 3261 §22): parse challenges and credentials from the raw bytes of a
 * header value, print them back canonically, and compute responses with
 * MD5, SHA-256 and SHA-512-256 and their -sess forms.
 *
 * Parsing never goes through libosip2, which drops userhash and charset
 * and reorders parameters. A parsed set owns its text (an arena inside the
 * struct): it does not point into the caller's buffer, and every string in
 * it lives as long as the struct. The module never logs: what it handles
 * includes passwords, HA1s and responses.
 *
 * Functions that can fail return NULL on success and a short static
 * reason on failure ("unterminated quoted string"), fit for a log line.
 */
#ifndef SIPEDGE_DIGEST_H
#define SIPEDGE_DIGEST_H

#include <stddef.h>

#define DIGEST_MAX_CHALLENGES	16	/* challenges in one header value */
#define DIGEST_MAX_PARAMS	32	/* auth-params in one challenge */
#define DIGEST_MAX_VALUE	1024	/* one parameter value, unescaped */
#define DIGEST_MAX_HEADER	8192	/* one header value, raw bytes */
/* Text arena: names, raw and unescaped values, each NUL-terminated. */
#define DIGEST_TEXT_MAX		(3 * DIGEST_MAX_HEADER + \
	    4 * DIGEST_MAX_CHALLENGES * DIGEST_MAX_PARAMS + 64)
#define DIGEST_HEX_MAX		65	/* longest hash in hex, and its NUL */

/* The algorithms of RFC 8760 §2.4; UNKNOWN: one given that we do not know. */
enum digest_alg {
	DIGEST_ALG_UNKNOWN = 0,
	DIGEST_ALG_MD5,
	DIGEST_ALG_MD5_SESS,
	DIGEST_ALG_SHA256,
	DIGEST_ALG_SHA256_SESS,
	DIGEST_ALG_SHA512_256,
	DIGEST_ALG_SHA512_256_SESS,
};
/* One past the last algorithm: the size of a list of all of them. */
#define DIGEST_ALG_COUNT	(DIGEST_ALG_SHA512_256_SESS + 1)

/* Quality of protection: a bit set in challenges, one value in credentials. */
#define DIGEST_QOP_NONE		0x0	/* RFC 2069 form */
#define DIGEST_QOP_AUTH		0x1
#define DIGEST_QOP_AUTH_INT	0x2

/* The parameters the module knows; OTHER is kept and re-emitted verbatim. */
enum digest_param_id {
	DIGEST_P_OTHER = 0,
	DIGEST_P_REALM,
	DIGEST_P_DOMAIN,
	DIGEST_P_NONCE,
	DIGEST_P_OPAQUE,
	DIGEST_P_STALE,
	DIGEST_P_ALGORITHM,
	DIGEST_P_QOP,
	DIGEST_P_CHARSET,
	DIGEST_P_USERHASH,
	DIGEST_P_USERNAME,
	DIGEST_P_USERNAME_EXT,		/* username* (RFC 5987 ext-value) */
	DIGEST_P_URI,
	DIGEST_P_RESPONSE,
	DIGEST_P_CNONCE,
	DIGEST_P_NC,
};

/* One auth-param as received (folding removed), in header order. */
struct digest_param {
	enum digest_param_id	 id;
	const char		*name;	/* as received, any case */
	const char		*raw;	/* quotes and escapes kept */
	const char		*value;	/* unescaped */
};

/* What every challenge and credentials has, Digest or not (RFC 7235 §2.1). */
struct digest_auth {
	const char		*scheme;	/* as received */
	int			 is_digest;	/* "Digest", any case */
	const char		*token68;	/* Negotiate's blob, or NULL */
	size_t			 nparams;
	struct digest_param	 params[DIGEST_MAX_PARAMS];
};

/*
 * One challenge (WWW-Authenticate, Proxy-Authenticate). unusable says why
 * a client cannot answer it (not Digest, unknown algorithm, no nonce...);
 * such a challenge is parsed and kept, so a proxy can pass it on, but
 * must not be answered or chosen (RFC 7616 §3.3, RFC 8760 §2.4).
 */
struct digest_challenge {
	struct digest_auth	 a;
	const char		*unusable;	/* NULL: can be answered */
	enum digest_alg		 alg;		/* MD5 when no algorithm */
	const char		*alg_value;	/* as given, NULL when absent */
	const char		*realm;
	const char		*domain;
	const char		*nonce;
	const char		*opaque;
	const char		*qop_value;	/* as given, NULL when absent */
	unsigned		 qop;		/* DIGEST_QOP_* bits offered */
	int			 stale;		/* stale=true */
	const char		*charset;
	int			 userhash;	/* userhash=true */
};

/* The challenges of one header value, in the server's order. */
struct digest_challenges {
	size_t			 n;
	struct digest_challenge	 c[DIGEST_MAX_CHALLENGES];
	size_t			 textlen;
	char			 text[DIGEST_TEXT_MAX];
};

/* One credentials (Authorization, Proxy-Authorization), owning its text. */
struct digest_credentials {
	struct digest_auth	 a;
	const char		*unusable;	/* NULL: can be checked */
	enum digest_alg		 alg;		/* MD5 when no algorithm */
	const char		*alg_value;	/* as given, NULL when absent */
	const char		*username;
	const char		*username_ext;	/* username*, raw ext-value */
	const char		*realm;
	const char		*nonce;
	const char		*uri;
	const char		*response;
	const char		*cnonce;
	const char		*opaque;
	unsigned		 qop;		/* one DIGEST_QOP_* value */
	const char		*nc;		/* 8 hex digits, or NULL */
	int			 userhash;	/* userhash=true */
	size_t			 textlen;
	char			 text[DIGEST_TEXT_MAX];
};

/* What a response is computed from. Strings are NUL-terminated. */
struct digest_input {
	enum digest_alg	 alg;		/* not UNKNOWN */
	const char	*username;	/* the one hashed into A1 */
	const char	*realm;
	const char	*password;	/* or NULL, then ha1 */
	const char	*ha1;		/* stored hex H(user:realm:password) */
	const char	*nonce;
	const char	*cnonce;	/* with a qop, and for -sess */
	const char	*nc;		/* with a qop: "00000001" */
	unsigned	 qop;		/* one DIGEST_QOP_* value */
	const char	*method;
	const char	*uri;		/* digest-uri, as in the credentials */
	const void	*body;		/* auth-int: the message body */
	size_t		 bodylen;
};

/*
 * Parse the challenges in buf[0..len), the value of one WWW-Authenticate
 * or Proxy-Authenticate header (several comma-joined challenges of any
 * schemes). Duplicate parameters in a challenge refuse the whole value.
 */
const char	*digest_challenges_parse(const char *buf, size_t len,
		    struct digest_challenges *);
/* Parse the one credentials in buf[0..len), an Authorization value. */
const char	*digest_credentials_parse(const char *buf, size_t len,
		    struct digest_credentials *);

/* Field by field: the same challenge, whatever its spelling? 1 or 0. */
int		 digest_challenge_equal(const struct digest_challenge *,
		    const struct digest_challenge *);
/* The same credentials, whatever their spelling? 1 or 0. */
int		 digest_credentials_equal(const struct digest_credentials *,
		    const struct digest_credentials *);

/*
 * Print canonically (RFC 8760 §2.6): scheme "Digest", canonical
 * algorithm token, realm, domain, nonce, opaque and qop options quoted,
 * algorithm and stale not; unknown parameters after the known ones, as
 * received. Writes a NUL-terminated string, its length into *lenp.
 */
const char	*digest_challenge_print(const struct digest_challenge *,
		    char *out, size_t outlen, size_t *lenp);
/* Print several challenges as one comma-joined header value. */
const char	*digest_challenges_print(const struct digest_challenge *,
		    size_t n, char *out, size_t outlen, size_t *lenp);
/* Print credentials canonically; qop, nc and algorithm unquoted. */
const char	*digest_credentials_print(const struct digest_credentials *,
		    char *out, size_t outlen, size_t *lenp);

/* The canonical token for an algorithm ("SHA-512-256-sess"), "" if unknown. */
const char	*digest_alg_name(enum digest_alg);
/* The algorithm a token names, any case; UNKNOWN if none. */
enum digest_alg	 digest_alg_from_name(const char *, size_t);
/* 1 for the -sess variants. */
int		 digest_alg_is_sess(enum digest_alg);
/* Characters in a hex hash of this algorithm: 32, 64, or 0 if unknown. */
size_t		 digest_alg_hex_len(enum digest_alg);

/* H(data) in lowercase hex into out[DIGEST_HEX_MAX]. */
const char	*digest_hash_hex(enum digest_alg, const void *data, size_t len,
		    char *out);
/* The HA1 a response uses (-sess applied) into out[DIGEST_HEX_MAX]. */
const char	*digest_ha1(const struct digest_input *, char *out);
/* The request-digest (RFC 7616 §3.4.1, RFC 2069) into out[DIGEST_HEX_MAX]. */
const char	*digest_response(const struct digest_input *, char *out);
/* RFC 7616 §3.4.4 userhash: H(username:realm) into out[DIGEST_HEX_MAX]. */
const char	*digest_userhash(enum digest_alg, const char *username,
		    const char *realm, char *out);
/*
 * Compare the response computed (lowercase hex, NUL-terminated) with the
 * one received (got[0..gotlen), either case) in time independent of the
 * contents. 1 if equal.
 */
int		 digest_response_equal(const char *expected, const char *got,
		    size_t gotlen);

#endif
