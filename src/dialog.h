/*
 * dialog.h: the calls passing the edge: who calls whom, in which direction,
 * through which carrier and phone flow, and how far the INVITE got. A call
 * is one Call-ID on one phone flow: when two phones behind the edge call
 * each other through the carrier, the one Call-ID is two calls here.
 * Forked early dialogs of one call are one entry.
 */
#ifndef SIPEDGE_DIALOG_H
#define SIPEDGE_DIALOG_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <uthash.h>

struct event_base;

enum dialog_state {
	DIALOG_TRYING,		/* INVITE sent, no dialog yet */
	DIALOG_EARLY,		/* 1xx with a To tag */
	DIALOG_CONFIRMED,	/* 2xx */
};

enum dialog_dir {
	DIALOG_OUTBOUND,	/* the phone called out through a carrier */
	DIALOG_INBOUND,		/* the carrier called a phone */
};

#define DIALOG_IDLE_S		(6 * 3600)	/* no in-dialog request at all */
#define DIALOG_SETUP_S		300		/* no answer (Timer C is 180 s) */

struct dialog_group;

struct dialog {
	char			*key;		/* "FLOW CALL-ID" */
	char			*call_id;
	char			*from;
	char			*to;
	char			*carrier;
	uint64_t		 flow;		/* the phone's connection */
	enum dialog_state	 state;
	enum dialog_dir		 dir;
	struct timespec		 started;
	struct timespec		 last;		/* last message in the dialog */
	/*
	 * What the edge added to the phone's CSeq towards the carrier: each
	 * request it sent again with credentials of an account it holds.
	 */
	uint32_t		 cseq_delta;
	/* The call's anchored media (proxy_media.c), freed with the call. */
	void			*media;
	void			(*media_free)(void *);
	struct dialog_group	*group;		/* the calls of this Call-ID */
	struct dialog		*group_next;
	UT_hash_handle		 hh;
};

void		 dialog_init(struct event_base *);
void		 dialog_shutdown(void);
/* An initial INVITE passes: a call begins (or is found again). */
struct dialog	*dialog_begin(const char *call_id, const char *from,
		    const char *to, const char *carrier, uint64_t flow,
		    enum dialog_dir);
struct dialog	*dialog_find(const char *call_id, uint64_t flow);
/* The call of a Call-ID when there is exactly one, else NULL. */
struct dialog	*dialog_find_only(const char *call_id);
/* A response to the initial INVITE moves the state or ends the call. */
void		 dialog_invite_response(struct dialog *, int status,
		    bool has_to_tag);
/* Any in-dialog message: the call is alive. */
void		 dialog_touch(struct dialog *);
void		 dialog_end(struct dialog *, const char *why);
/* A phone's connection closed: its calls cannot continue. */
unsigned	 dialog_flow_gone(uint64_t flow);
unsigned	 dialog_count(void);
uint64_t	 dialog_age(const struct dialog *);
void		 dialog_foreach(void (*)(struct dialog *, void *), void *);
const char	*dialog_state_name(enum dialog_state);
const char	*dialog_dir_name(enum dialog_dir);

#endif
