/* daemon.c: the edge's life cycle: start, signals, watchdog, reload, stop. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/rand.h>
#include <srtp2/srtp.h>

#include "carrier.h"
#include "carrier_listener.h"
#include "conn.h"
#include "control.h"
#include "daemon.h"
#include "dialog.h"
#include "dns.h"
#include "edge_config.h"
#include "listener.h"
#include "log.h"
#include "notify.h"
#include "proxy.h"
#include "registrar.h"
#include "relay.h"
#include "srtp_ossl.h"
#include "txn.h"
#include "util.h"

/* Publish the one-line summary to systemd. */
static void
daemon_publish_status(struct daemon *d, int ready)
{
	char	summary[256];

	daemon_summary(d, summary, sizeof(summary));
	if (ready)
		notify_ready(summary);
	else
		notify_status(summary);
}

/* SIGTERM and SIGINT: orderly stop. */
static void
daemon_signal_stop_cb(evutil_socket_t sig, short events, void *arg)
{
	struct daemon	*d = arg;

	log_notice("received %s, stopping", strsignal((int)sig));
	daemon_stop(d);
}

/* SIGHUP: reload; the outcome is logged by daemon_reload itself. */
static void
daemon_signal_reload_cb(evutil_socket_t sig, short events, void *arg)
{
	struct daemon	*d = arg;
	char		*why = NULL;

	log_notice("received SIGHUP, reloading %s", d->config_path);
	(void)daemon_reload(d, &why);
	free(why);
}

/* Watchdog tick: the loop is alive if this runs. */
static void
daemon_watchdog_cb(evutil_socket_t fd, short events, void *arg)
{
	notify_watchdog();
}

/*
 * Drop to the configured user and group. Called after everything that
 * needs privileges is bound; the control socket is handed to the new
 * owner first so it can still be removed at exit.
 */
static int
daemon_drop_privileges(struct daemon *d)
{
	const struct config_edge	*e = &d->config->edge;
	struct passwd			*pw = NULL;
	struct group			*gr = NULL;
	uid_t				 uid;
	gid_t				 gid;

	if (e->user == NULL && e->group == NULL)
		return 0;
	if (e->user != NULL && (pw = getpwnam(e->user)) == NULL) {
		log_error("no such user %s", e->user);
		return -1;
	}
	if (e->group != NULL && (gr = getgrnam(e->group)) == NULL) {
		log_error("no such group %s", e->group);
		return -1;
	}
	uid = pw != NULL ? pw->pw_uid : geteuid();
	gid = gr != NULL ? gr->gr_gid : (pw != NULL ? pw->pw_gid : getegid());
	/*
	 * Under systemd the unit starts us as the target user already, and
	 * its system call filter forbids setuid/setgroups: nothing to do.
	 */
	if (uid == geteuid() && gid == getegid()) {
		log_debug("already running as uid %u gid %u", (unsigned)uid,
		    (unsigned)gid);
		return 0;
	}
	if (chown(e->control_socket, uid, gid) == -1)
		log_warn("%s: chown %s: %s", __func__, e->control_socket,
		    strerror(errno));
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1) {
		log_error("cannot drop to group %u: %s", (unsigned)gid,
		    strerror(errno));
		return -1;
	}
	if (pw != NULL && setresuid(uid, uid, uid) == -1) {
		log_error("cannot drop to user %s: %s", e->user,
		    strerror(errno));
		return -1;
	}
	if (uid != 0 && setuid(0) != -1)
		fatal("%s: could regain root after dropping privileges",
		    __func__);
	log_info("running as uid %u gid %u", (unsigned)uid, (unsigned)gid);
	return 0;
}

/* Install signal handlers on the event base. */
static int
daemon_signals(struct daemon *d)
{
	signal(SIGPIPE, SIG_IGN);
	d->ev_sigterm = evsignal_new(d->base, SIGTERM, daemon_signal_stop_cb, d);
	d->ev_sigint = evsignal_new(d->base, SIGINT, daemon_signal_stop_cb, d);
	d->ev_sighup = evsignal_new(d->base, SIGHUP, daemon_signal_reload_cb, d);
	if (d->ev_sigterm == NULL || d->ev_sigint == NULL ||
	    d->ev_sighup == NULL)
		return -1;
	if (evsignal_add(d->ev_sigterm, NULL) == -1 ||
	    evsignal_add(d->ev_sigint, NULL) == -1 ||
	    evsignal_add(d->ev_sighup, NULL) == -1)
		return -1;
	return 0;
}

