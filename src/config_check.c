/*
 * config_check.c: values checked against the outside world (OpenSSL, PEM
 * files, the user database) and rules that span keys or sections: port
 * range, certificate and key, carrier listeners, carrier domains, account
 * AORs.
 *
 * TLS lists are checked with a throw-away SSL_CTX so that the daemon's
 * own contexts can never fail on a list the configuration accepted.
 */
#include "config.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "config_int.h"
#include "log.h"
#include "util.h"

#define GROUP_MIN_BITS		224

/* Key exchange groups this build may name, and how big each is. */
static const struct {
	const char	*name;
	int		 bits;
} check_groups[] = {
	{ "X25519", 255 }, { "X448", 448 },
	{ "P-224", 224 }, { "secp224r1", 224 }, { "secp224k1", 224 },
	{ "P-256", 256 }, { "prime256v1", 256 }, { "secp256r1", 256 },
	{ "secp256k1", 256 },
	{ "P-384", 384 }, { "secp384r1", 384 },
	{ "P-521", 521 }, { "secp521r1", 521 },
	{ "brainpoolP256r1", 256 }, { "brainpoolP384r1", 384 },
	{ "brainpoolP512r1", 512 },
	{ "ffdhe2048", 2048 }, { "ffdhe3072", 3072 }, { "ffdhe4096", 4096 },
	{ "ffdhe6144", 6144 }, { "ffdhe8192", 8192 },
	/* Known, and too small: Cisco phones offer some of these. */
	{ "secp192r1", 192 }, { "prime192v1", 192 }, { "secp192k1", 192 },
	{ "P-192", 192 }, { "secp160r1", 160 }, { "secp160r2", 160 },
	{ "secp160k1", 160 }, { "secp128r1", 128 }, { "secp128r2", 128 },
	{ "secp112r1", 112 }, { "secp112r2", 112 },
	{ "brainpoolP160r1", 160 }, { "brainpoolP192r1", 192 },
	{ "sect163k1", 163 }, { "sect163r1", 163 }, { "sect163r2", 163 },
	{ "sect193r1", 193 }, { "sect193r2", 193 },
};

/* A context for trying lists on; failure here is a broken invariant. */
static SSL_CTX *
check_ssl_ctx(void)
{
	SSL_CTX	*c = SSL_CTX_new(TLS_method());

	if (c == NULL)
		fatal("%s: SSL_CTX_new failed", __func__);
	return c;
}

/* Split an OpenSSL list written with commas or colons, rejoin with colons. */
static char *
check_colon_list(const char *value, char ***v, size_t *n, char **joined)
{
	char	*why, *next;
	size_t	 i;

	if (config_list_split(value, ",:", v, n, &why) == -1)
		return why;
	*joined = xstrdup((*v)[0]);
	for (i = 1; i < *n; i++) {
		xasprintf(&next, "%s:%s", *joined, (*v)[i]);
		free(*joined);
		*joined = next;
	}
	return NULL;
}

/* A readable file, or why not; path is already resolved. */
static FILE *
check_open(const char *path, char **why)
{
	FILE	*fp;

	if ((fp = fopen(path, "r")) == NULL)
		*why = config_msg("cannot read \"%s\": %s", path,
		    strerror(errno));
	return fp;
}

/* The first certificate in a PEM file, or NULL. */
static X509 *
check_read_cert(const char *path, char **why)
{
	FILE	*fp;
	X509	*x;

	if ((fp = check_open(path, why)) == NULL)
		return NULL;
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	ERR_clear_error();
	if (x == NULL)
		*why = config_msg("\"%s\" is not a PEM certificate", path);
	return x;
}

