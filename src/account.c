/*
 * account.c: the registration client of an [account] the edge holds
 * (see account.h). One REGISTER is out at a time; its branch is the only
 * one whose responses count, so an answer that comes late, after a
 * timeout or a reconnect, is ignored rather than believed.
 *
 * Challenges are answered by digest_client.c, which reads every
 * WWW-Authenticate (401) or Proxy-Authenticate (407) header and answers
 * the first algorithm of the carrier file's digest_algorithms the carrier
 * offered: clients that take the first or the last challenge are what
 * breaks at the anchors (field-notes.md, "Digest").
 *
 * Nothing secret leaves this file except inside the request sent: the
 * password, the HA1 and the response never reach a log line or
 * last_error, and the nonce is kept only to count its uses.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <osipparser2/osip_parser.h>

#include "account.h"
#include "digest.h"
#include "digest_client.h"
#include "edge_config.h"
#include "log.h"
#include "sip_hdr.h"
#include "sip_msg.h"
#include "util.h"

#define ACCOUNT_ERROR_MAX	128
#define ACCOUNT_STALE_MAX	3	/* stale=true answers in a row */
#define ACCOUNT_EXPIRES_DEFAULT	600
#define ACCOUNT_EXPIRES_CAP	86400
#define ACCOUNT_REFRESH_MARGIN	5	/* seconds before expiry, at least */

struct account {
	const struct config_account	*cfg;
	const struct config_carrier	*carrier;
	struct account_io		 io;
	char				*contact;	/* as registered */
	char				*contact_user;	/* to find it in a 2xx */
	char				*contact_host;
	char				*contact_mark;	/* sipedge=..., or NULL */
	char				*sent_by;	/* Via: host:port */
	char				*domain;	/* of the AOR */
	char				*username;	/* for digest */
	char				 tag[40];
	char				 call_id[40];
	unsigned			 cseq;
	char				 branch[SIP_HDR_BRANCH_MAX]; /* out */
	enum account_state		 state;
	struct event			*timer;
	unsigned			 expires_req;	/* asked for */
	uint64_t			 expiry_ms;	/* granted until, or 0 */
	unsigned			 attempts;	/* failures in a row */
	int				 removing;
	int				 sent_auth;	/* the request out answers a
							   challenge */
	unsigned			 stale_answers;
	struct digest_client		 digest;	/* nc per nonce */
	enum digest_alg			 alg;
	enum digest_alg			 alg_shown;	/* as last reported */
	char				 last_error[ACCOUNT_ERROR_MAX];
};

static void	account_set_state(struct account *, enum account_state,
		    const char *error);
static void	account_backoff(struct account *, const char *error);

/* Names for sipedgectl and the log, in enum order. */
static const char *const account_state_names[] = {
	"idle", "registering", "registered", "backoff", "failed",
	"unregistering",
};

/* The state's name. */
const char *
account_state_name(enum account_state s)
{
	if ((size_t)s >= nitems(account_state_names))
		return "unknown";
	return account_state_names[s];
}

/* Milliseconds in one of the account's seconds (a test hook; see io). */
static uint64_t
account_ms_per_s(const struct account *acc)
{
	return acc->io.ms_per_s == 0 ? 1000 : acc->io.ms_per_s;
}

/* Random hex digits, for tags, Call-IDs and branches. */
static void
account_hex(char *buf, size_t len)
{
	uint64_t	r[2] = { 0, 0 };

	(void)RAND_bytes((unsigned char *)r, sizeof(r));
	snprintf(buf, len, "%016" PRIx64 "%016" PRIx64, r[0], r[1]);
}

/* (Re)arm the one timer in account seconds scaled to milliseconds. */
static void
account_timer_ms(struct account *acc, uint64_t ms)
{
	struct timeval	tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_del(acc->timer);
	evtimer_add(acc->timer, &tv);
}

/*
 * The one place the state changes; it logs the transition and tells the
 * caller. Peer-supplied text in error is cut to printable ASCII.
 */
