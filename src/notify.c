/* notify.c: thin wrapper over libsystemd's sd_notify for the service state. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "notify.h"

/* Send one notification; failures are logged at debug only, never fatal. */
static void
notify_send(const char *state)
{
	int	r = sd_notify(0, state);

	if (r < 0)
		log_debug("notify: sd_notify: %s", strerror(-r));
}

/* The service is up: listening sockets are open. */
void
notify_ready(const char *status)
{
	char	buf[512];

	snprintf(buf, sizeof(buf), "READY=1\nSTATUS=%s", status);
	notify_send(buf);
}

/* A one-line summary shown by systemctl status. */
void
notify_status(const char *status)
{
	char	buf[512];

	snprintf(buf, sizeof(buf), "STATUS=%s", status);
	notify_send(buf);
}

/*
 * A reload begins. MONOTONIC_USEC lets systemd 253+ match it to the
 * SIGHUP it sent; older versions ignore it.
 */
void
notify_reloading(void)
{
	struct timespec	ts;
	char		buf[128];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(buf, sizeof(buf), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000);
	notify_send(buf);
}

/* An orderly stop begins. */
void
notify_stopping(void)
{
	notify_send("STOPPING=1\nSTATUS=stopping");
}

/* The watchdog interval, or 0 when systemd does not watch us. */
uint64_t
notify_watchdog_usec(void)
{
	uint64_t	usec = 0;

	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return usec;
}

/* Tell the watchdog the event loop is alive. */
void
notify_watchdog(void)
{
	notify_send("WATCHDOG=1");
}
