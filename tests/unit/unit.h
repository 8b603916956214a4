/* unit.h: each test_MODULE.c registers its CUnit suite through one function. */
#ifndef SIPEDGE_UNIT_H
#define SIPEDGE_UNIT_H

#include <CUnit/CUnit.h>

void	test_config_register(void);
void	test_profile_register(void);
void	test_log_register(void);
void	test_util_register(void);
void	test_ctl_register(void);
void	test_sip_frame_register(void);
void	test_flow_register(void);
void	test_auth_local_register(void);
void	test_sip_msg_register(void);
void	test_tls_name_register(void);
void	test_rfc3263_register(void);
void	test_dns_register(void);
void	test_sip_hdr_register(void);
void	test_sip_contact_register(void);
void	test_sip_out_register(void);
void	test_proxy_register_register(void);
void	test_proxy_digest_register(void);
void	test_txn_register(void);
void	test_registrar_register(void);
void	test_dialog_register(void);
void	test_digest_register(void);
void	test_account_register(void);
void	test_digest_client_register(void);
void	test_sdes_register(void);
void	test_sdp_register(void);
void	test_media_register(void);
void	test_srtp_ossl_register(void);
void	test_relay_register(void);

/* Add a suite or abort the run: a missing suite must never pass silently. */
CU_pSuite	unit_suite(const char *name);
#define UNIT_TEST(suite, fn)	unit_add((suite), #fn, (fn))
void		unit_add(CU_pSuite, const char *, CU_TestFunc);

#endif
