/* sipedged.c: the daemon's main(): options, configuration check, run. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon.h"
#include "edge_config.h"
#include "log.h"

/* Print usage and exit with the given status. */
static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: sipedged [-hnV] [-c file]\n"
	    "  -c file  configuration file (default %s)\n"
	    "  -n       check the configuration and exit\n"
	    "  -V       print the version and exit\n"
	    "  -h       this help\n", CONFIG_DEFAULT_PATH);
	exit(status);
}

/* Load the configuration, printing every error; NULL if there were any. */
static struct config *
load(const char *path)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg;
	size_t			 i;

	cfg = config_load(path, &errs);
	for (i = 0; i < errs.n; i++) {
		char *s = config_error_str(&errs.v[i]);

		fprintf(stderr, "%s\n", s);
		free(s);
	}
	config_errors_clear(&errs);
	return cfg;
}

int
main(int argc, char **argv)
{
	const char	*path = CONFIG_DEFAULT_PATH;
	struct config	*cfg;
	struct daemon	 d;
	int		 ch, check = 0, rc;

	while ((ch = getopt(argc, argv, "c:hnV")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'V':
			printf("sipedged %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(0);
		default:
			usage(1);
		}
	}
	if (optind != argc)
		usage(1);
	log_init("sipedged");
	if ((cfg = load(path)) == NULL) {
		if (!check)
			log_error("%s: configuration has errors, not starting",
			    path);
		return 1;
	}
	if (check) {
		config_free(cfg);
		printf("configuration OK\n");
		return 0;
	}
	if (daemon_init(&d, cfg, path) == -1) {
		daemon_free(&d);
		return 1;
	}
	rc = daemon_run(&d);
	daemon_free(&d);
	return rc == 0 ? 0 : 1;
}
