/*
 * sdes_offer.c: SDES in offer/answer (RFC 4568 §7.1, RFC 3264): fresh
 * keys for every offer and answer, the one line an answer accepts, and
 * the checks an answer to our own offer must pass.
 *
 * A fresh key every time, never one seen before: RFC 4568 §7.1.1 and
 * RFC 3711 §9.1 forbid sharing a master key between sessions, and the
 * edge re-protects every packet, so each leg has keys of its own.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "sdes.h"

/* A line with one fresh key. */
const char *
sdes_keygen(enum sdes_suite s, struct sdes_line *l)
{
	const struct sdes_suite_info	*si = sdes_suite_info(s);
	size_t				 len;

	sdes_clear(l);
	if (si == NULL || !si->supported)
		return "crypto suite not supported";
	len = si->key_len + si->salt_len;
	if (RAND_bytes(l->keys[0].keysalt, (int)len) != 1) {
		sdes_clear(l);
		return "random number generator failed";
	}
	l->suite = s;
	l->nkeys = 1;
	l->keys[0].keysalt_len = len;
	return NULL;
}

/* Whether s is in list[0..n). */
static int
sdes_suite_in(enum sdes_suite s, const enum sdes_suite *list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (list[i] == s)
			return 1;
	return 0;
}

/*
 * The line to accept. The offerer lists its lines most preferred first
 * (RFC 4568 §7.1.1), so its order decides; allowed only filters. When
 * none fits, the reason is the first allowed line's, which says more
 * (MKI, KDR) than "none".
 */
int
sdes_choose(const struct sdes_line *offer, size_t n,
    const enum sdes_suite *allowed, size_t nallowed, const char **why)
{
	const char	*first = NULL, *err;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (!sdes_suite_in(offer[i].suite, allowed, nallowed))
			continue;
		if (sdes_usable(&offer[i], &err)) {
			if (why != NULL)
				*why = NULL;
			return (int)i;
		}
		if (first == NULL)
			first = err;
	}
	if (why != NULL)
		*why = first != NULL ? first : "no crypto line with an allowed "
		    "suite";
	return -1;
}

/* The answer to an accepted line. */
const char *
sdes_answer(const struct sdes_line *acc, struct sdes_line *ans)
{
	struct sdes_line	echo;
	const char		*err;

	/* Copy first: acc and ans may be the same line. */
	memset(&echo, 0, sizeof(echo));
	echo.tag = acc->tag;
	echo.flags = acc->flags;
	echo.has_kdr = acc->has_kdr;
	echo.kdr = acc->kdr;
	echo.fec_order = acc->fec_order;
	echo.wsh = acc->wsh;
	if ((err = sdes_keygen(acc->suite, ans)) != NULL)
		return err;
	ans->tag = echo.tag;
	ans->flags = echo.flags;
	ans->has_kdr = echo.has_kdr;
	ans->kdr = echo.kdr;
	ans->fec_order = echo.fec_order;
	ans->wsh = echo.wsh;
	return NULL;
}

/* Whether any key of the answer is a key we offered. */
static int
sdes_key_reused(const struct sdes_line *ours, const struct sdes_line *theirs)
{
	size_t	i, j;

	for (i = 0; i < theirs->nkeys && i < SDES_MAX_KEYS; i++)
		for (j = 0; j < ours->nkeys && j < SDES_MAX_KEYS; j++)
			if (theirs->keys[i].keysalt_len ==
			    ours->keys[j].keysalt_len &&
			    theirs->keys[i].keysalt_len <= SDES_KEYSALT_MAX &&
			    CRYPTO_memcmp(theirs->keys[i].keysalt,
			    ours->keys[j].keysalt,
			    ours->keys[j].keysalt_len) == 0)
				return 1;
	return 0;
}

/* Check an answer against our offer. */
int
sdes_answer_check(const struct sdes_line *offer, size_t n,
    const struct sdes_line *ans, char *why, size_t whylen)
{
	const char	*err = NULL;
	size_t		 i;

	if (whylen > 0)
		why[0] = '\0';
	for (i = 0; i < n; i++)
		if (offer[i].tag == ans->tag)
			break;
	if (i == n) {
		snprintf(why, whylen, "answered crypto tag %u was not offered",
		    (unsigned)ans->tag);
		return -1;
	}
	/* Cisco MPP answers AEAD_AES_256_GCM to _GCM_8 (freeswitch #691). */
	if (offer[i].suite != ans->suite) {
		snprintf(why, whylen, "answered %s for crypto tag %u, "
		    "offered %s", sdes_suite_name(ans->suite),
		    (unsigned)ans->tag, sdes_suite_name(offer[i].suite));
		return -1;
	}
	if (offer[i].flags != ans->flags) {
		snprintf(why, whylen, "answer to crypto tag %u changes "
		    "UNENCRYPTED or UNAUTHENTICATED", (unsigned)ans->tag);
		return -1;
	}
	if (sdes_key_reused(&offer[i], ans)) {
		snprintf(why, whylen, "answer to crypto tag %u reuses the "
		    "offered key", (unsigned)ans->tag);
		return -1;
	}
	/* Its sender's packets would fail every check (asterisk #825). */
	if (!sdes_usable(ans, &err)) {
		snprintf(why, whylen, "answer to crypto tag %u: %s",
		    (unsigned)ans->tag, err);
		return -1;
	}
	return (int)i;
}
