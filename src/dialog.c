/* dialog.c: call records keyed by Call-ID, ended by BYE, failure or age. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "dialog.h"
#include "log.h"
#include "util.h"

#define DIALOG_SWEEP_S	30

/* The calls sharing one Call-ID (normally one; two for a spiral). */
struct dialog_group {
	char		*call_id;
	struct dialog	*list;
	unsigned	 n;
	UT_hash_handle	 hh;
};

static struct dialog		*dialogs;	/* by "FLOW CALL-ID" */
static struct dialog_group	*groups;	/* by Call-ID */
static struct event		*sweep_ev;

static const char *const dialog_state_names[] = {
	[DIALOG_TRYING] = "trying",
	[DIALOG_EARLY] = "early",
	[DIALOG_CONFIRMED] = "confirmed",
};

const char *
dialog_state_name(enum dialog_state s)
{
	return dialog_state_names[s];
}

const char *
dialog_dir_name(enum dialog_dir d)
{
	return d == DIALOG_OUTBOUND ? "outbound" : "inbound";
}

/* The one place a call changes state, so every change is logged. */
static void
dialog_set_state(struct dialog *d, enum dialog_state s)
{
	if (d->state != s)
		log_info("call %s: %s -> %s", d->call_id,
		    dialog_state_name(d->state), dialog_state_name(s));
	d->state = s;
}

/* Take a call out of its Call-ID group. */
static void
dialog_ungroup(struct dialog *d)
{
	struct dialog_group	*g = d->group;
	struct dialog		**pp;

	for (pp = &g->list; *pp != NULL; pp = &(*pp)->group_next) {
		if (*pp == d) {
			*pp = d->group_next;
			break;
		}
	}
	if (--g->n == 0) {
		HASH_DEL(groups, g);
		free(g->call_id);
		free(g);
	}
}

void
dialog_end(struct dialog *d, const char *why)
{
	log_info("call %s (%s %s -> %s): ended: %s", d->call_id,
	    dialog_dir_name(d->dir), d->from, d->to, why);
	HASH_DEL(dialogs, d);
	dialog_ungroup(d);
	if (d->media != NULL && d->media_free != NULL)
		d->media_free(d->media);
	free(d->key);
	free(d->call_id);
	free(d->from);
	free(d->to);
	free(d->carrier);
	free(d);
}

/* Seconds since a moment on the monotonic clock. */
static time_t
dialog_since(const struct timespec *t)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec - t->tv_sec;
}

/* End calls that never got answered or went silent for hours. */
static void
dialog_sweep_cb(evutil_socket_t fd, short events, void *arg)
{
	struct dialog	*d, *tmp;

	HASH_ITER(hh, dialogs, d, tmp) {
		if (d->state != DIALOG_CONFIRMED &&
		    dialog_since(&d->last) > DIALOG_SETUP_S)
			dialog_end(d, "no answer to the INVITE");
		else if (dialog_since(&d->last) > DIALOG_IDLE_S)
			dialog_end(d, "no message in the dialog for hours");
	}
}

void
dialog_init(struct event_base *base)
{
	struct timeval	tv = { DIALOG_SWEEP_S, 0 };

	sweep_ev = event_new(base, -1, EV_PERSIST, dialog_sweep_cb, NULL);
	if (sweep_ev == NULL || event_add(sweep_ev, &tv) == -1)
		fatal("%s: event_new", __func__);
}

void
dialog_shutdown(void)
{
	struct dialog	*d, *tmp;

	HASH_ITER(hh, dialogs, d, tmp)
		dialog_end(d, "shutting down");
	if (sweep_ev != NULL)
		event_free(sweep_ev);
	sweep_ev = NULL;
}

/* Put a call into the group of its Call-ID. */
static void
dialog_group(struct dialog *d)
{
	struct dialog_group	*g;

	HASH_FIND_STR(groups, d->call_id, g);
	if (g == NULL) {
		g = xcalloc(1, sizeof(*g));
		g->call_id = xstrdup(d->call_id);
		HASH_ADD_KEYPTR(hh, groups, g->call_id, strlen(g->call_id), g);
	}
	d->group = g;
	d->group_next = g->list;
	g->list = d;
	g->n++;
}

struct dialog *
dialog_begin(const char *call_id, const char *from, const char *to,
    const char *carrier, uint64_t flow, enum dialog_dir dir)
{
	struct dialog	*d = dialog_find(call_id, flow);

	if (d != NULL)
		return d;
	d = xcalloc(1, sizeof(*d));
	xasprintf(&d->key, "%llu %s", (unsigned long long)flow, call_id);
	d->call_id = xstrdup(call_id);
	d->from = xstrdup(from != NULL ? from : "");
	d->to = xstrdup(to != NULL ? to : "");
	d->carrier = xstrdup(carrier != NULL ? carrier : "");
	d->flow = flow;
	d->dir = dir;
	d->state = DIALOG_TRYING;
	clock_gettime(CLOCK_MONOTONIC, &d->started);
	d->last = d->started;
	HASH_ADD_KEYPTR(hh, dialogs, d->key, strlen(d->key), d);
	dialog_group(d);
	log_info("call %s: %s %s -> %s via %s", d->call_id,
	    dialog_dir_name(dir), d->from, d->to, d->carrier);
	return d;
}

struct dialog *
dialog_find(const char *call_id, uint64_t flow)
{
	struct dialog	*d;
	char		*key;

	if (call_id == NULL)
		return NULL;
	xasprintf(&key, "%llu %s", (unsigned long long)flow, call_id);
	HASH_FIND_STR(dialogs, key, d);
	free(key);
	return d;
}

struct dialog *
dialog_find_only(const char *call_id)
{
	struct dialog_group	*g;

	if (call_id == NULL)
		return NULL;
	HASH_FIND_STR(groups, call_id, g);
	return g != NULL && g->n == 1 ? g->list : NULL;
}

void
dialog_touch(struct dialog *d)
{
	clock_gettime(CLOCK_MONOTONIC, &d->last);
}

void
dialog_invite_response(struct dialog *d, int status, bool has_to_tag)
{
	char	why[64];

	dialog_touch(d);
	if (status >= 300) {
		/* A failed re-INVITE leaves the call as it was (RFC 3261 §14.1). */
		if (d->state == DIALOG_CONFIRMED)
			return;
		snprintf(why, sizeof(why), "INVITE answered %d", status);
		dialog_end(d, why);
	} else if (status >= 200)
		dialog_set_state(d, DIALOG_CONFIRMED);
	else if (status > 100 && has_to_tag && d->state == DIALOG_TRYING)
		dialog_set_state(d, DIALOG_EARLY);
}

unsigned
dialog_flow_gone(uint64_t flow)
{
	struct dialog	*d, *tmp;
	unsigned	 n = 0;

	HASH_ITER(hh, dialogs, d, tmp) {
		if (d->flow == flow) {
			dialog_end(d, "the phone's connection closed");
			n++;
		}
	}
	return n;
}

unsigned
dialog_count(void)
{
	return HASH_COUNT(dialogs);
}

uint64_t
dialog_age(const struct dialog *d)
{
	return (uint64_t)dialog_since(&d->started);
}

void
dialog_foreach(void (*fn)(struct dialog *, void *), void *arg)
{
	struct dialog	*d, *tmp;

	HASH_ITER(hh, dialogs, d, tmp)
		fn(d, arg);
}