static void
account_set_state(struct account *acc, enum account_state to,
    const char *error)
{
	enum account_state	 from = acc->state;
	char			 e[ACCOUNT_ERROR_MAX];
	size_t			 i;
	int			 news;

	e[0] = '\0';
	if (error != NULL) {
		for (i = 0; error[i] != '\0' && i < sizeof(e) - 1; i++)
			e[i] = error[i] >= 0x20 && error[i] < 0x7f ?
			    error[i] : '?';
		e[i] = '\0';
	}
	news = from != to || (error != NULL &&
	    strcmp(e, acc->last_error) != 0) || acc->alg != acc->alg_shown;
	if (error != NULL)
		memcpy(acc->last_error, e, sizeof(e));
	acc->state = to;
	acc->alg_shown = acc->alg;
	if (from != to)
		log_at(to == ACCOUNT_BACKOFF || to == ACCOUNT_FAILED ?
		    LOG_LVL_NOTICE : LOG_LVL_INFO, "account %s: %s -> %s%s%s",
		    acc->cfg->name, account_state_name(from),
		    account_state_name(to), e[0] != '\0' ? ": " : "", e);
	if (news && acc->io.changed != NULL)
		acc->io.changed(acc->io.arg, acc);
}

/* A removed account is done: tell the caller, then free it. */
static void
account_gone(struct account *acc)
{
	log_info("account %s: removed", acc->cfg->name);
	if (acc->io.gone != NULL)
		acc->io.gone(acc->io.arg, acc);
	account_free(acc);
}

/*
 * Build and send one REGISTER asking for expires seconds, with auth (a
 * whole header line with CRLF) or none. The branch is fresh every time,
 * the CSeq one more, the Call-ID and From tag the account's.
 */
static int
account_send(struct account *acc, unsigned expires, const char *auth)
{
	char	 hex[40], *msg = NULL;
	int	 n, rc;

	account_hex(hex, sizeof(hex));
	snprintf(acc->branch, sizeof(acc->branch), "%s%.20s",
	    ACCOUNT_BRANCH_PREFIX, hex);
	n = xasprintf(&msg,
	    "REGISTER sip:%s SIP/2.0\r\n"
	    "Via: SIP/2.0/TLS %s;branch=%s;rport\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <%s>;tag=%s\r\n"
	    "To: <%s>\r\n"
	    "Call-ID: %s\r\n"
	    "CSeq: %u REGISTER\r\n"
	    "Contact: <%s>;expires=%u\r\n"
	    "Expires: %u\r\n"
	    "%s"
	    "User-Agent: sipedge/" PACKAGE_VERSION "\r\n"
	    "Content-Length: 0\r\n\r\n",
	    acc->domain, acc->sent_by, acc->branch, acc->cfg->aor, acc->tag,
	    acc->cfg->aor, acc->call_id, ++acc->cseq, acc->contact, expires,
	    expires, auth != NULL ? auth : "");
	rc = acc->io.send(acc->io.arg, msg, (size_t)n, acc->branch);
	/* The text holds a response to the carrier's nonce: wipe it. */
	OPENSSL_cleanse(msg, (size_t)n);
	free(msg);
	if (rc == -1) {
		acc->branch[0] = '\0';
		return -1;
	}
	account_timer_ms(acc, ACCOUNT_ANSWER_TIMEOUT * account_ms_per_s(acc));
	return 0;
}

/* Send a fresh REGISTER (no credentials): first, refresh, retry. */
static void
account_register(struct account *acc)
{
	acc->sent_auth = 0;
	acc->stale_answers = 0;
	if (account_send(acc, acc->expires_req, NULL) == -1) {
		account_backoff(acc, "could not send to the carrier");
		return;
	}
	account_set_state(acc, ACCOUNT_REGISTERING, NULL);
}

