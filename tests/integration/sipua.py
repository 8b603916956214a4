"""A small SIP toolkit for scripted peers: parse and build messages, read
them off a TLS stream, and a scripted carrier that registers phones and
places calls over the connection the edge opened to it."""
import os
import queue
import random
import re
import select
import socket
import ssl
import threading
import time

from edge import certs, free_port, take_message, wait_for

COMPACT = {"v": "Via", "f": "From", "t": "To", "i": "Call-ID", "m": "Contact",
           "l": "Content-Length", "c": "Content-Type", "k": "Supported"}


class Msg:
    """A SIP message: start line, ordered headers, body. A message read off
    a SipStream also keeps the bytes it came in as (raw)."""

    raw = None

    def __init__(self, start, headers=None, body=""):
        self.start = start
        self.headers = list(headers or [])
        self.body = body

    @classmethod
    def parse(cls, raw):
        if isinstance(raw, bytes):
            raw = raw.decode(errors="replace")
        head, _, body = raw.partition("\r\n\r\n")
        lines = head.split("\r\n")
        headers = []
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and headers:
                headers[-1] = (headers[-1][0], headers[-1][1] + " " + line.strip())
                continue
            name, _, value = line.partition(":")
            name = name.strip()
            headers.append((COMPACT.get(name.lower(), name), value.strip()))
        return cls(lines[0], headers, body)

    @property
    def is_request(self):
        return not self.start.startswith("SIP/2.0")

    @property
    def method(self):
        return self.start.split()[0] if self.is_request else self.cseq[1]

    @property
    def status(self):
        return 0 if self.is_request else int(self.start.split()[1])

    @property
    def ruri(self):
        return self.start.split()[1]

    @property
    def cseq(self):
        n, m = self.get("CSeq").split()
        return int(n), m

    @property
    def call_id(self):
        return self.get("Call-ID")

    def get(self, name):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    def get_all(self, name):
        out = []
        for n, v in self.headers:
            if n.lower() == name.lower():
                # Comma-separated values, not inside <> or quotes.
                out += [x.strip() for x in re.split(r',(?=(?:[^"<>]|"[^"]*"|<[^>]*>)*$)', v)]
        return out

    def set(self, name, value):
        self.headers = [(n, v) for n, v in self.headers if n.lower() != name.lower()]
        if value is not None:
            self.headers.append((name, value))

    def tag(self, name):
        m = re.search(r";\s*tag=([^;>\s]+)", self.get(name) or "")
        return m.group(1) if m else None

    def encode(self):
        hs = [(n, v) for n, v in self.headers if n.lower() != "content-length"]
        text = self.start + "\r\n" + "".join("%s: %s\r\n" % h for h in hs)
        text += "Content-Length: %d\r\n\r\n" % len(self.body.encode())
        return (text + self.body).encode()

    def __repr__(self):
        return "<Msg %s>" % self.start


def uri_of(header_value):
    m = re.search(r"<([^>]*)>", header_value)
    return m.group(1) if m else header_value.split(";")[0].strip()


def branch():
    return "z9hG4bK-%x" % random.getrandbits(48)


def request(method, ruri, frm, to, call_id=None, cseq=1, via_host="192.0.2.10",
            via_port=5062, contact=None, extra=(), body="", from_tag=None,
            to_tag=None):
    headers = [("Via", "SIP/2.0/TLS %s:%d;branch=%s;rport" % (via_host, via_port, branch())),
               ("Max-Forwards", "70"),
               ("From", "<%s>;tag=%s" % (frm, from_tag or "%x" % random.getrandbits(32))),
               ("To", "<%s>" % to + (";tag=%s" % to_tag if to_tag else "")),
               ("Call-ID", call_id or "%x@sipua" % random.getrandbits(64)),
               ("CSeq", "%d %s" % (cseq, method))]
    if contact:
        headers.append(("Contact", contact))
    headers += list(extra)
    if body:
        headers.append(("Content-Type", "application/sdp"))
    return Msg("%s %s SIP/2.0" % (method, ruri), headers, body)


def response(req, code, reason, to_tag=None, extra=(), body=""):
    headers = [(n, v) for n, v in req.headers
               if n.lower() in ("via", "from", "to", "call-id", "cseq", "record-route")]
    if to_tag and req.tag("To") is None:
        headers = [(n, v + ";tag=" + to_tag) if n.lower() == "to" else (n, v)
                   for n, v in headers]
    headers += list(extra)
    if body:
        headers.append(("Content-Type", "application/sdp"))
    return Msg("SIP/2.0 %d %s" % (code, reason), headers, body)


