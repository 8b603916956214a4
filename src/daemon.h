/*
 * daemon.h: the running edge: event base, current configuration, life
 * cycle (start, reload, stop). The control commands act through this.
 */
#ifndef SIPEDGE_DAEMON_H
#define SIPEDGE_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "flow.h"

struct event_base;
struct event;
struct config;
struct control;
struct listener_set;
struct carrier_set;
struct carrier_listener;
struct dns;
struct proxy;
struct relay;

struct daemon {
	struct event_base	*base;
	struct config		*config;	/* current; swapped on reload */
	char			*config_path;
	struct timespec		 started;	/* CLOCK_MONOTONIC */
	uid_t			 uid;		/* after any privilege drop */
	unsigned		 reloads;	/* successful */
	unsigned		 reload_failures;
	char			*last_reload_error;

	struct control		*control;
	struct flow_key		 flow_key;
	struct dns		*dns;
	struct listener_set	*listeners;	/* phones */
	struct carrier_set	*carriers;
	struct carrier_listener	*carrier_listener;	/* NULL: none */
	struct proxy		*proxy;
	struct relay		*relay;		/* media */
	struct event		*ev_relay;	/* its results */
	struct event		*ev_sigterm;
	struct event		*ev_sigint;
	struct event		*ev_sighup;
	struct event		*ev_watchdog;
	uint64_t		 watchdog_usec;
	bool			 stopping;
};

/* Build the daemon on a loaded configuration; binds everything it needs. */
int		 daemon_init(struct daemon *, struct config *, const char *path);
/* Run the event loop until a stop is asked for. */
int		 daemon_run(struct daemon *);
void		 daemon_free(struct daemon *);
/*
 * Load the configuration file again, validate, swap. On failure the
 * running configuration stays and *why holds every error, one per line
 * (caller frees).
 */
int		 daemon_reload(struct daemon *, char **why);
/* Ask the loop to stop after the current event. */
void		 daemon_stop(struct daemon *);
/* Seconds since start. */
uint64_t	 daemon_uptime(const struct daemon *);
/* One-line summary for STATUS= and logs. */
void		 daemon_summary(const struct daemon *, char *, size_t);

/* Counts shown by status; modules that own them fill these in. */
struct daemon_counts {
	unsigned	connections;
	unsigned	registrations;
	unsigned	calls;
	unsigned	carriers;
};
void		 daemon_counts(const struct daemon *, struct daemon_counts *);

#endif
