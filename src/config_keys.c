/*
 * config_keys.c: the one table that describes every configuration key (its
 * section, type, default and whether a reload applies it), and applying it
 * to a section's values. The value types are in config_types.c and
 * config_net.c (and config_check.c for those checked against the system).
 *
 * Defaults are written as text and go through the same parser as a value
 * from a file, so a default can never be something a file could not say.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "config_int.h"
#include "ctl_proto.h"
#include "log.h"
#include "util.h"

#define OFF(s, f)	offsetof(struct s, f)
#define EDGE(n)		CONFIG_EDGE, n, "[edge] " n
#define PHONES(n)	CONFIG_PHONES, n, "[phones] " n
#define CARRIERS(n)	CONFIG_CARRIERS, n, "[carriers] " n
#define MEDIA(n)	CONFIG_MEDIA, n, "[media] " n
#define PROFILE(n)	CONFIG_PROFILE, n, "[profile] " n
#define CARRIER(n)	CONFIG_CARRIER, n, "[carrier] " n
#define ACCOUNT(n)	CONFIG_ACCOUNT, n, "[account] " n
#define RELOAD		CONFIG_KEY_RELOAD
#define LIST		CONFIG_KEY_LIST
#define REQUIRED	CONFIG_KEY_REQUIRED
#define SECRET		CONFIG_KEY_SECRET

/*
 * Every key. What a reload may change is what only new connections, calls
 * or lookups use; what was bound, created or dropped at start (sockets,
 * privileges, relay threads, the port pool, the flow-token key that every
 * live Path and Contact carries) needs a restart. Carriers, accounts and
 * profiles are all reloadable: swapping them is what reload is for.
 */
