/*
 * fuzz_flow_token.c: libFuzzer target for flow tokens. The input is what
 * a carrier could put where a token is expected; nothing it sends may be
 * accepted unless it is the one token the edge itself would write.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

/* Abort (a finding) unless cond holds. */
#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

/* ASCII case-insensitive equality of n bytes. */
static int
fuzz_ieq(const char *a, const char *b, size_t n)
{
	size_t	i;
	char	x, y;

	for (i = 0; i < n; i++) {
		x = (char)(a[i] >= 'A' && a[i] <= 'Z' ? a[i] + 32 : a[i]);
		y = (char)(b[i] >= 'A' && b[i] <= 'Z' ? b[i] + 32 : b[i]);
		if (x != y)
			return 0;
	}
	return 1;
}

/* Parse the input as a token; an OK must be exactly what make writes. */
static void
fuzz_parse(const struct flow_key *k, const char *p, size_t n)
{
	enum flow_token_status	s;
	uint64_t		id = 0;
	char			tok[FLOW_TOKEN_MAX];
	char			*copy;

	/* An exact-size copy, so reading past len is caught. */
	copy = malloc(n == 0 ? 1 : n);
	CHECK(copy != NULL);
	memcpy(copy, p, n);
	s = flow_token_parse(k, copy, n, &id);
	free(copy);
	CHECK(s == FLOW_TOKEN_OK || s == FLOW_TOKEN_MALFORMED ||
	    s == FLOW_TOKEN_TAMPERED || s == FLOW_TOKEN_STALE);
	if (n != FLOW_TOKEN_LEN)
		CHECK(s == FLOW_TOKEN_MALFORMED);
	if (s != FLOW_TOKEN_OK)
		return;
	CHECK(flow_token_make(k, id, tok, sizeof(tok)) == FLOW_TOKEN_LEN);
	CHECK(fuzz_ieq(tok, p, FLOW_TOKEN_LEN));
}

/* Use the input as a secret and an id: the token must round-trip. */
static void
fuzz_round_trip(const uint8_t *data, size_t size)
{
	struct flow_key	k;
	char		tok[FLOW_TOKEN_MAX];
	uint64_t	id = 0, got = 0;
	size_t		i;

	if (size == 0)
		return;
	for (i = 0; i < size && i < 8; i++)
		id = (id << 8) | data[i];
	CHECK(flow_key_init(&k, data, size, (uint32_t)size) == 0);
	CHECK(flow_token_make(&k, id, tok, sizeof(tok)) == FLOW_TOKEN_LEN);
	CHECK(strlen(tok) == FLOW_TOKEN_LEN);
	CHECK(flow_token_parse(&k, tok, FLOW_TOKEN_LEN, &got) == FLOW_TOKEN_OK);
	CHECK(got == id);
	k.epoch++;
	CHECK(flow_token_parse(&k, tok, FLOW_TOKEN_LEN, &got) ==
	    FLOW_TOKEN_STALE);
	flow_key_clear(&k);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* libFuzzer entry. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct flow_key	k;
	static int		ready;
	static const uint8_t	secret[] = "fuzz flow secret";

	if (!ready) {
		CHECK(flow_key_init(&k, secret, sizeof(secret) - 1, 1) == 0);
		ready = 1;
	}
	fuzz_parse(&k, (const char *)data, size);
	fuzz_round_trip(data, size);
	return 0;
}
