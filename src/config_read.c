/*
 * config_read.c: reading sipedge.conf and carriers_dir/ *.conf with libinih
 * into sections and their entries.
 *
 * inih gives the handler neither line numbers nor the shape of a line, so
 * it reads through our own reader: the reader counts lines, refuses lines
 * that would not fit inih's buffer (instead of letting inih cut them),
 * parses section headers itself and knows whether a line continues the
 * previous key. It mirrors inih's own decisions exactly, so both agree on
 * what every line is; lines inih would reject are reported here, with all
 * their line numbers, and handed to inih as empty lines.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "config_int.h"
#include "log.h"
#include "util.h"

/* State of one file being read; the inih reader and handler share it. */
struct config_reader {
	struct config_ctx	*ctx;
	FILE			*fp;
	const char		*file;
	bool			 main;		/* sipedge.conf, not carriers.d */
	char			*buf;
	size_t			 cap;
	int			 line;
	int			 read_errno;
	bool			 have_key;	/* inih's prev_name is set */
	bool			 continuation;	/* this line continues a key */
	struct config_section	*section;	/* NULL: none or a bad header */
	bool			 skip;		/* keys under a bad header */
	long			 last;		/* entry a continuation extends */
	int			 carrier_line;	/* first [carrier], 0: none */
};

/* Remember a file name for the sections and errors that point at it. */
static const char *
config_file_add(struct config_ctx *ctx, const char *path)
{
	ctx->files = xreallocarray(ctx->files, ctx->n_files + 1,
	    sizeof(*ctx->files));
	return ctx->files[ctx->n_files++] = xstrdup(path);
}

/* Add a section to the load. */
static struct config_section *
config_section_new(struct config_ctx *ctx, enum config_kind kind,
    const char *name, const char *file, int line)
{
	struct config_section	*s = xcalloc(1, sizeof(*s));

	s->kind = kind;
	s->name = name != NULL ? xstrdup(name) : NULL;
	if (name != NULL)
		xasprintf(&s->label, "%s %s", config_kind_name(kind), name);
	else
		s->label = xstrdup(config_kind_name(kind));
	s->file = file;
	s->line = line;
	ctx->sections = xreallocarray(ctx->sections, ctx->n_sections + 1,
	    sizeof(*ctx->sections));
	ctx->sections[ctx->n_sections++] = s;
	return s;
}

/* Free a section; values are wiped because some are passwords. */
void
config_section_free(struct config_section *s)
{
	size_t	i;

	for (i = 0; i < s->n_entries; i++) {
		explicit_bzero(s->entries[i].value, strlen(s->entries[i].value));
		free(s->entries[i].value);
		free(s->entries[i].key);
	}
	free(s->entries);
	free(s->name);
	free(s->label);
	free(s);
}

/* A section of this kind and name read before, or NULL. */
static struct config_section *
config_section_find(struct config_ctx *ctx, enum config_kind kind,
    const char *name)
{
	struct config_section	*s;
	size_t			 i;

	for (i = 0; i < ctx->n_sections; i++) {
		s = ctx->sections[i];
		if (s->kind == kind && (s->name == NULL ? name == NULL :
		    name != NULL && strcmp(s->name, name) == 0))
			return s;
	}
	return NULL;
}

