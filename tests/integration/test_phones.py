"""Phones over TLS: ciphers and groups the quirky phones need, flows that
ignore the port a phone claims, framing, and misbehaving peers that must
cost only their own connection."""
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import unittest

from edge import Edge, certs, wait_for
from peers import SPECTRALINK_CIPHERS, Phone, header, options, status_line


class PhoneTransport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.edge = Edge(listen6=True, carriers={},
                        phones_extra="handshake_timeout = 2\nmax_connections_per_ip = 40\n")
        cls.edge.start()

    @classmethod
    def tearDownClass(cls):
        cls.edge.close()

    def phone(self, **kw):
        p = Phone(self.edge.port, **kw)
        self.addCleanup(p.close)
        return p

    def connection(self, local_port):
        """The edge's view of our connection, found by our source port."""
        for c in self.edge.json("connections")["items"]:
            if c["side"] == "phone" and c["peer"].endswith(":%d" % local_port):
                return c
        return None

    def test_spectralink_cipher_list_without_aes128_gcm_connects(self):
        p = self.phone(ciphers=SPECTRALINK_CIPHERS, max_tls12=True)
        p.send(options())
        self.assertEqual(status_line(p.recv_message()), "SIP/2.0 200 OK")
        c = self.connection(p.local_port)
        self.assertEqual(c["tls_version"], "TLSv1.2")
        self.assertEqual(c["cipher"], "ECDHE-ECDSA-AES256-GCM-SHA384")
        self.assertIn(c["group"], ("x25519", "X25519", "secp256r1", "prime256v1"))

    def test_tls13_phone_connects(self):
        p = self.phone()
        p.send(options())
        self.assertEqual(status_line(p.recv_message()), "SIP/2.0 200 OK")
        self.assertEqual(self.connection(p.local_port)["tls_version"], "TLSv1.3")

    def test_phone_offering_only_groups_under_224_bits_is_refused(self):
        # openssl s_client can still offer secp192r1 at security level 0.
        before = self.edge.log()
        p = subprocess.run(
            ["openssl", "s_client", "-connect", "127.0.0.1:%d" % self.edge.port,
             "-tls1_2", "-groups", "prime192v1", "-cipher", "ECDHE-ECDSA-AES256-SHA:@SECLEVEL=0",
             "-brief"], input="", capture_output=True, text=True, timeout=10)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("alert", (p.stdout + p.stderr).lower())
        self.assertTrue(self.edge.wait_log("TLS handshake failed"))
        line = [l for l in self.edge.log()[len(before):].splitlines()
                if "TLS handshake failed" in l][0]
        self.assertIn("127.0.0.1:", line)

    def test_options_with_wrong_via_and_contact_port_answered_on_same_connection(self):
        p = self.phone()
        p.send(options(port_claimed=9))
        resp = p.recv_message()
        self.assertEqual(status_line(resp), "SIP/2.0 200 OK")
        via = header(resp, "Via")
        self.assertIn("received=127.0.0.1", via)
        self.assertIn("rport=%d" % p.local_port, via)
        self.assertIn(":9;", via)        # the claim is kept, just not trusted

    def test_user_agent_selects_profile_shown_in_connections(self):
        p = self.phone()
        p.send(options(user_agent="Cisco/SPA504G-7.6.2"))
        p.recv_message()
        c = self.connection(p.local_port)
        self.assertEqual(c["user_agent"], "Cisco/SPA504G-7.6.2")
        self.assertEqual(c["profile"], "cisco")
        self.assertTrue(c["flow"])
        self.assertIsInstance(c["id"], int)

    def test_crlf_ping_gets_pong_at_once(self):
        p = self.phone()
        t0 = time.monotonic()
        p.send(b"\r\n\r\n")
        self.assertEqual(p.recv_raw(2), b"\r\n")
        self.assertLess(time.monotonic() - t0, 1.0)
        p.send(options())              # the flow still carries SIP
        self.assertEqual(status_line(p.recv_message()), "SIP/2.0 200 OK")

    def test_ping_split_across_tls_records_still_gets_its_pong(self):
        p = self.phone()
        p.send(b"\r\n")                # one TLS record each
        time.sleep(0.3)
        p.send(b"\r\n")
        self.assertEqual(p.recv_raw(2), b"\r\n")
        p.send(b"\r\n")                # a stray CRLF, then a message
        time.sleep(0.3)
        p.send(options())
        self.assertEqual(status_line(p.recv_message()), "SIP/2.0 200 OK")

    def test_messages_split_and_coalesced_are_framed(self):
        p = self.phone()
        one, two = options(call_id="split-1"), options(call_id="split-2", cseq=2)
        p.send(one[:17])
        time.sleep(0.2)
        p.send(one[17:] + b"\r\n" + two)     # a stray CRLF between them
        r1, r2 = p.recv_message(), p.recv_message()
        self.assertEqual(header(r1, "Call-ID"), "split-1")
        self.assertEqual(header(r2, "Call-ID"), "split-2")

    def test_ipv6_listener_accepts_phones(self):
        p = Phone(self.edge.port, host="::1")
        self.addCleanup(p.close)
        p.send(options(host="[::1]"))
        resp = p.recv_message()
        self.assertEqual(status_line(resp), "SIP/2.0 200 OK")
        self.assertIn("received=::1", header(resp, "Via"))

    def test_unparsable_message_gets_400_and_connection_survives(self):
        p = self.phone()
        bad = options(call_id="bad-cseq").replace(b"CSeq: 1 OPTIONS", b"CSeq: x OPTIONS")
        p.send(bad)
        resp = p.recv_message()
        # The reason phrase says what was wrong.
        self.assertEqual(status_line(resp), "SIP/2.0 400 invalid CSeq number")
        self.assertEqual(header(resp, "Call-ID"), "bad-cseq")
        p.send(options())
        self.assertEqual(status_line(p.recv_message()), "SIP/2.0 200 OK")

    def test_misbehaving_peers_cost_only_their_own_connection(self):
        good = self.phone()
        good.send(options(call_id="good-before"))
        self.assertEqual(status_line(good.recv_message()), "SIP/2.0 200 OK")

        garbage = self.phone()
        garbage.send(os.urandom(512) + b"\r\n\r\n")
        self.assertTrue(garbage.is_closed())

        huge = self.phone()
        head = options(call_id="huge").replace(b"Content-Length: 0",
                                                b"Content-Length: 10000000")
        huge.send(head + b"x" * 1000)
        resp = huge.recv_message()
        self.assertEqual(status_line(resp), "SIP/2.0 513 Message Too Large")
        self.assertTrue(huge.is_closed())

        # A client that starts a handshake and never finishes it.
        slow = socket.create_connection(("127.0.0.1", self.edge.port))
        self.addCleanup(slow.close)
        slow.sendall(b"\x16\x03\x01\x00\xc8\x01\x00")   # half a ClientHello
        slow.settimeout(5)
        t0 = time.monotonic()
        self.assertEqual(slow.recv(100), b"")
        self.assertLess(time.monotonic() - t0, 4.5)
        self.assertTrue(self.edge.wait_log("TLS handshake not finished after 2 s"))

        good.send(options(call_id="good-after", cseq=2))
        self.assertEqual(header(good.recv_message(), "Call-ID"), "good-after")
        self.assertIsNone(self.edge.proc.poll())


