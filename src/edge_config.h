/*
 * edge_config.h: the parsed, validated configuration of the edge.
 *
 * A configuration is an immutable object: loading builds a new one from
 * sipedge.conf and carriers_dir/ *.conf, validates it completely, and only
 * then may the daemon swap it in (reload). Nothing outside config_*.c
 * writes to it.
 *
 * (Named edge_config.h because autoconf owns config.h.)
 */
#ifndef SIPEDGE_EDGE_CONFIG_H
#define SIPEDGE_EDGE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "digest.h"
#include "log.h"
#include "sdes.h"

#define CONFIG_DEFAULT_PATH	"/etc/sipedge/sipedge.conf"
#define CONFIG_MAX_LIST		32	/* entries in one comma list */
#define CONFIG_FLOW_SECRET_MIN	16	/* bytes */

enum srtp_policy {
	SRTP_POLICY_MANDATORY,
	SRTP_POLICY_OPTIONAL,
	SRTP_POLICY_OFF,
};

enum srtp_profile {
	SRTP_PROFILE_SAVP,	/* m=audio ... RTP/SAVP */
	SRTP_PROFILE_AVP,	/* m=audio ... RTP/AVP with a=crypto */
};

/* How a phone picks among several challenges of one realm. */
enum digest_pick {
	DIGEST_PICK_FIRST,
	DIGEST_PICK_LAST,
	DIGEST_PICK_RFC8760,	/* topmost it supports, as the RFC says */
};

/* The SDP shape a phone offers and wants in answers. */
enum sdp_shape {
	SDP_SHAPE_SAVP,		/* RTP/SAVP */
	SDP_SHAPE_AVP_CRYPTO,	/* RTP/AVP with a=crypto */
	SDP_SHAPE_SAVP_AVP,	/* two m-lines: RTP/SAVP plus RTP/AVP */
};

/* How the edge checks that a carrier connection is alive. */
enum keepalive_method {
	KEEPALIVE_CRLF,		/* RFC 5626 CRLFCRLF ping, CRLF pong */
	KEEPALIVE_OPTIONS,	/* an OPTIONS request; any response will do */
};

struct config_listen {
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	char			*text;		/* as written, "tls:ADDR:PORT" */
};

struct config_dns_server {
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	char			*text;
};

struct config_edge {
	char			*control_socket;
	mode_t			 control_socket_mode;
	enum log_level		 log_level;
	char			*user;
	char			*group;
	char			*carriers_dir;
	struct config_dns_server *dns_servers;
	size_t			 n_dns_servers;
	unsigned char		*flow_secret;	/* NULL: random at start */
	size_t			 flow_secret_len;
};

struct config_phones {
	struct config_listen	*listen;
	size_t			 n_listen;
	char			*certificate;
	char			*private_key;
	char			*client_ca;
	int			 tls_min_version;	/* OpenSSL TLS1_x_VERSION */
	char			*tls_ciphers;		/* OpenSSL syntax (colons) */
	char			*tls_ciphersuites;	/* TLS 1.3 (colons) */
	char			*tls_groups;		/* OpenSSL syntax (colons) */
	enum srtp_policy	 srtp;
	unsigned		 max_connections;
	unsigned		 max_connections_per_ip;
	unsigned		 auth_max_failures;	/* per IP and minute */
	unsigned		 idle_timeout;		/* seconds */
	unsigned		 handshake_timeout;	/* seconds */
	unsigned		 max_message_size;	/* bytes */
	char			*advertised_address;	/* host[:port] for phones */
	int			 dscp;
};

/* [carriers]: the carrier side as a whole. */
struct config_carrier_side {
	struct config_listen	*listen;	/* none: no carrier listener */
	size_t			 n_listen;
	char			*advertised_address;	/* host[:port] */
};

struct config_media {
	char			*phone_address;
	char			*carrier_address;
	char			*carrier_public_address;
	uint16_t		 port_min;
	uint16_t		 port_max;
	unsigned		 threads;
	int			 dscp;
	unsigned		 timeout;		/* seconds */
};

struct config_account {
	char			*name;
	char			*file;
	int			 line;
	struct config_carrier	*carrier;
	char			*aor;			/* sip:user@domain */
	char			*username;
	char			*password;
	char			*phone_password;
	bool			 do_register;
	unsigned		 expires;
};

