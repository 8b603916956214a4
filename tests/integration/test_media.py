"""Media anchoring with real peers (issue 9): baresip behind the edge with
srtp-mand (RTP/SAVP) calls and is called by a baresip at Kamailio with
srtp (RTP/AVP with a=crypto) or plain RTP; each sends its own tone and
records what it hears, so a test knows audio went both ways through the
relay with a key of its own on each leg. Scripted phones send the
Spectralink dual offer and the Cisco shape and check the answers."""
import random
import re
import signal
import socket
import struct
import time
import unittest

from baresip import Baresip, tone_share
from edge import Edge, certs, wait_for
from kamailio import Kamailio
from sipua import ScriptedCarrier, TlsPhone, cancel_for, in_dialog, response, uri_of

MEDIA = "timeout = {timeout}\n"

CARRIER_CONF = """[carrier kamailio]
domain = carrier.test
server = 127.0.0.1:{port}
tls_verify_name = carrier.test
ca_file = {certs}/ca.crt
srtp = {srtp}
srtp_profile = RTP/AVP
"""

PHONE_TONE, CARRIER_TONE = 440.0, 1250.0


def sdp_of(text):
    """The SDP body of a traced message."""
    i = text.find("\r\n\r\n")
    return text[i + 4:] if i >= 0 else ""


def keys_of(sdp):
    return re.findall(r"a=crypto:\d+ \S+ inline:([A-Za-z0-9+/=]+)", sdp)


def audio_of(sdp):
    """(address, port, proto) of the first audio m-line."""
    c = re.search(r"^c=IN IP[46] (\S+)", sdp, re.M)
    m = re.search(r"^m=audio (\d+) (\S+)", sdp, re.M)
    return (c.group(1) if c else None, int(m.group(1)) if m else None,
            m.group(2) if m else None)


class Anchored:
    """The check every media test makes of SDP the edge sent (self.edge)."""

    def assertAnchored(self, sdp, proto, theirs=None):
        """sdp is the edge's: its first audio m= line on the relay's
        address and a port of the edge's range, in proto; given theirs
        (what the other side sent), with keys of the edge's own, none of
        them in theirs. Returns the port."""
        addr, port, got = audio_of(sdp)
        self.assertEqual((addr, got), ("127.0.0.1", proto), sdp)
        self.assertTrue(self.edge.media_ports[0] <= port <= self.edge.media_ports[1], sdp)
        if theirs is not None:
            self.assertTrue(keys_of(sdp), sdp)
            self.assertFalse(set(keys_of(sdp)) & set(keys_of(theirs)), sdp)
        return port


class MediaPeers(Anchored, unittest.TestCase):
    carrier_srtp = "mandatory"
    timeout = 60

    def setUp(self):
        self.kam = Kamailio()
        self.addCleanup(self.kam.close)
        self.kam.start()
        self.edge = Edge(carriers={}, srtp=None)
        self.edge.edit_main("[media]", MEDIA.format(timeout=self.timeout))
        self.edge.write_carrier("kamailio", None, CARRIER_CONF.format(
            port=self.kam.port, certs=certs(), srtp=self.carrier_srtp))
        self.addCleanup(self.edge.close)
        self.edge.start()
        self.assertTrue(wait_for(lambda: self.edge.json("carriers")["items"][0]["state"]
                                 == "connected", 10))

    def phone(self, user="alice", **kw):
        kw.setdefault("mediaenc", "srtp-mand")
        b = Baresip(user, self.kam.password(user),
                    "sip:127.0.0.1:%d;transport=tls" % self.edge.port,
                    tone_hz=PHONE_TONE, record=True, **kw)
        self.addCleanup(b.close)
        return b.start()

    def carrier_user(self, user="bob", **kw):
        kw.setdefault("mediaenc", "srtp")
        b = Baresip(user, self.kam.password(user), self.kam.outbound,
                    tone_hz=CARRIER_TONE, record=True, **kw)
        self.addCleanup(b.close)
        return b.start()

    def established(self, caller, callee, uri):
        self.assertTrue(caller.dial(uri)["ok"])
        self.assertTrue(callee.wait_state("established"), callee.events)
        self.assertTrue(caller.wait_state("established"), caller.events)

    def legs(self):
        calls = self.edge.json("calls")["items"]
        return {l["side"]: l for l in calls[0]["legs"]} if calls else {}

    def flowing(self, since=None, packets=50):
        """Both legs have had packets in and out (more than since had)."""
        def ok():
            legs = self.legs()
            if set(legs) != {"phone", "carrier"}:
                return False
            for side, l in legs.items():
                base = since[side] if since else {"packets_in": 0, "packets_out": 0}
                if (l["packets_in"] - base["packets_in"] < packets or
                        l["packets_out"] - base["packets_out"] < packets):
                    return False
            return True
        return wait_for(ok, 10)

    def hears(self, b, hz):
        """The newest recording of b carries the tone hz."""
        files = b.dumps("dec")
        self.assertTrue(files, "no recording")
        share = tone_share(files[-1], hz, skip_seconds=0.5)
        self.assertGreater(share, 0.5, "%s hears %.2f of %.0f Hz" % (b.user, share, hz))

    def sdp_received(self, b, first):
        """The SDP of the last message b received whose first line starts so."""
        msgs = [t for t in b.trace() if not t["out"] and t["first"].startswith(first)
                and "m=audio" in t["text"]]
        self.assertTrue(msgs, "%s received no %s with SDP" % (b.user, first))
        return sdp_of(msgs[-1]["text"])

    def sdp_sent(self, b, first):
        msgs = [t for t in b.trace() if t["out"] and t["first"].startswith(first)
                and "m=audio" in t["text"]]
        self.assertTrue(msgs, "%s sent no %s with SDP" % (b.user, first))
        return sdp_of(msgs[-1]["text"])

    def check_anchored(self, received, sent_by_peer, proto):
        """An SDP a baresip received names the relay, in its shape, with a
        key different from any its peer sent."""
        plain = proto == "RTP/AVP" and not keys_of(received)
        port = self.assertAnchored(received, proto, None if plain else sent_by_peer)
        self.assertNotEqual(port, audio_of(sent_by_peer)[1])


class SrtpBothLegs(MediaPeers):
    def test_srtp_phone_calls_srtp_carrier_user_audio_both_ways_with_own_keys(self):
        bob = self.carrier_user()
        alice = self.phone()
        self.established(alice, bob, "sip:bob@carrier.test")
        self.assertTrue(self.flowing(), self.legs())
        time.sleep(2)
        legs = self.legs()
        self.assertEqual(legs["phone"]["srtp_suite"], "AES_CM_128_HMAC_SHA1_80")
        self.assertNotEqual(legs["carrier"]["srtp_suite"], "none")
        self.assertEqual(legs["phone"]["srtp_failures"], 0)
        self.assertEqual(legs["carrier"]["srtp_failures"], 0)
        self.assertRegex(legs["phone"]["local"], r"^127\.0\.0\.1:\d+$")
        self.assertRegex(legs["carrier"]["remote"], r"^127\.0\.0\.1:\d+$")
        # The table shows each leg's suite and packets.
        rc, table, err = self.edge.ctl("calls", as_json=False)
        self.assertEqual(rc, 0, err)
        self.assertRegex(table, r"phone AES_CM_128_HMAC_SHA1_80 \d+/\d+, carrier AES_CM_128_\S+ \d+/\d+")
        # bob was offered RTP/AVP with crypto (srtp_profile), alice answered SAVP.
        self.check_anchored(self.sdp_received(bob, "INVITE"), self.sdp_sent(alice, "INVITE"),
                            "RTP/AVP")
        self.check_anchored(self.sdp_received(alice, "SIP/2.0 200"),
                            self.sdp_sent(bob, "SIP/2.0 200"), "RTP/SAVP")
        alice.hangup()
        self.assertTrue(bob.wait_state("closed"), bob.events)
        self.hears(alice, CARRIER_TONE)
        self.hears(bob, PHONE_TONE)
        self.assertTrue(wait_for(lambda: self.edge.json("media")["sessions"] == 0, 5))
        media = self.edge.json("media")
        self.assertIn(media["io"], ("io_uring", "epoll"))
        self.assertGreater(media["packets_relayed"], 200)

    def test_carrier_user_calls_phone_and_hold_resume_keeps_audio(self):
        alice = self.phone()
        bob = self.carrier_user()
        self.established(bob, alice, "sip:alice@carrier.test")
        self.assertTrue(self.flowing(), self.legs())
        self.check_anchored(self.sdp_received(alice, "INVITE"), self.sdp_sent(bob, "INVITE"),
                            "RTP/SAVP")
        bob.hold()
        self.assertTrue(wait_for(lambda: "a=sendonly" in self.sdp_received(alice, "INVITE")
                                 or "a=inactive" in self.sdp_received(alice, "INVITE"), 5))
        time.sleep(1)
        bob.resume()
        self.assertTrue(wait_for(lambda: "a=sendrecv" in self.sdp_received(alice, "INVITE"), 5))
        before = self.legs()
        self.assertTrue(self.flowing(since=before), (before, self.legs()))
        self.assertEqual(self.legs()["phone"]["srtp_failures"], 0)
        self.assertEqual(self.legs()["carrier"]["srtp_failures"], 0)
        bob.hangup()
        self.assertTrue(alice.wait_state("closed"), alice.events)
        self.hears(alice, CARRIER_TONE)
        self.hears(bob, PHONE_TONE)

    def test_plain_carrier_user_against_mandatory_carrier_is_refused_with_488(self):
        bob = self.carrier_user(mediaenc=None)
        alice = self.phone()
        self.assertTrue(alice.dial("sip:bob@carrier.test")["ok"])
        self.assertTrue(self.edge.wait_log("media refused call=", 10), self.edge.log())
        line = [l for l in self.edge.log().splitlines() if "media refused call=" in l][0]
        self.assertRegex(line, r"media refused call=\S+ side=carrier reason=")
        self.assertTrue(alice.wait_state("closed"), alice.events)
        self.assertTrue(wait_for(lambda: self.edge.json("media")["sessions"] == 0, 5))


class PlainCarrierLeg(MediaPeers):
    carrier_srtp = "optional"

    def test_srtp_phone_to_plain_carrier_user_rekeys_to_plain_rtp(self):
        bob = self.carrier_user(mediaenc=None)
        alice = self.phone()
        self.established(alice, bob, "sip:bob@carrier.test")
        self.assertTrue(self.flowing(), self.legs())
        legs = self.legs()
        self.assertEqual(legs["carrier"]["srtp_suite"], "none")
        self.assertEqual(legs["phone"]["srtp_suite"], "AES_CM_128_HMAC_SHA1_80")
        # RFC 8643: the carrier was offered RTP/AVP with crypto and declined it.
        offer = self.sdp_received(bob, "INVITE")
        self.assertEqual(audio_of(offer)[2], "RTP/AVP")
        self.assertTrue(keys_of(offer))
        self.check_anchored(self.sdp_received(alice, "SIP/2.0 200"),
                            self.sdp_sent(bob, "SIP/2.0 200"), "RTP/SAVP")
        time.sleep(2)
        alice.hangup()
        self.assertTrue(bob.wait_state("closed"), bob.events)
        self.hears(alice, CARRIER_TONE)
        self.hears(bob, PHONE_TONE)

    def test_phone_holds_and_resumes_with_a_plain_carrier_leg_and_audio_comes_back(self):
        bob = self.carrier_user(mediaenc=None)
        alice = self.phone()
        self.established(alice, bob, "sip:bob@carrier.test")
        self.assertTrue(self.flowing(), self.legs())
        first = self.sdp_received(bob, "INVITE")

        def offered(direction):
            sdp = self.sdp_received(bob, "INVITE")
            return sdp != first and "a=" + direction in sdp

        alice.hold()
        self.assertTrue(wait_for(lambda: offered("sendonly") or offered("inactive"), 5),
                        self.sdp_received(bob, "INVITE"))
        hold = self.sdp_received(bob, "INVITE")
        # The re-offer keeps the carrier leg's relay port, in the same shape
        # (RFC 8643: RTP/AVP with crypto, which bob declines again).
        self.assertEqual(audio_of(hold)[:3], audio_of(first)[:3], hold)
        self.assertTrue(keys_of(hold))
        time.sleep(1)
        alice.resume()
        self.assertTrue(wait_for(lambda: offered("sendrecv"), 5), self.sdp_received(bob, "INVITE"))
        before = self.legs()
        self.assertTrue(self.flowing(since=before), (before, self.legs()))
        legs = self.legs()
        self.assertEqual(legs["carrier"]["srtp_suite"], "none")
        self.assertEqual(legs["phone"]["srtp_suite"], "AES_CM_128_HMAC_SHA1_80")
        self.assertEqual(legs["phone"]["srtp_failures"], 0)
        time.sleep(2)
        alice.hangup()
        self.assertTrue(bob.wait_state("closed"), bob.events)
        self.hears(alice, CARRIER_TONE)
        self.hears(bob, PHONE_TONE)


