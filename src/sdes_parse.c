/*
 * sdes_parse.c: one a=crypto attribute value from raw bytes (RFC 4568
 * §9.1):
 *
 *	tag 1*WSP crypto-suite 1*WSP key-params *(1*WSP session-param)
 *	key-params = key-param *(";" key-param)
 *	key-param  = "inline:" base64 ["|" lifetime] ["|" MKI ":" length]
 *
 * The line is read as words between blanks; a word never holds a blank.
 * Names are matched in any case (ABNF strings are case-insensitive).
 * What the field sends is taken: base64 with or without padding, the
 * RFC 6188 suites under their other spelling, lifetimes like "2^31" or
 * beyond RFC 3711's 2^48 (normalised, never an error). An unknown
 * session parameter without a leading "-" makes the line invalid, as
 * the RFC says; one with it is kept verbatim.
 *
 * Keys are decoded straight into the line; a line that fails is wiped.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "sdes.h"

/* A word of the line: s[0..n). */
struct sdes_word {
	const char	*s;
	size_t		 n;
};

/* Bits for the known session parameters seen, to refuse repeats. */
#define SDES_SEEN_KDR		0x01
#define SDES_SEEN_FEC_ORDER	0x02
#define SDES_SEEN_FEC_KEY	0x04
#define SDES_SEEN_WSH		0x08

/* SP or HTAB. */
static int
sdes_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* ASCII digit. */
static int
sdes_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* crypto-suite = 1*(ALPHA / DIGIT / "_"). */
static int
sdes_suite_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    sdes_digit(c) || c == '_';
}

/* The value of a base64 character, or -1. */
static int
sdes_b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (sdes_digit(c))
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decode base64 with or without padding into out, which must come to
 * exactly want bytes (the suite's key and salt).
 */
static const char *
sdes_b64decode(const char *s, size_t n, unsigned char *out, size_t want)
{
	size_t		 i, data = n, pad, len, k = 0;
	unsigned	 acc = 0, bits = 0;
	int		 v;

	while (data > 0 && s[data - 1] == '=')
		data--;
	pad = n - data;
	if (data == 0)
		return "empty key";
	for (i = 0; i < data; i++)
		if (sdes_b64val(s[i]) < 0)
			return "bad base64 in key";
	/* One char left over is never base64; padding must fill a quad. */
	if (data % 4 == 1 || pad > 2 || (pad > 0 && n % 4 != 0))
		return "bad base64 in key";
	len = data / 4 * 3 + (data % 4 == 0 ? 0 : data % 4 - 1);
	if (len != want)
		return "key and salt length does not fit the suite";
	for (i = 0; i < data; i++) {
		v = sdes_b64val(s[i]);
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[k++] = (unsigned char)(acc >> bits);
			acc &= (1U << bits) - 1;
		}
	}
	OPENSSL_cleanse(&acc, sizeof(acc));
	return NULL;
}

/* Decimal digits s[0..n), at least one, saturating at max. */
static int
sdes_decimal(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!sdes_digit(s[i]))
			return -1;
		if (v > (max - (uint64_t)(s[i] - '0')) / 10)
			v = max;
		else
			v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* lifetime = ["2^"] 1*DIGIT, in packets, normalised to at most 2^48. */
static const char *
sdes_lifetime(const char *s, size_t n, struct sdes_key *k)
{
	uint64_t	v;

	if (n > 2 && s[0] == '2' && s[1] == '^') {
		if (sdes_decimal(s + 2, n - 2, 1000, &v) != 0)
			return "bad key lifetime";
		k->lifetime = v >= 48 ? SDES_LIFETIME_MAX : UINT64_C(1) << v;
		return NULL;
	}
	if (sdes_decimal(s, n, SDES_LIFETIME_MAX, &v) != 0)
		return "bad key lifetime";
	k->lifetime = v;
	return NULL;
}

/* mki = 1*DIGIT ":" 1*3DIGIT, the length in 1..128 octets. */
static const char *
sdes_mki(const char *s, size_t n, struct sdes_key *k)
{
	const char	*colon = memchr(s, ':', n);
	uint64_t	 v, len;
	size_t		 vn;

	if (colon == NULL)
		return "bad MKI";
	vn = (size_t)(colon - s);
	if (n - vn - 1 > 3 || sdes_decimal(colon + 1, n - vn - 1, 999,
	    &len) != 0 || len < 1 || len > SDES_MKI_LEN_MAX)
		return "bad MKI length";
	if (sdes_decimal(s, vn, UINT64_MAX, &v) != 0)
		return "bad MKI";
	/* Saturated, or more than its length holds. */
	if (v == UINT64_MAX || (len < 8 && v >> (8 * len) != 0))
		return "MKI value too large";
	k->has_mki = 1;
	k->mki = v;
	k->mki_len = (unsigned)len;
	return NULL;
}

/* One key-param: inline:key||salt[|lifetime][|mki]. */
static const char *
sdes_key_param(const char *s, size_t n, const struct sdes_suite_info *si,
    struct sdes_key *k)
{
	const char	*f[3], *err, *bar;
	size_t		 fn[3], nf = 0, i;

