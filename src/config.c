/*
 * config.c: reading sipedge.conf and carriers_dir/ *.conf with libinih.
 *
 * inih gives the handler neither line numbers nor the shape of a line, so
 * it reads through our own reader: the reader counts lines, refuses lines
 * that would not fit inih's buffer (instead of letting inih cut them),
 * parses section headers itself and knows whether a line continues the
 * previous key. It mirrors inih's own decisions exactly, so both agree on
 * what every line is; lines inih would reject are reported here, with all
 * their line numbers, and handed to inih as empty lines.
 *
 * Reading only collects sections and their entries. config_load() then
 * builds the objects from them through the key table (config_keys.c) and
 * runs the checks that span keys and files (config_check.c).
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
#include <strings.h>

#include <ini.h>

#include "config_int.h"
#include "log.h"
#include "profile.h"
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

/* Record an error; msg is taken over. */
void
config_err_take(struct config_ctx *ctx, const char *file, int line,
    const char *section, const char *key, char *msg)
{
	struct config_errors	*errs = ctx->errs;
	struct config_error	*e;

	errs->v = xreallocarray(errs->v, errs->n + 1, sizeof(*errs->v));
	e = &errs->v[errs->n++];
	e->file = xstrdup(file);
	e->line = line;
	e->section = section != NULL ? xstrdup(section) : NULL;
	e->key = key != NULL ? xstrdup(key) : NULL;
	e->message = msg;
}

/* Record an error. */
void
config_err(struct config_ctx *ctx, const char *file, int line,
    const char *section, const char *key, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("config_err: out of memory");
	va_end(ap);
	config_err_take(ctx, file, line, section, key, msg);
}

/* "FILE:LINE: [section] key: message", leaving out what does not apply. */
char *
config_error_str(const struct config_error *e)
{
	char	*s;

	if (e->section != NULL && e->key != NULL)
		xasprintf(&s, "%s:%d: [%s] %s: %s", e->file, e->line,
		    e->section, e->key, e->message);
	else if (e->section != NULL)
		xasprintf(&s, "%s:%d: [%s]: %s", e->file, e->line, e->section,
		    e->message);
	else if (e->key != NULL)
		xasprintf(&s, "%s:%d: %s: %s", e->file, e->line, e->key,
		    e->message);
	else
		xasprintf(&s, "%s:%d: %s", e->file, e->line, e->message);
	return s;
}

/* Free every error and empty the list. */
void
config_errors_clear(struct config_errors *errs)
{
	size_t	i;

	for (i = 0; i < errs->n; i++) {
		free(errs->v[i].file);
		free(errs->v[i].section);
		free(errs->v[i].key);
		free(errs->v[i].message);
	}
	free(errs->v);
	errs->v = NULL;
	errs->n = 0;
}

/* The entry for key if it was given a non-empty value, else NULL. */
const struct config_entry *
config_entry_get(const struct config_section *s, const char *key)
{
	size_t	i;

	for (i = 0; i < s->n_entries; i++) {
		if (strcmp(s->entries[i].key, key) == 0)
			return *s->entries[i].value != '\0' ? &s->entries[i] :
			    NULL;
	}
	return NULL;
}

/* The line that set key, else the section's own line. */
int
config_entry_line(const struct config_section *s, const char *key)
{
	size_t	i;

	for (i = 0; i < s->n_entries; i++) {
		if (strcmp(s->entries[i].key, key) == 0)
			return s->entries[i].line;
	}
	return s->line;
}

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
static void
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
		    "[edge], [phones], [media] or [profile NAME]" :
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
static bool
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
static void
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
static struct config_section *
config_main_section(struct config_ctx *ctx, enum config_kind kind)
{
	struct config_section	*s = config_section_find(ctx, kind, NULL);

	if (s == NULL)
		s = config_section_new(ctx, kind, NULL, ctx->files[0], 0);
	return s;
}

/* [edge], [phones], [media]: each once, all optional as sections. */
static void
config_build_main(struct config_ctx *ctx)
{
	struct config		*cf = ctx->cf;
	struct config_section	*s;

	s = config_main_section(ctx, CONFIG_EDGE);
	s->obj = &cf->edge;
	config_apply(ctx, s, &cf->edge, true);
	s = config_main_section(ctx, CONFIG_PHONES);
	s->obj = &cf->phones;
	config_apply(ctx, s, &cf->phones, true);
	s = config_main_section(ctx, CONFIG_MEDIA);
	s->obj = &cf->media;
	config_apply(ctx, s, &cf->media, true);
}

/* A carrier from its [carrier NAME] section. */
static void
config_build_carrier(struct config_ctx *ctx, struct config_section *s)
{
	struct config		*cf = ctx->cf;
	struct config_carrier	*c = xcalloc(1, sizeof(*c));

	c->name = xstrdup(s->name);
	c->file = xstrdup(s->file);
	c->line = s->line;
	config_apply(ctx, s, c, true);
	cf->carriers = xreallocarray(cf->carriers, cf->n_carriers + 1,
	    sizeof(*cf->carriers));
	cf->carriers[cf->n_carriers++] = c;
	s->obj = c;
}