class MediaTimeout(MediaPeers):
    timeout = 60

    def test_silent_call_ends_with_bye_to_both_sides(self):
        bob = self.carrier_user()
        alice = self.phone()
        self.established(alice, bob, "sip:bob@carrier.test")
        self.assertTrue(self.flowing(), self.legs())
        # [media] timeout is reloadable: 60 s becomes 5 s for the running call.
        text = open(self.edge.conf).read()
        self.assertIn("timeout = 60\n", text)
        self.edge.write_main(text.replace("timeout = 60\n", "timeout = 5\n"))
        self.edge.kill(signal.SIGHUP)
        self.assertTrue(self.edge.wait_log("applied", 5), self.edge.log())
        # Both phones freeze: no packets either way, no SIP either.
        bob.proc.proc.send_signal(signal.SIGSTOP)
        alice.proc.proc.send_signal(signal.SIGSTOP)
        try:
            self.assertTrue(self.edge.wait_log("no packets for", 15), self.edge.log())
            self.assertTrue(wait_for(lambda: self.edge.json("calls")["items"] == [], 5))
        finally:
            bob.proc.proc.send_signal(signal.SIGCONT)
            alice.proc.proc.send_signal(signal.SIGCONT)
        self.assertTrue(alice.wait_state("closed", 10), alice.events)
        self.assertTrue(bob.wait_state("closed", 10), bob.events)
        self.assertTrue(any(t["first"].startswith("BYE ") for t in alice.received()))
        self.assertTrue(any(t["first"].startswith("BYE ") for t in bob.received()))
        self.assertEqual(self.edge.json("media")["sessions"], 0)


DUAL = ("v=0\r\no=- 7 7 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
        "m=audio 4000 RTP/SAVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
        "a=rtpmap:101 telephone-event/8000\r\n"
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4\r\n"
        "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n"
        "a=sendrecv\r\n"
        "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
        "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n")
CISCO = ("v=0\r\no=- 9 9 IN IP4 192.0.2.11\r\ns=-\r\nc=IN IP4 192.0.2.11\r\nt=0 0\r\n"
         "m=audio 16384 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
         "a=rtpmap:101 telephone-event/8000\r\n"
         "a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n"
         "a=sendrecv\r\n")
CARRIER_ANSWER = ("v=0\r\no=gw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                  "m=audio 5004 RTP/SAVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
                  "a=rtpmap:101 telephone-event/8000\r\n"
                  "a=crypto:{tag} AES_CM_128_HMAC_SHA1_80 "
                  "inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj\r\n")
# The Cisco phone's next offer: a new key and o= version.
CISCO_REKEY = CISCO.replace("NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj",
                            "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk").replace(" 9 9 ", " 9 10 ")
# The carrier answering plain RTP, which srtp = mandatory refuses.
PLAIN_ANSWER = re.sub(r"RTP/SAVP", "RTP/AVP", re.sub(r"a=crypto:.*\r\n", "", CARRIER_ANSWER))

SCRIPTED_CARRIER = """[carrier test]
domain = carrier.test
server = 127.0.0.1:{port}
tls_verify_name = carrier.test
ca_file = {certs}/ca.crt
"""


class ScriptedCase(Anchored, unittest.TestCase):
    """A scripted phone and a scripted carrier with the defaults
    (srtp = mandatory, RTP/SAVP)."""
    media_ports = None
    media_timeout = 60
    phones_extra = ""
    carrier_extra = ""

    def setUp(self):
        self.carrier = ScriptedCarrier().start()
        self.addCleanup(self.carrier.stop)
        self.edge = Edge(carriers={}, srtp=None, media_ports=self.media_ports,
                         phones_extra=self.phones_extra)
        self.edge.edit_main("[media]", MEDIA.format(timeout=self.media_timeout))
        self.edge.write_carrier("test", None, SCRIPTED_CARRIER.format(
            port=self.carrier.port, certs=certs()) + self.carrier_extra)
        self.addCleanup(self.edge.close)
        self.edge.start()
        self.carrier.wait_connected(self.edge)
        wait_for(lambda: self.edge.json("carriers")["items"][0]["state"] == "connected", 10)

    def registered_phone(self, ua):
        """A scripted phone of that User-Agent, registered through the edge."""
        p = TlsPhone(self.edge.port, user_agent=ua)
        self.addCleanup(p.close)
        p.register()
        p.expect_response("REGISTER", 200)
        return p

    def call(self, ua, body):
        p = self.registered_phone(ua)
        inv = p.req("INVITE", "sip:bob@carrier.test", body=body)
        p.send(inv)
        out = self.carrier.stream.expect_request("INVITE")
        offer = out.body
        self.assertEqual(offer.count("m=audio"), 1, offer)
        self.assertAnchored(offer, "RTP/SAVP", body)
        self.assertIn("telephone-event", offer)
        tag = re.search(r"a=crypto:(\d+) AES_CM_128_HMAC_SHA1_80", offer).group(1)
        self.carrier.stream.send(response(out, 200, "OK", to_tag="gw", body=CARRIER_ANSWER.format(tag=tag),
                                          extra=[("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>"
                                                  % self.carrier.port)]))
        ok = p.expect_response("INVITE", 200)
        self.last = (p, out, ok)
        return ok.body

    def answered_call(self):
        """A Cisco-shaped call through the edge, answered: the phone's
        dialog as phone_request() wants it."""
        self.call("Cisco/SPA504G-7.6.2", CISCO)
        p, out, ok = self.last
        return {"p": p, "out": out, "ok": ok,
                "route": [uri_of(v) for v in reversed(ok.get_all("Record-Route"))],
                "frm": (p.aor, ok.tag("From")), "to": ("sip:bob@carrier.test", ok.tag("To"))}

    def carrier_request(self, method, d, cseq, sdp=False):
        """The carrier's request in the answered call d (answered_call()),
        with its Contact; sdp: a Content-Type for the body to come."""
        out = d["out"]
        m = in_dialog(method, out, [uri_of(r) for r in out.get_all("Record-Route")],
                      uri_of(out.get("Contact")), ("sip:bob@carrier.test", "gw"),
                      (d["p"].aor, d["ok"].tag("From")), out.call_id, cseq,
                      via_host="127.0.0.1", via_port=self.carrier.port)
        m.headers.append(("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>" % self.carrier.port))
        if sdp:
            m.headers.append(("Content-Type", "application/sdp"))
        return m

    def phone_request(self, method, d, cseq):
        return in_dialog(method, d["ok"], d["route"], uri_of(d["ok"].get("Contact")), d["frm"],
                         d["to"], d["ok"].call_id, cseq, via_port=d["p"].claimed_port)

    def carrier_call(self, p, body, call_id):
        """The carrier's INVITE with body to registered phone p; returns
        the INVITE the phone got."""
        inv = self.carrier.req("INVITE", self.carrier.bindings[p.aor], "sip:+4930123@carrier.test",
                               p.aor, call_id=call_id, body=body,
                               contact="<sip:gw@127.0.0.1:%d;transport=tls>" % self.carrier.port,
                               extra=[("Record-Route", "<sip:127.0.0.1:%d;transport=tls;lr>"
                                       % self.carrier.port)])
        self.carrier.stream.send(inv)
        return p.expect_request("INVITE")

    def assertRemote(self, side, addr):
        """The relay sends to addr on side's leg of the (only) call, once
        its thread has taken the update from its queue."""
        def remote():
            legs = self.edge.json("calls")["items"][0]["legs"]
            return {l["side"]: l for l in legs}[side]["remote"]
        self.assertTrue(wait_for(lambda: remote() == addr, 3), remote())

    def udp(self):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(u.close)
        u.bind(("127.0.0.1", 0))
        u.settimeout(2)
        return u, u.getsockname()[1]