/* Wait a capped, jittered, doubling time, then register again. */
static void
account_backoff(struct account *acc, const char *error)
{
	uint64_t	base = ACCOUNT_BACKOFF_MIN;
	uint32_t	r = 0;
	unsigned	i;

	for (i = 0; i < acc->attempts && base < ACCOUNT_BACKOFF_MAX; i++)
		base *= 2;
	if (base > ACCOUNT_BACKOFF_MAX)
		base = ACCOUNT_BACKOFF_MAX;
	acc->attempts++;
	acc->branch[0] = '\0';
	(void)RAND_bytes((unsigned char *)&r, sizeof(r));
	/* +-20 %, so that accounts refused together do not retry together. */
	base = base * account_ms_per_s(acc) * (800 + r % 401) / 1000;
	account_timer_ms(acc, base);
	account_set_state(acc, ACCOUNT_BACKOFF, error);
}

/* Stop trying until the carrier comes back (or a reload replaces us). */
static void
account_fail(struct account *acc, const char *error)
{
	evtimer_del(acc->timer);
	acc->branch[0] = '\0';
	acc->expiry_ms = 0;
	account_set_state(acc, ACCOUNT_FAILED, error);
}

/* The one timer: refresh, retry after back-off, or no answer in time. */
static void
account_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct account	*acc = arg;

	(void)fd;
	(void)events;
	switch (acc->state) {
	case ACCOUNT_REGISTERED:
	case ACCOUNT_BACKOFF:
		account_register(acc);
		break;
	case ACCOUNT_REGISTERING:
	case ACCOUNT_UNREGISTERING:
		account_timeout(acc);
		break;
	default:
		break;
	}
}

/* Parse a URI that must have a host; -1 if it does not. */
static int
account_uri(const char *text, osip_uri_t **out)
{
	osip_uri_t	*u = NULL;

	if (text == NULL || osip_uri_init(&u) != 0)
		return -1;
	if (osip_uri_parse(u, text) != 0 || u->host == NULL ||
	    u->host[0] == '\0') {
		osip_uri_free(u);
		return -1;
	}
	*out = u;
	return 0;
}

/* Set up what the requests are made of from the AOR and contact. */
static int
account_setup(struct account *acc, const char *contact_uri)
{
	osip_uri_t	*aor = NULL, *c = NULL;
	const char	*mark, *h;
	int		 v6, rc = -1;

	if (account_uri(acc->cfg->aor, &aor) == -1 ||
	    account_uri(contact_uri, &c) == -1)
		goto out;
	if (acc->cfg->username != NULL && acc->cfg->username[0] != '\0')
		acc->username = xstrdup(acc->cfg->username);
	else if (aor->username != NULL && aor->username[0] != '\0')
		acc->username = xstrdup(aor->username);
	else
		goto out;
	acc->domain = xstrdup(aor->host);
	acc->contact = xstrdup(contact_uri);
	acc->contact_user = xstrdup(c->username != NULL ? c->username : "");
	acc->contact_host = xstrdup(c->host);
	if ((mark = sip_hdr_uri_mark(c)) != NULL)
		acc->contact_mark = xstrdup(mark);
	h = c->host;
	v6 = strchr(h, ':') != NULL && h[0] != '[';
	xasprintf(&acc->sent_by, "%s%s%s:%s", v6 ? "[" : "", h, v6 ? "]" : "",
	    c->port != NULL ? c->port : "5061");
	rc = 0;
out:
	if (aor != NULL)
		osip_uri_free(aor);
	if (c != NULL)
		osip_uri_free(c);
	return rc;
}

