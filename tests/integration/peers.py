"""Scripted SIP peers for the quirks no packaged peer shows on demand:
a TLS phone that lies about its port, a stand-in TLS carrier, and a
private dnsmasq serving NAPTR/SRV records. Python standard library only."""
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time

from edge import certs, free_port, take_message, wait_for

# A Spectralink offers no ECDHE-*-AES128-GCM-SHA256 (quirks.md).
SPECTRALINK_CIPHERS = ("ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                       "ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA")


def options(port_claimed=9999, user_agent="Spectralink 8440 6.2.2", call_id=None,
            host="127.0.0.1", cseq=1, via_host="192.0.2.10"):
    """An OPTIONS to the edge whose Via and Contact name a port nobody
    listens on, as Spectralink and Cisco phones send them."""
    call_id = call_id or "opt-%d-%f" % (os.getpid(), time.time())
    return ("OPTIONS sip:%s:5061;transport=tls SIP/2.0\r\n"
            "Via: SIP/2.0/TLS %s:%d;branch=z9hG4bK-%s;rport\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:alice@carrier.test>;tag=a1\r\n"
            "To: <sip:%s>\r\n"
            "Call-ID: %s\r\n"
            "CSeq: %d OPTIONS\r\n"
            "Contact: <sip:alice@%s:%d;transport=tls>\r\n"
            "User-Agent: %s\r\n"
            "Content-Length: 0\r\n\r\n"
            % (host, via_host, port_claimed, call_id[-12:], host, call_id, cseq,
               via_host, port_claimed, user_agent)).encode()


class Phone:
    """One TLS connection to the edge, speaking raw SIP."""

    def __init__(self, port, host="127.0.0.1", ciphers=None, max_tls12=False,
                 timeout=5, client_cert=None):
        ctx = ssl.create_default_context(cafile=os.path.join(certs(), "ca.crt"))
        ctx.check_hostname = False
        if client_cert:
            ctx.load_cert_chain(os.path.join(certs(), client_cert + ".crt"),
                                os.path.join(certs(), client_cert + ".key"))
        if ciphers:
            ctx.set_ciphers(ciphers)
        if max_tls12:
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        raw = socket.create_connection((host, port), timeout=timeout)
        self.sock = ctx.wrap_socket(raw, server_hostname=None)
        self.buf = b""

    @property
    def local_port(self):
        return self.sock.getsockname()[1]

    def send(self, data):
        self.sock.sendall(data)

    def recv_message(self, timeout=5):
        """One SIP message (headers and body) or None on timeout/close."""
        self.sock.settimeout(timeout)
        deadline = time.monotonic() + timeout
        while True:
            msg, self.buf = take_message(self.buf)
            if msg is not None:
                return msg.decode(errors="replace")
            if time.monotonic() > deadline:
                return None
            try:
                chunk = self.sock.recv(65536)
            except (socket.timeout, ssl.SSLError, OSError):
                return None
            if not chunk:
                return None
            self.buf += chunk

    def recv_raw(self, n=2, timeout=5):
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(n)
        except (socket.timeout, ssl.SSLError, OSError):
            return None

    def is_closed(self, timeout=5):
        """True once the edge has closed the connection."""
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(65536) == b""
        except socket.timeout:
            return False
        except (ssl.SSLError, OSError):
            return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def status_line(msg):
    return msg.split("\r\n", 1)[0] if msg else None


def header(msg, name):
    m = re.search(r"(?im)^%s\s*:\s*(.*)$" % re.escape(name), msg or "")
    return m.group(1).strip() if m else None


class StandInCarrier:
    """A TLS server on loopback standing in for a carrier: answers CRLF
    pings, records what it receives, can be stopped and started again."""

    def __init__(self, cert="carrier", port=None):
        self.cert = cert
        self.port = port or free_port()
        self.received = b""
        self.connections = 0
        self.lock = threading.Lock()
        self.lsock = None
        self.clients = []
        self.threads = []
        self.peer_ports = []        # source port of each connection, in order

    def start(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(certs(), self.cert + ".crt"),
                            os.path.join(certs(), self.cert + ".key"))
        self.ctx = ctx
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", self.port))
        self.lsock.listen(16)
        self.running = True
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()
        return self

    def _accept(self):
        lsock = self.lsock
        while self.running:
            try:
                raw, peer = lsock.accept()
            except OSError:
                return
            self.peer_ports.append(peer[1])
            t = threading.Thread(target=self._serve, args=(raw,), daemon=True)
            with self.lock:
                self.threads.append(t)
            t.start()

    def _serve(self, raw):
        try:
            conn = self.ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()
            return
        with self.lock:
            self.connections += 1
            self.clients.append(conn)
        try:
            while self.running:
                data = conn.recv(65536)
                if not data:
                    break
                with self.lock:
                    self.received += data
                if b"\r\n\r\n" in data and data.strip(b"\r\n") == b"":
                    conn.sendall(b"\r\n")      # pong
        except (ssl.SSLError, OSError):
            pass
        conn.close()

    def send(self, data):
        """Send on the newest connection from the edge."""
        with self.lock:
            conn = self.clients[-1]
        conn.sendall(data)

    def stop(self):
        self.running = False
        if self.lsock:
            try:        # wakes the thread blocked in accept()
                self.lsock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            # ... which must be gone before the fd is closed, or it may
            # accept on whatever listener gets that fd number next.
            self.acceptor.join(5)
            self.lsock.close()
        # Wake each serving thread and let it close its own socket: an SSL
        # object whose fd is closed under it writes its closing alert to
        # whatever file gets that fd number next.
        with self.lock:
            clients, self.clients = self.clients, []
            threads, self.threads = self.threads, []
        for c in clients:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for t in threads:
            t.join(5)


class Dnsmasq:
    """A private DNS server on a loopback port with the records we ask for."""

    def __init__(self, records):
        exe = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
        if not os.path.exists(exe):
            raise RuntimeError("dnsmasq not found: install dnsmasq-base")
        self.port = free_port()
        self.log = os.path.join(certs(), "dnsmasq-%d.log" % self.port)
        cmd = [exe, "-k", "-C", "/dev/null", "-p", str(self.port),
               "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv",
               "--no-hosts", "--log-queries", "--log-facility=" + self.log,
               "--user=" + ("root" if os.geteuid() == 0 else "")] + records
        if os.geteuid() != 0:
            cmd.remove("--user=")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        if not wait_for(lambda: "started" in self.queries(), 5):
            raise RuntimeError("dnsmasq did not start: " + self.queries())

    def queries(self):
        try:
            return open(self.log).read()
        except OSError:
            return ""

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