class ScriptedShapes(ScriptedCase):
    """Phones whose SDP shapes carriers mishandle."""

    def cisco_invite(self):
        """A Cisco phone's INVITE through the edge: the phone, what the
        carrier got, and the carrier's answer to it (not sent)."""
        p = self.registered_phone("Cisco/SPA504G-7.6.2")
        p.send(p.req("INVITE", "sip:bob@carrier.test", body=CISCO))
        out = self.carrier.stream.expect_request("INVITE")
        tag = re.search(r"a=crypto:(\d+) AES_CM_128_HMAC_SHA1_80", out.body).group(1)
        return p, out, CARRIER_ANSWER.format(tag=tag)

    @staticmethod
    def elsewhere(sdp, port, origin):
        """The carrier's SDP from another peer: port, o= line and key."""
        return sdp.replace("m=audio 5004", "m=audio %d" % port).replace("o=gw 1 1", origin) \
            .replace("d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj",
                     "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw")

    def test_spectralink_dual_offer_reaches_the_carrier_as_one_and_is_answered_in_shape(self):
        answer = self.call("Spectralink 8440 6.2.2", DUAL)
        lines = re.findall(r"^m=audio (\d+) (\S+)", answer, re.M)
        # Two m-lines in the offer's order: SAVP taken, AVP refused with port 0.
        self.assertEqual(len(lines), 2, answer)
        self.assertEqual(lines[0][1], "RTP/SAVP")
        self.assertTrue(self.edge.media_ports[0] <= int(lines[0][0]) <= self.edge.media_ports[1])
        self.assertEqual(lines[1], ("0", "RTP/AVP"))
        crypto = re.findall(r"a=crypto:(\d+) (\S+) inline:(\S+)", answer)
        self.assertEqual(len(crypto), 1, answer)
        self.assertIn(crypto[0][0], ("1", "2"))     # the tag of a line it offered
        self.assertNotIn("d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj", answer)

    def test_a_spectralink_hold_and_resume_in_its_dual_shape(self):
        """Spectralink re-INVITEs in the same dual shape: its hold
        (sendonly on both m= lines, new keys) reaches the carrier as one
        sendonly m= line, and its answer as two again, SAVP taken with the
        carrier's recvonly and AVP refused; the resume likewise."""
        self.call("Spectralink 8440 6.2.2", DUAL)
        p, out, ok = self.last
        route = [uri_of(v) for v in reversed(ok.get_all("Record-Route"))]
        first = audio_of(ok.body)
        for cseq, (pdir, cdir) in enumerate((("sendonly", "recvonly"), ("sendrecv", "sendrecv")), 2):
            offer = DUAL.replace("a=sendrecv", "a=" + pdir).replace(" 7 7 ", " 7 %d " % (6 + cseq))
            offer = offer.replace("WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz",
                                  "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk" if cseq == 2 else
                                  "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw")
            rinv = in_dialog("INVITE", ok, route, uri_of(ok.get("Contact")), (p.aor, ok.tag("From")),
                             ("sip:bob@carrier.test", ok.tag("To")), ok.call_id, cseq,
                             via_port=p.claimed_port)
            rinv.headers += [("Contact", "<%s>" % p.contact_uri), ("Content-Type", "application/sdp")]
            rinv.body = offer
            p.send(rinv)
            cinv = self.carrier.stream.expect_request("INVITE")
            self.assertEqual(cinv.body.count("m=audio"), 1, cinv.body)
            self.assertIn("a=%s\r\n" % pdir, cinv.body)
            self.assertEqual(audio_of(cinv.body), audio_of(out.body), cinv.body)
            tag = re.search(r"a=crypto:(\d+) AES_CM_128_HMAC_SHA1_80", cinv.body).group(1)
            ans = CARRIER_ANSWER.format(tag=tag).replace(" 1 1 ", " 1 %d " % cseq) + \
                "a=%s\r\n" % cdir
            self.carrier.stream.send(response(cinv, 200, "OK", body=ans))
            rok = p.expect_response("INVITE", 200)
            lines = re.findall(r"^m=audio (\d+) (\S+)", rok.body, re.M)
            self.assertEqual(lines, [(str(first[1]), "RTP/SAVP"), ("0", "RTP/AVP")], rok.body)
            taken = rok.body[rok.body.index("m=audio"):rok.body.index("m=audio 0 ")]
            self.assertIn("a=%s\r\n" % cdir, taken, rok.body)
            self.assertEqual(len(re.findall(r"a=crypto:", rok.body)), 1, rok.body)
            p.send(in_dialog("ACK", rok, route, uri_of(ok.get("Contact")), (p.aor, ok.tag("From")),
                             ("sip:bob@carrier.test", ok.tag("To")), ok.call_id, cseq,
                             via_port=p.claimed_port))
            self.assertEqual(self.carrier.stream.expect_request("ACK").cseq[1], "ACK")
        self.assertEqual(self.edge.json("calls")["items"][0]["state"], "confirmed")

    def test_reinvite_glare_gets_491_at_the_edge_and_both_offers_go_through_in_turn(self):
        """Both sides re-INVITE at once (RFC 3261 §14.1): the phone's offer
        meets the carrier's pending one at the edge and gets 491 there,
        the carrier's completes, and the phone's retry then goes through."""
        d = self.answered_call()
        p, out = d["p"], d["out"]
        route = [uri_of(r) for r in out.get_all("Record-Route")]
        rinv = self.carrier_request("INVITE", d, 7, sdp=True)
        rinv.body = self.elsewhere(CARRIER_ANSWER.format(tag=1), 5004, "o=gw 1 2")
        self.carrier.stream.send(rinv)
        pinv = p.expect_request("INVITE")
        mine = self.phone_request("INVITE", d, 2)
        mine.headers += [("Contact", "<%s>" % p.contact_uri), ("Content-Type", "application/sdp")]
        mine.body = CISCO_REKEY
        p.send(mine)
        self.assertEqual(p.expect_response("INVITE", 491).cseq, (2, "INVITE"))
        self.assertTrue(self.carrier.stream.nothing(
            lambda m: m.is_request and m.method == "INVITE", 0.3))
        # The carrier's exchange completes as if nothing had happened.
        ptag, suite = re.search(r"a=crypto:(\d+) (\S+) inline:", pinv.body).groups()
        answer = re.sub(r"a=crypto:1 \S+", "a=crypto:%s %s" % (ptag, suite), CISCO_REKEY)
        p.send(response(pinv, 200, "OK", body=answer, extra=[("Contact", "<%s>" % p.contact_uri)]))
        cok = self.carrier.stream.expect_response("INVITE", 200)
        self.assertEqual(re.findall(r"a=crypto:(\d+) (\S+) inline:", cok.body),
                         [("1", "AES_CM_128_HMAC_SHA1_80")], cok.body)
        self.carrier.stream.send(in_dialog("ACK", cok, route, uri_of(out.get("Contact")),
                                           ("sip:bob@carrier.test", "gw"),
                                           (p.aor, d["ok"].tag("From")), out.call_id, 7,
                                           via_host="127.0.0.1", via_port=self.carrier.port))
        self.assertEqual(p.expect_request("ACK").cseq, (7, "ACK"))
        # The phone's retry, later: an offer like any other.
        again = self.phone_request("INVITE", d, 3)
        again.headers += [("Contact", "<%s>" % p.contact_uri), ("Content-Type", "application/sdp")]
        again.body = CISCO_REKEY.replace(" 9 10 ", " 9 11 ")
        p.send(again)
        cinv = self.carrier.stream.expect_request("INVITE")
        self.assertEqual(audio_of(cinv.body), audio_of(out.body), cinv.body)
        tag = re.search(r"a=crypto:(\d+) AES_CM_128_HMAC_SHA1_80", cinv.body).group(1)
        self.carrier.stream.send(response(cinv, 200, "OK", body=CARRIER_ANSWER.format(tag=tag)
                                          .replace(" 1 1 ", " 1 3 ")))
        self.assertEqual(audio_of(p.expect_response("INVITE", 200).body), audio_of(d["ok"].body))

    def test_a_reinvite_the_edge_ends_itself_withdraws_its_offer(self):
        """The carrier's connection drops while the phone's re-INVITE waits
        for its answer: the edge answers the phone 503 itself, and the offer
        is gone with it, so the phone's next re-INVITE, once the edge has
        connected again, reaches the carrier (it used to get 491 "an offer
        is pending" for the rest of the call)."""
        d = self.answered_call()
        p, out = d["p"], d["out"]
        mine = self.phone_request("INVITE", d, 2)
        mine.headers += [("Contact", "<%s>" % p.contact_uri), ("Content-Type", "application/sdp")]
        mine.body = CISCO_REKEY
        p.send(mine)
        self.carrier.stream.expect_request("INVITE")
        self.carrier.stream.close()
        self.assertEqual(p.expect_response("INVITE", 503).cseq, (2, "INVITE"))
        self.carrier.wait_connected(self.edge, count=2)
        self.assertTrue(wait_for(lambda: self.edge.json("carriers")["items"][0]["state"]
                                 == "connected", 10))
        again = self.phone_request("INVITE", d, 3)
        again.headers += [("Contact", "<%s>" % p.contact_uri), ("Content-Type", "application/sdp")]
        again.body = CISCO_REKEY.replace(" 9 10 ", " 9 11 ")
        p.send(again)
        cinv = self.carrier.stream.expect_request("INVITE")
        self.assertEqual(cinv.cseq, (3, "INVITE"))
        self.assertEqual(audio_of(cinv.body), audio_of(out.body), cinv.body)
        tag = re.search(r"a=crypto:(\d+) AES_CM_128_HMAC_SHA1_80", cinv.body).group(1)
        self.carrier.stream.send(response(cinv, 200, "OK", body=CARRIER_ANSWER.format(tag=tag)
                                          .replace(" 1 1 ", " 1 3 ")))
        self.assertEqual(audio_of(p.expect_response("INVITE", 200).body), audio_of(d["ok"].body))
        self.assertIn("the INVITE to the carrier side ended in the edge", self.edge.log())

    def test_plain_2xx_to_an_srtp_offer_is_refused_and_the_callee_gets_ack_and_bye(self):
        p = self.registered_phone("Spectralink 8440 6.2.2")
        p.send(p.req("INVITE", "sip:bob@carrier.test", body=DUAL))
        out = self.carrier.stream.expect_request("INVITE")
        self.carrier.stream.send(response(out, 200, "OK", to_tag="gw", body=PLAIN_ANSWER,
                                          extra=[("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>"
                                                  % self.carrier.port)]))
        self.assertEqual(p.expect_response("INVITE").status, 100)
        final = p.expect_response("INVITE", 488)
        self.assertNotIn("m=audio", final.body)
        ack = self.carrier.stream.expect_request("ACK")
        bye = self.carrier.stream.expect_request("BYE")
        self.assertEqual(ack.cseq[0], out.cseq[0])
        self.assertEqual(bye.ruri, "sip:bob@127.0.0.1:%d;transport=tls" % self.carrier.port)
        self.assertEqual(bye.tag("To"), "gw")
        self.assertEqual(bye.tag("From"), out.tag("From"))
        self.assertTrue(self.edge.wait_log("media refused call=%s side=carrier" % out.call_id, 5),
                        self.edge.log())
        self.carrier.stream.send(response(bye, 200, "OK"))
        self.assertTrue(wait_for(lambda: self.edge.json("calls")["items"] == [], 5),
                        self.edge.json("calls"))
        self.assertTrue(wait_for(lambda: self.edge.json("media")["sessions"] == 0, 5))

    def test_late_offer_in_the_2xx_is_answered_in_the_ack(self):
        p = self.registered_phone("Spectralink 8440 6.2.2")
        p.send(p.req("INVITE", "sip:bob@carrier.test", call_id="late-1"))
        out = self.carrier.stream.expect_request("INVITE")
        self.assertEqual(out.body, "")
        offer = CARRIER_ANSWER.format(tag=3)
        self.carrier.stream.send(response(out, 200, "OK", to_tag="gw", body=offer,
                                          extra=[("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>"
                                                  % self.carrier.port)]))
        ok = p.expect_response("INVITE", 200)
        self.assertAnchored(ok.body, "RTP/SAVP", offer)
        tag = re.search(r"a=crypto:(\d+) AES_CM_128_HMAC_SHA1_80", ok.body).group(1)
        answer = ("v=0\r\no=- 7 7 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
                  "m=audio 4000 RTP/SAVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
                  "a=rtpmap:101 telephone-event/8000\r\n"
                  "a=crypto:%s AES_CM_128_HMAC_SHA1_80 "
                  "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n" % tag)
        ack = in_dialog("ACK", ok, [uri_of(v) for v in reversed(ok.get_all("Record-Route"))],
                        uri_of(ok.get("Contact")), (p.aor, ok.tag("From")),
                        ("sip:bob@carrier.test", ok.tag("To")), "late-1", 1,
                        via_port=p.claimed_port)
        ack.headers.append(("Content-Type", "application/sdp"))
        ack.body = answer
        p.send(ack)
        cack = self.carrier.stream.expect_request("ACK")
        self.assertAnchored(cack.body, "RTP/SAVP")
        crypto = re.findall(r"a=crypto:(\d+) (\S+) inline:(\S+)", cack.body)
        self.assertEqual([(c[0], c[1]) for c in crypto], [("3", "AES_CM_128_HMAC_SHA1_80")])
        self.assertNotIn("WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz", cack.body)
        legs = {l["side"]: l for l in self.edge.json("calls")["items"][0]["legs"]}
        self.assertEqual(legs["phone"]["srtp_suite"], "AES_CM_128_HMAC_SHA1_80")
        self.assertEqual(legs["carrier"]["srtp_suite"], "AES_CM_128_HMAC_SHA1_80")

    def test_a_late_offer_reinvite_from_the_phone_is_anchored_in_the_2xx_and_the_ack(self):
        d = self.answered_call()
        p, out = d["p"], d["out"]
        rinv = self.phone_request("INVITE", d, 2)
        rinv.headers.append(("Contact", "<%s>" % p.contact_uri))
        p.send(rinv)
        cinv = self.carrier.stream.expect_request("INVITE")
        self.assertEqual(cinv.body, "")
        offer = CARRIER_ANSWER.format(tag=7).replace(" 1 1 ", " 1 2 ").replace(
            "d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw")
        self.carrier.stream.send(response(cinv, 200, "OK", body=offer, extra=[
            ("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>" % self.carrier.port)]))
        ok = p.expect_response("INVITE", 200)
        # The carrier's offer reaches the phone in the phone's shape, on the
        # relay port it already has, with keys of the edge's own.
        self.assertEqual(audio_of(ok.body), audio_of(d["ok"].body), ok.body)
        self.assertEqual(audio_of(ok.body)[2], "RTP/AVP")
        self.assertTrue(keys_of(ok.body))
        self.assertFalse(set(keys_of(ok.body)) & set(keys_of(offer) + keys_of(d["ok"].body)))
        tag, suite = re.search(r"a=crypto:(\d+) (\S+) inline:", ok.body).groups()
        answer = re.sub(r"a=crypto:1 \S+", "a=crypto:%s %s" % (tag, suite), CISCO_REKEY)
        ack = in_dialog("ACK", ok, d["route"], uri_of(ok.get("Contact")), d["frm"], d["to"],
                        ok.call_id, 2, via_port=p.claimed_port)
        ack.headers.append(("Content-Type", "application/sdp"))
        ack.body = answer
        p.send(ack)
        cack = self.carrier.stream.expect_request("ACK")
        self.assertEqual(cack.cseq, (cinv.cseq[0], "ACK"))
        # The phone's answer reaches the carrier as the edge's, tag 7 echoed.
        self.assertEqual(audio_of(cack.body), audio_of(out.body), cack.body)
        self.assertEqual(re.findall(r"a=crypto:(\d+) (\S+) inline:", cack.body),
                         [("7", "AES_CM_128_HMAC_SHA1_80")], cack.body)
        self.assertFalse(set(keys_of(cack.body)) & set(keys_of(answer) + keys_of(offer) +
                                                      keys_of(out.body)))
        log = self.edge.log()
        for k in keys_of(offer) + keys_of(answer) + keys_of(ok.body) + keys_of(cack.body):
            self.assertNotIn(k, log)
        legs = self.edge.json("calls")["items"][0]["legs"]
        self.assertEqual(sorted(l["srtp_suite"] for l in legs),
                         sorted(["AES_CM_128_HMAC_SHA1_80", suite]), legs)

    def test_a_late_offer_reinvite_from_the_carrier_is_anchored_in_the_2xx_and_the_ack(self):
        d = self.answered_call()
        p, out = d["p"], d["out"]
        route = [uri_of(r) for r in out.get_all("Record-Route")]
        rinv = in_dialog("INVITE", out, route, uri_of(out.get("Contact")),
                         ("sip:bob@carrier.test", "gw"), (p.aor, d["ok"].tag("From")),
                         out.call_id, 7, via_host="127.0.0.1", via_port=self.carrier.port)
        rinv.headers.append(("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>" % self.carrier.port))
        self.carrier.stream.send(rinv)
        pinv = p.expect_request("INVITE")
        self.assertEqual(pinv.body, "")
        p.send(response(pinv, 200, "OK", body=CISCO_REKEY, extra=[
            ("Contact", "<%s>" % p.contact_uri)]))
        cok = self.carrier.stream.expect_response("INVITE", 200)
        # The phone's Cisco offer reaches the carrier as RTP/SAVP, on the
        # carrier-side relay port, with keys of the edge's own.
        self.assertEqual(audio_of(cok.body), audio_of(out.body), cok.body)
        self.assertFalse(set(keys_of(cok.body)) & set(keys_of(CISCO_REKEY) + keys_of(out.body)))
        tag = re.search(r"a=crypto:(\d+) AES_CM_128_HMAC_SHA1_80", cok.body).group(1)
        answer = CARRIER_ANSWER.format(tag=tag).replace(" 1 1 ", " 1 2 ")
        ack = in_dialog("ACK", cok, route, uri_of(out.get("Contact")),
                        ("sip:bob@carrier.test", "gw"), (p.aor, d["ok"].tag("From")),
                        out.call_id, 7, via_host="127.0.0.1", via_port=self.carrier.port)
        ack.headers.append(("Content-Type", "application/sdp"))
        ack.body = answer
        self.carrier.stream.send(ack)
        pack = p.expect_request("ACK")
        self.assertEqual(pack.cseq, (7, "ACK"))
        self.assertEqual(audio_of(pack.body), audio_of(d["ok"].body), pack.body)
        self.assertEqual(re.findall(r"a=crypto:(\d+) (\S+) inline:", pack.body),
                         [("1", "AES_CM_128_HMAC_SHA1_32")], pack.body)
        self.assertFalse(set(keys_of(pack.body)) & set(keys_of(answer) + keys_of(CISCO_REKEY) +
                                                      keys_of(d["ok"].body)))

    def test_a_late_offer_whose_ack_has_no_answer_ends_the_call_on_both_sides(self):
        p = self.registered_phone("Spectralink 8440 6.2.2")
        p.send(p.req("INVITE", "sip:bob@carrier.test", call_id="late-2"))
        out = self.carrier.stream.expect_request("INVITE")
        self.carrier.stream.send(response(out, 200, "OK", to_tag="gw",
                                          body=CARRIER_ANSWER.format(tag=3),
                                          extra=[("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>"
                                                  % self.carrier.port)]))
        ok = p.expect_response("INVITE", 200)
        p.send(in_dialog("ACK", ok, [uri_of(v) for v in reversed(ok.get_all("Record-Route"))],
                         uri_of(ok.get("Contact")), (p.aor, ok.tag("From")),
                         ("sip:bob@carrier.test", ok.tag("To")), "late-2", 1,
                         via_port=p.claimed_port))
        # The callee has its ACK first, then both sides a BYE that says why.
        self.assertEqual(self.carrier.stream.expect_request("ACK").body, "")
        cbye = self.carrier.stream.expect_request("BYE")
        self.assertIn("cause=488", cbye.get("Reason"))
        pbye = p.expect_request("BYE")
        self.assertIn("cause=488", pbye.get("Reason"))
        self.assertTrue(self.edge.wait_log("media refused call=late-2 side=phone reason=the ACK "
                                           "has no answer", 2), self.edge.log())
        self.assertTrue(wait_for(lambda: self.edge.json("calls")["items"] == [], 5))
        self.assertEqual(self.edge.json("media")["ports_in_use"], 0)

    def test_update_with_a_new_offer_is_anchored_on_the_same_relay_ports(self):
        first = self.call("Cisco/SPA504G-7.6.2", CISCO)
        p, out, ok = self.last
        first_port = audio_of(first)[1]
        carrier_port = audio_of(out.body)[1]
        upd = in_dialog("UPDATE", ok, [uri_of(v) for v in reversed(ok.get_all("Record-Route"))],
                        uri_of(ok.get("Contact")), (p.aor, ok.tag("From")),
                        ("sip:bob@carrier.test", ok.tag("To")), ok.call_id, 2,
                        via_port=p.claimed_port)
        upd.headers.append(("Content-Type", "application/sdp"))
        upd.body = CISCO_REKEY
        p.send(upd)
        cupd = self.carrier.stream.expect_request("UPDATE")
        self.assertEqual(audio_of(cupd.body), ("127.0.0.1", carrier_port, "RTP/SAVP"), cupd.body)
        self.assertNotIn("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk", cupd.body)
        # A new offer: new keys towards the carrier too.
        self.assertFalse(set(keys_of(cupd.body)) & set(keys_of(out.body)))
        tag = re.search(r"a=crypto:(\d+) AES_CM_128_HMAC_SHA1_80", cupd.body).group(1)
        self.carrier.stream.send(response(cupd, 200, "OK", body=CARRIER_ANSWER.format(tag=tag)))
        pok = p.expect_response("UPDATE", 200)
        self.assertEqual(audio_of(pok.body), ("127.0.0.1", first_port, "RTP/AVP"), pok.body)
        crypto = re.findall(r"a=crypto:(\d+) (\S+) inline:(\S+)", pok.body)
        self.assertEqual([(c[0], c[1]) for c in crypto], [("1", "AES_CM_128_HMAC_SHA1_32")])
        self.assertEqual(self.edge.json("media")["sessions"], 1)

    def test_a_forked_call_keeps_each_early_dialogs_answer(self):
        p, out, sdp_a = self.cisco_invite()
        sdp_b = self.elsewhere(sdp_a, 5006, "o=gw 2 1")
        contact = [("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>" % self.carrier.port)]
        # Two early dialogs (a forking proxy behind the carrier), then
        # the first one's 2xx with its SDP again.
        for code, reason, to_tag, body in ((183, "Session Progress", "fork-a", sdp_a),
                                           (183, "Session Progress", "fork-b", sdp_b),
                                           (200, "OK", "fork-a", sdp_a)):
            self.carrier.stream.send(response(out, code, reason, to_tag=to_tag, body=body,
                                              extra=contact))
        early_a = p.expect_response("INVITE", 183)
        early_b = p.expect_response("INVITE", 183)
        ok = p.expect_response("INVITE", 200)
        self.assertEqual((early_a.tag("To"), early_b.tag("To"), ok.tag("To")),
                         ("fork-a", "fork-b", "fork-a"))
        self.assertNotEqual(keys_of(early_a.body), keys_of(early_b.body))
        # Dialog A's answer, keys and o= as the phone had it in A's 183.
        self.assertEqual(ok.body, early_a.body)
        legs = {l["side"]: l for l in self.edge.json("calls")["items"][0]["legs"]}
        self.assertEqual(legs["carrier"]["remote"], "127.0.0.1:5004", legs)

    def test_early_media_from_one_peer_then_the_answer_from_another_moves_the_relay(self):
        p, out, sdp_a = self.cisco_invite()
        # Ringback from an announcement server in the 183 (no 100rel), the
        # callee's own media in the 200: another o=, port and key.
        sdp_b = self.elsewhere(sdp_a, 5008, "o=gw2 7 7")
        contact = [("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>" % self.carrier.port)]
        self.carrier.stream.send(response(out, 183, "Session Progress", to_tag="gw", body=sdp_a,
                                          extra=contact))
        early = p.expect_response("INVITE", 183)
        legs = {l["side"]: l for l in self.edge.json("calls")["items"][0]["legs"]}
        self.assertEqual(legs["carrier"]["remote"], "127.0.0.1:5004", legs)
        self.carrier.stream.send(response(out, 200, "OK", to_tag="gw", body=sdp_b, extra=contact))
        ok = p.expect_response("INVITE", 200)
        # The phone keeps its relay port; the relay follows the callee.
        self.assertEqual(audio_of(ok.body), audio_of(early.body), ok.body)
        self.assertEqual(len(keys_of(ok.body)), 1, ok.body)
        self.assertFalse(set(keys_of(ok.body)) & set(keys_of(sdp_a) + keys_of(sdp_b)))
        self.assertRemote("carrier", "127.0.0.1:5008")
        self.assertNotIn("MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw", self.edge.log())

    def test_a_carrier_late_offer_invite_is_answered_by_the_phone_in_the_ack(self):
        p = self.registered_phone("Cisco/SPA504G-7.6.2")
        pinv = self.carrier_call(p, "", "late-in-1")
        self.assertEqual(pinv.body, "")
        p.send(response(pinv, 200, "OK", to_tag="ph", body=CISCO,
                        extra=[("Contact", "<%s>" % p.contact_uri)]))
        cok = self.carrier.stream.expect_response("INVITE", 200)
        cport = self.assertAnchored(cok.body, "RTP/SAVP", CISCO)
        tag = re.search(r"a=crypto:(\d+) AES_CM_128_HMAC_SHA1_80", cok.body).group(1)
        route = [uri_of(v) for v in reversed(cok.get_all("Record-Route"))][1:]
        ack = in_dialog("ACK", cok, route, uri_of(cok.get("Contact")),
                        ("sip:+4930123@carrier.test", cok.tag("From")), (p.aor, "ph"),
                        "late-in-1", 1, via_host="127.0.0.1", via_port=self.carrier.port)
        ack.headers.append(("Content-Type", "application/sdp"))
        ack.body = CARRIER_ANSWER.format(tag=tag)
        self.carrier.stream.send(ack)
        pack = p.expect_request("ACK")
        pport = self.assertAnchored(pack.body, "RTP/AVP")
        self.assertNotEqual(pport, cport)
        self.assertEqual(re.findall(r"a=crypto:(\d+) (\S+) inline:", pack.body),
                         [("1", "AES_CM_128_HMAC_SHA1_32")], pack.body)
        self.assertFalse(set(keys_of(pack.body)) & set(keys_of(CISCO) + keys_of(ack.body) +
                                                      keys_of(cok.body)))
        legs = {l["side"]: l for l in self.edge.json("calls")["items"][0]["legs"]}
        self.assertEqual(legs["carrier"]["remote"], "127.0.0.1:5004", legs)
        self.assertEqual(legs["phone"]["srtp_suite"], "AES_CM_128_HMAC_SHA1_32", legs)

    def test_a_reinvite_to_t38_fax_is_relayed_as_plain_udp_both_ways(self):
        """An SRTP call switched to fax by the carrier's re-INVITE with only
        m=image udptl t38 (as Asterisk and most gateways send it): both
        sides get the relay's plain UDP ports, no crypto, and UDPTL
        passes unchanged both ways."""
        d = self.answered_call()
        p, out = d["p"], d["out"]
        gw, gw_port = self.udp()
        fax, fax_port = self.udp()
        t38 = ("v=0\r\no={o}\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
               "m=image {port} udptl t38\r\na=T38FaxVersion:0\r\na=T38MaxBitRate:14400\r\n"
               "a=T38FaxRateManagement:transferredTCF\r\na=T38FaxUdpEC:t38UDPRedundancy\r\n")
        route = [uri_of(r) for r in out.get_all("Record-Route")]
        rinv = self.carrier_request("INVITE", d, 7, sdp=True)
        rinv.body = t38.format(o="gw 1 2 IN IP4 127.0.0.1", port=gw_port)
        self.carrier.stream.send(rinv)
        pinv = p.expect_request("INVITE")
        m = re.search(r"^m=image (\d+) udptl t38\r$", pinv.body, re.M)
        self.assertTrue(m, pinv.body)
        phone_side = int(m.group(1))
        self.assertTrue(self.edge.media_ports[0] <= phone_side <= self.edge.media_ports[1])
        self.assertNotIn("a=crypto", pinv.body)
        self.assertIn("a=T38FaxUdpEC:t38UDPRedundancy", pinv.body)
        self.assertNotIn(str(gw_port), pinv.body)
        p.send(response(pinv, 200, "OK", body=t38.format(o="- 9 10 IN IP4 127.0.0.1", port=fax_port),
                        extra=[("Contact", "<%s>" % p.contact_uri)]))
        cok = self.carrier.stream.expect_response("INVITE", 200)
        m = re.search(r"^m=image (\d+) udptl t38\r$", cok.body, re.M)
        self.assertTrue(m, cok.body)
        carrier_side = int(m.group(1))
        self.assertNotIn("a=crypto", cok.body)
        self.assertNotIn(str(fax_port), cok.body)
        self.carrier.stream.send(in_dialog("ACK", cok, route, uri_of(out.get("Contact")),
                                           ("sip:bob@carrier.test", "gw"),
                                           (p.aor, d["ok"].tag("From")), out.call_id, 7,
                                           via_host="127.0.0.1", via_port=self.carrier.port))
        self.assertEqual(p.expect_request("ACK").cseq, (7, "ACK"))
        self.assertTrue(wait_for(lambda: all(
            l["srtp_suite"] == "none" for l in self.edge.json("calls")["items"][0]["legs"]), 2),
            self.edge.json("calls")["items"][0]["legs"])
        # UDPTL (not RTP: no version bits) both ways, byte for byte.
        ifp = b"\x00\x00\x06\x05" + bytes(range(40))
        gw.sendto(ifp, ("127.0.0.1", carrier_side))
        self.assertEqual(fax.recv(512), ifp)
        back = b"\x00\x01\x06\x05" + bytes(range(40, 80))
        fax.sendto(back, ("127.0.0.1", phone_side))
        self.assertEqual(gw.recv(512), back)

    def test_a_session_refresh_with_the_same_sdp_changes_nothing_on_either_side(self):
        """A session-timer refresh (RFC 4028): the phone's re-INVITE with
        its SDP unchanged reaches the carrier as the SDP it had, o= and
        keys and all, and the carrier's unchanged answer reaches the
        phone as the answer it had: nobody re-keys."""
        d = self.answered_call()
        p, out, ok = d["p"], d["out"], d["ok"]
        tag = re.search(r"a=crypto:(\d+) AES_CM_128_HMAC_SHA1_80", out.body).group(1)
        rinv = self.phone_request("INVITE", d, 2)
        rinv.headers += [("Contact", "<%s>" % p.contact_uri), ("Content-Type", "application/sdp")]
        rinv.body = CISCO
        p.send(rinv)
        cinv = self.carrier.stream.expect_request("INVITE")
        self.assertEqual(cinv.body, out.body)
        self.carrier.stream.send(response(cinv, 200, "OK", body=CARRIER_ANSWER.format(tag=tag),
                                          extra=[("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>"
                                                  % self.carrier.port)]))
        rok = p.expect_response("INVITE", 200)
        self.assertEqual(rok.body, ok.body)

    def test_the_carrier_moving_its_media_mid_call_moves_the_relay(self):
        """The carrier's re-INVITE with another media address and key (a
        transfer behind it): the phone keeps its relay port, and the
        relay sends to the new address once the phone has answered."""
        d = self.answered_call()
        p, out = d["p"], d["out"]
        route = [uri_of(r) for r in out.get_all("Record-Route")]
        moved = CARRIER_ANSWER.format(tag=1).replace("m=audio 5004", "m=audio 5012") \
            .replace(" 1 1 ", " 1 2 ").replace("d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj",
                                               "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw")
        rinv = in_dialog("INVITE", out, route, uri_of(out.get("Contact")),
                         ("sip:bob@carrier.test", "gw"), (p.aor, d["ok"].tag("From")),
                         out.call_id, 7, via_host="127.0.0.1", via_port=self.carrier.port)
        rinv.headers += [("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>" % self.carrier.port),
                         ("Content-Type", "application/sdp")]
        rinv.body = moved
        self.carrier.stream.send(rinv)
        pinv = p.expect_request("INVITE")
        self.assertEqual(audio_of(pinv.body), audio_of(d["ok"].body), pinv.body)
        self.assertNotIn("5012", pinv.body)
        ptag, suite = re.search(r"a=crypto:(\d+) (\S+) inline:", pinv.body).groups()
        answer = re.sub(r"a=crypto:1 \S+", "a=crypto:%s %s" % (ptag, suite), CISCO_REKEY)
        p.send(response(pinv, 200, "OK", body=answer, extra=[("Contact", "<%s>" % p.contact_uri)]))
        cok = self.carrier.stream.expect_response("INVITE", 200)
        self.assertEqual(audio_of(cok.body), audio_of(out.body), cok.body)
        self.assertRemote("carrier", "127.0.0.1:5012")

    def test_an_emergency_call_with_its_location_in_a_multipart_body_is_anchored(self):
        """RFC 6442: the phone's INVITE carries its SDP beside a PIDF-LO
        location in multipart/mixed. The SDP part is rewritten for the
        relay, the location reaches the carrier byte for byte, and the
        answer comes back anchored."""
        pidf = ('<?xml version="1.0" encoding="UTF-8"?>\r\n'
                '<presence xmlns="urn:ietf:params:xml:ns:pidf" '
                'xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10" '
                'xmlns:ca="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr" '
                'entity="pres:alice@carrier.test"><tuple id="loc"><status><gp:geopriv>'
                '<gp:location-info><ca:civicAddress><ca:country>DE</ca:country>'
                '<ca:A3>Berlin</ca:A3><ca:RD>Unter den Linden</ca:RD><ca:HNO>1</ca:HNO>'
                '<ca:FLR>3</ca:FLR></ca:civicAddress></gp:location-info>'
                '</gp:geopriv></status></tuple></presence>\r\n')
        body = ("--b1\r\nContent-Type: application/sdp\r\n\r\n" + CISCO +
                "--b1\r\nContent-Type: application/pidf+xml\r\nContent-ID: <loc1@phone>\r\n"
                "\r\n" + pidf + "--b1--\r\n")
        p = self.registered_phone("Cisco/SPA504G-7.6.2")
        inv = p.req("INVITE", "sip:112@carrier.test")
        inv.headers += [("Geolocation", "<cid:loc1@phone>"), ("Geolocation-Routing", "yes"),
                        ("Content-Type", "multipart/mixed;boundary=b1")]
        inv.body = body
        p.send(inv)
        out = self.carrier.stream.expect_request("INVITE")
        self.assertTrue(out.get("Content-Type").startswith("multipart/mixed"), out.get("Content-Type"))
        self.assertEqual(out.get("Geolocation"), "<cid:loc1@phone>")
        self.assertIn(pidf, out.body)
        self.assertIn("Content-ID: <loc1@phone>", out.body)
        self.assertAnchored(out.body, "RTP/SAVP", CISCO)
        self.assertNotIn("192.0.2.11", out.body)
        tag = re.search(r"a=crypto:(\d+) AES_CM_128_HMAC_SHA1_80", out.body).group(1)
        self.carrier.stream.send(response(out, 200, "OK", to_tag="gw", body=CARRIER_ANSWER.format(
            tag=tag), extra=[("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>" % self.carrier.port)]))
        ok = p.expect_response("INVITE", 200)
        self.assertEqual(audio_of(ok.body)[2], "RTP/AVP", ok.body)
        self.assertEqual(re.findall(r"a=crypto:(\d+) (\S+) inline:", ok.body),
                         [("1", "AES_CM_128_HMAC_SHA1_32")], ok.body)
        self.assertEqual(len(self.edge.json("calls")["items"][0]["legs"]), 2)
        # A multipart body whose boundary is not the one its type names
        # hides its SDP: refused, and said so.
        inv = p.req("INVITE", "sip:112@carrier.test", call_id="broken-mp")
        inv.headers.append(("Content-Type", "multipart/mixed;boundary=b2"))
        inv.body = body
        p.send(inv)
        self.assertEqual(p.expect_response("INVITE", 488).call_id, "broken-mp")
        self.assertTrue(self.edge.wait_log("media refused call=broken-mp side=phone reason=SDP in "
                                           "a multipart body that does not parse as one", 3))

    def test_cisco_avp_with_crypto_is_answered_as_avp_with_crypto(self):
        answer = self.call("Cisco/SPA504G-7.6.2", CISCO)
        self.assertAnchored(answer, "RTP/AVP")
        crypto = re.findall(r"a=crypto:(\d+) (\S+) inline:(\S+)", answer)
        self.assertEqual([(c[0], c[1]) for c in crypto], [("1", "AES_CM_128_HMAC_SHA1_32")])
        self.assertNotIn("d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj", answer)


