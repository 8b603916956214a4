/* ctl_log_level.c: "log-level LEVEL": change the log threshold at runtime. */
#include "config.h"

#include "ctl.h"
#include "log.h"
#include "util.h"

/* Set the level; the old one is returned so it can be put back. */
static json_t *
ctl_log_level_exec(struct daemon *d, int argc, char **argv, char **error)
{
	enum log_level	level, previous = log_get_level();

	if (log_level_parse(argv[1], &level) == -1) {
		xasprintf(error, "unknown log level '%s' (error, warning, "
		    "notice, info, debug)", argv[1]);
		return NULL;
	}
	/*
	 * Log while the more verbose of the two levels is in force, so the
	 * change is recorded whichever way it goes.
	 */
	if (level < previous) {
		log_notice("log level changed from %s to %s",
		    log_level_name(previous), log_level_name(level));
		log_set_level(level);
	} else {
		log_set_level(level);
		log_notice("log level changed from %s to %s",
		    log_level_name(previous), log_level_name(level));
	}
	return json_pack("{s:s, s:s}", "log_level", log_level_name(level),
	    "previous", log_level_name(previous));
}

/* One line: the new level and the one it replaced. */
static void
ctl_log_level_print(json_t *result, FILE *fp)
{
	const char	*level, *previous;

	level = json_string_value(json_object_get(result, "log_level"));
	previous = json_string_value(json_object_get(result, "previous"));
	fprintf(fp, "log level %s (was %s)\n", level != NULL ? level : "-",
	    previous != NULL ? previous : "-");
}

const struct ctl_entry ctl_log_level_entry = {
	.name = "log-level",
	.usage = "LEVEL",
	.help = "set the log level: error, warning, notice, info or debug",
	.min_args = 1,
	.max_args = 1,
	.mutating = true,
	.exec = ctl_log_level_exec,
	.print = ctl_log_level_print,
};
