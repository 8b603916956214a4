/* test_flow.c: RFC 5626 flow tokens survive the trip and refuse forgeries. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "flow.h"
#include "unit.h"
#include "util.h"

static const unsigned char secret_a[] = "correct horse battery staple";
static const unsigned char secret_b[] = "correct horse battery stapler";

/* A key from secret_a at the given epoch; the test stops if it fails. */
static void
key_a(struct flow_key *k, uint32_t epoch)
{
	CU_ASSERT_FATAL(flow_key_init(k, secret_a, sizeof(secret_a) - 1,
	    epoch) == 0);
}

/* Make a token and check it parses back to the same id. */
static void
round_trip(const struct flow_key *k, uint64_t id)
{
	char		tok[FLOW_TOKEN_MAX];
	uint64_t	got = ~id;

	CU_ASSERT_EQUAL(flow_token_make(k, id, tok, sizeof(tok)),
	    FLOW_TOKEN_LEN);
	CU_ASSERT_EQUAL(strlen(tok), FLOW_TOKEN_LEN);
	CU_ASSERT_EQUAL(flow_token_parse(k, tok, strlen(tok), &got),
	    FLOW_TOKEN_OK);
	CU_ASSERT(got == id);
}

/* Ids at the edges of the range come back unchanged. */
static void
test_flow_token_round_trips_ids(void)
{
	struct flow_key	k;

	key_a(&k, 7);
	round_trip(&k, 0);
	round_trip(&k, 1);
	round_trip(&k, 2);
	round_trip(&k, (uint64_t)1 << 63);
	round_trip(&k, UINT64_MAX);
	round_trip(&k, 0x0123456789abcdefULL);
	flow_key_clear(&k);
}

/* The same secret gives the same tokens after a reload or restart. */
static void
test_flow_same_secret_same_token(void)
{
	struct flow_key	k1, k2;
	char		t1[FLOW_TOKEN_MAX], t2[FLOW_TOKEN_MAX];

	key_a(&k1, 42);
	key_a(&k2, 42);
	flow_token_make(&k1, 99, t1, sizeof(t1));
	flow_token_make(&k2, 99, t2, sizeof(t2));
	CU_ASSERT_STRING_EQUAL(t1, t2);
	flow_token_make(&k2, 100, t2, sizeof(t2));
	CU_ASSERT_STRING_NOT_EQUAL(t1, t2);
}

/*
 * Changing any one character never yields an OK: a changed epoch reads as
 * another run's token (stale), anything else as forged or malformed.
 */
static void
test_flow_any_changed_character_is_refused(void)
{
	struct flow_key		k;
	char			tok[FLOW_TOKEN_MAX], t[FLOW_TOKEN_MAX];
	uint64_t		got;
	enum flow_token_status	s;
	size_t			i, wrong = 0;
	int			c;

	key_a(&k, 1);
	flow_token_make(&k, 12345, tok, sizeof(tok));
	for (i = 0; i < FLOW_TOKEN_LEN; i++) {
		for (c = 1; c < 256; c++) {
			if (c == (unsigned char)tok[i])
				continue;
			memcpy(t, tok, sizeof(t));
			t[i] = (char)c;
			got = 0;
			s = flow_token_parse(&k, t, FLOW_TOKEN_LEN, &got);
			/* Only a case change of a letter keeps it valid. */
			if (s == FLOW_TOKEN_OK && got == 12345 &&
			    c == (tok[i] ^ 0x20) && tok[i] >= 'a' && tok[i] <= 'z')
				continue;
			if (s == FLOW_TOKEN_OK || got != 0)
				wrong++;
		}
	}
	CU_ASSERT_EQUAL(wrong, 0);
}

/* Tokens of one secret are tampered under another. */
static void
test_flow_other_secret_is_tampered(void)
{
	struct flow_key	ka, kb;
	char		tok[FLOW_TOKEN_MAX];
	uint64_t	got;

	key_a(&ka, 5);
	CU_ASSERT_FATAL(flow_key_init(&kb, secret_b, sizeof(secret_b) - 1,
	    5) == 0);
	flow_token_make(&ka, 77, tok, sizeof(tok));
	CU_ASSERT_EQUAL(flow_token_parse(&kb, tok, strlen(tok), &got),
	    FLOW_TOKEN_TAMPERED);
	flow_token_make(&kb, 77, tok, sizeof(tok));
	CU_ASSERT_EQUAL(flow_token_parse(&ka, tok, strlen(tok), &got),
	    FLOW_TOKEN_TAMPERED);
}

