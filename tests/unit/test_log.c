/* test_log.c: level names and the line prefixes journald and people read. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "unit.h"

/* Every config level name parses to a level that prints back the same. */
static void
test_log_level_names_round_trip(void)
{
	const char	*names[] = { "error", "warning", "notice", "info", "debug" };
	enum log_level	 lvl;
	size_t		 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(log_level_parse(names[i], &lvl), 0);
		CU_ASSERT_STRING_EQUAL(log_level_name(lvl), names[i]);
	}
	CU_ASSERT_EQUAL(log_level_parse("DEBUG", &lvl), 0);
	CU_ASSERT_EQUAL(lvl, LOG_LVL_DEBUG);
}

/* Unknown names are refused rather than mapped to some default. */
static void
test_log_unknown_level_is_refused(void)
{
	enum log_level	lvl = LOG_LVL_INFO;

	CU_ASSERT_EQUAL(log_level_parse("loud", &lvl), -1);
	CU_ASSERT_EQUAL(log_level_parse("", &lvl), -1);
	CU_ASSERT_EQUAL(lvl, LOG_LVL_INFO);
}

/* Under journald a line starts with the syslog priority in angle brackets. */
static void
test_log_journald_prefix_is_syslog_priority(void)
{
	char	buf[64];

	log_format_prefix(buf, sizeof(buf), LOG_LVL_ERROR, 1);
	CU_ASSERT_STRING_EQUAL(buf, "<3>");
	log_format_prefix(buf, sizeof(buf), LOG_LVL_WARNING, 1);
	CU_ASSERT_STRING_EQUAL(buf, "<4>");
	log_format_prefix(buf, sizeof(buf), LOG_LVL_DEBUG, 1);
	CU_ASSERT_STRING_EQUAL(buf, "<7>");
}

/* Outside journald a line names time, program, pid and level. */
static void
test_log_plain_prefix_names_program_and_level(void)
{
	char	buf[128];

	log_init("unit");
	log_format_prefix(buf, sizeof(buf), LOG_LVL_WARNING, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, " unit["));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "] warning: "));
	CU_ASSERT_EQUAL(buf[4], '-');
	CU_ASSERT_EQUAL(buf[10], 'T');
}

/*
 * Log one line at each level with stderr caught in a file, and return
 * what was written (the caller frees it).
 */
static char *
log_caught(void)
{
	FILE	*f = tmpfile();
	char	*out;
	long	 n;
	int	 saved;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	saved = dup(STDERR_FILENO);
	CU_ASSERT_FATAL(saved != -1 && dup2(fileno(f), STDERR_FILENO) != -1);
	log_error("line at error");
	log_warn("line at warning");
	log_notice("line at notice");
	log_info("line at info");
	log_debug("line at debug");
	CU_ASSERT_FATAL(dup2(saved, STDERR_FILENO) != -1);
	close(saved);
	n = ftell(f);
	CU_ASSERT_FATAL(n >= 0);
	out = calloc(1, (size_t)n + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	rewind(f);
	CU_ASSERT_EQUAL(fread(out, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return out;
}

/*
 * A level set at runtime (sipedgectl log-level) decides which lines are
 * written: those as severe as it or more, and no others.
 */
static void
test_log_runtime_level_decides_which_lines_are_written(void)
{
	enum log_level	 saved = log_get_level();
	char		*out;

	log_set_level(LOG_LVL_WARNING);
	CU_ASSERT_EQUAL(log_get_level(), LOG_LVL_WARNING);
	out = log_caught();
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "line at error\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "line at warning\n"));
	CU_ASSERT_PTR_NULL(strstr(out, "line at notice"));
	CU_ASSERT_PTR_NULL(strstr(out, "line at info"));
	CU_ASSERT_PTR_NULL(strstr(out, "line at debug"));
	free(out);

	log_set_level(LOG_LVL_DEBUG);
	CU_ASSERT_EQUAL(log_get_level(), LOG_LVL_DEBUG);
	out = log_caught();
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "line at error"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "line at notice\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "line at info\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "line at debug\n"));
	free(out);

	log_set_level(saved);
	CU_ASSERT_EQUAL(log_get_level(), saved);
}

void
test_log_register(void)
{
	CU_pSuite	s = unit_suite("log");

	UNIT_TEST(s, test_log_level_names_round_trip);
	UNIT_TEST(s, test_log_unknown_level_is_refused);
	UNIT_TEST(s, test_log_journald_prefix_is_syslog_priority);
	UNIT_TEST(s, test_log_plain_prefix_names_program_and_level);
	UNIT_TEST(s, test_log_runtime_level_decides_which_lines_are_written);
}
