/*
 * test_ctl.c: control requests and commands (ctl.c, ctl_*.c), the text
 * printers, and the control socket end to end (control.c, ctl_client.c).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "control.h"
#include "ctl.h"
#include "ctl_client.h"
#include "ctl_proto.h"
#include "daemon.h"
#include "log.h"
#include "unit.h"
#include "util.h"

#define TEST_DAEMON_UID	4242

static char	test_config_path[] = "/nonexistent/sipedge-test/sipedge.conf";

/* A daemon with nothing running, as commands see it before modules start. */
static void
test_daemon(struct daemon *d)
{
	memset(d, 0, sizeof(*d));
	d->config_path = test_config_path;
	d->uid = TEST_DAEMON_UID;
	clock_gettime(CLOCK_MONOTONIC, &d->started);
}

/* Parse a request line and dispatch it for a peer with this uid. */
static json_t *
test_dispatch(struct daemon *d, uid_t uid, const char *line)
{
	struct ctl_peer	 peer = { 1234, uid, uid };
	json_t		*req, *reply;
	char		*error = NULL;

	req = ctl_request_parse(line, strlen(line), &error);
	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	reply = ctl_dispatch(d, &peer, req);
	json_decref(req);
	CU_ASSERT_PTR_NOT_NULL_FATAL(reply);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(reply, "version")),
	    CTL_PROTO_VERSION);
	return reply;
}

/* The error of a failed reply, NULL if the reply is a success. */
static const char *
test_error(json_t *reply)
{
	if (json_is_true(json_object_get(reply, "ok")))
		return NULL;
	return json_string_value(json_object_get(reply, "error"));
}

/* The error a request line is rejected with, or NULL if it parses. */
static char *
test_parse_error(const char *line, size_t len)
{
	json_t	*req;
	char	*error = NULL;

	req = ctl_request_parse(line, len, &error);
	json_decref(req);
	CU_ASSERT((req == NULL) == (error != NULL));
	return error;
}

/* Does the request line fail to parse with a message containing want? */
static bool
test_rejected_with(const char *line, const char *want)
{
	char	*error = test_parse_error(line, strlen(line));
	bool	 ok = error != NULL && strstr(error, want) != NULL;

	if (!ok)
		fprintf(stderr, "\n%s: got '%s', want '%s'\n", line,
		    error != NULL ? error : "(accepted)", want);
	free(error);
	return ok;
}

static void
test_request_parse_accepts_version_and_argv(void)
{
	const char	*line = "{\"version\": 1, \"argv\": [\"log-level\", "
			    "\"debug\"]}\n";
	json_t		*req;
	char		*error = NULL;

	req = ctl_request_parse(line, strlen(line), &error);
	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	CU_ASSERT_PTR_NULL(error);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(
	    json_object_get(req, "argv"), 1)), "debug");
	json_decref(req);
}

static void
test_request_parse_rejects_text_that_is_not_json(void)
{
	CU_ASSERT(test_rejected_with("status\n", "not JSON"));
	CU_ASSERT(test_rejected_with("{\"version\": 1, \"argv\": [\"status\"]",
	    "not JSON"));
	CU_ASSERT(test_rejected_with("", "not JSON"));
	CU_ASSERT(test_rejected_with("[\"status\"]", "not a JSON object"));
}

static void
test_request_parse_wrong_version_names_both_versions(void)
{
	CU_ASSERT(test_rejected_with("{\"version\": 2, \"argv\": [\"status\"]}",
	    "protocol version 2 not supported (daemon speaks 1)"));
	CU_ASSERT(test_rejected_with("{\"version\": \"1\", \"argv\": "
	    "[\"status\"]}", "\"version\" must be an integer"));
	CU_ASSERT(test_rejected_with("{\"argv\": [\"status\"]}",
	    "\"version\" must be an integer"));
}

static void
test_request_parse_rejects_missing_empty_or_odd_argv(void)
{
	CU_ASSERT(test_rejected_with("{\"version\": 1}",
	    "\"argv\" must be an array of strings"));
	CU_ASSERT(test_rejected_with("{\"version\": 1, \"argv\": \"status\"}",
	    "\"argv\" must be an array of strings"));
	CU_ASSERT(test_rejected_with("{\"version\": 1, \"argv\": []}",
	    "\"argv\" is empty"));
	CU_ASSERT(test_rejected_with("{\"version\": 1, \"argv\": "
	    "[\"log-level\", 7]}", "argv[1] is not a string"));
	CU_ASSERT(test_rejected_with("{\"version\": 1, \"argv\": "
	    "[\"status\", \"a\\u0000b\"]}", "not JSON"));
	CU_ASSERT(test_rejected_with("{\"version\": 1, \"version\": 1, "
	    "\"argv\": [\"status\"]}", "not JSON"));
}