class AesOffers(ScriptedCase):
    """A carrier that offers AES-256 suites first."""
    carrier_extra = ("srtp_suites = AEAD_AES_256_GCM, AES_256_CM_HMAC_SHA1_80, "
                     "AES_CM_128_HMAC_SHA1_80\n")

    def test_an_auerswald_phone_is_never_offered_aes_256(self):
        """Auerswald phones accept AES-256 lines they cannot do (no
        audio): a carrier's AES-256 offer reaches one as AES_CM_128 only,
        with the edge's own key, and the relay re-keys between the two."""
        p = self.registered_phone("Auerswald COMfortel D-400")
        offer = ("v=0\r\no=gw 5 5 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                 "m=audio 5004 RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
                 "a=crypto:1 AEAD_AES_256_GCM inline:"
                 "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcQ==\r\n"
                 "a=crypto:2 AES_256_CM_HMAC_SHA1_80 inline:"
                 "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdA==\r\n")
        pinv = self.carrier_call(p, offer, "auer-1")
        lines = re.findall(r"a=crypto:(\d+) (\S+) inline:", pinv.body)
        self.assertEqual([suite for _, suite in lines], ["AES_CM_128_HMAC_SHA1_80"], pinv.body)
        self.assertEqual(audio_of(pinv.body)[2], "RTP/SAVP")
        self.assertFalse(set(keys_of(pinv.body)) & set(keys_of(offer)))
        answer = ("v=0\r\no=- 3 3 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                  "m=audio 16384 RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
                  "a=crypto:%s AES_CM_128_HMAC_SHA1_80 inline:"
                  "NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n" % lines[0][0])
        p.send(response(pinv, 200, "OK", to_tag="ph", body=answer,
                        extra=[("Contact", "<%s>" % p.contact_uri)]))
        cok = self.carrier.stream.expect_response("INVITE", 200)
        clines = re.findall(r"a=crypto:(\d+) (\S+) inline:", cok.body)
        self.assertEqual(len(clines), 1, cok.body)
        self.assertIn(clines[0], [("1", "AEAD_AES_256_GCM"), ("2", "AES_256_CM_HMAC_SHA1_80")])
        legs = {l["side"]: l for l in self.edge.json("calls")["items"][0]["legs"]}
        self.assertEqual(legs["phone"]["srtp_suite"], "AES_CM_128_HMAC_SHA1_80", legs)
        self.assertEqual(legs["carrier"]["srtp_suite"], clines[0][1], legs)

    def test_an_auerswald_phones_own_aes_256_line_is_not_the_one_accepted(self):
        """Its own offer with an AES-256 line first: the edge answers the
        line its profile can really do."""
        p = self.registered_phone("Auerswald COMfortel D-400")
        offer = ("v=0\r\no=- 3 3 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                 "m=audio 16384 RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
                 "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:"
                 "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdA==\r\n"
                 "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:"
                 "NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n")
        p.send(p.req("INVITE", "sip:bob@carrier.test", body=offer))
        out = self.carrier.stream.expect_request("INVITE")
        tag = re.search(r"a=crypto:(\d+) AES_CM_128_HMAC_SHA1_80", out.body).group(1)
        self.carrier.stream.send(response(out, 200, "OK", to_tag="gw", body=CARRIER_ANSWER.format(
            tag=tag), extra=[
            ("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>" % self.carrier.port)]))
        ok = p.expect_response("INVITE", 200)
        self.assertEqual(re.findall(r"a=crypto:(\d+) (\S+) inline:", ok.body),
                         [("2", "AES_CM_128_HMAC_SHA1_80")], ok.body)

