"""A real phone for integration tests: baresip 1.0 on loopback over TLS.

Baresip(user, password, outbound).start() writes DIR/config and
DIR/accounts, runs `baresip -f DIR -s -v` (SIP trace and log into DIR/baresip.log)
and drives it over its ctrl_tcp module (netstring JSON commands, call
events pushed to us). G.711 only, no video, no sound card: it sends a
generated 8 kHz tone from a WAV file and plays into aubridge. Runs in its
own process group under a guard (kamailio.Guarded).

Known behaviour (peers.md): over TLS, Via and Contact of its requests
carry baresip's LISTENING port, while its connection comes from another
ephemeral port (its responses do carry the connection's port). trace(),
sent(), received() and tls_flows() read both from the SIP trace.
baresip 1.0 does not verify the server certificate (sip_cafile is loaded
but any certificate is accepted).
"""
import json
import math
import os
import re
import shutil
import signal
import socket
import struct
import tempfile
import threading
import time
import wave

from edge import certs, free_port, wait_for
from kamailio import Guarded

BARESIP = shutil.which("baresip") or "/usr/bin/baresip"
MODULES = "/usr/lib/baresip/modules"

CONFIG = """\
poll_method		epoll
sip_listen		127.0.0.1:0
sip_cafile		{ca}
{certificate}
call_local_timeout	{local_timeout}
call_max_calls		4
audio_path		/usr/share/baresip
audio_player		aubridge,nil
audio_source		aufile,{wav}
audio_alert		aubridge,nil
audio_level		no
ausrc_format		s16
auplay_format		s16
auenc_format		s16
audec_format		s16
audio_buffer		20-160
rtp_tos			0
rtcp_mux		no
jitter_buffer_delay	5-10
rtp_stats		no
net_interface		127.0.0.1
module_path		{modules}
module			g711.so
module			aufile.so
module			aubridge.so
{extra_modules}
module_tmp		uuid.so
module_tmp		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:{ctrl_port}
{snd_path}
{extra}
"""

ANSI = re.compile(r"\x1b\[[0-9;]*m")

# "TLS 127.0.0.1:51576 -> 127.0.0.1:15061" heads each traced message
TRACE_HEAD = re.compile(r"^(TLS|TCP|UDP) (\S+):(\d+) -> (\S+):(\d+)$")


def write_tone(path, hz=440.0, seconds=20, rate=8000, amplitude=8000):
    """An 8 kHz mono 16-bit WAV with one sine tone (what aufile can send)."""
    w = wave.open(path, "wb")
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(rate)
    w.writeframes(b"".join(struct.pack("<h", int(amplitude * math.sin(2 * math.pi * hz * i / rate)))
                           for i in range(int(rate * seconds))))
    w.close()
    return path


