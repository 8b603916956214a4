/* fuzz_dns_answer.c: DNS answers come from the network. */
#include "config.h"

#include <arpa/nameser.h>
#include <stdint.h>

#include "dns.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const int	types[] = { ns_t_naptr, ns_t_srv, ns_t_a,
				    ns_t_aaaa };
	uint32_t		ttl;
	size_t			i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		(void)dns_answer_ttl(data, len, types[i], &ttl);
	return 0;
}