def cancel_for(invite):
    """The CANCEL for an INVITE: same Request-URI, Via, From, To, Call-ID,
    Route and CSeq number (RFC 3261 §9.1)."""
    keep = ("via", "from", "to", "call-id", "route", "max-forwards")
    return Msg("CANCEL %s SIP/2.0" % invite.ruri,
               [(n, v) for n, v in invite.headers if n.lower() in keep] +
               [("CSeq", "%d CANCEL" % invite.cseq[0])])


def in_dialog(method, dialog_msg, route_set, ruri, frm, to, call_id, cseq,
              via_host="192.0.2.10", via_port=5062):
    """A request inside a dialog with a route set (list of URIs)."""
    extra = [("Route", "<%s>" % r) for r in route_set]
    frm_uri, frm_tag = frm
    to_uri, to_tag = to
    return request(method, ruri, frm_uri, to_uri, call_id=call_id, cseq=cseq,
                   via_host=via_host, via_port=via_port, extra=extra,
                   from_tag=frm_tag, to_tag=to_tag)


class SipStream:
    """SIP messages on one TLS socket. One thread does all of the socket's
    TLS work: OpenSSL does not allow reading and writing one connection
    from two threads at once, so sends are queued for that thread."""

    # The I/O thread sleeps in select() until the socket is readable or a
    # send is queued (a byte on the wake pipe): a test's connections cost
    # no CPU while idle, and bench/capacity.py's phone and carrier do not
    # wake up 100 times a second on the relay's CPU.
    poll = 1.0                      # s between looks at self.stopping

    def __init__(self, sock, auto=None, pong_limit=None):
        """pong_limit: answer only the first so many CRLFCRLF pings (None:
        every one, 0: none), as trunks that do not support outbound."""
        self.sock = sock
        self.pong_limit = pong_limit
        self.queue = queue.Queue()
        self.outq = queue.Queue()
        self.auto = auto            # fn(stream, msg) -> True if handled
        self.buf = b""
        self.closed = False
        self.stopping = False
        self.pings = 0
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _write(self, data):
        while data and not self.stopping:
            try:
                n = self.sock.send(data)
                data = data[n:]
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError, BlockingIOError):
                select.select([], [self.sock], [], 0.05)
            except (OSError, ssl.SSLError, ValueError):
                return

    def _read(self):
        try:
            chunk = self.sock.recv(65536)
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
            return True
        except (OSError, ssl.SSLError, ValueError):
            chunk = b""
        if not chunk:
            return False
        self.buf += chunk
        self._frame()
        return True

    def _wake(self):
        fd = self.wake_w
        if fd is None:
            return
        try:
            os.write(fd, b"w")
        except (BlockingIOError, OSError):
            pass                    # full (a wake-up is pending) or closed

    def _loop(self):
        self.sock.setblocking(False)
        try:
            while not self.stopping:
                while True:
                    try:
                        data = self.outq.get_nowait()
                    except queue.Empty:
                        break
                    self._write(data)
                if self.sock.pending():
                    # Records OpenSSL has already read: select() would
                    # not see them on the fd.
                    if not self._read():
                        break
                    continue
                try:
                    readable, _, _ = select.select([self.sock, self.wake_r], [], [],
                                                   self.poll)
                except (OSError, ValueError):
                    break
                if self.wake_r in readable:
                    try:
                        os.read(self.wake_r, 4096)
                    except (BlockingIOError, OSError):
                        pass
                if self.sock in readable and not self._read():
                    break
        finally:
            self.closed = True
            os.close(self.wake_r)

    def _frame(self):
        while True:
            if self.buf.startswith(b"\r\n\r\n"):
                self.buf = self.buf[4:]
                self.pings += 1
                if self.pong_limit is None or self.pings <= self.pong_limit:
                    self._write(b"\r\n")
                continue
            if self.buf.startswith(b"\r\n"):
                self.buf = self.buf[2:]
                continue
            raw, self.buf = take_message(self.buf)
            if raw is None:
                return
            msg = Msg.parse(raw)
            msg.raw = raw
            if self.auto is None or not self.auto(self, msg):
                self.queue.put(msg)

    def send_raw(self, data):
        self.outq.put(data)
        self._wake()

    def send(self, msg):
        self.send_raw(msg.encode())

    def expect(self, pred=None, timeout=5, what="a message"):
        """The next message matching pred; others are kept for later."""
        deadline = time.monotonic() + timeout
        kept = []
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("timed out waiting for %s" % what)
                try:
                    msg = self.queue.get(timeout=left)
                except queue.Empty:
                    raise AssertionError("timed out waiting for %s" % what)
                if pred is None or pred(msg):
                    return msg
                kept.append(msg)
        finally:
            for k in kept:
                self.queue.put(k)

    def expect_request(self, method, timeout=5):
        return self.expect(lambda m: m.is_request and m.method == method,
                           timeout, method)

    def expect_response(self, method, code=None, timeout=5):
        return self.expect(lambda m: not m.is_request and m.method == method and
                           (code is None or m.status == code), timeout,
                           "%s response %s" % (method, code or ""))

    def nothing(self, pred, wait=1.0):
        """True if no matching message arrives within wait seconds."""
        try:
            self.expect(pred, wait)
            return False
        except AssertionError:
            return True

    def close(self):
        # The I/O thread must be out of OpenSSL before the fd is closed:
        # an SSL object left with a closed fd number writes its alerts to
        # whatever file gets that number next (a subprocess's pipe, say).
        self.stopping = True
        self._wake()
        if self.thread is not threading.current_thread():
            self.thread.join(5)
        fd, self.wake_w = self.wake_w, None
        if fd is not None:
            os.close(fd)
        try:
            self.sock.close()
        except OSError:
            pass


