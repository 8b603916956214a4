/* log.h: leveled logging to stderr, with journald priority prefixes. */
#ifndef SIPEDGE_LOG_H
#define SIPEDGE_LOG_H

#include <stdarg.h>

/* Levels in order of severity; the numbers are syslog priorities. */
enum log_level {
	LOG_LVL_ERROR = 3,
	LOG_LVL_WARNING = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

void		 log_init(const char *progname);
void		 log_set_level(enum log_level);
enum log_level	 log_get_level(void);
int		 log_level_parse(const char *, enum log_level *);
const char	*log_level_name(enum log_level);
int		 log_journald(void);
int		 log_format_prefix(char *, size_t, enum log_level, int);

void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_at(enum log_level, const char *, ...) __attribute__((format(printf, 2, 3)));
void	log_vat(enum log_level, const char *, va_list) __attribute__((format(printf, 2, 0)));
/* Broken invariants only: logs and aborts. Peers never reach this. */
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
