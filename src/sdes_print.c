/*
 * sdes_print.c: an a=crypto value written canonically from a line, the
 * shape the strictest phones take: the RFC 6188 suite name, padded
 * base64 (several phones refuse keys without padding: rtpengine #1197,
 * baresip #1233), single blanks.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "sdes.h"

/* Output buffer; full is set once something did not fit. */
struct sdes_out {
	char	*p;
	size_t	 cap;
	size_t	 len;
	int	 full;
};

/* Append n bytes. */
static void
sdes_put(struct sdes_out *o, const char *s, size_t n)
{
	if (o->full || n >= o->cap - o->len) {
		o->full = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

/* Append a string. */
static void
sdes_puts(struct sdes_out *o, const char *s)
{
	sdes_put(o, s, strlen(s));
}

/* Append a number. */
static void
sdes_putu(struct sdes_out *o, uint64_t v)
{
	char	buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	sdes_puts(o, buf);
}

/* A lifetime as "2^N" when it is a power of two, else in decimal. */
static void
sdes_put_lifetime(struct sdes_out *o, uint64_t v)
{
	unsigned	n = 0;

	sdes_puts(o, "|");
	if ((v & (v - 1)) != 0) {
		sdes_putu(o, v);
		return;
	}
	while ((UINT64_C(1) << n) != v)
		n++;
	sdes_puts(o, "2^");
	sdes_putu(o, n);
}

/* One key-param; the base64 copy of the key is wiped after use. */
static void
sdes_put_key(struct sdes_out *o, const struct sdes_key *k)
{
	/* EVP_EncodeBlock: 4 characters per 3 bytes, padded, and a NUL. */
	unsigned char	b64[(SDES_KEYSALT_MAX + 2) / 3 * 4 + 1];
	int		n;

	n = EVP_EncodeBlock(b64, k->keysalt, (int)k->keysalt_len);
	sdes_puts(o, "inline:");
	sdes_put(o, (const char *)b64, (size_t)n);
	OPENSSL_cleanse(b64, sizeof(b64));
	if (k->lifetime != 0)
		sdes_put_lifetime(o, k->lifetime);
	if (k->has_mki) {
		sdes_puts(o, "|");
		sdes_putu(o, k->mki);
		sdes_puts(o, ":");
		sdes_putu(o, k->mki_len);
	}
}

/* key-params, ';'-separated. */
static void
sdes_put_keys(struct sdes_out *o, const struct sdes_key *keys, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			sdes_puts(o, ";");
		sdes_put_key(o, &keys[i]);
	}
}

/* The session parameters: known ones in grammar order, then the rest. */
static void
sdes_put_params(struct sdes_out *o, const struct sdes_line *l)
{
	size_t	i;

	if (l->has_kdr) {
		sdes_puts(o, " KDR=");
		sdes_putu(o, l->kdr);
	}
	if (l->flags & SDES_F_UNENCRYPTED_SRTP)
		sdes_puts(o, " UNENCRYPTED_SRTP");
	if (l->flags & SDES_F_UNENCRYPTED_SRTCP)
		sdes_puts(o, " UNENCRYPTED_SRTCP");
	if (l->flags & SDES_F_UNAUTHENTICATED_SRTP)
		sdes_puts(o, " UNAUTHENTICATED_SRTP");
	if (l->fec_order == SDES_FEC_SRTP)
		sdes_puts(o, " FEC_ORDER=FEC_SRTP");
	else if (l->fec_order == SDES_SRTP_FEC)
		sdes_puts(o, " FEC_ORDER=SRTP_FEC");
	if (l->nfec_keys > 0) {
		sdes_puts(o, " FEC_KEY=");
		sdes_put_keys(o, l->fec_keys, l->nfec_keys);
	}
	if (l->wsh != 0) {
		sdes_puts(o, " WSH=");
		sdes_putu(o, l->wsh);
	}
	for (i = 0; i < l->next; i++) {
		sdes_puts(o, " ");
		sdes_put(o, l->ext[i].text, strnlen(l->ext[i].text,
		    SDES_PARAM_MAX));
	}
}

/* Keys that fit the suite, or why not. */
static const char *
sdes_check_keys(const struct sdes_key *keys, size_t n, size_t len)
{
	size_t	i;

	if (n > SDES_MAX_KEYS)
		return "too many keys";
	for (i = 0; i < n; i++)
		if (keys[i].keysalt_len != len)
			return "key and salt length does not fit the suite";
	return NULL;
}

/* Print a line canonically. */
const char *
sdes_print(const struct sdes_line *l, char *out, size_t outlen, size_t *lenp)
{
	const struct sdes_suite_info	*si = sdes_suite_info(l->suite);
	struct sdes_out			 o = { out, outlen, 0, 0 };
	const char			*err;

	if (outlen == 0)
		return "output buffer too small";
	out[0] = '\0';
	if (si == NULL)
		return "unknown crypto suite";
	if (l->nkeys == 0)
		return "no key";
	if ((err = sdes_check_keys(l->keys, l->nkeys, si->key_len +
	    si->salt_len)) != NULL || (err = sdes_check_keys(l->fec_keys,
	    l->nfec_keys, si->key_len + si->salt_len)) != NULL)
		return err;
	if (l->next > SDES_MAX_PARAMS)
		return "too many session parameters";
	sdes_putu(&o, l->tag);
	sdes_puts(&o, " ");
	sdes_puts(&o, si->name);
	sdes_puts(&o, " ");
	sdes_put_keys(&o, l->keys, l->nkeys);
	sdes_put_params(&o, l);
	if (o.full) {
		/* Half a line may hold half a key: leave nothing behind. */
		OPENSSL_cleanse(out, outlen);
		out[0] = '\0';
		return "output buffer too small";
	}
	out[o.len] = '\0';
	if (lenp != NULL)
		*lenp = o.len;
	return NULL;
}
