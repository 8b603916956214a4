/*
 * proxy_register.c: the REGISTER editor. Towards the carrier every
 * Contact of a phone's REGISTER becomes the edge's, carrying the phone's
 * flow token (and a Path entry where the carrier file asks for one), so
 * the carrier's requests for that phone come to the edge and go out on
 * the phone's own connection. The 2xx binds the AOR to the flow and
 * shows the phone its own Contacts again.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "conn.h"
#include "edge_config.h"
#include "proxy_int.h"
#include "registrar.h"
#include "sip_contact.h"
#include "sip_msg.h"
#include "txn.h"
#include "util.h"

#define PROXY_DEFAULT_EXPIRES	3600

/* What a REGISTER's transaction keeps: the phone's Contacts as it sent them. */
struct proxy_register {
	char	 *aor;
	char	**orig;
	size_t	  n;
};

/* Release the slot with its transaction. */
static void
proxy_register_free(void *arg)
{
	struct proxy_register	*r = arg;
	size_t			 i;

	for (i = 0; i < r->n; i++)
		free(r->orig[i]);
	free(r->orig);
	free(r->aor);
	free(r);
}

/* Refuse a REGISTER the edge cannot rewrite. */
static enum proxy_verdict
proxy_register_refuse(struct proxy_edit *e, const char *why)
{
	e->code = 500;
	snprintf(e->reason, sizeof(e->reason), "Server Internal Error: %s",
	    why);
	return PROXY_REFUSE;
}

/*
 * A phone's REGISTER: the Contacts become the edge's, the originals are
 * kept for the 2xx.
 */
static enum proxy_verdict
proxy_register_request(struct proxy_edit *e, osip_message_t *m)
{
	struct proxy_register	*r;
	struct conn		*phone = e->from;
	char			 contact[256], hp[128];

	if (phone->side != CONN_SIDE_PHONE || !proxy_method_is(m, "REGISTER"))
		return PROXY_PASS;
	r = xcalloc(1, sizeof(*r));
	e->slot->data = r;
	e->slot->free = proxy_register_free;
	if ((r->aor = sip_hdr_aor(m->to)) == NULL)
		return proxy_register_refuse(e, "no address of record");
	proxy_carrier_hostport(e->p, e->hop->conn, hp, sizeof(hp));
	snprintf(contact, sizeof(contact), "sip:%s@%s;transport=tls;%s=r-%08x",
	    phone->flow_token, hp, SIP_HDR_PARAM, registrar_line(r->aor));
	if (sip_contact_replace(m, contact, &r->orig, &r->n) == -1)
		return proxy_register_refuse(e, "cannot rewrite Contact");
	if (e->hop->carrier != NULL && e->hop->carrier->cfg->path) {
		snprintf(contact, sizeof(contact),
		    "sip:%s@%s;transport=tls;lr;ob;%s=p", phone->flow_token, hp,
		    SIP_HDR_PARAM);
		if (sip_hdr_path_push(m, contact) == -1)
			return proxy_register_refuse(e, "cannot add Path");
	}
	return PROXY_PASS;
}

/* What proxy_register_lookup needs: the phone and its REGISTER. */
struct proxy_restore {
	const struct conn		*phone;
	const struct proxy_register	*reg;
	uint32_t			 line;	/* registrar_line of its AOR */
};

/*
 * The phone's own Contact for one of our registration Contacts in a 2xx:
 * "r-LINE.K" is the K-th Contact of this REGISTER (K = 0 has no
 * suffix), another line of the phone is its registered Contact.
 */
static const char *
proxy_register_lookup(const osip_uri_t *uri, void *arg)
{
	const struct proxy_restore	*r = arg;
	const struct binding		*b;
	const char			*mark = sip_hdr_uri_mark(uri);
	unsigned long			 line, k = 0;
	char				*end;

	/* Another phone's Contact (another token) stays as the carrier has it. */
	if (uri->username == NULL || strcmp(uri->username,
	    r->phone->flow_token) != 0 || mark == NULL ||
	    strncmp(mark, "r-", 2) != 0)
		return NULL;
	line = strtoul(mark + 2, &end, 16);
	if (*end == '.')
		k = strtoul(end + 1, NULL, 10);
	if (line == r->line && k < r->reg->n)
		return r->reg->orig[k];
	b = registrar_find_line(r->phone->id, (uint32_t)line);
	return b != NULL ? b->contact : NULL;
}

/* A REGISTER 2xx: keep or drop the binding and show the phone its Contact. */
static enum proxy_verdict
proxy_register_response(struct proxy_edit *e, osip_message_t *resp,
    int status)
{
	const struct proxy_register	*reg = e->slot->data;
	struct conn			*phone;
	struct carrier			*car;
	struct proxy_restore		 r;
	unsigned			 granted;

	if (reg == NULL || reg->aor == NULL || status < 200 || status >= 300 ||
	    (phone = e->up) == NULL)
		return PROXY_PASS;
	if (reg->n == 0) {
		/* "Contact: *" or a query: a 2xx to "*" removes everything. */
		if (sip_contact_is_star(e->txn->in_req))
			(void)registrar_update(reg->aor, phone->id, NULL, NULL,
			    NULL, NULL, NULL, 0);
		return PROXY_PASS;
	}
	car = e->p->carriers != NULL ? carrier_of(e->p->carriers, e->from) :
	    NULL;
	granted = sip_contact_expires(resp, phone->flow_token,
	    sip_contact_register_expires(e->txn->in_req,
	    PROXY_DEFAULT_EXPIRES));
	(void)registrar_update(reg->aor, phone->id, phone->flow_token,
	    reg->orig[0], car != NULL ? car->name : NULL,
	    phone->profile[0] ? phone->profile : NULL, phone->peer_str,
	    granted);
	r.phone = phone;
	r.reg = reg;
	r.line = registrar_line(reg->aor);
	sip_contact_restore(resp, proxy_register_lookup, &r);
	return PROXY_PASS;
}

const struct proxy_editor proxy_register_editor = {
	.name = "register",
	.request = proxy_register_request,
	.response = proxy_register_response,
};