class TlsPhone(SipStream):
    """A scripted phone on a TLS connection to the edge."""

    def __init__(self, edge_port, aor="sip:alice@carrier.test", claimed_port=5062,
                 user_agent="Spectralink 8440 6.2.2"):
        ctx = ssl.create_default_context(cafile=os.path.join(certs(), "ca.crt"))
        ctx.check_hostname = False
        raw = socket.create_connection(("127.0.0.1", edge_port), timeout=10)
        raw.settimeout(None)
        super().__init__(ctx.wrap_socket(raw))
        self.edge_port = edge_port
        self.aor = aor
        self.claimed_port = claimed_port
        self.user_agent = user_agent
        self.contact_uri = "sip:%s@192.0.2.10:%d;transport=tls" % (
            aor.split(":")[1].split("@")[0], claimed_port)

    @property
    def local_port(self):
        return self.sock.getsockname()[1]

    def req(self, method, ruri, to=None, **kw):
        kw.setdefault("via_port", self.claimed_port)
        kw.setdefault("contact", "<%s>" % self.contact_uri)
        extra = list(kw.pop("extra", ())) + [("User-Agent", self.user_agent),
                                             ("Route", "<sip:127.0.0.1:%d;transport=tls;lr>" % self.edge_port)]
        return request(method, ruri, self.aor, to or ruri, extra=extra, **kw)

    def register(self, expires=600, call_id=None, cseq=1, extra=()):
        m = self.req("REGISTER", "sip:" + self.aor.split("@")[1], to=self.aor,
                     call_id=call_id, cseq=cseq,
                     extra=list(extra) + [("Expires", str(expires))])
        self.send(m)
        return m


