"""Carriers: RFC 3263 resolution through a real DNS server (dnsmasq),
RFC 5922 verification by SIP domain, failover, keep-alives and
reconnection after the carrier comes back."""
import re
import socket
import time
import unittest

from edge import Edge, certs, wait_for
from peers import Dnsmasq, StandInCarrier

CARRIER_BY_DOMAIN = """\
[carrier test]
domain = carrier.test
ca_file = {certs}/ca.crt
keepalive = {keepalive}
"""


def split_stream(data):
    """What a peer received, in order: ("ping", CRLFCRLF), ("crlf", CRLF),
    ("sip", a whole message framed by its Content-Length) or ("partial",
    the rest)."""
    items = []
    while data:
        if data.startswith(b"\r\n\r\n"):
            items.append(("ping", data[:4]))
            data = data[4:]
        elif data.startswith(b"\r\n"):
            items.append(("crlf", data[:2]))
            data = data[2:]
        else:
            end = data.find(b"\r\n\r\n")
            if end < 0:
                items.append(("partial", data))
                break
            m = re.search(rb"(?im)^(?:content-length|l)[ \t]*:[ \t]*(\d+)", data[:end])
            n = end + 4 + (int(m.group(1)) if m else 0)
            items.append(("sip", data[:n]))
            data = data[n:]
    return items


