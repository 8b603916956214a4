"""The real peers themselves, without sipedge: Kamailio as a TLS carrier
(kamailio.py) and baresip phones (baresip.py). If these fail, the proxy
tests built on them prove nothing."""
import re
import socket
import threading
import time
import unittest

from edge import wait_for
from baresip import Baresip, contact_hostport, sip_header, tone_share, via_sent_by
from kamailio import Kamailio, SipTls, header, status_code

SDP = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n")


def first_line(msg):
    return msg.split("\r\n", 1)[0] if msg else None


def all_headers(msg, name):
    return re.findall(r"(?im)^%s\s*:\s*(.*?)\s*$" % re.escape(name),
                      msg.split("\r\n\r\n", 1)[0])


class PeerSetup(unittest.TestCase):
    def carrier(self, **kw):
        k = Kamailio(**kw)
        self.addCleanup(k.close)
        return k.start()

    def phone(self, k, user, **kw):
        b = Baresip(user, k.password(user), k.outbound, **kw)
        self.addCleanup(b.close)
        return b.start()

    def flow(self, k, **kw):
        c = SipTls(k.port, **kw)
        self.addCleanup(c.close)
        return c


class PeerCalls(PeerSetup):
    def test_two_baresips_at_kamailio_call_answer_hold_resume_and_hang_up(self):
        k = self.carrier()
        alice = self.phone(k, "alice", record=True, tone_hz=440)
        bob = self.phone(k, "bob", record=True, tone_hz=1000, answermode="manual")
        self.assertTrue(alice.dial("sip:bob@carrier.test")["ok"])
        self.assertTrue(bob.wait_state("incoming"), bob.events)
        self.assertTrue(alice.wait_state("ringing"), alice.events)
        self.assertTrue(bob.answer()["ok"])
        self.assertTrue(alice.wait_state("established"), alice.events)
        self.assertTrue(bob.wait_state("established"), bob.events)
        self.assertTrue(alice.wait_event("CALL_RTPESTAB"), "no RTP reached alice")
        self.assertTrue(bob.wait_event("CALL_RTPESTAB"), "no RTP reached bob")
        self.assertTrue(wait_for(lambda: min(alice.heard_seconds(),
                                             bob.heard_seconds()) > 1.0, 5))
        # the INVITE was challenged (407) and relayed over bob's own connection
        self.assertIn("CARRIER CHALLENGE 407 INVITE sip:alice@carrier.test",
                      "\n".join(k.lines()))
        invite = bob.received("INVITE")[0]
        self.assertEqual(invite["dst"][1], bob.tls_flows()[0])

        # hold: a re-INVITE with a=sendonly, answered; resume: a=sendrecv
        alice.hold()
        self.assertTrue(bob.wait_for_received("INVITE", 2), bob.log())
        self.assertIn("a=sendonly", bob.received("INVITE")[1]["text"])
        self.assertTrue(alice.wait_log("a=recvonly"))
        alice.resume()
        self.assertTrue(bob.wait_for_received("INVITE", 3), bob.log())
        self.assertIn("a=sendrecv", bob.received("INVITE")[2]["text"])
        self.assertEqual(alice.call_state(), "established")

        bob.hangup()
        self.assertTrue(alice.wait_state("closed"), alice.events)
        self.assertTrue(bob.wait_state("closed"))
        self.assertTrue(k.wait_log(re.compile(r"CARRIER REPLY 200 OK BYE")))
        # baresip's answers carry the connection's port in Contact, unlike
        # its requests (see test_baresip_via_and_contact_carry_...)
        ok = [t for t in bob.trace() if t["out"] and t["first"].startswith("SIP/2.0 200")
              and "INVITE" in (sip_header(t["text"], "CSeq") or "")][0]
        self.assertEqual(contact_hostport(sip_header(ok["text"], "Contact"))[1],
                         ok["src"][1])
        self.assertEqual(alice.stop(), 0)
        self.assertEqual(bob.stop(), 0)
        self.assertTrue(k.wait_log("CARRIER UNREGISTERED sip:bob@carrier.test"))
        self.assertEqual(k.stop(), 0)
        # each heard the other's tone
        self.assertGreater(tone_share(alice.dumps("dec")[0], 1000), 0.9)
        self.assertLess(tone_share(alice.dumps("dec")[0], 440), 0.1)
        self.assertGreater(tone_share(bob.dumps("dec")[0], 440), 0.9)


    def test_caller_hanging_up_while_ringing_cancels_the_callee(self):
        k = self.carrier()
        alice = self.phone(k, "alice")
        bob = self.phone(k, "bob", answermode="manual")
        alice.dial("sip:bob@carrier.test")
        self.assertTrue(bob.wait_state("incoming"))
        self.assertTrue(alice.wait_state("ringing"))
        alice.hangup()
        self.assertTrue(bob.wait_state("closed"), bob.events)
        self.assertTrue(bob.wait_for_received("CANCEL"))
        # The 487 reply line and the failure-route line are written one
        # after the other by Kamailio: wait for the later one.
        self.assertTrue(k.wait_log("CARRIER REPLY 487"))
        self.assertTrue(k.wait_log("CARRIER FAILURE 487 INVITE"), k.log())