static void
test_request_parse_limits_argument_count(void)
{
	char	 line[512];
	char	*error;
	int	 i, n;

	n = snprintf(line, sizeof(line), "{\"version\": 1, \"argv\": [\"x\"");
	for (i = 1; i < CTL_MAX_ARGS; i++)
		n += snprintf(line + n, sizeof(line) - n, ", \"x\"");
	snprintf(line + n, sizeof(line) - n, "]}");
	error = test_parse_error(line, strlen(line));
	CU_ASSERT_PTR_NULL(error);
	free(error);

	snprintf(line + n, sizeof(line) - n, ", \"x\"]}");
	CU_ASSERT(test_rejected_with(line, "too many arguments (17, at most "
	    "16)"));
}

static void
test_request_parse_rejects_raw_nul_byte(void)
{
	const char	 line[] = "{\"version\": 1, \"argv\": [\"sta\0tus\"]}";
	char		*error;

	error = test_parse_error(line, sizeof(line) - 1);
	CU_ASSERT_PTR_NOT_NULL(error);
	free(error);
}

static void
test_dispatch_unknown_command_names_it(void)
{
	struct daemon	 d;
	json_t		*reply;

	test_daemon(&d);
	reply = test_dispatch(&d, 0, "{\"version\": 1, \"argv\": [\"halt\"]}");
	CU_ASSERT_STRING_EQUAL(test_error(reply), "unknown command 'halt'");
	json_decref(reply);
}

static void
test_dispatch_wrong_arity_answers_usage(void)
{
	struct daemon	 d;
	json_t		*reply;

	test_daemon(&d);
	reply = test_dispatch(&d, 0,
	    "{\"version\": 1, \"argv\": [\"log-level\"]}");
	CU_ASSERT_STRING_EQUAL(test_error(reply), "usage: log-level LEVEL");
	json_decref(reply);
	reply = test_dispatch(&d, 0,
	    "{\"version\": 1, \"argv\": [\"status\", \"now\"]}");
	CU_ASSERT_STRING_EQUAL(test_error(reply), "usage: status");
	json_decref(reply);
}

static void
test_dispatch_refuses_mutating_command_from_other_user(void)
{
	struct daemon	 d;
	json_t		*reply;
	enum log_level	 saved = log_get_level();
	const char	*error;

	test_daemon(&d);
	log_set_level(LOG_LVL_ERROR);
	reply = test_dispatch(&d, TEST_DAEMON_UID + 1,
	    "{\"version\": 1, \"argv\": [\"log-level\", \"debug\"]}");
	error = test_error(reply);
	CU_ASSERT_PTR_NOT_NULL_FATAL(error);
	CU_ASSERT_STRING_EQUAL(error, "permission denied: 'log-level' needs "
	    "root or the daemon's user (uid 4242)");
	CU_ASSERT_EQUAL(log_get_level(), LOG_LVL_ERROR);
	json_decref(reply);
	reply = test_dispatch(&d, TEST_DAEMON_UID + 1,
	    "{\"version\": 1, \"argv\": [\"reload\"]}");
	CU_ASSERT_PTR_NOT_NULL(strstr(test_error(reply), "permission denied"));
	CU_ASSERT_EQUAL(d.reload_failures, 0);
	json_decref(reply);
	log_set_level(saved);
}

static void
test_dispatch_allows_mutating_command_for_root_and_daemon_user(void)
{
	struct daemon	 d;
	json_t		*reply;
	enum log_level	 saved = log_get_level();

	test_daemon(&d);
	log_set_level(LOG_LVL_ERROR);
	reply = test_dispatch(&d, 0,
	    "{\"version\": 1, \"argv\": [\"log-level\", \"warning\"]}");
	CU_ASSERT_PTR_NULL(test_error(reply));
	CU_ASSERT_EQUAL(log_get_level(), LOG_LVL_WARNING);
	json_decref(reply);
	reply = test_dispatch(&d, TEST_DAEMON_UID,
	    "{\"version\": 1, \"argv\": [\"log-level\", \"error\"]}");
	CU_ASSERT_PTR_NULL(test_error(reply));
	CU_ASSERT_EQUAL(log_get_level(), LOG_LVL_ERROR);
	json_decref(reply);
	log_set_level(saved);
}

