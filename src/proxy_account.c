/*
 * proxy_account.c: the [account]s the edge holds itself (design.md §5).
 *
 * Upstream, account.c registers each account at its carrier over the
 * carrier's own connection, as a transaction of the edge's own
 * (txn_new_local). When the carrier challenges a phone's request for a
 * held AOR, the edge answers with the account's credentials and sends it
 * again with the next CSeq; from then on it adds the same to the phone's
 * CSeq in that dialog and takes it off the responses, so both ends see
 * numbers that go up by one.
 *
 * Downstream, the phones of a held AOR register at the edge, never at the
 * carrier, and authenticate to it with phone_password (auth_local.c): the
 * edge challenges their REGISTER (401) and their initial requests (407)
 * itself, in the one algorithm their profile handles best. A request from
 * the carrier for the account's Contact rings every phone bound to the AOR.
 *
 * Accounts are few (one per line an operator configured), so finding one
 * by AOR walks the configuration's list.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "account.h"
#include "auth_local.h"
#include "carrier.h"
#include "conn.h"
#include "dialog.h"
#include "digest.h"
#include "digest_client.h"
#include "edge_config.h"
#include "log.h"
#include "profile.h"
#include "proxy.h"
#include "proxy_int.h"
#include "registrar.h"
#include "sip_contact.h"
#include "sip_msg.h"
#include "txn.h"
#include "util.h"

#define PROXY_ACCOUNT_EXPIRES_MAX	3600	/* what a phone gets at most */
#define PROXY_ACCOUNT_FORK_MAX		16	/* phones rung for one call */

/*
 * One account. It owns a copy of what account.c reads of the
 * configuration, so a removed account can finish de-registering after
 * the configuration it came from is gone.
 */
struct proxy_account {
	char			*key;		/* "CARRIER NAME" */
	struct proxy		*p;
	struct config_account	 cfg;		/* copy */
	struct config_carrier	 carrier;	/* name, digest_algorithms */
	struct account		*acc;		/* NULL: register = no, or
						 * its carrier was never up */
	char			*contact;	/* what acc registers */
	struct txn		*txn;		/* its request out, or NULL */
	bool			 removed;	/* de-registering, then gone */
	bool			 seen;		/* during a reload */
	struct proxy_account	*next;		/* proxy's list */
};

/* What a phone's request for a held AOR keeps with its transaction. */
struct proxy_account_txn {
	char			*key;		/* the account's */
	char			*in_cseq;	/* the phone's number */
	unsigned		 answered;	/* challenges answered */
	struct digest_client	 dc;
};

static void	proxy_account_retire(struct proxy_account *);

/* "sip:user@host": the user part and the host (the realm), into buffers. */
static int
proxy_aor_parts(const char *aor, char *user, size_t ulen, char *host,
    size_t hlen)
{
	const char	*at = strchr(aor, '@'), *u = strchr(aor, ':');
	size_t		 n;

	if (at == NULL || u == NULL || u > at)
		return -1;
	u++;
	snprintf(user, ulen, "%.*s", (int)(at - u), u);
	n = strcspn(at + 1, ":;>");
	snprintf(host, hlen, "%.*s", (int)n, at + 1);
	return 0;
}

/* The same AOR? The user part exactly, the host in any case. */
static bool
proxy_aor_equal(const char *a, const char *b)
{
	const char	*aa = strchr(a, '@'), *ba = strchr(b, '@');

	if (aa == NULL || ba == NULL || aa - a != ba - b ||
	    strncmp(a, b, (size_t)(aa - a)) != 0)
		return false;
	return strcasecmp(aa, ba) == 0;
}

const struct config_account *
proxy_account_for_aor(const struct proxy *p, const char *aor)
{
	size_t	i;

	if (aor == NULL)
		return NULL;
	for (i = 0; i < p->cfg->n_accounts; i++)
		if (proxy_aor_equal(p->cfg->accounts[i]->aor, aor))
			return p->cfg->accounts[i];
	return NULL;
}

/* The account of the running configuration under a key, or NULL. */
static const struct config_account *
proxy_account_cfg(const struct proxy *p, const char *key)
{
	const struct config_account	*ca;
	size_t				 i, n;

	for (i = 0; i < p->cfg->n_accounts; i++) {
		ca = p->cfg->accounts[i];
		n = strlen(ca->carrier->name);
		if (strncmp(key, ca->carrier->name, n) == 0 && key[n] == ' ' &&
		    strcmp(key + n + 1, ca->name) == 0)
			return ca;
	}
	return NULL;
}

static struct proxy_account *
proxy_account_find(const struct proxy *p, const char *key)
{
	struct proxy_account	*pa;

	for (pa = p->accounts; pa != NULL; pa = pa->next)
		if (!pa->removed && strcmp(pa->key, key) == 0)
			return pa;
	return NULL;
}