class PhoneLimits(unittest.TestCase):
    def test_connections_over_the_per_ip_limit_are_closed(self):
        edge = Edge(carriers={}, phones_extra="max_connections_per_ip = 3\n")
        self.addCleanup(edge.close)
        edge.start()
        phones = [Phone(edge.port) for _ in range(3)]
        for p in phones:
            self.addCleanup(p.close)
            p.send(options())
            self.assertEqual(status_line(p.recv_message()), "SIP/2.0 200 OK")
        with self.assertRaises((ssl.SSLError, OSError)):
            extra = Phone(edge.port, timeout=3)
            self.addCleanup(extra.close)
            extra.send(options())
            if extra.recv_message(timeout=2) is None:
                raise OSError("closed")
        self.assertTrue(edge.wait_log("max_connections_per_ip 3 reached"))
        phones[0].close()
        time.sleep(0.3)
        again = Phone(edge.port)
        self.addCleanup(again.close)
        again.send(options())
        self.assertEqual(status_line(again.recv_message()), "SIP/2.0 200 OK")

    def test_connections_over_the_total_limit_are_closed(self):
        edge = Edge(carriers={}, phones_extra="max_connections = 2\n"
                                              "max_connections_per_ip = 2\n")
        self.addCleanup(edge.close)
        edge.start()
        phones = [Phone(edge.port) for _ in range(2)]
        for p in phones:
            self.addCleanup(p.close)
        extra = socket.create_connection(("127.0.0.1", edge.port), timeout=3)
        self.addCleanup(extra.close)
        self.assertEqual(extra.recv(10), b"")
        self.assertTrue(edge.wait_log("max_connections 2 reached"))

    def test_idle_phone_connection_is_closed_after_idle_timeout(self):
        edge = Edge(carriers={}, phones_extra="idle_timeout = 30\n")
        self.addCleanup(edge.close)
        edge.start()
        busy, idle = Phone(edge.port), Phone(edge.port)
        self.addCleanup(busy.close)
        self.addCleanup(idle.close)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 27:       # keep-alives keep a flow
            busy.send(b"\r\n\r\n")
            self.assertEqual(busy.recv_raw(2), b"\r\n")
            time.sleep(9)
        self.assertTrue(idle.is_closed(timeout=8))
        self.assertGreater(time.monotonic() - t0, 29)
        self.assertTrue(edge.wait_log("closed: idle for 30 s"))
        busy.send(options())
        self.assertEqual(status_line(busy.recv_message()), "SIP/2.0 200 OK")

    def test_certificate_reload_keeps_open_connections(self):
        edge = Edge(carriers={})
        self.addCleanup(edge.close)
        # The edge reads its certificate from a copy we can replace.
        for n in ("edge.crt", "edge.key"):
            shutil.copy(os.path.join(certs(), n), os.path.join(edge.dir, n))
        edge.write_main(open(edge.conf).read()
                        .replace(os.path.join(certs(), "edge."), os.path.join(edge.dir, "edge.")))
        edge.start()
        old = Phone(edge.port)
        self.addCleanup(old.close)
        old_serial = old.sock.getpeercert()["serialNumber"]
        new_dir = os.path.join(edge.dir, "new")
        subprocess.run(["openssl", "req", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                        os.path.join(edge.dir, "edge.key"), "-out", new_dir + ".csr",
                        "-subj", "/CN=localhost"], check=True, capture_output=True)
        ext = new_dir + ".ext"
        open(ext, "w").write("subjectAltName=IP:127.0.0.1\n")
        subprocess.run(["openssl", "x509", "-req", "-in", new_dir + ".csr", "-CA",
                        os.path.join(certs(), "ca.crt"), "-CAkey",
                        os.path.join(certs(), "ca.key"), "-CAcreateserial", "-days", "2",
                        "-extfile", ext, "-out", os.path.join(edge.dir, "edge.crt")],
                       check=True, capture_output=True)
        edge.kill(signal.SIGHUP)
        self.assertTrue(edge.wait_log("applied"))
        new = Phone(edge.port)
        self.addCleanup(new.close)
        self.assertNotEqual(new.sock.getpeercert()["serialNumber"], old_serial)
        old.send(options())
        self.assertEqual(status_line(old.recv_message()), "SIP/2.0 200 OK")