static void
test_log_level_changes_level_and_returns_previous(void)
{
	struct daemon	 d;
	json_t		*reply, *result;
	enum log_level	 saved = log_get_level();

	test_daemon(&d);
	log_set_level(LOG_LVL_ERROR);
	reply = test_dispatch(&d, 0,
	    "{\"version\": 1, \"argv\": [\"log-level\", \"WARNING\"]}");
	result = json_object_get(reply, "result");
	CU_ASSERT_EQUAL(log_get_level(), LOG_LVL_WARNING);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(result,
	    "log_level")), "warning");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(result,
	    "previous")), "error");
	json_decref(reply);
	log_set_level(saved);
}

static void
test_log_level_refuses_unknown_level_and_keeps_level(void)
{
	struct daemon	 d;
	json_t		*reply;
	enum log_level	 saved = log_get_level();

	test_daemon(&d);
	log_set_level(LOG_LVL_ERROR);
	reply = test_dispatch(&d, 0,
	    "{\"version\": 1, \"argv\": [\"log-level\", \"verbose\"]}");
	CU_ASSERT_STRING_EQUAL(test_error(reply), "unknown log level "
	    "'verbose' (error, warning, notice, info, debug)");
	CU_ASSERT_EQUAL(log_get_level(), LOG_LVL_ERROR);
	json_decref(reply);
	log_set_level(saved);
}

/* Is result[key] present and of the given jansson type? */
static bool
test_has(json_t *result, const char *key, json_type type)
{
	json_t	*v = json_object_get(result, key);

	if (v == NULL || json_typeof(v) != type) {
		fprintf(stderr, "\nstatus: %s missing or of the wrong type\n",
		    key);
		return false;
	}
	return true;
}

static void
test_status_result_has_contract_fields(void)
{
	struct daemon	 d;
	json_t		*reply, *r;

	test_daemon(&d);
	reply = test_dispatch(&d, TEST_DAEMON_UID + 1,
	    "{\"version\": 1, \"argv\": [\"status\"]}");
	CU_ASSERT_PTR_NULL_FATAL(test_error(reply));
	r = json_object_get(reply, "result");
	CU_ASSERT(test_has(r, "version", JSON_STRING));
	CU_ASSERT(test_has(r, "pid", JSON_INTEGER));
	CU_ASSERT(test_has(r, "uptime_s", JSON_INTEGER));
	CU_ASSERT(test_has(r, "config", JSON_STRING));
	CU_ASSERT(test_has(r, "connections", JSON_INTEGER));
	CU_ASSERT(test_has(r, "registrations", JSON_INTEGER));
	CU_ASSERT(test_has(r, "calls", JSON_INTEGER));
	CU_ASSERT(test_has(r, "carriers", JSON_INTEGER));
	CU_ASSERT(test_has(r, "log_level", JSON_STRING));
	CU_ASSERT(test_has(r, "reloads", JSON_INTEGER));
	CU_ASSERT(test_has(r, "reload_failures", JSON_INTEGER));
	CU_ASSERT(test_has(r, "last_reload_error", JSON_NULL));
	CU_ASSERT(test_has(r, "summary", JSON_STRING));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r, "version")),
	    PACKAGE_VERSION);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(r, "pid")),
	    getpid());
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r, "config")),
	    test_config_path);
	json_decref(reply);
}

static void
test_reload_failure_keeps_config_and_says_why(void)
{
	struct daemon	 d;
	json_t		*reply, *r;
	const char	*error;
	const char	*prefix = "reload failed, running configuration kept:\n";

	test_daemon(&d);
	reply = test_dispatch(&d, 0, "{\"version\": 1, \"argv\": [\"reload\"]}");
	error = test_error(reply);
	CU_ASSERT_PTR_NOT_NULL_FATAL(error);
	CU_ASSERT_NSTRING_EQUAL(error, prefix, strlen(prefix));
	CU_ASSERT(strlen(error) > strlen(prefix));
	CU_ASSERT_PTR_NULL(d.config);
	json_decref(reply);

	reply = test_dispatch(&d, 0, "{\"version\": 1, \"argv\": [\"status\"]}");
	r = json_object_get(reply, "result");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(r,
	    "reload_failures")), 1);
	CU_ASSERT(test_has(r, "last_reload_error", JSON_STRING));
	json_decref(reply);
	free(d.last_reload_error);
}

