/*
 * registrar.h: what the edge knows of registered phones: for each AOR
 * and flow, the Contact the phone claimed, so a carrier's request for
 * that phone goes over the phone's own connection with the Contact the
 * phone expects, never to the port the phone advertised.
 */
#ifndef SIPEDGE_REGISTRAR_H
#define SIPEDGE_REGISTRAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <uthash.h>

struct event;
struct event_base;

struct binding {
	char		*key;		/* "FLOW AOR" */
	char		*aor;		/* sip:user@host */
	uint32_t	 line;		/* registrar_line(aor) */
	uint64_t	 flow;		/* phone connection id */
	char		*token;		/* its flow token */
	char		*contact;	/* as the phone claimed it */
	char		*carrier;
	char		*profile;
	char		*source;	/* the phone's address as seen */
	time_t		 expires;	/* CLOCK_MONOTONIC seconds */
	bool		 held_by_edge;
	struct event	*expiry;	/* frees it when the time is up */
	struct binding	*flow_next;	/* bindings of the same flow */
	struct binding	*aor_next;	/* bindings of the same AOR */
	UT_hash_handle	 hh;
};

/* Bindings expire on timers of this base (none: only lookups check). */
void		 registrar_init(struct event_base *);
void		 registrar_shutdown(void);
/* Add or refresh a binding; expires 0 removes it. */
struct binding	*registrar_update(const char *aor, uint64_t flow,
		    const char *token, const char *contact,
		    const char *carrier, const char *profile,
		    const char *source, unsigned expires);
void		 registrar_remove(const char *aor, uint64_t flow);
/* Every binding of a flow is gone with its connection. */
unsigned	 registrar_flow_gone(uint64_t flow);
/* The binding of a flow for an AOR; any binding of the flow if aor is NULL
 * or has none. */
struct binding	*registrar_find(uint64_t flow, const char *aor);
/*
 * A short name of an AOR that tells the lines of one phone apart in the
 * Contact the edge registers (sipedge=r-LINE), and the binding it names.
 */
uint32_t	 registrar_line(const char *aor);
struct binding	*registrar_find_line(uint64_t flow, uint32_t line);
/* Up to max bindings of an AOR (as bound, exactly), on any flow. */
size_t		 registrar_find_aor(const char *aor, struct binding **out,
		    size_t max);
unsigned	 registrar_count(void);
unsigned	 registrar_expires_in(const struct binding *);
void		 registrar_foreach(void (*)(struct binding *, void *), void *);

#endif
