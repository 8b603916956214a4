/*
 * ctl.c: the command table, request parsing and dispatch, and the text
 * helpers commands use to print their results.
 *
 * Requests come from a socket anyone with access to its directory may
 * reach, so everything here treats them as untrusted bytes.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_proto.h"
#include "daemon.h"
#include "log.h"
#include "util.h"

/*
 * Every command sipedged answers and sipedgectl knows. connections,
 * registrations, calls, carriers, media and metrics join here as the
 * modules that own their data land.
 */
const struct ctl_entry *const ctl_table[] = {
	&ctl_status_entry,
	&ctl_reload_entry,
	&ctl_log_level_entry,
	&ctl_connections_entry,
	&ctl_carriers_entry,
	&ctl_registrations_entry,
	&ctl_calls_entry,
	&ctl_media_entry,
	NULL
};

/* Look a command up by name. */
const struct ctl_entry *
ctl_find(const char *name)
{
	size_t	i;

	for (i = 0; ctl_table[i] != NULL; i++)
		if (strcmp(ctl_table[i]->name, name) == 0)
			return ctl_table[i];
	return NULL;
}

/* Does argc (the command name included) fit the entry's limits? */
bool
ctl_args_ok(const struct ctl_entry *e, int argc)
{
	return argc - 1 >= e->min_args && argc - 1 <= e->max_args;
}

/* "usage: NAME ARGS" (caller frees). */
char *
ctl_usage(const struct ctl_entry *e)
{
	char	*s;

	xasprintf(&s, "usage: %s%s%s", e->name, *e->usage != '\0' ? " " : "",
	    e->usage);
	return s;
}

/* The success envelope around a result object (the reference is stolen). */
json_t *
ctl_reply_ok(json_t *result)
{
	return json_pack("{s:i, s:b, s:o}", "version", CTL_PROTO_VERSION,
	    "ok", 1, "result", result);
}

/* The failure envelope with a formatted message. */
json_t *
ctl_reply_error(const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;
	json_t	*reply;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("%s: vasprintf", __func__);
	va_end(ap);
	reply = json_pack("{s:i, s:b, s:s}", "version", CTL_PROTO_VERSION,
	    "ok", 0, "error", msg);
	free(msg);
	return reply;
}

/* Check the argv member: a non-empty array of at most CTL_MAX_ARGS strings. */
static int
ctl_check_argv(json_t *argv, char **error)
{
	size_t	 i;
	json_t	*arg;

	if (!json_is_array(argv)) {
		*error = xstrdup("malformed request: \"argv\" must be an array "
		    "of strings");
		return -1;
	}
	if (json_array_size(argv) == 0) {
		*error = xstrdup("malformed request: \"argv\" is empty");
		return -1;
	}
	if (json_array_size(argv) > CTL_MAX_ARGS) {
		xasprintf(error, "malformed request: too many arguments (%zu, "
		    "at most %d)", json_array_size(argv), CTL_MAX_ARGS);
		return -1;
	}
	json_array_foreach(argv, i, arg) {
		if (!json_is_string(arg)) {
			xasprintf(error, "malformed request: argv[%zu] is not "
			    "a string", i);
			return -1;
		}
	}
	return 0;
}

/* Parse and check one request; see ctl_proto.h for its shape. */
json_t *
ctl_request_parse(const char *buf, size_t len, char **error)
{
	json_t		*req, *version;
	json_error_t	 jerr;

	req = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL) {
		xasprintf(error, "malformed request: not JSON: %s", jerr.text);
		return NULL;
	}
	if (!json_is_object(req)) {
		*error = xstrdup("malformed request: not a JSON object");
		goto fail;
	}
	version = json_object_get(req, "version");
	if (!json_is_integer(version)) {
		*error = xstrdup("malformed request: \"version\" must be an "
		    "integer");
		goto fail;
	}
	if (json_integer_value(version) != CTL_PROTO_VERSION) {
		xasprintf(error, "protocol version %" JSON_INTEGER_FORMAT
		    " not supported (daemon speaks %d)",
		    json_integer_value(version), CTL_PROTO_VERSION);
		goto fail;
	}
	if (ctl_check_argv(json_object_get(req, "argv"), error) == -1)
		goto fail;
	return req;
