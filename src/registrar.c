/*
 * registrar.c: bindings indexed by (flow, AOR) and by flow, so a request
 * costs a hash lookup and a closed flow drops its bindings at once. Each
 * binding has its own expiry timer (libevent keeps them in a heap), so
 * nothing ever walks all bindings while the daemon runs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "log.h"
#include "registrar.h"
#include "util.h"

/* The bindings of one flow. */
struct flow_bindings {
	uint64_t		 flow;
	struct binding		*list;
	UT_hash_handle		 hh;
};

/* The bindings of one AOR, on every flow. */
struct aor_bindings {
	char			*aor;
	struct binding		*list;
	UT_hash_handle		 hh;
};

static struct binding		*bindings;	/* by key */
static struct aor_bindings	*aors;		/* by AOR */
static struct flow_bindings	*flows;		/* by flow */
static struct event_base	*registrar_base;	/* expiry timers */

/* The bindings list of a flow, made when asked to. */
static struct flow_bindings *
registrar_flow(uint64_t flow, bool create)
{
	struct flow_bindings	*fb;

	HASH_FIND(hh, flows, &flow, sizeof(flow), fb);
	if (fb == NULL && create) {
		fb = xcalloc(1, sizeof(*fb));
		fb->flow = flow;
		HASH_ADD(hh, flows, flow, sizeof(fb->flow), fb);
	}
	return fb;
}

/* The bindings list of an AOR, made when asked to. */
static struct aor_bindings *
registrar_aor_list(const char *aor, bool create)
{
	struct aor_bindings	*ab;

	HASH_FIND_STR(aors, aor, ab);
	if (ab == NULL && create) {
		ab = xcalloc(1, sizeof(*ab));
		ab->aor = xstrdup(aor);
		HASH_ADD_KEYPTR(hh, aors, ab->aor, strlen(ab->aor), ab);
	}
	return ab;
}

/* Take a binding out of its AOR's list. */
static void
registrar_aor_unlink(struct binding *b)
{
	struct aor_bindings	*ab = registrar_aor_list(b->aor, false);
	struct binding		**pp;

	if (ab == NULL)
		return;
	for (pp = &ab->list; *pp != NULL; pp = &(*pp)->aor_next) {
		if (*pp == b) {
			*pp = b->aor_next;
			break;
		}
	}
	if (ab->list == NULL) {
		HASH_DEL(aors, ab);
		free(ab->aor);
		free(ab);
	}
}

size_t
registrar_find_aor(const char *aor, struct binding **out, size_t max)
{
	struct aor_bindings	*ab = registrar_aor_list(aor, false);
	struct binding		*b;
	size_t			 n = 0;

	for (b = ab != NULL ? ab->list : NULL; b != NULL && n < max;
	    b = b->aor_next)
		out[n++] = b;
	return n;
}

/* Unlink and free one binding. */
static void
registrar_free(struct binding *b)
{
	struct flow_bindings	*fb = registrar_flow(b->flow, false);
	struct binding		**pp;

	HASH_DEL(bindings, b);
	registrar_aor_unlink(b);
	if (b->expiry != NULL)
		event_free(b->expiry);
	if (fb != NULL) {
		for (pp = &fb->list; *pp != NULL; pp = &(*pp)->flow_next) {
			if (*pp == b) {
				*pp = b->flow_next;
				break;
			}
		}
		if (fb->list == NULL) {
			HASH_DEL(flows, fb);
			free(fb);
		}
	}
	free(b->key);
	free(b->aor);
	free(b->token);
	free(b->contact);
	free(b->carrier);
	free(b->profile);
	free(b->source);
	free(b);
}

/* A binding's expiry timer fired: the phone did not refresh in time. */
static void
registrar_expired_cb(evutil_socket_t fd, short events, void *arg)
{
	struct binding	*b = arg;

	log_info("registrar: %s on flow %llu expired", b->aor,
	    (unsigned long long)b->flow);
	registrar_free(b);
}

void
registrar_init(struct event_base *base)
{
	registrar_base = base;
}

void
registrar_shutdown(void)
{
	struct binding	*b, *tmp;

	HASH_ITER(hh, bindings, b, tmp)
		registrar_free(b);
	registrar_base = NULL;
}