/* After a restart with the same secret, old tokens are stale, not forged. */
static void
test_flow_other_epoch_is_stale(void)
{
	struct flow_key	old, now;
	char		tok[FLOW_TOKEN_MAX];
	uint64_t	got = 0;

	key_a(&old, 1000);
	key_a(&now, 1001);
	flow_token_make(&old, 3, tok, sizeof(tok));
	CU_ASSERT_EQUAL(flow_token_parse(&now, tok, strlen(tok), &got),
	    FLOW_TOKEN_STALE);
	CU_ASSERT_EQUAL(got, 0);
	CU_ASSERT_EQUAL(flow_token_parse(&old, tok, strlen(tok), &got),
	    FLOW_TOKEN_OK);
	CU_ASSERT_EQUAL(got, 3);
}

/*
 * A restart without flow_secret: a new random key and a new epoch. Tokens
 * from before are stale (430/480: the flow is gone), not forged (403).
 */
static void
test_flow_restart_without_secret_makes_old_tokens_stale(void)
{
	struct flow_key	before, after;
	char		tok[FLOW_TOKEN_MAX];
	uint64_t	got = 0;

	CU_ASSERT_FATAL(flow_key_init(&before, NULL, 0, 7) == 0);
	CU_ASSERT_FATAL(flow_key_init(&after, NULL, 0, 8) == 0);
	flow_token_make(&before, 21, tok, sizeof(tok));
	CU_ASSERT_EQUAL(flow_token_parse(&after, tok, strlen(tok), &got),
	    FLOW_TOKEN_STALE);
	CU_ASSERT_EQUAL(got, 0);
}

/* Without a configured secret each key is random and private. */
static void
test_flow_random_key_works_and_differs(void)
{
	struct flow_key	k1, k2;
	char		tok[FLOW_TOKEN_MAX];
	uint64_t	got;

	CU_ASSERT_FATAL(flow_key_init(&k1, NULL, 0, 9) == 0);
	CU_ASSERT_FATAL(flow_key_init(&k2, NULL, 0, 9) == 0);
	CU_ASSERT(memcmp(k1.key, k2.key, sizeof(k1.key)) != 0);
	round_trip(&k1, 55);
	flow_token_make(&k1, 55, tok, sizeof(tok));
	CU_ASSERT_EQUAL(flow_token_parse(&k2, tok, strlen(tok), &got),
	    FLOW_TOKEN_TAMPERED);
	CU_ASSERT_EQUAL(flow_key_init(&k1, secret_a, 0, 9), -1);
}

/* The configured secret is not the HMAC key itself. */
static void
test_flow_key_is_derived_not_raw_secret(void)
{
	static const unsigned char	s32[32] = "0123456789abcdef0123456789abcde";
	struct flow_key			k;

	CU_ASSERT_FATAL(flow_key_init(&k, s32, sizeof(s32), 1) == 0);
	CU_ASSERT(memcmp(k.key, s32, sizeof(s32)) != 0);
}