/* Ping the systemd watchdog at half the interval it asked for. */
static int
daemon_watchdog(struct daemon *d)
{
	struct timeval	tv;

	d->watchdog_usec = notify_watchdog_usec();
	if (d->watchdog_usec == 0)
		return 0;
	tv.tv_sec = d->watchdog_usec / 2 / 1000000;
	tv.tv_usec = d->watchdog_usec / 2 % 1000000;
	d->ev_watchdog = event_new(d->base, -1, EV_PERSIST, daemon_watchdog_cb,
	    d);
	if (d->ev_watchdog == NULL || event_add(d->ev_watchdog, &tv) == -1)
		return -1;
	log_info("systemd watchdog every %llu ms",
	    (unsigned long long)d->watchdog_usec / 2000);
	return 0;
}

/*
 * The flow-token key. The epoch is random per start, so a token from an
 * earlier run is recognised as stale (430), never as a new flow that
 * happens to have the same id.
 */
static int
daemon_flow_key(struct daemon *d)
{
	uint32_t	epoch;

	if (RAND_bytes((unsigned char *)&epoch, sizeof(epoch)) != 1)
		return -1;
	return flow_key_init(&d->flow_key, d->config->edge.flow_secret,
	    d->config->edge.flow_secret_len, epoch);
}

/* The resolver, with the configured servers or /etc/resolv.conf. */
static int
daemon_dns(struct daemon *d)
{
	const struct config_edge	*e = &d->config->edge;
	struct sockaddr_storage		*ss;
	char				*why = NULL;
	size_t				 i;

	ss = xcalloc(e->n_dns_servers, sizeof(*ss));
	for (i = 0; i < e->n_dns_servers; i++)
		memcpy(&ss[i], &e->dns_servers[i].addr,
		    e->dns_servers[i].addrlen);
	d->dns = dns_new(d->base, ss, e->n_dns_servers, &why);
	free(ss);
	if (d->dns == NULL) {
		log_error("DNS resolver: %s", why);
		free(why);
		return -1;
	}
	return 0;
}

/* What the relay threads report: a silent call ends, a latch moved. */
static void
daemon_relay_result(const struct relay_result *r, void *arg)
{
	struct daemon	*d = arg;
	struct dialog	*dlg = proxy_media_dialog(r->session);

	switch (r->kind) {
	case RELAY_RESULT_TIMEOUT:
		if (dlg == NULL || dlg->state != DIALOG_CONFIRMED)
			break;		/* ringing: no media is expected yet */
		if (proxy_media_rejected(r->session)) {
			/* Port 0 in the answer: no packets are expected. */
			log_info("call %s: %s (a stream the answer rejected: "
			    "kept)", dlg->call_id, r->text);
			break;
		}
		if (proxy_media_held(dlg)) {
			log_info("call %s: %s (on hold: kept)", dlg->call_id,
			    r->text);
			break;
		}
		log_notice("call %s: %s, ending it", dlg->call_id, r->text);
		proxy_media_timeout(d->proxy, dlg);
		break;
	case RELAY_RESULT_LATCHED:
	case RELAY_RESULT_PLAIN_SRTCP:
		log_info("call %s: %s", dlg != NULL ? dlg->call_id : "-",
		    r->text);
		break;
	case RELAY_RESULT_NO_CONTEXT:
		log_error("call %s: %s", dlg != NULL ? dlg->call_id : "-",
		    r->text);
		break;
	}
}

static void
daemon_relay_cb(evutil_socket_t fd, short events, void *arg)
{
	struct daemon	*d = arg;

	relay_results_drain(d->relay, daemon_relay_result, d);
}

/*
 * The media relay: libsrtp2 with the OpenSSL cipher and auth types in
 * place of NSS (their self-tests must pass), then the relay threads.
 */
static int
daemon_relay(struct daemon *d)
{
	const char	*reason = NULL;
	char		 why[256];
	srtp_err_status_t st;

	if ((st = srtp_init()) != srtp_err_status_ok) {
		log_error("media: srtp_init failed (%d)", (int)st);
		return -1;
	}
	if (srtp_ossl_install(&reason) != 0) {
		log_error("media: OpenSSL SRTP crypto: %s", reason);
		return -1;
	}
	if ((d->relay = relay_new(&d->config->media, why,
	    sizeof(why))) == NULL) {
		log_error("media: %s", why);
		return -1;
	}
	d->ev_relay = event_new(d->base, relay_result_fd(d->relay),
	    EV_READ | EV_PERSIST, daemon_relay_cb, d);
	if (d->ev_relay == NULL || event_add(d->ev_relay, NULL) == -1) {
		log_error("media: cannot watch the relay");
		return -1;
	}
	proxy_set_relay(d->proxy, d->relay);
	return 0;
}

/*
 * The modules that keep state of their own on the event base: started
 * here in this order, shut down in the reverse one. Every module's life
 * cycle is on this list or in daemon_init/daemon_free, nowhere else.
 */