/* Run a printer into a string (caller frees). */
static char *
test_print(json_t *v, const struct ctl_column *cols)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp;

	fp = open_memstream(&buf, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	if (cols != NULL)
		ctl_print_table(v, cols, fp);
	else
		ctl_print_object(v, fp);
	fclose(fp);
	json_decref(v);
	return buf;
}

static const struct ctl_column test_columns[] = {
	{ "id", "ID" },
	{ "peer", "PEER" },
	{ "user_agent", "USER-AGENT" },
	{ NULL, NULL }
};

static void
test_print_table_aligns_columns_and_marks_missing_fields(void)
{
	char	*out;

	out = test_print(json_pack("[{s:i, s:s, s:s}, {s:i, s:s, s:n}]",
	    "id", 1, "peer", "192.0.2.1:5061", "user_agent", "snom D785",
	    "id", 22, "peer", "[::1]:5061", "user_agent"), test_columns);
	CU_ASSERT_STRING_EQUAL(out,
	    "ID  PEER            USER-AGENT\n"
	    "1   192.0.2.1:5061  snom D785\n"
	    "22  [::1]:5061      -\n");
	free(out);
}

static void
test_print_table_of_empty_list_says_none(void)
{
	char	*out;

	out = test_print(json_array(), test_columns);
	CU_ASSERT_STRING_EQUAL(out, "(none)\n");
	free(out);
}

static void
test_print_escapes_terminal_control_characters(void)
{
	char	*out;

	out = test_print(json_pack("[{s:i, s:s, s:s}]", "id", 1, "peer",
	    "192.0.2.1:5061", "user_agent", "evil\x1b[2J\nUA"), test_columns);
	CU_ASSERT_STRING_EQUAL(out,
	    "ID  PEER            USER-AGENT\n"
	    "1   192.0.2.1:5061  evil\\x1b[2J\\x0aUA\n");
	free(out);
}

static void
test_print_object_aligns_values_and_indents_continuations(void)
{
	char	*out;

	out = test_print(json_pack("{s:s, s:i, s:n, s:s, s:{s:i}}",
	    "version", "0.1.0", "uptime_s", 5, "last_reload_error",
	    "summary", "first\nsecond", "nested", "a", 1), NULL);
	CU_ASSERT_STRING_EQUAL(out,
	    "version:           0.1.0\n"
	    "uptime_s:          5\n"
	    "last_reload_error: -\n"
	    "summary:           first\n"
	    "                   second\n"
	    "nested:            {\"a\":1}\n");
	free(out);
}

static void
test_table_lists_every_command_once_with_help(void)
{
	size_t	i, j;

	CU_ASSERT_PTR_NOT_NULL(ctl_find("status"));
	CU_ASSERT_PTR_NOT_NULL(ctl_find("reload"));
	CU_ASSERT_PTR_NOT_NULL(ctl_find("log-level"));
	CU_ASSERT_PTR_NULL(ctl_find("Status"));
	for (i = 0; ctl_table[i] != NULL; i++) {
		CU_ASSERT(ctl_table[i]->help != NULL &&
		    *ctl_table[i]->help != '\0');
		CU_ASSERT_PTR_NOT_NULL(ctl_table[i]->usage);
		CU_ASSERT_PTR_NOT_NULL(ctl_table[i]->exec);
		CU_ASSERT_PTR_NOT_NULL(ctl_table[i]->print);
		CU_ASSERT(ctl_table[i]->min_args <= ctl_table[i]->max_args);
		CU_ASSERT(ctl_table[i]->max_args < CTL_MAX_ARGS);
		for (j = 0; j < i; j++)
			CU_ASSERT(strcmp(ctl_table[i]->name,
			    ctl_table[j]->name) != 0);
	}
}

/*
 * The socket end to end. The daemon side runs on an event base in this
 * thread; each client runs in its own thread (or a child process when it
 * must be another user) while the loop turns.
 */
struct test_socket {
	char			 dir[64];
	char			 path[96];
	struct daemon		 d;
	struct control		*control;
};

struct test_client {
	const char		*path;
	int			 argc;
	char			**argv;
	const char		*raw;		/* send these bytes instead */
	size_t			 rawlen;
	bool			 shut;		/* half-close after raw */
	int			 rc;
	json_t			*reply;
	char			*error;
	atomic_bool		 done;
	pid_t			 child;
};

struct test_loop {
	struct event_base	*base;
	bool			 (*done)(struct test_client *);
	struct test_client	*client;
	struct timespec		 deadline;
	bool			 timed_out;
};