/* Refuse to prompt for a pass phrase: a daemon has no terminal. */
static int
check_no_pass_cb(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

/* The private key in a PEM file, or NULL. */
static EVP_PKEY *
check_read_key(const char *path, char **why)
{
	FILE		*fp;
	EVP_PKEY	*k;

	if ((fp = check_open(path, why)) == NULL)
		return NULL;
	k = PEM_read_PrivateKey(fp, NULL, check_no_pass_cb, NULL);
	fclose(fp);
	ERR_clear_error();
	if (k == NULL)
		*why = config_msg("\"%s\" is not a PEM private key (or it is "
		    "encrypted)", path);
	return k;
}

/* Read a certificate and let it go again: only whether it reads counts. */
static int
check_pem_cert_ok(const char *path, char **why)
{
	X509	*x = check_read_cert(path, why);

	X509_free(x);
	return x != NULL;
}

/* Likewise for a private key. */
static int
check_pem_key_ok(const char *path, char **why)
{
	EVP_PKEY	*pk = check_read_key(path, why);

	EVP_PKEY_free(pk);
	return pk != NULL;
}

/* A PEM file path, resolved against file, that ok() can read. */
static char *
parse_pem_path(const struct config_key *k, const char *value,
    const char *file, void *obj, int (*ok)(const char *, char **))
{
	char	*path = path_resolve(file, value), *why = NULL;

	if (!ok(path, &why)) {
		free(path);
		return why;
	}
	*FIELD(obj, k, char *) = path;
	return NULL;
}

/* A PEM certificate (or CA bundle) file. */
static char *
parse_cert(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	return parse_pem_path(k, value, file, obj, check_pem_cert_ok);
}

/* An unencrypted PEM private key file. */
static char *
parse_key(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	return parse_pem_path(k, value, file, obj, check_pem_key_ok);
}

const struct config_type config_type_cert = {
	parse_cert, config_str_equal, config_str_free
};
const struct config_type config_type_key = {
	parse_key, config_str_equal, config_str_free
};

/* [edge] user: must exist now, or dropping privileges fails at start. */
static char *
parse_user(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	if (getpwnam(value) == NULL)
		return config_msg("no such user \"%s\"", value);
	*FIELD(obj, k, char *) = xstrdup(value);
	return NULL;
}

/* [edge] group: likewise. */
static char *
parse_group(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	if (getgrnam(value) == NULL)
		return config_msg("no such group \"%s\"", value);
	*FIELD(obj, k, char *) = xstrdup(value);
	return NULL;
}

const struct config_type config_type_user = {
	parse_user, config_str_equal, config_str_free
};
const struct config_type config_type_group = {
	parse_group, config_str_equal, config_str_free
};

/* [phones] tls_ciphers: a TLS 1.2 cipher list OpenSSL can use. */
static char *
parse_ciphers(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	char	**v, *joined, *why;
	size_t	  n;
	SSL_CTX	 *c;

	if ((why = check_colon_list(value, &v, &n, &joined)) != NULL)
		return why;
	config_strv_free(v, n);
	c = check_ssl_ctx();
	if (SSL_CTX_set_cipher_list(c, joined) != 1) {
		why = config_msg("no usable cipher in list");
		free(joined);
	} else
		*FIELD(obj, k, char *) = joined;
	ERR_clear_error();
	SSL_CTX_free(c);
	return why;
}

/* Whether OpenSSL knows a TLS 1.3 suite (it ignores unknown ones). */
static bool
check_ciphersuite(SSL_CTX *c, const char *name)
{
	STACK_OF(SSL_CIPHER)	*sk;
	int			 i;

	if (SSL_CTX_set_ciphersuites(c, name) != 1)
		return false;
	sk = SSL_CTX_get_ciphers(c);
	for (i = 0; i < sk_SSL_CIPHER_num(sk); i++) {
		if (strcmp(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(sk, i)),
		    name) == 0)
			return true;
	}
	return false;
}

/* [phones] tls_ciphersuites: TLS 1.3 suites, each one known. */
static char *
parse_ciphersuites(const struct config_key *k, const char *value,
    const char *file, void *obj)
{
	char	**v, *joined, *why;
	size_t	  n, i;
	SSL_CTX	 *c;

	if ((why = check_colon_list(value, &v, &n, &joined)) != NULL)
		return why;
	c = check_ssl_ctx();
	for (i = 0; i < n && why == NULL; i++) {
		if (!check_ciphersuite(c, v[i]))
			why = config_msg("unknown TLS 1.3 cipher suite \"%s\"",
			    v[i]);
	}
	ERR_clear_error();
	SSL_CTX_free(c);
	config_strv_free(v, n);
	if (why != NULL)
		free(joined);
	else
		*FIELD(obj, k, char *) = joined;
	return why;
}

/* One group name: known to us, big enough, and known to OpenSSL. */
static char *
check_group(SSL_CTX *c, const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(check_groups); i++) {
		if (strcasecmp(check_groups[i].name, name) == 0)
			break;
	}
	if (i == nitems(check_groups))
		return config_msg("unknown group \"%s\"", name);
	if (check_groups[i].bits < GROUP_MIN_BITS)
		return config_msg("group \"%s\" is under %d bits", name,
		    GROUP_MIN_BITS);
	if (SSL_CTX_set1_groups_list(c, name) != 1)
		return config_msg("group \"%s\" is not supported by this "
		    "OpenSSL", name);
	return NULL;
}