/* The user name at the carrier: username, else the AOR's user part. */
static const char *
proxy_account_username(const struct config_account *ca, char *buf, size_t len)
{
	char	host[256];

	if (ca->username != NULL && ca->username[0] != '\0')
		return ca->username;
	if (proxy_aor_parts(ca->aor, buf, len, host, sizeof(host)) == -1)
		buf[0] = '\0';
	return buf;
}

/* Our request's transaction is no longer our business. */
static void
proxy_account_detach(struct proxy_account *pa)
{
	if (pa->txn != NULL) {
		pa->txn->arg = NULL;
		pa->txn = NULL;
	}
}

/* Calls through one carrier, counted when it moves to another target. */
struct proxy_account_calls {
	const char	*carrier;
	unsigned	 n;
};

static void
proxy_account_count_call(struct dialog *dlg, void *arg)
{
	struct proxy_account_calls	*c = arg;

	if (dlg->carrier != NULL && strcmp(dlg->carrier, c->carrier) == 0)
		c->n++;
}

/* Move the account's carrier to its next target; see the caller. */
static void
proxy_account_failover(struct proxy_account *pa, int status)
{
	struct proxy_account_calls	 calls;
	struct carrier			*car;
	char				 why[128];

	if (pa->removed || pa->p->carriers == NULL ||
	    (car = carrier_set_find(pa->p->carriers, pa->carrier.name)) == NULL)
		return;
	if (status == 408)
		snprintf(why, sizeof(why), "no answer to the REGISTER of "
		    "account %s", pa->cfg.name);
	else
		snprintf(why, sizeof(why), "%d to the REGISTER of account %s",
		    status, pa->cfg.name);
	if (!carrier_failover(car, why))
		return;
	/* Say plainly what the move costs (field-notes.md, opensips #3903). */
	calls.carrier = car->name;
	calls.n = 0;
	dialog_foreach(proxy_account_count_call, &calls);
	if (calls.n > 0)
		log_warn("carrier %s: %u call%s in progress lose their "
		    "signalling path with the old target; their hang-ups go "
		    "to the next one, which does not know them", car->name,
		    calls.n, calls.n == 1 ? "" : "s");
}

/* How a registration request ended: tell the account. */
static void
proxy_account_done(struct txn *t, const osip_message_t *resp, int status,
    void *arg)
{
	struct proxy_account	*pa = arg;

	if (pa == NULL)
		return;
	pa->txn = NULL;
	if (pa->acc == NULL)
		return;
	if (resp != NULL)
		account_response(pa->acc, (osip_message_t *)resp);
	else
		account_timeout(pa->acc);
	/*
	 * A target that does not answer, or fails with 5xx, may be the one
	 * node that is down: the registration, and with it the carrier's
	 * connection, moves on to the next target (RFC 3263 order), where
	 * the account's calls then go too.
	 */
	if ((resp != NULL && status >= 500) || (resp == NULL && status == 408))
		proxy_account_failover(pa, status);
}

/* account_io.send: out on the carrier's own connection. */
static int
proxy_account_send(void *arg, const char *msg, size_t len, const char *branch)
{
	struct proxy_account	*pa = arg;
	struct carrier		*car;
	struct txn		*t;

	car = pa->p->carriers != NULL ? carrier_set_find(pa->p->carriers,
	    pa->carrier.name) : NULL;
	if (car == NULL || car->state != CARRIER_CONNECTED || car->conn == NULL)
		return -1;
	proxy_account_detach(pa);
	t = txn_new_local(car->conn->id, branch, false, proxy_account_done, pa);
	if (conn_send(car->conn, msg, len) == -1) {
		txn_free(t);
		return -1;
	}
	pa->txn = t;
	txn_arm(t, ACCOUNT_ANSWER_TIMEOUT);
	return 0;
}

/* Free an account's entry (its account is gone or never was). */
static void
proxy_account_free(struct proxy_account *pa)
{
	struct proxy_account	**pp;

	for (pp = &pa->p->accounts; *pp != NULL; pp = &(*pp)->next)
		if (*pp == pa) {
			*pp = pa->next;
			break;
		}
	proxy_account_detach(pa);
	account_free(pa->acc);
	free(pa->key);
	free(pa->contact);
	free(pa->cfg.name);
	free(pa->cfg.aor);
	free(pa->cfg.username);
	if (pa->cfg.password != NULL) {
		OPENSSL_cleanse(pa->cfg.password, strlen(pa->cfg.password));
		free(pa->cfg.password);
	}
	free(pa->carrier.name);
	free(pa);
}

/* account_io.gone: a removed account finished de-registering. */
static void
proxy_account_gone(void *arg, struct account *acc)
{
	struct proxy_account	*pa = arg;

	proxy_account_detach(pa);
	pa->acc = NULL;		/* account.c frees it */
	if (pa->removed)
		proxy_account_free(pa);
}

