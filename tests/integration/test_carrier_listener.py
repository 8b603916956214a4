"""The carrier side as a real carrier sees it: the edge's carrier listener
([carriers] listen), the address Contact, Record-Route and Via name towards
carriers, who may connect to it (by address, and by client certificate
where the carrier file has a CA), and keep-alives that do not drop trunks
which never answer a ping."""
import re
import signal
import socket
import ssl
import time
import unittest

from baresip import Baresip
from edge import Edge, certs, free_port, wait_for
from kamailio import Kamailio
from sipua import ScriptedCarrier, TlsPhone, in_dialog, request, response, uri_of

CARRIER_CONF = """[carrier test]
domain = carrier.test
server = 127.0.0.1:{port}
tls_verify_name = carrier.test
ca_file = {certs}/ca.crt
"""

# Without ca_file no client certificate is asked for; the test CA is not in
# the system store, so the edge's own check of the carrier is off too.
CARRIER_CONF_NO_CA = """[carrier test]
domain = carrier.test
server = 127.0.0.1:{port}
tls_verify = no
"""


def hostport(uri):
    """(host, port) of a sip: URI with a user part and a port."""
    m = re.match(r"sips?:[^@]+@(\[[^\]]+\]|[^:;>]+):(\d+)", uri)
    return m.group(1), int(m.group(2))


def sent_by(via):
    """(host, port) of a Via value."""
    m = re.match(r"SIP/2\.0/TLS\s+(\[[^\]]+\]|[^:;\s]+):(\d+)", via)
    return m.group(1), int(m.group(2))


class ListenerCase(unittest.TestCase):
    """A scripted carrier and an edge with a carrier listener on loopback."""
    carrier_conf = CARRIER_CONF
    carrier_extra = ""
    log_level = "info"
    listen = True
    pong_limit = None

    def setUp(self):
        self.carrier = ScriptedCarrier(pong_limit=self.pong_limit).start()
        self.addCleanup(self.carrier.stop)
        self.lport = free_port()
        self.edge = Edge(carriers={}, log_level=self.log_level,
                         carriers_extra="listen = tls:127.0.0.1:%d\n" % self.lport
                         if self.listen else "")
        self.edge.write_carrier("test", None, self.carrier_conf.format(
            port=self.carrier.port, certs=certs()) + self.carrier_extra)
        self.addCleanup(self.edge.close)
        self.edge.start()
        self.carrier.wait_connected(self.edge)
        self.assertTrue(wait_for(lambda: self.carrier_item()["state"] == "connected", 10))

    def carrier_item(self):
        return self.edge.json("carriers")["items"][0]

    def phone(self):
        p = TlsPhone(self.edge.port)
        self.addCleanup(p.close)
        return p

    def registered_phone(self):
        p = self.phone()
        p.register()
        p.expect_response("REGISTER", 200)
        return p

    def connect(self, **kw):
        """A connection of the carrier's own to the carrier listener."""
        s = self.carrier.connect(self.lport, **kw)
        self.addCleanup(s.close)
        return s

    def refused(self, **kw):
        """True if the edge does not keep a connection we open: the TCP or
        TLS handshake fails, or (TLS 1.3 sends the client certificate after
        the client is done) the connection closes right after it."""
        try:
            s = self.connect(**kw)
        except (ssl.SSLError, OSError):
            return True
        return wait_for(lambda: s.closed, 5)

    def usable(self, stream):
        """The edge answers an OPTIONS to itself on this connection."""
        stream.send(self.carrier.req("OPTIONS", "sip:127.0.0.1:%d;transport=tls" % self.lport,
                                     "sip:ping@carrier.test", "sip:127.0.0.1"))
        return stream.expect_response("OPTIONS", 200).status == 200

    def carrier_conns(self):
        return [c for c in self.edge.json("connections")["items"] if c["side"] == "carrier"]