/* Stop the loop when the client is done, or when the test takes too long. */
static void
test_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct test_loop	*l = arg;
	struct timespec		 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (l->done(l->client))
		event_base_loopbreak(l->base);
	else if (now.tv_sec > l->deadline.tv_sec) {
		l->timed_out = true;
		event_base_loopbreak(l->base);
	}
}

/* Turn the daemon's loop until done(client) or ten seconds have passed. */
static void
test_loop_until(struct event_base *base, bool (*done)(struct test_client *),
    struct test_client *client)
{
	struct test_loop	 l = { base, done, client, { 0, 0 }, false };
	struct timeval		 tv = { 0, 5000 };
	struct event		*tick;

	clock_gettime(CLOCK_MONOTONIC, &l.deadline);
	l.deadline.tv_sec += 10;
	tick = event_new(base, -1, EV_PERSIST, test_tick_cb, &l);
	event_add(tick, &tv);
	event_base_dispatch(base);
	event_free(tick);
	CU_ASSERT_FALSE(l.timed_out);
}

/* Turn the loop for a while so the daemon handles what is pending. */
static void
test_loop_for(struct event_base *base, long ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

/* A UNIX socket address for path. */
static void
test_sun(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	CU_ASSERT_FATAL(strlen(path) < sizeof(sun->sun_path));
	memcpy(sun->sun_path, path, strlen(path) + 1);
}

/* Send raw bytes and read the answer as a reply envelope. */
static void
test_client_raw(struct test_client *c)
{
	struct sockaddr_un	 sun;
	struct timeval		 tv = { 5, 0 };
	char			*buf = calloc(1, 65536);
	size_t			 len = 0;
	ssize_t			 n;
	int			 fd;

	test_sun(&sun, c->path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	/* Never wait for ever: a daemon that does not answer fails the test. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	c->rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	if (c->rc == 0) {
		(void)!send(fd, c->raw, c->rawlen, MSG_NOSIGNAL);
		if (c->shut)
			shutdown(fd, SHUT_WR);
		while (len < 65535 && (n = recv(fd, buf + len, 65535 - len,
		    0)) > 0)
			len += (size_t)n;
		c->reply = json_loadb(buf, len, 0, NULL);
	}
	close(fd);
	free(buf);
}

/* Client thread: one call, through ctl_client_call or raw bytes. */
static void *
test_client_thread(void *arg)
{
	struct test_client	*c = arg;

	if (c->raw != NULL)
		test_client_raw(c);
	else
		c->rc = ctl_client_call(c->path, c->argc, c->argv, &c->reply,
		    &c->error);
	atomic_store(&c->done, true);
	return NULL;
}

/* Has the client thread finished? */
static bool
test_thread_done(struct test_client *c)
{
	return atomic_load(&c->done);
}

/* Run one client against the daemon's loop. */
static void
test_client_run(struct test_socket *s, struct test_client *c)
{
	pthread_t	t;

	c->path = s->path;
	atomic_init(&c->done, false);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, test_client_thread, c),
	    0);
	test_loop_until(s->d.base, test_thread_done, c);
	pthread_join(t, NULL);
}

/* Ask for one command through ctl_client_call; returns the envelope. */
static json_t *
test_ask(struct test_socket *s, const char *cmd)
{
	char			*argv[] = { (char *)cmd, NULL };
	struct test_client	 c = { .argc = 1, .argv = argv };

	test_client_run(s, &c);
	CU_ASSERT_EQUAL(c.rc, 0);
	if (c.rc != 0)
		fprintf(stderr, "\n%s: %s\n", cmd, c.error);
	free(c.error);
	return c.reply;
}

/* A daemon with its event base and a path for its socket in a fresh dir. */
static void
test_socket_init(struct test_socket *s)
{
	test_daemon(&s->d);
	s->d.uid = getuid();
	s->d.base = event_base_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->d.base);
	snprintf(s->dir, sizeof(s->dir), "/tmp/sipedge-ctl-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(s->dir));
	snprintf(s->path, sizeof(s->path), "%s/control.sock", s->dir);
	s->control = NULL;
	/* As in sipedged: a client going away must not kill the process. */
	signal(SIGPIPE, SIG_IGN);
}

/* Open the control socket or fail the test with the reason. */
static void
test_socket_open(struct test_socket *s, mode_t mode)
{
	char	*why = NULL;

	s->control = control_open(&s->d, s->path, mode, &why);
	if (s->control == NULL)
		fprintf(stderr, "\ncontrol_open: %s\n", why);
	free(why);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->control);
}

