"""Accounts held by the edge ([account NAME] in a carrier file): the edge
registers the AOR at the carrier itself and answers the carrier's
challenges with the carrier password (the strongest algorithm offered),
while the account's phones register at the edge and authenticate there
with phone_password, in the algorithm their profile handles.

Real peers (Kamailio with SHA-256 only, baresip with MD5 only): calls both
ways with audio, a carrier restart, wrong phone passwords and the
throttle, reloads that remove and add accounts. Scripted peers (sipua):
an incoming call forked to two phones, and the carrier's 407 answered by
the edge with the CSeq of the rest of the dialog shifted.

Every wait is bounded: against a daemon without the feature the tests fail
with a message saying what did not happen."""
import os
import re
import signal
import time
import unittest

from baresip import Baresip, sip_header, tone_share
from edge import Edge, certs, wait_for
from kamailio import Kamailio, SipTls, digest, digest_hash, header, status_code
from peers import Dnsmasq
from sipua import Msg, ScriptedCarrier, TlsPhone, in_dialog, request, response, uri_of

CARRIER = "kamailio"
CARRIER_CONF = """[carrier {name}]
domain = carrier.test
server = 127.0.0.1:{port}
tls_verify_name = carrier.test
ca_file = {certs}/ca.crt
keepalive = 30
"""
ACCOUNT_CONF = """
[account {name}]
aor = sip:{user}@carrier.test
password = {password}
phone_password = {phone_password}
register = yes
expires = {expires}
"""
PHONE_PASSWORD = "PHONE-SECRET-1"
SDP = ("v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\n"
       "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n")
KAMAILIO_SERVER = "carrier.test (kamailio)"     # its Server header


def account_conf(user, password=None, phone_password=PHONE_PASSWORD, expires=60, name=None):
    return ACCOUNT_CONF.format(name=name or user, user=user,
                               password=password or "pw-" + user,
                               phone_password=phone_password, expires=expires)


def params_of(value):
    """The parameters of a Digest challenge or credentials, names lowercased."""
    return dict((k.lower(), v1 or v2) for k, v1, v2 in
                re.findall(r'([\w-]+)\s*=\s*(?:"([^"]*)"|([^\s,]*))', value or ""))


def values_of(msg, name):
    """Every value of a header in a sipua Msg (no splitting at commas)."""
    return [v for n, v in msg.headers if n.lower() == name.lower()]


def trace_values(text, name):
    """Every value of a header in a traced message's text."""
    return re.findall(r"(?im)^%s\s*:\s*(.*?)\s*$" % re.escape(name), text)


def expected_response(auth, password, method, algo=None):
    """What a digest server computes for credentials (qop=auth)."""
    a = params_of(auth)
    algo = algo or a.get("algorithm", "MD5")
    H = lambda s: digest_hash(algo, s)
    ha1 = H("%s:%s:%s" % (a["username"], a["realm"], password))
    ha2 = H("%s:%s" % (method, a["uri"]))
    return H("%s:%s:%s:%s:%s:%s" % (ha1, a["nonce"], a["nc"], a["cnonce"], a["qop"], ha2))


def final(stream, method, timeout=5, what=None):
    """The next final response to method on a sipua stream; fails the test
    (AssertionError) with a readable message when none comes in time."""
    return stream.expect(lambda m: not m.is_request and m.method == method and m.status >= 200,
                         timeout, what or "a final response to %s" % method)


class AccountCase(unittest.TestCase):
    """Helpers for both kinds of carrier."""

    def edge_log_tail(self, n=3000):
        """The end of the edge's log, without the control socket's chatter."""
        lines = [l for l in self.edge.log().splitlines() if " control: " not in l]
        return "\n".join(lines)[-n:]

    def registrations(self):
        return self.edge.json("registrations")["items"]

    def account_item(self, name):
        """The registrations item of an account: the one naming it in
        "account" and bound to no phone (no "source")."""
        for i in self.registrations():
            if i.get("account") == name and not i.get("source"):
                return i
        return None

    def phone_items(self, aor="sip:alice@carrier.test"):
        """The registrations items of phones bound to aor (they have a source)."""
        return [i for i in self.registrations() if i.get("aor") == aor and i.get("source")]

    def wait_account(self, name, state="registered", timeout=15):
        """Wait until the account's item is in state; fail saying what it is."""
        item = wait_for(lambda: (lambda i: i if i and i.get("state") == state else None)(
            self.account_item(name)), timeout, 0.2)
        if not item:
            self.fail("account %s not %s within %d s; registrations: %s\nedge log:\n%s"
                      % (name, state, timeout, self.registrations(), self.edge_log_tail()))
        return item

    def wait_account_gone(self, name, timeout=10):
        if not wait_for(lambda: self.account_item(name) is None, timeout, 0.2):
            self.fail("account %s still listed %d s after its removal: %s"
                      % (name, timeout, self.account_item(name)))

    def carrier_item(self):
        return self.edge.json("carriers")["items"][0]

    def carrier_connected(self):
        return self.carrier_item()["state"] == "connected"

    def no_calls(self, timeout=5):
        return wait_for(lambda: self.edge.json("calls")["items"] == [], timeout)


# --- against Kamailio (SHA-256 only) and baresip (MD5 only) ---------------

