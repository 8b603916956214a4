/*
 * sipedgectl: ask a running sipedged something over its control socket.
 *
 * Exit status: 0 the command succeeded; 1 bad usage or the daemon refused
 * or failed the command; 2 no usable answer from the daemon (not running,
 * not reachable, timed out, or spoke a protocol we do not).
 */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_client.h"
#include "ctl_proto.h"

#define EXIT_FAILED		1
#define EXIT_UNREACHABLE	2

static const struct option sipedgectl_options[] = {
	{ "socket",	required_argument,	NULL,	's' },
	{ "json",	no_argument,		NULL,	'j' },
	{ "help",	no_argument,		NULL,	'h' },
	{ "version",	no_argument,		NULL,	'V' },
	{ NULL,		0,			NULL,	0 }
};

/* The one-line synopsis. */
static void
sipedgectl_synopsis(FILE *fp)
{
	fputs("usage: sipedgectl [-s SOCKET] [--json] COMMAND [ARGS]\n", fp);
}

/* Full help: options, then every command from the same table the daemon uses. */
static void
sipedgectl_help(FILE *fp)
{
	size_t	 i;
	char	*words;

	sipedgectl_synopsis(fp);
	fprintf(fp, "\nOptions:\n"
	    "  -s, --socket SOCKET  control socket (default: "
	    "$SIPEDGE_CONTROL_SOCKET,\n"
	    "                       else %s)\n"
	    "  -j, --json           print the result as JSON\n"
	    "  -h, --help           show this help\n"
	    "  -V, --version        show the version\n"
	    "\nCommands:\n", CTL_DEFAULT_SOCKET);
	for (i = 0; ctl_table[i] != NULL; i++) {
		if (asprintf(&words, "%s %s", ctl_table[i]->name,
		    ctl_table[i]->usage) == -1)
			exit(EXIT_FAILED);
		fprintf(fp, "  %-17s %s%s\n", words, ctl_table[i]->help,
		    ctl_table[i]->mutating ? " *" : "");
		free(words);
	}
	fputs("\n* needs root or the user sipedged runs as.\n"
	    "\nExit status: 0 success, 1 usage error or command failed, "
	    "2 sipedged not\nreachable or not answering.\n", fp);
}

/* Check the command against the table before bothering the daemon. */
static const struct ctl_entry *
sipedgectl_check(int argc, char **argv)
{
	const struct ctl_entry	*e;

	if ((e = ctl_find(argv[0])) == NULL) {
		fprintf(stderr, "sipedgectl: unknown command '%s'\n", argv[0]);
		fputs("run 'sipedgectl --help' for the list of commands\n",
		    stderr);
		return NULL;
	}
	if (!ctl_args_ok(e, argc)) {
		fprintf(stderr, "sipedgectl: %s: wrong number of arguments\n"
		    "usage: sipedgectl [-s SOCKET] [--json] %s%s%s\n", e->name,
		    e->name, *e->usage != '\0' ? " " : "", e->usage);
		return NULL;
	}
	return e;
}

/* Print a JSON value with the indentation people and jq both like. */
static void
sipedgectl_dump(json_t *v)
{
	char	*text;

	text = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text != NULL)
		printf("%s\n", text);
	free(text);
}

/* Show the reply: the result on stdout, or the error on stderr. */
static int
sipedgectl_show(const struct ctl_entry *e, json_t *reply, bool json)
{
	json_t		*result = json_object_get(reply, "result");
	const char	*error;
	json_t		*obj;

	if (json_is_true(json_object_get(reply, "ok"))) {
		if (json)
			sipedgectl_dump(result);
		else if (e->print != NULL)
			e->print(result, stdout);
		else
			ctl_print_object(result, stdout);
		return 0;
	}
	error = json_string_value(json_object_get(reply, "error"));
	fprintf(stderr, "sipedgectl: %s\n", error);
	if (json) {
		obj = json_pack("{s:s}", "error", error);
		sipedgectl_dump(obj);
		json_decref(obj);
	}
	return EXIT_FAILED;
}

int
main(int argc, char **argv)
{
	const struct ctl_entry	*e;
	const char		*sock;
	json_t			*reply;
	char			*error;
	bool			 json = false;
	int			 ch, rc;

	if ((sock = getenv("SIPEDGE_CONTROL_SOCKET")) == NULL || *sock == '\0')
		sock = CTL_DEFAULT_SOCKET;
	while ((ch = getopt_long(argc, argv, "s:jhV", sipedgectl_options,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			sock = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			sipedgectl_help(stdout);
			return 0;
		case 'V':
			printf("sipedgectl %s (control protocol %d)\n",
			    PACKAGE_VERSION, CTL_PROTO_VERSION);
			return 0;
		default:
			sipedgectl_synopsis(stderr);
			return EXIT_FAILED;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		sipedgectl_synopsis(stderr);
		fputs("run 'sipedgectl --help' for the list of commands\n",
		    stderr);
		return EXIT_FAILED;
	}
	if ((e = sipedgectl_check(argc, argv)) == NULL)
		return EXIT_FAILED;
	if ((rc = ctl_client_call(sock, argc, argv, &reply, &error)) != 0) {
		fprintf(stderr, "sipedgectl: %s\n", error);
		free(error);
		return EXIT_UNREACHABLE;
	}
	rc = sipedgectl_show(e, reply, json);
	json_decref(reply);
	if (fflush(stdout) != 0) {
		perror("sipedgectl: stdout");
		return EXIT_FAILED;
	}
	return rc;
}