/* A new idle account; see account.h. */
struct account *
account_new(const struct config_account *cfg,
    const struct config_carrier *carrier, const struct account_io *io,
    const char *contact_uri)
{
	struct account	*acc = xcalloc(1, sizeof(*acc));
	char		 hex[40];

	acc->cfg = cfg;
	acc->carrier = carrier;
	acc->io = *io;
	acc->state = ACCOUNT_IDLE;
	acc->expires_req = cfg->expires > 0 ? cfg->expires :
	    ACCOUNT_EXPIRES_DEFAULT;
	if (account_setup(acc, contact_uri) == -1) {
		log_warn("account %s: AOR or contact does not parse",
		    cfg->name);
		account_free(acc);
		return NULL;
	}
	account_hex(acc->tag, sizeof(acc->tag));
	account_hex(hex, sizeof(hex));
	snprintf(acc->call_id, sizeof(acc->call_id), "rg-%.24s", hex);
	acc->timer = evtimer_new(io->base, account_timer_cb, acc);
	if (acc->timer == NULL)
		fatal("%s: evtimer_new", __func__);
	return acc;
}

/* Release everything, sending nothing. */
void
account_free(struct account *acc)
{
	if (acc == NULL)
		return;
	if (acc->timer != NULL)
		event_free(acc->timer);
	free(acc->contact);
	free(acc->contact_user);
	free(acc->contact_host);
	free(acc->contact_mark);
	free(acc->sent_by);
	free(acc->domain);
	free(acc->username);
	digest_client_clear(&acc->digest);
	free(acc);
}

/* The carrier is reachable again: register at once, from any state. */
void
account_carrier_up(struct account *acc)
{
	if (acc->removing)
		return;
	acc->attempts = 0;
	acc->expiry_ms = 0;
	evtimer_del(acc->timer);
	account_register(acc);
}

/* The carrier is gone: nothing is out, nothing is timed. */
void
account_carrier_down(struct account *acc)
{
	evtimer_del(acc->timer);
	acc->branch[0] = '\0';
	acc->sent_auth = 0;
	acc->expiry_ms = 0;
	if (acc->removing) {
		account_gone(acc);
		return;
	}
	account_set_state(acc, ACCOUNT_IDLE, NULL);
}

/* De-register once, then go. */
void
account_remove(struct account *acc)
{
	if (acc->removing)
		return;
	acc->removing = 1;
	evtimer_del(acc->timer);
	acc->sent_auth = 0;
	acc->stale_answers = 0;
	if (acc->state == ACCOUNT_IDLE ||
	    account_send(acc, 0, NULL) == -1) {
		account_gone(acc);
		return;
	}
	account_set_state(acc, ACCOUNT_UNREGISTERING, NULL);
}

/* No final response: back off (or, when removed, give up and go). */
void
account_timeout(struct account *acc)
{
	char	why[64];

	if (acc->removing) {
		account_gone(acc);
		return;
	}
	snprintf(why, sizeof(why), "no answer within %u s",
	    ACCOUNT_ANSWER_TIMEOUT);
	account_backoff(acc, why);
}

/* A response text fit for last_error: "403 Forbidden from carrier". */
static void
account_status_text(const osip_message_t *resp, char *buf, size_t len)
{
	const char	*r = resp->reason_phrase;

	snprintf(buf, len, "%d%s%.40s from carrier", sip_msg_status(resp),
	    r != NULL && r[0] != '\0' ? " " : "", r != NULL ? r : "");
}

/* Done with a removed account's request, whatever the answer. */
static int
account_removed_done(struct account *acc)
{
	if (!acc->removing)
		return 0;
	account_gone(acc);
	return 1;
}

/* What the answer to a challenge of the carrier is made of. */
static void
account_answer_in(const struct account *acc, const char *uri,
    struct digest_client_answer_in *in)
{
	memset(in, 0, sizeof(*in));
	if (acc->carrier != NULL) {
		in->algs = acc->carrier->digest_algorithms;
		in->n_algs = acc->carrier->n_digest_algorithms;
	}
	in->username = acc->username;
	in->password = acc->cfg->password != NULL ? acc->cfg->password : "";
	in->method = "REGISTER";
	in->uri = uri;
	in->body = "";
	in->bodylen = 0;
}