class CarrierResolution(unittest.TestCase):
    def setUp(self):
        self.carrier = StandInCarrier().start()
        self.addCleanup(self.carrier.stop)

    def dns(self, carrier_port, extra=()):
        # NAPTR -> SRV (_sips._tcp) -> A: the target host is not the domain.
        d = Dnsmasq([
            "--naptr-record=carrier.test,10,10,S,SIPS+D2T,,_sips._tcp.carrier.test",
            "--naptr-record=carrier.test,20,10,S,SIP+D2U,,_sip._udp.carrier.test",
            "--srv-host=_sips._tcp.carrier.test,sip1.carrier.test,%d,10,0" % carrier_port,
            "--host-record=sip1.carrier.test,127.0.0.1",
        ] + list(extra))
        self.addCleanup(d.stop)
        return d

    def edge(self, dns, keepalive=30):
        e = Edge(carriers={}, edge_extra="dns_servers = 127.0.0.1:%d\n" % dns.port)
        e.write_carrier("test", None, CARRIER_BY_DOMAIN.format(certs=certs(),
                                                               keepalive=keepalive))
        self.addCleanup(e.close)
        return e.start()

    def carrier_state(self, edge, state, timeout=10):
        def check():
            items = edge.json("carriers")["items"]
            return items[0] if items and items[0]["state"] == state else None
        return wait_for(check, timeout, 0.1)

    def test_naptr_srv_chain_connects_and_verifies_by_domain(self):
        dns = self.dns(self.carrier.port)
        edge = self.edge(dns)
        c = self.carrier_state(edge, "connected")
        self.assertIsNotNone(c, edge.json("carriers"))
        self.assertEqual(c["verified_name"], "carrier.test")
        self.assertEqual(c["target"], "sip1.carrier.test 127.0.0.1:%d" % self.carrier.port)
        self.assertEqual(c["targets"][0]["host"], "sip1.carrier.test")
        self.assertIsNone(c["last_error"])
        q = dns.queries()
        self.assertIn("carrier.test", q)
        self.assertIn("_sips._tcp.carrier.test", q)
        conns = [x for x in edge.json("connections")["items"] if x["side"] == "carrier"]
        self.assertEqual(len(conns), 1)
        self.assertEqual(conns[0]["carrier"], "test")
        self.assertEqual(conns[0]["sni"], "carrier.test")   # SNI names the SIP domain

    def test_certificate_naming_only_the_srv_target_is_refused(self):
        self.carrier.stop()
        self.carrier = StandInCarrier(cert="srvtarget").start()
        dns = self.dns(self.carrier.port)
        edge = self.edge(dns)
        c = self.carrier_state(edge, "failed")
        self.assertIsNotNone(c, edge.json("carriers"))
        self.assertIn("certificate refused", c["last_error"])
        self.assertIn("sip1.carrier.test", c["last_error"])
        self.assertIn("carrier.test", c["last_error"])
        self.assertIsNone(c["verified_name"])
        rc, out, err = edge.ctl("carriers", as_json=False)
        self.assertIn("failed", out)
        self.assertIn("certificate refused", out)

    def test_certificate_from_another_ca_is_refused(self):
        self.carrier.stop()
        self.carrier = StandInCarrier(cert="foreign").start()
        dns = self.dns(self.carrier.port)
        edge = self.edge(dns)
        c = self.carrier_state(edge, "failed")
        self.assertIsNotNone(c, edge.json("carriers"))
        self.assertIn("certificate refused", c["last_error"])
        self.assertTrue(edge.wait_log("unable to get local issuer certificate"))

    def test_failover_to_second_srv_target(self):
        dead_port = self.carrier.port + 1 if self.carrier.port < 65000 else 1025
        dns = self.dns(self.carrier.port, extra=[
            "--srv-host=_sips._tcp.carrier.test,sip0.carrier.test,%d,5,0" % dead_port,
            "--host-record=sip0.carrier.test,127.0.0.1"])
        edge = self.edge(dns)
        c = self.carrier_state(edge, "connected")
        self.assertIsNotNone(c, edge.json("carriers"))
        self.assertEqual(c["targets"][0]["host"], "sip0.carrier.test")
        self.assertTrue(c["target"].startswith("sip1.carrier.test"))

    def test_carrier_restart_ends_in_reconnection_without_edge_restart(self):
        dns = self.dns(self.carrier.port)
        edge = self.edge(dns)
        self.assertIsNotNone(self.carrier_state(edge, "connected"))
        pid = edge.proc.pid
        first_port = self.carrier.peer_ports[-1]
        self.carrier.stop()
        self.assertIsNotNone(self.carrier_state(edge, "backoff"))
        self.carrier = StandInCarrier(port=self.carrier.port).start()
        c = self.carrier_state(edge, "connected", timeout=15)
        self.assertIsNotNone(c, edge.json("carriers"))
        self.assertEqual(c["connects"], 2)
        self.assertEqual(edge.status()["pid"], pid)
        # From the same local port: what the carrier's bindings name.
        self.assertEqual(self.carrier.peer_ports, [first_port])
        self.assertEqual(c["local_port"], first_port)

    def test_reconnect_falls_back_to_any_port_when_the_old_one_is_taken(self):
        dns = self.dns(self.carrier.port)
        edge = self.edge(dns)
        self.assertIsNotNone(self.carrier_state(edge, "connected"))
        first_port = self.carrier.peer_ports[-1]
        self.carrier.stop()
        self.assertIsNotNone(self.carrier_state(edge, "backoff"))
        squatter = socket.socket()          # someone else listens there now
        self.addCleanup(squatter.close)
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", first_port))
        squatter.listen(1)
        self.carrier = StandInCarrier(port=self.carrier.port).start()
        c = self.carrier_state(edge, "connected", timeout=15)
        self.assertIsNotNone(c, edge.json("carriers"))
        self.assertNotEqual(self.carrier.peer_ports, [first_port])
        self.assertTrue(edge.wait_log("bind to local port %d" % first_port))
        self.assertTrue(edge.wait_log("reconnected from another local port"))

    def test_keepalive_pings_reach_the_carrier(self):
        dns = self.dns(self.carrier.port)
        edge = self.edge(dns, keepalive=5)
        self.assertIsNotNone(self.carrier_state(edge, "connected"))
        # A CRLFCRLF of its own between messages, not the end of a header
        # block (an OPTIONS keep-alive ends in one too).
        self.assertTrue(wait_for(lambda: "ping" in [k for k, _ in
                                                    split_stream(self.carrier.received)], 8),
                        split_stream(self.carrier.received))
        # The stand-in pongs; the edge takes that as the carrier answering.
        self.assertTrue(edge.wait_log("carrier test: answers keep-alive pings"))
        time.sleep(0.5)
        self.assertEqual(edge.json("carriers")["items"][0]["state"], "connected")

    def test_a_refused_connection_is_named_so_not_a_handshake_failure(self):
        # A port nothing listens on: the TCP connect is refused, and the
        # edge says so instead of blaming a TLS handshake that never began.
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        e = Edge(carriers={})
        e.write_carrier("down", None, "[carrier down]\ndomain = down.test\n"
                        "server = 127.0.0.1:%d\n" % port)
        self.addCleanup(e.close)
        e.start()
        c = self.carrier_state(e, "backoff")
        self.assertIsNotNone(c, e.json("carriers"))
        self.assertIn("connect: Connection refused", c["last_error"])
        self.assertNotIn("handshake", c["last_error"])

    def test_unknown_domain_backs_off_with_dns_error(self):
        dns = self.dns(self.carrier.port)
        e = Edge(carriers={}, edge_extra="dns_servers = 127.0.0.1:%d\n" % dns.port)
        e.write_carrier("nowhere", None, "[carrier nowhere]\ndomain = nowhere.test\n")
        self.addCleanup(e.close)
        e.start()
        c = self.carrier_state(e, "backoff")
        self.assertIsNotNone(c, e.json("carriers"))
        self.assertIn("nowhere.test", c["last_error"])
        self.assertIsNone(e.proc.poll())


