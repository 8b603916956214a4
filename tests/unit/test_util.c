/* test_util.c: address and path helpers used by the config loader. */
#include "config.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "util.h"

/* HOST:PORT, [V6]:PORT, bare V6 and bare host split as operators write them. */
static void
test_util_hostport_accepts_v4_v6_and_names(void)
{
	char		 host[256];
	uint16_t	 port;
	const char	*why;

	CU_ASSERT_EQUAL(hostport_split("127.0.0.1:5061", host, sizeof(host),
	    &port, &why), 0);
	CU_ASSERT_STRING_EQUAL(host, "127.0.0.1");
	CU_ASSERT_EQUAL(port, 5061);
	CU_ASSERT_EQUAL(hostport_split("[::1]:5062", host, sizeof(host),
	    &port, &why), 0);
	CU_ASSERT_STRING_EQUAL(host, "::1");
	CU_ASSERT_EQUAL(port, 5062);
	CU_ASSERT_EQUAL(hostport_split("2001:db8::5", host, sizeof(host),
	    &port, &why), 0);
	CU_ASSERT_STRING_EQUAL(host, "2001:db8::5");
	CU_ASSERT_EQUAL(port, 0);
	CU_ASSERT_EQUAL(hostport_split("secure.dus.net", host, sizeof(host),
	    &port, &why), 0);
	CU_ASSERT_STRING_EQUAL(host, "secure.dus.net");
	CU_ASSERT_EQUAL(port, 0);
}

/* Bad ports and brackets are refused with a reason. */
static void
test_util_hostport_refuses_bad_ports(void)
{
	char		 host[64];
	uint16_t	 port;
	const char	*why;
	const char	*bad[] = { "h:0", "h:65536", "h:", "h:5x", "[::1", "[::1]x",
	    ":5061", "" };
	size_t		 i;

	for (i = 0; i < nitems(bad); i++) {
		why = NULL;
		CU_ASSERT_EQUAL(hostport_split(bad[i], host, sizeof(host),
		    &port, &why), -1);
		CU_ASSERT_PTR_NOT_NULL(why);
	}
}

/* Numeric addresses become sockaddrs that print back the same. */
static void
test_util_sockaddr_round_trip(void)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	char			buf[64];

	CU_ASSERT_EQUAL(sockaddr_from("127.0.0.1", 5061, &ss, &len), 0);
	CU_ASSERT_EQUAL(len, sizeof(struct sockaddr_in));
	CU_ASSERT_STRING_EQUAL(sockaddr_str((struct sockaddr *)&ss, buf,
	    sizeof(buf)), "127.0.0.1:5061");
	CU_ASSERT_EQUAL(sockaddr_from("::1", 5061, &ss, &len), 0);
	CU_ASSERT_STRING_EQUAL(sockaddr_str((struct sockaddr *)&ss, buf,
	    sizeof(buf)), "[::1]:5061");
	CU_ASSERT_EQUAL(sockaddr_from("localhost", 5061, &ss, &len), -1);
}

/*
 * SDP connection addresses: IPv4-mapped IPv6 is the IPv4 peer it stands
 * for, the unspecified addresses are holds, a name is no address.
 */
static void
test_util_sdp_addresses_and_holds(void)
{
	struct sockaddr_storage	ss;
	bool			hold;
	char			buf[64];

	CU_ASSERT_EQUAL(sockaddr_sdp("192.0.2.7", 4000, &ss, &hold), AF_INET);
	CU_ASSERT_FALSE(hold);
	CU_ASSERT_EQUAL(sockaddr_sdp("::ffff:192.0.2.7", 4002, &ss, &hold),
	    AF_INET);
	CU_ASSERT_FALSE(hold);
	CU_ASSERT_STRING_EQUAL(sockaddr_str((struct sockaddr *)&ss, buf,
	    sizeof(buf)), "192.0.2.7:4002");
	CU_ASSERT_EQUAL(sockaddr_sdp("2001:db8::7", 4004, &ss, &hold),
	    AF_INET6);
	CU_ASSERT_FALSE(hold);
	CU_ASSERT_STRING_EQUAL(sockaddr_str((struct sockaddr *)&ss, buf,
	    sizeof(buf)), "[2001:db8::7]:4004");
	CU_ASSERT_EQUAL(sockaddr_sdp("0.0.0.0", 4000, &ss, &hold), AF_INET);
	CU_ASSERT_TRUE(hold);
	CU_ASSERT_EQUAL(sockaddr_sdp("::", 4000, &ss, &hold), AF_INET6);
	CU_ASSERT_TRUE(hold);
	CU_ASSERT_EQUAL(sockaddr_sdp("::ffff:0.0.0.0", 4000, &ss, &hold),
	    AF_INET);
	CU_ASSERT_TRUE(hold);
	CU_ASSERT_EQUAL(sockaddr_sdp("phone.example", 4000, &ss, &hold), 0);
	CU_ASSERT_FALSE(hold);
}

/* Relative paths resolve against the naming file's directory. */
static void
test_util_relative_path_resolves_against_file(void)
{
	char	*p;

	p = path_resolve("/etc/sipedge/carriers.d/x.conf", "ca.pem");
	CU_ASSERT_STRING_EQUAL(p, "/etc/sipedge/carriers.d/ca.pem");
	free(p);
	p = path_resolve("/etc/sipedge/sipedge.conf", "/abs/ca.pem");
	CU_ASSERT_STRING_EQUAL(p, "/abs/ca.pem");
	free(p);
	p = path_resolve("sipedge.conf", "tls/edge.crt");
	CU_ASSERT_STRING_EQUAL(p, "./tls/edge.crt");
	free(p);
}

/* Trimming removes surrounding white space only. */
static void
test_util_trim(void)
{
	char	s[] = "  a b \t\n";

	CU_ASSERT_STRING_EQUAL(str_trim(s), "a b");
}

void
test_util_register(void)
{
	CU_pSuite	s = unit_suite("util");

	UNIT_TEST(s, test_util_hostport_accepts_v4_v6_and_names);
	UNIT_TEST(s, test_util_hostport_refuses_bad_ports);
	UNIT_TEST(s, test_util_sockaddr_round_trip);
	UNIT_TEST(s, test_util_sdp_addresses_and_holds);
	UNIT_TEST(s, test_util_relative_path_resolves_against_file);
	UNIT_TEST(s, test_util_trim);
}
