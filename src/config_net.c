/*
 * config_net.c: the syntax of address-like values: listeners, DNS
 * servers, HOST[:PORT], numeric IP addresses, host names and domains, and
 * account AORs. Host names are kept in lower case.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"
#include "util.h"

/* A host name in lower case: labels of letters, digits and '-'. */
char *
config_host_check(const char *s)
{
	const char	*label = s, *p;

	if (*s == '\0' || strlen(s) > 253)
		return config_msg("not a host name: \"%s\"", s);
	for (p = s;; p++) {
		if (*p == '.' || *p == '\0') {
			if (p == label || p - label > 63 || *label == '-' ||
			    p[-1] == '-')
				return config_msg("not a host name: \"%s\"", s);
			if (*p == '\0')
				return NULL;
			label = p + 1;
		} else if (!islower((unsigned char)*p) &&
		    !isdigit((unsigned char)*p) && *p != '-')
			return config_msg("not a host name: \"%s\"", s);
	}
}

/* Lower-case copy of s. */
static char *
str_lower(const char *s)
{
	char	*out = xstrdup(s), *p;

	for (p = out; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return out;
}

/* A numeric IPv4 or IPv6 address, no port. */
static char *
parse_ipaddr(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	struct sockaddr_storage	ss;
	socklen_t		len;

	if (sockaddr_from(value, 0, &ss, &len) == -1)
		return config_msg("not a numeric IP address: \"%s\"", value);
	*FIELD(obj, k, char *) = xstrdup(value);
	return NULL;
}

const struct config_type config_type_ipaddr = {
	parse_ipaddr, config_str_equal, config_str_free
};

/* A host name, stored in lower case. */
static char *
parse_domain(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	char	*host = str_lower(value), *why;

	if ((why = config_host_check(host)) != NULL) {
		free(host);
		return why;
	}
	*FIELD(obj, k, char *) = host;
	return NULL;
}

const struct config_type config_type_domain = {
	parse_domain, config_str_equal, config_str_free
};

/* A list of host names, stored in lower case. */
static char *
parse_domains(const struct config_key *k, const char *value,
    const char *file, void *obj)
{
	char	**v, *why, *lower;
	size_t	  n, i;

	if (config_list_split(value, ",", &v, &n, &why) == -1)
		return why;
	for (i = 0; i < n && why == NULL; i++) {
		lower = str_lower(v[i]);
		free(v[i]);
		v[i] = lower;
		why = config_host_check(lower);
	}
	if (why != NULL) {
		config_strv_free(v, n);
		return why;
	}
	*FIELD(obj, k, char **) = v;
	*FIELD_N(obj, k, size_t) = n;
	return NULL;
}

const struct config_type config_type_domains = {
	parse_domains, NULL, config_strv_field_free
};

/* HOST[:PORT] where HOST is a name or a numeric address. */
static char *
hostport_check(const char *value, char *host, size_t hostlen, uint16_t *port)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	const char		*why;
	char			*lower;

	if (hostport_split(value, host, hostlen, port, &why) == -1)
		return config_msg("%s in \"%s\" (expected HOST[:PORT])", why,
		    value);
	lower = str_lower(host);
	snprintf(host, hostlen, "%s", lower);
	free(lower);
	if (sockaddr_from(host, 0, &ss, &len) == 0)
		return NULL;
	return config_host_check(host);
}

/* [carrier] server: explicit next hop, host and optional port. */
static char *
parse_server(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	char		 host[256], *why;
	uint16_t	 port;

	if ((why = hostport_check(value, host, sizeof(host), &port)) != NULL)
		return why;
	*FIELD(obj, k, char *) = xstrdup(host);
	*FIELD_N(obj, k, uint16_t) = port;
	return NULL;
}

const struct config_type config_type_server = {
	parse_server, NULL, config_str_free
};

/* HOST[:PORT] kept as written (advertised_address). */
static char *
parse_hostport(const struct config_key *k, const char *value,
    const char *file, void *obj)
{
	char		 host[256], *why;
	uint16_t	 port;

	if ((why = hostport_check(value, host, sizeof(host), &port)) != NULL)
		return why;
	*FIELD(obj, k, char *) = xstrdup(value);
	return NULL;
}

const struct config_type config_type_hostport = {
	parse_hostport, config_str_equal, config_str_free
};

/* Free a dns_servers array. */
static void
free_dns(const struct config_key *k, void *obj)
{
	struct config_dns_server	**p = FIELD(obj, k, struct config_dns_server *);
	size_t				 *n = FIELD_N(obj, k, size_t), i;

	for (i = 0; *p != NULL && i < *n; i++)
		free((*p)[i].text);
	free(*p);
	*p = NULL;
	*n = 0;
}

/* One DNS server: a numeric address, port 53 unless given. */
static char *
dns_one(const char *s, struct config_dns_server *d)
{
	const char	*why;
	char		 host[256];
	uint16_t	 port;

	if (hostport_split(s, host, sizeof(host), &port, &why) == -1)
		return config_msg("%s in \"%s\" (expected ADDR[:PORT])", why, s);
	if (sockaddr_from(host, port == 0 ? 53 : port, &d->addr,
	    &d->addrlen) == -1)
		return config_msg("not a numeric IP address: \"%s\"", host);
	d->text = xstrdup(s);
	return NULL;
}