class DualToPhones(ScriptedCase):
    """[phones] srtp = optional: a Spectralink phone is offered its own
    dual shape, RTP/SAVP and the plain RTP/AVP copy, and may take either."""
    phones_extra = "srtp = optional\n"

    def dual_call(self):
        p = self.registered_phone("Spectralink 8440 6.2.2")
        offer = CARRIER_ANSWER.format(tag=4)
        pinv = self.carrier_call(p, offer, "dual-in-1")
        media = re.findall(r"^m=audio (\d+) (\S+)", pinv.body, re.M)
        self.assertEqual([m[1] for m in media], ["RTP/SAVP", "RTP/AVP"], pinv.body)
        self.assertEqual(media[0][0], media[1][0], pinv.body)
        self.assertTrue(self.edge.media_ports[0] <= int(media[0][0]) <= self.edge.media_ports[1])
        self.assertTrue(keys_of(pinv.body))
        self.assertFalse(set(keys_of(pinv.body)) & set(keys_of(offer)))
        return p, pinv, offer

    def answer(self, p, pinv, sections):
        p.send(response(pinv, 200, "OK", to_tag="ph",
                        body="v=0\r\no=- 8 8 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
                             "t=0 0\r\n" + sections,
                        extra=[("Contact", "<%s>" % p.contact_uri)]))
        cok = self.carrier.stream.expect_response("INVITE", 200)
        self.assertEqual(cok.body.count("m=audio"), 1, cok.body)
        self.assertEqual(audio_of(cok.body)[2], "RTP/SAVP", cok.body)
        self.assertEqual(re.findall(r"a=crypto:(\d+) (\S+) inline:", cok.body),
                         [("4", "AES_CM_128_HMAC_SHA1_80")], cok.body)
        return {l["side"]: l for l in self.edge.json("calls")["items"][0]["legs"]}

    def test_a_spectralink_phone_taking_the_srtp_line_of_the_edges_dual_offer(self):
        p, pinv, offer = self.dual_call()
        tag, suite = re.search(r"a=crypto:(\d+) (\S+) inline:", pinv.body).groups()
        legs = self.answer(p, pinv,
                           "m=audio 16384 RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
                           "a=crypto:%s %s inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n"
                           "m=audio 0 RTP/AVP 0\r\n" % (tag, suite))
        self.assertEqual(legs["phone"]["srtp_suite"], suite, legs)
        self.assertEqual(legs["phone"]["remote"], "127.0.0.1:16384", legs)

    def test_a_spectralink_phone_taking_the_plain_line_of_the_edges_dual_offer(self):
        p, pinv, offer = self.dual_call()
        legs = self.answer(p, pinv,
                           "m=audio 0 RTP/SAVP 0\r\n"
                           "m=audio 16386 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")
        self.assertEqual(legs["phone"]["srtp_suite"], "none", legs)
        self.assertEqual(legs["phone"]["remote"], "127.0.0.1:16386", legs)
        self.assertEqual(legs["carrier"]["srtp_suite"], "AES_CM_128_HMAC_SHA1_80", legs)


