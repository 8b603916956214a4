/* dialog.c: call records keyed by Call-ID, ended by BYE, failure or age. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "dialog.h"
#include "log.h"
#include "util.h"

#define DIALOG_SWEEP_S	30

static struct dialog	*dialogs;
static struct event	*sweep_ev;

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

void
dialog_end(struct dialog *d, const char *why)
{
	log_info("call %s (%s %s -> %s): ended: %s", d->call_id,
	    dialog_dir_name(d->dir), d->from, d->to, why);
	HASH_DEL(dialogs, d);
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

struct dialog *
dialog_begin(const char *call_id, const char *from, const char *to,
    const char *carrier, uint64_t flow, enum dialog_dir dir)
{
	struct dialog	*d = dialog_find(call_id);

	if (d != NULL)
		return d;
	d = xcalloc(1, sizeof(*d));
	d->call_id = xstrdup(call_id);
	d->from = xstrdup(from != NULL ? from : "");
	d->to = xstrdup(to != NULL ? to : "");
	d->carrier = xstrdup(carrier != NULL ? carrier : "");
	d->flow = flow;
	d->dir = dir;
	d->state = DIALOG_TRYING;
	clock_gettime(CLOCK_MONOTONIC, &d->started);
	d->last = d->started;
	HASH_ADD_KEYPTR(hh, dialogs, d->call_id, strlen(d->call_id), d);
	log_info("call %s: %s %s -> %s via %s", d->call_id,
	    dialog_dir_name(dir), d->from, d->to, d->carrier);
	return d;
}

struct dialog *
dialog_find(const char *call_id)
{
	struct dialog	*d;

	if (call_id == NULL)
		return NULL;
	HASH_FIND_STR(dialogs, call_id, d);
	return d;
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