/* Close everything and remove the directory. */
static void
test_socket_free(struct test_socket *s)
{
	control_close(s->control);
	event_base_free(s->d.base);
	unlink(s->path);
	rmdir(s->dir);
}

/* Connect and send nothing: a connection holding a slot. */
static int
test_idle_connection(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	test_sun(&sun, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CU_ASSERT_EQUAL(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

static void
test_control_round_trip_answers_status_and_removes_socket(void)
{
	struct test_socket	 s;
	json_t			*reply, *r;
	char			 byte;
	int			 fd;

	test_socket_init(&s);
	test_socket_open(&s, 0600);
	reply = test_ask(&s, "status");
	CU_ASSERT_PTR_NULL_FATAL(test_error(reply));
	r = json_object_get(reply, "result");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(r, "pid")),
	    getpid());
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r, "config")),
	    test_config_path);
	json_decref(reply);
	/* A client still connected at shutdown is dropped with the rest. */
	fd = test_idle_connection(s.path);
	test_loop_for(s.d.base, 20);
	control_close(s.control);
	s.control = NULL;
	CU_ASSERT(access(s.path, F_OK) == -1 && errno == ENOENT);
	/* libevent closes a freed bufferevent's socket on its next turn. */
	test_loop_for(s.d.base, 10);
	CU_ASSERT_EQUAL(recv(fd, &byte, 1, MSG_DONTWAIT), 0);
	close(fd);
	test_socket_free(&s);
}

static void
test_control_socket_mode_ignores_umask(void)
{
	struct test_socket	s;
	struct stat		st;
	mode_t			old = umask(0077);

	test_socket_init(&s);
	test_socket_open(&s, 0660);
	umask(old);
	CU_ASSERT_EQUAL_FATAL(stat(s.path, &st), 0);
	CU_ASSERT(S_ISSOCK(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0660);
	test_socket_free(&s);
}

static void
test_control_replaces_stale_socket(void)
{
	struct test_socket	 s;
	struct sockaddr_un	 sun;
	json_t			*reply;
	int			 fd;

	test_socket_init(&s);
	/* What a daemon killed with SIGKILL leaves behind. */
	test_sun(&sun, s.path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&sun, sizeof(sun)),
	    0);
	close(fd);
	test_socket_open(&s, 0600);
	reply = test_ask(&s, "status");
	CU_ASSERT_PTR_NULL(test_error(reply));
	json_decref(reply);
	test_socket_free(&s);
}

static void
test_control_refuses_second_daemon_on_live_socket(void)
{
	struct test_socket	 s;
	struct daemon		 other;
	char			*why = NULL, *want;
	json_t			*reply;

	test_socket_init(&s);
	test_socket_open(&s, 0600);
	test_daemon(&other);
	other.base = s.d.base;
	CU_ASSERT_PTR_NULL(control_open(&other, s.path, 0600, &why));
	CU_ASSERT_PTR_NOT_NULL_FATAL(why);
	if (asprintf(&want, "another sipedged is running on %s", s.path) == -1)
		CU_FAIL_FATAL("asprintf");
	CU_ASSERT_STRING_EQUAL(why, want);
	free(want);
	free(why);
	/* The first daemon keeps its socket and keeps answering. */
	reply = test_ask(&s, "status");
	CU_ASSERT_PTR_NULL(test_error(reply));
	json_decref(reply);
	test_socket_free(&s);
}

