/*
 * notify.h: the systemd service protocol (sd_notify). Every call is a
 * no-op when the daemon was not started by systemd (no NOTIFY_SOCKET).
 */
#ifndef SIPEDGE_NOTIFY_H
#define SIPEDGE_NOTIFY_H

#include <stdint.h>

void	notify_ready(const char *status);
void	notify_status(const char *status);
void	notify_reloading(void);
void	notify_stopping(void);
/* Watchdog interval asked for by systemd in microseconds, 0 if none. */
uint64_t notify_watchdog_usec(void);
void	notify_watchdog(void);

#endif
