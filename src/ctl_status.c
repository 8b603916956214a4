/* ctl_status.c: "status": what is running, since when, and how busy it is. */
#include "config.h"

#include <unistd.h>

#include "ctl.h"
#include "daemon.h"
#include "log.h"

/* Build the status result from the daemon's state. */
static json_t *
ctl_status_exec(struct daemon *d, int argc, char **argv, char **error)
{
	struct daemon_counts	counts = { 0 };
	char			summary[256];

	daemon_counts(d, &counts);
	daemon_summary(d, summary, sizeof(summary));
	return json_pack("{s:s, s:I, s:I, s:s?, s:I, s:I, s:I, s:I, s:s, "
	    "s:I, s:I, s:s?, s:s}",
	    "version", PACKAGE_VERSION,
	    "pid", (json_int_t)getpid(),
	    "uptime_s", (json_int_t)daemon_uptime(d),
	    "config", d->config_path,
	    "connections", (json_int_t)counts.connections,
	    "registrations", (json_int_t)counts.registrations,
	    "calls", (json_int_t)counts.calls,
	    "carriers", (json_int_t)counts.carriers,
	    "log_level", log_level_name(log_get_level()),
	    "reloads", (json_int_t)d->reloads,
	    "reload_failures", (json_int_t)d->reload_failures,
	    "last_reload_error", d->last_reload_error,
	    "summary", summary);
}

/* Print the status as key/value lines. */
static void
ctl_status_print(json_t *result, FILE *fp)
{
	ctl_print_object(result, fp);
}

const struct ctl_entry ctl_status_entry = {
	.name = "status",
	.usage = "",
	.help = "show version, uptime, configuration file and counts",
	.min_args = 0,
	.max_args = 0,
	.mutating = false,
	.exec = ctl_status_exec,
	.print = ctl_status_print,
};
