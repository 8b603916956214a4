"""The proxy core against scripted peers: registrations with rewritten and
restored Contacts, calls both ways over the phone's own flow, CANCEL and
ACK rules, flow tokens that are forged or dead, and the edge never
connecting to the port a phone claims."""
import re
import socket
import threading
import time
import unittest

from edge import Edge, certs, wait_for
from sipua import Msg, ScriptedCarrier, TlsPhone, cancel_for, in_dialog, response, uri_of

CARRIER_CONF = """[carrier test]
domain = carrier.test
server = 127.0.0.1:{port}
tls_verify_name = carrier.test
ca_file = {certs}/ca.crt
"""


def route_set(msg, reverse=False):
    rr = [uri_of(v) for v in msg.get_all("Record-Route")]
    return list(reversed(rr)) if reverse else rr


class ProxyCase(unittest.TestCase):
    phones_extra = ""
    carrier_extra = ""

    def setUp(self):
        self.carrier = ScriptedCarrier().start()
        self.addCleanup(self.carrier.stop)
        self.edge = Edge(carriers={}, phones_extra=self.phones_extra)
        self.edge.write_carrier("test", None, CARRIER_CONF.format(
            port=self.carrier.port, certs=certs()) + self.carrier_extra)
        self.addCleanup(self.edge.close)
        self.edge.start()
        self.carrier.wait_connected(self.edge)
        wait_for(lambda: self.edge.json("carriers")["items"][0]["state"] == "connected", 10)

    def phone(self, aor="sip:alice@carrier.test", **kw):
        p = TlsPhone(self.edge.port, aor=aor, **kw)
        self.addCleanup(p.close)
        return p

    def registered_phone(self, aor="sip:alice@carrier.test", **kw):
        p = self.phone(aor, **kw)
        p.register()
        ok = p.expect_response("REGISTER", 200)
        return p, ok

    def carrier_invite(self, aor, call_id="in-1", frm="sip:+4930123@carrier.test"):
        contact = self.carrier.bindings[aor]
        inv = self.carrier.req("INVITE", contact, frm, aor, call_id=call_id,
                               contact="<sip:gw@127.0.0.1:%d;transport=tls>" % self.carrier.port,
                               extra=[("Record-Route", "<sip:127.0.0.1:%d;transport=tls;lr>"
                                       % self.carrier.port)])
        self.carrier.stream.send(inv)
        return inv


class Registration(ProxyCase):
    def test_register_rewrites_contact_towards_carrier_and_restores_it(self):
        p = self.phone()
        p.register(expires=600)
        reg = self.carrier.stream.expect_request("REGISTER")
        contact = uri_of(reg.get("Contact"))
        # The carrier sees the edge, carrying a flow token, never the phone.
        self.assertRegex(contact, r"^sip:[a-z2-7]{39}@127\.0\.0\.1:\d+;transport=tls;"
                                  r"sipedge=r-[0-9a-f]{8}$")
        self.assertNotIn("5062", contact)
        vias = reg.get_all("Via")
        self.assertIn("z9hG4bKse", vias[0])
        self.assertIn("received=127.0.0.1", vias[1])
        self.assertIn("rport=%d" % p.local_port, vias[1])
        ok = p.expect_response("REGISTER", 200)
        self.assertEqual(uri_of(ok.get("Contact")), p.contact_uri)
        self.assertEqual(len(ok.get_all("Via")), 1)
        regs = self.edge.json("registrations")["items"]
        self.assertEqual(len(regs), 1)
        r = regs[0]
        self.assertEqual(r["aor"], "sip:alice@carrier.test")
        self.assertEqual(r["contact"], p.contact_uri)
        self.assertEqual(r["source"], "127.0.0.1:%d" % p.local_port)
        self.assertEqual(r["carrier"], "test")
        self.assertEqual(r["profile"], "spectralink")
        self.assertEqual(r["flow"], contact.split(":")[1].split("@")[0])
        self.assertTrue(0 < r["expires_in"] <= 600)
        self.assertFalse(r["held_by_edge"])
        self.assertEqual(self.edge.status()["registrations"], 1)

    def test_contact_star_removes_the_binding(self):
        p, _ = self.registered_phone()
        m = p.req("REGISTER", "sip:carrier.test", to=p.aor, contact="*", cseq=2,
                  extra=[("Expires", "0")])
        p.send(m)
        reg = self.carrier.stream.expect(lambda x: x.is_request and x.get("Contact") == "*")
        self.assertEqual(reg.get("Expires"), "0")
        p.expect_response("REGISTER", 200)
        self.assertEqual(self.edge.json("registrations")["items"], [])

    def test_refresh_keeps_one_binding_and_expires_zero_removes_it(self):
        p, _ = self.registered_phone()
        p.register(cseq=2)
        p.expect_response("REGISTER", 200)
        self.assertEqual(len(self.edge.json("registrations")["items"]), 1)
        p.register(expires=0, cseq=3)
        p.expect_response("REGISTER", 200)
        self.assertEqual(self.edge.json("registrations")["items"], [])

    def test_two_phones_on_one_aor_are_two_bindings(self):
        a, _ = self.registered_phone()
        b, _ = self.registered_phone()
        regs = self.edge.json("registrations")["items"]
        self.assertEqual(len(regs), 2)
        self.assertEqual({r["source"] for r in regs},
                         {"127.0.0.1:%d" % a.local_port, "127.0.0.1:%d" % b.local_port})

    def test_binding_goes_with_the_flow(self):
        p, _ = self.registered_phone()
        p.close()
        self.assertTrue(wait_for(lambda: self.edge.json("registrations")["items"] == [], 5))

    def test_register_for_unknown_domain_is_refused_with_404(self):
        p = self.phone(aor="sip:alice@nowhere.test")
        p.register()
        resp = p.expect_response("REGISTER")
        self.assertEqual(resp.status, 404)
        self.assertIn("nowhere.test", resp.start)