/* [phones] tls_groups: key exchange groups, none under 224 bits. */
static char *
parse_groups(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	char	**v, *joined, *why;
	size_t	  n, i;
	SSL_CTX	 *c;

	if ((why = check_colon_list(value, &v, &n, &joined)) != NULL)
		return why;
	c = check_ssl_ctx();
	for (i = 0; i < n && why == NULL; i++)
		why = check_group(c, v[i]);
	if (why == NULL && SSL_CTX_set1_groups_list(c, joined) != 1)
		why = config_msg("no usable group in list");
	ERR_clear_error();
	SSL_CTX_free(c);
	config_strv_free(v, n);
	if (why != NULL)
		free(joined);
	else
		*FIELD(obj, k, char *) = joined;
	return why;
}

const struct config_type config_type_ciphers = {
	parse_ciphers, config_str_equal, config_str_free
};
const struct config_type config_type_ciphersuites = {
	parse_ciphersuites, config_str_equal, config_str_free
};
const struct config_type config_type_groups = {
	parse_groups, config_str_equal, config_str_free
};

/* Whether key in s parsed: cross checks skip values already reported. */
static bool
check_key_ok(struct config_ctx *ctx, const struct config_section *s,
    const char *key)
{
	const struct config_error	*e;
	size_t				 i;

	for (i = 0; i < ctx->errs->n; i++) {
		e = &ctx->errs->v[i];
		if (e->key != NULL && strcmp(e->key, key) == 0 &&
		    e->section != NULL && strcmp(e->section, s->label) == 0 &&
		    strcmp(e->file, s->file) == 0)
			return false;
	}
	return true;
}

/* The first section of a kind in the main file (config.c made them all). */
static const struct config_section *
check_main_section(struct config_ctx *ctx, enum config_kind kind)
{
	size_t	i;

	for (i = 0; i < ctx->n_sections; i++) {
		if (ctx->sections[i]->kind == kind)
			return ctx->sections[i];
	}
	fatal("%s: no [%s] section", __func__, config_kind_name(kind));
}

/*
 * An expired edge certificate fails every phone's handshake; better to
 * refuse it at "sipedged -n" or reload than to find out from the phones.
 */
static void
check_cert_expiry(struct config_ctx *ctx, const struct config_section *s,
    X509 *x)
{
	const ASN1_TIME	*after = X509_get0_notAfter(x);
	BIO		*bio;
	char		 when[64] = "";

	if (X509_cmp_current_time(after) > 0)
		return;
	if ((bio = BIO_new(BIO_s_mem())) != NULL) {
		if (ASN1_TIME_print(bio, after) == 1)
			BIO_read(bio, when, sizeof(when) - 1);
		BIO_free(bio);
	}
	config_err(ctx, s->file, config_entry_line(s, "certificate"), s->label,
	    "certificate", "certificate expired (not after %s)", when);
}

/* The phones' certificate is current and the key belongs to it. */
static void
check_key_matches(struct config_ctx *ctx, const struct config_section *s)
{
	const struct config_phones	*p = &ctx->cf->phones;
	char				*why = NULL;
	X509				*x;
	EVP_PKEY			*k;

	if (p->certificate == NULL || p->private_key == NULL)
		return;
	if ((x = check_read_cert(p->certificate, &why)) == NULL) {
		free(why);
		return;
	}
	check_cert_expiry(ctx, s, x);
	if ((k = check_read_key(p->private_key, &why)) == NULL)
		free(why);
	else if (X509_check_private_key(x, k) != 1)
		config_err(ctx, s->file, config_entry_line(s, "private_key"),
		    s->label, "private_key", "private key does not match the "
		    "certificate");
	ERR_clear_error();
	EVP_PKEY_free(k);
	X509_free(x);
}

/* [phones]: key and certificate, and the per-address connection cap. */
static void
check_phones(struct config_ctx *ctx)
{
	const struct config_section	*s;
	const struct config_phones	*p = &ctx->cf->phones;

	s = check_main_section(ctx, CONFIG_PHONES);
	check_key_matches(ctx, s);
	if (check_key_ok(ctx, s, "max_connections") &&
	    check_key_ok(ctx, s, "max_connections_per_ip") &&
	    p->max_connections_per_ip > p->max_connections)
		config_err(ctx, s->file, config_entry_line(s,
		    "max_connections_per_ip"), s->label,
		    "max_connections_per_ip", "must not be above "
		    "max_connections (%u)", p->max_connections);
}