class KamailioAccounts(AccountCase):
    """Kamailio challenges REGISTER (401) and initial requests (407) with
    SHA-256 only; bob is its open user (no credentials) so that a baresip,
    which computes MD5 only, can sit at Kamailio directly as the far end."""
    accounts = (("alice", 60),)        # (user, expires) of the carrier file
    log_level = "info"

    def setUp(self):
        self.kam = Kamailio(algorithm="SHA-256", open_user="bob")
        self.addCleanup(self.kam.close)
        self.kam.start()
        self.edge = Edge(carriers={}, log_level=self.log_level)
        self.write_carrier_file(self.accounts)
        self.addCleanup(self.edge.close)
        self.edge.start()
        self.assertTrue(wait_for(self.carrier_connected, 10), self.edge.json("carriers"))
        self.baresips = []

    def write_carrier_file(self, accounts):
        text = CARRIER_CONF.format(name=CARRIER, port=self.kam.port, certs=certs())
        for user, expires in accounts:
            text += account_conf(user, expires=expires)
        self.edge.write_carrier(CARRIER, None, text)

    def phone(self, user="alice", password=PHONE_PASSWORD, wait=True, **kw):
        """A baresip behind the edge, registering with the phone password."""
        b = Baresip(user, password, "sip:127.0.0.1:%d;transport=tls" % self.edge.port, **kw)
        self.addCleanup(b.close)
        self.baresips.append(b)
        try:
            return b.start(wait_registered=wait)
        except RuntimeError as e:
            self.fail("baresip %s (MD5 only) did not register at the edge with the "
                      "account's phone_password: %s\nedge log:\n%s"
                      % (user, str(e)[-2500:], self.edge_log_tail()))

    def carrier_user(self, user="bob", **kw):
        """A baresip at Kamailio directly (bob, the open user)."""
        b = Baresip(user, "unused-" + user, self.kam.outbound, **kw)
        self.addCleanup(b.close)
        self.baresips.append(b)
        return b.start()

    def registered_lines(self, user):
        return [l for l in self.kam.lines() if l.startswith("CARRIER REGISTERED sip:%s@" % user)]

    def register_requests(self, user):
        """Kamailio's REQ lines for REGISTERs whose Contact is the account's."""
        pat = re.compile(r"sipedge=a-%s\b" % re.escape(user))
        return [l for l in self.kam.lines() if l.startswith("CARRIER REQ REGISTER")
                and pat.search(l)]

    def assert_account_contact_at_kamailio(self, user):
        """Kamailio holds sip:USER@127.0.0.1:P;transport=tls;sipedge=a-USER, P
        being the edge's end of its carrier connection: Kamailio reaches a
        Contact only over the connection coming from that address."""
        contact = self.kam.registered(user, 15)
        self.assertTrue(contact, "Kamailio never registered %s (no CARRIER REGISTERED line); "
                        "its log:\n%s\nedge log:\n%s"
                        % (user, "\n".join(self.kam.lines()[-20:]), self.edge_log_tail()))
        m = re.search(r"<?sip:%s@127\.0\.0\.1:(\d+);transport=tls;sipedge=a-%s>?"
                      % (user, user), contact)
        self.assertTrue(m, "the account's Contact at Kamailio: %s" % contact)
        self.assertEqual(int(m.group(1)), self.carrier_item()["local_port"], contact)
        self.assertNotIn("NATFIX register sip:%s@" % user, self.kam.log())
        return contact

    def assert_no_phone_register_reached_kamailio(self):
        """Every REGISTER Kamailio saw came from the edge's accounts or bob."""
        for l in self.kam.lines():
            if l.startswith("CARRIER REQ REGISTER"):
                contact = l.rsplit(" contact ", 1)[1]
                self.assertTrue("sipedge=a-" in contact or "sip:bob-" in contact,
                                "a phone's REGISTER reached Kamailio: " + l)
            if l.startswith("CARRIER REGISTERED sip:alice@"):
                self.assertIn("sipedge=a-alice", l)

    def received_responses(self, b, code, method):
        """Responses baresip received (trace dicts) with that code and method."""
        return [t for t in b.trace() if not t["out"] and t["first"].startswith("SIP/2.0 %d " % code)
                and (sip_header(t["text"], "CSeq") or "").split()[-1:] == [method]]

    def assert_heard(self, b, dump, hz):
        """The dump (written out once the call is gone) is the other's tone."""
        share = wait_for(lambda: (lambda x: x if x > 0.9 else None)(tone_share(dump, hz)), 3)
        self.assertTrue(share, "%s did not hear the %d Hz tone: share %.2f"
                        % (b.name, hz, tone_share(dump, hz)))

    def heard_since(self, b, before):
        """Seconds of audio in the newest "dec" dump not in before."""
        new = sorted(set(b.dumps("dec")) - before)
        return max(0, os.path.getsize(new[-1]) - 44) / 16000.0 if new else 0.0

    def cseqs(self, traced):
        return [int(sip_header(t["text"], "CSeq").split()[0]) for t in traced]