/* Copy what account.c reads of an account and its carrier. */
static void
proxy_account_copy(struct proxy_account *pa, const struct config_account *ca)
{
	const struct config_carrier	*cc = ca->carrier;

	pa->cfg.name = xstrdup(ca->name);
	pa->cfg.aor = xstrdup(ca->aor);
	pa->cfg.username = ca->username != NULL ? xstrdup(ca->username) : NULL;
	pa->cfg.password = xstrdup(ca->password != NULL ? ca->password : "");
	pa->cfg.do_register = ca->do_register;
	pa->cfg.expires = ca->expires;
	pa->carrier.name = xstrdup(cc->name);
	memcpy(pa->carrier.digest_algorithms, cc->digest_algorithms,
	    sizeof(cc->digest_algorithms));
	pa->carrier.n_digest_algorithms = cc->n_digest_algorithms;
}

/* Would the account register differently under the new configuration? */
static bool
proxy_account_changed(const struct proxy_account *pa,
    const struct config_account *ca)
{
	const char	*u = ca->username != NULL ? ca->username : "";

	return strcmp(pa->cfg.aor, ca->aor) != 0 ||
	    strcmp(pa->cfg.username != NULL ? pa->cfg.username : "", u) != 0 ||
	    strcmp(pa->cfg.password, ca->password != NULL ? ca->password :
	    "") != 0 || pa->cfg.do_register != ca->do_register ||
	    pa->cfg.expires != ca->expires;
}

static struct proxy_account *
proxy_account_new(struct proxy *p, const struct config_account *ca)
{
	struct proxy_account	*pa = xcalloc(1, sizeof(*pa));

	pa->p = p;
	xasprintf(&pa->key, "%s %s", ca->carrier->name, ca->name);
	proxy_account_copy(pa, ca);
	pa->next = p->accounts;
	p->accounts = pa;
	return pa;
}

/*
 * The carrier's connection is up: register, with a Contact naming the
 * edge as the carrier sees it (a new account when that changed, since a
 * registration is bound to its Contact).
 */
static void
proxy_account_up(struct proxy_account *pa, struct carrier *car)
{
	struct account_io	 io;
	char			 hp[300], *contact, user[128], host[256];

	if (!pa->cfg.do_register || pa->removed || car->conn == NULL)
		return;
	if (proxy_aor_parts(pa->cfg.aor, user, sizeof(user), host,
	    sizeof(host)) == -1)
		return;
	proxy_carrier_hostport(pa->p, car->conn, hp, sizeof(hp));
	xasprintf(&contact, "sip:%s@%s;transport=tls;%s=a-%s", user, hp,
	    SIP_HDR_PARAM, pa->cfg.name);
	if (pa->acc != NULL && strcmp(pa->contact, contact) == 0) {
		free(contact);
		account_carrier_up(pa->acc);
		return;
	}
	proxy_account_detach(pa);
	account_free(pa->acc);
	free(pa->contact);
	pa->contact = contact;
	memset(&io, 0, sizeof(io));
	io.send = proxy_account_send;
	io.gone = proxy_account_gone;
	io.base = pa->p->base;
	io.arg = pa;
	if ((pa->acc = account_new(&pa->cfg, &pa->carrier, &io,
	    contact)) != NULL)
		account_carrier_up(pa->acc);
}

/* carrier_set_watch: a carrier's own connection came or went. */
static void
proxy_account_watch(struct carrier *car, bool up, void *arg)
{
	struct proxy		*p = arg;
	struct proxy_account	*pa, *next;

	for (pa = p->accounts; pa != NULL; pa = next) {
		next = pa->next;	/* a removed one may go */
		if (strcmp(pa->carrier.name, car->name) != 0)
			continue;
		if (up)
			proxy_account_up(pa, car);
		else if (pa->acc != NULL) {
			proxy_account_detach(pa);
			if (pa->removed)
				account_remove(pa->acc);	/* frees it */
			else
				account_carrier_down(pa->acc);
		}
	}
}

/* Reload removed or changed an account: de-register it, then it goes. */
static void
proxy_account_retire(struct proxy_account *pa)
{
	pa->removed = true;
	if (pa->acc == NULL) {
		proxy_account_free(pa);
		return;
	}
	log_info("account %s: de-registering at carrier %s", pa->cfg.name,
	    pa->carrier.name);
	account_remove(pa->acc);	/* may call gone, which frees pa */
}

/* Start the account of a carrier that is already up. */
static void
proxy_account_start(struct proxy_account *pa)
{
	struct carrier	*car;

	if (pa->p->carriers == NULL || (car = carrier_set_find(pa->p->carriers,
	    pa->carrier.name)) == NULL || car->state != CARRIER_CONNECTED)
		return;
	proxy_account_up(pa, car);
}

