/*
 * fuzz_sip_msg.c: libFuzzer target for sip_msg, fed what a phone could send.
 *
 * Build (from a configured build directory, for config.h):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -I$SRC/src \
 *       $SRC/tests/fuzz/fuzz_sip_msg.c $SRC/src/sip_msg.c $SRC/src/log.c \
 *       $(pkg-config --cflags --libs libosip2) -o fuzz_sip_msg
 *   ./fuzz_sip_msg -max_total_time=60 CORPUS_DIR
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sip_msg.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Quiet logs, libosip2 set up once. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init("fuzz_sip_msg");
	log_set_level(getenv("FUZZ_LOG") ? LOG_LVL_DEBUG :
	    (enum log_level)(LOG_LVL_ERROR - 1));
	sip_msg_init();
	return 0;
}

/* What the edge builds must itself parse: anything else is a bug. */
static void
check_reparses(osip_message_t *msg)
{
	osip_message_t	*again;
	char		*text;
	size_t		 len;

	if (sip_msg_serialize(msg, &text, &len) == -1)
		return;
	if ((again = sip_msg_parse(text, len, NULL, 0)) == NULL)
		abort();
	sip_msg_free(again);
	osip_free(text);
}

/* The connection's path: parse, stamp the Via, answer; else answer raw. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in6		 src;
	osip_message_t			*msg, *res;
	char				 why[128], *out;
	size_t				 len;

	memset(&src, 0, sizeof(src));
	src.sin6_family = AF_INET6;
	src.sin6_port = htons(40312);
	inet_pton(AF_INET6, "2001:db8::50", &src.sin6_addr);

	msg = sip_msg_parse((const char *)data, size, why, sizeof(why));
	if (msg != NULL) {
		(void)sip_msg_method(msg);
		(void)sip_msg_call_id(msg);
		(void)sip_msg_header(msg, "User-Agent");
		(void)sip_msg_header(msg, "Supported");
		if (sip_msg_via_received(msg, (struct sockaddr *)&src) == -1)
			abort();
		if (sip_msg_is_request(msg) &&
		    (res = sip_msg_response(msg, 400, NULL, "edge1")) != NULL) {
			check_reparses(res);
			sip_msg_free(res);
		}
		check_reparses(msg);
		sip_msg_free(msg);
	}
	if (sip_msg_response_raw((const char *)data, size, 400, why[0] ? why :
	    NULL, &out, &len) == 0) {
		if (strlen(out) != len)
			abort();
		osip_free(out);
	}
	return 0;
}