class InboundCalls(ProxyCase):
    def test_carrier_call_reaches_phone_over_its_flow_with_its_own_contact(self):
        p, _ = self.registered_phone()
        self.carrier_invite("sip:alice@carrier.test")
        trying = self.carrier.stream.expect_response("INVITE", 100)
        inv = p.expect_request("INVITE")
        self.assertEqual(inv.ruri, p.contact_uri)         # restored, port 5062 and all
        rr = route_set(inv)
        self.assertEqual(len(rr), 3)
        self.assertIn(";sipedge=p", rr[0])
        self.assertIn(";sipedge=c-test", rr[1])
        # The phone answers; the carrier hears it without the edge's Via.
        p.send(response(inv, 180, "Ringing", to_tag="ph"))
        ring = self.carrier.stream.expect_response("INVITE", 180)
        self.assertEqual(len(ring.get_all("Via")), 1)
        calls = self.edge.json("calls")["items"]
        self.assertEqual(calls[0]["direction"], "inbound")
        self.assertEqual(calls[0]["state"], "early")
        p.send(response(inv, 200, "OK", to_tag="ph",
                        extra=[("Contact", "<%s>" % p.contact_uri)]))
        ok = self.carrier.stream.expect_response("INVITE", 200)
        self.assertEqual(self.edge.json("calls")["items"][0]["state"], "confirmed")
        # ACK and BYE from the carrier follow the Record-Route to the phone.
        cr = route_set(ok, reverse=True)[1:]    # the UAC's route set, past its own entry
        ack = in_dialog("ACK", ok, cr, p.contact_uri,
                        ("sip:+4930123@carrier.test", ok.tag("From")),
                        ("sip:alice@carrier.test", ok.tag("To")), "in-1", 1,
                        via_host="127.0.0.1", via_port=self.carrier.port)
        self.carrier.stream.send(ack)
        self.assertEqual(p.expect_request("ACK").call_id, "in-1")
        bye = in_dialog("BYE", ok, cr, p.contact_uri,
                        ("sip:+4930123@carrier.test", ok.tag("From")),
                        ("sip:alice@carrier.test", ok.tag("To")), "in-1", 2,
                        via_host="127.0.0.1", via_port=self.carrier.port)
        self.carrier.stream.send(bye)
        pbye = p.expect_request("BYE")
        p.send(response(pbye, 200, "OK"))
        self.carrier.stream.expect_response("BYE", 200)
        self.assertTrue(wait_for(lambda: self.edge.json("calls")["items"] == [], 3))

    def test_two_lines_on_one_phone_each_get_their_own_calls(self):
        p, _ = self.registered_phone()
        line2 = "sip:alice2@192.0.2.10:%d;transport=tls" % p.claimed_port
        reg = p.req("REGISTER", "sip:carrier.test", to="sip:alice2@carrier.test",
                    contact="<%s>" % line2, extra=[("Expires", "600")])
        reg.set("From", "<sip:alice2@carrier.test>;tag=l2")
        p.send(reg)
        ok = p.expect_response("REGISTER", 200)
        self.assertEqual(uri_of(ok.get("Contact")), line2)
        self.assertEqual(len(self.edge.json("registrations")["items"]), 2)
        # The carrier calls line 2 with a To that names neither line (a DID).
        contact = self.carrier.bindings["sip:alice2@carrier.test"]
        inv = self.carrier.req("INVITE", contact, "sip:+4930123@carrier.test",
                               "sip:+49301234567@carrier.test", call_id="line2")
        self.carrier.stream.send(inv)
        self.assertEqual(p.expect_request("INVITE").ruri, line2)
        self.carrier_invite("sip:alice@carrier.test", call_id="line1")
        self.assertEqual(p.expect_request("INVITE").ruri, p.contact_uri)

    def test_number_dialled_at_the_edge_is_not_found_not_forbidden(self):
        inv = self.carrier.req("INVITE", "sip:+4930123456@127.0.0.1:%d;transport=tls"
                               % self.edge.port, "sip:+4930999@carrier.test",
                               "sip:+4930123456@carrier.test", call_id="did")
        self.carrier.stream.send(inv)
        resp = self.carrier.stream.expect(lambda m: not m.is_request and m.status >= 200)
        self.assertEqual(resp.status, 404)

    def test_forged_flow_token_gets_403(self):
        self.registered_phone()
        contact = self.carrier.bindings["sip:alice@carrier.test"]
        token = contact.split(":")[1].split("@")[0]
        forged = token[:-2] + ("a" if token[-2] != "a" else "b") + token[-1]
        self.carrier.bindings["sip:alice@carrier.test"] = contact.replace(token, forged)
        self.carrier_invite("sip:alice@carrier.test", call_id="forged")
        resp = self.carrier.stream.expect(lambda m: not m.is_request and m.status >= 200)
        self.assertEqual(resp.status, 403)

    def test_token_from_before_a_restart_is_a_dead_flow_not_a_forgery(self):
        # No flow_secret: the restarted edge has a new random key as well as
        # a new epoch, and must still tell a stale token from a forged one.
        self.registered_phone()
        streams = len(self.carrier.streams)
        self.edge.stop()
        self.edge.start()
        self.carrier.wait_connected(self.edge, streams + 1)
        self.carrier_invite("sip:alice@carrier.test", call_id="after-restart")
        resp = self.carrier.stream.expect(lambda m: not m.is_request and m.status >= 200)
        self.assertEqual(resp.status, 430)
        self.assertNotIn("refused 403", self.edge.log())

    def test_call_to_closed_flow_fails_fast_without_connecting_to_the_phone(self):
        # Something listens where the phone claims to be: it must stay silent.
        claimed = socket.socket()
        claimed.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        claimed.bind(("127.0.0.1", 0))
        claimed.listen(4)
        claimed.settimeout(0.2)
        self.addCleanup(claimed.close)
        port = claimed.getsockname()[1]
        p = TlsPhone(self.edge.port, claimed_port=port)
        p.contact_uri = "sip:alice@127.0.0.1:%d;transport=tls" % port
        p.register()
        p.expect_response("REGISTER", 200)
        peer = "127.0.0.1:%d" % p.local_port
        p.close()
        # The edge closes its side at once and drops the flow's binding:
        # sipedgectl shows neither, and the log says the phone went.
        self.assertTrue(wait_for(lambda: not [
            c for c in self.edge.json("connections")["items"] if c["peer"] == peer], 5),
            self.edge.json("connections"))
        self.assertEqual(self.edge.json("registrations")["items"], [])
        self.assertRegex(self.edge.log(), r"conn \d+ phone %s closed: " % re.escape(peer))
        t0 = time.monotonic()
        self.carrier_invite("sip:alice@carrier.test", call_id="dead-flow")
        resp = self.carrier.stream.expect(lambda m: not m.is_request and m.status >= 200)
        self.assertIn(resp.status, (430, 480))
        self.assertLess(time.monotonic() - t0, 1.0)
        with self.assertRaises(socket.timeout):
            claimed.accept()

    def test_message_outside_a_dialog_reaches_the_phone(self):
        p, _ = self.registered_phone()
        contact = self.carrier.bindings["sip:alice@carrier.test"]
        msg = self.carrier.req("MESSAGE", contact, "sip:bob@carrier.test",
                               "sip:alice@carrier.test", call_id="msg-in")
        msg.body = "hello"
        msg.set("Content-Type", "text/plain")
        self.carrier.stream.send(msg)
        got = p.expect_request("MESSAGE")
        self.assertEqual(got.body, "hello")
        p.send(response(got, 200, "OK", to_tag="m"))
        self.carrier.stream.expect_response("MESSAGE", 200)

    def test_carrier_cancel_stops_the_ringing_phone(self):
        p, _ = self.registered_phone()
        inv = self.carrier_invite("sip:alice@carrier.test", call_id="in-cancel")
        pinv = p.expect_request("INVITE")
        p.send(response(pinv, 180, "Ringing", to_tag="ph"))
        self.carrier.stream.expect_response("INVITE", 180)
        cancel = cancel_for(inv)
        self.carrier.stream.send(cancel)
        self.carrier.stream.expect_response("CANCEL", 200)
        pcancel = p.expect_request("CANCEL")
        self.assertEqual(pcancel.get_all("Via")[0], pinv.get_all("Via")[0])
        p.send(response(pcancel, 200, "OK"))
        p.send(response(pinv, 487, "Request Terminated", to_tag="ph"))
        self.carrier.stream.expect_response("INVITE", 487)
        self.assertEqual(p.expect_request("ACK").cseq, (1, "ACK"))   # hop-by-hop
        self.assertTrue(wait_for(lambda: self.edge.json("calls")["items"] == [], 3))