void
proxy_accounts_reload(struct proxy *p)
{
	const struct config_account	*ca;
	struct proxy_account		*pa, *next;
	char				*key;
	size_t				 i;

	for (pa = p->accounts; pa != NULL; pa = pa->next)
		pa->seen = false;
	for (i = 0; i < p->cfg->n_accounts; i++) {
		ca = p->cfg->accounts[i];
		xasprintf(&key, "%s %s", ca->carrier->name, ca->name);
		pa = proxy_account_find(p, key);
		free(key);
		if (pa != NULL && !proxy_account_changed(pa, ca)) {
			/* Unchanged: its registration stays as it is. */
			memcpy(pa->carrier.digest_algorithms,
			    ca->carrier->digest_algorithms,
			    sizeof(pa->carrier.digest_algorithms));
			pa->carrier.n_digest_algorithms =
			    ca->carrier->n_digest_algorithms;
			pa->seen = true;
			continue;
		}
		if (pa != NULL) {
			log_info("account %s: changed, registering anew",
			    ca->name);
			pa->seen = false;	/* retired below */
		}
		pa = proxy_account_new(p, ca);
		pa->seen = true;
		proxy_account_start(pa);
	}
	for (pa = p->accounts; pa != NULL; pa = next) {
		next = pa->next;
		if (!pa->seen && !pa->removed)
			proxy_account_retire(pa);
	}
}

void
proxy_accounts_attach(struct proxy *p)
{
	struct proxy_account	*pa;

	carrier_set_watch(p->carriers, proxy_account_watch, p);
	for (pa = p->accounts; pa != NULL; pa = pa->next)
		proxy_account_start(pa);
}

/* At exit; the carriers are gone already, and with them their watch. */
void
proxy_accounts_free(struct proxy *p)
{
	while (p->accounts != NULL)
		proxy_account_free(p->accounts);
}

void
proxy_accounts_foreach(const struct proxy *p,
    void (*fn)(const struct proxy_account_info *, void *), void *arg)
{
	struct proxy_account_info	 info;
	const struct proxy_account	*pa;

	for (pa = p->accounts; pa != NULL; pa = pa->next) {
		if (pa->removed)
			continue;
		memset(&info, 0, sizeof(info));
		info.name = pa->cfg.name;
		info.aor = pa->cfg.aor;
		info.carrier = pa->carrier.name;
		info.contact = pa->contact != NULL ? pa->contact : "";
		if (!pa->cfg.do_register) {
			info.state = "off";
			info.algorithm = info.last_error = "";
		} else if (pa->acc == NULL) {
			info.state = account_state_name(ACCOUNT_IDLE);
			info.algorithm = "";
			info.last_error = "carrier not connected";
		} else {
			info.state = account_state_name(account_state(pa->acc));
			info.algorithm = account_algorithm(pa->acc);
			info.last_error = account_last_error(pa->acc);
			info.expires_in = account_expires_in(pa->acc);
		}
		fn(&info, arg);
	}
}

/* ------------------------------------------------------------------ */
/* The phones of a held AOR, towards the edge. */

/* The phone's address without its port, as the throttle counts it. */
static void
proxy_account_ip(const struct conn *c, char *buf, size_t len)
{
	const struct sockaddr_in	*s4 = (const void *)&c->peer;
	const struct sockaddr_in6	*s6 = (const void *)&c->peer;

	buf[0] = '\0';
	if (c->peer.ss_family == AF_INET)
		(void)inet_ntop(AF_INET, &s4->sin_addr, buf, (socklen_t)len);
	else if (c->peer.ss_family == AF_INET6)
		(void)inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t)len);
}

/* The algorithm the edge challenges a phone of this profile with. */
static enum digest_alg
proxy_account_phone_alg(const struct config_profile *prof)
{
	size_t	i;

	for (i = 0; prof != NULL && i < prof->n_digest_algorithms; i++)
		if (!digest_alg_is_sess(prof->digest_algorithms[i]))
			return prof->digest_algorithms[i];
	return DIGEST_ALG_MD5;
}

/* Drop every Authorization and Proxy-Authorization of a phone's request. */
static void
proxy_account_strip(osip_message_t *m)
{
	proxy_drop_headers(m, "Authorization");
	proxy_drop_headers(m, "Proxy-Authorization");
}

/* The credentials of a request for a realm, parsed into *cr, or NULL. */
static const osip_header_t *
proxy_account_credentials(osip_message_t *m, const char *name,
    const char *realm, struct digest_credentials *cr)
{
	osip_list_iterator_t	 it;
	const osip_header_t	*h;

	for (h = osip_list_get_first(&m->headers, &it);
	    osip_list_iterator_has_elem(it); h = osip_list_get_next(&it)) {
		if (!proxy_header_is(h, name) ||
		    digest_credentials_parse(h->hvalue, strlen(h->hvalue),
		    cr) != NULL)
			continue;
		if (cr->realm != NULL && strcmp(cr->realm, realm) == 0)
			return h;
	}
	return NULL;
}

