/*
 * config_int.h: what the configuration loader's files share: config.c
 * (loading, errors), config_read.c (reading files into sections),
 * config_keys.c (the key table), config_types.c and config_net.c (value
 * syntax) and config_check.c (checks against OpenSSL, the system and other
 * keys). Nothing else includes it.
 */
#ifndef SIPEDGE_CONFIG_INT_H
#define SIPEDGE_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "edge_config.h"

/* The kinds of section; config_read.c decides which file may hold which. */
enum config_kind {
	CONFIG_EDGE,
	CONFIG_PHONES,
	CONFIG_MEDIA,
	CONFIG_PROFILE,
	CONFIG_CARRIER,
	CONFIG_ACCOUNT,
	CONFIG_CARRIERS,	/* [carriers]: the carrier side as a whole */
	CONFIG_KIND_COUNT
};

/* One "key = value" as read, continuation lines already joined. */
struct config_entry {
	char			*key;
	char			*value;
	int			 line;
};

/* One [section] as read from one file, and the object built from it. */
struct config_section {
	enum config_kind	 kind;
	char			*name;		/* NULL for edge, phones, media */
	char			*label;		/* "carrier dustel", for messages */
	const char		*file;		/* owned by the load context */
	int			 line;		/* of the header; 0: implied */
	struct config_entry	*entries;
	size_t			 n_entries;
	void			*obj;		/* struct config_carrier etc. */
};

/* One load in progress: the configuration being built and what went wrong. */
struct config_ctx {
	struct config		*cf;
	struct config_errors	*errs;
	struct config_section  **sections;
	size_t			 n_sections;
	char		       **files;		/* every file name read */
	size_t			 n_files;
};

struct config_key;

/*
 * A value type: parse text into the key's field(s) of obj (NULL on success,
 * else a message the caller frees), compare two objects' fields (for
 * restart warnings) and free a field.
 */
struct config_type {
	char	*(*parse)(const struct config_key *, const char *value,
		    const char *file, void *obj);
	bool	 (*equal)(const struct config_key *, const void *,
		    const void *);
	void	 (*free)(const struct config_key *, void *obj);
};

#define CONFIG_KEY_REQUIRED	0x01	/* no default: must be given */
#define CONFIG_KEY_RELOAD	0x02	/* a reload applies a change */
#define CONFIG_KEY_LIST		0x04	/* continuation lines append entries */
#define CONFIG_KEY_SECRET	0x08	/* never shown, zeroed when freed */

/* One row of the key table in config_keys.c. */
struct config_key {
	enum config_kind	 kind;
	const char		*name;
	const char		*full;		/* "[phones] listen" */
	const struct config_type *type;
	size_t			 off;		/* field in the section's struct */
	size_t			 off_n;		/* its count or second field */
	const char		*def;		/* default as text; NULL: none */
	long long		 min;
	long long		 max;		/* 0: as large as the field holds */
	int			 flags;
};

/* The field (or its count) a key describes, inside a section's object. */
#define FIELD(obj, k, t)	((t *)(void *)((char *)(obj) + (k)->off))
#define FIELD_N(obj, k, t)	((t *)(void *)((char *)(obj) + (k)->off_n))
#define CFIELD(obj, k, t)						\
	((const t *)(const void *)((const char *)(obj) + (k)->off))
#define CFIELD_N(obj, k, t)						\
	((const t *)(const void *)((const char *)(obj) + (k)->off_n))

/* config_keys.c: the table. */
extern const struct config_key	config_keys[];
extern const size_t		config_nkeys;

const struct config_key *config_key_find(enum config_kind, const char *);
void		 config_apply(struct config_ctx *, const struct config_section *,
		    void *, bool);
void		 config_fields_free(enum config_kind, void *);

/* config_types.c: the syntax of scalar values and lists. */
extern const struct config_type	config_type_str, config_type_secret_str,
		    config_type_path, config_type_mode, config_type_log_level,
		    config_type_secret, config_type_tls_version,
		    config_type_uint, config_type_u16, config_type_int,
		    config_type_bool, config_type_transport,
		    config_type_patterns, config_type_flow_failed;

int		 config_list_split(const char *, const char *, char ***,
		    size_t *, char **);
void		 config_strv_free(char **, size_t);
bool		 config_str_equal(const struct config_key *, const void *,
		    const void *);
void		 config_str_free(const struct config_key *, void *);
void		 config_strv_field_free(const struct config_key *, void *);

/* config_enum.c: enum words, their name tables and key types. */
extern const struct config_type	config_type_srtp_policy,
		    config_type_srtp_profile, config_type_suites,
		    config_type_digests, config_type_pick, config_type_shape,
		    config_type_keepalive_method;

const char	*config_kind_name(enum config_kind);
int		 config_kind_parse(const char *, enum config_kind *);
/* "a, b or c" (last = " or ") from a name table; the caller frees it. */
char		*config_names_join(const char *const *, size_t, const char *);
/* Index of a word in a name table, or -1. */
int		 config_names_find(const char *const *, size_t, const char *,
		    bool);
/* Parse one of a table's words into *out, or say which are expected. */
char		*config_names_parse(const char *const *, size_t, const char *,
		    int *);

/* config_net.c: the syntax of addresses and names. */
extern const struct config_type	config_type_dns, config_type_listen,
		    config_type_ipaddr, config_type_domain, config_type_domains,
		    config_type_server, config_type_hostport, config_type_aor;

char		*config_host_check(const char *);

/*
 * config_check.c: values checked against OpenSSL and the system, and rules
 * that span several keys or sections.
 */
extern const struct config_type	config_type_user, config_type_group,
		    config_type_cert, config_type_key, config_type_ciphers,
		    config_type_ciphersuites, config_type_groups;
void		 config_check(struct config_ctx *);

/* config_read.c: files into sections. */
bool		 config_read_file(struct config_ctx *, const char *, bool);
void		 config_read_carriers(struct config_ctx *,
		    const struct config_section *);
struct config_section *config_main_section(struct config_ctx *,
		    enum config_kind);
void		 config_section_free(struct config_section *);

/* config.c: errors and the sections read. */
void		 config_err(struct config_ctx *, const char *, int,
		    const char *, const char *, const char *, ...)
		    __attribute__((format(printf, 6, 7)));
void		 config_err_take(struct config_ctx *, const char *, int,
		    const char *, const char *, char *);
char		*config_msg(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
bool		 config_carrier_serves_upto(const struct config_carrier *,
		    const char *, size_t);
const struct config_entry *config_entry_get(const struct config_section *,
		    const char *);
int		 config_entry_line(const struct config_section *, const char *);

#endif