static void
test_control_never_removes_a_file_that_is_not_a_socket(void)
{
	struct test_socket	 s;
	char			*why = NULL;
	int			 fd;

	test_socket_init(&s);
	fd = open(s.path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	CU_ASSERT_PTR_NULL(control_open(&s.d, s.path, 0600, &why));
	CU_ASSERT_PTR_NOT_NULL(why != NULL ? strstr(why, "not a socket") :
	    NULL);
	CU_ASSERT_EQUAL(access(s.path, F_OK), 0);
	free(why);
	test_socket_free(&s);
}

static void
test_control_caps_connections_per_user(void)
{
	struct test_socket	 s;
	json_t			*reply;
	int			 fds[8];
	size_t			 i;

	test_socket_init(&s);
	test_socket_open(&s, 0600);
	for (i = 0; i < 8; i++)
		fds[i] = test_idle_connection(s.path);
	test_loop_for(s.d.base, 50);
	reply = test_ask(&s, "status");
	CU_ASSERT_STRING_EQUAL(test_error(reply),
	    "too many control connections");
	json_decref(reply);
	/* Closing the idle ones frees their slots. */
	for (i = 0; i < 8; i++)
		close(fds[i]);
	test_loop_for(s.d.base, 50);
	reply = test_ask(&s, "status");
	CU_ASSERT_PTR_NULL(test_error(reply));
	json_decref(reply);
	test_socket_free(&s);
}

/* Send raw bytes; return the envelope the daemon answered with. */
static json_t *
test_send_raw(struct test_socket *s, const char *raw, size_t len, bool shut)
{
	struct test_client	c = { .raw = raw, .rawlen = len, .shut = shut };

	test_client_run(s, &c);
	CU_ASSERT_EQUAL(c.rc, 0);
	CU_ASSERT_PTR_NOT_NULL(c.reply);
	return c.reply;
}

static void
test_control_answers_bad_requests_and_keeps_serving(void)
{
	struct test_socket	 s;
	json_t			*reply;
	char			*big;
	const char		*req = "{\"version\": 1, \"argv\": [\"status\"]}";

	test_socket_init(&s);
	test_socket_open(&s, 0600);
	big = malloc(CTL_MAX_REQUEST + 100);
	memset(big, ' ', CTL_MAX_REQUEST + 100);
	reply = test_send_raw(&s, big, CTL_MAX_REQUEST + 100, false);
	CU_ASSERT_STRING_EQUAL(test_error(reply),
	    "request too long (at most 8192 bytes)");
	json_decref(reply);
	free(big);

	reply = test_send_raw(&s, "hello\n", 6, false);
	CU_ASSERT_NSTRING_EQUAL(test_error(reply),
	    "malformed request: not JSON", 27);
	json_decref(reply);

	/* A request ended by closing instead of a newline still counts. */
	reply = test_send_raw(&s, req, strlen(req), true);
	CU_ASSERT_PTR_NULL(test_error(reply));
	json_decref(reply);
	test_socket_free(&s);
}

/* Has the child process exited? */
static bool
test_child_done(struct test_client *c)
{
	int	status;

	return waitpid(c->child, &status, WNOHANG) == c->child;
}

static void
test_control_refuses_log_level_from_other_user_over_socket(void)
{
	struct test_socket	 s;
	struct test_client	 c = { 0 };
	char			*argv[] = { "log-level", "debug", NULL };
	char			 buf[512] = "";
	enum log_level		 saved = log_get_level();
	json_t			*reply;
	char			*error;
	int			 p[2];

	test_socket_init(&s);
	/* The peer must be neither root nor the daemon's user. */
	s.d.uid = getuid() == 0 ? TEST_DAEMON_UID : getuid() + 1;
	CU_ASSERT_EQUAL(chmod(s.dir, 0711), 0);
	test_socket_open(&s, 0666);
	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	if ((c.child = fork()) == 0) {
		close(p[0]);
		if (getuid() == 0 && setuid(65534) == -1)
			_exit(1);
		ctl_client_call(s.path, 2, argv, &reply, &error);
		if (reply != NULL && test_error(reply) != NULL)
			dprintf(p[1], "%s", test_error(reply));
		else
			dprintf(p[1], "%s", reply != NULL ? "ok" : error);
		_exit(0);
	}
	close(p[1]);
	test_loop_until(s.d.base, test_child_done, &c);
	CU_ASSERT(read(p[0], buf, sizeof(buf) - 1) > 0);
	close(p[0]);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "permission denied: 'log-level'"));
	CU_ASSERT_EQUAL(log_get_level(), saved);
	test_socket_free(&s);
}

static void
test_client_reports_unreachable_daemon_with_path_and_hint(void)
{
	char	*argv[] = { "status", NULL };
	json_t	*reply;
	char	*error;
	int	 rc;

	rc = ctl_client_call("/nonexistent/sipedge/control.sock", 1, argv,
	    &reply, &error);
	CU_ASSERT_EQUAL(rc, CTL_CLIENT_UNREACHABLE);
	CU_ASSERT_PTR_NULL(reply);
	CU_ASSERT_STRING_EQUAL(error, "cannot connect to "
	    "/nonexistent/sipedge/control.sock: No such file or directory "
	    "(is sipedged running?)");
	free(error);
}