/* Do the credentials name this request's Request-URI? */
static bool
proxy_account_uri_matches(const osip_message_t *m, const char *uri)
{
	osip_uri_t	*u = NULL;
	bool		 ok;

	if (uri == NULL || osip_uri_init(&u) != 0)
		return false;
	if (osip_uri_parse(u, uri) != 0) {
		osip_uri_free(u);
		return false;
	}
	ok = u->scheme != NULL && m->req_uri->scheme != NULL &&
	    strcasecmp(u->scheme, m->req_uri->scheme) == 0 &&
	    u->host != NULL && m->req_uri->host != NULL &&
	    strcasecmp(u->host, m->req_uri->host) == 0 &&
	    strcmp(u->username != NULL ? u->username : "",
	    m->req_uri->username != NULL ? m->req_uri->username : "") == 0 &&
	    strcmp(u->port != NULL ? u->port : "", m->req_uri->port != NULL ?
	    m->req_uri->port : "") == 0;
	osip_uri_free(u);
	return ok;
}

/* Answer with a fresh challenge of ours. */
static void
proxy_account_challenge(struct conn *c, const osip_message_t *m, bool reg,
    const char *realm, enum digest_alg alg, int stale)
{
	char	chal[512];

	if (auth_local_challenge(realm, alg, c->peer_str, stale, chal,
	    sizeof(chal)) == 0) {
		proxy_reply(c, m, 500, "Server Internal Error");
		return;
	}
	proxy_reply_with(c, m, reg ? 401 : 407, reg ? "Unauthorized" :
	    "Proxy Authentication Required", reg ? "WWW-Authenticate" :
	    "Proxy-Authenticate", chal);
}

/*
 * Check a phone's credentials for a held AOR: 0 when authentic (they are
 * then taken off), -1 when the request has been answered (challenged,
 * or refused and logged in the line fail2ban reads).
 */
static int
proxy_account_auth(struct proxy *p, struct conn *c, osip_message_t *m,
    const struct config_account *ca, bool reg)
{
	struct digest_credentials	*cr;
	struct auth_local_result	 r;
	const osip_header_t		*h;
	osip_body_t			*body = NULL;
	char				 user[128], realm[256], ip[64];
	char				 ubuf[128];
	const char			*name, *check, *pw;
	enum digest_alg			 alg;
	int				 rc = -1;

	if (proxy_aor_parts(ca->aor, user, sizeof(user), realm,
	    sizeof(realm)) == -1) {
		proxy_reply(c, m, 500, "Server Internal Error");
		return -1;
	}
	proxy_account_ip(c, ip, sizeof(ip));
	if (!auth_local_allowed(ip)) {
		proxy_log(LOG_LVL_NOTICE, c, m, "refused 403: %s failed to "
		    "authenticate too often", ip);
		proxy_reply(c, m, 403, "Forbidden: too many failed attempts");
		return -1;
	}
	alg = proxy_account_phone_alg(profile_match(p->cfg, c->user_agent));
	name = reg ? "Authorization" : "Proxy-Authorization";
	cr = xmalloc(sizeof(*cr));
	if ((h = proxy_account_credentials(m, name, realm, cr)) == NULL) {
		proxy_account_challenge(c, m, reg, realm, alg, 0);
		goto out;
	}
	/* The phone may name itself by the AOR's user or the account's. */
	check = proxy_account_username(ca, ubuf, sizeof(ubuf));
	if (cr->username == NULL || strcmp(cr->username, check) != 0)
		check = user;
	pw = ca->phone_password != NULL ? ca->phone_password :
	    ca->password != NULL ? ca->password : "";
	(void)osip_message_get_body(m, 0, &body);
	switch (auth_local_verify(h->hvalue, strlen(h->hvalue),
	    sip_msg_method(m), c->peer_str, realm, check, pw, alg,
	    body != NULL ? body->body : "", body != NULL ? body->length : 0,
	    &r)) {
	case AUTH_LOCAL_OK:
		if (!proxy_account_uri_matches(m, cr->uri)) {
			auth_local_failed(r.user, c->peer_str, "uri-mismatch");
			proxy_reply(c, m, 403, "Forbidden");
			goto out;
		}
		proxy_account_strip(m);
		rc = 0;
		break;
	case AUTH_LOCAL_STALE:
		proxy_account_challenge(c, m, reg, realm, alg, 1);
		break;
	case AUTH_LOCAL_BAD_NONCE:
	case AUTH_LOCAL_REPLAY:
		/* An old nonce (a restart) or one used up: ask again. */
		proxy_log(LOG_LVL_INFO, c, m, "challenging again: %s",
		    auth_local_status_name(r.status));
		proxy_account_challenge(c, m, reg, realm, alg, 0);
		break;
	default:
		auth_local_failed(r.user, c->peer_str, r.reason != NULL ?
		    r.reason : auth_local_status_name(r.status));
		proxy_reply(c, m, 403, "Forbidden");
		break;
	}
out:
	free(cr);
	return rc;
}