class ContactNamesTheListener(ListenerCase):
    def test_register_contact_and_via_name_the_listener_not_the_ephemeral_port(self):
        p = self.phone()
        p.register()
        reg = self.carrier.stream.expect_request("REGISTER")
        ephemeral = self.carrier.stream.sock.getpeername()[1]
        self.assertNotEqual(ephemeral, self.lport)
        self.assertEqual(hostport(uri_of(reg.get("Contact"))), ("127.0.0.1", self.lport))
        self.assertEqual(sent_by(reg.get_all("Via")[0]), ("127.0.0.1", self.lport))
        p.expect_response("REGISTER", 200)

    def test_carrier_reaches_phone_over_its_own_connection_after_dropping_the_edges(self):
        p = self.registered_phone()
        aor = "sip:alice@carrier.test"
        contact = self.carrier.bindings[aor]
        self.assertEqual(hostport(contact)[1], self.lport)
        # The carrier drops the edge's connection; the address it was given
        # still answers, on a connection the carrier opens itself.
        self.carrier.stream.close()
        self.assertTrue(wait_for(lambda: "connection to 127.0.0.1:%d lost" % self.carrier.port
                                 in self.edge.log(), 5), self.edge.log()[-2000:])
        own = self.connect(host=hostport(contact)[0], cert="carrier")
        inv = self.carrier.req("INVITE", contact, "sip:+4930123@carrier.test", aor,
                               call_id="own-1",
                               contact="<sip:gw@127.0.0.1:%d;transport=tls>" % self.carrier.port,
                               extra=[("Record-Route", "<sip:127.0.0.1:%d;transport=tls;lr>"
                                       % self.carrier.port)])
        own.send(inv)
        own.expect_response("INVITE", 100)
        pinv = p.expect_request("INVITE")
        self.assertEqual(pinv.ruri, p.contact_uri)
        self.assertEqual(pinv.call_id, "own-1")
        p.send(response(pinv, 180, "Ringing", to_tag="ph"))
        self.assertEqual(own.expect_response("INVITE", 180).call_id, "own-1")
        p.send(response(pinv, 200, "OK", to_tag="ph", extra=[("Contact", "<%s>" % p.contact_uri)]))
        ok = own.expect_response("INVITE", 200)
        # The edge's Record-Route entry facing the carrier names the listener.
        rr = [uri_of(v) for v in ok.get_all("Record-Route")]
        mine = [u for u in rr if "sipedge=c-test" in u]
        self.assertEqual(len(mine), 1, rr)
        self.assertIn("sip:127.0.0.1:%d;" % self.lport, mine[0])
        # The ACK on the carrier's connection follows it to the phone.
        route = list(reversed(rr))[1:]
        own.send(in_dialog("ACK", ok, route, p.contact_uri,
                           ("sip:+4930123@carrier.test", ok.tag("From")),
                           (aor, ok.tag("To")), "own-1", 1,
                           via_host="127.0.0.1", via_port=self.carrier.port))
        self.assertEqual(p.expect_request("ACK").call_id, "own-1")
        conns = [c for c in self.carrier_conns()
                 if c["peer"] == "127.0.0.1:%d" % own.sock.getsockname()[1]]
        self.assertEqual(len(conns), 1, self.carrier_conns())
        self.assertEqual(conns[0]["carrier"], "test")
        self.assertEqual(self.carrier_item()["inbound_connections"], 1)
        self.assertEqual(self.edge.json("calls")["items"][0]["state"], "confirmed")


    def test_phone_calls_out_over_the_carriers_connection_while_the_edge_reconnects(self):
        p = self.registered_phone()
        # The carrier stops taking connections and drops the edge's, but
        # keeps one of its own to the listener.
        self.carrier.refuse = True
        own = self.connect(cert="carrier")
        self.assertTrue(self.usable(own))
        self.carrier.stream.close()
        self.assertTrue(wait_for(lambda: self.carrier_item()["state"] != "connected", 5))
        p.send(request("MESSAGE", "sip:bob@carrier.test", "sip:alice@carrier.test",
                       "sip:bob@carrier.test", call_id="out-own-1", body="hi"))
        msg = own.expect_request("MESSAGE")
        self.assertEqual(msg.call_id, "out-own-1")
        self.assertEqual(sent_by(msg.get_all("Via")[0]), ("127.0.0.1", self.lport))
        own.send(response(msg, 202, "Accepted", to_tag="c"))
        self.assertEqual(p.expect_response("MESSAGE", 202).call_id, "out-own-1")


