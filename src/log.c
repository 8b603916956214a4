/* log.c: one place that writes log lines, so level and format are uniform. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_level	 log_level = LOG_LVL_INFO;
static const char	*log_progname = "sipedge";
static int		 log_to_journal;

static const struct {
	enum log_level	 level;
	const char	*name;
} log_levels[] = {
	{ LOG_LVL_ERROR, "error" },
	{ LOG_LVL_WARNING, "warning" },
	{ LOG_LVL_NOTICE, "notice" },
	{ LOG_LVL_INFO, "info" },
	{ LOG_LVL_DEBUG, "debug" },
};

/* Is stderr the journal stream systemd gave us? (JOURNAL_STREAM=dev:ino) */
static int
log_detect_journal(void)
{
	const char		*env = getenv("JOURNAL_STREAM");
	unsigned long long	 dev, ino;
	struct stat		 st;

	if (env == NULL || sscanf(env, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/* Set the program name and decide between journald and plain format. */
void
log_init(const char *progname)
{
	if (progname != NULL)
		log_progname = progname;
	log_to_journal = log_detect_journal();
}

/* Change the threshold; messages less severe than it are dropped. */
void
log_set_level(enum log_level level)
{
	log_level = level;
}

/* The current threshold. */
enum log_level
log_get_level(void)
{
	return log_level;
}

/* Parse a level name as used in the config and by sipedgectl. */
int
log_level_parse(const char *s, enum log_level *out)
{
	size_t	i;

	for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++) {
		if (strcasecmp(s, log_levels[i].name) == 0) {
			*out = log_levels[i].level;
			return 0;
		}
	}
	return -1;
}

/* The config name of a level. */
const char *
log_level_name(enum log_level level)
{
	size_t	i;

	for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		if (log_levels[i].level == level)
			return log_levels[i].name;
	return "unknown";
}

/* Whether lines carry journald <N> prefixes. */
int
log_journald(void)
{
	return log_to_journal;
}

/*
 * Format the start of a line: "<N>" for journald (which adds its own time
 * stamp), otherwise an ISO time, the program and the level.
 */
int
log_format_prefix(char *buf, size_t len, enum log_level level, int journal)
{
	struct timespec	ts;
	struct tm	tm;
	char		tbuf[32];

	if (journal)
		return snprintf(buf, len, "<%d>", (int)level);
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%S", &tm);
	return snprintf(buf, len, "%s.%03ld %s[%d] %s: ", tbuf,
	    ts.tv_nsec / 1000000, log_progname, (int)getpid(),
	    log_level_name(level));
}

/* Write one line at a level, if the threshold lets it through. */
void
log_vat(enum log_level level, const char *fmt, va_list ap)
{
	char	line[2048];
	int	n, m;
	int	saved = errno;

	if (level > log_level)
		return;
	n = log_format_prefix(line, sizeof(line), level, log_to_journal);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line, so lines from threads never interleave. */
	(void)!write(STDERR_FILENO, line, n);
	errno = saved;
}

/* printf-style front end to log_vat. */
void
log_at(enum log_level level, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vat(level, fmt, ap);
	va_end(ap);
}

#define LOG_FN(name, level)					\
void								\
name(const char *fmt, ...)					\
{								\
	va_list	ap;						\
								\
	va_start(ap, fmt);					\
	log_vat(level, fmt, ap);				\
	va_end(ap);						\
}

LOG_FN(log_error, LOG_LVL_ERROR)
LOG_FN(log_warn, LOG_LVL_WARNING)
LOG_FN(log_notice, LOG_LVL_NOTICE)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_debug, LOG_LVL_DEBUG)

/* Log a broken invariant and abort: never for anything a peer can cause. */
void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vat(LOG_LVL_ERROR, fmt, ap);
	va_end(ap);
	abort();
}
