/*
 * sip_contact.c: REGISTER Contacts replaced towards the carrier and
 * restored towards the phone, and the expiries of a REGISTER and its 2xx.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_message.h>
#include <osipparser2/osip_parser.h>

#include "sip_contact.h"
#include "sip_hdr.h"
#include "util.h"

#define SIP_CONTACT_DELTA_MAX	4294967295LL	/* RFC 3261 §10.2.1.1: 2^32-1 */

/* Is the REGISTER a "Contact: *"? */
int
sip_contact_is_star(const osip_message_t *m)
{
	osip_contact_t	*c = osip_list_get(&m->contacts, 0);

	return c != NULL && c->displayname != NULL &&
	    strcmp(c->displayname, "*") == 0;
}

/* Every Contact URI becomes uri; the originals are handed back. */
int
sip_contact_replace(osip_message_t *m, const char *uri, char ***orig,
    size_t *n)
{
	osip_contact_t	*c;
	osip_uri_t	*nu = NULL;
	char		*s, *mine;
	int		 i, rc;

	*orig = NULL;
	*n = 0;
	if (sip_contact_is_star(m))
		return 0;
	for (i = 0; (c = osip_list_get(&m->contacts, i)) != NULL; i++) {
		if (c->url == NULL || osip_uri_to_str(c->url, &s) != 0)
			return -1;
		/* The K-th Contact of several: its own URI, ".K" on the mark. */
		if (i == 0)
			mine = xstrdup(uri);
		else
			xasprintf(&mine, "%s.%d", uri, i);
		rc = osip_uri_init(&nu) != 0 || osip_uri_parse(nu, mine) != 0;
		free(mine);
		if (rc) {
			osip_free(s);
			if (nu != NULL)
				osip_uri_free(nu);
			return -1;
		}
		*orig = xreallocarray(*orig, *n + 1, sizeof(**orig));
		(*orig)[(*n)++] = xstrdup(s);
		osip_free(s);
		osip_uri_free(c->url);
		c->url = nu;
	}
	return 0;
}

/* Our registration Contacts get back the URIs the phone registered. */
int
sip_contact_restore(osip_message_t *m,
    const char *(*lookup)(const osip_uri_t *, void *), void *arg)
{
	osip_contact_t	*c;
	osip_uri_t	*nu;
	const char	*mark, *orig;
	int		 i, n = 0;

	for (i = 0; (c = osip_list_get(&m->contacts, i)) != NULL; i++) {
		if (c->url == NULL || c->url->username == NULL)
			continue;
		mark = sip_hdr_uri_mark(c->url);
		if (mark == NULL || (strcmp(mark, "r") != 0 &&
		    strncmp(mark, "r-", 2) != 0))
			continue;
		if ((orig = lookup(c->url, arg)) == NULL)
			continue;
		if (osip_uri_init(&nu) != 0)
			return -1;
		if (osip_uri_parse(nu, orig) != 0) {
			osip_uri_free(nu);
			continue;
		}
		osip_uri_free(c->url);
		c->url = nu;
		n++;
	}
	return n;
}

/*
 * A delta-seconds from a header or parameter value, or -1. Larger than
 * 2^32-1 counts as 2^32-1 (RFC 3261 §10.2.1.1), not as whatever the
 * cast to unsigned leaves (0 would remove a binding).
 */
static long long
sip_contact_number(const char *s)
{
	char		*end;
	long long	 v;

	if (s == NULL)
		return -1;
	v = strtoll(s, &end, 10);
	if (end == s || v < 0)
		return -1;
	return v > SIP_CONTACT_DELTA_MAX ? SIP_CONTACT_DELTA_MAX : v;
}

/* The Expires header as a number, or -1. */
static long long
sip_contact_expires_header(const osip_message_t *m)
{
	osip_header_t	*h = NULL;

	if (osip_message_get_expires(m, 0, &h) < 0 || h == NULL)
		return -1;
	return sip_contact_number(h->hvalue);
}

/* The expires parameter of a Contact, or -1. */
static long long
sip_contact_param_expires(osip_contact_t *c)
{
	osip_generic_param_t	*p = NULL;

	if (osip_contact_param_get_byname(c, "expires", &p) != 0 || p == NULL)
		return -1;
	return sip_contact_number(p->gvalue);
}

/* The expiry the carrier granted the Contact with user part token. */
unsigned
sip_contact_expires(const osip_message_t *m, const char *token,
    unsigned def)
{
	osip_contact_t	*c;
	long long	 v;
	int		 i;

	for (i = 0; (c = osip_list_get(&m->contacts, i)) != NULL; i++) {
		if (c->url == NULL || c->url->username == NULL ||
		    strcasecmp(c->url->username, token) != 0)
			continue;
		if ((v = sip_contact_param_expires(c)) >= 0)
			return (unsigned)v;
		break;
	}
	v = sip_contact_expires_header(m);
	return v >= 0 ? (unsigned)v : def;
}

/* The expiry a REGISTER asks for. */
unsigned
sip_contact_register_expires(const osip_message_t *m, unsigned def)
{
	osip_contact_t	*c = osip_list_get(&m->contacts, 0);
	long long	 v = -1;

	if (c != NULL)
		v = sip_contact_param_expires(c);
	if (v < 0)
		v = sip_contact_expires_header(m);
	return v >= 0 ? (unsigned)v : def;
}