/* [edge] dns_servers: ADDR[:PORT], IPv6 bare or as [ADDR]:PORT. */
static char *
parse_dns(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	struct config_dns_server	*d;
	char				**v, *why;
	size_t				  n, i;

	if (config_list_split(value, ",", &v, &n, &why) == -1)
		return why;
	d = xcalloc(n, sizeof(*d));
	for (i = 0; i < n && why == NULL; i++)
		why = dns_one(v[i], &d[i]);
	config_strv_free(v, n);
	*FIELD(obj, k, struct config_dns_server *) = d;
	*FIELD_N(obj, k, size_t) = n;
	if (why != NULL)
		free_dns(k, obj);
	return why;
}

/* Same servers in the same order? */
static bool
equal_dns(const struct config_key *k, const void *a, const void *b)
{
	const struct config_dns_server	*da = *CFIELD(a, k, struct config_dns_server *);
	const struct config_dns_server	*db = *CFIELD(b, k, struct config_dns_server *);
	size_t				 n = *CFIELD_N(a, k, size_t), i;

	if (n != *CFIELD_N(b, k, size_t))
		return false;
	for (i = 0; i < n; i++) {
		if (da[i].addrlen != db[i].addrlen ||
		    memcmp(&da[i].addr, &db[i].addr, da[i].addrlen) != 0)
			return false;
	}
	return true;
}

const struct config_type config_type_dns = { parse_dns, equal_dns, free_dns };

/* Free a listen array. */
static void
free_listen(const struct config_key *k, void *obj)
{
	struct config_listen	**p = FIELD(obj, k, struct config_listen *);
	size_t			 *n = FIELD_N(obj, k, size_t), i;

	for (i = 0; *p != NULL && i < *n; i++)
		free((*p)[i].text);
	free(*p);
	*p = NULL;
	*n = 0;
}

/* One listener, "tls:ADDR:PORT" or "tls:[ADDR]:PORT". */
static char *
listen_one(const char *s, struct config_listen *l)
{
	const char	*colon = strchr(s, ':'), *why;
	char		 host[256];
	uint16_t	 port;
	size_t		 scheme;

	scheme = colon == NULL ? 0 : (size_t)(colon - s);
	if (scheme != 3 || strncasecmp(s, "tls", 3) != 0) {
		if (scheme > 0 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == scheme)
			return config_msg("only tls: listeners are supported, "
			    "got \"%s\"", s);
		return config_msg("expected tls:ADDR:PORT, got \"%s\"", s);
	}
	if (hostport_split(colon + 1, host, sizeof(host), &port, &why) == -1)
		return config_msg("%s in \"%s\" (expected tls:ADDR:PORT)", why,
		    s);
	if (port == 0)
		return config_msg("missing port in \"%s\" (expected "
		    "tls:ADDR:PORT, IPv6 as tls:[ADDR]:PORT)", s);
	if (sockaddr_from(host, port, &l->addr, &l->addrlen) == -1)
		return config_msg("not a numeric IP address: \"%s\"", host);
	l->text = xstrdup(s);
	return NULL;
}

/* [phones] listen: one or more TLS listeners, each address once. */
static char *
parse_listen(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	struct config_listen	*l;
	char			**v, *why;
	size_t			  n, i, j;

	if (config_list_split(value, ",", &v, &n, &why) == -1)
		return why;
	l = xcalloc(n, sizeof(*l));
	for (i = 0; i < n && why == NULL; i++) {
		why = listen_one(v[i], &l[i]);
		for (j = 0; j < i && why == NULL; j++) {
			if (l[j].addrlen == l[i].addrlen &&
			    memcmp(&l[j].addr, &l[i].addr, l[i].addrlen) == 0)
				why = config_msg("\"%s\" listed twice", v[i]);
		}
	}
	config_strv_free(v, n);
	*FIELD(obj, k, struct config_listen *) = l;
	*FIELD_N(obj, k, size_t) = n;
	if (why != NULL)
		free_listen(k, obj);
	return why;
}

/* Two listen lists are the same addresses in the same order. */
static bool
equal_listen(const struct config_key *k, const void *a, const void *b)
{
	const struct config_listen	*la = *CFIELD(a, k, struct config_listen *);
	const struct config_listen	*lb = *CFIELD(b, k, struct config_listen *);
	size_t				 n = *CFIELD_N(a, k, size_t), i;

	if (n != *CFIELD_N(b, k, size_t))
		return false;
	for (i = 0; i < n; i++) {
		if (la[i].addrlen != lb[i].addrlen ||
		    memcmp(&la[i].addr, &lb[i].addr, la[i].addrlen) != 0)
			return false;
	}
	return true;
}

const struct config_type config_type_listen = {
	parse_listen, equal_listen, free_listen
};

/* [account] aor: sip:USER@HOST or sips:USER@HOST, host in lower case. */
static char *
parse_aor(const struct config_key *k, const char *value, const char *file,
    void *obj)
{
	const char	*user, *at;
	char		*host, *why;
	bool		 sips = strncasecmp(value, "sips:", 5) == 0;

	if (!sips && strncasecmp(value, "sip:", 4) != 0)
		goto bad;
	user = value + (sips ? 5 : 4);
	at = strchr(user, '@');
	if (at == NULL || at == user ||
	    strcspn(user, " \t:;?<>\"") < (size_t)(at - user))
		goto bad;
	host = str_lower(at + 1);
	if ((why = config_host_check(host)) != NULL) {
		free(why);
		free(host);
		goto bad;
	}
	xasprintf(FIELD(obj, k, char *), "%s:%.*s@%s", sips ? "sips" : "sip",
	    (int)(at - user), user, host);
	free(host);
	return NULL;
bad:
	return config_msg("expected sip:USER@HOST or sips:USER@HOST, got "
	    "\"%s\"", value);
}

const struct config_type config_type_aor = {
	parse_aor, config_str_equal, config_str_free
};
