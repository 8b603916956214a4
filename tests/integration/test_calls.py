"""Real peers through the edge: baresip (which really advertises a port its
TLS connection does not come from) registers through sipedge at Kamailio
(TLS, MD5 digest passed through), and calls go both ways with a second
baresip registered at Kamailio directly."""
import signal
import socket
import time
import unittest

from baresip import Baresip, via_sent_by
from edge import Edge, certs, wait_for
from kamailio import Kamailio

CARRIER_CONF = """[carrier kamailio]
domain = carrier.test
server = 127.0.0.1:{port}
tls_verify_name = carrier.test
ca_file = {certs}/ca.crt
keepalive = 30
"""


class RealPeers(unittest.TestCase):
    kamailio_defines = ()

    def setUp(self):
        self.kam = Kamailio(defines=self.kamailio_defines)
        self.addCleanup(self.kam.close)
        self.kam.start()
        self.edge = Edge(carriers={})
        self.edge.write_carrier("kamailio", None,
                                CARRIER_CONF.format(port=self.kam.port, certs=certs()))
        self.addCleanup(self.edge.close)
        self.edge.start()
        self.assertTrue(wait_for(self.carrier_connected, 10), self.edge.json("carriers"))

    def carrier_connected(self):
        return self.edge.json("carriers")["items"][0]["state"] == "connected"

    def phone(self, user="alice", **kw):
        """A baresip behind the edge."""
        b = Baresip(user, self.kam.password(user),
                    "sip:127.0.0.1:%d;transport=tls" % self.edge.port, **kw)
        self.addCleanup(b.close)
        return b.start()

    def carrier_user(self, user="bob", **kw):
        """A baresip registered at Kamailio directly."""
        b = Baresip(user, self.kam.password(user), self.kam.outbound, **kw)
        self.addCleanup(b.close)
        return b.start()

    def call_established(self, caller, callee, uri):
        self.assertTrue(caller.dial(uri)["ok"])
        self.assertTrue(callee.wait_state("established"), callee.events)
        self.assertTrue(caller.wait_state("established"), caller.events)

    def no_calls(self):
        return wait_for(lambda: self.edge.json("calls")["items"] == [], 5)


class Registration(RealPeers):
    def test_baresip_registers_through_the_edge_despite_its_wrong_port(self):
        alice = self.phone()
        contact = self.kam.registered("alice")
        # Kamailio holds the edge's Contact with a flow token, not baresip's.
        self.assertRegex(contact, r"sip:[a-z2-7]{39}@127\.0\.0\.1:\d+;transport=tls")
        self.assertNotIn("NATFIX register sip:alice", self.kam.log())
        reg = self.edge.json("registrations")["items"]
        self.assertEqual(len(reg), 1)
        r = reg[0]
        self.assertEqual(r["aor"], "sip:alice@carrier.test")
        self.assertEqual(r["profile"], "baresip")
        # baresip claims its listening port; its connection comes from another.
        claimed = int(r["contact"].split(";")[0].rsplit(":", 1)[1])
        source = int(r["source"].rsplit(":", 1)[1])
        self.assertNotEqual(claimed, source)
        self.assertIn(source, alice.tls_flows())
        conns = [c for c in self.edge.json("connections")["items"] if c["side"] == "phone"]
        self.assertEqual(conns[0]["user_agent"].split()[0].lower().startswith("baresip"), True)