class CallsThroughAnAccount(KamailioAccounts):
    def test_md5_phone_calls_out_and_in_through_an_account_at_a_sha256_only_carrier(self):
        # The edge registered the account itself, answering SHA-256.
        acc = self.wait_account("alice")
        for key, value in (("aor", "sip:alice@carrier.test"), ("carrier", CARRIER),
                           ("held_by_edge", True), ("algorithm", "SHA-256"),
                           ("last_error", "")):
            self.assertEqual(acc.get(key), value, "%s of %s" % (key, acc))
        self.assertTrue(0 < acc["expires_in"] <= 60, acc)
        self.assert_account_contact_at_kamailio("alice")
        self.assertIn("CARRIER CHALLENGE 401 sip:alice@carrier.test", "\n".join(self.kam.lines()))

        # baresip registers at the edge, which challenges it itself: one
        # MD5 challenge for realm carrier.test, not Kamailio's SHA-256 one.
        alice = self.phone("alice", record=True, tone_hz=440)
        challenges = self.received_responses(alice, 401, "REGISTER")
        self.assertTrue(challenges, "baresip got no 401 for its REGISTER")
        ch = challenges[0]["text"]
        www = trace_values(ch, "WWW-Authenticate")
        self.assertEqual(len(www), 1, ch)
        self.assertEqual(params_of(www[0])["realm"], "carrier.test", www)
        self.assertEqual(params_of(www[0]).get("algorithm", "MD5").upper(), "MD5", www)
        self.assertNotIn(KAMAILIO_SERVER, ch, "the 401 came from Kamailio, not the edge")
        phones = wait_for(self.phone_items, 5)
        self.assertEqual(len(phones), 1, self.registrations())
        self.assertIs(phones[0]["held_by_edge"], True, phones)
        self.assertEqual(phones[0]["profile"], "baresip", phones)
        time.sleep(0.5)
        self.assert_no_phone_register_reached_kamailio()

        bob = self.carrier_user("bob", record=True, tone_hz=1000)

        # Out: the edge's 407 (MD5, carrier.test) to baresip; Kamailio's 407
        # (SHA-256) answered by the edge with the carrier password, CSeq+1.
        self.assertTrue(alice.dial("sip:bob@carrier.test")["ok"])
        if not bob.wait_state("established", 15):
            self.fail("the call alice -> bob did not reach bob; alice: %s\nKamailio:\n%s\n"
                      "edge log:\n%s" % (alice.events[-5:], "\n".join(self.kam.lines()[-15:]),
                                         self.edge_log_tail()))
        self.assertTrue(alice.wait_state("established"), alice.events)
        p407 = self.received_responses(alice, 407, "INVITE")
        self.assertEqual(len(p407), 1, "baresip should be challenged once, by the edge")
        pa = trace_values(p407[0]["text"], "Proxy-Authenticate")
        self.assertEqual(len(pa), 1, p407[0]["text"])
        self.assertEqual(params_of(pa[0])["realm"], "carrier.test")
        self.assertEqual(params_of(pa[0]).get("algorithm", "MD5").upper(), "MD5", pa)
        self.assertNotIn(KAMAILIO_SERVER, p407[0]["text"])
        self.assertIn("CARRIER CHALLENGE 407 INVITE sip:alice@carrier.test",
                      "\n".join(self.kam.lines()))
        sent = self.cseqs(alice.sent("INVITE"))           # unauthenticated, answered
        got = self.cseqs(bob.received("INVITE"))
        self.assertEqual(len(sent), 2, sent)
        self.assertEqual(got, [sent[1] + 1], "bob got the INVITE with CSeq %s, alice sent %s"
                         % (got, sent))
        calls = self.edge.json("calls")["items"]
        self.assertEqual((calls[0]["direction"], calls[0]["carrier"]), ("outbound", CARRIER))
        self.assertTrue(wait_for(lambda: min(alice.heard_seconds(), bob.heard_seconds()) > 1.0,
                                 8), "audio out: alice %.1f s, bob %.1f s"
                        % (alice.heard_seconds(), bob.heard_seconds()))
        # BYE from the phone: its CSeq shifted by the edge's extra INVITE.
        alice.hangup()
        self.assertTrue(bob.wait_state("closed"), bob.events)
        self.assertTrue(alice.wait_state("closed"), alice.events)
        byes_sent, byes_got = self.cseqs(alice.sent("BYE")), self.cseqs(bob.received("BYE"))
        self.assertEqual(len(byes_got), 1, byes_got)
        self.assertEqual(byes_got[0], byes_sent[0] + 1, "BYE CSeq %s sent, %s arrived"
                         % (byes_sent, byes_got))
        # baresip closes the call as it sends its BYE: the 200 may come after.
        ok = wait_for(lambda: [t for t in alice.trace()
                               if not t["out"] and t["first"].startswith("SIP/2.0 200")
                               and sip_header(t["text"], "CSeq").endswith("BYE")], 5)
        self.assertTrue(ok, "alice got no 200 for her BYE")
        self.assertEqual(self.cseqs(ok)[-1], byes_sent[0], "the 200 to alice's BYE")
        self.assertTrue(self.no_calls())
        self.assert_heard(alice, alice.dumps("dec")[-1], 1000)
        self.assert_heard(bob, bob.dumps("dec")[-1], 440)

        # In: Kamailio sends bob's call to the account's Contact, the edge
        # to the phone.
        a_before, b_before = set(alice.dumps("dec")), set(bob.dumps("dec"))
        self.assertTrue(bob.dial("sip:alice@carrier.test")["ok"])
        if not alice.wait_state("established", 15):
            self.fail("the call bob -> alice did not reach alice; bob: %s\nKamailio:\n%s\n"
                      "edge log:\n%s" % (bob.events[-5:], "\n".join(self.kam.lines()[-15:]),
                                         self.edge_log_tail()))
        self.assertTrue(bob.wait_state("established"), bob.events)
        self.assertTrue(re.search(r"CARRIER RELAY INVITE to sip:alice@127\.0\.0\.1:\d+;"
                                  r"transport=tls;sipedge=a-alice", self.kam.log()),
                        "Kamailio did not relay to the account's Contact")
        calls = self.edge.json("calls")["items"]
        self.assertEqual(calls[0]["direction"], "inbound", calls)
        heard = lambda: (self.heard_since(alice, a_before), self.heard_since(bob, b_before))
        self.assertTrue(wait_for(lambda: min(heard()) > 1.0, 8),
                        "audio in: alice, bob heard %.1f s, %.1f s" % heard())
        bob.hangup()
        self.assertTrue(alice.wait_state("closed"), alice.events)
        self.assertTrue(self.no_calls())
        a_dec = sorted(set(alice.dumps("dec")) - a_before)
        b_dec = sorted(set(bob.dumps("dec")) - b_before)
        self.assertTrue(a_dec and b_dec, "no audio dumps of the second call")
        self.assert_heard(alice, a_dec[-1], 1000)
        self.assert_heard(bob, b_dec[-1], 440)
        self.assert_no_phone_register_reached_kamailio()