/* [media]: the port range holds at least one RTP/RTCP pair. */
static void
check_media(struct config_ctx *ctx)
{
	const struct config_section	*s;
	const struct config_media	*m = &ctx->cf->media;
	const char			*key;

	s = check_main_section(ctx, CONFIG_MEDIA);
	if (!check_key_ok(ctx, s, "port_min") ||
	    !check_key_ok(ctx, s, "port_max") || m->port_min < m->port_max)
		return;
	key = config_entry_get(s, "port_max") != NULL ? "port_max" :
	    "port_min";
	if (m->port_min > m->port_max)
		config_err(ctx, s->file, config_entry_line(s, key), s->label,
		    key, "port range inverted: port_min %u is above port_max "
		    "%u", m->port_min, m->port_max);
	else
		config_err(ctx, s->file, config_entry_line(s, key), s->label,
		    key, "port range too small: port_min and port_max are "
		    "both %u (at least 2 ports)", m->port_min);
}

/* The address a listener binds, and whether it is the wildcard address. */
static bool
check_listen_any(const struct config_listen *l)
{
	const struct sockaddr_in	*sin = (const void *)&l->addr;
	const struct sockaddr_in6	*sin6 = (const void *)&l->addr;

	if (l->addr.ss_family == AF_INET)
		return sin->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
}

/* Would two listeners want the same socket (same port, addresses overlap)? */
static bool
check_listen_clash(const struct config_listen *a, const struct config_listen *b)
{
	const struct sockaddr_in	*a4 = (const void *)&a->addr;
	const struct sockaddr_in	*b4 = (const void *)&b->addr;
	const struct sockaddr_in6	*a6 = (const void *)&a->addr;
	const struct sockaddr_in6	*b6 = (const void *)&b->addr;

	if (a->addr.ss_family != b->addr.ss_family)
		return false;
	if (a->addr.ss_family == AF_INET)
		return a4->sin_port == b4->sin_port && (check_listen_any(a) ||
		    check_listen_any(b) || a4->sin_addr.s_addr ==
		    b4->sin_addr.s_addr);
	return a6->sin6_port == b6->sin6_port && (check_listen_any(a) ||
	    check_listen_any(b) || IN6_ARE_ADDR_EQUAL(&a6->sin6_addr,
	    &b6->sin6_addr));
}

/*
 * [carriers]: its listeners are not the phones' (one socket cannot serve
 * both: carriers are admitted by address, phones are not), and an
 * advertised address needs a listener to answer at it.
 */
static void
check_carrier_side(struct config_ctx *ctx)
{
	const struct config_section	*s;
	const struct config_carrier_side *cs = &ctx->cf->carrier_side;
	const struct config_phones	*p = &ctx->cf->phones;
	size_t				 i, j;

	s = check_main_section(ctx, CONFIG_CARRIERS);
	if (cs->advertised_address != NULL && cs->n_listen == 0 &&
	    check_key_ok(ctx, s, "listen"))
		config_err(ctx, s->file, config_entry_line(s,
		    "advertised_address"), s->label, "advertised_address",
		    "needs listen: without a carrier listener nothing answers "
		    "at that address");
	for (i = 0; i < cs->n_listen; i++) {
		for (j = 0; j < p->n_listen; j++) {
			if (!check_listen_clash(&cs->listen[i], &p->listen[j]))
				continue;
			config_err(ctx, s->file, config_entry_line(s, "listen"),
			    s->label, "listen", "\"%s\" is where phones "
			    "connect ([phones] listen \"%s\"): carriers need a "
			    "port of their own", cs->listen[i].text,
			    p->listen[j].text);
			return;
		}
	}
}

/* SRTP off means plain RTP/AVP; RTP/SAVP said explicitly contradicts it. */
static void
check_carrier_srtp(struct config_ctx *ctx, const struct config_section *s,
    struct config_carrier *c)
{
	if (c->srtp != SRTP_POLICY_OFF)
		return;
	if (config_entry_get(s, "srtp_profile") == NULL)
		c->srtp_profile = SRTP_PROFILE_AVP;
	else if (c->srtp_profile == SRTP_PROFILE_SAVP &&
	    check_key_ok(ctx, s, "srtp"))
		config_err(ctx, s->file, config_entry_line(s, "srtp_profile"),
		    s->label, "srtp_profile", "RTP/SAVP needs SRTP, but srtp "
		    "is off");
}