	if (n < 7 || strncasecmp(s, "inline:", 7) != 0)
		return memchr(s, ':', n) == NULL ? "expected inline:" :
		    "unknown key method";
	s += 7;
	n -= 7;
	for (;;) {
		if (nf == 3)
			return "too many fields in a key parameter";
		bar = memchr(s, '|', n);
		f[nf] = s;
		fn[nf] = bar == NULL ? n : (size_t)(bar - s);
		nf++;
		if (bar == NULL)
			break;
		n -= (size_t)(bar - s) + 1;
		s = bar + 1;
	}
	err = sdes_b64decode(f[0], fn[0], k->keysalt, si->key_len +
	    si->salt_len);
	if (err != NULL)
		return err;
	k->keysalt_len = si->key_len + si->salt_len;
	for (i = 1; i < nf && err == NULL; i++) {
		/* A field with ':' is the MKI, which comes last. */
		if (memchr(f[i], ':', fn[i]) != NULL)
			err = i + 1 == nf ? sdes_mki(f[i], fn[i], k) :
			    "MKI before lifetime";
		else if (i == 1)
			err = sdes_lifetime(f[i], fn[i], k);
		else
			err = "bad MKI";
	}
	return err;
}

/*
 * key-params: one or more, ';'-separated. Several keys need an MKI each,
 * all of one length, or a receiver could not tell them apart (RFC 4568
 * §6.1).
 */
static const char *
sdes_key_params(const char *s, size_t n, const struct sdes_suite_info *si,
    struct sdes_key *keys, size_t *nkeys)
{
	const char	*semi, *err;
	size_t		 kn, i;

	*nkeys = 0;
	for (;;) {
		if (*nkeys == SDES_MAX_KEYS)
			return "too many keys";
		semi = memchr(s, ';', n);
		kn = semi == NULL ? n : (size_t)(semi - s);
		if (kn == 0)
			return "empty key parameter";
		if ((err = sdes_key_param(s, kn, si, &keys[*nkeys])) != NULL)
			return err;
		(*nkeys)++;
		if (semi == NULL)
			break;
		n -= kn + 1;
		s = semi + 1;
	}
	for (i = 0; *nkeys > 1 && i < *nkeys; i++) {
		if (!keys[i].has_mki)
			return "several keys without MKI";
		if (keys[i].mki_len != keys[0].mki_len)
			return "MKI lengths differ";
	}
	return NULL;
}

/* Whether the word is "name=" and something, any case; the rest in *v. */
static int
sdes_prefix(const struct sdes_word *w, const char *name, struct sdes_word *v)
{
	size_t	n = strlen(name);

	if (w->n < n || strncasecmp(w->s, name, n) != 0)
		return 0;
	v->s = w->s + n;
	v->n = w->n - n;
	return 1;
}

/* Whether the word is exactly name, any case. */
static int
sdes_word_is(const struct sdes_word *w, const char *name)
{
	return strlen(name) == w->n && strncasecmp(w->s, name, w->n) == 0;
}

/* Mark a known parameter seen; a repeat is an error. */
static const char *
sdes_seen(unsigned *seen, unsigned bit)
{
	if (*seen & bit)
		return "duplicate session parameter";
	*seen |= bit;
	return NULL;
}

/* A flag parameter. */
static const char *
sdes_flag(struct sdes_line *l, unsigned flag)
{
	if (l->flags & flag)
		return "duplicate session parameter";
	l->flags |= flag;
	return NULL;
}

/* KDR= 1*2DIGIT, 0..24. */
static const char *
sdes_kdr(struct sdes_line *l, const struct sdes_word *v)
{
	uint64_t	kdr;

	if (v->n > 2 || sdes_decimal(v->s, v->n, 99, &kdr) != 0 || kdr > 24)
		return "bad KDR";
	l->has_kdr = 1;
	l->kdr = (unsigned)kdr;
	return NULL;
}

/* FEC_ORDER= FEC_SRTP / SRTP_FEC. */
static const char *
sdes_fec_order(struct sdes_line *l, const struct sdes_word *v)
{
	if (sdes_word_is(v, "FEC_SRTP"))
		l->fec_order = SDES_FEC_SRTP;
	else if (sdes_word_is(v, "SRTP_FEC"))
		l->fec_order = SDES_SRTP_FEC;
	else
		return "bad FEC_ORDER";
	return NULL;
}

/* WSH= 2*DIGIT, at least 64; a huge one saturates (sdes_usable says no). */
static const char *
sdes_wsh(struct sdes_line *l, const struct sdes_word *v)
{
	uint64_t	wsh;

	if (v->n < 2 || sdes_decimal(v->s, v->n, UINT32_MAX, &wsh) != 0 ||
	    wsh < SDES_WSH_MIN)
		return "bad WSH";
	l->wsh = (uint32_t)wsh;
	return NULL;
}

/* An unknown extension: "-" and visible characters, kept verbatim. */
static const char *
sdes_ext(struct sdes_line *l, const struct sdes_word *w)
{
	if (w->s[0] != '-')
		return "unknown mandatory session parameter";
	if (w->n > SDES_PARAM_MAX)
		return "session parameter too long";
	if (l->next == SDES_MAX_PARAMS)
		return "too many session parameters";
	memcpy(l->ext[l->next].text, w->s, w->n);
	l->ext[l->next].text[w->n] = '\0';
	l->next++;
	return NULL;
}

