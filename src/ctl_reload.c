/* ctl_reload.c: "reload": load the configuration file again and swap it in. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "daemon.h"
#include "util.h"

/* Reload through the daemon; on failure say that nothing changed, and why. */
static json_t *
ctl_reload_exec(struct daemon *d, int argc, char **argv, char **error)
{
	char	*why = NULL;
	size_t	 len;

	if (daemon_reload(d, &why) != 0) {
		if (why == NULL)
			why = xstrdup("unknown error");
		len = strlen(why);
		while (len > 0 && why[len - 1] == '\n')
			why[--len] = '\0';
		xasprintf(error, "reload failed, running configuration "
		    "kept:\n%s", why);
		free(why);
		return NULL;
	}
	free(why);
	return json_pack("{s:b, s:s?}", "reloaded", 1, "config",
	    d->config_path);
}

/* Say which file was loaded. */
static void
ctl_reload_print(json_t *result, FILE *fp)
{
	const char	*path;

	path = json_string_value(json_object_get(result, "config"));
	fprintf(fp, "configuration reloaded from %s\n",
	    path != NULL ? path : "-");
}

const struct ctl_entry ctl_reload_entry = {
	.name = "reload",
	.usage = "",
	.help = "reload the configuration; a bad file changes nothing",
	.min_args = 0,
	.max_args = 0,
	.mutating = true,
	.exec = ctl_reload_exec,
	.print = ctl_reload_print,
};