class NatedEdge(ListenerCase):
    """Behind NAT the listener is reached at another address: Contact names
    what the operator advertises, and the edge knows it as its own."""

    def setUp(self):
        self.public_port = free_port()
        super().setUp()

    def start_edge_with(self, carriers_extra="", media_extra=""):
        self.edge.close()
        self.edge = Edge(carriers={}, carriers_extra="listen = tls:127.0.0.1:%d\n%s"
                         % (self.lport, carriers_extra))
        self.edge.write_carrier("test", None, self.carrier_conf.format(
            port=self.carrier.port, certs=certs()))
        if media_extra:
            self.edge.edit_main("[media]", media_extra)
        self.addCleanup(self.edge.close)
        self.edge.start()
        self.carrier.wait_connected(self.edge, 2)

    def register(self):
        p = self.phone()
        p.register()
        reg = self.carrier.stream.expect_request("REGISTER")
        p.expect_response("REGISTER", 200)
        return p, reg

    def test_advertised_address_is_what_carriers_are_told_and_is_the_edge(self):
        self.start_edge_with("advertised_address = 127.0.0.5:%d\n" % self.public_port)
        p, reg = self.register()
        contact = uri_of(reg.get("Contact"))
        self.assertEqual(hostport(contact), ("127.0.0.5", self.public_port))
        self.assertEqual(sent_by(reg.get_all("Via")[0]), ("127.0.0.5", self.public_port))
        # The port forwarding ends at the listener; the request names the
        # advertised address, which the edge takes for its own.
        own = self.connect(cert="carrier")
        own.send(self.carrier.req("INVITE", contact, "sip:+4930123@carrier.test",
                                  "sip:alice@carrier.test", call_id="nat-1"))
        self.assertEqual(p.expect_request("INVITE").call_id, "nat-1")

    def test_advertised_host_without_port_takes_the_listeners_port(self):
        self.start_edge_with("advertised_address = 127.0.0.5\n")
        p, reg = self.register()
        self.assertEqual(hostport(uri_of(reg.get("Contact"))), ("127.0.0.5", self.lport))

    def test_carrier_public_address_names_the_host_with_the_listeners_port(self):
        self.start_edge_with(media_extra="carrier_public_address = 127.0.0.6")
        p, reg = self.register()
        self.assertEqual(hostport(uri_of(reg.get("Contact"))), ("127.0.0.6", self.lport))


class Reload(ListenerCase):
    def test_listen_change_waits_for_a_restart_and_the_listener_keeps_working(self):
        text = open(self.edge.conf).read()
        other = free_port()
        self.edge.write_main(text.replace("listen = tls:127.0.0.1:%d" % self.lport,
                                          "listen = tls:127.0.0.1:%d" % other))
        self.edge.kill(signal.SIGHUP)
        self.assertTrue(self.edge.wait_log("reload: [carriers] listen changed; it takes "
                                           "effect after a restart"))
        self.assertTrue(self.edge.wait_log("reload: configuration"))
        self.assertTrue(self.usable(self.connect(cert="carrier")))
        p = self.phone()
        p.register()
        reg = self.carrier.stream.expect_request("REGISTER")
        self.assertEqual(hostport(uri_of(reg.get("Contact")))[1], self.lport)
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", other), timeout=2).close()

    def test_a_carrier_removed_by_reload_loses_the_connections_it_opened(self):
        own = self.connect(cert="carrier")
        self.assertTrue(self.usable(own))
        self.edge.write_carrier("test", None, "[carrier other]\ndomain = other.test\n"
                                "server = 127.0.0.1:%d\ntls_verify = no\n" % free_port())
        self.edge.kill(signal.SIGHUP)
        self.assertTrue(self.edge.wait_log("carrier test: removed"))
        self.assertTrue(wait_for(lambda: own.closed, 5))
        self.assertEqual([c for c in self.carrier_conns() if c["carrier"] == "test"], [])
        self.assertIsNone(self.edge.proc.poll())


