/*
 * sip_contact.h: the Contacts of a REGISTER and its 2xx as the edge
 * rewrites them: every Contact towards the carrier names the edge (with
 * the flow token), the 2xx towards the phone gets the phone's own Contacts
 * back, and the expiry each side asked for or granted is read here.
 */
#ifndef SIPEDGE_SIP_CONTACT_H
#define SIPEDGE_SIP_CONTACT_H

#include <stddef.h>

#include <osipparser2/osip_message.h>

/*
 * REGISTER towards the carrier: replace the URI of every Contact with uri
 * (keeping expires, q, +sip.instance, reg-id), returning the originals
 * (caller frees each and the array). uri ends in its sipedge parameter,
 * and the K-th Contact (K > 0) gets ".K" after it, so that several
 * Contacts stay several at the carrier (RFC 4475 §3.1.1.4). "*" is left
 * alone (n = 0).
 */
int	sip_contact_replace(osip_message_t *, const char *uri,
	    char ***orig, size_t *n);
/*
 * A REGISTER 2xx towards the phone: every registration Contact of ours
 * (sipedge=r or r-LINE) gets the URI lookup() returns for it (NULL: left
 * alone, another phone's).
 */
int	sip_contact_restore(osip_message_t *,
	    const char *(*lookup)(const osip_uri_t *, void *), void *);
/* The granted expiry of the Contact whose URI user is token, else Expires, else def. */
unsigned sip_contact_expires(const osip_message_t *, const char *token,
	    unsigned def);
/* A REGISTER's requested expiry (Contact param, Expires header, def). */
unsigned sip_contact_register_expires(const osip_message_t *, unsigned def);
/* Is the REGISTER a "Contact: *" (remove all)? */
int	sip_contact_is_star(const osip_message_t *);

#endif
