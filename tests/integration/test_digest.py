"""Digest normalisation through the real daemon: a carrier's 401/407 with
several challenges (RFC 8760) reaches each phone with exactly one per
realm, in the strongest algorithm its profile computes; the phone's answer
computed for it reaches the carrier and checks out; a missing or wrong
algorithm label on that answer is repaired; a phone that can compute
nothing the carrier offers gets the carrier's strongest and the log says
what to do about it."""
import re
import unittest

from edge import Edge, certs, wait_for
from kamailio import digest, digest_hash
from sipua import ScriptedCarrier, TlsPhone, response, uri_of

CARRIER_CONF = """[carrier test]
domain = carrier.test
server = 127.0.0.1:{port}
tls_verify_name = carrier.test
ca_file = {certs}/ca.crt
"""
PASSWORD = "correct horse battery"
REALM = "carrier.test"

# The phones: User-Agent, and how each picks among several challenges
# (quirks.md). The edge gives each one challenge, so any pick works.
PHONES = {
    "spectralink": "Spectralink 8440 6.2.2",
    "cisco": "Cisco-CP8851-3PCC/11.3.1",
    "snom": "snom D735/10.1.54.13",
    "auerswald": "Auerswald COMfortel D-400",
    "baresip": "baresip v1.0.0 (x86_64/linux)",
    "default": "Acme Deskphone 1.0",
}
# What the carrier offers, in its order of preference.
ORDERS = {
    "sha256,md5": ["SHA-256", "MD5"],
    "md5,sha256": ["MD5", "SHA-256"],
    "sha512-256,sha256,md5": ["SHA-512-256", "SHA-256", "MD5"],
}
# The one algorithm each phone must be given: the strongest of the
# carrier's its profile computes (sipedge.conf(5), built-in profiles).
EXPECT = {
    (phone, order): ("MD5" if phone == "baresip" else
                     "SHA-512-256" if phone == "default" and "SHA-512-256" in algs
                     else "SHA-256")
    for phone in PHONES for order, algs in ORDERS.items()
}


def params_of(value):
    return dict((k.lower(), v1 or v2) for k, v1, v2 in
                re.findall(r'([\w-]+)\s*=\s*(?:"([^"]*)"|([^\s,]*))', value))


def challenge(algo, nonce):
    return ('Digest realm="%s", nonce="%s", algorithm=%s, qop="auth", opaque="op-%s"'
            % (REALM, nonce, algo, nonce))


def expected_response(auth, algo, method, password=PASSWORD):
    """What the carrier computes for an answer, with the algorithm of the
    challenge whose nonce it carries."""
    a = params_of(auth)
    H = lambda s: digest_hash(algo, s)
    ha1 = H("%s:%s:%s" % (a["username"], a["realm"], password))
    ha2 = H("%s:%s" % (method, a["uri"]))
    return H("%s:%s:%s:%s:%s:%s" % (ha1, a["nonce"], a["nc"], a["cnonce"], a["qop"], ha2))


class DigestCase(unittest.TestCase):
    def setUp(self):
        self.carrier = ScriptedCarrier(auto_register=False).start()
        self.addCleanup(self.carrier.stop)
        self.edge = Edge(carriers={}, log_level="info")
        self.edge.write_carrier("test", None, CARRIER_CONF.format(
            port=self.carrier.port, certs=certs()))
        self.addCleanup(self.edge.close)
        self.edge.start()
        self.carrier.wait_connected(self.edge)
        self.assertTrue(wait_for(
            lambda: self.edge.json("carriers")["items"][0]["state"] == "connected", 10))

    def phone(self, ua, user="alice"):
        p = TlsPhone(self.edge.port, aor="sip:%s@carrier.test" % user, user_agent=ua)
        self.addCleanup(p.close)
        return p

    def challenged(self, p, offered, code=401):
        """The phone registers (or, for 407, sends a MESSAGE); the carrier
        answers with one challenge per algorithm offered, nonce named after
        it. Returns the request the carrier saw, the challenge values the
        phone got, and the nonces by algorithm."""
        if code == 401:
            p.register()
            req = self.carrier.stream.expect_request("REGISTER")
            name = "WWW-Authenticate"
        else:
            p.send(p.req("MESSAGE", "sip:bob@carrier.test", to="sip:bob@carrier.test",
                         body="hi"))
            req = self.carrier.stream.expect_request("MESSAGE")
            name = "Proxy-Authenticate"
        nonces = dict((a, "n%d-%s" % (code, a.lower())) for a in offered)
        self.carrier.stream.send(response(req, code, "Unauthorized", to_tag="c", extra=[
            (name, challenge(a, nonces[a])) for a in offered]))
        got = p.expect_response(req.method, code)
        values = [v for n, v in got.headers if n.lower() == name.lower()]
        return req, values, nonces

    def answer_register(self, p, reg, value, label=None, drop_label=False):
        """The phone's REGISTER answering value, its algorithm label as
        given (or none); returns the Authorization the carrier got."""
        auth = digest(value, "REGISTER", "sip:carrier.test", p.aor.split(":")[1].split("@")[0],
                      PASSWORD)
        if label is not None:
            auth = re.sub(r"algorithm=[\w-]+", "algorithm=" + label, auth)
        if drop_label:
            auth = re.sub(r", algorithm=[\w-]+", "", auth)
        p.register(cseq=2, call_id=reg.call_id, extra=[("Authorization", auth)])
        reg2 = self.carrier.stream.expect_request("REGISTER")
        self.carrier.stream.send(response(reg2, 200, "OK", to_tag="c", extra=[
            ("Contact", "<%s>;expires=600" % uri_of(reg2.get("Contact")))]))
        p.expect_response("REGISTER", 200)
        return reg2.get("Authorization")

    def check_answer(self, auth, nonces, method):
        """The carrier's check: the answer is for one of its nonces, says
        that challenge's algorithm and is right for it."""
        a = params_of(auth)
        algo = [x for x, n in nonces.items() if n == a["nonce"]]
        self.assertEqual(len(algo), 1, auth)
        self.assertEqual(a.get("algorithm"), algo[0], auth)
        self.assertEqual(a["response"], expected_response(auth, algo[0], method), auth)
        return algo[0]