const struct config_key config_keys[] = {
	/* section, key		type		field		count
	 *  default		min	max	flags */
	{ EDGE("control_socket"), &config_type_path,
	  OFF(config_edge, control_socket), 0,
	  CTL_DEFAULT_SOCKET, 0, 0, 0 },
	{ EDGE("control_socket_mode"), &config_type_mode,
	  OFF(config_edge, control_socket_mode), 0, "0660", 0, 0, 0 },
	{ EDGE("log_level"), &config_type_log_level,
	  OFF(config_edge, log_level), 0, "info", 0, 0, RELOAD },
	{ EDGE("user"), &config_type_user,
	  OFF(config_edge, user), 0, NULL, 0, 0, 0 },
	{ EDGE("group"), &config_type_group,
	  OFF(config_edge, group), 0, NULL, 0, 0, 0 },
	{ EDGE("carriers_dir"), &config_type_path,
	  OFF(config_edge, carriers_dir), 0, "carriers.d", 0, 0, RELOAD },
	{ EDGE("dns_servers"), &config_type_dns,
	  OFF(config_edge, dns_servers), OFF(config_edge, n_dns_servers),
	  NULL, 0, 0, LIST },	/* the resolver channel is made at start */
	{ EDGE("flow_secret"), &config_type_secret,
	  OFF(config_edge, flow_secret), OFF(config_edge, flow_secret_len),
	  NULL, 0, 0, SECRET },

	{ PHONES("listen"), &config_type_listen,
	  OFF(config_phones, listen), OFF(config_phones, n_listen),
	  "tls:0.0.0.0:5061", 0, 0, LIST },
	{ PHONES("certificate"), &config_type_cert,
	  OFF(config_phones, certificate), 0, NULL, 0, 0, RELOAD | REQUIRED },
	{ PHONES("private_key"), &config_type_key,
	  OFF(config_phones, private_key), 0, NULL, 0, 0, RELOAD | REQUIRED },
	{ PHONES("client_ca"), &config_type_cert,
	  OFF(config_phones, client_ca), 0, NULL, 0, 0, RELOAD },
	{ PHONES("tls_min_version"), &config_type_tls_version,
	  OFF(config_phones, tls_min_version), 0, "1.2", 0, 0, RELOAD },
	/* Spectralink lacks ECDHE-*-AES128-GCM-SHA256: keep AES256-GCM and CBC. */
	{ PHONES("tls_ciphers"), &config_type_ciphers,
	  OFF(config_phones, tls_ciphers), 0,
	  "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
	  "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
	  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
	  "ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:"
	  "ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:"
	  "ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:"
	  "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA", 0, 0, RELOAD | LIST },
	{ PHONES("tls_ciphersuites"), &config_type_ciphersuites,
	  OFF(config_phones, tls_ciphersuites), 0,
	  "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
	  "TLS_AES_128_GCM_SHA256", 0, 0, RELOAD | LIST },
	{ PHONES("tls_groups"), &config_type_groups,
	  OFF(config_phones, tls_groups), 0, "X25519:P-256:P-384:X448:P-521",
	  0, 0, RELOAD | LIST },
	{ PHONES("srtp"), &config_type_srtp_policy,
	  OFF(config_phones, srtp), 0, "mandatory", 0, 0, RELOAD },
	{ PHONES("max_connections"), &config_type_uint,
	  OFF(config_phones, max_connections), 0, "10000", 1, 1000000, RELOAD },
	{ PHONES("max_connections_per_ip"), &config_type_uint,
	  OFF(config_phones, max_connections_per_ip), 0, "64", 1, 1000000,
	  RELOAD },
	{ PHONES("auth_max_failures"), &config_type_uint,
	  OFF(config_phones, auth_max_failures), 0, "5", 1, 1000, RELOAD },
	{ PHONES("idle_timeout"), &config_type_uint,
	  OFF(config_phones, idle_timeout), 0, "3900", 30, 0, RELOAD },
	{ PHONES("handshake_timeout"), &config_type_uint,
	  OFF(config_phones, handshake_timeout), 0, "10", 1, 300, RELOAD },
	{ PHONES("max_message_size"), &config_type_uint,
	  OFF(config_phones, max_message_size), 0, "65536", 1024, 1048576,
	  RELOAD },
	{ PHONES("advertised_address"), &config_type_hostport,
	  OFF(config_phones, advertised_address), 0, NULL, 0, 0, RELOAD },
	{ PHONES("dscp"), &config_type_int,
	  OFF(config_phones, dscp), 0, "40", 0, 63, 0 },

	/* No default: without listen there is no carrier listener. */
	{ CARRIERS("listen"), &config_type_listen,
	  OFF(config_carrier_side, listen), OFF(config_carrier_side, n_listen),
	  NULL, 0, 0, LIST },
	{ CARRIERS("advertised_address"), &config_type_hostport,
	  OFF(config_carrier_side, advertised_address), 0, NULL, 0, 0,
	  RELOAD },

	{ MEDIA("phone_address"), &config_type_ipaddr,
	  OFF(config_media, phone_address), 0, NULL, 0, 0, REQUIRED },
	{ MEDIA("carrier_address"), &config_type_ipaddr,
	  OFF(config_media, carrier_address), 0, NULL, 0, 0, REQUIRED },
	{ MEDIA("carrier_public_address"), &config_type_ipaddr,
	  OFF(config_media, carrier_public_address), 0, NULL, 0, 0, RELOAD },
	{ MEDIA("port_min"), &config_type_u16,
	  OFF(config_media, port_min), 0, "20000", 1024, 65535, 0 },
	{ MEDIA("port_max"), &config_type_u16,
	  OFF(config_media, port_max), 0, "29999", 1024, 65535, 0 },
	{ MEDIA("threads"), &config_type_uint,
	  OFF(config_media, threads), 0, "1", 1, 64, 0 },
	{ MEDIA("dscp"), &config_type_int,
	  OFF(config_media, dscp), 0, "46", 0, 63, 0 },
	{ MEDIA("timeout"), &config_type_uint,
	  OFF(config_media, timeout), 0, "60", 5, 0, RELOAD },

	{ PROFILE("user_agent"), &config_type_patterns,
	  OFF(config_profile, user_agents), OFF(config_profile, n_user_agents),
	  NULL, 0, 0, RELOAD | LIST },
	{ PROFILE("digest_algorithms"), &config_type_digests,
	  OFF(config_profile, digest_algorithms),
	  OFF(config_profile, n_digest_algorithms), NULL, 0, 0, RELOAD | LIST },
	{ PROFILE("digest_pick"), &config_type_pick,
	  OFF(config_profile, digest_pick), 0, NULL, 0, 0, RELOAD },
	{ PROFILE("sdp_offer"), &config_type_shape,
	  OFF(config_profile, sdp_offer), 0, NULL, 0, 0, RELOAD },
	{ PROFILE("srtp_suites"), &config_type_suites,
	  OFF(config_profile, srtp_suites), OFF(config_profile, n_srtp_suites),
	  NULL, 0, 0, RELOAD | LIST },
	{ PROFILE("srtcp_lenient"), &config_type_bool,
	  OFF(config_profile, srtcp_lenient), 0, NULL, 0, 0, RELOAD },

	{ CARRIER("domain"), &config_type_domain,
	  OFF(config_carrier, domain), 0, NULL, 0, 0, RELOAD | REQUIRED },
	{ CARRIER("match_domains"), &config_type_domains,
	  OFF(config_carrier, match_domains),
	  OFF(config_carrier, n_match_domains), NULL, 0, 0, RELOAD | LIST },
	{ CARRIER("server"), &config_type_server,
	  OFF(config_carrier, server_host), OFF(config_carrier, server_port),
	  NULL, 0, 0, RELOAD },
	{ CARRIER("transport"), &config_type_transport,
	  OFF(config_carrier, transport), 0, "tls", 0, 0, RELOAD },
	{ CARRIER("tls_verify"), &config_type_bool,
	  OFF(config_carrier, tls_verify), 0, "yes", 0, 0, RELOAD },
	{ CARRIER("tls_verify_name"), &config_type_domain,
	  OFF(config_carrier, tls_verify_name), 0, NULL, 0, 0, RELOAD },
	{ CARRIER("ca_file"), &config_type_cert,
	  OFF(config_carrier, ca_file), 0, NULL, 0, 0, RELOAD },
	{ CARRIER("srtp"), &config_type_srtp_policy,
	  OFF(config_carrier, srtp), 0, "mandatory", 0, 0, RELOAD },
	{ CARRIER("srtp_profile"), &config_type_srtp_profile,
	  OFF(config_carrier, srtp_profile), 0, "RTP/SAVP", 0, 0, RELOAD },
	{ CARRIER("srtp_suites"), &config_type_suites,
	  OFF(config_carrier, srtp_suites), OFF(config_carrier, n_srtp_suites),
	  "AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32", 0, 0,
	  RELOAD | LIST },
	{ CARRIER("digest_algorithms"), &config_type_digests,
	  OFF(config_carrier, digest_algorithms),
	  OFF(config_carrier, n_digest_algorithms), "SHA-512-256, SHA-256, MD5",
	  0, 0, RELOAD | LIST },
	{ CARRIER("keepalive"), &config_type_uint,
	  OFF(config_carrier, keepalive), 0, "30", 0, 3600, RELOAD },
	{ CARRIER("keepalive_method"), &config_type_keepalive_method,
	  OFF(config_carrier, keepalive_method), 0, "crlf", 0, 0, RELOAD },
	{ CARRIER("keepalive_timeout"), &config_type_uint,
	  OFF(config_carrier, keepalive_timeout), 0, "10", 1, 300, RELOAD },
	{ CARRIER("path"), &config_type_bool,
	  OFF(config_carrier, path), 0, "no", 0, 0, RELOAD },
	{ CARRIER("dscp"), &config_type_int,
	  OFF(config_carrier, dscp), 0, "40", 0, 63, RELOAD },
	{ CARRIER("flow_failed_code"), &config_type_flow_failed,
	  OFF(config_carrier, flow_failed_code), 0, "430", 0, 999, RELOAD },

	{ ACCOUNT("aor"), &config_type_aor,
	  OFF(config_account, aor), 0, NULL, 0, 0, RELOAD | REQUIRED },
	{ ACCOUNT("username"), &config_type_str,
	  OFF(config_account, username), 0, NULL, 0, 0, RELOAD },
	{ ACCOUNT("password"), &config_type_secret_str,
	  OFF(config_account, password), 0, NULL, 0, 0,
	  RELOAD | REQUIRED | SECRET },
	{ ACCOUNT("phone_password"), &config_type_secret_str,
	  OFF(config_account, phone_password), 0, NULL, 0, 0, RELOAD | SECRET },
	{ ACCOUNT("register"), &config_type_bool,
	  OFF(config_account, do_register), 0, "yes", 0, 0, RELOAD },
	{ ACCOUNT("expires"), &config_type_uint,
	  OFF(config_account, expires), 0, "600", 60, 86400, RELOAD },
};
const size_t config_nkeys = nitems(config_keys);