/* An account belongs to the carrier of the file it is in. */
static void
config_build_account(struct config_ctx *ctx, struct config_section *s)
{
	struct config		*cf = ctx->cf;
	struct config_carrier	*c = NULL;
	struct config_account	*a;
	size_t			 i;

	for (i = 0; i < ctx->n_sections && c == NULL; i++) {
		if (ctx->sections[i]->kind == CONFIG_CARRIER &&
		    ctx->sections[i]->file == s->file)
			c = ctx->sections[i]->obj;
	}
	if (c == NULL)
		return;		/* the file has no carrier: reported already */
	a = xcalloc(1, sizeof(*a));
	a->name = xstrdup(s->name);
	a->file = xstrdup(s->file);
	a->line = s->line;
	a->carrier = c;
	config_apply(ctx, s, a, true);
	cf->accounts = xreallocarray(cf->accounts, cf->n_accounts + 1,
	    sizeof(*cf->accounts));
	cf->accounts[cf->n_accounts++] = a;
	c->accounts = xreallocarray(c->accounts, c->n_accounts + 1,
	    sizeof(*c->accounts));
	c->accounts[c->n_accounts++] = a;
	s->obj = a;
}

/* Carriers first: accounts look theirs up by file. */
static void
config_build_carriers(struct config_ctx *ctx)
{
	size_t	i;

	for (i = 0; i < ctx->n_sections; i++) {
		if (ctx->sections[i]->kind == CONFIG_CARRIER)
			config_build_carrier(ctx, ctx->sections[i]);
	}
	for (i = 0; i < ctx->n_sections; i++) {
		if (ctx->sections[i]->kind == CONFIG_ACCOUNT)
			config_build_account(ctx, ctx->sections[i]);
	}
}

/*
 * A [profile NAME] section: a built-in NAME changes only the keys given;
 * a new NAME starts from the default profile and must say which phones
 * it is for. Returns the new profile, NULL when it changed a built-in.
 */
static struct config_profile *
config_build_profile(struct config_ctx *ctx, struct config_section *s,
    struct config_profile **builtins)
{
	struct config_profile	*p;
	int			 i;

	if ((i = profile_builtin_find(s->name)) != -1) {
		config_apply(ctx, s, builtins[i], false);
		s->obj = builtins[i];
		if (builtins[i]->n_user_agents != 0 &&
		    strcmp(s->name, PROFILE_DEFAULT) == 0)
			config_err(ctx, s->file, config_entry_line(s,
			    "user_agent"), s->label, "user_agent", "the "
			    "default profile matches every phone and takes no "
			    "user_agent");
		return NULL;
	}
	p = profile_new(s->name);
	config_apply(ctx, s, p, false);
	s->obj = p;
	if (p->n_user_agents == 0)
		config_err(ctx, s->file, s->line, s->label, NULL,
		    "new profile needs user_agent");
	return p;
}

/* Operator profiles first, in file order, then the built-ins. */
static void
config_build_profiles(struct config_ctx *ctx)
{
	struct config		 *cf = ctx->cf;
	size_t			  nb = profile_builtin_count(), i;
	struct config_profile	**builtins, *p;

	builtins = xcalloc(nb, sizeof(*builtins));
	for (i = 0; i < nb; i++)
		builtins[i] = profile_builtin_new(i);
	cf->profiles = xcalloc(nb + ctx->n_sections, sizeof(*cf->profiles));
	for (i = 0; i < ctx->n_sections; i++) {
		if (ctx->sections[i]->kind != CONFIG_PROFILE)
			continue;
		if ((p = config_build_profile(ctx, ctx->sections[i],
		    builtins)) != NULL)
			cf->profiles[cf->n_profiles++] = p;
	}
	for (i = 0; i < nb; i++)
		cf->profiles[cf->n_profiles++] = builtins[i];
	free(builtins);
}

/* Order of a file among those read: the main file first. */
static size_t
config_file_index(const struct config_ctx *ctx, const char *file)
{
	size_t	i;

	for (i = 0; i < ctx->n_files; i++) {
		if (strcmp(ctx->files[i], file) == 0)
			return i;
	}
	return ctx->n_files;
}

/* Errors from start on in file and line order, stable (insertion sort). */
static void
config_errors_sort(struct config_ctx *ctx, size_t start)
{
	struct config_error	*v = ctx->errs->v, tmp;
	size_t			 i, j;

	for (i = start + 1; i < ctx->errs->n; i++) {
		tmp = v[i];
		for (j = i; j > start; j--) {
			size_t fa = config_file_index(ctx, v[j - 1].file);
			size_t fb = config_file_index(ctx, tmp.file);

			if (fa < fb || (fa == fb && v[j - 1].line <= tmp.line))
				break;
			v[j] = v[j - 1];
		}
		v[j] = tmp;
	}
}