static const struct daemon_module {
	const char	*name;
	void		(*init)(struct event_base *);
	void		(*shutdown)(void);
} daemon_modules[] = {
	{ "registrar", registrar_init, registrar_shutdown },
	{ "dialogs", dialog_init, dialog_shutdown },
	{ "transactions", txn_init, txn_shutdown },
};

/* Start every module of daemon_modules[]. */
static void
daemon_modules_init(struct event_base *base)
{
	size_t	i;

	for (i = 0; i < nitems(daemon_modules); i++)
		daemon_modules[i].init(base);
}

/* Shut them down, transactions first (they reference dialogs' calls). */
static void
daemon_modules_shutdown(void)
{
	size_t	i;

	for (i = nitems(daemon_modules); i > 0; i--)
		daemon_modules[i - 1].shutdown();
}

int
daemon_init(struct daemon *d, struct config *cfg, const char *path)
{
	char	*why = NULL;

	memset(d, 0, sizeof(*d));
	clock_gettime(CLOCK_MONOTONIC, &d->started);
	d->config = cfg;
	/* Absolute, so a reload finds the file whatever the working directory. */
	if ((d->config_path = realpath(path, NULL)) == NULL)
		d->config_path = xstrdup(path);
	log_set_level(cfg->edge.log_level);
	if ((d->base = event_base_new()) == NULL) {
		log_error("%s: event_base_new failed", __func__);
		return -1;
	}
	if (daemon_signals(d) == -1) {
		log_error("%s: cannot install signal handlers", __func__);
		return -1;
	}
	d->control = control_open(d, cfg->edge.control_socket,
	    cfg->edge.control_socket_mode, &why);
	if (d->control == NULL) {
		log_error("%s", why);
		free(why);
		return -1;
	}
	if (daemon_flow_key(d) == -1) {
		log_error("%s: cannot make the flow-token key", __func__);
		return -1;
	}
	if (daemon_dns(d) == -1)
		return -1;
	daemon_modules_init(d->base);
	d->proxy = proxy_new(d->base, cfg, &d->flow_key);
	d->listeners = listener_open(d->base, cfg, &d->flow_key,
	    &proxy_phone_handler, d->proxy, &why);
	if (d->listeners == NULL) {
		log_error("%s", why);
		free(why);
		return -1;
	}
	if (cfg->carrier_side.n_listen > 0 &&
	    (d->carrier_listener = carrier_listener_open(d->base, cfg,
	    &why)) == NULL) {
		log_error("%s", why);
		free(why);
		return -1;
	}
	if (daemon_drop_privileges(d) == -1)
		return -1;
	d->uid = geteuid();
	if (daemon_relay(d) == -1)
		return -1;
	d->carriers = carrier_set_new(d->base, d->dns, cfg,
	    &proxy_carrier_handler, d->proxy);
	if (d->carrier_listener != NULL) {
		/* Nothing is accepted before the loop runs: no gap here. */
		carrier_listener_set_carriers(d->carrier_listener, d->carriers);
		carrier_set_listener(d->carriers, d->carrier_listener);
	}
	proxy_attach(d->proxy, d->carriers, d->carrier_listener);
	if (daemon_watchdog(d) == -1) {
		log_error("%s: cannot start the watchdog timer", __func__);
		return -1;
	}
	return 0;
}

int
daemon_run(struct daemon *d)
{
	char	summary[256];

	daemon_summary(d, summary, sizeof(summary));
	log_notice("sipedged %s ready: %s (config %s)", PACKAGE_VERSION,
	    summary, d->config_path);
	daemon_publish_status(d, 1);
	if (event_base_dispatch(d->base) == -1) {
		log_error("%s: event loop failed", __func__);
		return -1;
	}
	log_notice("stopped");
	return 0;
}

void
daemon_stop(struct daemon *d)
{
	if (d->stopping)
		return;
	d->stopping = true;
	notify_stopping();
	event_base_loopbreak(d->base);
}

/* Join every configuration error into one string, one per line. */
static char *
daemon_errors_join(const struct config_errors *errs)
{
	char	*out = xstrdup(""), *line, *next;
	size_t	 i;

	for (i = 0; i < errs->n; i++) {
		line = config_error_str(&errs->v[i]);
		xasprintf(&next, "%s%s%s", out, i == 0 ? "" : "\n", line);
		free(out);
		free(line);
		out = next;
	}
	return out;
}

/* Warn about changed keys the running daemon cannot apply until a restart. */
static void
daemon_warn_restart_keys(const struct config *old, const struct config *new)
{
	const char	*keys[32];
	size_t		 i, n;

	n = config_restart_keys(old, new, keys, nitems(keys));
	for (i = 0; i < n; i++)
		log_warn("reload: %s changed; it takes effect after a restart",
		    keys[i]);
}