class CarrierRestart(KamailioAccounts):
    def test_the_edge_registers_again_after_kamailio_lost_its_usrloc(self):
        self.wait_account("alice")
        self.assert_account_contact_at_kamailio("alice")
        alice = self.phone("alice")
        registers = len(alice.sent("REGISTER"))
        before = len(self.registered_lines("alice"))
        connects = self.carrier_item()["connects"]
        port = self.kam.port

        self.kam.proc.stop(signal.SIGKILL)              # usrloc gone with it
        self.kam.start()
        self.assertEqual(self.kam.port, port, "Kamailio could not listen on its port again")
        if not wait_for(lambda: self.carrier_item()["connects"] > connects
                        and self.carrier_connected(), 30, 0.2):
            self.fail("the edge did not reconnect to the restarted Kamailio: %s"
                      % self.carrier_item())
        if not wait_for(lambda: len(self.registered_lines("alice")) > before, 15, 0.2):
            self.fail("the edge did not register alice again at the restarted Kamailio "
                      "(it has no binding now); account: %s\nKamailio:\n%s\nedge log:\n%s"
                      % (self.account_item("alice"), "\n".join(self.kam.lines()[-10:]),
                         self.edge_log_tail()))
        acc = self.wait_account("alice")
        self.assertEqual(acc["algorithm"], "SHA-256", acc)
        self.assert_account_contact_at_kamailio("alice")
        self.assertEqual(len(alice.sent("REGISTER")), registers,
                         "the phone registered again; the edge was to do it alone")

        # A call from a carrier user still reaches the phone.
        bob = self.carrier_user("bob")
        self.assertTrue(bob.dial("sip:alice@carrier.test")["ok"])
        if not alice.wait_state("established", 15):
            self.fail("bob's call did not reach alice after the restart: %s\nKamailio:\n%s"
                      % (bob.events[-5:], "\n".join(self.kam.lines()[-10:])))
        self.assertTrue(bob.wait_state("established"), bob.events)
        bob.hangup()
        self.assertTrue(alice.wait_state("closed"), alice.events)
        self.assertTrue(self.no_calls())


class WrongPhonePassword(KamailioAccounts):
    log_level = "debug"         # not even debug output may hold a password
    FAILED = re.compile(r"notice: auth failed user=alice from=127\.0\.0\.1:(\d+) reason=(\S+)")
    MAX_FAILURES = 5            # [phones] auth_max_failures, default

    def failures(self):
        return self.FAILED.findall(self.edge.log())

    def scripted(self):
        p = TlsPhone(self.edge.port)
        self.addCleanup(p.close)
        return p

    def wrong_answer(self, p, password):
        """REGISTER, the edge's 401, an answer with password: the final
        response to that answer."""
        reg = p.register()
        ch = final(p, "REGISTER", what="the edge's 401 to a REGISTER for alice")
        self.assertEqual(ch.status, 401, ch.start)
        www = values_of(ch, "WWW-Authenticate")
        self.assertEqual(len(www), 1, www)
        self.assertEqual(params_of(www[0])["realm"], "carrier.test", www)
        self.assertNotEqual(ch.get("Server"), KAMAILIO_SERVER)
        auth = digest(www[0], "REGISTER", "sip:carrier.test", "alice", password)
        p.register(cseq=2, call_id=reg.call_id, extra=[("Authorization", auth)])
        return final(p, "REGISTER", what="the answer to a wrong password")

    def test_wrong_phone_passwords_are_refused_logged_throttled_and_no_secret_is_logged(self):
        self.wait_account("alice")
        good = self.phone("alice", tone_hz=440)         # the right phone password works

        # baresip with a wrong phone password: refused, one line logged.
        bad = self.phone("alice", password="WRONG-baresip-pw", wait=False, name="alice-bad")
        if not wait_for(lambda: self.failures(), 10):
            self.fail("no 'auth failed user=alice from=127.0.0.1:PORT reason=...' notice for "
                      "baresip's wrong password; edge log:\n" + self.edge_log_tail())
        self.assertFalse(bad.register_ok(1), "baresip registered with a wrong password")
        self.assertIn(int(self.failures()[0][0]), bad.tls_flows(), self.failures())
        time.sleep(1)                       # a retry after a fresh 401 counts too
        bad.proc.stop(signal.SIGKILL)       # no un-REGISTER: no more failures from it

        # A scripted phone fails until the limit; each time a line of its own.
        p = self.scripted()
        for attempt in range(self.MAX_FAILURES):
            n = len(self.failures())
            if n >= self.MAX_FAILURES:
                break
            r = self.wrong_answer(p, "WRONG-scripted-pw")
            self.assertIn(r.status, (401, 403), "wrong password answered %s" % r.start)
            if not wait_for(lambda: len(self.failures()) > n, 3):
                self.fail("failure %d was not logged" % (n + 1))
            port, reason = self.failures()[-1]
            self.assertEqual(int(port), p.local_port)
            self.assertTrue(reason, self.failures())
        self.assertEqual(len(self.failures()), self.MAX_FAILURES, self.failures())

        # Throttled: 403 at once, no new challenge; on a new connection too,
        # and for requests other than REGISTER.
        p.register(call_id="after-limit")
        r = final(p, "REGISTER")
        self.assertEqual(r.status, 403, "a throttled address got %s" % r.start)
        self.assertEqual(values_of(r, "WWW-Authenticate"), [])
        p2 = self.scripted()
        p2.register(call_id="after-limit-2")
        r = final(p2, "REGISTER")
        self.assertEqual((r.status, values_of(r, "WWW-Authenticate")), (403, []), r.start)
        p2.send(p2.req("INVITE", "sip:bob@carrier.test", call_id="after-limit-3", body=SDP))
        r = final(p2, "INVITE")
        self.assertEqual((r.status, values_of(r, "Proxy-Authenticate")), (403, []), r.start)

        # None of it reached Kamailio, and the account still stands.
        time.sleep(0.5)
        self.assert_no_phone_register_reached_kamailio()
        self.wait_account("alice")

        # No password in any log of the run (configs hold them, logs must not).
        good.stop()
        self.edge.stop()
        self.kam.stop()
        logs = {"edge": self.edge.log(), "kamailio": self.kam.log()}
        for b in self.baresips:
            logs["baresip " + b.name] = b.log()
        for name, text in logs.items():
            self.assertTrue(text, "%s log is empty" % name)
            for secret in ("pw-alice", PHONE_PASSWORD, "WRONG-baresip-pw", "WRONG-scripted-pw"):
                self.assertNotIn(secret, text, "%s appears in the %s log" % (secret, name))