/* Replace a string field. */
static void
registrar_set(char **field, const char *value)
{
	if (*field != NULL && value != NULL && strcmp(*field, value) == 0)
		return;
	free(*field);
	*field = value != NULL ? xstrdup(value) : NULL;
}

struct binding *
registrar_update(const char *aor, uint64_t flow, const char *token,
    const char *contact, const char *carrier, const char *profile,
    const char *source, unsigned expires)
{
	struct flow_bindings	*fb;
	struct aor_bindings	*ab;
	struct binding		*b;
	char			*key;

	xasprintf(&key, "%llu %s", (unsigned long long)flow, aor);
	HASH_FIND_STR(bindings, key, b);
	if (expires == 0) {
		if (b != NULL) {
			log_info("registrar: %s on flow %llu removed", aor,
			    (unsigned long long)flow);
			registrar_free(b);
		}
		free(key);
		return NULL;
	}
	if (b == NULL) {
		b = xcalloc(1, sizeof(*b));
		b->key = key;
		b->aor = xstrdup(aor);
		b->line = registrar_line(aor);
		b->flow = flow;
		HASH_ADD_KEYPTR(hh, bindings, b->key, strlen(b->key), b);
		ab = registrar_aor_list(aor, true);
		b->aor_next = ab->list;
		ab->list = b;
		fb = registrar_flow(flow, true);
		b->flow_next = fb->list;
		fb->list = b;
		log_info("registrar: %s bound to flow %llu (%s)", aor,
		    (unsigned long long)flow, source);
	} else
		free(key);
	registrar_set(&b->token, token);
	registrar_set(&b->contact, contact);
	registrar_set(&b->carrier, carrier);
	registrar_set(&b->profile, profile);
	registrar_set(&b->source, source);
	b->expires = mono_seconds() + expires;
	if (registrar_base != NULL) {
		struct timeval	tv = { expires, 0 };

		if (b->expiry == NULL && (b->expiry = evtimer_new(
		    registrar_base, registrar_expired_cb, b)) == NULL)
			fatal("%s: evtimer_new", __func__);
		evtimer_add(b->expiry, &tv);
	}
	return b;
}

void
registrar_remove(const char *aor, uint64_t flow)
{
	(void)registrar_update(aor, flow, NULL, NULL, NULL, NULL, NULL, 0);
}

unsigned
registrar_flow_gone(uint64_t flow)
{
	struct flow_bindings	*fb = registrar_flow(flow, false);
	unsigned		 n = 0;

	while (fb != NULL && fb->list != NULL) {
		log_info("registrar: %s on flow %llu gone with its connection",
		    fb->list->aor, (unsigned long long)flow);
		registrar_free(fb->list);	/* frees fb with the last one */
		n++;
		fb = registrar_flow(flow, false);
	}
	return n;
}

struct binding *
registrar_find(uint64_t flow, const char *aor)
{
	struct flow_bindings	*fb = registrar_flow(flow, false);
	struct binding		*b, *any = NULL;
	time_t			 now = mono_seconds();

	if (fb == NULL)
		return NULL;
	for (b = fb->list; b != NULL; b = b->flow_next) {
		if (b->expires <= now)
			continue;
		if (aor != NULL && strcmp(b->aor, aor) == 0)
			return b;
		if (any == NULL)
			any = b;
	}
	return any;
}

uint32_t
registrar_line(const char *aor)
{
	uint32_t	h = 2166136261u;	/* FNV-1a: a name, not a secret */

	for (; *aor != '\0'; aor++)
		h = (h ^ (unsigned char)*aor) * 16777619u;
	return h;
}

struct binding *
registrar_find_line(uint64_t flow, uint32_t line)
{
	struct flow_bindings	*fb = registrar_flow(flow, false);
	struct binding		*b;
	time_t			 now = mono_seconds();

	for (b = fb != NULL ? fb->list : NULL; b != NULL; b = b->flow_next)
		if (b->line == line && b->expires > now)
			return b;
	return NULL;
}

unsigned
registrar_count(void)
{
	return HASH_COUNT(bindings);
}

unsigned
registrar_expires_in(const struct binding *b)
{
	time_t	now = mono_seconds();

	return b->expires > now ? (unsigned)(b->expires - now) : 0;
}

void
registrar_foreach(void (*fn)(struct binding *, void *), void *arg)
{
	struct binding	*b, *tmp;

	HASH_ITER(hh, bindings, b, tmp)
		fn(b, arg);
}