/* Like inih: the first of chars, or an inline comment (';' after space). */
static const char *
config_ini_find(const char *s, const char *chars)
{
	bool	was_space = false;

	while (*s != '\0' && strchr(chars, *s) == NULL &&
	    !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

static void	config_line_err(struct config_reader *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* Record an error about a whole line (no section or key to name). */
static void
config_line_err(struct config_reader *rd, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("config_line_err: out of memory");
	va_end(ap);
	config_err_take(rd->ctx, rd->file, rd->line, NULL, NULL, msg);
}

/* Whether a section of this kind may appear in this file. */
static bool
config_header_placed(struct config_reader *rd, enum config_kind kind,
    const char *text)
{
	bool	carrier_kind = kind == CONFIG_CARRIER || kind == CONFIG_ACCOUNT;

	if (carrier_kind == !rd->main)
		return true;
	config_line_err(rd, "[%s] is only allowed in %s", text,
	    rd->main ? "a carrier file" : "the main file");
	return false;
}

/* Name and placement rules of a header whose kind is known. */
static bool
config_header_valid(struct config_reader *rd, enum config_kind kind,
    const char *text, const char *name)
{
	bool	named = kind == CONFIG_PROFILE || kind == CONFIG_CARRIER ||
		    kind == CONFIG_ACCOUNT;

	if (named && *name == '\0') {
		config_line_err(rd, "missing name: expected [%s NAME]",
		    config_kind_name(kind));
		return false;
	}
	if (!named && *name != '\0') {
		config_line_err(rd, "[%s] takes no name",
		    config_kind_name(kind));
		return false;
	}
	if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-_") != strlen(name)) {
		config_line_err(rd, "bad name \"%s\" in [%s] (letters, "
		    "digits, \".\", \"-\" and \"_\")", name, text);
		return false;
	}
	return config_header_placed(rd, kind, text);
}

/* A carrier file holds exactly one [carrier]; count them as they come. */
static bool
config_header_carrier(struct config_reader *rd)
{
	if (rd->carrier_line == 0) {
		rd->carrier_line = rd->line;
		return true;
	}
	config_line_err(rd, "second [carrier] section (first at line %d): a "
	    "carrier file holds exactly one", rd->carrier_line);
	return false;
}

/* Each section exists once, across all files. */
static bool
config_header_unique(struct config_reader *rd, enum config_kind kind,
    const char *text, const char *name)
{
	struct config_section	*old;

	old = config_section_find(rd->ctx, kind, *name != '\0' ? name : NULL);
	if (old == NULL)
		return true;
	if (old->file == rd->file)
		config_line_err(rd, "duplicate section [%s] (first at line "
		    "%d)", text, old->line);
	else
		config_line_err(rd, "duplicate section [%s] (first in %s:%d)",
		    text, old->file, old->line);
	return false;
}

/* Start the section named by "[text]"; after is what follows the ']'. */
static void
config_header(struct config_reader *rd, char *text, const char *after)
{
	enum config_kind	 kind;
	char			 word[16], *name;
	size_t			 len;

	rd->section = NULL;
	rd->skip = true;
	text = str_trim(text);
	len = strcspn(text, " \t");
	name = str_trim(text + len);
	snprintf(word, sizeof(word), "%.*s", (int)len, text);
	after += strspn(after, " \t");
	if (*after != '\0' && *after != ';' && *after != '#') {
		config_line_err(rd, "syntax error: unexpected text after "
		    "\"]\"");
		return;
	}
	if (len >= sizeof(word) || config_kind_parse(word, &kind) == -1) {
		config_line_err(rd, "unknown section [%s] (expected %s)",
		    text, rd->main ?
		    "[edge], [phones], [carriers], [media] or [profile NAME]" :
		    "[carrier NAME] or [account NAME]");
		return;
	}
	if (kind == CONFIG_CARRIER && !rd->main && !config_header_carrier(rd))
		return;
	if (!config_header_valid(rd, kind, text, name) ||
	    !config_header_unique(rd, kind, text, name))
		return;
	rd->section = config_section_new(rd->ctx, kind,
	    *name != '\0' ? name : NULL, rd->file, rd->line);
	rd->skip = false;
}

/* A comment line (or a blank one), as inih sees it. */
static bool
config_comment(const char *line)
{
	line += strspn(line, " \t\f\v");
	return *line == '\0' || *line == ';' || *line == '#';
}

/*
 * Decide what a line is, the way inih will. Returns false for a line inih
 * would reject: it is reported here and inih gets an empty line instead.
 */
static bool
config_line(struct config_reader *rd)
{
	char		*p = rd->buf;
	const char	*end;

	rd->continuation = false;
	if (config_comment(p))
		return true;
	p += strspn(p, " \t\f\v");
	if (p > rd->buf && rd->have_key) {
		rd->continuation = true;
		return true;
	}
	if (*p == '[') {
		end = config_ini_find(p + 1, "]");
		if (*end != ']') {
			config_line_err(rd, "syntax error: expected \"]\"");
			/* Its keys must not land in the section before it. */
			rd->section = NULL;
			rd->skip = true;
			return false;
		}
		rd->have_key = false;
		rd->last = -1;
		p = xstrndup(p + 1, end - p - 1);
		config_header(rd, p, end + 1);
		free(p);
		return true;
	}
	end = config_ini_find(p, "=:");
	if ((*end != '=' && *end != ':') || end == p) {
		config_line_err(rd, "syntax error: expected KEY = VALUE");
		return false;
	}
	rd->have_key = true;
	return true;
}

/* inih's reader: one line into str, or an empty one when it is refused. */
static char *
config_read_cb(char *str, int num, void *stream)
{
	struct config_reader	*rd = stream;
	ssize_t			 len;

	errno = 0;
	if ((len = getline(&rd->buf, &rd->cap, rd->fp)) == -1) {
		rd->read_errno = errno;
		return NULL;
	}
	rd->line++;
	if (rd->line == 1 && strncmp(rd->buf, "\xef\xbb\xbf", 3) == 0)
		memmove(rd->buf, rd->buf + 3, (len -= 3) + 1);
	while (len > 0 && (rd->buf[len - 1] == '\n' || rd->buf[len - 1] == '\r'))
		rd->buf[--len] = '\0';
	str[0] = '\0';
	rd->continuation = false;
	if ((size_t)len != strlen(rd->buf))
		config_line_err(rd, "NUL byte in line");
	else if (len > num - 1 && config_comment(rd->buf))
		return str;	/* inih would only skip it, had it fitted */
	else if (len > num - 1)
		config_line_err(rd, "line too long (at most %d characters)",
		    num - 1);
	else if (config_line(rd)) {
		memcpy(str, rd->buf, len + 1);
		return str;
	}
	/* Refused: what follows must not continue a key from before it. */
	rd->last = -1;
	return str;
}

/* A new key in the current section; each key is set once. */
static void
config_entry_add(struct config_reader *rd, const char *key, const char *value)
{
	struct config_section	*s = rd->section;
	struct config_entry	*e;
	size_t			 i;

	rd->last = -1;
	if (s == NULL) {
		if (!rd->skip)
			config_err(rd->ctx, rd->file, rd->line, NULL, key,
			    "key outside of any section");
		return;
	}
	for (i = 0; i < s->n_entries; i++) {
		if (strcmp(s->entries[i].key, key) == 0) {
			config_err(rd->ctx, rd->file, rd->line, s->label, key,
			    "duplicate key (first set at line %d)",
			    s->entries[i].line);
			return;
		}
	}
	s->entries = xreallocarray(s->entries, s->n_entries + 1,
	    sizeof(*s->entries));
	e = &s->entries[s->n_entries];
	e->key = xstrdup(key);
	e->value = xstrdup(value);
	e->line = rd->line;
	rd->last = (long)s->n_entries++;
}

/*
 * An indented line continues the last key: for a list it adds entries
 * (a trailing comma before the break is fine), for anything else it is an
 * error rather than a silently joined value.
 */
static void
config_entry_continue(struct config_reader *rd, const char *value)
{
	struct config_section	*s = rd->section;
	const struct config_key	*k;
	struct config_entry	*e;
	size_t			 len;
	char			*joined;

	if (s == NULL || rd->last < 0)
		return;
	e = &s->entries[rd->last];
	k = config_key_find(s->kind, e->key);
	if (k != NULL && (k->flags & CONFIG_KEY_LIST) == 0) {
		config_err(rd->ctx, rd->file, rd->line, s->label, e->key,
		    "continuation line for a single-value key");
		return;
	}
	len = strlen(e->value);
	xasprintf(&joined, "%s%s%s", e->value,
	    len == 0 || e->value[len - 1] == ',' ? "" : ",", value);
	explicit_bzero(e->value, len);
	free(e->value);
	e->value = joined;
}

/* inih's handler: every key line and continuation line comes here. */
static int
config_handler_cb(void *user, const char *section, const char *key,
    const char *value)
{
	struct config_reader	*rd = user;

	if (rd->continuation)
		config_entry_continue(rd, value);
	else
		config_entry_add(rd, key, value);
	return 1;	/* errors are ours to collect, inih must not stop */
}

/* Whether an error was already recorded for file:line. */
static bool
config_err_at(struct config_ctx *ctx, const char *file, int line)
{
	size_t	i;

	for (i = 0; i < ctx->errs->n; i++) {
		if (ctx->errs->v[i].line == line &&
		    strcmp(ctx->errs->v[i].file, file) == 0)
			return true;
	}
	return false;
}

/* Read one file into sections; false if it could not be read at all. */
bool
config_read_file(struct config_ctx *ctx, const char *path, bool main)
{
	struct config_reader	rd;
	int			ret;

	memset(&rd, 0, sizeof(rd));
	rd.ctx = ctx;
	rd.file = config_file_add(ctx, path);
	rd.main = main;
	rd.last = -1;
	if ((rd.fp = fopen(path, "r")) == NULL) {
		config_err(ctx, rd.file, 0, NULL, NULL, "cannot open: %s",
		    strerror(errno));
		return false;
	}
	ret = ini_parse_stream(config_read_cb, &rd, config_handler_cb, &rd);
	if (rd.read_errno != 0)
		config_err(ctx, rd.file, rd.line, NULL, NULL, "cannot read: %s",
		    strerror(rd.read_errno));
	else if (ret > 0 && !config_err_at(ctx, rd.file, ret))
		config_err(ctx, rd.file, ret, NULL, NULL, "syntax error");
	if (!main && rd.carrier_line == 0 && rd.read_errno == 0)
		config_err(ctx, rd.file, 0, NULL, NULL, "no [carrier NAME] "
		    "section: a carrier file holds exactly one");
	fclose(rd.fp);
	free(rd.buf);
	return rd.read_errno == 0;
}

/* scandir filter: "*.conf", not hidden. */
static int
config_conf_filter(const struct dirent *d)
{
	return fnmatch("*.conf", d->d_name, FNM_PERIOD) == 0;
}

/* scandir order: plain byte order, whatever the locale. */
static int
config_conf_sort(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/*
 * Read every carrier file. Without carriers_dir in the file a missing
 * directory just means no carriers yet; a directory named explicitly must
 * exist, since a typo there would silently drop every carrier.
 */
void
config_read_carriers(struct config_ctx *ctx, const struct config_section *edge)
{
	const char	*dir = ctx->cf->edge.carriers_dir;
	struct dirent	**list;
	char		*path;
	bool		 given = config_entry_get(edge, "carriers_dir") != NULL;
	int		 n, i;

	if (dir == NULL)
		return;
	if ((n = scandir(dir, &list, config_conf_filter,
	    config_conf_sort)) == -1) {
		if (errno != ENOENT || given)
			config_err(ctx, edge->file, given ?
			    config_entry_line(edge, "carriers_dir") : 0,
			    edge->label, "carriers_dir", "cannot open \"%s\": %s",
			    dir, strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		xasprintf(&path, "%s/%s", dir, list[i]->d_name);
		config_read_file(ctx, path, false);
		free(path);
		free(list[i]);
	}
	free(list);
}

/* The section of a kind in the main file, or an implied empty one. */
struct config_section *
config_main_section(struct config_ctx *ctx, enum config_kind kind)
{
	struct config_section	*s = config_section_find(ctx, kind, NULL);

	if (s == NULL)
		s = config_section_new(ctx, kind, NULL, ctx->files[0], 0);
	return s;
}