class Reload(KamailioAccounts):
    accounts = (("alice", 60), ("carol", 300))

    def carol_untouched(self, registers, expires_in, since):
        """carol's registration was not redone: no REGISTER for her since
        and her expires_in kept running down."""
        self.assertEqual(len(self.register_requests("carol")), registers,
                         "carol was registered again: " + str(self.register_requests("carol")))
        acc = self.account_item("carol")
        self.assertTrue(acc, self.registrations())
        self.assertEqual(acc["state"], "registered", acc)
        ran = time.monotonic() - since
        self.assertLessEqual(acc["expires_in"], expires_in - int(ran) + 1,
                             "carol's expires_in was reset: %s -> %s after %.1f s"
                             % (expires_in, acc["expires_in"], ran))

    def test_removing_an_account_deregisters_it_and_adding_it_back_registers_it(self):
        self.wait_account("alice")
        self.wait_account("carol")
        self.assert_account_contact_at_kamailio("alice")
        self.assert_account_contact_at_kamailio("carol")
        time.sleep(2)           # so that expires_in has visibly run
        carol_registers = len(self.register_requests("carol"))
        carol_expires, t0 = self.account_item("carol")["expires_in"], time.monotonic()

        # Removed (sipedgectl reload): REGISTER with expires 0 upstream.
        self.write_carrier_file((("carol", 300),))
        rc, out, err = self.edge.ctl("reload")
        self.assertEqual(rc, 0, err)
        if not self.kam.wait_log("CARRIER UNREGISTERED sip:alice@carrier.test", 10):
            self.fail("no expires=0 REGISTER for the removed account reached Kamailio:\n%s"
                      "\nedge log:\n%s" % ("\n".join(self.kam.lines()[-10:]),
                                           self.edge_log_tail()))
        unreg = [l for l in self.kam.lines()
                 if l.startswith("CARRIER UNREGISTERED sip:alice@carrier.test")][-1]
        self.assertIn("sipedge=a-alice", unreg)
        self.wait_account_gone("alice")
        # Kamailio's location has no alice now: a call for her is not found.
        c = SipTls(self.kam.port)
        self.addCleanup(c.close)
        r = c.request("INVITE", "sip:alice@carrier.test", "bob", body=SDP, timeout=10)
        self.assertEqual(status_code(r), 480, r)
        self.assertTrue(self.kam.wait_log("CARRIER NOTFOUND INVITE sip:alice@carrier.test", 3))
        self.carol_untouched(carol_registers, carol_expires, t0)

        # Back again (SIGHUP): registered again, carol still untouched.
        alice_registered = len(self.registered_lines("alice"))
        self.write_carrier_file(self.accounts)
        self.edge.kill(signal.SIGHUP)
        self.assertTrue(wait_for(lambda: self.edge.status()["reloads"] == 2, 10),
                        self.edge.status())
        acc = self.wait_account("alice")
        self.assertEqual(acc["algorithm"], "SHA-256", acc)
        if not wait_for(lambda: len(self.registered_lines("alice")) > alice_registered, 10):
            self.fail("alice was not registered at Kamailio again")
        self.assert_account_contact_at_kamailio("alice")
        self.carol_untouched(carol_registers, carol_expires, t0)


# --- against scripted peers ----------------------------------------------

class ScriptedAccounts(AccountCase):
    """The edge and a ScriptedCarrier (REGISTERs answered 200 without a
    challenge); scripted phones authenticate at the edge."""

    def setUp(self):
        self.carrier = ScriptedCarrier().start()
        self.addCleanup(self.carrier.stop)
        self.edge = Edge(carriers={})
        self.edge.write_carrier("test", None, CARRIER_CONF.format(
            name="test", port=self.carrier.port, certs=certs()) + account_conf("alice"))
        self.addCleanup(self.edge.close)
        self.edge.start()
        self.carrier.wait_connected(self.edge)
        self.assertTrue(wait_for(self.carrier_connected, 10), self.edge.json("carriers"))
        self.wait_account("alice")
        self.contact = self.carrier.bindings.get("sip:alice@carrier.test")
        self.assertTrue(self.contact, "the edge did not register the account: %s"
                        % self.carrier.bindings)
        self.assertRegex(self.contact, r"^sip:alice@127\.0\.0\.1:\d+;transport=tls;sipedge=a-alice$")

    def phone(self, claimed_port=5062, user_agent="Spectralink 8440 6.2.2"):
        p = TlsPhone(self.edge.port, claimed_port=claimed_port, user_agent=user_agent)
        self.addCleanup(p.close)
        return p

    def registered_phone(self, claimed_port=5062):
        """A scripted phone registered at the edge with the phone password."""
        p = self.phone(claimed_port)
        reg = p.register()
        ch = final(p, "REGISTER", what="the edge's 401 to the phone's REGISTER")
        self.assertEqual(ch.status, 401, "the edge answered the phone's REGISTER with %s, "
                         "not its own challenge" % ch.start)
        www = values_of(ch, "WWW-Authenticate")
        self.assertEqual(len(www), 1, www)
        self.assertEqual(params_of(www[0])["realm"], "carrier.test", www)
        auth = digest(www[0], "REGISTER", "sip:carrier.test", "alice", PHONE_PASSWORD)
        p.register(cseq=2, call_id=reg.call_id, extra=[("Authorization", auth)])
        ok = final(p, "REGISTER")
        self.assertEqual(ok.status, 200, ok.start)
        return p

    def no_phone_register_at_carrier(self):
        """Only the account's own REGISTERs reached the carrier."""
        return self.carrier.stream.nothing(
            lambda m: m.is_request and m.method == "REGISTER"
            and "sipedge=a-alice" not in (m.get("Contact") or ""), 0.5)