class FlowFailedCode(ProxyCase):
    carrier_extra = "flow_failed_code = 480\n"

    def test_carrier_configured_for_480_gets_480_for_a_dead_flow(self):
        p, _ = self.registered_phone()
        p.close()
        self.assertTrue(wait_for(lambda: self.edge.json("registrations")["items"] == [], 5))
        self.carrier_invite("sip:alice@carrier.test", call_id="dead-480")
        resp = self.carrier.stream.expect(lambda m: not m.is_request and m.status >= 200)
        self.assertEqual(resp.status, 480)


class PathHeader(ProxyCase):
    carrier_extra = "path = yes\n"

    def test_path_carries_the_flow_token_and_routes_calls_back(self):
        p = self.phone()
        p.register()
        reg = self.carrier.stream.expect_request("REGISTER")
        path = uri_of(reg.get("Path"))
        token = uri_of(reg.get("Contact")).split(":")[1].split("@")[0]
        self.assertRegex(path, r"^sip:%s@127\.0\.0\.1:\d+;transport=tls;lr;ob;sipedge=p$" % token)
        p.expect_response("REGISTER", 200)
        # A carrier that routes by Path: Route to the Path entry, R-URI as
        # it was registered.
        inv = self.carrier.req("INVITE", self.carrier.bindings["sip:alice@carrier.test"],
                               "sip:bob@carrier.test", "sip:alice@carrier.test",
                               call_id="via-path", extra=[("Route", "<%s>" % path)])
        self.carrier.stream.send(inv)
        got = p.expect_request("INVITE")
        self.assertEqual(got.ruri, p.contact_uri)
        self.assertIsNone(got.get("Route"))