struct config_carrier {
	char			*name;
	char			*file;			/* the carriers.d file */
	int			 line;			/* of the [carrier] header */
	char			*domain;
	char		       **match_domains;
	size_t			 n_match_domains;
	char			*server_host;		/* NULL: RFC 3263 */
	uint16_t		 server_port;		/* 0: none given */
	char			*transport;		/* "tls" */
	bool			 tls_verify;
	char			*tls_verify_name;	/* NULL: RFC 5922 */
	char			*ca_file;		/* NULL: system store */
	enum srtp_policy	 srtp;
	enum srtp_profile	 srtp_profile;
	enum sdes_suite		 srtp_suites[SDES_SUITE_COUNT];
	size_t			 n_srtp_suites;
	enum digest_alg		 digest_algorithms[DIGEST_ALG_COUNT];
	size_t			 n_digest_algorithms;
	unsigned		 keepalive;		/* seconds, 0 = off */
	enum keepalive_method	 keepalive_method;
	unsigned		 keepalive_timeout;	/* seconds to answer */
	unsigned		 flow_failed_code;	/* 430, or 480 */
	bool			 path;
	int			 dscp;
	struct config_account  **accounts;
	size_t			 n_accounts;
};

/*
 * A phone quirk profile: a built-in one (profile.c), possibly changed by a
 * [profile NAME] section, or a new one defined there.
 */
struct config_profile {
	char			*name;
	bool			 builtin;
	char		       **user_agents;		/* fnmatch patterns */
	size_t			 n_user_agents;
	enum digest_alg		 digest_algorithms[DIGEST_ALG_COUNT];
	size_t			 n_digest_algorithms;
	enum digest_pick	 digest_pick;
	enum sdp_shape		 sdp_offer;
	enum sdes_suite		 srtp_suites[SDES_SUITE_COUNT];
	size_t			 n_srtp_suites;
	bool			 srtcp_lenient;	/* unsignalled plain SRTCP */
};

struct config {
	char			*path;		/* main file, as given */
	struct config_edge	 edge;
	struct config_phones	 phones;
	struct config_carrier_side carrier_side;	/* [carriers] */
	struct config_media	 media;
	struct config_carrier  **carriers;
	size_t			 n_carriers;
	struct config_account  **accounts;	/* all, across carriers */
	size_t			 n_accounts;
	struct config_profile  **profiles;	/* in match order: operator ones,
						   then built-ins, default last */
	size_t			 n_profiles;
};

/* One problem found while loading: where, which key, what is wrong. */
struct config_error {
	char			*file;
	int			 line;		/* 0: the file as a whole */
	char			*section;	/* may be NULL */
	char			*key;		/* may be NULL */
	char			*message;
};

struct config_errors {
	struct config_error	*v;
	size_t			 n;
};

/*
 * Load and validate a configuration. Returns NULL and fills errs (all of
 * them, not just the first) when anything is wrong.
 */
struct config	*config_load(const char *path, struct config_errors *errs);
void		 config_free(struct config *);
/* "FILE:LINE: [section] key: message" */
char		*config_error_str(const struct config_error *);
void		 config_errors_clear(struct config_errors *);

/* Name/value tables shared with profile.c and the control commands. */
const char	*config_srtp_policy_name(enum srtp_policy);
const char	*config_srtp_suite_name(enum sdes_suite);
const char	*config_srtp_profile_name(enum srtp_profile);
const char	*config_digest_alg_name(enum digest_alg);
const char	*config_digest_pick_name(enum digest_pick);
const char	*config_sdp_shape_name(enum sdp_shape);
const char	*config_keepalive_method_name(enum keepalive_method);
int		 config_srtp_suite_parse(const char *, enum sdes_suite *);
int		 config_digest_alg_parse(const char *, enum digest_alg *);

/* Find the carrier serving a SIP domain (domain or match_domains). */
struct config_carrier *config_carrier_for_domain(const struct config *,
		    const char *domain);
/*
 * Which keys differ between two configurations but only take effect after
 * a restart; for reload warnings. Fills out with up to max static names
 * like "[phones] listen" (NULL after the last when there is room) and
 * returns how many it filled.
 */
size_t		 config_restart_keys(const struct config *old,
		    const struct config *new, const char **out, size_t max);

#endif