class PeerCarrierFlows(PeerSetup):
    def test_invite_for_edge_style_contact_arrives_on_the_registering_connection(self):
        k = self.carrier()
        c = self.flow(k)
        port = c.local_port
        contact = "sip:tok@127.0.0.1:%d;transport=tls" % port
        r = c.register("edgeuser", k.password("edgeuser"))
        self.assertEqual(status_code(r), 200, r)
        self.assertEqual(k.registered("edgeuser"), "<%s>" % contact)
        # the Contact is the connection's own address: nothing to fix
        self.assertNotIn("NATFIX register sip:edgeuser", k.log())

        carol = self.phone(k, "carol", answermode="manual")
        carol.dial("sip:edgeuser@carrier.test")
        invite = c.recv_request("INVITE", 10)
        self.assertIsNotNone(invite, k.log()[-3000:])
        self.assertEqual(first_line(invite), "INVITE %s SIP/2.0" % contact)
        self.assertIn("CARRIER RELAY INVITE to %s dst <null>" % contact, k.log())
        c.reply(invite, 180, "Ringing", contact=contact)
        self.assertTrue(carol.wait_state("ringing"))
        media = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(media.close)
        media.bind(("127.0.0.1", 0))
        c.reply(invite, 200, "OK", contact=contact, body=SDP % media.getsockname()[1])
        self.assertTrue(carol.wait_state("established"), carol.events)
        self.assertIsNotNone(c.recv_request("ACK"))
        media.settimeout(5)
        self.assertTrue(media.recv(2048), "no RTP from carol")

        # in the dialog, towards carol (NAT-fixed: her Contact port is wrong)
        rr = all_headers(invite, "Record-Route")
        self.assertEqual(len(rr), 1, invite)
        info = ("INFO %s SIP/2.0\r\n"
                "Via: SIP/2.0/TLS 127.0.0.1:%d;branch=z9hG4bK-info-1;rport\r\n"
                "Route: %s\r\nMax-Forwards: 70\r\nFrom: %s;tag=uas-1\r\nTo: %s\r\n"
                "Call-ID: %s\r\nCSeq: 1 INFO\r\nContact: <%s>\r\n"
                "Content-Type: application/dtmf-relay\r\nContent-Length: 24\r\n\r\n"
                "Signal=5\r\nDuration=160\r\n"
                % (header(invite, "Contact").strip("<>"), port, rr[0],
                   header(invite, "To"), header(invite, "From"),
                   header(invite, "Call-ID"), contact))
        c.send(info)
        r = c.recv_until(lambda m: m.startswith("SIP/2.0") and "INFO" in header(m, "CSeq"))
        self.assertEqual(status_code(r), 200, r)

        carol.hangup()
        bye = c.recv_request("BYE")
        self.assertIsNotNone(bye, k.log()[-3000:])
        self.assertEqual(first_line(bye), "BYE %s SIP/2.0" % contact)
        c.reply(bye, 200, "OK")
        self.assertTrue(carol.wait_state("closed"))
        self.assertIsNotNone(carol.event("CALL_CLOSED"))

    def test_out_of_dialog_requests_reach_the_registered_connection(self):
        k = self.carrier()
        c = self.flow(k)
        self.assertEqual(status_code(c.register("edgeuser", k.password("edgeuser"))), 200)
        caller = self.flow(k)
        for method, code in (("MESSAGE", 200), ("OPTIONS", 200), ("NOTIFY", 200),
                             ("INFO", 200), ("REFER", 202)):
            headers = ""
            if method == "NOTIFY":
                headers = "Event: message-summary\r\nSubscription-State: active\r\n"
            elif method == "REFER":
                headers = "Refer-To: <sip:dave@carrier.test>\r\n"
            got = {}

            def uas():
                req = c.recv_request(method, 5)
                got["req"] = req
                if req:
                    c.reply(req, code, "Fine")
            t = threading.Thread(target=uas)
            t.start()
            r = caller.request(method, "sip:edgeuser@carrier.test", "carol",
                               k.password("carol"), body="hello" if method == "MESSAGE" else "",
                               content_type="text/plain", headers=headers)
            t.join()
            self.assertIsNotNone(got["req"], "%s not relayed:\n%s" % (method, k.log()[-2000:]))
            self.assertTrue(first_line(got["req"]).startswith(
                "%s sip:tok@127.0.0.1:%d;transport=tls" % (method, c.local_port)))
            self.assertEqual(status_code(r), code, r)

    def test_request_for_a_closed_flow_fails_without_a_new_connection(self):
        k = self.carrier()
        c = self.flow(k, reuse_port=True)
        port = c.local_port
        self.assertEqual(status_code(c.register("edgeuser", k.password("edgeuser"))), 200)
        c.close()
        # someone now listens where the Contact points: Kamailio must not go there
        trap = socket.socket()
        self.addCleanup(trap.close)
        trap.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)

        def bound():    # possible once Kamailio has closed its end too
            try:
                trap.bind(("127.0.0.1", port))
                return True
            except OSError:
                return False
        self.assertTrue(wait_for(bound, 5))
        trap.listen(4)
        trap.settimeout(0.5)
        caller = self.flow(k)
        t0 = time.monotonic()
        r = caller.request("INVITE", "sip:edgeuser@carrier.test", "carol",
                           k.password("carol"), body=SDP % 9,
                           contact="sip:carol@127.0.0.1:%d;transport=tls" % caller.local_port)
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(first_line(r), "SIP/2.0 480 No Connection To Contact", r)
        self.assertRaises(socket.timeout, trap.accept)
        self.assertIn("CARRIER RELAYFAIL INVITE", k.log())

    def test_430_flow_failed_from_the_edge_reaches_the_caller(self):
        k = self.carrier()
        c = self.flow(k)
        self.assertEqual(status_code(c.register("edgeuser", k.password("edgeuser"))), 200)
        caller = self.flow(k)
        got = {}

        def uas():
            got["invite"] = inv = c.recv_request("INVITE", 5)
            if inv:
                c.reply(inv, 430, "Flow Failed")
                got["ack"] = c.recv_request("ACK", 5)
        t = threading.Thread(target=uas)
        t.start()
        r = caller.request("INVITE", "sip:edgeuser@carrier.test", "carol",
                           k.password("carol"), body=SDP % 9,
                           contact="sip:carol@127.0.0.1:%d;transport=tls" % caller.local_port)
        t.join()
        self.assertEqual(first_line(r), "SIP/2.0 430 Flow Failed", r)
        self.assertIsNotNone(got.get("ack"), "Kamailio did not ACK the 430")
        self.assertIn("CARRIER FAILURE 430 INVITE", k.log())

    def test_carrier_answers_crlfcrlf_keepalive_with_crlf_pong(self):
        k = self.carrier()
        c = self.flow(k)
        self.assertTrue(c.ping())
        self.assertTrue(c.ping())
        self.assertEqual(c.pongs, 2)
        # and the connection still carries SIP afterwards
        self.assertEqual(status_code(c.register("edgeuser", k.password("edgeuser"))), 200)