/* A reload that cannot be applied: say so, keep what runs. */
static int
daemon_reload_refused(struct daemon *d, struct config *cfg, const char *why)
{
	log_error("reload: %s; running configuration kept", why);
	config_free(cfg);
	d->reload_failures++;
	free(d->last_reload_error);
	d->last_reload_error = xstrdup(why);
	daemon_publish_status(d, 1);
	return -1;
}

int
daemon_reload(struct daemon *d, char **why)
{
	struct config_errors	 errs = { NULL, 0 };
	struct carrier_listener_tls *ctls = NULL;
	struct config		*cfg;
	size_t			 i;

	*why = NULL;
	notify_reloading();
	cfg = config_load(d->config_path, &errs);
	if (cfg == NULL) {
		for (i = 0; i < errs.n; i++) {
			char *s = config_error_str(&errs.v[i]);

			log_error("reload: %s", s);
			free(s);
		}
		*why = daemon_errors_join(&errs);
		config_errors_clear(&errs);
		log_error("reload failed, running configuration kept");
		d->reload_failures++;
		free(d->last_reload_error);
		d->last_reload_error = xstrdup(*why);
		daemon_publish_status(d, 1);
		return -1;
	}
	/*
	 * New certificates first: the only steps that can still fail. The
	 * carrier listener's are only made here, swapped in once the phone
	 * listener has taken its own.
	 */
	if (d->carrier_listener != NULL &&
	    (ctls = carrier_listener_tls_new(cfg, why)) == NULL)
		return daemon_reload_refused(d, cfg, *why);
	if (listener_reload(d->listeners, cfg, why) == -1) {
		carrier_listener_tls_free(ctls);
		return daemon_reload_refused(d, cfg, *why);
	}
	if (d->carrier_listener != NULL)
		carrier_listener_reload(d->carrier_listener, ctls);
	daemon_warn_restart_keys(d->config, cfg);
	carrier_set_reload(d->carriers, cfg);
	proxy_reload(d->proxy, cfg);
	if (d->relay != NULL)
		relay_set_timeout(d->relay, cfg->media.timeout);
	config_free(d->config);
	d->config = cfg;
	log_set_level(cfg->edge.log_level);
	d->reloads++;
	free(d->last_reload_error);
	d->last_reload_error = NULL;
	log_notice("reload: configuration %s applied", d->config_path);
	daemon_publish_status(d, 1);
	return 0;
}

uint64_t
daemon_uptime(const struct daemon *d)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec < d->started.tv_sec)
		return 0;
	return (uint64_t)(now.tv_sec - d->started.tv_sec);
}

void
daemon_counts(const struct daemon *d, struct daemon_counts *c)
{
	memset(c, 0, sizeof(*c));
	c->connections = conn_count(CONN_SIDE_PHONE) +
	    conn_count(CONN_SIDE_CARRIER);
	c->registrations = registrar_count();
	c->calls = dialog_count();
	if (d->config != NULL)
		c->carriers = (unsigned)d->config->n_carriers;
}

void
daemon_summary(const struct daemon *d, char *buf, size_t len)
{
	struct daemon_counts	c;

	daemon_counts(d, &c);
	snprintf(buf, len, "%u connections, %u registrations, %u calls, "
	    "%u carriers", c.connections, c.registrations, c.calls,
	    c.carriers);
}

void
daemon_free(struct daemon *d)
{
	/* Carriers first (their connections say goodbye), then the rest. */
	carrier_set_free(d->carriers);
	conn_abort_all();
	listener_close(d->listeners);
	carrier_listener_close(d->carrier_listener);
	proxy_free(d->proxy);
	daemon_modules_shutdown();
	/* After the calls: each frees its relay sessions. */
	if (d->ev_relay != NULL)
		event_free(d->ev_relay);
	relay_free(d->relay);
	if (d->relay != NULL)
		(void)srtp_shutdown();
	if (d->dns != NULL)
		dns_free(d->dns);
	flow_key_clear(&d->flow_key);
	if (d->control != NULL)
		control_close(d->control);
	if (d->ev_watchdog != NULL)
		event_free(d->ev_watchdog);
	if (d->ev_sigterm != NULL)
		event_free(d->ev_sigterm);
	if (d->ev_sigint != NULL)
		event_free(d->ev_sigint);
	if (d->ev_sighup != NULL)
		event_free(d->ev_sighup);
	/*
	 * A bufferevent that wrote in the last round holds a reference for
	 * its deferred write callback; event_base_free() would drop that
	 * callback unrun and the bufferevent with it. One more pass lets it
	 * run, so every connection freed above is really released.
	 */
	if (d->base != NULL) {
		event_base_loop(d->base, EVLOOP_NONBLOCK);
		event_base_free(d->base);
	}
	if (d->config != NULL)
		config_free(d->config);
	free(d->config_path);
	free(d->last_reload_error);
	memset(d, 0, sizeof(*d));
}