/* The table row for a key of a section kind, or NULL. */
const struct config_key *
config_key_find(enum config_kind kind, const char *name)
{
	size_t	i;

	for (i = 0; i < config_nkeys; i++) {
		if (config_keys[i].kind == kind &&
		    strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	}
	return NULL;
}

/* Parse one value into obj, replacing what the field held. */
static void
config_set(struct config_ctx *ctx, const struct config_section *s,
    const struct config_key *k, const struct config_entry *e, void *obj)
{
	char	*why;

	if (k->type->free != NULL)
		k->type->free(k, obj);
	if ((why = k->type->parse(k, e->value, s->file, obj)) != NULL)
		config_err_take(ctx, s->file, e->line, s->label, k->name, why);
}

/* Fill what a section left out: defaults, or an error for required keys. */
static void
config_defaults(struct config_ctx *ctx, const struct config_section *s,
    void *obj)
{
	const struct config_key	*k;
	char			*why;
	size_t			 i;

	for (i = 0; i < config_nkeys; i++) {
		k = &config_keys[i];
		if (k->kind != s->kind || config_entry_get(s, k->name) != NULL)
			continue;
		if (k->flags & CONFIG_KEY_REQUIRED)
			config_err(ctx, s->file, config_entry_line(s, k->name),
			    s->label, k->name, "missing required key");
		else if (k->def != NULL &&
		    (why = k->type->parse(k, k->def, s->file, obj)) != NULL)
			fatal("default of %s does not parse: %s", k->full, why);
	}
}

/*
 * Apply a section's entries to obj, then (with defaults) fill the keys it
 * did not give. An empty value counts as not given.
 */
void
config_apply(struct config_ctx *ctx, const struct config_section *s,
    void *obj, bool defaults)
{
	const struct config_entry	*e;
	const struct config_key		*k;
	size_t				 i;

	for (i = 0; i < s->n_entries; i++) {
		e = &s->entries[i];
		if ((k = config_key_find(s->kind, e->key)) == NULL)
			config_err(ctx, s->file, e->line, s->label, e->key,
			    "unknown key");
		else if (*e->value != '\0')
			config_set(ctx, s, k, e, obj);
	}
	if (defaults)
		config_defaults(ctx, s, obj);
}

/* Free every field the table knows in an object of a section kind. */
void
config_fields_free(enum config_kind kind, void *obj)
{
	size_t	i;

	for (i = 0; i < config_nkeys; i++) {
		if (config_keys[i].kind == kind &&
		    config_keys[i].type->free != NULL)
			config_keys[i].type->free(&config_keys[i], obj);
	}
}
