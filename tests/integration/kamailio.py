"""A real carrier for integration tests: Kamailio 5.6 with TLS on loopback.

Kamailio(...).start() runs kamailio -DD -E with kamailio/carrier.cfg on a
free 127.0.0.1 port, the gen-certs "carrier" certificate (sip:carrier.test,
DNS carrier.test, CA ca.crt) and a private directory for its log and
runtime files. It is a registrar for carrier.test (usrloc in memory, MD5
digest, password "pw-" + user unless a fixed one is given) and a
Record-Routing proxy that only ever sends to a user over a TLS connection
the user opened (see carrier.cfg). Its stderr is the log the test reads.

Every process started here runs in its own process group watched by a
guard process that ends the group when the test process goes away,
however it ends (class Guarded, used by baresip.py too).

Also here, for scripted SIP clients: digest() answers a challenge the way
a phone does, SipTls is one TLS connection speaking raw SIP.
"""
import hashlib
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

from edge import certs, free_port, take_message, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
CARRIER_CFG = os.path.join(HERE, "kamailio", "carrier.cfg")
KAMAILIO = shutil.which("kamailio") or "/usr/sbin/kamailio"

TLS_CFG = """\
[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
certificate = {certs}/{cert}.crt
private_key = {certs}/{cert}.key
ca_list = {certs}/ca.crt

[client:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
certificate = {certs}/{cert}.crt
private_key = {certs}/{cert}.key
"""

# The guard: reads its stdin until EOF (the test closed it, or the test
# process is gone), then ends the whole process group it watches. Kamailio
# forks workers that outlive a killed main process; a parent-death signal
# on the main process alone would not reach them.
_GUARD = r"""
import os, signal, sys, time
pgid = int(sys.argv[1])
try:
    while sys.stdin.buffer.read(4096):
        pass
except Exception:
    pass
for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 2.0)):
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        sys.exit(0)
    end = time.monotonic() + wait
    while time.monotonic() < end:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            sys.exit(0)
        time.sleep(0.05)
"""