class RefusedReanswer(ScriptedCase):
    """A callee that answers a re-INVITE with SDP the edge refuses has its
    ACK and believes in that answer: the edge offers it the relay's media
    again in a re-INVITE of its own, and moves the caller's later CSeqs on
    past it, both ways unseen by the caller."""

    def refused_reinvite(self):
        """A call whose re-INVITE the carrier answers with plain RTP; returns
        the phone's dialog and what the carrier got, the edge's own
        re-INVITE last."""
        d = self.answered_call()
        p = d["p"]
        rinv = self.phone_request("INVITE", d, 2)
        rinv.headers.append(("Content-Type", "application/sdp"))
        rinv.body = CISCO_REKEY
        p.send(rinv)
        cinv = d["cinv"] = self.carrier.stream.expect_request("INVITE")
        n = d["n"] = cinv.cseq[0]
        self.carrier.stream.send(response(cinv, 200, "OK", body=PLAIN_ANSWER))
        self.assertEqual(p.expect_response("INVITE", 488).cseq, (2, "INVITE"))
        self.assertEqual(self.carrier.stream.expect_request("ACK").cseq, (n, "ACK"))
        own = d["own"] = self.carrier.stream.expect_request("INVITE")
        self.assertEqual(own.cseq, (n + 1, "INVITE"))
        self.assertEqual(len(own.get_all("Via")), 1, own.get_all("Via"))
        self.assertEqual((own.tag("From"), own.tag("To")), (cinv.tag("From"), cinv.tag("To")))
        self.assertEqual(own.ruri, cinv.ruri)
        return d

    def bye_goes_past_the_edges_cseq(self, d, cseq=3):
        """The phone's next request (CSeq cseq) goes past the edge's own
        CSeq, and its answer comes back with the phone's."""
        d["p"].send(self.phone_request("BYE", d, cseq))
        cbye = self.carrier.stream.expect_request("BYE")
        self.assertEqual(cbye.cseq, (d["n"] + cseq - 1, "BYE"))
        self.carrier.stream.send(response(cbye, 200, "OK"))
        self.assertEqual(d["p"].expect_response("BYE", 200).cseq, (cseq, "BYE"))
        self.assertTrue(wait_for(lambda: self.edge.json("media")["sessions"] == 0, 5))

    def test_the_callee_is_offered_the_relays_media_again_and_cseqs_follow(self):
        d = self.refused_reinvite()
        out, own = d["out"], d["own"]
        self.assertEqual(audio_of(own.body), ("127.0.0.1", audio_of(out.body)[1], "RTP/SAVP"),
                         own.body)
        # What the edge offered first, with keys it has not sent before.
        lines = re.findall(r"a=crypto:(\d+) (\S+) inline:", own.body)
        self.assertEqual(lines, re.findall(r"a=crypto:(\d+) (\S+) inline:", out.body))
        self.assertFalse(set(keys_of(own.body)) & set(keys_of(out.body) + keys_of(d["cinv"].body)))
        self.assertNotIn("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk", own.body)
        tag = re.search(r"a=crypto:(\d+) AES_CM_128_HMAC_SHA1_80", own.body).group(1)
        answer = CARRIER_ANSWER.format(tag=tag).replace(
            "d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw")
        self.carrier.stream.send(response(own, 200, "OK", body=answer,
                                          extra=[("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>"
                                                  % self.carrier.port)]))
        self.assertEqual(self.carrier.stream.expect_request("ACK").cseq, (d["n"] + 1, "ACK"))
        self.assertTrue(self.edge.wait_log("the carrier side answered the edge's re-INVITE", 5),
                        self.edge.log())
        self.assertNotIn("MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw", self.edge.log())
        self.assertTrue(self.carrier.stream.nothing(
            lambda m: m.is_request and m.method == "INVITE", 0.5))
        self.bye_goes_past_the_edges_cseq(d)

    def test_a_refused_edge_reinvite_is_acked_logged_and_the_call_goes_on(self):
        d = self.refused_reinvite()
        self.carrier.stream.send(response(d["own"], 488, "Not Acceptable Here"))
        self.assertEqual(self.carrier.stream.expect_request("ACK").cseq, (d["n"] + 1, "ACK"))
        self.assertTrue(self.edge.wait_log("the edge's re-INVITE to the carrier side got 488", 5),
                        self.edge.log())
        self.assertEqual(len(self.edge.json("calls")["items"]), 1)
        self.bye_goes_past_the_edges_cseq(d)

    def test_the_callee_of_a_refused_update_answer_is_offered_again_in_an_update(self):
        d = self.answered_call()
        p, out = d["p"], d["out"]
        upd = self.phone_request("UPDATE", d, 2)
        upd.headers.append(("Content-Type", "application/sdp"))
        upd.body = CISCO_REKEY
        p.send(upd)
        cupd = self.carrier.stream.expect_request("UPDATE")
        n = d["n"] = cupd.cseq[0]
        self.carrier.stream.send(response(cupd, 200, "OK", body=PLAIN_ANSWER))
        self.assertEqual(p.expect_response("UPDATE", 488).cseq, (2, "UPDATE"))
        # The carrier believes in its plain answer: the edge offers it the
        # relay's media again, in an UPDATE of its own (no ACK for one).
        own = self.carrier.stream.expect_request("UPDATE")
        self.assertEqual(own.cseq, (n + 1, "UPDATE"))
        self.assertEqual(len(own.get_all("Via")), 1, own.get_all("Via"))
        self.assertEqual((own.tag("From"), own.tag("To")), (cupd.tag("From"), cupd.tag("To")))
        self.assertEqual(audio_of(own.body), ("127.0.0.1", audio_of(out.body)[1], "RTP/SAVP"),
                         own.body)
        self.assertTrue(keys_of(own.body))
        self.assertFalse(set(keys_of(own.body)) & set(keys_of(out.body) + keys_of(cupd.body)))
        self.assertNotIn("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk", own.body)
        tag = re.search(r"a=crypto:(\d+) AES_CM_128_HMAC_SHA1_80", own.body).group(1)
        self.carrier.stream.send(response(own, 200, "OK", body=CARRIER_ANSWER.format(tag=tag)))
        self.assertTrue(self.edge.wait_log("the carrier side answered the edge's UPDATE and is "
                                           "back", 5), self.edge.log())
        self.assertTrue(self.carrier.stream.nothing(
            lambda m: m.is_request and m.method in ("ACK", "UPDATE", "INVITE"), 0.5))
        self.bye_goes_past_the_edges_cseq(d)

    def glare(self):
        """The carrier answers the edge's own re-INVITE 491 and has it
        ACKed; returns the dialog and when the 491 went."""
        d = self.refused_reinvite()
        self.carrier.stream.send(response(d["own"], 491, "Request Pending"))
        sent = time.monotonic()
        self.assertEqual(self.carrier.stream.expect_request("ACK").cseq, (d["n"] + 1, "ACK"))
        return d, sent

    def test_after_a_491_the_edge_offers_again_later_with_fresh_keys(self):
        d, sent = self.glare()
        again = self.carrier.stream.expect_request("INVITE", timeout=6)
        waited = time.monotonic() - sent
        # RFC 3261 §14.1: the edge stands in for the phone, which owns
        # the Call-ID, so it waits 2.1 to 4 s (the carrier up to 2).
        self.assertTrue(2.0 <= waited <= 4.5, waited)
        self.assertEqual(again.cseq, (d["n"] + 2, "INVITE"))
        self.assertEqual(len(again.get_all("Via")), 1, again.get_all("Via"))
        self.assertEqual(audio_of(again.body), audio_of(d["own"].body))
        self.assertTrue(keys_of(again.body))
        self.assertFalse(set(keys_of(again.body)) & set(keys_of(d["own"].body)))
        tag = re.search(r"a=crypto:(\d+) AES_CM_128_HMAC_SHA1_80", again.body).group(1)
        self.carrier.stream.send(response(again, 200, "OK", body=CARRIER_ANSWER.format(tag=tag),
                                          extra=[("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>"
                                                  % self.carrier.port)]))
        self.assertEqual(self.carrier.stream.expect_request("ACK").cseq, (d["n"] + 2, "ACK"))
        self.assertTrue(self.edge.wait_log("the carrier side answered the edge's re-INVITE "
                                           "and is back", 5), self.edge.log())
        d["n"] += 1                 # one CSeq more of the edge's own
        self.bye_goes_past_the_edges_cseq(d)

    def test_after_a_491_a_side_that_settles_its_media_is_not_offered_again(self):
        d, _ = self.glare()
        p, out = d["p"], d["out"]
        # The carrier won the glare: its own re-INVITE goes to the phone.
        offer = CARRIER_ANSWER.format(tag=1).replace(" 1 1 ", " 1 2 ")
        rinv = in_dialog("INVITE", out, [uri_of(r) for r in out.get_all("Record-Route")],
                         uri_of(out.get("Contact")), ("sip:bob@carrier.test", "gw"),
                         (p.aor, d["ok"].tag("From")), out.call_id, 7,
                         via_host="127.0.0.1", via_port=self.carrier.port)
        rinv.headers.append(("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>" % self.carrier.port))
        rinv.headers.append(("Content-Type", "application/sdp"))
        rinv.body = offer
        self.carrier.stream.send(rinv)
        pinv = p.expect_request("INVITE")
        tag, suite = re.search(r"a=crypto:(\d+) (\S+) inline:", pinv.body).groups()
        answer = re.sub(r"a=crypto:1 \S+", "a=crypto:%s %s" % (tag, suite), CISCO)
        p.send(response(pinv, 200, "OK", body=answer,
                        extra=[("Contact", "<sip:alice@192.0.2.10:%d;transport=tls>"
                                % p.claimed_port)]))
        ok = self.carrier.stream.expect_response("INVITE", 200)
        self.assertTrue(keys_of(ok.body))
        self.assertTrue(self.edge.wait_log("settled its media after its 491", 6), self.edge.log())
        self.assertTrue(self.carrier.stream.nothing(
            lambda m: m.is_request and m.method == "INVITE", 0.5))
        self.assertEqual(len(self.edge.json("calls")["items"]), 1)

    def test_a_late_offer_reinvite_in_the_491_wait_is_not_met_by_the_edges_own(self):
        d, sent = self.glare()
        p, n = d["p"], d["n"]
        # The phone's session refresh without SDP, in the edge's 491 wait.
        rinv = self.phone_request("INVITE", d, 3)
        rinv.headers.append(("Contact", "<%s>" % p.contact_uri))
        p.send(rinv)
        cinv = self.carrier.stream.expect_request("INVITE")
        self.assertEqual((cinv.cseq, cinv.body), ((n + 2, "INVITE"), ""))
        # The carrier takes its time over the offer, past the longest wait
        # (4 s): the edge's re-INVITE must not meet the pending one there.
        self.assertTrue(self.carrier.stream.nothing(
            lambda m: m.is_request and m.method == "INVITE", sent + 4.6 - time.monotonic()))
        offer = CARRIER_ANSWER.format(tag=7).replace(" 1 1 ", " 1 2 ")
        self.carrier.stream.send(response(cinv, 200, "OK", body=offer, extra=[
            ("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>" % self.carrier.port)]))
        ok = p.expect_response("INVITE", 200)
        self.assertEqual(ok.cseq, (3, "INVITE"))
        tag, suite = re.search(r"a=crypto:(\d+) (\S+) inline:", ok.body).groups()
        ack = in_dialog("ACK", ok, d["route"], uri_of(ok.get("Contact")), d["frm"], d["to"],
                        ok.call_id, 3, via_port=p.claimed_port)
        ack.headers.append(("Content-Type", "application/sdp"))
        ack.body = re.sub(r"a=crypto:1 \S+", "a=crypto:%s %s" % (tag, suite), CISCO_REKEY)
        p.send(ack)
        # The ACK goes with its INVITE's CSeq, and the answer settles it.
        cack = self.carrier.stream.expect_request("ACK")
        self.assertEqual(cack.cseq, (n + 2, "ACK"))
        self.assertEqual(re.findall(r"a=crypto:(\d+) ", cack.body), ["7"], cack.body)
        self.assertTrue(self.edge.wait_log("settled its media after its 491", 6), self.edge.log())
        self.assertTrue(self.carrier.stream.nothing(
            lambda m: m.is_request and m.method == "INVITE", 0.5))
        self.bye_goes_past_the_edges_cseq(d, 4)


