/*
 * flow.h: RFC 5626 §5.2 flow tokens. Each phone TLS connection is a flow
 * with a 64-bit id; its token goes into the URIs the edge writes (Contact
 * user part, Path, Record-Route) so that requests from the carrier find
 * the flow again, and an HMAC makes a forged or altered token detectable.
 *
 * Token = base32(epoch(4, BE) || flow_id(8, BE) || tag(12)), where tag is
 * HMAC-SHA256(key, "sipedge-flow" || epoch || flow_id) cut to 12 bytes and
 * base32 is the RFC 4648 alphabet in lowercase without padding: 39
 * characters, all alphanumeric.
 */
#ifndef SIPEDGE_FLOW_H
#define SIPEDGE_FLOW_H

#include <stddef.h>
#include <stdint.h>

#define FLOW_TOKEN_LEN	39	/* characters in every token */
#define FLOW_TOKEN_MAX	64	/* a buffer this size always fits a token */

/* The HMAC key and this process's epoch. Never logged. */
struct flow_key {
	unsigned char	key[32];
	uint32_t	epoch;
};

/* What a token turned out to be. */
enum flow_token_status {
	FLOW_TOKEN_OK,		/* authentic, this epoch: *flow_id is set */
	FLOW_TOKEN_MALFORMED,	/* wrong length or characters: not ours */
	FLOW_TOKEN_TAMPERED,	/* this epoch, HMAC mismatch: forged, 403 */
	FLOW_TOKEN_STALE,	/* another epoch: that flow is dead, 430 */
};

/*
 * Set up a key. With a secret (len > 0 bytes, e.g. flow_secret) the HMAC
 * key is derived from it with HKDF-SHA256, so equal secrets give equal
 * keys across restarts and reloads; with secret NULL the key is random.
 * epoch must differ between processes sharing a secret (random, or a
 * start time that cannot repeat), since flow ids restart with the process.
 * Returns 0, or -1 if OpenSSL fails or the secret is empty.
 */
int	flow_key_init(struct flow_key *, const unsigned char *secret,
	    size_t len, uint32_t epoch);
/* Wipe a key that is no longer needed. */
void	flow_key_clear(struct flow_key *);

/*
 * Write the NUL-terminated token for flow_id into out. Returns its length
 * (FLOW_TOKEN_LEN), or 0 if outlen is too small (then out is "" when
 * outlen > 0).
 */
size_t	flow_token_make(const struct flow_key *, uint64_t flow_id, char *out,
	    size_t outlen);

/*
 * Check the token in token[0..len) (need not be NUL-terminated). Letters
 * are accepted in either case: URI parameters compare case-insensitively
 * (RFC 3261 §19.1.4) and an element on the path may fold them.
 */
enum flow_token_status flow_token_parse(const struct flow_key *,
	    const char *token, size_t len, uint64_t *flow_id);

/* A short name for a status, for log lines. */
const char *flow_token_status_name(enum flow_token_status);

#endif