class Guarded:
    """A process started in a new process group with a guard watching it."""

    def __init__(self, cmd, log_path, cwd=None, env=None):
        self.log_file = open(log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=self.log_file, stderr=self.log_file,
                                     cwd=cwd, env=env, start_new_session=True)
        self.guard = subprocess.Popen([sys.executable, "-c", _GUARD, str(self.proc.pid)],
                                      stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True)

    @property
    def pid(self):
        return self.proc.pid

    def poll(self):
        return self.proc.poll()

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Signal the main process, reap it, then let the guard end whatever
        is left of its group. Returns the exit status (None if killed)."""
        rc = self.proc.poll()
        if rc is None:
            try:
                self.proc.send_signal(sig)
                rc = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                rc = None
        if self.guard.poll() is None:
            self.guard.stdin.close()
            try:
                self.guard.wait(10)
            except subprocess.TimeoutExpired:
                self.guard.kill()
                self.guard.wait()
        self.log_file.close()
        return rc


def digest_hash(algo, text):
    """H() of RFC 7616 for MD5, SHA-256 or SHA-512-256 (FIPS 180-4
    SHA-512/256, OpenSSL's through hashlib), as lowercase hex."""
    name = {"MD5": "md5", "SHA-256": "sha256", "SHA-512-256": "sha512_256"}[algo.upper()]
    return hashlib.new(name, text.encode()).hexdigest()


def digest(challenge, method, uri, user, password, cnonce="0a4f113b", nc=1):
    """The Authorization/Proxy-Authorization value answering one
    WWW-/Proxy-Authenticate value (MD5, SHA-256 or SHA-512-256, with or
    without qop)."""
    params = dict((k.lower(), v1 or v2) for k, v1, v2 in
                  re.findall(r'(\w+)\s*=\s*(?:"([^"]*)"|([^\s,]*))', challenge))
    algo = params.get("algorithm", "MD5").upper()
    H = lambda s: digest_hash(algo, s)
    ha1 = H("%s:%s:%s" % (user, params["realm"], password))
    ha2 = H("%s:%s" % (method, uri))
    qop = params.get("qop")
    out = ('Digest username="%s", realm="%s", nonce="%s", uri="%s", algorithm=%s'
           % (user, params["realm"], params["nonce"], uri, algo))
    if qop:
        qop = "auth"
        ncs = "%08x" % nc
        resp = H("%s:%s:%s:%s:%s:%s" % (ha1, params["nonce"], ncs, cnonce, qop, ha2))
        out += ', qop=%s, nc=%s, cnonce="%s"' % (qop, ncs, cnonce)
    else:
        resp = H("%s:%s:%s" % (ha1, params["nonce"], ha2))
    out += ', response="%s"' % resp
    if "opaque" in params:
        out += ', opaque="%s"' % params["opaque"]
    return out


def header(msg, name):
    """First value of a header (long or compact name given), or None."""
    m = re.search(r"(?im)^%s\s*:\s*(.*)$" % re.escape(name), msg or "")
    return m.group(1).strip() if m else None


def status_code(msg):
    m = re.match(r"SIP/2\.0 (\d{3})", msg or "")
    return int(m.group(1)) if m else None


class SipTls:
    """One TLS connection speaking raw SIP, as the edge speaks to a carrier:
    verifies the server by name (default carrier.test) against the test CA."""

    def __init__(self, port, host="127.0.0.1", server_name="carrier.test", timeout=5,
                 verify=True, reuse_port=False):
        """reuse_port: bind the local port with SO_REUSEADDR first, so that a
        test can listen on it once this connection is closed."""
        ctx = ssl.create_default_context(cafile=os.path.join(certs(), "ca.crt"))
        if not verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if reuse_port:
            raw = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            raw.settimeout(timeout)
            raw.bind((host, 0))
            raw.connect((host, port))
        else:
            raw = socket.create_connection((host, port), timeout=timeout)
        self.sock = ctx.wrap_socket(raw, server_hostname=server_name)
        self.buf = b""
        self.pongs = 0
        self.backlog = []

    @property
    def local_port(self):
        return self.sock.getsockname()[1]

    def send(self, data):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def _wire_message(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            while self.buf.startswith(b"\r\n") and not self.buf.startswith(b"\r\n\r\n"):
                self.buf = self.buf[2:]
                self.pongs += 1
            msg, self.buf = take_message(self.buf)
            if msg is not None:
                return msg.decode(errors="replace")
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except (socket.timeout, ssl.SSLError, OSError):
                return None
            if not chunk:
                return None
            self.buf += chunk

    def recv_message(self, timeout=5):
        """The next SIP message (str), or None on timeout or close. Single
        CRLFs between messages (pongs) are counted in .pongs and skipped."""
        if self.backlog:
            return self.backlog.pop(0)
        return self._wire_message(timeout)

    def recv_until(self, predicate, timeout=5):
        """The first message satisfying predicate (or None on timeout);
        others are kept for later recv_message() calls."""
        for i, msg in enumerate(self.backlog):
            if predicate(msg):
                return self.backlog.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            msg = self._wire_message(max(0.0, deadline - time.monotonic()))
            if msg is None or predicate(msg):
                return msg
            self.backlog.append(msg)

    def recv_request(self, method, timeout=5):
        """The next request of that method received on this connection."""
        return self.recv_until(lambda m: m.startswith(method + " "), timeout)

    def ping(self, timeout=3):
        """RFC 5626 keep-alive: CRLFCRLF out, True if a CRLF comes back."""
        before = self.pongs
        self.send(b"\r\n\r\n")
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except (socket.timeout, ssl.SSLError, OSError):
            return False
        self.buf += data
        while self.buf.startswith(b"\r\n") and not self.buf.startswith(b"\r\n\r\n"):
            self.buf = self.buf[2:]
            self.pongs += 1
        return self.pongs > before

    # --- a minimal UAC, as the edge (or a scripted phone) would speak ---
    def request(self, method, ruri, user, password=None, to=None, contact=None,
                body="", content_type="application/sdp", headers="", cseq=1,
                call_id=None, expires=None, timeout=5):
        """Send an out-of-dialog request From sip:USER@carrier.test over this
        connection, answer one 401/407 challenge with password, and return the
        final response (str, or None on timeout). Via and Contact carry this
        connection's own local port, as the edge's do."""
        call_id = call_id or "%s-%s-%x" % (method.lower(), user, int(time.time() * 1e6))
        to = to or ruri.split(";")[0]
        auth = ""
        for attempt in range(2):
            branch = "z9hG4bK-%x-%d" % (int(time.time() * 1e6), cseq)
            msg = ("%s %s SIP/2.0\r\n"
                   "Via: SIP/2.0/TLS 127.0.0.1:%d;branch=%s;rport\r\n"
                   "Max-Forwards: 70\r\n"
                   "From: <sip:%s@carrier.test>;tag=f-%s\r\n"
                   "To: <%s>\r\n"
                   "Call-ID: %s\r\n"
                   "CSeq: %d %s\r\n"
                   % (method, ruri, self.local_port, branch, user, call_id[-10:],
                      to, call_id, cseq, method))
            if contact:
                msg += "Contact: <%s>\r\n" % contact
            if expires is not None:
                msg += "Expires: %d\r\n" % expires
            msg += auth + headers
            if body:
                msg += "Content-Type: %s\r\n" % content_type
            msg += "Content-Length: %d\r\n\r\n%s" % (len(body.encode()), body)
            self.send(msg)
            final = self.recv_until(
                lambda m: m.startswith("SIP/2.0") and status_code(m) >= 200
                and header(m, "Call-ID") == call_id, timeout)
            code = status_code(final)
            if code in (401, 407) and password is not None and not auth:
                name = "WWW-Authenticate" if code == 401 else "Proxy-Authenticate"
                answer = "Authorization" if code == 401 else "Proxy-Authorization"
                auth = "%s: %s\r\n" % (answer, digest(header(final, name), method,
                                                       ruri, user, password))
                cseq += 1
                continue
            return final
        return final

    def register(self, user, password, contact_user="tok", expires=600, contact=None):
        """REGISTER sip:USER@carrier.test with Contact
        sip:CONTACT_USER@127.0.0.1:<this connection's local port>;transport=tls
        (the edge's shape). Returns the final response."""
        contact = contact or "sip:%s@127.0.0.1:%d;transport=tls" % (contact_user,
                                                                   self.local_port)
        return self.request("REGISTER", "sip:carrier.test", user, password,
                            to="sip:%s@carrier.test" % user, contact=contact,
                            expires=expires)

    def reply(self, request, code, reason, to_tag="uas-1", contact=None, body="",
              content_type="application/sdp"):
        """Answer a request received on this connection (copies Via,
        Record-Route, From, To, Call-ID, CSeq, as a UAS must)."""
        head = request.split("\r\n\r\n", 1)[0].split("\r\n")[1:]
        keep = ("via", "v", "record-route", "from", "f", "call-id", "i", "cseq")
        lines = ["SIP/2.0 %d %s" % (code, reason)]
        for l in head:
            name = l.split(":", 1)[0].strip().lower()
            if name in keep:
                lines.append(l)
            elif name in ("to", "t"):
                if ";tag=" not in l and code > 100:
                    l += ";tag=" + to_tag
                lines.append(l)
        if contact:
            lines.append("Contact: <%s>" % contact)
        if body:
            lines.append("Content-Type: " + content_type)
        lines.append("Content-Length: %d" % len(body.encode()))
        self.send("\r\n".join(lines) + "\r\n\r\n" + body)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Kamailio:
    """One Kamailio carrier. Constructor options map to carrier.cfg defines:

    password      None: "pw-" + user; a string: that password for everyone
    algorithm     None (MD5) or "SHA-256"
    qop           challenge with qop=auth (True) or without (False)
    auth_requests challenge initial INVITE/MESSAGE/... from carrier.test users (407)
    relay_connect relay to a user's Contact may open a connection to it (as most
                  carriers do for the edge's Contact, which names its carrier
                  listener); it then presents cert as its client certificate
    natfix        a Contact whose port is not the source port (baresip over TLS)
                  is fixed with fix_nated_register()/set_contact_alias(). The
                  edge's correct Contact never triggers it ("CARRIER NATFIX"
                  lines in the log show when it did)
    fr_timer, fr_inv_timer   milliseconds (tm)
    ipv6          also listen on [::1], same port
    cert          the gen-certs certificate it presents ("carrier", "foreign", ...)
    open_user     a user name: that user needs no credentials at all (REGISTER
                  and requests; "CARRIER OPEN" in the log), e.g. a baresip (MD5
                  only) next to algorithm="SHA-256"
    debug         Kamailio log level (2 info, 3 debug)
    defines       extra -A defines, e.g. ["NAME=value"]
    shm_mb        shared memory (-m)
    """

    domain = "carrier.test"

    def __init__(self, password=None, algorithm=None, qop=True, auth_requests=True,
                 natfix=True, fr_timer=10000, fr_inv_timer=30000, ipv6=False,
                 cert="carrier", debug=2, defines=(), shm_mb=128, relay_connect=False,
                 open_user=None):
        self.dir = tempfile.mkdtemp(prefix="sipedge-kamailio-")
        self.port = free_port()
        self.fixed_password = password
        self.log_path = os.path.join(self.dir, "kamailio.log")
        self.tls_cfg = os.path.join(self.dir, "tls.cfg")
        with open(self.tls_cfg, "w") as f:
            f.write(TLS_CFG.format(certs=certs(), cert=cert))
        self.args = ["-A", 'TLS_CONFIG="%s"' % self.tls_cfg,
                     "-A", "FR_TIMER=%d" % fr_timer,
                     "-A", "FR_INV_TIMER=%d" % fr_inv_timer,
                     "-A", "AUTH_FLAGS=\"%d\"" % (1 if qop else 0)]
        if password is not None:
            self.args += ["-A", 'PASSWORD="%s"' % password]
        if algorithm:
            self.args += ["-A", 'AUTH_ALGO="%s"' % algorithm]
        if auth_requests:
            self.args += ["-A", "AUTH_REQUESTS"]
        if natfix:
            self.args += ["-A", "NATFIX"]
        if relay_connect:
            self.args += ["-A", "RELAY_CONNECT"]
        if open_user:
            self.args += ["-A", 'OPEN_USER="%s"' % open_user]
        for d in defines:
            self.args += ["-A", d]
        self.listen = ["tls:127.0.0.1:%d" % self.port]
        if ipv6:
            self.listen.append("tls:[::1]:%d" % self.port)
        self.debug = debug
        self.shm_mb = shm_mb
        self.proc = None

    # --- users -----------------------------------------------------------
    def password(self, user):
        return self.fixed_password if self.fixed_password is not None else "pw-" + user

    def aor(self, user):
        return "sip:%s@%s" % (user, self.domain)

    @property
    def address(self):
        """host:port for an edge's carrier file or a phone's outbound proxy."""
        return "127.0.0.1:%d" % self.port

    @property
    def outbound(self):
        return "sip:127.0.0.1:%d;transport=tls" % self.port

    # --- process ---------------------------------------------------------
    def command(self):
        cmd = [KAMAILIO, "-DD", "-E", "-f", CARRIER_CFG, "-Y", self.dir,
               "-m", str(self.shm_mb), "--debug=%d" % self.debug, "-w", self.dir]
        for l in self.listen:
            cmd += ["-l", l]
        return cmd + self.args

    def start(self, timeout=10):
        if not os.path.exists(KAMAILIO):
            raise RuntimeError("kamailio not found: install kamailio kamailio-tls-modules")
        for attempt in range(3):
            self.proc = Guarded(self.command(), self.log_path, cwd=self.dir)
            if wait_for(lambda: self.proc.poll() is not None or self._answers(),
                        timeout, 0.1) and self.proc.poll() is None:
                return self
            log = self.log()
            self.stop()
            if "Address already in use" not in log:
                break
            # the free port was taken meanwhile: another one
            old = self.port
            self.port = free_port()
            self.listen = [l.replace(":%d" % old, ":%d" % self.port) for l in self.listen]
            os.rename(self.log_path, self.log_path + ".%d" % attempt)
        raise RuntimeError("kamailio did not start:\n" + log[-4000:])

    def _answers(self):
        """Ready once an OPTIONS over TLS gets its 200."""
        try:
            c = SipTls(self.port, timeout=1, verify=False)
        except (OSError, ssl.SSLError):
            return False
        try:
            c.send(self.options())
            return status_code(c.recv_message(2)) == 200
        finally:
            c.close()

    def options(self, call_id=None):
        call_id = call_id or "ready-%f" % time.time()
        return ("OPTIONS sip:127.0.0.1:%d;transport=tls SIP/2.0\r\n"
                "Via: SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bK-%x;rport\r\n"
                "Max-Forwards: 70\r\nFrom: <sip:ready@carrier.test>;tag=r\r\n"
                "To: <sip:127.0.0.1:%d>\r\nCall-ID: %s\r\nCSeq: 1 OPTIONS\r\n"
                "Content-Length: 0\r\n\r\n"
                % (self.port, abs(hash(call_id)), self.port, call_id))

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """Stop Kamailio and every process it forked; returns exit status."""
        if self.proc is None:
            return None
        rc = self.proc.stop()
        return rc

    def close(self):
        self.stop()
        if os.environ.get("SIPEDGE_KEEP_TMP") is None:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # --- log -------------------------------------------------------------
    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def lines(self, marker="CARRIER "):
        """The script's own log lines ("CARRIER ..."), marker onwards."""
        return [l[l.index(marker):] for l in self.log().splitlines() if marker in l]

    def wait_log(self, text, timeout=10.0):
        """True once text (a str, or a compiled regex) appears in the log."""
        if hasattr(text, "search"):
            return wait_for(lambda: text.search(self.log()), timeout)
        return wait_for(lambda: text in self.log(), timeout)

    def registered(self, user, timeout=10.0):
        """The Contact of the newest REGISTERED line for user, waiting for it."""
        pat = re.compile(r"CARRIER REGISTERED sip:%s@carrier\.test contact (\S+)"
                         % re.escape(user))

        def last():
            found = pat.findall(self.log())
            return found[-1] if found else None
        return wait_for(last, timeout)