class CarrierRequests(unittest.TestCase):
    def test_carrier_options_over_its_connection_gets_200(self):
        carrier = StandInCarrier().start()
        self.addCleanup(carrier.stop)
        e = Edge(carriers={})
        e.write_carrier("test", None, "[carrier test]\ndomain = carrier.test\n"
                        "server = 127.0.0.1:%d\ntls_verify_name = carrier.test\n"
                        "ca_file = %s/ca.crt\n" % (carrier.port, certs()))
        self.addCleanup(e.close)
        e.start()
        self.assertTrue(wait_for(lambda: carrier.connections == 1, 10))
        c = e.json("carriers")["items"][0]
        self.assertEqual(c["verified_name"], "carrier.test")
        self.assertEqual(c["target"], "127.0.0.1:%d" % carrier.port)
        carrier.send(b"OPTIONS sip:127.0.0.1 SIP/2.0\r\n"
                     b"Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK-carrier-1\r\n"
                     b"Max-Forwards: 70\r\nFrom: <sip:ping@carrier.test>;tag=c1\r\n"
                     b"To: <sip:127.0.0.1>\r\nCall-ID: carrier-opt-1\r\n"
                     b"CSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n")
        self.assertTrue(wait_for(lambda: b"SIP/2.0 200 OK" in carrier.received, 5))
        self.assertIn(b"Call-ID: carrier-opt-1", carrier.received)

    def test_tls_verify_name_overrides_the_domain(self):
        carrier = StandInCarrier(cert="srvtarget").start()
        self.addCleanup(carrier.stop)
        e = Edge(carriers={})
        e.write_carrier("test", None, "[carrier test]\ndomain = carrier.test\n"
                        "server = 127.0.0.1:%d\ntls_verify_name = sip1.carrier.test\n"
                        "ca_file = %s/ca.crt\n" % (carrier.port, certs()))
        self.addCleanup(e.close)
        e.start()
        def connected():
            c = e.json("carriers")["items"][0]
            return c if c["state"] == "connected" else None
        c = wait_for(connected, 10)
        self.assertIsNotNone(c, e.json("carriers"))
        self.assertEqual(c["verified_name"], "sip1.carrier.test")