/* Free what one load read. */
static void
config_ctx_free(struct config_ctx *ctx)
{
	size_t	i;

	for (i = 0; i < ctx->n_sections; i++)
		config_section_free(ctx->sections[i]);
	free(ctx->sections);
	for (i = 0; i < ctx->n_files; i++)
		free(ctx->files[i]);
	free(ctx->files);
}

/* Read, build and check a configuration; NULL and errs filled on failure. */
struct config *
config_load(const char *path, struct config_errors *errs)
{
	struct config_errors	 own = { NULL, 0 };
	struct config_ctx	 ctx;
	size_t			 start;

	memset(&ctx, 0, sizeof(ctx));
	ctx.errs = errs != NULL ? errs : &own;
	start = ctx.errs->n;
	ctx.cf = xcalloc(1, sizeof(*ctx.cf));
	ctx.cf->path = xstrdup(path);
	/* Without the main file every required key would be "missing" too. */
	if (config_read_file(&ctx, path, true)) {
		config_build_main(&ctx);
		config_read_carriers(&ctx, config_main_section(&ctx,
		    CONFIG_EDGE));
		config_build_carriers(&ctx);
		config_build_profiles(&ctx);
		config_check(&ctx);
	}
	config_errors_sort(&ctx, start);
	if (ctx.errs->n > start) {
		config_free(ctx.cf);
		ctx.cf = NULL;
	}
	config_ctx_free(&ctx);
	config_errors_clear(&own);
	return ctx.cf;
}

/* Free a configuration and everything it owns. */
void
config_free(struct config *cf)
{
	size_t	i;

	if (cf == NULL)
		return;
	config_fields_free(CONFIG_EDGE, &cf->edge);
	config_fields_free(CONFIG_PHONES, &cf->phones);
	config_fields_free(CONFIG_MEDIA, &cf->media);
	for (i = 0; i < cf->n_carriers; i++) {
		config_fields_free(CONFIG_CARRIER, cf->carriers[i]);
		free(cf->carriers[i]->name);
		free(cf->carriers[i]->file);
		free(cf->carriers[i]->accounts);
		free(cf->carriers[i]);
	}
	for (i = 0; i < cf->n_accounts; i++) {
		config_fields_free(CONFIG_ACCOUNT, cf->accounts[i]);
		free(cf->accounts[i]->name);
		free(cf->accounts[i]->file);
		free(cf->accounts[i]);
	}
	for (i = 0; i < cf->n_profiles; i++)
		profile_free(cf->profiles[i]);
	free(cf->carriers);
	free(cf->accounts);
	free(cf->profiles);
	free(cf->path);
	free(cf);
}

/*
 * Whether a carrier serves a domain, by name or by one of its first upto
 * aliases, in any case.
 */
bool
config_carrier_serves_upto(const struct config_carrier *c, const char *domain,
    size_t upto)
{
	size_t	i;

	if (c->domain != NULL && strcasecmp(c->domain, domain) == 0)
		return true;
	for (i = 0; i < c->n_match_domains && i < upto; i++) {
		if (strcasecmp(c->match_domains[i], domain) == 0)
			return true;
	}
	return false;
}

/* The carrier whose domain or match_domains contain domain, or NULL. */
struct config_carrier *
config_carrier_for_domain(const struct config *cf, const char *domain)
{
	size_t	i;

	for (i = 0; domain != NULL && i < cf->n_carriers; i++) {
		if (config_carrier_serves_upto(cf->carriers[i], domain,
		    SIZE_MAX))
			return cf->carriers[i];
	}
	return NULL;
}

/* The object behind a main-file section kind. */
static const void *
config_main_obj(const struct config *cf, enum config_kind kind)
{
	switch (kind) {
	case CONFIG_EDGE:
		return &cf->edge;
	case CONFIG_PHONES:
		return &cf->phones;
	case CONFIG_MEDIA:
		return &cf->media;
	default:
		return NULL;
	}
}

/*
 * Keys of [edge], [phones] and [media] that differ and that a reload
 * cannot apply, as "[section] key" (static strings), at most max.
 */
size_t
config_restart_keys(const struct config *old, const struct config *new,
    const char **out, size_t max)
{
	const struct config_key	*k;
	const void		*a, *b;
	size_t			 i, n = 0;

	for (i = 0; i < config_nkeys && n < max; i++) {
		k = &config_keys[i];
		a = config_main_obj(old, k->kind);
		b = config_main_obj(new, k->kind);
		if (a == NULL || (k->flags & CONFIG_KEY_RELOAD))
			continue;
		if (k->type->equal == NULL)
			fatal("%s: %s has no comparison", __func__, k->full);
		if (!k->type->equal(k, a, b))
			out[n++] = k->full;
	}
	if (n < max)
		out[n] = NULL;
	return n;
}