class Timeouts(ProxyCase):
    def test_request_the_carrier_never_answers_gets_408(self):
        p, _ = self.registered_phone()
        m = p.req("MESSAGE", "sip:bob@carrier.test", call_id="silent")
        m.body = "anyone?"
        m.set("Content-Type", "text/plain")
        t0 = time.monotonic()
        p.send(m)
        self.carrier.stream.expect_request("MESSAGE")      # and never answered
        resp = p.expect_response("MESSAGE", timeout=40)
        self.assertEqual(resp.status, 408)
        self.assertGreater(time.monotonic() - t0, 31)
        self.assertEqual(len(resp.get_all("Via")), 1)       # the phone's own


class OutboundCalls(ProxyCase):
    def invite(self, p, call_id="out-1", to="sip:bob@carrier.test"):
        inv = p.req("INVITE", to, call_id=call_id,
                    body="v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\n"
                         "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n")
        p.send(inv)
        return inv

    def test_phone_call_gets_trying_at_once_and_is_record_routed(self):
        p, _ = self.registered_phone()
        self.invite(p)
        self.assertEqual(p.expect_response("INVITE").status, 100)
        inv = self.carrier.stream.expect_request("INVITE")
        rr = route_set(inv)
        self.assertEqual(len(rr), 2)
        self.assertIn(";sipedge=c-test", rr[0])
        self.assertIn(";sipedge=p", rr[1])
        self.assertEqual(inv.get("Route"), None)           # the edge's own Route is gone
        self.assertEqual(inv.get("Max-Forwards"), "69")
        self.assertIn("received=127.0.0.1", inv.get_all("Via")[1])
        self.carrier.stream.send(response(inv, 180, "Ringing", to_tag="cb"))
        p.expect_response("INVITE", 180)
        self.carrier.stream.send(response(inv, 200, "OK", to_tag="cb",
                                          extra=[("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>"
                                                  % self.carrier.port)]))
        ok = p.expect_response("INVITE", 200)
        calls = self.edge.json("calls")["items"]
        self.assertEqual((calls[0]["direction"], calls[0]["state"], calls[0]["carrier"]),
                         ("outbound", "confirmed", "test"))
        # The phone's ACK and the carrier's BYE both pass the edge.
        rs = route_set(ok, reverse=True)
        bob = uri_of(ok.get("Contact"))
        ack = in_dialog("ACK", ok, rs, bob, (p.aor, ok.tag("From")),
                        ("sip:bob@carrier.test", ok.tag("To")), "out-1", 1,
                        via_port=p.claimed_port)
        p.send(ack)
        cack = self.carrier.stream.expect_request("ACK")
        self.assertEqual(cack.ruri, bob)
        bye = self.carrier.req("BYE", p.contact_uri, "sip:bob@carrier.test", p.aor,
                               call_id="out-1", cseq=1, from_tag=ok.tag("To"),
                               to_tag=ok.tag("From"),
                               extra=[("Route", "<%s>" % r) for r in route_set(inv)])
        self.carrier.stream.send(bye)
        pbye = p.expect_request("BYE")
        p.send(response(pbye, 200, "OK"))
        self.carrier.stream.expect_response("BYE", 200)
        self.assertTrue(wait_for(lambda: self.edge.json("calls")["items"] == [], 3))

    def ringing(self, call_id):
        """A registered phone's call, ringing at the carrier: (phone, INVITE
        as sent, INVITE as the carrier got it)."""
        p, _ = self.registered_phone()
        inv = self.invite(p, call_id=call_id)
        p.expect_response("INVITE", 100)
        cinv = self.carrier.stream.expect_request("INVITE")
        self.carrier.stream.send(response(cinv, 180, "Ringing", to_tag="cb"))
        p.expect_response("INVITE", 180)
        return p, inv, cinv

    def test_cancel_before_answer_is_hop_by_hop(self):
        p, inv, cinv = self.ringing("out-cancel")
        cancel = cancel_for(inv)
        p.send(cancel)
        p.expect_response("CANCEL", 200)
        ccancel = self.carrier.stream.expect_request("CANCEL")
        self.assertEqual(ccancel.get_all("Via")[0], cinv.get_all("Via")[0])
        self.carrier.stream.send(response(ccancel, 200, "OK"))
        self.carrier.stream.send(response(cinv, 487, "Request Terminated", to_tag="cb"))
        p.expect_response("INVITE", 487)
        cack = self.carrier.stream.expect_request("ACK")       # generated by the edge
        self.assertEqual(cack.get_all("Via")[0], cinv.get_all("Via")[0])
        # The phone's own ACK for the 487 ends at the edge.
        pack = Msg("ACK %s SIP/2.0" % inv.ruri,
                   [(n, v) for n, v in inv.headers
                    if n.lower() in ("via", "from", "call-id", "route", "max-forwards")] +
                   [("To", "<sip:bob@carrier.test>;tag=cb"), ("CSeq", "1 ACK")])
        p.send(pack)
        self.assertTrue(self.carrier.stream.nothing(
            lambda m: m.is_request and m.method == "ACK", 1.0))
        self.assertTrue(wait_for(lambda: self.edge.json("calls")["items"] == [], 3))

    def test_carrier_bye_racing_a_cancel_leaves_both_sides_consistent(self):
        p, inv, cinv = self.ringing("race")
        # The phone gives up just as the carrier answers and hangs up at once.
        cancel = cancel_for(inv)
        p.send(cancel)
        ok = response(cinv, 200, "OK", to_tag="cb",
                      extra=[("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>" % self.carrier.port)])
        self.carrier.stream.send(ok)
        bye = self.carrier.req("BYE", p.contact_uri, "sip:bob@carrier.test", p.aor,
                               call_id="race", cseq=1, from_tag="cb", to_tag=inv.tag("From"),
                               extra=[("Route", "<%s>" % r) for r in route_set(cinv)])
        self.carrier.stream.send(bye)
        p.expect_response("CANCEL", 200)
        pok = p.expect_response("INVITE", 200)      # the answer still reaches the phone
        pbye = p.expect_request("BYE")
        p.send(response(pbye, 200, "OK"))
        self.carrier.stream.expect_response("BYE", 200)
        ccancel = self.carrier.stream.expect_request("CANCEL")
        self.carrier.stream.send(response(ccancel, 200, "OK"))
        self.assertEqual(pok.call_id, "race")
        self.assertTrue(wait_for(lambda: self.edge.json("calls")["items"] == [], 3))
        self.assertIsNone(self.edge.proc.poll())

    def test_max_forwards_zero_gets_483(self):
        p, _ = self.registered_phone()
        m = p.req("MESSAGE", "sip:bob@carrier.test", call_id="mf0")
        m.set("Max-Forwards", "0")
        p.send(m)
        self.assertEqual(p.expect_response("MESSAGE").status, 483)

    def test_in_dialog_info_refer_notify_pass_both_ways(self):
        p, _ = self.registered_phone()
        self.invite(p, call_id="dlg")
        cinv = self.carrier.stream.expect_request("INVITE")
        self.carrier.stream.send(response(cinv, 200, "OK", to_tag="cb",
                                          extra=[("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>"
                                                  % self.carrier.port)]))
        ok = p.expect_response("INVITE", 200)
        rs = route_set(ok, reverse=True)
        bob = uri_of(ok.get("Contact"))
        for n, method in enumerate(("INFO", "REFER", "NOTIFY", "UPDATE"), start=2):
            m = in_dialog(method, ok, rs, bob, (p.aor, ok.tag("From")),
                          ("sip:bob@carrier.test", "cb"), "dlg", n, via_port=p.claimed_port)
            p.send(m)
            got = self.carrier.stream.expect_request(method)
            self.carrier.stream.send(response(got, 200, "OK"))
            self.assertEqual(p.expect_response(method).status, 200)
            back = self.carrier.req(method, p.contact_uri, "sip:bob@carrier.test", p.aor,
                                    call_id="dlg", cseq=n, from_tag="cb",
                                    to_tag=ok.tag("From"),
                                    extra=[("Route", "<%s>" % r) for r in route_set(cinv)])
            self.carrier.stream.send(back)
            pgot = p.expect_request(method)
            p.send(response(pgot, 200, "OK"))
            self.assertEqual(self.carrier.stream.expect_response(method).status, 200)


class Scale(ProxyCase):
    phones_extra = "max_connections_per_ip = 200\n"

    def test_100_registrations_then_100_calls(self):
        phones = []
        for i in range(100):
            ph = self.phone(aor="sip:u%03d@carrier.test" % i)
            ph.register()
            phones.append(ph)
        for ph in phones:
            ph.expect_response("REGISTER", 200)
        self.assertEqual(self.edge.status()["registrations"], 100)
        t0 = time.monotonic()
        for i, ph in enumerate(phones):
            self.carrier_invite(ph.aor, call_id="scale-%d" % i)
        for i, ph in enumerate(phones):
            inv = ph.expect_request("INVITE")
            self.assertEqual(inv.call_id, "scale-%d" % i)   # each on its own flow
            ph.send(response(inv, 200, "OK", to_tag="t%d" % i,
                             extra=[("Contact", "<%s>" % ph.contact_uri)]))
        oks = [self.carrier.stream.expect_response("INVITE", 200, timeout=10) for _ in phones]
        self.assertEqual(len({o.call_id for o in oks}), 100)
        self.assertEqual(self.edge.status()["calls"], 100)
        elapsed = time.monotonic() - t0
        self.assertLess(elapsed, 10)
