/* fuzz_ctl_request.c: control socket requests are untrusted local input. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "ctl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	json_t	*req;
	char	*err = NULL;

	req = ctl_request_parse((const char *)data, len, &err);
	if (req != NULL) {
		/* A parsed request must name a command as a string. */
		json_t *argv = json_object_get(req, "argv");

		if (!json_is_array(argv) || json_array_size(argv) == 0 ||
		    !json_is_string(json_array_get(argv, 0)))
			abort();
		(void)ctl_find(json_string_value(json_array_get(argv, 0)));
		json_decref(req);
	} else if (err == NULL)
		abort();		/* a refusal always says why */
	free(err);
	return 0;
}
