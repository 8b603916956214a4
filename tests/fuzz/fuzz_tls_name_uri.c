/* fuzz_tls_name_uri.c: subjectAltName URIs come from peer certificates. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "tls_name.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char	*host;
	size_t		 hostlen;
	const char	*uri = (const char *)data;

	if (tls_name_uri_host(uri, len, &host, &hostlen) == 0) {
		/* The host must lie inside the input. */
		if (host < uri || host + hostlen > uri + len || hostlen == 0)
			abort();
	}
	return 0;
}