class PhoneCertificates(unittest.TestCase):
    def test_client_ca_requires_a_phone_certificate_from_that_ca(self):
        edge = Edge(carriers={}, phones_extra="client_ca = %s/ca.crt\n" % certs())
        self.addCleanup(edge.close)
        edge.start()
        anonymous = Phone(edge.port)
        self.addCleanup(anonymous.close)
        try:
            anonymous.send(options())
            answered = anonymous.recv_message(timeout=3)
        except (ssl.SSLError, OSError):
            answered = None
        self.assertIsNone(answered)
        self.assertTrue(edge.wait_log("peer did not return a certificate"))
        trusted = Phone(edge.port, client_cert="phone")
        self.addCleanup(trusted.close)
        trusted.send(options())
        self.assertEqual(status_line(trusted.recv_message()), "SIP/2.0 200 OK")


class DescriptorExhaustion(unittest.TestCase):
    def test_accept_backs_off_on_emfile_and_recovers(self):
        edge = Edge(carriers={}, phones_extra="handshake_timeout = 5\n")
        self.addCleanup(edge.close)
        edge.start(nofile=40)
        raw = []
        for _ in range(45):
            s = socket.create_connection(("127.0.0.1", edge.port), timeout=2)
            raw.append(s)
        self.assertTrue(edge.wait_log("pausing 1 s"))
        # Paused, not spinning on the pending connection: little CPU used.
        def cpu():
            with open("/proc/%d/stat" % edge.proc.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])
        c0 = cpu()
        time.sleep(2)
        self.assertLess(cpu() - c0, 50)      # < 0.5 s of CPU in 2 s
        for s in raw:
            s.close()
        self.assertTrue(wait_for(lambda: self.phone_works(edge), 10))
        self.assertIsNone(edge.proc.poll())

    def phone_works(self, edge):
        try:
            p = Phone(edge.port, timeout=2)
        except OSError:
            return False
        try:
            p.send(options())
            return status_line(p.recv_message(timeout=2)) == "SIP/2.0 200 OK"
        except OSError:
            return False
        finally:
            p.close()