/* A fake daemon: accept one connection, read a line, answer with text. */
static void
test_fake_daemon_answer(int lfd, const char *text)
{
	char	buf[1024];
	int	fd;

	fd = accept(lfd, NULL, NULL);
	CU_ASSERT_FATAL(fd != -1);
	(void)!read(fd, buf, sizeof(buf));
	(void)!write(fd, text, strlen(text));
	close(fd);
}

static void
test_client_rejects_replies_it_cannot_use(void)
{
	struct test_socket	 s;
	struct test_client	 c = { .argc = 1 };
	struct sockaddr_un	 sun;
	char			*argv[] = { "status", NULL };
	pthread_t		 t;
	int			 lfd;
	static const struct {
		const char	*reply;
		const char	*error;
	} cases[] = {
		{ "garbage\n", "malformed reply from sipedged" },
		{ "", "sipedged closed the connection without answering" },
		{ "{\"version\":2,\"ok\":false,\"error\":\"speak 2\"}\n",
		    "sipedged speaks control protocol 2, sipedgectl speaks 1: "
		    "speak 2" },
		{ "{\"version\":1,\"ok\":true}\n", "malformed reply" },
	};
	size_t			 i;

	test_socket_init(&s);
	test_sun(&sun, s.path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	CU_ASSERT_EQUAL_FATAL(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)),
	    0);
	CU_ASSERT_EQUAL_FATAL(listen(lfd, 4), 0);
	for (i = 0; i < nitems(cases); i++) {
		c.path = s.path;
		c.argv = argv;
		c.reply = NULL;
		c.error = NULL;
		pthread_create(&t, NULL, test_client_thread, &c);
		test_fake_daemon_answer(lfd, cases[i].reply);
		pthread_join(t, NULL);
		CU_ASSERT_EQUAL(c.rc, CTL_CLIENT_PROTOCOL);
		CU_ASSERT_PTR_NULL(c.reply);
		CU_ASSERT_PTR_NOT_NULL(c.error != NULL ?
		    strstr(c.error, cases[i].error) : NULL);
		free(c.error);
	}
	close(lfd);
	test_socket_free(&s);
}

void
test_ctl_register(void)
{
	CU_pSuite	s = unit_suite("ctl");

	UNIT_TEST(s, test_request_parse_accepts_version_and_argv);
	UNIT_TEST(s, test_request_parse_rejects_text_that_is_not_json);
	UNIT_TEST(s, test_request_parse_wrong_version_names_both_versions);
	UNIT_TEST(s, test_request_parse_rejects_missing_empty_or_odd_argv);
	UNIT_TEST(s, test_request_parse_limits_argument_count);
	UNIT_TEST(s, test_request_parse_rejects_raw_nul_byte);
	UNIT_TEST(s, test_dispatch_unknown_command_names_it);
	UNIT_TEST(s, test_dispatch_wrong_arity_answers_usage);
	UNIT_TEST(s, test_dispatch_refuses_mutating_command_from_other_user);
	UNIT_TEST(s,
	    test_dispatch_allows_mutating_command_for_root_and_daemon_user);
	UNIT_TEST(s, test_log_level_changes_level_and_returns_previous);
	UNIT_TEST(s, test_log_level_refuses_unknown_level_and_keeps_level);
	UNIT_TEST(s, test_status_result_has_contract_fields);
	UNIT_TEST(s, test_reload_failure_keeps_config_and_says_why);
	UNIT_TEST(s, test_print_table_aligns_columns_and_marks_missing_fields);
	UNIT_TEST(s, test_print_table_of_empty_list_says_none);
	UNIT_TEST(s, test_print_escapes_terminal_control_characters);
	UNIT_TEST(s, test_print_object_aligns_values_and_indents_continuations);
	UNIT_TEST(s, test_table_lists_every_command_once_with_help);
	UNIT_TEST(s, test_control_round_trip_answers_status_and_removes_socket);
	UNIT_TEST(s, test_control_socket_mode_ignores_umask);
	UNIT_TEST(s, test_control_replaces_stale_socket);
	UNIT_TEST(s, test_control_refuses_second_daemon_on_live_socket);
	UNIT_TEST(s, test_control_never_removes_a_file_that_is_not_a_socket);
	UNIT_TEST(s, test_control_caps_connections_per_user);
	UNIT_TEST(s, test_control_answers_bad_requests_and_keeps_serving);
	UNIT_TEST(s, test_control_refuses_log_level_from_other_user_over_socket);
	UNIT_TEST(s, test_client_reports_unreachable_daemon_with_path_and_hint);
	UNIT_TEST(s, test_client_rejects_replies_it_cannot_use);
}