def tone_share(path, hz, skip_seconds=0.2):
    """Goertzel: the share (0..1) of a WAV file's energy at frequency hz.
    A clean tone gives about 1.0 at its frequency and near 0 elsewhere."""
    w = wave.open(path, "rb")
    rate, width, n = w.getframerate(), w.getsampwidth(), w.getnframes()
    data = w.readframes(n)
    w.close()
    if width != 2 or w.getnchannels() != 1:
        raise ValueError("%s: want 16-bit mono" % path)
    x = struct.unpack("<%dh" % (len(data) // 2), data)[int(rate * skip_seconds):]
    if not x:
        return 0.0
    coeff = 2 * math.cos(2 * math.pi * hz / rate)
    s1 = s2 = 0.0
    for v in x:
        s1, s2 = v + coeff * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - coeff * s1 * s2
    energy = sum(v * v for v in x)
    return 0.0 if energy == 0 else min(1.0, 2 * power / (len(x) * energy))


class Baresip:
    """One baresip with one account.

    user, password  the account sip:USER@DOMAIN;transport=tls, auth_pass
    outbound        where it sends everything: "sip:HOST:PORT;transport=tls"
                    or "HOST:PORT" (the edge, or Kamailio for a carrier user)
    answermode      "auto" (answers by itself) or "manual" (use answer())
    mediaenc        None (plain RTP) or "srtp", "srtp-mand", "srtp-mandf", ...
    regint          REGISTER interval in seconds; 0 = do not register
    tone_hz         the tone it sends; record=True dumps sent/heard audio as
                    DIR/dump-*-enc.wav / dump-*-dec.wav (sndfile module)
    account_extra   appended to the accounts line (";key=value...")
    config_extra    appended to the config file
    client_cert     a gen-certs name (e.g. "phone"): baresip presents that
                    certificate (sip_certificate, cert and key in one PEM)
    """

    def __init__(self, user, password, outbound, domain="carrier.test",
                 answermode="auto", mediaenc=None, regint=600, tone_hz=440.0,
                 record=False, account_extra="", config_extra="", name=None,
                 local_timeout=120, ca=None, client_cert=None):
        self.user = user
        self.password = password
        self.domain = domain
        if not outbound.startswith("sip:"):
            outbound = "sip:%s;transport=tls" % outbound
        self.outbound = outbound
        self.outbound_addr = contact_hostport(outbound)
        self.name = name or user
        self.dir = tempfile.mkdtemp(prefix="sipedge-baresip-%s-" % self.name)
        self.log_path = os.path.join(self.dir, "baresip.log")
        self.wav = write_tone(os.path.join(self.dir, "tone.wav"), tone_hz)
        self.ctrl_port = None
        self.mediaenc = mediaenc
        self.record = record
        self.local_timeout = local_timeout
        self.ca = ca or os.path.join(certs(), "ca.crt")
        self.config_extra = config_extra
        self.certificate = None
        if client_cert:
            self.certificate = os.path.join(self.dir, "cert.pem")
            with open(self.certificate, "w") as out:
                for ext in (".crt", ".key"):
                    with open(os.path.join(certs(), client_cert + ext)) as f:
                        out.write(f.read())
        acc = "<sip:%s@%s;transport=tls>;auth_pass=%s;outbound=\"%s\";regint=%d;answermode=%s" % (
            user, domain, password, outbound, regint, answermode)
        if mediaenc:
            acc += ";mediaenc=%s" % mediaenc
        self.account = acc + account_extra
        self.proc = None
        self.sock = None
        self.events = []            # ctrl_tcp events (dicts), oldest first
        self.responses = {}         # token -> response dict
        self.cond = threading.Condition()
        self.token = 0
        self.reader = None
        self.log_start = 0

    @property
    def aor(self):
        return "sip:%s@%s" % (self.user, self.domain)

    # --- process ---------------------------------------------------------
    def write_config(self):
        modules = []
        if self.mediaenc and self.mediaenc.startswith("srtp"):
            modules.append("module\t\t\tsrtp.so")
        elif self.mediaenc == "dtls_srtp":
            modules.append("module\t\t\tdtls_srtp.so")
        if self.record:
            modules.append("module\t\t\tsndfile.so")
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write(CONFIG.format(
                ca=self.ca, wav=self.wav, modules=MODULES, ctrl_port=self.ctrl_port,
                local_timeout=self.local_timeout,
                certificate="sip_certificate\t\t%s" % self.certificate if self.certificate else "",
                extra_modules="\n".join(modules),
                snd_path="snd_path\t\t%s" % self.dir if self.record else "",
                extra=self.config_extra))
        with open(os.path.join(self.dir, "accounts"), "w") as f:
            f.write(self.account + "\n")
        with open(os.path.join(self.dir, "contacts"), "w") as f:
            f.write("")

    def start(self, wait_registered=True, timeout=10):
        if not os.path.exists(BARESIP):
            raise RuntimeError("baresip not found: install baresip baresip-core")
        for attempt in range(3):      # the free ctrl port may be taken meanwhile
            self.ctrl_port = free_port()
            self.write_config()
            self.log_start = len(self.log())   # the log is appended to
            self.proc = Guarded([BARESIP, "-f", self.dir, "-s", "-v"], self.log_path,
                                cwd=self.dir)
            if self._connect_ctrl(timeout):
                break
            self.proc.stop()
            if "ctrl_tcp: failed to listen" not in self.attempt_log():
                raise RuntimeError("baresip %s did not start:\n%s"
                                   % (self.name, self.log()[-4000:]))
        else:
            raise RuntimeError("baresip %s: no control port:\n%s"
                               % (self.name, self.log()[-4000:]))
        if wait_registered and not self.register_ok(timeout):
            raise RuntimeError("baresip %s did not register:\n%s"
                               % (self.name, self.log()[-4000:]))
        return self

    def _connect_ctrl(self, timeout):
        def connect():
            if self.proc.poll() is not None or "ctrl_tcp: failed" in self.attempt_log():
                return "dead"
            try:
                return socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=1)
            except OSError:
                return None
        s = wait_for(connect, timeout, 0.05)
        if not s or s == "dead":
            return False
        self.sock = s
        self.sock.settimeout(None)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        return True

    def _read(self):
        buf = b""
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                with self.cond:
                    self.cond.notify_all()
                return
            buf += data
            while True:      # netstrings: LEN ":" JSON ","
                colon = buf.find(b":")
                if colon < 0 or not buf[:colon].isdigit():
                    break
                n = int(buf[:colon])
                if len(buf) < colon + 1 + n + 1:
                    break
                body = buf[colon + 1:colon + 1 + n]
                buf = buf[colon + 2 + n:]
                try:
                    msg = json.loads(body.decode(errors="replace"))
                except ValueError:
                    continue
                with self.cond:
                    if msg.get("response"):
                        self.responses[msg.get("token")] = msg
                    else:
                        msg["time"] = time.monotonic()
                        self.events.append(msg)
                    self.cond.notify_all()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=5):
        """Quit baresip (un-REGISTERs and hangs up first), then make sure
        nothing is left. Returns the exit status or None if it had to be killed."""
        if self.proc is None:
            return None
        if self.running() and self.sock:
            try:
                self.command("quit", wait=False)
                wait_for(lambda: self.proc.poll() is not None, timeout)
            except OSError:
                pass
        rc = self.proc.stop(signal.SIGTERM, timeout)
        if self.sock:
            self.sock.close()
            self.sock = None
        return rc

    def close(self):
        self.stop()
        if os.environ.get("SIPEDGE_KEEP_TMP") is None:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # --- control ---------------------------------------------------------
    def command(self, command, params=None, wait=True, timeout=5):
        """One ctrl_tcp command (menu command names: dial, accept, hangup,
        hold, resume, reginfo, listcalls, ...). Returns the response dict
        ({"ok": bool, "data": str, ...}) or None if wait=False."""
        with self.cond:
            self.token += 1
            token = str(self.token)
        msg = {"command": command, "token": token}
        if params is not None:
            msg["params"] = params
        body = json.dumps(msg).encode()
        self.sock.sendall(b"%d:%s," % (len(body), body))
        if not wait:
            return None
        with self.cond:
            if not self.cond.wait_for(lambda: token in self.responses or
                                      self.proc.poll() is not None, timeout):
                raise RuntimeError("baresip %s: no answer to %s" % (self.name, command))
            return self.responses.pop(token, None)

    def register_ok(self, timeout=10):
        """Wait until the account is registered (200 to REGISTER)."""
        pat = re.compile(r"%s@%s: \{\d+/TLS/v[46]\} 200 " % (re.escape(self.user),
                                                             re.escape(self.domain)))
        return bool(wait_for(lambda: self.event("REGISTER_OK") or pat.search(self.log()),
                             timeout))

    def registrations(self):
        """How many 200 OKs to its REGISTERs baresip has logged so far."""
        pat = re.compile(r"%s@%s: \{\d+/TLS/v[46]\} 200 " % (re.escape(self.user),
                                                              re.escape(self.domain)))
        return len(pat.findall(self.log()))

    def dial(self, uri):
        """Call uri (e.g. "sip:bob@carrier.test")."""
        return self.command("dial", uri)

    def answer(self):
        return self.command("accept")

    def hangup(self):
        return self.command("hangup")

    def hold(self):
        return self.command("hold")

    def resume(self):
        return self.command("resume")

    # --- events ----------------------------------------------------------
    def event(self, type_, since=0):
        """The first event of that type at or after index `since`, or None."""
        with self.cond:
            for e in self.events[since:]:
                if e.get("type") == type_:
                    return e
        return None

    def wait_event(self, type_, timeout=10, since=0):
        """Wait for an event type (CALL_INCOMING, CALL_RINGING, CALL_PROGRESS,
        CALL_ESTABLISHED, CALL_CLOSED, REGISTER_OK, REGISTER_FAIL, ...)."""
        return wait_for(lambda: self.event(type_, since), timeout)

    def mark(self):
        """An index into events: pass it as since= to ignore older ones."""
        with self.cond:
            return len(self.events)

    STATES = {"CALL_INCOMING": "incoming", "CALL_OUTGOING": "outgoing",
              "CALL_RINGING": "ringing", "CALL_PROGRESS": "progress",
              "CALL_ESTABLISHED": "established", "CALL_CLOSED": "closed"}

    def call_state(self):
        """State of the newest call from its events: None, "incoming",
        "outgoing", "ringing", "progress", "established" or "closed"."""
        with self.cond:
            for e in reversed(self.events):
                if e.get("type") in self.STATES:
                    return self.STATES[e["type"]]
        return None

    def wait_state(self, state, timeout=10):
        return wait_for(lambda: self.call_state() == state, timeout)

    def dumps(self, kind="dec"):
        """With record=True: the WAV files sndfile wrote, "dec" (heard) or
        "enc" (sent), oldest first."""
        return sorted(os.path.join(self.dir, f) for f in os.listdir(self.dir)
                      if f.startswith("dump-") and f.endswith("-%s.wav" % kind))

    def heard_seconds(self):
        """With record=True: seconds of audio in the newest "dec" dump so far
        (8 kHz 16-bit mono)."""
        files = self.dumps("dec")
        if not files:
            return 0.0
        return max(0, os.path.getsize(files[-1]) - 44) / 16000.0

    # --- log and SIP trace -----------------------------------------------
    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return ANSI.sub("", f.read())
        except OSError:
            return ""

    def attempt_log(self):
        """What the process of the latest start attempt has logged."""
        return self.log()[self.log_start:]

    def wait_log(self, text, timeout=10.0):
        return wait_for(lambda: text in self.log(), timeout)

    def trace(self):
        """Traced SIP messages, in order, as dicts: proto, src and dst
        ((ip, port)), out (True if baresip sent it), text, first (its first
        line)."""
        out = []
        lines = self.log().split("\n")
        i = 0
        while i < len(lines):
            m = TRACE_HEAD.match(lines[i].strip())
            if not m:
                i += 1
                continue
            j = i + 1
            body = []
            while j < len(lines) and not (lines[j].strip() == "#" or
                                          TRACE_HEAD.match(lines[j].strip())):
                body.append(lines[j])
                j += 1
            text = "\r\n".join(body).strip("\r\n")
            src = (m.group(2), int(m.group(3)))
            dst = (m.group(4), int(m.group(5)))
            out.append({"proto": m.group(1), "src": src, "dst": dst,
                        "out": dst == self.outbound_addr, "text": text,
                        "first": text.split("\r\n", 1)[0]})
            i = j
        return out

    def sent(self, method=None):
        """Requests baresip sent (trace dicts), optionally of one method."""
        return [t for t in self.trace() if t["out"] and not t["first"].startswith("SIP/2.0")
                and (method is None or t["first"].startswith(method + " "))]

    def received(self, method=None):
        """Requests baresip received (trace dicts), optionally of one method."""
        return [t for t in self.trace() if not t["out"] and not t["first"].startswith("SIP/2.0")
                and (method is None or t["first"].startswith(method + " "))]

    def wait_for_received(self, method, count=1, timeout=10):
        """Wait until baresip has received count requests of that method."""
        return wait_for(lambda: len(self.received(method)) >= count, timeout)

    def tls_flows(self):
        """Local ports of the TLS connections baresip sent on, first use first."""
        ports = []
        for t in self.trace():
            if t["proto"] == "TLS" and t["out"] and t["src"][1] not in ports:
                ports.append(t["src"][1])
        return ports


def sip_header(text, name):
    m = re.search(r"(?im)^%s\s*:\s*(.*)$" % re.escape(name), text or "")
    return m.group(1).strip() if m else None


def hostport(value):
    """(host, port) of "host:port", "[v6]:port" or "host" (port None)."""
    m = re.match(r"\[([^\]]+)\](?::(\d+))?$|([^:]+)(?::(\d+))?$", value.strip())
    if not m:
        return None, None
    host = m.group(1) or m.group(3)
    port = m.group(2) or m.group(4)
    return host, int(port) if port else None


def via_sent_by(via):
    """(host, port) of a Via value's sent-by."""
    m = re.match(r"\s*SIP\s*/\s*2\.0\s*/\s*\w+\s+([^;\s,]+)", via or "")
    return hostport(m.group(1)) if m else (None, None)


def contact_hostport(contact):
    """(host, port) of a Contact (or any name-addr / SIP URI) value."""
    m = re.search(r"sips?:(?:[^@>;]*@)?(\[[^\]]+\](?::\d+)?|[^;>?\s]+)", contact or "")
    return hostport(m.group(1)) if m else (None, None)