class EarlyCase(ScriptedCase):
    """A Cisco-shaped call with a reliable 183 from the carrier."""

    def early(self, body=CISCO, sdp_183=True):
        """A Cisco-shaped call the carrier answers with a reliable 183
        (with its SDP answer, or an offer for a late-offer INVITE, or none);
        returns the phone's early dialog as phone_request() wants it."""
        p = self.registered_phone("Cisco/SPA504G-7.6.2")
        inv = p.req("INVITE", "sip:bob@carrier.test", body=body,
                    extra=[("Supported", "100rel")])
        p.send(inv)
        out = self.carrier.stream.expect_request("INVITE")
        sdp = ""
        if sdp_183 and body:
            tag = re.search(r"a=crypto:(\d+) AES_CM_128_HMAC_SHA1_80", out.body).group(1)
            sdp = CARRIER_ANSWER.format(tag=tag)
        elif sdp_183:
            sdp = CARRIER_ANSWER.format(tag=5)
        self.carrier.stream.send(response(out, 183, "Session Progress", to_tag="gw", body=sdp, extra=[
            ("Require", "100rel"), ("RSeq", "1"), ("Allow", "INVITE, ACK, BYE, PRACK, UPDATE"),
            ("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>" % self.carrier.port)]))
        r183 = p.expect_response("INVITE", 183)
        return {"p": p, "inv": inv, "out": out, "ok": r183, "c183": sdp,
                "route": [uri_of(v) for v in reversed(r183.get_all("Record-Route"))],
                "frm": (p.aor, r183.tag("From")), "to": ("sip:bob@carrier.test", "gw")}

    def phone_request(self, method, d, cseq, body=""):
        m = in_dialog(method, d["ok"], d["route"], uri_of(d["ok"].get("Contact")), d["frm"],
                      d["to"], d["ok"].call_id, cseq, via_port=d["p"].claimed_port)
        m.headers.append(("Contact", "<%s>" % d["p"].contact_uri))
        if method == "PRACK":
            m.headers.append(("RAck", "1 %d INVITE" % d["inv"].cseq[0]))
        if body:
            m.headers.append(("Content-Type", "application/sdp"))
            m.body = body
        return m

    def prack(self, d, cseq=2, body=""):
        """The phone's PRACK of the 183; returns what the carrier got."""
        d["p"].send(self.phone_request("PRACK", d, cseq, body))
        cpr = self.carrier.stream.expect_request("PRACK")
        self.carrier.stream.send(response(cpr, 200, "OK"))
        self.assertEqual(d["p"].expect_response("PRACK", 200).cseq, (cseq, "PRACK"))
        return cpr

    def answer_call(self, d, body="", user="bob"):
        """The carrier's 200 to the INVITE (no SDP, or the 183's again) with
        user in its Contact, and the phone's ACK; returns the ACK the
        carrier got."""
        self.carrier.stream.send(response(d["out"], 200, "OK", to_tag="gw", body=body, extra=[
            ("Contact", "<sip:%s@127.0.0.1:%d;transport=tls>" % (user, self.carrier.port))]))
        ok = d["p"].expect_response("INVITE", 200)
        d["ok"] = ok
        d["route"] = [uri_of(v) for v in reversed(ok.get_all("Record-Route"))]
        d["p"].send(in_dialog("ACK", ok, d["route"], uri_of(ok.get("Contact")), d["frm"], d["to"],
                              ok.call_id, d["inv"].cseq[0], via_port=d["p"].claimed_port))
        return self.carrier.stream.expect_request("ACK")


class EarlyDialogs(EarlyCase):
    """Offers and answers in an early dialog (RFC 3262 reliable 1xx, PRACK,
    RFC 3311 UPDATE) anchor as in a confirmed one."""

    def test_a_reliable_183s_answer_and_an_early_update_are_anchored(self):
        d = self.early()
        p, out = d["p"], d["out"]
        # The 183's answer reaches the phone in its own shape, on the relay.
        self.assertAnchored(d["ok"].body, "RTP/AVP")
        k183 = keys_of(d["ok"].body)
        self.assertEqual(len(k183), 1, d["ok"].body)
        self.assertFalse(set(k183) & set(keys_of(d["c183"]) + keys_of(CISCO)))
        self.assertEqual(self.prack(d).body, "")
        # A re-key in an UPDATE in the early dialog: both legs get new keys.
        p.send(self.phone_request("UPDATE", d, 3, CISCO_REKEY))
        cupd = self.carrier.stream.expect_request("UPDATE")
        self.assertEqual(audio_of(cupd.body), audio_of(out.body), cupd.body)
        self.assertFalse(set(keys_of(cupd.body)) & set(keys_of(out.body) + keys_of(CISCO_REKEY)))
        tag = re.search(r"a=crypto:(\d+) AES_CM_128_HMAC_SHA1_80", cupd.body).group(1)
        ans = CARRIER_ANSWER.format(tag=tag).replace(
            "d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw")
        ans = ans.replace(" 1 1 ", " 1 2 ")
        self.carrier.stream.send(response(cupd, 200, "OK", body=ans))
        pok = p.expect_response("UPDATE", 200)
        self.assertEqual(audio_of(pok.body), audio_of(d["ok"].body), pok.body)
        self.assertEqual(len(keys_of(pok.body)), 1, pok.body)
        self.assertFalse(set(keys_of(pok.body)) & set(k183 + keys_of(ans)))
        self.assertNotIn("MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw", self.edge.log())
        ack = self.answer_call(d)
        self.assertEqual(ack.cseq, (out.cseq[0], "ACK"))
        self.assertEqual(self.edge.json("calls")["items"][0]["state"], "confirmed")

    def test_a_late_offer_in_a_reliable_183_is_answered_in_the_prack(self):
        d = self.early(body="")
        self.assertEqual(d["out"].body, "")
        offer = d["ok"].body
        addr, port, proto = audio_of(offer)
        self.assertEqual(addr, "127.0.0.1", offer)
        self.assertTrue(self.edge.media_ports[0] <= port <= self.edge.media_ports[1])
        self.assertTrue(keys_of(offer))
        self.assertFalse(set(keys_of(offer)) & set(keys_of(d["c183"])))
        tag, suite = re.search(r"a=crypto:(\d+) (\S+) inline:", offer).groups()
        answer = re.sub(r"a=crypto:1 \S+", "a=crypto:%s %s" % (tag, suite), CISCO)
        answer = answer.replace("RTP/AVP", proto)
        cpr = self.prack(d, body=answer)
        cport = self.assertAnchored(cpr.body, "RTP/SAVP")
        self.assertNotEqual(cport, port)
        ck = keys_of(cpr.body)
        self.assertEqual(len(ck), 1, cpr.body)
        self.assertFalse(set(ck) & set(keys_of(answer) + keys_of(offer)))
        self.assertEqual(re.search(r"a=crypto:(\d+)", cpr.body).group(1), "5")
        self.answer_call(d)
        legs = self.edge.json("calls")["items"][0]["legs"]
        self.assertEqual(sorted(l["srtp_suite"] for l in legs),
                         ["AES_CM_128_HMAC_SHA1_80", suite], legs)

    def test_the_callee_of_a_refused_early_update_answer_is_offered_again_once_answered(self):
        d = self.early()
        p, out = d["p"], d["out"]
        self.prack(d)
        p.send(self.phone_request("UPDATE", d, 3, CISCO_REKEY))
        cupd = self.carrier.stream.expect_request("UPDATE")
        self.carrier.stream.send(response(cupd, 200, "OK", body=PLAIN_ANSWER))
        self.assertEqual(p.expect_response("UPDATE", 488).cseq, (3, "UPDATE"))
        # Not in the early dialog: the edge waits until the call is answered.
        self.assertTrue(self.carrier.stream.nothing(
            lambda m: m.is_request and m.method == "UPDATE", 0.3))
        # Its 200 repeats the 183's answer, as RFC 3262 lets it: that is
        # not the carrier giving up the answer the edge refused.
        # ... and names another target than its 183 did: the dialog's.
        ack = self.answer_call(d, d["c183"], user="bob-answered")
        self.assertEqual(ack.cseq, (out.cseq[0], "ACK"))
        own = self.carrier.stream.expect_request("UPDATE")
        n = cupd.cseq[0]
        self.assertEqual(own.cseq, (n + 1, "UPDATE"))
        self.assertEqual(len(own.get_all("Via")), 1, own.get_all("Via"))
        self.assertEqual((own.tag("From"), own.tag("To")), (out.tag("From"), "gw"))
        self.assertEqual(cupd.ruri, "sip:bob@127.0.0.1:%d;transport=tls" % self.carrier.port)
        self.assertEqual(own.ruri, ack.ruri)
        self.assertEqual(own.ruri, "sip:bob-answered@127.0.0.1:%d;transport=tls" % self.carrier.port)
        self.assertEqual(own.get("Route"), None)
        self.assertEqual(own.get("Contact"), out.get("Contact"))
        self.assertEqual(own.get("RAck"), None)
        self.assertEqual(audio_of(own.body), ("127.0.0.1", audio_of(out.body)[1], "RTP/SAVP"),
                         own.body)
        self.assertTrue(keys_of(own.body))
        self.assertFalse(set(keys_of(own.body)) & set(keys_of(out.body) + keys_of(cupd.body)))
        tag = re.search(r"a=crypto:(\d+) AES_CM_128_HMAC_SHA1_80", own.body).group(1)
        self.carrier.stream.send(response(own, 200, "OK", body=CARRIER_ANSWER.format(tag=tag)))
        self.assertTrue(self.edge.wait_log("the carrier side answered the edge's UPDATE and is "
                                           "back", 5), self.edge.log())
        # The phone's BYE goes past the edge's CSeq; its 200 comes back with the phone's.
        p.send(self.phone_request("BYE", d, 4))
        cbye = self.carrier.stream.expect_request("BYE")
        self.assertEqual(cbye.cseq, (n + 2, "BYE"))
        self.carrier.stream.send(response(cbye, 200, "OK"))
        self.assertEqual(p.expect_response("BYE", 200).cseq, (4, "BYE"))

    def test_the_callee_of_a_refused_answer_in_a_pracks_2xx_is_offered_again_once_answered(self):
        d = self.early()
        p, out = d["p"], d["out"]
        # A new offer in the PRACK (the 183 had the answer), answered plain.
        p.send(self.phone_request("PRACK", d, 2, CISCO_REKEY))
        cpr = self.carrier.stream.expect_request("PRACK")
        self.assertTrue(keys_of(cpr.body), cpr.body)
        self.carrier.stream.send(response(cpr, 200, "OK", body=PLAIN_ANSWER))
        self.assertEqual(p.expect_response("PRACK", 488).cseq, (2, "PRACK"))
        self.assertTrue(self.carrier.stream.nothing(
            lambda m: m.is_request and m.method == "UPDATE", 0.3))
        self.answer_call(d)
        own = self.carrier.stream.expect_request("UPDATE")
        self.assertEqual(own.cseq, (cpr.cseq[0] + 1, "UPDATE"))
        self.assertEqual(own.get("RAck"), None)
        self.assertEqual(own.get("Contact"), cpr.get("Contact"))
        self.assertEqual(audio_of(own.body), ("127.0.0.1", audio_of(out.body)[1], "RTP/SAVP"))
        self.assertFalse(set(keys_of(own.body)) & set(keys_of(out.body) + keys_of(cpr.body)))
        tag = re.search(r"a=crypto:(\d+) AES_CM_128_HMAC_SHA1_80", own.body).group(1)
        self.carrier.stream.send(response(own, 200, "OK", body=CARRIER_ANSWER.format(tag=tag)))
        self.assertTrue(self.edge.wait_log("the carrier side answered the edge's UPDATE and is "
                                           "back", 5), self.edge.log())