class Admission(ListenerCase):
    def test_connection_from_an_address_no_carrier_resolves_to_is_refused(self):
        self.assertTrue(self.refused(source="127.0.0.2", cert="carrier"))
        self.assertTrue(self.edge.wait_log(
            "carrier listener: connection from 127.0.0.2:"), self.edge.log()[-2000:])
        line = [l for l in self.edge.log().splitlines() if "from 127.0.0.2:" in l][0]
        self.assertIn("refused: no configured carrier resolves to that address", line)
        self.assertNotIn("TLS", line)
        self.assertEqual([c for c in self.carrier_conns() if c["peer"].startswith("127.0.0.2:")], [])
        # The carrier's own address is let in.
        self.assertTrue(self.usable(self.connect(cert="carrier")))

    def test_client_certificate_must_chain_to_the_carrier_ca_and_name_its_domain(self):
        self.assertTrue(self.refused(cert="phone"))         # our CA, phone.test
        self.assertTrue(self.edge.wait_log("client certificate refused for carrier test: "
                                           "certificate names phone.test; expected carrier.test"))
        self.assertTrue(self.refused(cert="foreign"))       # carrier.test, another CA
        self.assertTrue(self.edge.wait_log("tls: carrier client certificate"))
        self.assertTrue(self.refused())                     # none at all
        self.assertEqual(self.carrier_item()["inbound_connections"], 0)
        s = self.connect(cert="carrier")
        self.assertTrue(self.usable(s))
        self.assertTrue(self.edge.wait_log("client certificate verified for carrier.test"))
        self.assertEqual(self.carrier_item()["inbound_connections"], 1)


class NoClientCertificateWithoutCa(ListenerCase):
    carrier_conf = CARRIER_CONF_NO_CA

    def test_without_ca_file_no_client_certificate_is_asked_for(self):
        self.assertTrue(self.usable(self.connect()))


class NoListener(ListenerCase):
    listen = False

    def test_without_a_listener_contact_names_the_connection_as_before(self):
        p = self.phone()
        p.register()
        reg = self.carrier.stream.expect_request("REGISTER")
        ephemeral = self.carrier.stream.sock.getpeername()[1]
        self.assertEqual(hostport(uri_of(reg.get("Contact"))), ("127.0.0.1", ephemeral))
        self.assertEqual(sent_by(reg.get_all("Via")[0]), ("127.0.0.1", ephemeral))


class SilentTrunk(ListenerCase):
    """A trunk that never answers CRLF pings (most do not support outbound)."""
    pong_limit = 0
    carrier_extra = "keepalive = 1\nkeepalive_timeout = 2\n"

    def test_carrier_that_never_pongs_stays_connected(self):
        stream = self.carrier.stream
        # Three timeouts' worth of pings without one pong.
        self.assertTrue(wait_for(lambda: stream.pings >= 6, 10), stream.pings)
        self.assertFalse(stream.closed)
        item = self.carrier_item()
        self.assertEqual((item["state"], item["connects"]), ("connected", 1))
        self.assertFalse(item["keepalive_answered"])
        self.assertNotIn("no keep-alive pong", self.edge.log())


class TrunkThatStopsPonging(ListenerCase):
    pong_limit = 1
    carrier_extra = "keepalive = 1\nkeepalive_timeout = 2\n"

    def test_carrier_that_ponged_once_and_stops_is_dropped_and_reconnected(self):
        self.assertTrue(self.edge.wait_log("carrier test: answers keep-alive pings"))
        self.assertTrue(self.edge.wait_log("no keep-alive pong within 2 s"), self.edge.log()[-2000:])
        self.assertTrue(wait_for(lambda: self.carrier_item()["connects"] == 2 and
                                 self.carrier_item()["state"] == "connected", 8))


class OptionsKeepalive(ListenerCase):
    carrier_extra = "keepalive = 1\nkeepalive_timeout = 2\nkeepalive_method = options\n"
    log_level = "debug"

    def test_options_keepalive_is_answered_and_a_silent_carrier_is_dropped(self):
        self.assertTrue(wait_for(lambda: len(self.carrier.options) >= 3, 6))
        first, second = self.carrier.options[0], self.carrier.options[1]
        self.assertEqual(first.start, "OPTIONS sip:carrier.test SIP/2.0")
        vias = first.get_all("Via")
        self.assertEqual(len(vias), 1)
        self.assertEqual(sent_by(vias[0]), ("127.0.0.1", self.lport))
        self.assertRegex(vias[0], r";branch=z9hG4bKseka[0-9a-f]+")
        self.assertNotEqual(first.get("Via"), second.get("Via"))    # fresh branch
        self.assertEqual(first.get("Max-Forwards"), "70")
        self.assertEqual(uri_of(first.get("To")), "sip:carrier.test")
        self.assertIsNotNone(first.tag("From"))
        self.assertEqual(first.call_id, second.call_id)
        self.assertEqual((first.cseq, second.cseq), ((1, "OPTIONS"), (2, "OPTIONS")))
        self.assertEqual(self.carrier.stream.pings, 0)      # no CRLF pings as well
        item = self.carrier_item()
        self.assertEqual((item["state"], item["connects"], item["keepalive_method"]),
                         ("connected", 1, "options"))
        self.assertTrue(item["keepalive_answered"])
        # Their answers belong to no transaction, and are not taken for strays.
        self.assertNotIn("matches no transaction", self.edge.log())
        self.carrier.answer_options = False
        self.assertTrue(self.edge.wait_log("no answer to keep-alive OPTIONS within 2 s", 6),
                        self.edge.log()[-2000:])
        self.carrier.answer_options = True
        self.assertTrue(wait_for(lambda: self.carrier_item()["connects"] == 2 and
                                 self.carrier_item()["state"] == "connected", 8))
        self.assertEqual(len(self.carrier.streams), 2)