/* Whether domain d (of key in s) was claimed by an earlier carrier. */
static void
check_domain_once(struct config_ctx *ctx, const struct config_section *s,
    const char *key, const char *d, size_t upto)
{
	const struct config_section	*o;
	const struct config_carrier	*c;
	size_t				 i, j;

	for (i = 0; i < upto; i++) {
		o = ctx->sections[i];
		if (o->kind != CONFIG_CARRIER || (c = o->obj) == NULL)
			continue;
		if (c->domain != NULL && strcmp(c->domain, d) == 0) {
			config_err(ctx, s->file, config_entry_line(s, key),
			    s->label, key, "domain \"%s\" already served by "
			    "carrier \"%s\" (%s:%d)", d, c->name, o->file,
			    config_entry_line(o, "domain"));
			return;
		}
		for (j = 0; j < c->n_match_domains; j++) {
			if (strcmp(c->match_domains[j], d) != 0)
				continue;
			config_err(ctx, s->file, config_entry_line(s, key),
			    s->label, key, "domain \"%s\" already served by "
			    "carrier \"%s\" (%s:%d)", d, c->name, o->file,
			    config_entry_line(o, "match_domains"));
			return;
		}
	}
}

/* Every domain and alias belongs to one carrier only. */
static void
check_carrier_domains(struct config_ctx *ctx, size_t idx)
{
	const struct config_section	*s = ctx->sections[idx];
	const struct config_carrier	*c = s->obj;
	size_t				 j;

	if (c->domain != NULL)
		check_domain_once(ctx, s, "domain", c->domain, idx);
	for (j = 0; j < c->n_match_domains; j++) {
		if (config_carrier_serves_upto(c, c->match_domains[j], j))
			config_err(ctx, s->file, config_entry_line(s,
			    "match_domains"), s->label, "match_domains",
			    "domain \"%s\" listed twice", c->match_domains[j]);
		else
			check_domain_once(ctx, s, "match_domains",
			    c->match_domains[j], idx);
	}
}

/* "dus.net, alias.example": what a carrier serves, for messages. */
static char *
check_domains_text(const struct config_carrier *c)
{
	char	*out = xstrdup(c->domain), *next;
	size_t	 i;

	for (i = 0; i < c->n_match_domains; i++) {
		xasprintf(&next, "%s, %s", out, c->match_domains[i]);
		free(out);
		out = next;
	}
	return out;
}

/* The AOR's host is one of its carrier's domains. */
static void
check_account_host(struct config_ctx *ctx, const struct config_section *s,
    const struct config_account *a)
{
	const char	*host = strchr(a->aor, '@') + 1;
	char		*served;

	if (a->carrier->domain == NULL ||
	    config_carrier_serves_upto(a->carrier, host, SIZE_MAX))
		return;
	served = check_domains_text(a->carrier);
	config_err(ctx, s->file, config_entry_line(s, "aor"), s->label, "aor",
	    "host \"%s\" is not a domain of carrier \"%s\" (%s)", host,
	    a->carrier->name, served);
	free(served);
}

/* No two accounts hold the same AOR (sip: and sips: count as one). */
static void
check_account_unique(struct config_ctx *ctx, size_t idx)
{
	const struct config_section	*s = ctx->sections[idx], *o;
	const struct config_account	*a = s->obj, *b;
	size_t				 i;

	for (i = 0; i < idx; i++) {
		o = ctx->sections[i];
		if (o->kind != CONFIG_ACCOUNT || (b = o->obj) == NULL ||
		    b->aor == NULL ||
		    strcmp(strchr(a->aor, ':'), strchr(b->aor, ':')) != 0)
			continue;
		config_err(ctx, s->file, config_entry_line(s, "aor"), s->label,
		    "aor", "\"%s\" already used by account \"%s\" (%s:%d)",
		    a->aor, b->name, o->file, config_entry_line(o, "aor"));
		return;
	}
}

/* An account: its AOR, and username defaulting to the AOR's user part. */
static void
check_account(struct config_ctx *ctx, size_t idx)
{
	const struct config_section	*s = ctx->sections[idx];
	struct config_account		*a = s->obj;
	const char			*user;

	if (a->aor == NULL)
		return;
	check_account_host(ctx, s, a);
	check_account_unique(ctx, idx);
	if (a->username == NULL) {
		user = strchr(a->aor, ':') + 1;
		a->username = xstrndup(user, strcspn(user, "@"));
	}
}

/* Every rule that needs more than one value. */
void
config_check(struct config_ctx *ctx)
{
	struct config_section	*s;
	size_t			 i;

	check_phones(ctx);
	check_carrier_side(ctx);
	check_media(ctx);
	for (i = 0; i < ctx->n_sections; i++) {
		s = ctx->sections[i];
		if (s->obj == NULL)
			continue;
		if (s->kind == CONFIG_CARRIER) {
			check_carrier_srtp(ctx, s, s->obj);
			check_carrier_domains(ctx, i);
		} else if (s->kind == CONFIG_ACCOUNT)
			check_account(ctx, i);
	}
}