/* Answer a 401/407 with credentials, or give up. */
static void
account_challenged(struct account *acc, osip_message_t *resp, int status)
{
	struct digest_client_answer_in	 in;
	char				 value[DIGEST_MAX_HEADER], why[80];
	char				*uri = NULL, *line = NULL;
	const char			*hname, *err;
	enum digest_alg			 alg;
	unsigned			 expires;
	int				 stale, n, rc;

	xasprintf(&uri, "sip:%s", acc->domain);
	account_answer_in(acc, uri, &in);
	/*
	 * Choose first and answer only once we mean to: a refused or too
	 * often stale challenge must not use up a count of its nonce.
	 */
	if (digest_client_answer(&acc->digest, resp, &in, &hname, NULL, 0,
	    &alg, &stale) != NULL) {
		free(uri);
		snprintf(why, sizeof(why), "no digest challenge in the %d "
		    "uses an algorithm of digest_algorithms", status);
		if (!account_removed_done(acc))
			account_fail(acc, why);
		return;
	}
	if (acc->sent_auth && !stale) {
		free(uri);
		snprintf(why, sizeof(why), "credentials refused (%d)", status);
		if (!account_removed_done(acc))
			account_fail(acc, why);
		return;
	}
	if (stale && ++acc->stale_answers > ACCOUNT_STALE_MAX) {
		free(uri);
		if (!account_removed_done(acc))
			account_backoff(acc, "carrier keeps calling its nonces "
			    "stale");
		return;
	}
	err = digest_client_answer(&acc->digest, resp, &in, &hname, value,
	    sizeof(value), &alg, &stale);
	free(uri);
	acc->alg = alg;
	if (err != NULL) {
		OPENSSL_cleanse(value, sizeof(value));
		if (!account_removed_done(acc))
			account_fail(acc, err);
		return;
	}
	n = xasprintf(&line, "%s: %s\r\n", hname, value);
	OPENSSL_cleanse(value, sizeof(value));
	expires = acc->removing ? 0 : acc->expires_req;
	acc->sent_auth = 1;
	rc = account_send(acc, expires, line);
	OPENSSL_cleanse(line, (size_t)n);
	free(line);
	if (rc == -1) {
		if (!account_removed_done(acc))
			account_backoff(acc, "could not send to the carrier");
		return;
	}
	account_set_state(acc, acc->removing ? ACCOUNT_UNREGISTERING :
	    ACCOUNT_REGISTERING, NULL);
}

/* A number of seconds from a header or parameter value, or -1. */
static long long
account_number(const char *s)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	if (errno != 0 || *end != '\0')
		return -1;
	return v > ACCOUNT_EXPIRES_CAP ? ACCOUNT_EXPIRES_CAP : v;
}

/* Is this Contact of a 2xx the one we registered? */
static int
account_contact_is_ours(const struct account *acc, const osip_contact_t *c)
{
	const char	*mark;

	if (c->url == NULL || c->url->host == NULL ||
	    strcmp(c->url->username != NULL ? c->url->username : "",
	    acc->contact_user) != 0)
		return 0;
	if (acc->contact_mark != NULL)
		return (mark = sip_hdr_uri_mark(c->url)) != NULL &&
		    strcmp(mark, acc->contact_mark) == 0;
	return strcasecmp(c->url->host, acc->contact_host) == 0;
}

/* What the carrier granted: our Contact's expires, else Expires, else ours. */
static unsigned
account_granted(const struct account *acc, osip_message_t *resp)
{
	osip_contact_t		*c;
	osip_generic_param_t	*p;
	osip_header_t		*h = NULL;
	long long		 v;
	int			 i;

	for (i = 0; (c = osip_list_get(&resp->contacts, i)) != NULL; i++) {
		if (!account_contact_is_ours(acc, c))
			continue;
		p = NULL;
		if (osip_contact_param_get_byname(c, "expires", &p) == 0 &&
		    p != NULL && (v = account_number(p->gvalue)) >= 0)
			return (unsigned)v;
	}
	if (osip_message_get_expires(resp, 0, &h) >= 0 && h != NULL &&
	    (v = account_number(h->hvalue)) >= 0)
		return (unsigned)v;
	return acc->expires_req;
}