/* Tokens are lowercase letters and digits 2-7: safe anywhere in a URI. */
static void
test_flow_token_is_uri_safe(void)
{
	struct flow_key	k;
	char		tok[FLOW_TOKEN_MAX];
	uint64_t	id;
	size_t		i, bad = 0;

	key_a(&k, 0xfffffffful);
	for (id = 0; id < 2000; id++) {
		flow_token_make(&k, id * 0x9e3779b97f4a7c15ULL, tok,
		    sizeof(tok));
		for (i = 0; tok[i] != '\0'; i++)
			if (!((tok[i] >= 'a' && tok[i] <= 'z') ||
			    (tok[i] >= '2' && tok[i] <= '7')))
				bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* Short buffers, short and long tokens, and non-canonical spellings. */
static void
test_flow_length_bounds(void)
{
	struct flow_key	k;
	char		tok[FLOW_TOKEN_MAX], big[FLOW_TOKEN_MAX + 8];
	uint64_t	got;

	key_a(&k, 1);
	CU_ASSERT_EQUAL(flow_token_make(&k, 1, tok, FLOW_TOKEN_LEN), 0);
	CU_ASSERT_EQUAL(tok[0], '\0');
	CU_ASSERT_EQUAL(flow_token_make(&k, 1, tok, 0), 0);
	CU_ASSERT_EQUAL(flow_token_make(&k, 1, tok, FLOW_TOKEN_LEN + 1),
	    FLOW_TOKEN_LEN);
	CU_ASSERT_EQUAL(flow_token_parse(&k, tok, FLOW_TOKEN_LEN - 1, &got),
	    FLOW_TOKEN_MALFORMED);
	memcpy(big, tok, FLOW_TOKEN_LEN);
	memcpy(big + FLOW_TOKEN_LEN, "aaaaaaaa", 8);
	CU_ASSERT_EQUAL(flow_token_parse(&k, big, FLOW_TOKEN_LEN + 1, &got),
	    FLOW_TOKEN_MALFORMED);
	CU_ASSERT_EQUAL(flow_token_parse(&k, big, FLOW_TOKEN_LEN + 8, &got),
	    FLOW_TOKEN_MALFORMED);
	/* The last character carries 3 unused bits, which must be zero. */
	tok[FLOW_TOKEN_LEN - 1]++;
	CU_ASSERT_EQUAL(flow_token_parse(&k, tok, FLOW_TOKEN_LEN, &got),
	    FLOW_TOKEN_MALFORMED);
}

/*
 * An empty token (a Request-URI "sip:@edge", an empty parameter) is no
 * token of ours: the carrier gets 404, not 430 or 403, and no flow id
 * comes out of it, whether the string is empty or a token is cut to
 * nothing.
 */
static void
test_flow_empty_token_names_no_flow(void)
{
	struct flow_key	k;
	char		tok[FLOW_TOKEN_MAX];
	uint64_t	got = 4242;

	key_a(&k, 1);
	CU_ASSERT_EQUAL(flow_token_parse(&k, "", 0, &got),
	    FLOW_TOKEN_MALFORMED);
	CU_ASSERT_EQUAL(got, 4242);
	CU_ASSERT_EQUAL(flow_token_make(&k, 0, tok, sizeof(tok)),
	    FLOW_TOKEN_LEN);
	CU_ASSERT_EQUAL(flow_token_parse(&k, tok, 0, &got),
	    FLOW_TOKEN_MALFORMED);
	CU_ASSERT_EQUAL(got, 4242);
	/* The same key still takes the whole token: only emptiness failed. */
	CU_ASSERT_EQUAL(flow_token_parse(&k, tok, FLOW_TOKEN_LEN, &got),
	    FLOW_TOKEN_OK);
	CU_ASSERT_EQUAL(got, 0);
	flow_key_clear(&k);
}

/* A token folded to upper case on the way still names its flow. */
static void
test_flow_upper_case_token_accepted(void)
{
	struct flow_key	k;
	char		tok[FLOW_TOKEN_MAX];
	uint64_t	got = 0;
	size_t		i;

	key_a(&k, 1);
	flow_token_make(&k, 31337, tok, sizeof(tok));
	for (i = 0; tok[i] != '\0'; i++)
		if (tok[i] >= 'a' && tok[i] <= 'z')
			tok[i] = (char)(tok[i] - 'a' + 'A');
	CU_ASSERT_EQUAL(flow_token_parse(&k, tok, FLOW_TOKEN_LEN, &got),
	    FLOW_TOKEN_OK);
	CU_ASSERT_EQUAL(got, 31337);
	CU_ASSERT_STRING_EQUAL(flow_token_status_name(FLOW_TOKEN_STALE),
	    "stale");
}

void
test_flow_register(void)
{
	CU_pSuite	s = unit_suite("flow");

	UNIT_TEST(s, test_flow_token_round_trips_ids);
	UNIT_TEST(s, test_flow_same_secret_same_token);
	UNIT_TEST(s, test_flow_any_changed_character_is_refused);
	UNIT_TEST(s, test_flow_other_secret_is_tampered);
	UNIT_TEST(s, test_flow_other_epoch_is_stale);
	UNIT_TEST(s, test_flow_restart_without_secret_makes_old_tokens_stale);
	UNIT_TEST(s, test_flow_random_key_works_and_differs);
	UNIT_TEST(s, test_flow_key_is_derived_not_raw_secret);
	UNIT_TEST(s, test_flow_token_is_uri_safe);
	UNIT_TEST(s, test_flow_length_bounds);
	UNIT_TEST(s, test_flow_empty_token_names_no_flow);
	UNIT_TEST(s, test_flow_upper_case_token_accepted);
}