/* A held AOR's REGISTER, authentic: the edge is its registrar. */
static void
proxy_account_register(struct proxy *p, struct conn *c, osip_message_t *m,
    const struct config_account *ca)
{
	osip_message_t	*resp;
	osip_contact_t	*ct = osip_list_get(&m->contacts, 0);
	struct binding	*b;
	char		*uri = NULL, *value, tag[24];
	unsigned	 expires;

	if (sip_contact_is_star(m)) {
		(void)registrar_update(ca->aor, c->id, NULL, NULL, NULL, NULL,
		    NULL, 0);
		proxy_reply(c, m, 200, "OK");
		return;
	}
	if (ct == NULL || ct->url == NULL) {
		/* A query: what is bound on this flow. */
		b = registrar_find(c->id, ca->aor);
		if (b == NULL || !b->held_by_edge) {
			proxy_reply(c, m, 200, "OK");
			return;
		}
		uri = xstrdup(b->contact);
		expires = registrar_expires_in(b);
	} else {
		if (osip_uri_to_str(ct->url, &value) != 0) {
			proxy_reply(c, m, 400, "Bad Request: Contact");
			return;
		}
		uri = xstrdup(value);
		osip_free(value);
		expires = sip_contact_register_expires(m, 3600);
		if (expires > PROXY_ACCOUNT_EXPIRES_MAX)
			expires = PROXY_ACCOUNT_EXPIRES_MAX;
		b = registrar_update(ca->aor, c->id, c->flow_token, uri,
		    ca->carrier->name, c->profile[0] ? c->profile : NULL,
		    c->peer_str, expires);
		if (b != NULL)
			b->held_by_edge = true;
		log_info("account %s: phone %s %s on flow %llu (%u s)",
		    ca->name, c->peer_str, expires > 0 ? "registered" :
		    "unregistered", (unsigned long long)c->id, expires);
		if (expires == 0) {
			free(uri);
			proxy_reply(c, m, 200, "OK");
			return;
		}
	}
	proxy_own_tag(c, tag, sizeof(tag));
	if ((resp = sip_msg_response(m, 200, "OK", tag)) != NULL) {
		xasprintf(&value, "<%s>;expires=%u", uri, expires);
		if (osip_message_set_contact(resp, value) == 0)
			(void)proxy_send(c, resp);
		free(value);
		sip_msg_free(resp);
	}
	free(uri);
}

enum proxy_verdict
proxy_account_phone(struct proxy *p, struct conn *c, osip_message_t *m)
{
	const struct config_account	*ca;
	bool				 reg = proxy_method_is(m, "REGISTER");
	char				*aor;

	/* In-dialog requests follow a route the initial request set up. */
	if (!reg && sip_hdr_to_tag(m) != NULL)
		return PROXY_PASS;
	aor = sip_hdr_aor(reg ? m->to : m->from);
	ca = proxy_account_for_aor(p, aor);
	free(aor);
	if (ca == NULL)
		return PROXY_PASS;
	if (proxy_account_auth(p, c, m, ca, reg) == -1)
		return PROXY_CONSUMED;
	/*
	 * register = no: the phone's REGISTER goes to the carrier like any
	 * request of the AOR, and the edge answers the carrier's challenge.
	 */
	if (!reg || !ca->do_register)
		return PROXY_PASS;
	proxy_account_register(p, c, m, ca);
	return PROXY_CONSUMED;
}

/* ------------------------------------------------------------------ */
/* Calls for a held AOR. */

void
proxy_account_incoming(struct proxy *p, struct conn *c, osip_message_t *m,
    const struct hop *hop)
{
	const struct config_account	*ca;
	struct binding			*b[PROXY_ACCOUNT_FORK_MAX];
	struct hop			 hops[PROXY_ACCOUNT_FORK_MAX];
	struct conn			*phone;
	char				*key;
	size_t				 n, k = 0, i;

	xasprintf(&key, "%s %s", hop->carrier != NULL ? hop->carrier->name :
	    "", hop->account);
	ca = proxy_account_cfg(p, key);
	free(key);
	if (ca == NULL) {
		proxy_log(LOG_LVL_INFO, c, m, "refused 404: no account %s at "
		    "this carrier", hop->account);
		proxy_reply(c, m, 404, "Not Found");
		return;
	}
	n = registrar_find_aor(ca->aor, b, nitems(b));
	for (i = 0; i < n; i++) {
		phone = conn_find(b[i]->flow);
		if (phone == NULL || phone->side != CONN_SIDE_PHONE ||
		    phone->state != CONN_OPEN)
			continue;
		hops[k] = *hop;
		hops[k].conn = phone;
		hops[k].binding = b[i];
		hops[k].flow = b[i]->flow;
		k++;
	}
	if (k == 0) {
		proxy_log(LOG_LVL_INFO, c, m, "refused 480: no phone registered "
		    "for account %s", ca->name);
		proxy_reply(c, m, 480, "Temporarily Unavailable");
		return;
	}
	proxy_fork(p, c, m, hops, k);
}