/*
 * Registered for granted seconds: refresh at about 80 % of it, and at
 * least ACCOUNT_REFRESH_MARGIN seconds before it runs out.
 */
static void
account_registered(struct account *acc, unsigned granted)
{
	uint64_t	ms = account_ms_per_s(acc), at;

	acc->attempts = 0;
	acc->branch[0] = '\0';
	acc->expiry_ms = mono_ms() + granted * ms;
	at = granted * ms * 8 / 10;
	if (granted * ms - at < ACCOUNT_REFRESH_MARGIN * ms)
		at = granted > ACCOUNT_REFRESH_MARGIN ?
		    (granted - ACCOUNT_REFRESH_MARGIN) * ms : granted * ms / 2;
	account_timer_ms(acc, at);
	acc->last_error[0] = '\0';
	account_set_state(acc, ACCOUNT_REGISTERED, NULL);
}

/* 423: ask again for at least Min-Expires, at once. */
static void
account_too_brief(struct account *acc, osip_message_t *resp, const char *why)
{
	long long	min = account_number(sip_msg_header(resp, "Min-Expires"));

	if (min <= 0 || (unsigned)min <= acc->expires_req) {
		account_backoff(acc, why);
		return;
	}
	acc->expires_req = (unsigned)min;
	account_register(acc);
}

/* A final response to the request out; see account.h. */
void
account_response(struct account *acc, osip_message_t *resp)
{
	const char	*branch = sip_hdr_via_branch(resp, 0);
	char		 why[ACCOUNT_ERROR_MAX];
	int		 status = sip_msg_status(resp);
	unsigned	 granted;

	if (!account_owns_branch(acc, branch)) {
		log_debug("account %s: response to an old request ignored",
		    acc->cfg->name);
		return;
	}
	if (status < 200)
		return;
	evtimer_del(acc->timer);
	if (status == 401 || status == 407) {
		account_challenged(acc, resp, status);
		return;
	}
	if (account_removed_done(acc))
		return;
	if (status < 300) {
		if ((granted = account_granted(acc, resp)) == 0) {
			account_backoff(acc, "carrier granted 0 s");
			return;
		}
		account_registered(acc, granted);
		return;
	}
	account_status_text(resp, why, sizeof(why));
	if (status == 423)
		account_too_brief(acc, resp, why);
	else
		account_backoff(acc, why);
}

/* The request out is this one. */
int
account_owns_branch(const struct account *acc, const char *branch)
{
	return branch != NULL && acc->branch[0] != '\0' &&
	    strcmp(acc->branch, branch) == 0;
}

/* Some account's, by the prefix. */
int
account_branch_is_ours(const char *branch)
{
	return branch != NULL && strncmp(branch, ACCOUNT_BRANCH_PREFIX,
	    strlen(ACCOUNT_BRANCH_PREFIX)) == 0;
}

/* The [account NAME]. */
const char *
account_name(const struct account *acc)
{
	return acc->cfg->name;
}

/* The current state. */
enum account_state
account_state(const struct account *acc)
{
	return acc->state;
}

/* The algorithm of the last answer, "" before any. */
const char *
account_algorithm(const struct account *acc)
{
	return digest_alg_name(acc->alg);
}

/* What went wrong last. */
const char *
account_last_error(const struct account *acc)
{
	return acc->last_error;
}

/* Seconds left of the granted registration. */
unsigned
account_expires_in(const struct account *acc)
{
	uint64_t	now = mono_ms();

	if (acc->expiry_ms == 0 || acc->expiry_ms <= now)
		return 0;
	return (unsigned)((acc->expiry_ms - now) / account_ms_per_s(acc));
}