class PeerBaresipQuirks(PeerSetup):
    def test_baresip_via_and_contact_carry_its_listening_port_not_its_connection_port(self):
        k = self.carrier()
        bob = self.phone(k, "bob")
        reg = bob.sent("REGISTER")[-1]
        conn_port = reg["src"][1]
        via_port = via_sent_by(sip_header(reg["text"], "Via"))[1]
        contact_port = contact_hostport(sip_header(reg["text"], "Contact"))[1]
        self.assertEqual(via_port, contact_port)
        self.assertNotEqual(via_port, conn_port)
        # Kamailio sees the same: source port vs Via/Contact, and NAT-fixes it
        self.assertIn("CARRIER REQ REGISTER sip:carrier.test;transport=tls from 127.0.0.1:%d "
                      "via SIP/2.0/TLS 127.0.0.1:%d;" % (conn_port, via_port), k.log())
        self.assertIn("received sip:127.0.0.1:%d" % conn_port, k.log())
        # the advertised port is baresip's TLS listener, not a dead port
        with socket.create_connection(("127.0.0.1", via_port), timeout=2):
            pass

    def test_baresip_does_not_verify_the_server_certificate(self):
        # libre 1.1 / baresip 1.0: sip_cafile is loaded, but a server with a
        # certificate from another CA is accepted all the same.
        k = self.carrier(cert="foreign")
        bob = self.phone(k, "bob")
        self.assertTrue(bob.register_ok())


if __name__ == "__main__":
    unittest.main()