class KamailioConnectsToTheListener(unittest.TestCase):
    """Kamailio as the carrier, with baresip behind the edge: Kamailio drops
    the edge's idle connection, and for the call opens one of its own to the
    Contact the edge registered (no NAT fix-up: it believes that Contact),
    presenting its certificate, which the edge checks against ca_file."""

    def setUp(self):
        # Kamailio closes a TLS connection idle for 3 s (its timers do it
        # some seconds later); the edge pings every 30.
        self.kam = Kamailio(natfix=False, relay_connect=True,
                            defines=("TCP_LIFETIME=3", "TLS_IDLE_CLOSE"))
        self.addCleanup(self.kam.close)
        self.kam.start()
        self.lport = free_port()
        self.edge = Edge(carriers={}, carriers_extra="listen = tls:127.0.0.1:%d\n" % self.lport)
        self.edge.write_carrier("kamailio", None, CARRIER_CONF.replace("[carrier test]",
                                "[carrier kamailio]").format(port=self.kam.port, certs=certs()))
        self.addCleanup(self.edge.close)
        self.edge.start()
        self.assertTrue(wait_for(lambda: self.carrier()["state"] == "connected", 10))

    def carrier(self):
        return self.edge.json("carriers")["items"][0]

    def baresip(self, user, outbound):
        b = Baresip(user, self.kam.password(user), outbound)
        self.addCleanup(b.close)
        return b.start()

    def test_kamailio_calls_the_phone_over_a_connection_it_opened_to_the_contact(self):
        alice = self.baresip("alice", "sip:127.0.0.1:%d;transport=tls" % self.edge.port)
        contact = self.kam.registered("alice")
        self.assertIn("@127.0.0.1:%d;transport=tls" % self.lport, contact)
        # Kamailio drops the edge's connection once it is idle.
        self.assertTrue(wait_for(lambda: self.carrier()["connects"] >= 2, 30),
                        self.edge.log()[-2000:])
        self.assertIn("carrier kamailio: connection to", self.edge.log())
        bob = self.baresip("bob", self.kam.outbound)
        self.assertTrue(bob.dial("sip:alice@carrier.test")["ok"])
        self.assertTrue(alice.wait_state("established"), alice.events)
        self.assertTrue(bob.wait_state("established"), bob.events)
        # The INVITE came on a connection Kamailio opened to the listener,
        # verified by its client certificate; the answers went back on it.
        self.assertTrue(self.edge.wait_log("carrier kamailio connected to the edge"))
        self.assertIn("client certificate verified for carrier.test", self.edge.log())
        inbound = [c for c in self.edge.json("connections")["items"]
                   if c["side"] == "carrier" and c["peer"] != "127.0.0.1:%d" % self.kam.port]
        self.assertEqual([c["carrier"] for c in inbound], ["kamailio"], inbound)
        self.assertTrue(self.kam.wait_log(re.compile(
            r"CARRIER REPLY 200 \S+ INVITE from 127\.0\.0\.1:%d " % self.lport)), self.kam.log()[-3000:])
        calls = self.edge.json("calls")["items"]
        self.assertEqual((calls[0]["direction"], calls[0]["state"], calls[0]["carrier"]),
                         ("inbound", "confirmed", "kamailio"))
        bob.hangup()
        self.assertTrue(alice.wait_state("closed"), alice.events)
        self.assertTrue(wait_for(lambda: self.edge.json("calls")["items"] == [], 5))


if __name__ == "__main__":
    unittest.main()
