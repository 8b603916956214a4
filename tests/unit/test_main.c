/* test_main.c: runs every unit suite; exit status is the number of failures. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "log.h"
#include "unit.h"

/* Add a suite or abort. */
CU_pSuite
unit_suite(const char *name)
{
	CU_pSuite	s = CU_add_suite(name, NULL, NULL);

	if (s == NULL) {
		fprintf(stderr, "CU_add_suite %s: %s\n", name, CU_get_error_msg());
		exit(2);
	}
	return s;
}

/* Add a test or abort. */
void
unit_add(CU_pSuite s, const char *name, CU_TestFunc fn)
{
	if (CU_add_test(s, name, fn) == NULL) {
		fprintf(stderr, "CU_add_test %s: %s\n", name, CU_get_error_msg());
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	unsigned	failed;

	/*
	 * A hung test must fail the run, not stall CI: the whole suite takes
	 * well under a second, so ten minutes means something is stuck.
	 */
	alarm(600);
	/* Tests provoke errors on purpose; keep their log lines out of the way. */
	log_init("unit");
	log_set_level(getenv("UNIT_LOG") ? LOG_LVL_DEBUG :
	    (enum log_level)(LOG_LVL_ERROR - 1));
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	test_log_register();
	test_util_register();
	test_config_register();
	test_profile_register();
	test_ctl_register();
	test_sip_frame_register();
	test_flow_register();
	test_auth_local_register();
	test_sip_msg_register();
	test_tls_name_register();
	test_rfc3263_register();
	test_dns_register();
	test_sip_hdr_register();
	test_sip_contact_register();
	test_sip_out_register();
	test_proxy_register_register();
	test_proxy_digest_register();
	test_txn_register();
	test_registrar_register();
	test_dialog_register();
	test_digest_register();
	test_account_register();
	test_digest_client_register();
	test_sdes_register();
	test_sdp_register();
	test_media_register();
	test_srtp_ossl_register();
	test_relay_register();
	CU_basic_set_mode(argc > 1 && strcmp(argv[1], "-v") == 0 ?
	    CU_BRM_VERBOSE : CU_BRM_NORMAL);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