class Forking(ScriptedAccounts):
    def test_an_incoming_call_rings_every_phone_of_the_aor_first_answer_wins(self):
        p1 = self.registered_phone(5062)
        p2 = self.registered_phone(5064)
        phones = self.phone_items()
        self.assertEqual(len(phones), 2, self.registrations())
        self.assertTrue(all(i["held_by_edge"] is True for i in phones), phones)
        self.assertTrue(self.no_phone_register_at_carrier(),
                        "a phone's REGISTER reached the carrier")

        stream = self.carrier.stream
        inv = self.carrier.req("INVITE", self.contact, "sip:+4930123@carrier.test",
                               "sip:alice@carrier.test", call_id="fork-1",
                               contact="<sip:gw@127.0.0.1:%d;transport=tls>" % self.carrier.port,
                               extra=[("Record-Route", "<sip:127.0.0.1:%d;transport=tls;lr>"
                                       % self.carrier.port)])
        stream.send(inv)
        i1 = p1.expect_request("INVITE", 5)
        i2 = p2.expect_request("INVITE", 5)
        self.assertEqual(i1.ruri, p1.contact_uri)
        self.assertEqual(i2.ruri, p2.contact_uri)
        p1.send(response(i1, 180, "Ringing", to_tag="p1"))
        p2.send(response(i2, 180, "Ringing", to_tag="p2"))
        stream.expect_response("INVITE", 180)
        p1.send(response(i1, 200, "OK", to_tag="p1", extra=[("Contact", "<%s>" % p1.contact_uri)]))
        ok = stream.expect_response("INVITE", 200)
        self.assertEqual(ok.tag("To"), "p1")
        # The other phone is cancelled; its 487 ends at the edge.
        cancel = p2.expect_request("CANCEL", 5)
        self.assertEqual(cancel.cseq, (i2.cseq[0], "CANCEL"))
        self.assertEqual(cancel.get_all("Via")[0], i2.get_all("Via")[0])
        p2.send(response(cancel, 200, "OK", to_tag="p2"))
        p2.send(response(i2, 487, "Request Terminated", to_tag="p2"))
        ack = p2.expect_request("ACK", 5)
        self.assertEqual(ack.cseq, (i2.cseq[0], "ACK"))
        self.assertTrue(stream.nothing(lambda m: not m.is_request and m.method == "INVITE"
                                       and m.status >= 300, 1.0),
                        "the cancelled phone's 487 reached the carrier")
        # The dialog goes on with the phone that answered, only.
        route = [uri_of(v) for v in ok.get_all("Record-Route")][::-1][1:]
        remote = uri_of(ok.get("Contact"))
        frm, to = ("sip:+4930123@carrier.test", inv.tag("From")), ("sip:alice@carrier.test", "p1")
        stream.send(in_dialog("ACK", ok, route, remote, frm, to, "fork-1", 1,
                              via_host="127.0.0.1", via_port=self.carrier.port))
        self.assertEqual(p1.expect_request("ACK").call_id, "fork-1")
        stream.send(in_dialog("BYE", ok, route, remote, frm, to, "fork-1", 2,
                              via_host="127.0.0.1", via_port=self.carrier.port))
        bye = p1.expect_request("BYE")
        p1.send(response(bye, 200, "OK"))
        stream.expect_response("BYE", 200)
        self.assertTrue(p2.nothing(lambda m: m.is_request and m.method in ("ACK", "BYE"), 0.5))
        self.assertTrue(self.no_calls())