fail:
	json_decref(req);
	return NULL;
}

/* May this peer run a command that changes the daemon? */
static bool
ctl_peer_privileged(const struct daemon *d, const struct ctl_peer *peer)
{
	return peer->uid == 0 || peer->uid == d->uid;
}

/* Run an entry whose arguments and peer have been checked. */
static json_t *
ctl_exec(struct daemon *d, const struct ctl_entry *e, json_t *jargv)
{
	json_t	*result, *reply;
	char	*argv[CTL_MAX_ARGS + 1], *error = NULL;
	int	 argc = (int)json_array_size(jargv), i;

	for (i = 0; i < argc; i++)
		argv[i] = xstrdup(json_string_value(json_array_get(jargv, i)));
	argv[argc] = NULL;
	result = e->exec(d, argc, argv, &error);
	for (i = 0; i < argc; i++)
		free(argv[i]);
	if (result == NULL) {
		reply = ctl_reply_error("%s", error != NULL ? error :
		    "command failed");
		free(error);
		return reply;
	}
	if (!json_is_object(result)) {
		/* A bug in one command must not take the daemon down. */
		log_error("control: '%s' returned a result that is not an "
		    "object", e->name);
		json_decref(result);
		return ctl_reply_error("internal error in '%s'", e->name);
	}
	return ctl_reply_ok(result);
}

/* Find the command, check arity and privilege, run it, wrap the outcome. */
json_t *
ctl_dispatch(struct daemon *d, const struct ctl_peer *peer, json_t *request)
{
	const struct ctl_entry	*e;
	json_t			*jargv, *reply;
	char			*usage, *error;

	if (ctl_check_argv(json_object_get(request, "argv"), &error) == -1) {
		reply = ctl_reply_error("%s", error);
		free(error);
		return reply;
	}
	jargv = json_object_get(request, "argv");
	if ((e = ctl_find(json_string_value(json_array_get(jargv, 0)))) == NULL)
		return ctl_reply_error("unknown command '%s'",
		    json_string_value(json_array_get(jargv, 0)));
	if (!ctl_args_ok(e, (int)json_array_size(jargv))) {
		usage = ctl_usage(e);
		reply = ctl_reply_error("%s", usage);
		free(usage);
		return reply;
	}
	if (e->mutating && !ctl_peer_privileged(d, peer)) {
		log_warn("control: pid %d uid %u: permission denied for '%s'",
		    (int)peer->pid, (unsigned)peer->uid, e->name);
		return ctl_reply_error("permission denied: '%s' needs root or "
		    "the daemon's user (uid %u)", e->name, (unsigned)d->uid);
	}
	/* Changes are worth a line at the default level; questions are not. */
	log_at(e->mutating ? LOG_LVL_INFO : LOG_LVL_DEBUG,
	    "control: pid %d uid %u: %s", (int)peer->pid, (unsigned)peer->uid,
	    e->name);
	return ctl_exec(d, e, jargv);
}

/*
 * Text for a terminal. Values can come from phones and carriers (a
 * User-Agent, a reason phrase), so control characters are shown escaped
 * rather than sent to the operator's terminal. Newlines are kept when
 * keep_nl is set, for multi-line messages.
 */
static char *
ctl_text(json_t *v, bool keep_nl)
{
	const unsigned char	*s;
	char			*raw, *out, *p;
	size_t			 len, i;

	if (v == NULL || json_is_null(v))
		return xstrdup("-");
	if (json_is_string(v)) {
		raw = xstrndup(json_string_value(v), json_string_length(v));
		len = json_string_length(v);
	} else {
		raw = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
		    JSON_PRESERVE_ORDER);
		if (raw == NULL)
			fatal("%s: json_dumps", __func__);
		len = strlen(raw);
	}
	p = out = xmalloc(len * 4 + 1);
	for (s = (const unsigned char *)raw, i = 0; i < len; i++) {
		if ((s[i] < 0x20 && !(keep_nl && s[i] == '\n')) || s[i] == 0x7f)
			p += sprintf(p, "\\x%02x", s[i]);
		else
			*p++ = (char)s[i];
	}
	*p = '\0';
	free(raw);
	return out;
}

