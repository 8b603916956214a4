/*
 * config.c: loading a configuration, the errors found on the way, freeing
 * it, and which changes a reload cannot apply.
 *
 * Reading (config_read.c) only collects sections and their entries.
 * config_load() then builds the objects from them through the key table
 * (config_keys.c) and runs the checks that span keys and files
 * (config_check.c).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"
#include "log.h"
#include "profile.h"
#include "util.h"

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

/* A message for a config_error; the caller owns it. */
char *
config_msg(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatal("config_msg: out of memory");
	va_end(ap);
	return s;
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

/* [edge], [phones], [carriers], [media]: each once, all optional. */
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
	s = config_main_section(ctx, CONFIG_CARRIERS);
	s->obj = &cf->carrier_side;
	config_apply(ctx, s, &cf->carrier_side, true);
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
	config_fields_free(CONFIG_CARRIERS, &cf->carrier_side);
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
	case CONFIG_CARRIERS:
		return &cf->carrier_side;
	default:
		return NULL;
	}
}

/*
 * Keys of [edge], [phones], [carriers] and [media] that differ and that a reload
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