class CarrierChallenge(ScriptedAccounts):
    """The phone's INVITE, authenticated at the edge, is challenged by the
    carrier (407, SHA-256); the edge answers with the carrier password."""

    def carrier_challenge(self, req, nonce, to_tag):
        self.carrier.stream.send(response(req, 407, "Proxy Authentication Required",
                                          to_tag=to_tag, extra=[
            ("Proxy-Authenticate", 'Digest realm="carrier.test", nonce="%s", qop="auth", '
             'algorithm=SHA-256' % nonce)]))

    def check_answer(self, req, nonce):
        """req carries one Proxy-Authorization: the edge's answer to nonce
        with the carrier password, for req's method and Request-URI."""
        pa = values_of(req, "Proxy-Authorization")
        self.assertEqual(len(pa), 1, "the re-sent %s should carry only the edge's answer: %s"
                         % (req.method, pa))
        a = params_of(pa[0])
        self.assertEqual((a.get("username"), a.get("realm"), a.get("nonce"), a.get("uri")),
                         ("alice", "carrier.test", nonce, req.ruri), pa)
        self.assertEqual(a.get("algorithm", "").upper(), "SHA-256", pa)
        self.assertEqual(a["response"], expected_response(pa[0], "pw-alice", req.method,
                                                          "SHA-256"),
                         "not answered with the carrier password")
        self.assertEqual(values_of(req, "Authorization"), [])

    def established(self, call_id):
        """A call from a registered phone to bob, challenged by the edge and
        then by the carrier. Returns (phone, its INVITE, the carrier's
        INVITE with the answer, the 200 the phone got)."""
        p = self.registered_phone()
        stream = self.carrier.stream
        inv1 = p.req("INVITE", "sip:bob@carrier.test", call_id=call_id, cseq=1, body=SDP,
                     from_tag="ph")
        p.send(inv1)
        r = final(p, "INVITE", what="the edge's 407 to the phone's INVITE")
        self.assertEqual(r.status, 407, "the phone's first INVITE got %s from the edge" % r.start)
        pa = values_of(r, "Proxy-Authenticate")
        self.assertEqual(len(pa), 1, pa)
        self.assertEqual(params_of(pa[0])["realm"], "carrier.test", pa)
        self.assertTrue(stream.nothing(lambda m: m.is_request and m.method == "INVITE", 0.3),
                        "the unauthenticated INVITE reached the carrier")
        p.send(Msg("ACK sip:bob@carrier.test SIP/2.0",
                   [(n, v) for n, v in inv1.headers
                    if n.lower() in ("via", "from", "call-id", "route", "max-forwards")] +
                   [("To", r.get("To")), ("CSeq", "1 ACK")]))
        auth = digest(pa[0], "INVITE", "sip:bob@carrier.test", "alice", PHONE_PASSWORD)
        inv = p.req("INVITE", "sip:bob@carrier.test", call_id=call_id, cseq=2, body=SDP,
                    from_tag="ph", extra=[("Proxy-Authorization", auth)])
        p.send(inv)

        c1 = stream.expect_request("INVITE")
        self.assertEqual(c1.cseq[0], 2, "the forwarded INVITE keeps the phone's CSeq")
        self.assertEqual(values_of(c1, "Proxy-Authorization"), [],
                         "the phone's credentials were not stripped")
        self.carrier_challenge(c1, "carrier-nonce-1", "c407")
        ack = stream.expect_request("ACK")
        self.assertEqual(ack.cseq, (c1.cseq[0], "ACK"), "the edge's ACK for the 407")
        self.assertEqual(ack.get_all("Via")[0], c1.get_all("Via")[0])
        c2 = stream.expect_request("INVITE")
        self.assertEqual(c2.cseq, (c1.cseq[0] + 1, "INVITE"), "re-sent INVITE: CSeq+1")
        self.assertEqual((c2.call_id, c2.tag("From")), (c1.call_id, c1.tag("From")))
        self.assertNotEqual(c2.get_all("Via")[0], c1.get_all("Via")[0], "a new branch")
        self.check_answer(c2, "carrier-nonce-1")

        stream.send(response(c2, 180, "Ringing", to_tag="cb"))
        ring = p.expect_response("INVITE", 180)
        self.assertEqual(ring.cseq, (2, "INVITE"), "the phone's own CSeq on the 180")
        stream.send(response(c2, 200, "OK", to_tag="cb", body=SDP, extra=[
            ("Contact", "<sip:bob@127.0.0.1:%d;transport=tls>" % self.carrier.port)]))
        ok = p.expect_response("INVITE", 200)
        self.assertEqual(ok.cseq, (2, "INVITE"), "the phone's own CSeq on the 200")
        # The media stays anchored across the edge's answer to the 407:
        # both sides see the relay, neither the other's address.
        for m in (c2, ok):
            self.assertIn("c=IN IP4 127.0.0.1", m.body, m.body)
            self.assertNotIn("192.0.2.10", m.body, m.body)
        self.assertTrue(p.nothing(lambda m: not m.is_request and m.status == 407, 0.3),
                        "the carrier's 407 reached the phone")
        route = [uri_of(v) for v in ok.get_all("Record-Route")][::-1]
        bob = uri_of(ok.get("Contact"))
        dialog = lambda method, cseq: in_dialog(method, ok, route, bob, (p.aor, "ph"),
                                                ("sip:bob@carrier.test", ok.tag("To")),
                                                call_id, cseq, via_port=p.claimed_port)
        p.send(dialog("ACK", 2))
        cack = stream.expect_request("ACK")
        self.assertEqual(cack.cseq, (c2.cseq[0], "ACK"), "the 2xx ACK has the INVITE's CSeq")
        return p, dialog

    def test_the_carrier_407_is_answered_by_the_edge_and_the_dialog_cseq_shifted(self):
        p, dialog = self.established("out-407")
        stream = self.carrier.stream
        p.send(dialog("BYE", 3))
        cbye = stream.expect_request("BYE")
        self.assertEqual(cbye.cseq, (4, "BYE"), "the phone's BYE 3, shifted by one")
        stream.send(response(cbye, 200, "OK"))
        ok = final(p, "BYE")
        self.assertEqual((ok.status, ok.cseq), (200, (3, "BYE")), ok.start)
        self.assertTrue(self.no_calls())

    def test_a_challenged_bye_is_answered_too_and_the_phone_sees_its_own_cseq(self):
        p, dialog = self.established("out-407-bye")
        stream = self.carrier.stream
        p.send(dialog("BYE", 3))
        c1 = stream.expect_request("BYE")
        self.assertEqual(c1.cseq, (4, "BYE"))
        self.carrier_challenge(c1, "carrier-nonce-2", "cb")
        c2 = stream.expect_request("BYE")
        self.assertEqual(c2.cseq, (5, "BYE"), "re-sent BYE: CSeq+1")
        self.check_answer(c2, "carrier-nonce-2")
        stream.send(response(c2, 200, "OK"))
        ok = final(p, "BYE")
        self.assertEqual((ok.status, ok.cseq), (200, (3, "BYE")),
                         "the phone must see the 200 for its own BYE, not %s" % ok.start)
        self.assertTrue(self.no_calls())


# --- failover between the carrier's RFC 3263 targets ----------------------

