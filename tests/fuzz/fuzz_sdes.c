/*
 * fuzz_sdes.c: libFuzzer target for the a=crypto parser. The input is
 * an attribute value a phone or a carrier could send. Whatever parses
 * must print, and what is printed must parse back to the same line: the
 * edge answers with lines it printed from what it parsed. The helpers
 * that read a parsed line (usable, answer, answer check) must not crash
 * on it either, and no reason may carry a byte of its key.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sdes.h"

/* Abort (a finding) unless cond holds. */
#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

static struct sdes_line	line, line2, ans;
static char		out[SDES_PRINT_MAX];

/* Whether a key's base64 (as printed) shows up in a reason. */
static void
fuzz_no_key_in(const char *why)
{
	const char	*k = strstr(out, "inline:");

	/* Sixteen characters of base64 are more than any reason holds. */
	if (why != NULL && k != NULL && strlen(k + 7) >= 16)
		CHECK(memmem(why, strlen(why), k + 7, 16) == NULL);
}

/* The offer/answer helpers on a parsed line. */
static void
fuzz_helpers(void)
{
	char		why[SDES_REASON_MAX];
	const char	*err;
	int		 i, usable;

	usable = sdes_usable(&line, &err);
	fuzz_no_key_in(err);
	i = sdes_answer_check(&line, 1, &line2, why, sizeof(why));
	/* line2 is line again: same tag and suite, and the same key. */
	CHECK(i == -1);
	fuzz_no_key_in(why);
	/* The edge answers only lines the relay can do (sdes_choose). */
	if (usable && sdes_answer(&line, &ans) == NULL) {
		CHECK(ans.tag == line.tag && ans.suite == line.suite);
		CHECK(sdes_answer_check(&line, 1, &ans, why, sizeof(why)) ==
		    0);
	}
	sdes_clear(&ans);
}

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* libsrtp2 up, so sdes_usable() asks it about each suite. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	CHECK(srtp_init() == srtp_err_status_ok);
	return 0;
}

/* libFuzzer entry: an exact-size copy, so reading past len is caught. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*err;
	char		*copy;
	size_t		 len = 0;

	copy = malloc(size == 0 ? 1 : size);
	CHECK(copy != NULL);
	if (size > 0)
		memcpy(copy, data, size);
	err = sdes_parse(copy, size, &line);
	free(copy);
	if (err != NULL) {
		CHECK(line.suite == SDES_SUITE_UNKNOWN && line.nkeys == 0);
		return 0;
	}
	CHECK(line.nkeys >= 1 && line.nkeys <= SDES_MAX_KEYS);
	CHECK(line.next <= SDES_MAX_PARAMS);
	CHECK(sdes_print(&line, out, sizeof(out), &len) == NULL);
	CHECK(strlen(out) == len);
	/* Padding and canonical names may outgrow the parser's limit. */
	if (len <= SDES_MAX_LEN) {
		CHECK(sdes_parse(out, len, &line2) == NULL);
		CHECK(sdes_line_equal(&line, &line2));
		fuzz_helpers();
	}
	OPENSSL_cleanse(out, sizeof(out));
	sdes_clear(&line);
	sdes_clear(&line2);
	return 0;
}
