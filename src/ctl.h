/*
 * ctl.h: control commands. Each command lives in its own ctl_NAME.c and
 * exports one const struct ctl_entry; ctl.c collects them in a table.
 * A command owns both halves: what the daemon does (exec) and how
 * sipedgectl shows the reply as text (print).
 */
#ifndef SIPEDGE_CTL_H
#define SIPEDGE_CTL_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

struct daemon;

/* Who is asking, from SO_PEERCRED. */
struct ctl_peer {
	pid_t	pid;
	uid_t	uid;
	gid_t	gid;
};

struct ctl_entry {
	const char	*name;
	const char	*usage;		/* arguments, "LEVEL" */
	const char	*help;		/* one line */
	int		 min_args;
	int		 max_args;
	bool		 mutating;	/* root or the daemon's user only */
	/*
	 * Run in the daemon. argv[0] is the command name. Returns the result
	 * object, or NULL with *error set (malloc'd) on failure.
	 */
	json_t		*(*exec)(struct daemon *, int argc, char **argv,
			    char **error);
	/* Print a result as text for people (sipedgectl without --json). */
	void		 (*print)(json_t *result, FILE *);
};

/* The commands, one per ctl_NAME.c; ctl_table lists them, NULL-terminated. */
extern const struct ctl_entry ctl_status_entry;
extern const struct ctl_entry ctl_reload_entry;
extern const struct ctl_entry ctl_log_level_entry;
extern const struct ctl_entry ctl_connections_entry;
extern const struct ctl_entry ctl_carriers_entry;
extern const struct ctl_entry ctl_registrations_entry;
extern const struct ctl_entry ctl_calls_entry;
extern const struct ctl_entry ctl_media_entry;
extern const struct ctl_entry *const ctl_table[];

const struct ctl_entry	*ctl_find(const char *name);
/* Does argc (the command name included) fit the entry's limits? */
bool			 ctl_args_ok(const struct ctl_entry *, int argc);
/* "usage: NAME ARGS" for messages (caller frees). */
char			*ctl_usage(const struct ctl_entry *);
/* Check arguments and peer, then exec. Always returns a reply envelope. */
json_t			*ctl_dispatch(struct daemon *, const struct ctl_peer *,
			    json_t *request);
/* Parse one request line; NULL with *error on malformed input. */
json_t			*ctl_request_parse(const char *buf, size_t len,
			    char **error);
/* Reply envelopes: ok with a result (stolen), or an error message. */
json_t			*ctl_reply_ok(json_t *result);
json_t			*ctl_reply_error(const char *, ...)
			    __attribute__((format(printf, 1, 2)));

/* Helpers for print callbacks: a key/value listing and a column table. */
struct ctl_column {
	const char	*key;		/* field in each item; NULL ends the list */
	const char	*title;		/* NULL: the key */
};
void	ctl_print_object(json_t *, FILE *);
void	ctl_print_table(json_t *items, const struct ctl_column *, FILE *);

#endif