/* The phone's request in a dialog whose CSeq the edge moved on. */
static void
proxy_account_shift(osip_message_t *m, uint64_t flow)
{
	struct dialog	*dlg;

	if (m->cseq == NULL || m->cseq->number == NULL ||
	    (dlg = dialog_find(sip_msg_call_id(m), flow)) == NULL ||
	    dlg->cseq_delta == 0)
		return;
	sip_hdr_cseq_set(m, strtoul(m->cseq->number, NULL, 10) +
	    dlg->cseq_delta);
}

void
proxy_account_ack(struct proxy *p, struct conn *from, osip_message_t *m,
    const struct hop *hop)
{
	char	*aor;

	if (from->side != CONN_SIDE_PHONE)
		return;
	aor = sip_hdr_aor(m->from);
	if (proxy_account_for_aor(p, aor) != NULL) {
		proxy_account_strip(m);
		proxy_account_shift(m, hop->flow);
	}
	free(aor);
}

static void
proxy_account_txn_free(void *arg)
{
	struct proxy_account_txn	*at = arg;

	digest_client_clear(&at->dc);
	free(at->key);
	free(at->in_cseq);
	free(at);
}

/* A phone's request for a held AOR: no phone credentials, our CSeq. */
static enum proxy_verdict
proxy_account_request(struct proxy_edit *e, osip_message_t *m)
{
	const struct config_account	*ca;
	struct proxy_account_txn	*at;
	char				*aor;

	if (e->from->side != CONN_SIDE_PHONE || m->cseq == NULL ||
	    m->cseq->number == NULL)
		return PROXY_PASS;
	aor = sip_hdr_aor(m->from);
	ca = proxy_account_for_aor(e->p, aor);
	free(aor);
	if (ca == NULL)
		return PROXY_PASS;
	at = xcalloc(1, sizeof(*at));
	xasprintf(&at->key, "%s %s", ca->carrier->name, ca->name);
	at->in_cseq = xstrdup(m->cseq->number);
	e->slot->data = at;
	e->slot->free = proxy_account_txn_free;
	proxy_account_strip(m);
	proxy_account_shift(m, e->hop->flow);
	return PROXY_PASS;
}

/*
 * The carrier challenged a request of a held AOR: answer with the
 * account's credentials and send it again, with the next CSeq, under a
 * new branch of the same transaction. 0 when it went out, 1 when the
 * carrier refused our credentials (a second challenge that is not stale),
 * -1 when it cannot be answered.
 */