/* One session parameter. */
static const char *
sdes_session_param(struct sdes_line *l, const struct sdes_suite_info *si,
    const struct sdes_word *w, unsigned *seen)
{
	struct sdes_word	 v;
	const char		*err;

	if (sdes_word_is(w, "UNENCRYPTED_SRTP"))
		return sdes_flag(l, SDES_F_UNENCRYPTED_SRTP);
	if (sdes_word_is(w, "UNENCRYPTED_SRTCP"))
		return sdes_flag(l, SDES_F_UNENCRYPTED_SRTCP);
	if (sdes_word_is(w, "UNAUTHENTICATED_SRTP"))
		return sdes_flag(l, SDES_F_UNAUTHENTICATED_SRTP);
	if (sdes_prefix(w, "KDR=", &v)) {
		if ((err = sdes_seen(seen, SDES_SEEN_KDR)) != NULL)
			return err;
		return sdes_kdr(l, &v);
	}
	if (sdes_prefix(w, "FEC_ORDER=", &v)) {
		if ((err = sdes_seen(seen, SDES_SEEN_FEC_ORDER)) != NULL)
			return err;
		return sdes_fec_order(l, &v);
	}
	if (sdes_prefix(w, "FEC_KEY=", &v)) {
		if ((err = sdes_seen(seen, SDES_SEEN_FEC_KEY)) != NULL)
			return err;
		if (v.n == 0)
			return "empty FEC_KEY";
		return sdes_key_params(v.s, v.n, si, l->fec_keys,
		    &l->nfec_keys);
	}
	if (sdes_prefix(w, "WSH=", &v)) {
		if ((err = sdes_seen(seen, SDES_SEEN_WSH)) != NULL)
			return err;
		return sdes_wsh(l, &v);
	}
	return sdes_ext(l, w);
}

/* Only visible characters and blanks; say what else there is. */
static const char *
sdes_charset(const char *buf, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (buf[i] == '\0')
			return "NUL byte in attribute";
		if (buf[i] == '\r' || buf[i] == '\n')
			return "line break in attribute";
		if (!sdes_wsp(buf[i]) && ((unsigned char)buf[i] < 0x21 ||
		    (unsigned char)buf[i] > 0x7e))
			return "invalid character in attribute";
	}
	return NULL;
}

/* The next word at *i, blanks before it skipped; n == 0 at the end. */
static struct sdes_word
sdes_next(const char *buf, size_t len, size_t *i)
{
	struct sdes_word	w;

	while (*i < len && sdes_wsp(buf[*i]))
		(*i)++;
	w.s = buf + *i;
	while (*i < len && !sdes_wsp(buf[*i]))
		(*i)++;
	w.n = (size_t)(buf + *i - w.s);
	return w;
}

/* tag = 1*9DIGIT. */
static const char *
sdes_tag(const struct sdes_word *w, struct sdes_line *l)
{
	uint64_t	tag;

	if (w->n == 0)
		return "empty attribute";
	if (w->n > 9 || sdes_decimal(w->s, w->n, SDES_TAG_MAX, &tag) != 0)
		return "bad tag";
	l->tag = (uint32_t)tag;
	return NULL;
}

/* The words of the line, in grammar order. */
static const char *
sdes_words(const char *buf, size_t len, struct sdes_line *l)
{
	const struct sdes_suite_info	*si;
	struct sdes_word		 w;
	const char			*err;
	size_t				 i = 0, k;
	unsigned			 seen = 0;

	w = sdes_next(buf, len, &i);
	if ((err = sdes_tag(&w, l)) != NULL)
		return err;
	w = sdes_next(buf, len, &i);
	if (w.n == 0)
		return "no crypto suite";
	for (k = 0; k < w.n; k++)
		if (!sdes_suite_char(w.s[k]))
			return "bad crypto suite";
	l->suite = sdes_suite_from_name(w.s, w.n);
	if ((si = sdes_suite_info(l->suite)) == NULL)
		return "unknown crypto suite";
	w = sdes_next(buf, len, &i);
	if (w.n == 0)
		return "no key parameters";
	if ((err = sdes_key_params(w.s, w.n, si, l->keys, &l->nkeys)) != NULL)
		return err;
	for (;;) {
		w = sdes_next(buf, len, &i);
		if (w.n == 0)
			return NULL;
		if ((err = sdes_session_param(l, si, &w, &seen)) != NULL)
			return err;
	}
}

/* Parse one a=crypto value. */
const char *
sdes_parse(const char *buf, size_t len, struct sdes_line *l)
{
	const char	*err;

	sdes_clear(l);
	if (len == 0)
		return "empty attribute";
	if (len > SDES_MAX_LEN)
		return "attribute too long";
	if ((err = sdes_charset(buf, len)) == NULL)
		err = sdes_words(buf, len, l);
	if (err != NULL)
		sdes_clear(l);
	return err;
}
