/*
 * test_config.c: the configuration loader. Each broken file is written
 * from a string into a fresh directory and must produce exactly the error
 * lines an operator would see from "sipedged -n"; in expected strings
 * $DIR is that directory and $DATA is tests/unit/data.
 */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "edge_config.h"
#include "unit.h"
#include "util.h"

/* A [phones] body with a working certificate and key: 2 lines. */
#define CERTS	"certificate = $DATA/edge.crt\nprivate_key = $DATA/edge.key\n"
/* A complete [media] section: 3 lines. */
#define MEDIA	"[media]\nphone_address = 127.0.0.1\n" \
		"carrier_address = 127.0.0.1\n"
/* What every main file needs, to append after the part under test. */
#define TAIL	"[phones]\n" CERTS MEDIA
#define CARRIER_A "[carrier a]\ndomain = a.example\n"

/* A fresh private directory. */
static char *
tmp_make(void)
{
	const char	*base = getenv("TMPDIR");
	char		*dir;

	xasprintf(&dir, "%s/sipedge-unit.XXXXXX", base != NULL ? base : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
	return dir;
}

/* nftw callback: remove one entry, children first. */
static int
tmp_remove_cb(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	return remove(path);
}

/* Remove a directory made by tmp_make and everything in it. */
static void
tmp_remove(char *dir)
{
	nftw(dir, tmp_remove_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

/* text with $DIR and $DATA replaced. */
static char *
expand(const char *text, const char *dir)
{
	char		*out = xstrdup(""), *next;
	const char	*p = text, *var;

	while ((var = strchr(p, '$')) != NULL) {
		if (strncmp(var, "$DIR", 4) == 0) {
			xasprintf(&next, "%s%.*s%s", out, (int)(var - p), p, dir);
			p = var + 4;
		} else if (strncmp(var, "$DATA", 5) == 0) {
			xasprintf(&next, "%s%.*s%s", out, (int)(var - p), p,
			    TEST_DATA_DIR);
			p = var + 5;
		} else {
			xasprintf(&next, "%s%.*s", out, (int)(var - p + 1), p);
			p = var + 1;
		}
		free(out);
		out = next;
	}
	xasprintf(&next, "%s%s", out, p);
	free(out);
	return next;
}

/* Write dir/name (creating a carriers.d/ parent) with text expanded. */
static void
write_text(const char *dir, const char *name, const char *text)
{
	char	*path, *body = expand(text, dir), *sub;
	FILE	*fp;

	xasprintf(&sub, "%s/carriers.d", dir);
	(void)mkdir(sub, 0700);
	free(sub);
	xasprintf(&path, "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		abort();
	}
	fputs(body, fp);
	fclose(fp);
	free(path);
	free(body);
}

/* Copy a file; the destination's directory must exist. */
static void
copy_file(const char *from, const char *to)
{
	FILE	*in = fopen(from, "r"), *out = fopen(to, "w");
	char	 buf[4096];
	size_t	 n;

	if (in == NULL || out == NULL) {
		perror(in == NULL ? from : to);
		abort();
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fclose(out);
}

/* Make dir/name, a directory. */
static void
mkdir_in(const char *dir, const char *name)
{
	char	*path;

	xasprintf(&path, "%s/%s", dir, name);
	CU_ASSERT_FATAL(mkdir(path, 0700) == 0 || errno == EEXIST);
	free(path);
}

/* Copy a file into dir/name. */
static void
copy_to(const char *from, const char *dir, const char *name)
{
	char	*to;

	xasprintf(&to, "%s/%s", dir, name);
	copy_file(from, to);
	free(to);
}

/* Print every error, for a failing test's log. */
static void
print_errors(const struct config_errors *errs)
{
	char	*s;
	size_t	 i;

	for (i = 0; i < errs->n; i++) {
		s = config_error_str(&errs->v[i]);
		fprintf(stderr, "    got: %s\n", s);
		free(s);
	}
}

/* Load dir/sipedge.conf after writing it and up to two carrier files. */
static struct config *
load_text(const char *dir, const char *main, const char *a, const char *b,
    struct config_errors *errs)
{
	struct config	*cf;
	char		*path;

	write_text(dir, "sipedge.conf", main);
	if (a != NULL)
		write_text(dir, "carriers.d/a.conf", a);
	if (b != NULL)
		write_text(dir, "carriers.d/b.conf", b);
	xasprintf(&path, "%s/sipedge.conf", dir);
	cf = config_load(path, errs);
	free(path);
	return cf;
}

/* A configuration that must load; NULL fails the test. */
static struct config *
load_ok(const char *dir, const char *main, const char *a, const char *b)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cf = load_text(dir, main, a, b, &errs);

	CU_ASSERT_PTR_NOT_NULL(cf);
	CU_ASSERT_EQUAL(errs.n, 0);
	print_errors(&errs);
	config_errors_clear(&errs);
	return cf;
}

/* Loading must fail with exactly these errors (NULL-terminated). */
static void
expect_errors(const char *main, const char *a, const char *b, ...)
{
	struct config_errors	 errs = { NULL, 0 };
	char			*dir = tmp_make(), *want, *got;
	const char		*e;
	struct config		*cf;
	va_list			 ap;
	size_t			 i = 0;
	bool			 bad = false;

	cf = load_text(dir, main, a, b, &errs);
	CU_ASSERT_PTR_NULL(cf);
	config_free(cf);
	va_start(ap, b);
	while ((e = va_arg(ap, const char *)) != NULL) {
		want = expand(e, dir);
		got = i < errs.n ? config_error_str(&errs.v[i]) : NULL;
		if (got == NULL || strcmp(want, got) != 0) {
			fprintf(stderr, "\n    want: %s\n", want);
			bad = true;
		}
		CU_ASSERT_PTR_NOT_NULL(got);
		if (got != NULL)
			CU_ASSERT_STRING_EQUAL(got, want);
		free(want);
		free(got);
		i++;
	}
	va_end(ap);
	CU_ASSERT_EQUAL(errs.n, i);
	if (bad || errs.n != i)
		print_errors(&errs);
	config_errors_clear(&errs);
	tmp_remove(dir);
}

/* A misspelt key names file, line, section and key. */
static void
test_config_unknown_key_names_its_line(void)
{
	expect_errors("[edge]\nlog_levle = debug\n" TAIL, NULL, NULL,
	    "$DIR/sipedge.conf:2: [edge] log_levle: unknown key", NULL);
}

/* An unknown section is reported once; its keys are not reported again. */
static void
test_config_unknown_section_says_what_is_expected(void)
{
	expect_errors("[edges]\nlog_level = debug\nfoo = 1\n" TAIL, NULL, NULL,
	    "$DIR/sipedge.conf:1: unknown section [edges] (expected [edge], "
	    "[phones], [carriers], [media] or [profile NAME])", NULL);
}

/* A word where a number belongs is quoted back. */
static void
test_config_bad_number_is_quoted(void)
{
	expect_errors("[phones]\nmax_connections = lots\n" CERTS MEDIA, NULL,
	    NULL, "$DIR/sipedge.conf:2: [phones] max_connections: not a "
	    "number: \"lots\"", NULL);
}

/* Numbers outside their range say the range. */
static void
test_config_number_out_of_range_gives_the_range(void)
{
	expect_errors("[media]\nthreads = 65\nport_min = 80\n"
	    "phone_address = 127.0.0.1\ncarrier_address = 127.0.0.1\n"
	    "[phones]\nidle_timeout = 10\n" CERTS, NULL, NULL,
	    "$DIR/sipedge.conf:2: [media] threads: must be between 1 and 64",
	    "$DIR/sipedge.conf:3: [media] port_min: must be between 1024 and "
	    "65535",
	    "$DIR/sipedge.conf:7: [phones] idle_timeout: must be at least 30",
	    NULL);
}

/* A switch takes yes or no (and their usual spellings). */
static void
test_config_bad_bool_expects_yes_or_no(void)
{
	expect_errors(TAIL, CARRIER_A "tls_verify = maybe\n", NULL,
	    "$DIR/carriers.d/a.conf:3: [carrier a] tls_verify: expected yes "
	    "or no, got \"maybe\"", NULL);
}

/* An unknown log level lists the known ones. */
static void
test_config_bad_log_level_lists_levels(void)
{
	expect_errors("[edge]\nlog_level = loud\n" TAIL, NULL, NULL,
	    "$DIR/sipedge.conf:2: [edge] log_level: expected error, warning, "
	    "notice, info or debug, got \"loud\"", NULL);
}

/* An inverted port range names both ports, at port_max's line. */
static void
test_config_inverted_port_range_names_both_ports(void)
{
	expect_errors("[media]\nport_min = 30000\nport_max = 20000\n"
	    "phone_address = 127.0.0.1\ncarrier_address = 127.0.0.1\n"
	    "[phones]\n" CERTS, NULL, NULL,
	    "$DIR/sipedge.conf:3: [media] port_max: port range inverted: "
	    "port_min 30000 is above port_max 20000", NULL);
}

/* A range of one port cannot hold an RTP/RTCP pair. */
static void
test_config_port_range_of_one_port_is_refused(void)
{
	expect_errors("[media]\nport_min = 29999\n"
	    "phone_address = 127.0.0.1\ncarrier_address = 127.0.0.1\n"
	    "[phones]\n" CERTS, NULL, NULL,
	    "$DIR/sipedge.conf:2: [media] port_min: port range too small: "
	    "port_min and port_max are both 29999 (at least 2 ports)", NULL);
}

/* A key given twice points at the first one. */
static void
test_config_duplicate_key_names_first_line(void)
{
	expect_errors("[edge]\nlog_level = info\nlog_level = debug\n" TAIL,
	    NULL, NULL, "$DIR/sipedge.conf:3: [edge] log_level: duplicate key "
	    "(first set at line 2)", NULL);
}

/* A domain served twice names the other carrier, its file and line. */
static void
test_config_duplicate_carrier_domain_names_other_carrier(void)
{
	expect_errors(TAIL, "[carrier a]\ndomain = example.com\n",
	    "[carrier b]\n# the same, in other case\ndomain = Example.COM\n",
	    "$DIR/carriers.d/b.conf:3: [carrier b] domain: domain "
	    "\"example.com\" already served by carrier \"a\" "
	    "($DIR/carriers.d/a.conf:2)", NULL);
}

/* An alias may not be another carrier's domain either. */
static void
test_config_match_domain_of_other_carrier_is_refused(void)
{
	expect_errors(TAIL, CARRIER_A "match_domains = alias.example\n",
	    "[carrier b]\ndomain = b.example\nmatch_domains = x.example, "
	    "a.example\n",
	    "$DIR/carriers.d/b.conf:3: [carrier b] match_domains: domain "
	    "\"a.example\" already served by carrier \"a\" "
	    "($DIR/carriers.d/a.conf:2)", NULL);
}

/* Two carrier files may not use the same carrier name. */
static void
test_config_duplicate_carrier_name_across_files(void)
{
	expect_errors(TAIL, "[carrier x]\ndomain = a.example\n",
	    "[carrier x]\ndomain = b.example\n",
	    "$DIR/carriers.d/b.conf:1: duplicate section [carrier x] (first in "
	    "$DIR/carriers.d/a.conf:1)", NULL);
}

/* A carrier file holds exactly one carrier. */
static void
test_config_two_carriers_in_one_file_are_refused(void)
{
	expect_errors(TAIL, CARRIER_A "[carrier b]\ndomain = b.example\n", NULL,
	    "$DIR/carriers.d/a.conf:3: second [carrier] section (first at "
	    "line 1): a carrier file holds exactly one", NULL);
}

/* ... and not zero. */
static void
test_config_carrier_file_without_carrier_is_refused(void)
{
	expect_errors(TAIL, "# everything commented out\n", NULL,
	    "$DIR/carriers.d/a.conf:0: no [carrier NAME] section: a carrier "
	    "file holds exactly one", NULL);
}

/* [carrier] needs its name. */
static void
test_config_section_without_name_is_refused(void)
{
	expect_errors(TAIL, "[carrier]\ndomain = a.example\n", NULL,
	    "$DIR/carriers.d/a.conf:1: missing name: expected [carrier NAME]",
	    NULL);
}

/* Accounts live in carrier files; [edge] lives in the main file. */
static void
test_config_sections_in_the_wrong_file_are_refused(void)
{
	expect_errors(TAIL "[account alice]\naor = sip:alice@a.example\n",
	    CARRIER_A "[edge]\nlog_level = debug\n", NULL,
	    "$DIR/sipedge.conf:7: [account alice] is only allowed in a "
	    "carrier file",
	    "$DIR/carriers.d/a.conf:3: [edge] is only allowed in the main "
	    "file", NULL);
}

/* An account's AOR must be at its own carrier's domain. */
static void
test_config_account_aor_outside_carrier_domains(void)
{
	expect_errors(TAIL, CARRIER_A "match_domains = alias.example\n"
	    "[account alice]\naor = sip:alice@b.example\npassword = pw\n", NULL,
	    "$DIR/carriers.d/a.conf:5: [account alice] aor: host \"b.example\" "
	    "is not a domain of carrier \"a\" (a.example, alias.example)",
	    NULL);
}

/* One AOR (sip: or sips:) per account, one name per account. */
static void
test_config_duplicate_account_aor_or_name_is_refused(void)
{
	expect_errors(TAIL, CARRIER_A "[account one]\n"
	    "aor = sip:alice@a.example\npassword = pw\n[account two]\n"
	    "aor = sips:alice@A.example\npassword = pw\n",
	    "[carrier b]\ndomain = b.example\n[account one]\n"
	    "aor = sip:bob@b.example\npassword = pw\n",
	    "$DIR/carriers.d/a.conf:7: [account two] aor: "
	    "\"sips:alice@a.example\" already used by account \"one\" "
	    "($DIR/carriers.d/a.conf:4)",
	    "$DIR/carriers.d/b.conf:3: duplicate section [account one] (first "
	    "in $DIR/carriers.d/a.conf:3)", NULL);
}

/* Required keys: certificate, domain, phone_address, even as "key =". */
static void
test_config_missing_required_keys(void)
{
	expect_errors("[phones]\nprivate_key = $DATA/edge.key\n"
	    "[media]\ncarrier_address = 127.0.0.1\nphone_address =\n",
	    "[carrier a]\nserver = 127.0.0.1:5071\n", NULL,
	    "$DIR/sipedge.conf:1: [phones] certificate: missing required key",
	    "$DIR/sipedge.conf:5: [media] phone_address: missing required key",
	    "$DIR/carriers.d/a.conf:1: [carrier a] domain: missing required "
	    "key", NULL);
}

/* Without a [phones] section at all, the file as a whole lacks the keys. */
static void
test_config_missing_section_reports_line_zero(void)
{
	expect_errors(MEDIA, NULL, NULL,
	    "$DIR/sipedge.conf:0: [phones] certificate: missing required key",
	    "$DIR/sipedge.conf:0: [phones] private_key: missing required key",
	    NULL);
}

/* A certificate path that does not exist says so, resolved. */
static void
test_config_missing_certificate_file(void)
{
	expect_errors("[phones]\ncertificate = $DATA/missing.crt\n"
	    "private_key = $DATA/edge.key\n" MEDIA, NULL, NULL,
	    "$DIR/sipedge.conf:2: [phones] certificate: cannot read "
	    "\"$DATA/missing.crt\": No such file or directory", NULL);
}

/* The key must belong to the certificate. */
static void
test_config_certificate_key_mismatch(void)
{
	expect_errors("[phones]\ncertificate = $DATA/edge.crt\n"
	    "private_key = $DATA/other.key\n" MEDIA, NULL, NULL,
	    "$DIR/sipedge.conf:3: [phones] private_key: private key does not "
	    "match the certificate", NULL);
}

/* An expired edge certificate is refused before phones find out. */
static void
test_config_expired_certificate_is_refused(void)
{
	expect_errors("[phones]\ncertificate = $DATA/expired.crt\n"
	    "private_key = $DATA/expired.key\n" MEDIA, NULL, NULL,
	    "$DIR/sipedge.conf:2: [phones] certificate: certificate expired "
	    "(not after Jan  1 00:00:00 2001 GMT)", NULL);
}

/* A file that is not PEM is named as such. */
static void
test_config_non_pem_certificate(void)
{
	expect_errors("[phones]\ncertificate = $DATA/not-a-cert.pem\n"
	    "private_key = $DATA/not-a-cert.pem\n" MEDIA, NULL, NULL,
	    "$DIR/sipedge.conf:2: [phones] certificate: "
	    "\"$DATA/not-a-cert.pem\" is not a PEM certificate",
	    "$DIR/sipedge.conf:3: [phones] private_key: "
	    "\"$DATA/not-a-cert.pem\" is not a PEM private key (or it is "
	    "encrypted)", NULL);
}

/* Phones reach the edge over TLS only. */
static void
test_config_listen_other_scheme_is_refused(void)
{
	expect_errors("[phones]\nlisten = udp:0.0.0.0:5060\n" CERTS MEDIA,
	    NULL, NULL, "$DIR/sipedge.conf:2: [phones] listen: only tls: "
	    "listeners are supported, got \"udp:0.0.0.0:5060\"", NULL);
}

/* Listen addresses are numeric, with a port, IPv6 in brackets. */
static void
test_config_listen_bad_address(void)
{
	expect_errors("[phones]\nlisten = tls:localhost:5061\n" CERTS MEDIA
	    "[edge]\n", NULL, NULL,
	    "$DIR/sipedge.conf:2: [phones] listen: not a numeric IP address: "
	    "\"localhost\"", NULL);
	expect_errors("[phones]\nlisten = tls:::1:5061\n" CERTS MEDIA, NULL,
	    NULL, "$DIR/sipedge.conf:2: [phones] listen: missing port in "
	    "\"tls:::1:5061\" (expected tls:ADDR:PORT, IPv6 as "
	    "tls:[ADDR]:PORT)", NULL);
	expect_errors("[phones]\nlisten = tls:127.0.0.1:5061, "
	    "tls:127.0.0.1:5061\n" CERTS MEDIA, NULL, NULL,
	    "$DIR/sipedge.conf:2: [phones] listen: \"tls:127.0.0.1:5061\" "
	    "listed twice", NULL);
}

/* Groups under 224 bits are refused by name. */
static void
test_config_weak_group_is_refused(void)
{
	expect_errors("[phones]\ntls_groups = X25519, secp192r1\n" CERTS MEDIA,
	    NULL, NULL, "$DIR/sipedge.conf:2: [phones] tls_groups: group "
	    "\"secp192r1\" is under 224 bits", NULL);
}

/* A group name nobody knows. */
static void
test_config_unknown_group_is_refused(void)
{
	expect_errors("[phones]\ntls_groups = X25519:curve9999\n" CERTS MEDIA,
	    NULL, NULL, "$DIR/sipedge.conf:2: [phones] tls_groups: unknown "
	    "group \"curve9999\"", NULL);
}

/* A cipher list OpenSSL can make nothing of. */
static void
test_config_bad_cipher_list_is_refused(void)
{
	expect_errors("[phones]\ntls_ciphers = NOT-A-CIPHER, ALSO-NOT\n"
	    "tls_ciphersuites = TLS_AES_256_GCM_SHA384, TLS_AES_512\n"
	    CERTS MEDIA, NULL, NULL,
	    "$DIR/sipedge.conf:2: [phones] tls_ciphers: no usable cipher in "
	    "list",
	    "$DIR/sipedge.conf:3: [phones] tls_ciphersuites: unknown TLS 1.3 "
	    "cipher suite \"TLS_AES_512\"", NULL);
}

/* SDES suite names are case-sensitive and listed once. */
static void
test_config_unknown_srtp_suite_lists_known_ones(void)
{
	expect_errors(TAIL, CARRIER_A "srtp_suites = AES_CM_128_HMAC_SHA1_80, "
	    "aes_cm_128_hmac_sha1_32\n", NULL,
	    "$DIR/carriers.d/a.conf:3: [carrier a] srtp_suites: unknown SRTP "
	    "suite \"aes_cm_128_hmac_sha1_32\" (known: AES_CM_128_HMAC_SHA1_80, "
	    "AES_CM_128_HMAC_SHA1_32, AES_256_CM_HMAC_SHA1_80, "
	    "AES_256_CM_HMAC_SHA1_32, AEAD_AES_128_GCM, AEAD_AES_256_GCM)",
	    NULL);
	/* Parsed in SDP, but not keyed by the relay: not configurable. */
	expect_errors(TAIL, CARRIER_A "srtp_suites = AEAD_AES_256_GCM_8\n",
	    NULL, "$DIR/carriers.d/a.conf:3: [carrier a] srtp_suites: SRTP "
	    "suite \"AEAD_AES_256_GCM_8\" is not one the relay keys (those: "
	    "AES_CM_128_HMAC_SHA1_80, "
	    "AES_CM_128_HMAC_SHA1_32, AES_256_CM_HMAC_SHA1_80, "
	    "AES_256_CM_HMAC_SHA1_32, AEAD_AES_128_GCM, AEAD_AES_256_GCM)",
	    NULL);
	expect_errors(TAIL, CARRIER_A "srtp_suites = AES_CM_128_HMAC_SHA1_80, "
	    "AES_CM_128_HMAC_SHA1_80\n", NULL,
	    "$DIR/carriers.d/a.conf:3: [carrier a] srtp_suites: SRTP suite "
	    "\"AES_CM_128_HMAC_SHA1_80\" listed twice", NULL);
}

/* Digest algorithms: any case, but known ones only. */
static void
test_config_unknown_digest_algorithm_lists_known_ones(void)
{
	expect_errors(TAIL, CARRIER_A "digest_algorithms = sha-256, SHA-1\n",
	    NULL, "$DIR/carriers.d/a.conf:3: [carrier a] digest_algorithms: "
	    "unknown digest algorithm \"SHA-1\" (known: MD5, MD5-sess, SHA-256, "
	    "SHA-256-sess, SHA-512-256, SHA-512-256-sess)", NULL);
}

/* Carriers are reached over TLS only. */
static void
test_config_carrier_transport_udp_is_refused(void)
{
	expect_errors(TAIL, CARRIER_A "transport = udp\n", NULL,
	    "$DIR/carriers.d/a.conf:3: [carrier a] transport: only tls is "
	    "supported, got \"udp\"", NULL);
}

/* srtp = off and an explicit RTP/SAVP contradict each other. */
static void
test_config_srtp_off_with_savp_profile_is_refused(void)
{
	expect_errors(TAIL, CARRIER_A "srtp = off\nsrtp_profile = RTP/SAVP\n",
	    NULL, "$DIR/carriers.d/a.conf:4: [carrier a] srtp_profile: "
	    "RTP/SAVP needs SRTP, but srtp is off", NULL);
}

/* A short flow secret is refused without being shown. */
static void
test_config_short_flow_secret_is_refused(void)
{
	expect_errors("[edge]\nflow_secret = tooshort\n" TAIL, NULL, NULL,
	    "$DIR/sipedge.conf:2: [edge] flow_secret: must be at least 16 "
	    "characters", NULL);
}

/* Lines longer than inih's buffer are refused, not cut; comments may be. */
static void
test_config_line_too_long_is_refused_not_cut(void)
{
	char	 main[1024], pad[260];

	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	snprintf(main, sizeof(main), "[edge]\nlog_level = info\n# %s\n"
	    "flow_secret = %s\n  continuation of the refused line\n%s", pad,
	    pad, TAIL);
	expect_errors(main, NULL, NULL, "$DIR/sipedge.conf:4: line too long "
	    "(at most 199 characters)", NULL);
}

/*
 * Lines inih cannot parse are reported, every one, with their lines; keys
 * under a broken header are skipped rather than put into the section before.
 */
static void
test_config_syntax_errors_name_their_lines(void)
{
	expect_errors("[edge]\nlog_level = info\n[phones\nbogus = 1\n"
	    "log_level debug\n= debug\n[media] trailing\n" TAIL, NULL, NULL,
	    "$DIR/sipedge.conf:3: syntax error: expected \"]\"",
	    "$DIR/sipedge.conf:5: syntax error: expected KEY = VALUE",
	    "$DIR/sipedge.conf:6: syntax error: expected KEY = VALUE",
	    "$DIR/sipedge.conf:7: syntax error: unexpected text after \"]\"",
	    NULL);
}

/* An indented line cannot continue a single value. */
static void
test_config_continuation_of_scalar_key_is_refused(void)
{
	expect_errors("[edge]\nlog_level = debug\n  info\n" TAIL, NULL, NULL,
	    "$DIR/sipedge.conf:3: [edge] log_level: continuation line for a "
	    "single-value key", NULL);
}

/* Empty list entries are refused rather than skipped. */
static void
test_config_empty_list_entry_is_refused(void)
{
	expect_errors(TAIL, CARRIER_A "match_domains = b.example,,c.example\n",
	    NULL, "$DIR/carriers.d/a.conf:3: [carrier a] match_domains: empty "
	    "entry in list \"b.example,,c.example\"", NULL);
}

/* Smaller checks: user, mode, keepalive, DNS, limits, profiles. */
static void
test_config_more_bad_values(void)
{
	expect_errors("[edge]\nuser = sipedge-no-such-user\n"
	    "control_socket_mode = 1777\ndns_servers = 192.0.2.1, dns.example\n"
	    "[phones]\nmax_connections = 10\nmax_connections_per_ip = 11\n"
	    CERTS MEDIA "[profile yealink]\ndigest_pick = first\n"
	    "[profile default]\nuser_agent = *\n",
	    CARRIER_A "keepalive = 3601\nserver = bad_host:5061\n", NULL,
	    "$DIR/sipedge.conf:2: [edge] user: no such user "
	    "\"sipedge-no-such-user\"",
	    "$DIR/sipedge.conf:3: [edge] control_socket_mode: must be at most "
	    "0777",
	    "$DIR/sipedge.conf:4: [edge] dns_servers: not a numeric IP "
	    "address: \"dns.example\"",
	    "$DIR/sipedge.conf:7: [phones] max_connections_per_ip: must not be "
	    "above max_connections (10)",
	    "$DIR/sipedge.conf:13: [profile yealink]: new profile needs "
	    "user_agent",
	    "$DIR/sipedge.conf:16: [profile default] user_agent: the default "
	    "profile matches every phone and takes no user_agent",
	    "$DIR/carriers.d/a.conf:3: [carrier a] keepalive: must be between 0 "
	    "and 3600",
	    "$DIR/carriers.d/a.conf:4: [carrier a] server: not a host name: "
	    "\"bad_host\"", NULL);
}

/* A key before any section header. */
static void
test_config_key_outside_section(void)
{
	expect_errors("log_level = debug\n" TAIL, NULL, NULL,
	    "$DIR/sipedge.conf:1: log_level: key outside of any section", NULL);
}

/* A main file that is not there. */
static void
test_config_missing_main_file(void)
{
	struct config_errors	 errs = { NULL, 0 };
	char			*dir = tmp_make(), *path, *s, *want;

	xasprintf(&path, "%s/nope.conf", dir);
	CU_ASSERT_PTR_NULL(config_load(path, &errs));
	CU_ASSERT_FATAL(errs.n >= 1);
	s = config_error_str(&errs.v[0]);
	xasprintf(&want, "%s:0: cannot open: No such file or directory", path);
	CU_ASSERT_STRING_EQUAL(s, want);
	free(s);
	free(want);
	free(path);
	config_errors_clear(&errs);
	tmp_remove(dir);
}

/* carriers_dir given explicitly must exist; the default need not. */
static void
test_config_explicit_carriers_dir_must_exist(void)
{
	expect_errors("[edge]\ncarriers_dir = nowhere\n" TAIL, NULL, NULL,
	    "$DIR/sipedge.conf:2: [edge] carriers_dir: cannot open "
	    "\"$DIR/nowhere\": No such file or directory", NULL);
}

/* Every problem of a load comes back at once, in file and line order. */
static void
test_config_reports_all_errors_in_one_load(void)
{
	expect_errors("[edge]\nlog_level = loud\nbogus = 1\n"
	    "[phones]\n" CERTS "dscp = 64\n"
	    "[media]\nphone_address = 127.0.0.1\ncarrier_address = ::1\n"
	    "port_min = 40000\nport_max = 30000\n",
	    CARRIER_A "transport = udp\n",
	    "[carrier b]\ndomain = a.example\ntls_verify = maybe\n",
	    "$DIR/sipedge.conf:2: [edge] log_level: expected error, warning, "
	    "notice, info or debug, got \"loud\"",
	    "$DIR/sipedge.conf:3: [edge] bogus: unknown key",
	    "$DIR/sipedge.conf:7: [phones] dscp: must be between 0 and 63",
	    "$DIR/sipedge.conf:12: [media] port_max: port range inverted: "
	    "port_min 40000 is above port_max 30000",
	    "$DIR/carriers.d/a.conf:3: [carrier a] transport: only tls is "
	    "supported, got \"udp\"",
	    "$DIR/carriers.d/b.conf:2: [carrier b] domain: domain "
	    "\"a.example\" already served by carrier \"a\" "
	    "($DIR/carriers.d/a.conf:2)",
	    "$DIR/carriers.d/b.conf:3: [carrier b] tls_verify: expected yes or "
	    "no, got \"maybe\"", NULL);
}

/* Passwords and the flow secret never show up in an error. */
static void
test_config_secrets_never_appear_in_errors(void)
{
	struct config_errors	 errs = { NULL, 0 };
	char			*dir = tmp_make(), *s;
	size_t			 i;

	CU_ASSERT_PTR_NULL(load_text(dir, "[edge]\nflow_secret = S3cretFlow\n"
	    TAIL, CARRIER_A "[account alice]\naor = sip:alice@a.example\n"
	    "password = S3cretPass\n  S3cretMore\npassword = S3cretAgain\n"
	    "phone_password = S3cretPhone\nphone_password = S3cretPhone2\n",
	    NULL, &errs));
	CU_ASSERT(errs.n >= 4);
	for (i = 0; i < errs.n; i++) {
		s = config_error_str(&errs.v[i]);
		CU_ASSERT_PTR_NULL(strstr(s, "S3cret"));
		free(s);
	}
	config_errors_clear(&errs);
	tmp_remove(dir);
}

/* A minimal file gets the documented defaults everywhere. */
static void
test_config_defaults_are_applied(void)
{
	char			*dir = tmp_make(), *want;
	struct config		*cf;
	struct config_carrier	*c;
	struct config_account	*a;

	cf = load_ok(dir, TAIL, CARRIER_A "[account alice]\n"
	    "aor = sip:alice@A.Example\npassword = pw\n", NULL);
	CU_ASSERT_FATAL(cf != NULL);
	CU_ASSERT_STRING_EQUAL(cf->edge.control_socket,
	    "/run/sipedge/control.sock");
	CU_ASSERT_EQUAL(cf->edge.control_socket_mode, 0660);
	CU_ASSERT_EQUAL(cf->edge.log_level, LOG_LVL_INFO);
	xasprintf(&want, "%s/carriers.d", dir);
	CU_ASSERT_STRING_EQUAL(cf->edge.carriers_dir, want);
	free(want);
	CU_ASSERT_PTR_NULL(cf->edge.flow_secret);
	CU_ASSERT_PTR_NULL(cf->edge.user);
	CU_ASSERT_EQUAL(cf->edge.n_dns_servers, 0);
	CU_ASSERT_EQUAL_FATAL(cf->phones.n_listen, 1);
	CU_ASSERT_STRING_EQUAL(cf->phones.listen[0].text, "tls:0.0.0.0:5061");
	CU_ASSERT_EQUAL(cf->phones.tls_min_version, TLS1_2_VERSION);
	CU_ASSERT_PTR_NOT_NULL(strstr(cf->phones.tls_ciphers,
	    "ECDHE-RSA-AES256-GCM-SHA384:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(cf->phones.tls_ciphers,
	    ":ECDHE-RSA-AES128-SHA"));
	CU_ASSERT_STRING_EQUAL(cf->phones.tls_ciphersuites,
	    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
	    "TLS_AES_128_GCM_SHA256");
	CU_ASSERT_STRING_EQUAL(cf->phones.tls_groups,
	    "X25519:P-256:P-384:X448:P-521");
	CU_ASSERT_EQUAL(cf->phones.srtp, SRTP_POLICY_MANDATORY);
	CU_ASSERT_EQUAL(cf->phones.max_connections, 10000);
	CU_ASSERT_EQUAL(cf->phones.max_connections_per_ip, 64);
	CU_ASSERT_EQUAL(cf->phones.idle_timeout, 3900);
	CU_ASSERT_EQUAL(cf->phones.handshake_timeout, 10);
	CU_ASSERT_EQUAL(cf->phones.max_message_size, 65536);
	CU_ASSERT_EQUAL(cf->phones.dscp, 40);
	CU_ASSERT_EQUAL(cf->media.port_min, 20000);
	CU_ASSERT_EQUAL(cf->media.port_max, 29999);
	CU_ASSERT_EQUAL(cf->media.threads, 1);
	CU_ASSERT_EQUAL(cf->media.dscp, 46);
	CU_ASSERT_EQUAL(cf->media.timeout, 60);
	CU_ASSERT_EQUAL_FATAL(cf->n_carriers, 1);
	c = cf->carriers[0];
	CU_ASSERT_STRING_EQUAL(c->transport, "tls");
	CU_ASSERT(c->tls_verify);
	CU_ASSERT_PTR_NULL(c->server_host);
	CU_ASSERT_EQUAL(c->srtp, SRTP_POLICY_MANDATORY);
	CU_ASSERT_EQUAL(c->srtp_profile, SRTP_PROFILE_SAVP);
	CU_ASSERT_EQUAL(c->n_srtp_suites, 2);
	CU_ASSERT_EQUAL(c->srtp_suites[0], SDES_AES_CM_128_HMAC_SHA1_80);
	CU_ASSERT_EQUAL(c->srtp_suites[1], SDES_AES_CM_128_HMAC_SHA1_32);
	CU_ASSERT_EQUAL(c->n_digest_algorithms, 3);
	CU_ASSERT_EQUAL(c->digest_algorithms[0], DIGEST_ALG_SHA512_256);
	CU_ASSERT_EQUAL(c->digest_algorithms[2], DIGEST_ALG_MD5);
	CU_ASSERT_EQUAL(c->keepalive, 30);
	CU_ASSERT_EQUAL(c->keepalive_method, KEEPALIVE_CRLF);
	CU_ASSERT_EQUAL(c->keepalive_timeout, 10);
	CU_ASSERT_EQUAL(cf->carrier_side.n_listen, 0);
	CU_ASSERT_PTR_NULL(cf->carrier_side.advertised_address);
	CU_ASSERT(!c->path);
	CU_ASSERT_EQUAL(c->dscp, 40);
	CU_ASSERT_EQUAL_FATAL(cf->n_accounts, 1);
	a = cf->accounts[0];
	CU_ASSERT_PTR_EQUAL(a->carrier, c);
	CU_ASSERT_PTR_EQUAL(c->accounts[0], a);
	CU_ASSERT_STRING_EQUAL(a->aor, "sip:alice@a.example");
	CU_ASSERT_STRING_EQUAL(a->username, "alice");
	CU_ASSERT(a->do_register);
	CU_ASSERT_EQUAL(a->expires, 600);
	CU_ASSERT_PTR_NULL(a->phone_password);
	config_free(cf);
	tmp_remove(dir);
}

/* Values as operators write them: BOM, CRLF, comments, spellings. */
static void
test_config_values_are_read_as_written(void)
{
	char		*dir = tmp_make();
	struct config	*cf;

	cf = load_ok(dir, "\xef\xbb\xbf[edge]\r\nlog_level = DEBUG ; loud\r\n"
	    "control_socket_mode = 0600\r\n"
	    "flow_secret = 0123456789abcdef;not-a-comment\r\n"
	    "dns_servers = 192.0.2.1, [2001:db8::1]:5353, 2001:db8::2\r\n"
	    "[phones]\r\n" CERTS "tls_ciphers = ECDHE-RSA-AES256-SHA:"
	    "ECDHE-ECDSA-AES256-SHA, ECDHE-RSA-AES128-SHA\r\n"
	    "tls_min_version = 1.3\r\n" MEDIA,
	    CARRIER_A "tls_verify = OFF\nsrtp = off\n"
	    "server = [2001:DB8::5]:5071\npath = 1\n", NULL);
	CU_ASSERT_FATAL(cf != NULL);
	CU_ASSERT_EQUAL(cf->edge.log_level, LOG_LVL_DEBUG);
	CU_ASSERT_EQUAL(cf->edge.control_socket_mode, 0600);
	CU_ASSERT_EQUAL(cf->edge.flow_secret_len, 30);
	CU_ASSERT_EQUAL_FATAL(cf->edge.n_dns_servers, 3);
	CU_ASSERT_EQUAL(cf->edge.dns_servers[0].addr.ss_family, AF_INET);
	CU_ASSERT_EQUAL(cf->edge.dns_servers[1].addr.ss_family, AF_INET6);
	CU_ASSERT_STRING_EQUAL(cf->edge.dns_servers[2].text, "2001:db8::2");
	CU_ASSERT_STRING_EQUAL(cf->phones.tls_ciphers, "ECDHE-RSA-AES256-SHA:"
	    "ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES128-SHA");
	CU_ASSERT_EQUAL(cf->phones.tls_min_version, TLS1_3_VERSION);
	CU_ASSERT_FATAL(cf->n_carriers == 1);
	CU_ASSERT(!cf->carriers[0]->tls_verify);
	CU_ASSERT(cf->carriers[0]->path);
	/* srtp = off without an explicit profile means plain RTP/AVP. */
	CU_ASSERT_EQUAL(cf->carriers[0]->srtp_profile, SRTP_PROFILE_AVP);
	CU_ASSERT_STRING_EQUAL(cf->carriers[0]->server_host, "2001:db8::5");
	CU_ASSERT_EQUAL(cf->carriers[0]->server_port, 5071);
	config_free(cf);
	tmp_remove(dir);
}

/* Indented lines add entries to a list key. */
static void
test_config_continuation_appends_to_list_key(void)
{
	char		*dir = tmp_make();
	struct config	*cf;

	cf = load_ok(dir, "[phones]\nlisten = tls:127.0.0.1:5061,\n"
	    "\ttls:[::1]:5061\n\n  ; a comment between\n"
	    "  tls:127.0.0.2:5061\n" CERTS MEDIA, NULL, NULL);
	CU_ASSERT_FATAL(cf != NULL);
	CU_ASSERT_EQUAL_FATAL(cf->phones.n_listen, 3);
	CU_ASSERT_STRING_EQUAL(cf->phones.listen[0].text, "tls:127.0.0.1:5061");
	CU_ASSERT_STRING_EQUAL(cf->phones.listen[1].text, "tls:[::1]:5061");
	CU_ASSERT_EQUAL(cf->phones.listen[1].addr.ss_family, AF_INET6);
	CU_ASSERT_STRING_EQUAL(cf->phones.listen[2].text, "tls:127.0.0.2:5061");
	config_free(cf);
	tmp_remove(dir);
}

/* Paths resolve against the directory of the file that names them. */
static void
test_config_relative_paths_resolve_against_naming_file(void)
{
	char		*dir = tmp_make(), *want;
	struct config	*cf;

	mkdir_in(dir, "certs");
	mkdir_in(dir, "carriers");
	copy_to(TEST_DATA_DIR "/edge.crt", dir, "certs/edge.crt");
	write_text(dir, "carriers/x.conf", CARRIER_A "ca_file = "
	    "../certs/edge.crt\n");
	cf = load_ok(dir, "[edge]\ncarriers_dir = carriers\n"
	    "control_socket = run/control.sock\n[phones]\n"
	    "certificate = certs/edge.crt\nprivate_key = $DATA/edge.key\n"
	    MEDIA, NULL, NULL);
	CU_ASSERT_FATAL(cf != NULL);
	xasprintf(&want, "%s/certs/edge.crt", dir);
	CU_ASSERT_STRING_EQUAL(cf->phones.certificate, want);
	free(want);
	xasprintf(&want, "%s/run/control.sock", dir);
	CU_ASSERT_STRING_EQUAL(cf->edge.control_socket, want);
	free(want);
	CU_ASSERT_FATAL(cf->n_carriers == 1);
	xasprintf(&want, "%s/carriers/x.conf", dir);
	CU_ASSERT_STRING_EQUAL(cf->carriers[0]->file, want);
	free(want);
	xasprintf(&want, "%s/carriers/../certs/edge.crt", dir);
	CU_ASSERT_STRING_EQUAL(cf->carriers[0]->ca_file, want);
	free(want);
	config_free(cf);
	tmp_remove(dir);
}

/* Carrier files load in byte order; others in the directory are ignored. */
static void
test_config_carrier_files_load_sorted(void)
{
	char		*dir = tmp_make();
	struct config	*cf;

	write_text(dir, "carriers.d/.hidden.conf", "garbage\n");
	write_text(dir, "carriers.d/notes.txt", "garbage\n");
	write_text(dir, "carriers.d/C.conf", "[carrier upper]\n"
	    "domain = c.example\n");
	cf = load_ok(dir, TAIL, "[carrier b]\ndomain = b.example\n",
	    "[carrier a]\ndomain = a.example\n");
	CU_ASSERT_FATAL(cf != NULL && cf->n_carriers == 3);
	CU_ASSERT_STRING_EQUAL(cf->carriers[0]->name, "upper");
	CU_ASSERT_STRING_EQUAL(cf->carriers[1]->name, "b");	/* a.conf */
	CU_ASSERT_STRING_EQUAL(cf->carriers[2]->name, "a");	/* b.conf */
	config_free(cf);
	tmp_remove(dir);
}

/* A domain finds its carrier by name or alias, in any case. */
static void
test_config_carrier_for_domain_uses_match_domains(void)
{
	char		*dir = tmp_make();
	struct config	*cf;

	cf = load_ok(dir, TAIL, CARRIER_A "match_domains = Alias.Example, "
	    "other.example\n", "[carrier b]\ndomain = b.example\n");
	CU_ASSERT_FATAL(cf != NULL && cf->n_carriers == 2);
	CU_ASSERT_STRING_EQUAL(cf->carriers[0]->match_domains[0],
	    "alias.example");
	CU_ASSERT_PTR_EQUAL(config_carrier_for_domain(cf, "ALIAS.example"),
	    cf->carriers[0]);
	CU_ASSERT_PTR_EQUAL(config_carrier_for_domain(cf, "A.EXAMPLE"),
	    cf->carriers[0]);
	CU_ASSERT_PTR_EQUAL(config_carrier_for_domain(cf, "b.example"),
	    cf->carriers[1]);
	CU_ASSERT_PTR_NULL(config_carrier_for_domain(cf, "c.example"));
	CU_ASSERT_PTR_NULL(config_carrier_for_domain(cf, NULL));
	config_free(cf);
	tmp_remove(dir);
}

/* A listen change needs a restart; a log level change does not. */
static void
test_config_restart_keys_detect_listen_not_log_level(void)
{
	char		*dir = tmp_make();
	struct config	*a, *b;
	const char	*keys[4];

	a = load_ok(dir, "[edge]\nlog_level = info\n" TAIL, NULL, NULL);
	b = load_ok(dir, "[edge]\nlog_level = debug\n[phones]\n"
	    "listen = tls:127.0.0.1:5061\n" CERTS MEDIA, NULL, NULL);
	CU_ASSERT_FATAL(a != NULL && b != NULL);
	CU_ASSERT_EQUAL(config_restart_keys(a, a, keys, nitems(keys)), 0);
	CU_ASSERT_PTR_NULL(keys[0]);
	CU_ASSERT_EQUAL_FATAL(config_restart_keys(a, b, keys, nitems(keys)),
	    1);
	CU_ASSERT_STRING_EQUAL(keys[0], "[phones] listen");
	CU_ASSERT_PTR_NULL(keys[1]);
	CU_ASSERT_EQUAL(config_restart_keys(a, b, keys, 0), 0);
	config_free(a);
	config_free(b);
	tmp_remove(dir);
}

/* [carriers] and the keep-alive keys, as an operator writes them. */
static void
test_config_carrier_listener_and_keepalive_keys_are_read(void)
{
	char			*dir = tmp_make();
	struct config		*cf;
	struct config_carrier	*c;

	cf = load_ok(dir, "[carriers]\nlisten = tls:127.0.0.1:5062,\n"
	    "  tls:[::1]:5062\nadvertised_address = SBC.Example.com:5062\n"
	    TAIL, CARRIER_A "keepalive = 1\nkeepalive_method = OPTIONS\n"
	    "keepalive_timeout = 3\n", NULL);
	CU_ASSERT_FATAL(cf != NULL);
	CU_ASSERT_EQUAL_FATAL(cf->carrier_side.n_listen, 2);
	CU_ASSERT_STRING_EQUAL(cf->carrier_side.listen[0].text,
	    "tls:127.0.0.1:5062");
	CU_ASSERT_EQUAL(cf->carrier_side.listen[1].addr.ss_family, AF_INET6);
	CU_ASSERT_STRING_EQUAL(cf->carrier_side.advertised_address,
	    "SBC.Example.com:5062");
	c = cf->carriers[0];
	CU_ASSERT_EQUAL(c->keepalive, 1);
	CU_ASSERT_EQUAL(c->keepalive_method, KEEPALIVE_OPTIONS);
	CU_ASSERT_EQUAL(c->keepalive_timeout, 3);
	CU_ASSERT_STRING_EQUAL(config_keepalive_method_name(c->keepalive_method),
	    "options");
	config_free(cf);
	tmp_remove(dir);
}

/* Bad [carriers] and keep-alive values name file, line, section and key. */
static void
test_config_carrier_listener_and_keepalive_bad_values(void)
{
	expect_errors("[carriers]\nlisten = udp:127.0.0.1:5062\n"
	    "advertised_address = bad_host:5062\n" TAIL,
	    CARRIER_A "keepalive_method = ping\nkeepalive_timeout = 0\n", NULL,
	    "$DIR/sipedge.conf:2: [carriers] listen: only tls: listeners are "
	    "supported, got \"udp:127.0.0.1:5062\"",
	    "$DIR/sipedge.conf:3: [carriers] advertised_address: not a host "
	    "name: \"bad_host\"",
	    "$DIR/carriers.d/a.conf:3: [carrier a] keepalive_method: expected "
	    "crlf or options, got \"ping\"",
	    "$DIR/carriers.d/a.conf:4: [carrier a] keepalive_timeout: must be "
	    "between 1 and 300", NULL);
	expect_errors("[carriers]\nlisten = tls:localhost:5062\n" TAIL, NULL,
	    NULL, "$DIR/sipedge.conf:2: [carriers] listen: not a numeric IP "
	    "address: \"localhost\"", NULL);
	expect_errors("[carriers]\nname = x\n" TAIL, CARRIER_A "[carriers]\n",
	    NULL, "$DIR/sipedge.conf:2: [carriers] name: unknown key",
	    "$DIR/carriers.d/a.conf:3: [carriers] is only allowed in the main "
	    "file", NULL);
}

/*
 * A carrier listener cannot share the phones' socket, and an advertised
 * address without a listener would send carriers where nothing answers.
 */
static void
test_config_carrier_listener_rules_across_keys(void)
{
	expect_errors("[carriers]\nlisten = tls:127.0.0.1:5061\n" TAIL, NULL,
	    NULL, "$DIR/sipedge.conf:2: [carriers] listen: "
	    "\"tls:127.0.0.1:5061\" is where phones connect ([phones] listen "
	    "\"tls:0.0.0.0:5061\"): carriers need a port of their own", NULL);
	expect_errors("[carriers]\nlisten = tls:[::]:5070\n[phones]\n"
	    "listen = tls:[::1]:5070\n" CERTS MEDIA, NULL, NULL,
	    "$DIR/sipedge.conf:2: [carriers] listen: \"tls:[::]:5070\" is "
	    "where phones connect ([phones] listen \"tls:[::1]:5070\"): "
	    "carriers need a port of their own", NULL);
	expect_errors("[carriers]\nadvertised_address = 192.0.2.1:5062\n"
	    TAIL, NULL, NULL, "$DIR/sipedge.conf:2: [carriers] "
	    "advertised_address: needs listen: without a carrier listener "
	    "nothing answers at that address", NULL);
}

/* [carriers] listen needs a restart; its advertised address does not. */
static void
test_config_restart_keys_include_carrier_listen(void)
{
	char		*dir = tmp_make();
	struct config	*a, *b, *c;
	const char	*keys[4];

	a = load_ok(dir, TAIL, NULL, NULL);
	b = load_ok(dir, "[carriers]\nlisten = tls:127.0.0.1:5062\n" TAIL,
	    NULL, NULL);
	c = load_ok(dir, "[carriers]\nlisten = tls:127.0.0.1:5062\n"
	    "advertised_address = 192.0.2.1\n" TAIL, NULL, NULL);
	CU_ASSERT_FATAL(a != NULL && b != NULL && c != NULL);
	CU_ASSERT_EQUAL_FATAL(config_restart_keys(a, b, keys, nitems(keys)),
	    1);
	CU_ASSERT_STRING_EQUAL(keys[0], "[carriers] listen");
	CU_ASSERT_EQUAL(config_restart_keys(b, c, keys, nitems(keys)), 0);
	config_free(a);
	config_free(b);
	config_free(c);
	tmp_remove(dir);
}

/* The production example loads with test certificates in place. */
static void
test_config_shipped_production_example_loads(void)
{
	char		*dir = tmp_make(), *out, *line = NULL, *text, *tmp;
	size_t		 cap = 0;
	FILE		*fp = fopen(TOP_SRCDIR "/etc/sipedge.conf", "r");
	struct config	*cf;

	CU_ASSERT_FATAL(fp != NULL);
	text = xstrdup("");
	while (getline(&line, &cap, fp) != -1) {
		if (strncmp(line, "certificate", 11) == 0)
			out = "certificate = $DATA/edge.crt\n";
		else if (strncmp(line, "private_key", 11) == 0)
			out = "private_key = $DATA/edge.key\n";
		else if (strcmp(line, "[edge]\n") == 0)
			out = "[edge]\ncarriers_dir = " TOP_SRCDIR
			    "/etc/carriers.d\n";
		else
			out = line;
		xasprintf(&tmp, "%s%s", text, out);
		free(text);
		text = tmp;
	}
	free(line);
	fclose(fp);
	cf = load_ok(dir, text, NULL, NULL);
	free(text);
	CU_ASSERT_FATAL(cf != NULL && cf->n_carriers == 2);
	CU_ASSERT_STRING_EQUAL(cf->carriers[0]->domain, "dus.net");
	CU_ASSERT_STRING_EQUAL(cf->carriers[0]->server_host, "secure.dus.net");
	CU_ASSERT_EQUAL(cf->carriers[0]->server_port, 5061);
	CU_ASSERT_STRING_EQUAL(cf->carriers[1]->domain, "easybell.de");
	CU_ASSERT_STRING_EQUAL(cf->carriers[1]->server_host,
	    "secure.sip.easybell.de");
	CU_ASSERT_EQUAL(cf->carriers[1]->srtp, SRTP_POLICY_MANDATORY);
	config_free(cf);
	tmp_remove(dir);
}

/* Copy etc/dev/NAME into the test directory. */
static void
copy_dev(const char *dir, const char *name)
{
	char	*from, *to;

	xasprintf(&from, "%s/etc/dev/%s", TOP_SRCDIR, name);
	xasprintf(&to, "%s/%s", dir, name);
	copy_file(from, to);
	free(from);
	free(to);
}

/* The development configuration loads once its certificates exist. */
static void
test_config_shipped_dev_example_loads(void)
{
	char		*dir = tmp_make(), *want;
	struct config	*cf;

	mkdir_in(dir, "certs");
	mkdir_in(dir, "carriers.d");
	copy_dev(dir, "sipedge.conf");
	copy_dev(dir, "carriers.d/local.conf");
	copy_to(TEST_DATA_DIR "/edge.crt", dir, "certs/edge.crt");
	copy_to(TEST_DATA_DIR "/edge.key", dir, "certs/edge.key");
	copy_to(TEST_DATA_DIR "/ca.crt", dir, "certs/ca.crt");
	xasprintf(&want, "%s/sipedge.conf", dir);
	cf = config_load(want, NULL);
	free(want);
	CU_ASSERT_FATAL(cf != NULL);
	CU_ASSERT_EQUAL(cf->phones.n_listen, 2);
	xasprintf(&want, "%s/run/control.sock", dir);
	CU_ASSERT_STRING_EQUAL(cf->edge.control_socket, want);
	free(want);
	CU_ASSERT_EQUAL(cf->edge.control_socket_mode, 0666);
	CU_ASSERT_FATAL(cf->n_carriers == 1);
	CU_ASSERT_STRING_EQUAL(cf->carriers[0]->domain, "carrier.test");
	CU_ASSERT_STRING_EQUAL(cf->carriers[0]->tls_verify_name,
	    "carrier.test");
	xasprintf(&want, "%s/carriers.d/../certs/ca.crt", dir);
	CU_ASSERT_STRING_EQUAL(cf->carriers[0]->ca_file, want);
	free(want);
	config_free(cf);
	tmp_remove(dir);
}

/* The error line format, with and without section and key. */
static void
test_config_error_str_format(void)
{
	struct config_error	 e = { "f.conf", 12, "carrier x", "domain",
				    "missing required key" };
	char			*s;

	s = config_error_str(&e);
	CU_ASSERT_STRING_EQUAL(s, "f.conf:12: [carrier x] domain: missing "
	    "required key");
	free(s);
	e.key = NULL;
	s = config_error_str(&e);
	CU_ASSERT_STRING_EQUAL(s, "f.conf:12: [carrier x]: missing required "
	    "key");
	free(s);
	e.section = NULL;
	e.line = 0;
	e.message = "cannot open: No such file or directory";
	s = config_error_str(&e);
	CU_ASSERT_STRING_EQUAL(s, "f.conf:0: cannot open: No such file or "
	    "directory");
	free(s);
}

/* Enum names and their parsers agree; suites are case-sensitive. */
static void
test_config_names_round_trip(void)
{
	const struct sdes_suite_info	*si;
	enum sdes_suite			 s;
	enum digest_alg			 a;
	int				 i, n = 0;

	for (i = 0; i < SDES_SUITE_COUNT; i++) {
		if ((si = sdes_suite_info((enum sdes_suite)i)) == NULL ||
		    !si->supported) {
			CU_ASSERT_EQUAL(config_srtp_suite_parse(
			    config_srtp_suite_name(i), &s), -1);
			continue;
		}
		CU_ASSERT_EQUAL(config_srtp_suite_parse(
		    config_srtp_suite_name(i), &s), 0);
		CU_ASSERT_EQUAL((int)s, i);
		n++;
	}
	CU_ASSERT_EQUAL(n, 6);		/* the six suites the relay keys */
	/* An alias is for SDP, not for the configuration. */
	CU_ASSERT_EQUAL(config_srtp_suite_parse("AES_CM_256_HMAC_SHA1_80", &s),
	    -1);
	for (i = DIGEST_ALG_MD5; i < DIGEST_ALG_COUNT; i++) {
		CU_ASSERT_EQUAL(config_digest_alg_parse(
		    config_digest_alg_name(i), &a), 0);
		CU_ASSERT_EQUAL((int)a, i);
	}
	CU_ASSERT_EQUAL(config_srtp_suite_parse("aes_cm_128_hmac_sha1_80", &s),
	    -1);
	CU_ASSERT_EQUAL(config_digest_alg_parse("sha-512-256-SESS", &a), 0);
	CU_ASSERT_EQUAL(a, DIGEST_ALG_SHA512_256_SESS);
	CU_ASSERT_STRING_EQUAL(config_srtp_policy_name(SRTP_POLICY_OFF), "off");
	CU_ASSERT_STRING_EQUAL(config_srtp_profile_name(SRTP_PROFILE_AVP),
	    "RTP/AVP");
	CU_ASSERT_STRING_EQUAL(config_digest_pick_name(DIGEST_PICK_RFC8760),
	    "rfc8760");
	CU_ASSERT_STRING_EQUAL(config_sdp_shape_name(SDP_SHAPE_SAVP_AVP),
	    "savp+avp");
	CU_ASSERT_STRING_EQUAL(config_srtp_suite_name(SDES_SUITE_COUNT),
	    "unknown");
	config_free(NULL);
}

void
test_config_register(void)
{
	CU_pSuite	s = unit_suite("config");

	UNIT_TEST(s, test_config_unknown_key_names_its_line);
	UNIT_TEST(s, test_config_unknown_section_says_what_is_expected);
	UNIT_TEST(s, test_config_bad_number_is_quoted);
	UNIT_TEST(s, test_config_number_out_of_range_gives_the_range);
	UNIT_TEST(s, test_config_bad_bool_expects_yes_or_no);
	UNIT_TEST(s, test_config_bad_log_level_lists_levels);
	UNIT_TEST(s, test_config_inverted_port_range_names_both_ports);
	UNIT_TEST(s, test_config_port_range_of_one_port_is_refused);
	UNIT_TEST(s, test_config_duplicate_key_names_first_line);
	UNIT_TEST(s, test_config_duplicate_carrier_domain_names_other_carrier);
	UNIT_TEST(s, test_config_match_domain_of_other_carrier_is_refused);
	UNIT_TEST(s, test_config_duplicate_carrier_name_across_files);
	UNIT_TEST(s, test_config_two_carriers_in_one_file_are_refused);
	UNIT_TEST(s, test_config_carrier_file_without_carrier_is_refused);
	UNIT_TEST(s, test_config_section_without_name_is_refused);
	UNIT_TEST(s, test_config_sections_in_the_wrong_file_are_refused);
	UNIT_TEST(s, test_config_account_aor_outside_carrier_domains);
	UNIT_TEST(s, test_config_duplicate_account_aor_or_name_is_refused);
	UNIT_TEST(s, test_config_missing_required_keys);
	UNIT_TEST(s, test_config_missing_section_reports_line_zero);
	UNIT_TEST(s, test_config_missing_certificate_file);
	UNIT_TEST(s, test_config_certificate_key_mismatch);
	UNIT_TEST(s, test_config_expired_certificate_is_refused);
	UNIT_TEST(s, test_config_non_pem_certificate);
	UNIT_TEST(s, test_config_listen_other_scheme_is_refused);
	UNIT_TEST(s, test_config_listen_bad_address);
	UNIT_TEST(s, test_config_weak_group_is_refused);
	UNIT_TEST(s, test_config_unknown_group_is_refused);
	UNIT_TEST(s, test_config_bad_cipher_list_is_refused);
	UNIT_TEST(s, test_config_unknown_srtp_suite_lists_known_ones);
	UNIT_TEST(s, test_config_unknown_digest_algorithm_lists_known_ones);
	UNIT_TEST(s, test_config_carrier_transport_udp_is_refused);
	UNIT_TEST(s, test_config_srtp_off_with_savp_profile_is_refused);
	UNIT_TEST(s, test_config_short_flow_secret_is_refused);
	UNIT_TEST(s, test_config_line_too_long_is_refused_not_cut);
	UNIT_TEST(s, test_config_syntax_errors_name_their_lines);
	UNIT_TEST(s, test_config_continuation_of_scalar_key_is_refused);
	UNIT_TEST(s, test_config_empty_list_entry_is_refused);
	UNIT_TEST(s, test_config_more_bad_values);
	UNIT_TEST(s, test_config_key_outside_section);
	UNIT_TEST(s, test_config_missing_main_file);
	UNIT_TEST(s, test_config_explicit_carriers_dir_must_exist);
	UNIT_TEST(s, test_config_reports_all_errors_in_one_load);
	UNIT_TEST(s, test_config_secrets_never_appear_in_errors);
	UNIT_TEST(s, test_config_defaults_are_applied);
	UNIT_TEST(s, test_config_values_are_read_as_written);
	UNIT_TEST(s, test_config_continuation_appends_to_list_key);
	UNIT_TEST(s, test_config_relative_paths_resolve_against_naming_file);
	UNIT_TEST(s, test_config_carrier_files_load_sorted);
	UNIT_TEST(s, test_config_carrier_for_domain_uses_match_domains);
	UNIT_TEST(s, test_config_restart_keys_detect_listen_not_log_level);
	UNIT_TEST(s, test_config_carrier_listener_and_keepalive_keys_are_read);
	UNIT_TEST(s, test_config_carrier_listener_and_keepalive_bad_values);
	UNIT_TEST(s, test_config_carrier_listener_rules_across_keys);
	UNIT_TEST(s, test_config_restart_keys_include_carrier_listen);
	UNIT_TEST(s, test_config_shipped_production_example_loads);
	UNIT_TEST(s, test_config_shipped_dev_example_loads);
	UNIT_TEST(s, test_config_error_str_format);
	UNIT_TEST(s, test_config_names_round_trip);
}