class Calls(RealPeers):
    def test_phone_calls_carrier_user_and_hangs_up(self):
        bob = self.carrier_user("bob")
        alice = self.phone("alice")
        self.call_established(alice, bob, "sip:bob@carrier.test")
        calls = self.edge.json("calls")["items"]
        self.assertEqual((calls[0]["direction"], calls[0]["state"], calls[0]["carrier"]),
                         ("outbound", "confirmed", "kamailio"))
        self.assertTrue(alice.wait_event("CALL_RTPESTAB"))
        alice.hangup()
        self.assertTrue(bob.wait_state("closed"), bob.events)
        self.assertTrue(self.no_calls())

    def test_phone_call_hung_up_by_the_carrier_user(self):
        bob = self.carrier_user("bob")
        alice = self.phone("alice")
        self.call_established(alice, bob, "sip:bob@carrier.test")
        bob.hangup()
        self.assertTrue(alice.wait_state("closed"), alice.events)
        self.assertTrue(self.no_calls())

    def test_carrier_user_calls_phone_and_both_sides_can_hang_up(self):
        alice = self.phone("alice")
        bob = self.carrier_user("bob")
        self.call_established(bob, alice, "sip:alice@carrier.test")
        calls = self.edge.json("calls")["items"]
        self.assertEqual((calls[0]["direction"], calls[0]["state"]), ("inbound", "confirmed"))
        # The INVITE reached baresip over its own connection, at its own Contact.
        invites = alice.received("INVITE")
        self.assertTrue(invites)
        alice.hangup()
        self.assertTrue(bob.wait_state("closed"), bob.events)
        self.assertTrue(self.no_calls())
        self.call_established(bob, alice, "sip:alice@carrier.test")
        bob.hangup()
        self.assertTrue(alice.wait_state("closed"), alice.events)
        self.assertTrue(self.no_calls())

    def test_cancel_before_answer(self):
        bob = self.carrier_user("bob", answermode="manual")
        alice = self.phone("alice")
        self.assertTrue(alice.dial("sip:bob@carrier.test")["ok"])
        self.assertTrue(bob.wait_state("incoming"), bob.events)
        self.assertTrue(wait_for(lambda: self.edge.json("calls")["items"] and
                                 self.edge.json("calls")["items"][0]["state"] == "early", 5))
        alice.hangup()
        self.assertTrue(bob.wait_state("closed"), bob.events)
        self.assertTrue(self.no_calls())

    def test_inbound_cancel_before_answer(self):
        alice = self.phone("alice", answermode="manual")
        bob = self.carrier_user("bob")
        self.assertTrue(bob.dial("sip:alice@carrier.test")["ok"])
        self.assertTrue(alice.wait_state("incoming"), alice.events)
        bob.hangup()
        self.assertTrue(alice.wait_state("closed"), alice.events)
        self.assertTrue(self.no_calls())

    def test_hold_and_resume_by_reinvite(self):
        bob = self.carrier_user("bob")
        alice = self.phone("alice")
        self.call_established(alice, bob, "sip:bob@carrier.test")
        before = len(bob.received("INVITE"))
        alice.hold()
        self.assertTrue(wait_for(lambda: any("a=sendonly" in m["text"]
                                             for m in bob.received("INVITE")[before:]), 5))
        alice.resume()
        self.assertTrue(wait_for(lambda: any("a=sendrecv" in m["text"]
                                             for m in bob.received("INVITE")[before + 1:]), 5))
        self.assertEqual(self.edge.json("calls")["items"][0]["state"], "confirmed")
        alice.hangup()
        self.assertTrue(bob.wait_state("closed"), bob.events)


class DeadFlow(RealPeers):
    def test_call_to_a_phone_whose_connection_closed_fails_fast_without_connecting(self):
        alice = self.phone("alice")
        reg = self.edge.json("registrations")["items"][0]
        claimed_port = int(reg["contact"].split(";")[0].rsplit(":", 1)[1])
        # The phone dies without un-registering (power cut, Wi-Fi gone).
        alice.proc.stop(signal.SIGKILL, 5)
        self.assertTrue(wait_for(lambda: self.edge.json("registrations")["items"] == [], 5))
        # Listen where baresip claimed to be: the edge must never come there.
        trap = socket.socket()
        trap.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        trap.bind(("127.0.0.1", claimed_port))
        trap.listen(4)
        trap.settimeout(0.2)
        self.addCleanup(trap.close)
        bob = self.carrier_user("bob")
        t0 = time.monotonic()
        self.assertTrue(bob.dial("sip:alice@carrier.test")["ok"])
        self.assertTrue(bob.wait_state("closed", timeout=10), bob.events)
        self.assertLess(time.monotonic() - t0, 5)
        # The carrier still had the binding, so the edge answered for the flow.
        self.assertIn("refused 430: Flow Failed", self.edge.log())
        with self.assertRaises(socket.timeout):
            trap.accept()


class CarrierReconnect(RealPeers):
    # Kamailio drops a TLS connection idle for 4 s (closed some 10 s later
    # by its timers); the edge pings every 30.
    kamailio_defines = ("TCP_LIFETIME=4", "TLS_IDLE_CLOSE")

    def test_phone_stays_reachable_when_the_carrier_drops_the_connection(self):
        alice = self.phone("alice")
        contact = self.kam.registered("alice")
        registers = self.kam.log().count("CARRIER REGISTERED sip:alice@")
        carrier = self.edge.json("carriers")["items"][0]
        self.assertTrue(wait_for(lambda: self.edge.json("carriers")["items"][0]["connects"] == 2
                                 and self.carrier_connected(), 30), self.edge.log()[-3000:])
        self.assertIn("carrier kamailio: connection to", self.edge.log())
        # Kamailio still holds the binding from before and reaches alice.
        bob = self.carrier_user("bob")
        self.call_established(bob, alice, "sip:alice@carrier.test")
        self.assertEqual(self.kam.log().count("CARRIER REGISTERED sip:alice@"), registers)
        # It found the new connection by the address the binding names: the
        # edge reconnected from the same local port.
        port = int(contact.split(";")[0].rsplit(":", 1)[1])
        self.assertIn("from local port %d" % port, self.edge.log().rsplit("connected to", 1)[1])
        self.assertEqual(self.edge.json("carriers")["items"][0]["target"], carrier["target"])
        bob.hangup()
        self.assertTrue(alice.wait_state("closed"), alice.events)