class RegistrationFailover(AccountCase):
    """carrier.test by DNS (dnsmasq): SRV _sips._tcp with two targets,
    priority 5 sip0 (a ScriptedCarrier answering every REGISTER 503) and
    priority 10 sip1 (Kamailio, the registrar). The edge connects to sip0,
    gets the 503 for the account's REGISTER, and goes on to sip1 at once:
    the account registers there and the carrier's one connection, with the
    account's calls, is with sip1 from then on."""

    CARRIER_FILE = """[carrier {name}]
domain = carrier.test
ca_file = {certs}/ca.crt
keepalive = 30
"""

    def setUp(self):
        self.refused = []                   # REGISTERs sip0 answered 503
        self.kam = Kamailio(algorithm="SHA-256", open_user="bob")
        self.addCleanup(self.kam.close)
        self.kam.start()                    # first: its port is final then
        self.sip0 = ScriptedCarrier(auto_register=False)
        self.sip0._auto = self.refuse_register      # streams take it at handshake
        self.sip0.start()
        self.addCleanup(self.sip0.stop)
        self.dns = Dnsmasq([
            "--naptr-record=carrier.test,10,10,S,SIPS+D2T,,_sips._tcp.carrier.test",
            "--srv-host=_sips._tcp.carrier.test,sip0.carrier.test,%d,5,0" % self.sip0.port,
            "--srv-host=_sips._tcp.carrier.test,sip1.carrier.test,%d,10,0" % self.kam.port,
            "--host-record=sip0.carrier.test,127.0.0.1",
            "--host-record=sip1.carrier.test,127.0.0.1"])
        self.addCleanup(self.dns.stop)
        self.edge = Edge(carriers={}, edge_extra="dns_servers = 127.0.0.1:%d\n" % self.dns.port)
        self.edge.write_carrier(CARRIER, None, self.CARRIER_FILE.format(
            name=CARRIER, certs=certs()) + account_conf("alice"))
        self.addCleanup(self.edge.close)
        self.edge.start()

    def refuse_register(self, stream, msg):
        """sip0's handler: every REGISTER gets 503; the rest as usual."""
        if msg.is_request and msg.method == "REGISTER":
            stream.send(response(msg, 503, "Service Unavailable", to_tag="down"))
            self.refused.append(msg)
            return True
        return ScriptedCarrier._auto(self.sip0, stream, msg)

    def alive(self):
        """Fail at once, saying so, if sipedged is gone (e.g. a crash)."""
        rc = self.edge.proc.poll()
        if rc is not None:
            self.fail("sipedged exited (%s) after sip0 answered 503 to %d REGISTER(s); "
                      "edge log:\n%s" % ("signal %d" % -rc if rc < 0 else "status %d" % rc,
                                         len(self.refused), self.edge_log_tail()))

    def why(self):
        self.alive()
        return ("\ncarriers: %s\nregistrations: %s\nsip0 answered 503 to %d REGISTER(s)\n"
                "Kamailio:\n%s\nedge log:\n%s"
                % (self.edge.json("carriers")["items"], self.registrations(),
                   len(self.refused), "\n".join(self.kam.lines()[-10:]),
                   self.edge_log_tail()))

    def registered_phone(self):
        """A scripted phone registered at the edge for alice (phone_password)."""
        p = TlsPhone(self.edge.port)
        self.addCleanup(p.close)
        reg = p.register()
        ch = final(p, "REGISTER", what="the edge's 401 to the phone's REGISTER")
        self.assertEqual(ch.status, 401, ch.start)
        auth = digest(values_of(ch, "WWW-Authenticate")[0], "REGISTER", "sip:carrier.test",
                      "alice", PHONE_PASSWORD)
        p.register(cseq=2, call_id=reg.call_id, extra=[("Authorization", auth)])
        ok = final(p, "REGISTER", what="the edge's 200 to the phone's REGISTER")
        self.assertEqual(ok.status, 200, ok.start)
        return p

    def test_a_503_to_the_register_moves_the_account_and_the_connection_to_the_next_srv_target(self):
        sip1 = "sip1.carrier.test 127.0.0.1:%d" % self.kam.port

        # sip0, first in SRV order, got the account's REGISTER and said 503.
        if not wait_for(lambda: self.refused, 10, 0.1):
            self.fail("no REGISTER of the account reached sip0 (the priority 5 target)"
                      + self.why())
        reg = self.refused[0]
        self.assertEqual(uri_of(reg.get("To")), "sip:alice@carrier.test", reg.start)
        self.assertIn("sipedge=a-alice", reg.get("Contact") or "", reg.get("Contact"))
        self.assertEqual(len(self.sip0.streams), 1, "connections to sip0")

        # At once to sip1: the carrier connected there, the account registered.
        def on_sip1():
            self.alive()
            c = self.carrier_item()
            return c if c["state"] == "connected" and c["target"] == sip1 else None
        c = wait_for(on_sip1, 15, 0.2)
        if not c:
            self.fail("after sip0's 503 the carrier did not go on to sip1 (%s) within 15 s"
                      % sip1 + self.why())
        self.assertEqual([t["host"] for t in c["targets"]],
                         ["sip0.carrier.test", "sip1.carrier.test"], c)
        self.assertEqual(c["verified_name"], "carrier.test", c)
        self.assertTrue(wait_for(lambda: self.sip0.stream.closed, 5),
                        "the edge kept its connection to sip0 open")
        acc = self.wait_account("alice", timeout=15)
        self.assertEqual((acc["carrier"], acc["held_by_edge"], acc["algorithm"]),
                         (CARRIER, True, "SHA-256"), acc)
        contact = self.kam.registered("alice", 15)
        self.assertTrue(contact, "Kamailio (sip1) never registered alice" + self.why())
        m = re.search(r"sip:alice@127\.0\.0\.1:(\d+);transport=tls;sipedge=a-alice", contact)
        self.assertTrue(m, "the account's Contact at Kamailio: %s" % contact)
        self.assertEqual(int(m.group(1)), self.carrier_item()["local_port"], contact)
        moved = [l for l in self.edge.log().splitlines() if "going on to the next target" in l]
        self.assertTrue(moved, "no 'going on to the next target' line in the edge log"
                        + self.why())
        self.assertIn("sip0.carrier.test", moved[0])
        self.assertIn("503", moved[0])

        # A call for alice from bob at Kamailio comes over that connection
        # to the phone registered at the edge; the phone's answer goes back.
        phone = self.registered_phone()
        bob = SipTls(self.kam.port)
        self.addCleanup(bob.close)
        inv = request("INVITE", "sip:alice@carrier.test", "sip:bob@carrier.test",
                      "sip:alice@carrier.test", call_id="failover-in-1",
                      via_host="127.0.0.1", via_port=bob.local_port, body=SDP,
                      contact="<sip:bob@127.0.0.1:%d;transport=tls>" % bob.local_port)
        bob.send(inv.encode())
        try:
            got = phone.expect_request("INVITE", 10)
        except AssertionError:
            self.fail("bob's INVITE (at Kamailio, sip1) did not reach the phone behind the "
                      "edge" + self.why())
        self.assertEqual(got.call_id, "failover-in-1")
        self.assertEqual(got.ruri, phone.contact_uri)
        self.assertTrue(re.search(r"CARRIER RELAY INVITE to sip:alice@127\.0\.0\.1:%d;"
                                  r"transport=tls;sipedge=a-alice" % int(m.group(1)),
                                  self.kam.log()), "Kamailio did not relay to the account")
        phone.send(response(got, 180, "Ringing", to_tag="ph"))
        phone.send(response(got, 486, "Busy Here", to_tag="ph"))
        r = bob.recv_until(lambda x: status_code(x) is not None and status_code(x) >= 200
                           and header(x, "Call-ID") == "failover-in-1", 10)
        self.assertEqual(status_code(r), 486, "bob's final response: %s" % r)
        self.assertTrue(self.no_calls(), self.edge.json("calls"))
        self.assertEqual(len(self.sip0.streams), 1, "the edge went back to sip0")
        self.assertEqual(self.carrier_item()["target"], sip1)


if __name__ == "__main__":
    unittest.main()