class ScriptedCarrier:
    """A TLS server the edge connects to: registrar and UA under test control."""

    def __init__(self, cert="carrier", auto_register=True, register_expires=None,
                 pong_limit=None):
        self.port = free_port()
        self.cert = cert
        self.auto_register = auto_register
        self.register_expires = register_expires
        self.pong_limit = pong_limit    # per connection, see SipStream
        self.answer_options = True      # False: OPTIONS go unanswered
        self.refuse = False             # True: close every connection at once
        self.options = []               # every OPTIONS the edge sent
        self.streams = []
        self.accepted = 0               # TCP connections accepted
        self.handshake_errors = []      # why a TLS handshake failed, in order
        self.bindings = {}          # aor -> contact as the edge sent it
        self.lsock = None

    def start(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(certs(), self.cert + ".crt"),
                            os.path.join(certs(), self.cert + ".key"))
        self.ctx = ctx
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", self.port))
        self.lsock.listen(8)
        self.stopping = False
        self.acceptor = threading.Thread(target=self._accept, args=(self.lsock,),
                                         daemon=True)
        self.acceptor.start()
        return self

    def _accept(self, lsock):
        while not self.stopping:
            try:
                raw, _ = lsock.accept()
            except OSError:
                # Only stop() makes accept() fail here; it then waits for
                # this thread before it closes the socket (see stop()).
                return
            self.accepted += 1
            if self.refuse:
                raw.close()
                continue
            # A handshake of its own: a peer that connects and never
            # finishes one must not hold up the edge's next connection.
            threading.Thread(target=self._handshake, args=(raw,), daemon=True).start()

    def _handshake(self, raw):
        raw.settimeout(10)
        try:
            s = self.ctx.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError) as e:
            self.handshake_errors.append("%s %r" % (time.strftime("%H:%M:%S"), e))
            raw.close()
            return
        s.settimeout(None)
        self.streams.append(SipStream(s, auto=self._auto, pong_limit=self.pong_limit))

    def _auto(self, stream, msg):
        if msg.is_request and msg.method == "REGISTER" and self.auto_register:
            aor = uri_of(msg.get("To"))
            contacts = msg.get_all("Contact")
            expires = self.register_expires or int(msg.get("Expires") or 3600)
            if contacts and contacts[0] != "*":
                self.bindings[aor] = uri_of(contacts[0])
                cs = ["<%s>;expires=%d" % (uri_of(c), expires if expires else 0)
                      for c in contacts]
                stream.send(response(msg, 200, "OK", to_tag="reg",
                                     extra=[("Contact", ", ".join(cs))]))
            else:
                self.bindings.pop(aor, None)
                stream.send(response(msg, 200, "OK", to_tag="reg"))
            stream.queue.put(msg)       # tests may still look at it
            return True
        if msg.is_request and msg.method == "OPTIONS":
            self.options.append(msg)
            if self.answer_options:
                stream.send(response(msg, 200, "OK", to_tag="opt"))
            return True
        return False

    def connect(self, port, host="127.0.0.1", source=None, cert=None):
        """Open a TLS connection of the carrier's own to the edge (its
        carrier listener), from source (an address to bind, else any),
        presenting the gen-certs certificate cert if given. Returns the
        SipStream; the handshake's failure raises ssl.SSLError or OSError."""
        ctx = ssl.create_default_context(cafile=os.path.join(certs(), "ca.crt"))
        ctx.check_hostname = False
        if cert:
            ctx.load_cert_chain(os.path.join(certs(), cert + ".crt"),
                                os.path.join(certs(), cert + ".key"))
        raw = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        raw.settimeout(5)
        if source:
            raw.bind((source, 0))
        raw.connect((host, port))
        s = ctx.wrap_socket(raw)
        s.settimeout(None)
        return SipStream(s)

    def wait_connected(self, edge, count=1, timeout=15):
        """Wait until the edge has made count TLS connections to us; fail
        the test with what both sides saw if it has not. The default outlasts
        one stalled handshake (the edge gives up on it after 10 s and tries
        again a second later): twice in CI, under ASan, the edge had not
        connected within 10 s, and nothing then said why."""
        if wait_for(lambda: len(self.streams) >= count, timeout):
            return
        log = edge.log()
        raise AssertionError(
            "the edge made %d of %d TLS connections to the scripted carrier in "
            "%g s (%d TCP connections accepted; handshake errors: %s); the "
            "edge's log ends:\n%s" % (len(self.streams), count, timeout,
                                      self.accepted, self.handshake_errors or "none",
                                      log[-4000:]))

    @property
    def stream(self):
        if not self.streams:
            raise AssertionError("the edge has not connected")
        return self.streams[-1]

    def local(self):
        """Our Via for requests we send to the edge."""
        return ("127.0.0.1", self.port)

    def req(self, method, ruri, frm, to, **kw):
        kw.setdefault("via_host", "127.0.0.1")
        kw.setdefault("via_port", self.port)
        return request(method, ruri, frm, to, **kw)

    def stop(self):
        if self.lsock:
            # The accepting thread must be gone before the fd is closed: one
            # still on its way into accept() with the old fd number took the
            # next test's connection when that test's listener got the same
            # number (the edge connected and verified, this carrier counted
            # none; twice in one day of CI under ASan).
            self.stopping = True
            try:
                self.lsock.shutdown(socket.SHUT_RDWR)   # wakes accept()
            except OSError:
                pass
            self.acceptor.join(5)
            self.lsock.close()
        for s in self.streams:
            s.close()
