/*
 * fuzz_digest.c: libFuzzer target for the Digest header parser. The input
 * is a header value a carrier (challenges) or a phone (credentials) could
 * send. Whatever parses must print, and what is printed must parse back
 * to the same fields: the proxy re-emits what it parsed.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"

/* Abort (a finding) unless cond holds. */
#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

/* Printed output can outgrow the input (quotes added, tokens spelled out). */
#define FUZZ_OUT_MAX	(4 * DIGEST_MAX_HEADER)

static struct digest_challenges		set, set2;
static struct digest_credentials	cr, cr2;
static char				out[FUZZ_OUT_MAX];

/* Every string a challenge points at lies in its set's arena. */
static void
fuzz_in_arena(const char *s, const char *text, size_t len)
{
	if (s != NULL)
		CHECK(s >= text && s + strlen(s) < text + len);
}

/* Challenges: parse, print, parse again, compare. */
static void
fuzz_challenges(const char *p, size_t n)
{
	size_t	len = 0, i, j;

	if (digest_challenges_parse(p, n, &set) != NULL) {
		CHECK(set.n == 0);
		return;
	}
	CHECK(set.n >= 1 && set.n <= DIGEST_MAX_CHALLENGES);
	CHECK(set.textlen <= sizeof(set.text));
	for (i = 0; i < set.n; i++) {
		fuzz_in_arena(set.c[i].a.scheme, set.text, set.textlen);
		fuzz_in_arena(set.c[i].realm, set.text, set.textlen);
		fuzz_in_arena(set.c[i].nonce, set.text, set.textlen);
		for (j = 0; j < set.c[i].a.nparams; j++) {
			fuzz_in_arena(set.c[i].a.params[j].raw, set.text,
			    set.textlen);
			CHECK(strlen(set.c[i].a.params[j].value) <=
			    DIGEST_MAX_VALUE);
		}
		if (set.c[i].unusable == NULL)
			CHECK(set.c[i].alg != DIGEST_ALG_UNKNOWN &&
			    set.c[i].realm != NULL && set.c[i].nonce != NULL);
	}
	CHECK(digest_challenges_print(set.c, set.n, out, sizeof(out), &len) ==
	    NULL);
	CHECK(strlen(out) == len);
	/* Only the whole-header limit may refuse what was printed. */
	if (len > DIGEST_MAX_HEADER)
		return;
	CHECK(digest_challenges_parse(out, len, &set2) == NULL);
	CHECK(set2.n == set.n);
	for (i = 0; i < set.n; i++)
		CHECK(digest_challenge_equal(&set.c[i], &set2.c[i]));
}

/* Credentials: the same trip. */
static void
fuzz_credentials(const char *p, size_t n)
{
	size_t	len = 0;

	if (digest_credentials_parse(p, n, &cr) != NULL)
		return;
	CHECK(cr.textlen <= sizeof(cr.text));
	CHECK(digest_credentials_print(&cr, out, sizeof(out), &len) == NULL);
	CHECK(strlen(out) == len);
	if (len > DIGEST_MAX_HEADER)
		return;
	CHECK(digest_credentials_parse(out, len, &cr2) == NULL);
	CHECK(digest_credentials_equal(&cr, &cr2));
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* libFuzzer entry: an exact-size copy, so reading past len is caught. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*copy;

	copy = malloc(size == 0 ? 1 : size);
	CHECK(copy != NULL);
	if (size > 0)
		memcpy(copy, data, size);
	fuzz_challenges(copy, size);
	fuzz_credentials(copy, size);
	free(copy);
	return 0;
}