/* Terminal columns of a UTF-8 string (one per code point, near enough). */
static size_t
ctl_width(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Write s padded with spaces to width columns. */
static void
ctl_pad(FILE *fp, const char *s, size_t width)
{
	size_t	w = ctl_width(s);

	fputs(s, fp);
	for (; w < width; w++)
		fputc(' ', fp);
}

/* Print text after label padded to indent; later lines get the same indent. */
static void
ctl_print_lines(FILE *fp, const char *label, const char *text, size_t indent)
{
	const char	*nl;

	ctl_pad(fp, label, indent);
	while ((nl = strchr(text, '\n')) != NULL) {
		fprintf(fp, "%.*s\n", (int)(nl - text), text);
		text = nl + 1;
		ctl_pad(fp, "", indent);
	}
	fprintf(fp, "%s\n", text);
}

/* Print an object as aligned "key: value" lines. */
void
ctl_print_object(json_t *obj, FILE *fp)
{
	const char	*key;
	json_t		*v;
	size_t		 width = 0;
	char		*label, *text;

	if (!json_is_object(obj)) {
		text = ctl_text(obj, false);
		fprintf(fp, "%s\n", text);
		free(text);
		return;
	}
	json_object_foreach(obj, key, v) {
		if (ctl_width(key) + 1 > width)
			width = ctl_width(key) + 1;
	}
	json_object_foreach(obj, key, v) {
		xasprintf(&label, "%s:", key);
		text = ctl_text(v, true);
		ctl_print_lines(fp, label, text, width + 1);
		free(text);
		free(label);
	}
}

/* The title of a column. */
static const char *
ctl_title(const struct ctl_column *c)
{
	return c->title != NULL ? c->title : c->key;
}

/*
 * Print items (an array of objects) as a table: a header row, then one
 * aligned row per item, "-" where an item lacks a field. An empty list
 * prints "(none)" alone: a bare header reads like a truncated answer.
 */
void
ctl_print_table(json_t *items, const struct ctl_column *cols, FILE *fp)
{
	size_t	 ncols, nrows, r, c, *width;
	char	**cell;

	for (ncols = 0; cols[ncols].key != NULL; ncols++)
		;
	nrows = json_is_array(items) ? json_array_size(items) : 0;
	if (nrows == 0 || ncols == 0) {
		fputs("(none)\n", fp);
		return;
	}
	width = xcalloc(ncols, sizeof(*width));
	cell = xcalloc(nrows * ncols, sizeof(*cell));
	for (c = 0; c < ncols; c++)
		width[c] = ctl_width(ctl_title(&cols[c]));
	for (r = 0; r < nrows; r++) {
		for (c = 0; c < ncols; c++) {
			cell[r * ncols + c] = ctl_text(json_object_get(
			    json_array_get(items, r), cols[c].key), false);
			if (ctl_width(cell[r * ncols + c]) > width[c])
				width[c] = ctl_width(cell[r * ncols + c]);
		}
	}
	for (c = 0; c < ncols; c++) {
		if (c + 1 < ncols)
			ctl_pad(fp, ctl_title(&cols[c]), width[c] + 2);
		else
			fprintf(fp, "%s\n", ctl_title(&cols[c]));
	}
	for (r = 0; r < nrows; r++) {
		for (c = 0; c < ncols; c++) {
			if (c + 1 < ncols)
				ctl_pad(fp, cell[r * ncols + c], width[c] + 2);
			else
				fprintf(fp, "%s\n", cell[r * ncols + c]);
			free(cell[r * ncols + c]);
		}
	}
	free(cell);
	free(width);
}