class Normalisation(DigestCase):
    def test_every_phone_gets_one_challenge_it_can_compute_in_every_order(self):
        matrix = []
        for order, offered in ORDERS.items():
            for phone, ua in PHONES.items():
                with self.subTest(phone=phone, order=order):
                    p = self.phone(ua)
                    reg, values, nonces = self.challenged(p, offered)
                    self.assertEqual(len(values), 1, "%s got %s" % (phone, values))
                    given = params_of(values[0]).get("algorithm", "MD5")
                    self.assertEqual(given, EXPECT[(phone, order)], values)
                    auth = self.answer_register(p, reg, values[0])
                    used = self.check_answer(auth, nonces, "REGISTER")
                    matrix.append("%-12s %-22s %s" % (phone, order, used))
                    p.close()
        print("\n  profile      carrier offers         phone answered with\n  " +
              "\n  ".join(matrix))

    def test_proxy_challenges_to_other_requests_are_normalised_too(self):
        p = self.phone(PHONES["cisco"])
        req, values, nonces = self.challenged(p, ["MD5", "SHA-256"], code=407)
        self.assertEqual(len(values), 1, values)
        self.assertEqual(params_of(values[0])["algorithm"], "SHA-256")
        self.assertEqual(params_of(values[0])["opaque"], "op-" + nonces["SHA-256"])

    def test_a_wrong_or_missing_label_on_the_answer_is_repaired(self):
        for how in ("wrong", "missing"):
            with self.subTest(label=how):
                p = self.phone(PHONES["spectralink"])
                reg, values, nonces = self.challenged(p, ["SHA-256", "MD5"])
                auth = self.answer_register(p, reg, values[0], label="MD5" if how == "wrong"
                                            else None, drop_label=how == "missing")
                self.assertEqual(self.check_answer(auth, nonces, "REGISTER"), "SHA-256")
                p.close()
        self.assertIn("repaired the algorithm of the phone's digest answer", self.edge.log())

    def test_a_phone_that_computes_nothing_offered_gets_the_strongest_and_a_hint(self):
        p = self.phone(PHONES["baresip"])
        reg, values, nonces = self.challenged(p, ["SHA-256", "SHA-512-256"])
        self.assertEqual(len(values), 1, values)
        self.assertEqual(params_of(values[0])["algorithm"], "SHA-512-256")
        self.assertTrue(wait_for(lambda: "an [account] for this AOR" in self.edge.log(), 5),
                        self.edge.log()[-2000:])

    def test_no_secret_reaches_the_log(self):
        p = self.phone(PHONES["snom"])
        reg, values, nonces = self.challenged(p, ["SHA-256", "MD5"])
        auth = self.answer_register(p, reg, values[0])
        self.assertEqual(self.edge.ctl("log-level", "debug")[0], 0)
        p2 = self.phone(PHONES["snom"], user="bob")
        reg2, values2, _ = self.challenged(p2, ["SHA-256", "MD5"])
        auth2 = self.answer_register(p2, reg2, values2[0])
        log = self.edge.log()
        for a in (auth, auth2):
            self.assertNotIn(params_of(a)["response"], log)
        self.assertNotIn(PASSWORD, log)


if __name__ == "__main__":
    unittest.main()