class CallEnds(EarlyCase):
    """Every way a call with anchored media can end gives its relay ports
    back (issue 9), not only a BYE."""

    def setUp(self):
        super().setUp()
        self.ports0 = self.edge.json("media")["ports_in_use"]

    def released(self):
        def free(m):
            return (m["sessions"] == 0 and m["ports_in_use"] == self.ports0 and
                    sum(t["sessions"] for t in m["threads"]) == 0)
        self.assertTrue(wait_for(lambda: free(self.edge.json("media")), 5),
                        self.edge.json("media"))
        self.assertTrue(wait_for(lambda: self.edge.json("calls")["items"] == [], 5),
                        self.edge.json("calls"))

    def in_use(self):
        m = self.edge.json("media")
        self.assertEqual(m["sessions"], 1, m)
        self.assertGreater(m["ports_in_use"], self.ports0, m)

    def test_the_phone_cancelling_during_early_media(self):
        d = self.early()
        self.in_use()
        d["p"].send(cancel_for(d["inv"]))
        ccancel = self.carrier.stream.expect_request("CANCEL")
        self.carrier.stream.send(response(ccancel, 200, "OK"))
        self.carrier.stream.send(response(d["out"], 487, "Request Terminated", to_tag="gw"))
        self.assertEqual(d["p"].expect_response("INVITE", 487).status, 487)
        self.assertEqual(self.carrier.stream.expect_request("ACK").cseq[1], "ACK")
        self.released()

    def test_the_callee_busy_after_early_media(self):
        d = self.early()
        self.in_use()
        self.carrier.stream.send(response(d["out"], 486, "Busy Here", to_tag="gw"))
        self.assertEqual(d["p"].expect_response("INVITE", 486).status, 486)
        self.released()

    def test_the_carrier_refusing_before_any_answer(self):
        p = self.registered_phone("Cisco/SPA504G-7.6.2")
        p.send(p.req("INVITE", "sip:bob@carrier.test", body=CISCO))
        out = self.carrier.stream.expect_request("INVITE")
        self.in_use()
        self.carrier.stream.send(response(out, 503, "Service Unavailable", to_tag="gw"))
        self.assertEqual(p.expect_response("INVITE", 503).status, 503)
        self.released()

    def test_the_carrier_hanging_up_an_answered_call(self):
        d = self.early()
        self.prack(d)
        self.answer_call(d)
        self.in_use()
        bye = in_dialog("BYE", d["out"], [uri_of(r) for r in d["out"].get_all("Record-Route")],
                        uri_of(d["out"].get("Contact")), ("sip:bob@carrier.test", "gw"),
                        (d["p"].aor, d["ok"].tag("From")), d["out"].call_id, 9,
                        via_host="127.0.0.1", via_port=self.carrier.port)
        self.carrier.stream.send(bye)
        pbye = d["p"].expect_request("BYE")
        d["p"].send(response(pbye, 200, "OK"))
        self.assertEqual(self.carrier.stream.expect_response("BYE", 200).status, 200)
        self.released()

    def test_the_phone_going_away_during_early_media(self):
        d = self.early()
        self.in_use()
        d["p"].close()      # its TLS connection: the edge cancels towards the carrier
        ccancel = self.carrier.stream.expect_request("CANCEL", timeout=10)
        self.carrier.stream.send(response(ccancel, 200, "OK"))
        self.carrier.stream.send(response(d["out"], 487, "Request Terminated", to_tag="gw"))
        self.released()


class PlainScripted(ScriptedCase):
    """Plain RTP on both sides and a five-second media timeout, so that
    a test can send and receive the media itself."""
    media_timeout = 5
    phones_extra = "srtp = off\n"
    carrier_extra = "srtp = off\n"

    @staticmethod
    def rtp(seq, ssrc):
        """A G.711 RTP packet of silence."""
        return struct.pack("!BBHII", 0x80, 0, seq, seq * 160, ssrc) + b"\xd5" * 160

    @staticmethod
    def plain_sdp(user, version, port):
        """Plain G.711 on 127.0.0.1:port, o= line of user and version."""
        return ("v=0\r\no={u} {v} {v} IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
                "t=0 0\r\nm=audio {p} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n").format(
                    u=user, v=version, p=port)

    @staticmethod
    def reinvite(p, ok, body):
        """The phone's re-INVITE (CSeq 2) with body, in the dialog of ok."""
        route = [uri_of(v) for v in reversed(ok.get_all("Record-Route"))]
        rinv = in_dialog("INVITE", ok, route, uri_of(ok.get("Contact")), (p.aor, ok.tag("From")),
                         ("sip:bob@carrier.test", ok.tag("To")), ok.call_id, 2,
                         via_port=p.claimed_port)
        rinv.headers.append(("Content-Type", "application/sdp"))
        rinv.body = body
        p.send(rinv)

    def test_sdp_that_names_the_same_peer_again_keeps_the_latch(self):
        """A phone behind NAT sends from elsewhere than its SDP says; its
        hold re-INVITE names the same address again, and what the
        carrier sends still reaches where the phone's packets come from."""
        named, named_port = self.udp()
        real, _ = self.udp()
        gw, gw_port = self.udp()
        offer = self.plain_sdp("-", 4, named_port) + "a={dir}\r\n"
        answer = self.plain_sdp("gw", 1, gw_port) + "a={dir}\r\n"
        offer = offer.replace("o=- 4 4 ", "o=- 4 {v} ")
        answer = answer.replace("o=gw 1 1 ", "o=gw 1 {v} ")
        p = self.registered_phone("Linphone/5.0")
        inv = p.req("INVITE", "sip:bob@carrier.test", body=offer.format(v=4, dir="sendrecv"))
        p.send(inv)
        out = self.carrier.stream.expect_request("INVITE")
        edge_carrier_port = audio_of(out.body)[1]
        self.carrier.stream.send(response(out, 200, "OK", to_tag="gw",
                                          body=answer.format(v=1, dir="sendrecv"), extra=[
            ("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>" % self.carrier.port)]))
        ok = p.expect_response("INVITE", 200)
        edge_phone_port = audio_of(ok.body)[1]
        pkt = self.rtp(1, 0x1234)
        real.sendto(pkt, ("127.0.0.1", edge_phone_port))
        self.assertEqual(gw.recv(512), pkt)
        back = self.rtp(1, 0x5678)
        gw.sendto(back, ("127.0.0.1", edge_carrier_port))
        self.assertEqual(real.recv(512), back)
        # Hold: the same address in the SDP again.
        self.reinvite(p, ok, offer.format(v=5, dir="sendonly"))
        cinv = self.carrier.stream.expect_request("INVITE")
        self.carrier.stream.send(response(cinv, 200, "OK", body=answer.format(v=2, dir="recvonly")))
        p.expect_response("INVITE", 200)
        time.sleep(0.2)             # the relay has the update
        gw.sendto(back, ("127.0.0.1", edge_carrier_port))
        self.assertEqual(real.recv(512), back)
        named.settimeout(0.3)
        self.assertRaises(socket.timeout, named.recv, 512)

    def test_a_call_answered_after_a_silent_183_times_out_from_the_answer(self):
        """A 183 with SDP and no packets, ringing past [media] timeout, then
        a 200 without SDP: the call is not ended for the silence while it
        rang, and its silence once answered still ends it."""
        gw, gw_port = self.udp()
        ph, ph_port = self.udp()
        offer = self.plain_sdp("-", 4, ph_port)
        answer = self.plain_sdp("gw", 1, gw_port)
        p = self.registered_phone("Linphone/5.0")
        p.send(p.req("INVITE", "sip:bob@carrier.test", body=offer))
        out = self.carrier.stream.expect_request("INVITE")
        contact = [("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>" % self.carrier.port)]
        self.carrier.stream.send(response(out, 183, "Session Progress", to_tag="gw", body=answer,
                                          extra=contact))
        p.expect_response("INVITE", 183)
        time.sleep(self.media_timeout + 1.5)
        self.assertEqual(self.edge.json("calls")["items"][0]["state"], "early")
        self.carrier.stream.send(response(out, 200, "OK", to_tag="gw", extra=contact))
        ok = p.expect_response("INVITE", 200)
        answered = time.monotonic()
        p.send(in_dialog("ACK", ok, [uri_of(v) for v in reversed(ok.get_all("Record-Route"))],
                         uri_of(ok.get("Contact")), (p.aor, ok.tag("From")),
                         ("sip:bob@carrier.test", "gw"), ok.call_id, 1, via_port=p.claimed_port))
        self.assertTrue(self.edge.wait_log("no packets for", self.media_timeout + 4),
                        self.edge.log())
        self.assertGreaterEqual(time.monotonic() - answered, self.media_timeout - 1.5)
        self.assertEqual(self.carrier.stream.expect_request("BYE").call_id, out.call_id)
        self.assertEqual(p.expect_request("BYE").call_id, out.call_id)

    def test_an_ipv6_hold_address_is_a_hold_for_the_relay_too(self):
        """c=IN IP6 :: (RFC 2543 hold, IPv6 phones) on an IPv4 relay: the
        carrier sees a sendonly hold and the relay takes the update, as
        it does for 0.0.0.0, instead of a peer it cannot send to."""
        ph, ph_port = self.udp()
        offer = ("v=0\r\no=- 4 {v} IN IP4 127.0.0.1\r\ns=-\r\nc=IN {c}\r\nt=0 0\r\n"
                 "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n" % ph_port)
        answer = ("v=0\r\no=gw 1 {v} IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                  "m=audio 5004 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na={dir}\r\n")
        p = self.registered_phone("Linphone/5.0")
        p.send(p.req("INVITE", "sip:bob@carrier.test", body=offer.format(v=4, c="IP4 127.0.0.1")))
        out = self.carrier.stream.expect_request("INVITE")
        self.carrier.stream.send(response(out, 200, "OK", to_tag="gw",
                                          body=answer.format(v=1, dir="sendrecv"), extra=[
            ("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>" % self.carrier.port)]))
        ok = p.expect_response("INVITE", 200)
        self.reinvite(p, ok, offer.format(v=5, c="IP6 ::"))
        cinv = self.carrier.stream.expect_request("INVITE")
        self.assertIn("a=sendonly", cinv.body)
        self.assertEqual(audio_of(cinv.body)[0], "127.0.0.1")
        self.carrier.stream.send(response(cinv, 200, "OK", body=answer.format(v=2, dir="recvonly")))
        p.expect_response("INVITE", 200)
        time.sleep(0.3)
        self.assertNotIn("stream 0: relay:", self.edge.log())
        self.assertEqual(len(self.edge.json("calls")["items"]), 1)

    def test_a_stream_rejected_with_port_0_does_not_time_the_call_out(self):
        rtp, port = self.udp()
        offer = ("v=0\r\no=- 3 3 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                 "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
                 "m=video %d RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n" % (port, port + 2))
        p = self.registered_phone("Linphone/5.0")
        p.send(p.req("INVITE", "sip:bob@carrier.test", body=offer))
        out = self.carrier.stream.expect_request("INVITE")
        self.assertEqual(out.body.count("m="), 2, out.body)
        answer = ("v=0\r\no=gw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                  "m=audio 5004 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
                  "m=video 0 RTP/AVP 96\r\n")
        self.carrier.stream.send(response(out, 200, "OK", to_tag="gw", body=answer, extra=[
            ("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>" % self.carrier.port)]))
        ok = p.expect_response("INVITE", 200)
        self.assertRegex(ok.body, r"m=video 0 ")
        # One call, two streams: "sessions" counts calls (the contract).
        media = self.edge.json("media")
        self.assertEqual((media["sessions"], media["streams"]), (1, 2), media)
        relay_port = audio_of(ok.body)[1]
        # Audio from the phone every 20 ms for longer than the media timeout.
        seq = 0
        end = time.monotonic() + self.media_timeout + 2
        while time.monotonic() < end:
            seq += 1
            rtp.sendto(self.rtp(seq, 0x1234), ("127.0.0.1", relay_port))
            time.sleep(0.02)
        self.assertTrue(self.carrier.stream.nothing(
            lambda m: m.is_request and m.method == "BYE", 0.2))
        self.assertEqual(len(self.edge.json("calls")["items"]), 1, self.edge.log())
        self.assertTrue(self.edge.wait_log("a stream the answer rejected: kept", 1),
                        self.edge.log())


class PortExhaustion(ScriptedCase):
    """Four relay ports: one stream's pair on each side, one call."""

    def setUp(self):
        # Above the kernel's ephemeral ports (32768-60999), where nothing
        # else on the machine takes one of the four by chance.
        base = 61000 + 4 * random.randrange(1000)
        self.media_ports = (base, base + 3)
        super().setUp()

    def test_a_call_without_free_ports_gets_503_and_its_ports_come_back(self):
        self.call("Cisco/SPA504G-7.6.2", CISCO)
        p, out, ok = self.last
        media = self.edge.json("media")
        self.assertEqual((media["ports_in_use"], media["ports_total"]), (4, 4), media)
        p.send(p.req("INVITE", "sip:carol@carrier.test", call_id="second", body=CISCO))
        final = p.expect(lambda m: not m.is_request and m.call_id == "second" and
                         m.status >= 200, 5, "the final to the second INVITE")
        self.assertEqual(final.status, 503)
        self.assertTrue(self.edge.wait_log("media call=second: 503 no relay port", 5),
                        self.edge.log())
        self.assertTrue(self.carrier.stream.nothing(
            lambda m: m.is_request and m.method == "INVITE", 1.0))
        # The first call's BYE gives its ports back (to quarantine, then free).
        bye = in_dialog("BYE", ok, [uri_of(v) for v in reversed(ok.get_all("Record-Route"))],
                        uri_of(ok.get("Contact")), (p.aor, ok.tag("From")),
                        ("sip:bob@carrier.test", ok.tag("To")), ok.call_id, 3,
                        via_port=p.claimed_port)
        p.send(bye)
        cbye = self.carrier.stream.expect_request("BYE")
        self.carrier.stream.send(response(cbye, 200, "OK"))
        p.expect_response("BYE", 200)
        self.assertTrue(wait_for(lambda: self.edge.json("media")["ports_in_use"] == 0, 10),
                        self.edge.json("media"))


if __name__ == "__main__":
    unittest.main()