static int
proxy_account_answer(struct proxy_edit *e, struct proxy_account_txn *at,
    const struct config_account *ca, osip_message_t *resp, int status)
{
	struct digest_client_answer_in	 in;
	struct txn			*t = e->txn;
	osip_message_t			*again = NULL, *ack;
	osip_via_t			*via;
	osip_body_t			*body = NULL;
	struct dialog			*dlg;
	char				 value[2048], ubuf[128], host[256];
	char				 branch[SIP_HDR_BRANCH_MAX], *ruri = NULL;
	const char			*hname, *why;
	enum digest_alg			 alg;
	int				 stale;
	uint16_t			 port;

	if (osip_uri_to_str(t->out_req->req_uri, &ruri) != 0)
		return -1;
	(void)osip_message_get_body(t->out_req, 0, &body);
	memset(&in, 0, sizeof(in));
	in.algs = ca->carrier->digest_algorithms;
	in.n_algs = ca->carrier->n_digest_algorithms;
	in.username = proxy_account_username(ca, ubuf, sizeof(ubuf));
	in.password = ca->password != NULL ? ca->password : "";
	in.method = sip_msg_method(t->out_req);
	in.uri = ruri;
	in.body = body != NULL ? body->body : "";
	in.bodylen = body != NULL ? body->length : 0;
	/* Choose first: a second challenge that is not stale refuses us. */
	why = digest_client_answer(&at->dc, resp, &in, &hname, NULL, 0, &alg,
	    &stale);
	if (why == NULL && at->answered > 0 && (!stale || at->answered >= 3)) {
		osip_free(ruri);
		proxy_log(LOG_LVL_WARNING, e->from, resp, "account %s: the "
		    "carrier refused the account's credentials (%d again)",
		    ca->name, status);
		return 1;
	}
	if (why == NULL)
		why = digest_client_answer(&at->dc, resp, &in, &hname, value,
		    sizeof(value), &alg, &stale);
	osip_free(ruri);
	if (why != NULL) {
		proxy_log(LOG_LVL_WARNING, e->from, resp, "account %s: cannot "
		    "answer the carrier's %d: %s", ca->name, status, why);
		return -1;
	}
	if (sip_msg_clone(t->out_req, &again) != 0)
		goto fail;
	if (t->invite && (ack = sip_hdr_build_ack(t->out_req, resp)) != NULL) {
		(void)proxy_send(e->from, ack);
		sip_msg_free(ack);
	}
	via = osip_list_get(&again->vias, 0);
	if (via == NULL || via->host == NULL)
		goto fail;
	snprintf(host, sizeof(host), "%s", via->host);
	port = via->port != NULL ? (uint16_t)strtoul(via->port, NULL, 10) :
	    5061;
	sip_hdr_branch_new(branch, sizeof(branch));
	if (sip_hdr_via_pop(again) == -1 ||
	    sip_hdr_via_push(again, host, port, branch) == -1)
		goto fail;
	proxy_account_strip(again);
	if (osip_message_set_header(again, hname, value) != 0)
		goto fail;
	OPENSSL_cleanse(value, sizeof(value));
	sip_hdr_cseq_set(again, strtoul(again->cseq->number, NULL, 10) +
	    1);
	if (proxy_send(e->from, again) == -1)
		goto fail;
	if ((dlg = dialog_find(sip_msg_call_id(again), t->flow)) != NULL)
		dlg->cseq_delta++;
	proxy_log(LOG_LVL_INFO, e->from, again, "account %s: answered the "
	    "carrier's %d with %s%s, sent again with CSeq %s", ca->name,
	    status, digest_alg_name(alg), stale ? " (stale nonce)" : "",
	    again->cseq->number);
	txn_rebranch(t, branch);
	sip_msg_free(t->out_req);
	t->out_req = again;
	txn_set_state(t, TXN_CALLING);
	txn_arm(t, t->invite ? TXN_TIMER_B : TXN_TIMER_F);
	at->answered++;
	return 0;
fail:
	OPENSSL_cleanse(value, sizeof(value));
	sip_msg_free(again);
	proxy_log(LOG_LVL_WARNING, e->from, resp, "account %s: cannot send "
	    "the request again", ca->name);
	return -1;
}

/* Register an account again now, unless it is at it already. */
static void
proxy_account_reregister(struct proxy *p, const char *key, int status)
{
	struct proxy_account	*pa = proxy_account_find(p, key);

	if (pa == NULL || pa->acc == NULL ||
	    account_state(pa->acc) != ACCOUNT_REGISTERED)
		return;
	log_info("account %s: the carrier answered %d to a call; registering "
	    "again", pa->cfg.name, status);
	account_carrier_up(pa->acc);
}

/* A response to a held AOR's request. */
static enum proxy_verdict
proxy_account_response(struct proxy_edit *e, osip_message_t *resp,
    int status)
{
	struct proxy_account_txn	*at = e->slot->data;
	const struct config_account	*ca;

	if (at == NULL || e->from->side != CONN_SIDE_CARRIER)
		return PROXY_PASS;
	if ((status == 401 || status == 407) && !e->txn->cancelled &&
	    !e->txn->cancel_pending &&
	    (ca = proxy_account_cfg(e->p, at->key)) != NULL) {
		if (proxy_account_answer(e, at, ca, resp, status) == 0)
			return PROXY_CONSUMED;
		e->code = 403;
		snprintf(e->reason, sizeof(e->reason), "Forbidden: the carrier "
		    "refused account %s", ca->name);
		return PROXY_REFUSE;
	}
	/*
	 * A carrier that refuses a registered account's request as unknown
	 * may have lost the registration (a restart behind a balancer that
	 * kept our connection): register again at once.
	 */
	if ((status == 403 || status == 404) && !proxy_method_is(resp,
	    "REGISTER"))
		proxy_account_reregister(e->p, at->key, status);
	/* The phone sees its own CSeq again. */
	if (resp->cseq != NULL && resp->cseq->number != NULL &&
	    strcmp(resp->cseq->number, at->in_cseq) != 0) {
		osip_free(resp->cseq->number);
		resp->cseq->number = osip_strdup(at->in_cseq);
	}
	return PROXY_PASS;
}

const struct proxy_editor proxy_account_editor = {
	.name = "account",
	.request = proxy_account_request,
	.response = proxy_account_response,
};
