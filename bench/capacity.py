#!/usr/bin/env python3
"""Media capacity on one relay thread: sipedge against rtpengine 10.5.

Each side relays N calls, each one SRTP stream of G.711 (160-byte payload,
50 packets/s) that enters leg A keyed AES_CM_128_HMAC_SHA1_80 and leaves
leg B re-keyed AES_CM_128_HMAC_SHA1_32 with a key the relay chose; N is
stepped up until more than 0.1 % of a step is lost or later than 20 ms.
bench/media_gen (C, pinned to CPU 1) plays the calls; the relay under test
is pinned to CPU 0. See bench/README, "capacity".

    capacity.py BUILD_DIR [--secs S] [--sides direct,rtpengine,edge-api,...]
        [--start N] [--max N] [--limits | --no-limits]

Sides:
  direct     the generator sends straight to its own sink: its ceiling
  rtpengine  rtpengine 10.5 userspace only (--table=-1), --num-threads=1,
             taskset -c 0, calls set up over ng (offer, answer)
  edge-api   sipedge's relay (one relay thread, the daemon's code) in
             bench/relay_host, sessions made with relay_session_new():
             "relay API, not SIP"
  edge-sip   sipedged with [media] threads = 1 pinned to CPU 0, calls set
             up by SIP over TLS by a phone and a carrier played here

Keys go from here to the generator and the relay over pipes (or over
ng/SIP on loopback) and are never printed.
"""
import argparse
import atexit
import base64
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
LOSS_MAX = 0.1          # percent
FACTOR = 1.3
NOFILE = resource.getrlimit(resource.RLIMIT_NOFILE)[1]   # the hard limit
FD_CALLS = (NOFILE - 200) // 4      # calls a relay's file limit allows
SUITE_A = "AES_CM_128_HMAC_SHA1_80"     # what enters leg A
SUITE_B = "AES_CM_128_HMAC_SHA1_32"     # what leaves leg B
RTPENGINE = "/usr/bin/rtpengine"
# Each side has a port range of its own, since they run at the same time,
# and none takes 20000-31999 (the daemon's default and the integration
# tests' ranges): rtpengine and edge-sip share the kernel's ephemeral range
# (32768-60999 here) with whatever else runs, which both skip when taken.
# A call takes four ports (RTP and RTCP on each leg): the ranges hold
# 3,250 (rtpengine), 4,500 (edge-sip) and 4,744 calls (edge-api), above
# MAX_CALLS but for rtpengine, which has never come near 3,000.
PORTS = {"rtpengine": (32000, 44999), "edge-sip": (45000, 62999),
         "edge-api": (1024, 19999)}
# The most calls a run steps to: 4,166 (208,300 packets/s) is the last
# step below it, about where one generator core tops out on a fast
# machine; the relays' file limit may lower it (four sockets a call).
MAX_CALLS = 4200
NG_PORT = 22222


CHILDREN = []           # every process started here, ended at exit


def end_children():
    for p in CHILDREN:
        if p.poll() is None:
            p.kill()
            p.wait()


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def more_files():
    """Children may open many sockets (four a call in a relay)."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fields(line):
    """key=value pairs of a step line, numbers as floats."""
    out = {}
    for w in line.split()[1:]:
        k, _, v = w.partition("=")
        v = v.rstrip("%")
        try:
            out[k] = float(v)
        except ValueError:
            out[k] = v
    return out


class Gen:
    """bench/media_gen over its stdin/stdout."""

    def __init__(self, build, cpu=1):
        self.p = subprocess.Popen([os.path.join(build, "bench", "media_gen"),
                                   "-c", str(cpu)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, bufsize=1,
                                  preexec_fn=more_files)
        m = re.match(r"ready src=(\d+) sink=(\d+)", self.p.stdout.readline())
        if not m:
            raise SystemExit("media_gen did not start")
        self.src, self.sink = int(m.group(1)), int(m.group(2))
        self.calls = 0
        self.synced = 0
        CHILDREN.append(self.p)

    def call(self, dst, tx_suite, tx_key, rx_suite, rx_key, addr="127.0.0.1"):
        self.p.stdin.write("call %d %s %s %s %s %s\n" % (dst, tx_suite, tx_key.hex() or "-",
                                                         rx_suite, rx_key.hex() or "-", addr))
        self.calls += 1

    def sync(self):
        """Wait until media_gen has every call given so far."""
        self.p.stdin.flush()
        while self.synced < self.calls:
            line = self.p.stdout.readline()
            if not line:
                raise SystemExit("media_gen died")
            if line.startswith("call "):
                self.synced = int(line.split()[1]) + 1

    def step(self, secs, pid, burst=16):
        self.p.stdin.write("step %g %d %d\n" % (secs, pid, burst))
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line.startswith("step "):
            raise SystemExit("media_gen: no step result")
        return fields(line)

    def close(self):
        try:
            self.p.stdin.write("quit\n")
            self.p.stdin.close()
        except OSError:
            pass
        self.p.wait(10)


def key30():
    return os.urandom(30)


# --- bencode and rtpengine's ng protocol ---------------------------------

def benc(x):
    if isinstance(x, int):
        return b"i%de" % x
    if isinstance(x, str):
        x = x.encode()
    if isinstance(x, bytes):
        return b"%d:%s" % (len(x), x)
    if isinstance(x, list):
        return b"l" + b"".join(benc(i) for i in x) + b"e"
    if isinstance(x, dict):
        return b"d" + b"".join(benc(k) + benc(v) for k, v in sorted(x.items())) + b"e"
    raise TypeError(type(x))


def bdec(b, i=0):
    c = b[i:i + 1]
    if c == b"i":
        j = b.index(b"e", i)
        return int(b[i + 1:j]), j + 1
    if c == b"l":
        i += 1
        out = []
        while b[i:i + 1] != b"e":
            v, i = bdec(b, i)
            out.append(v)
        return out, i + 1
    if c == b"d":
        i += 1
        out = {}
        while b[i:i + 1] != b"e":
            k, i = bdec(b, i)
            v, i = bdec(b, i)
            out[k.decode()] = v
        return out, i + 1
    j = b.index(b":", i)
    n = int(b[i:j])
    return b[j + 1:j + 1 + n], j + 1 + n


class Ng:
    def __init__(self, port):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.connect(("127.0.0.1", port))
        self.s.settimeout(5)
        self.n = 0

    def __call__(self, d):
        self.n += 1
        ck = b"%x_%d" % (os.getpid(), self.n)
        self.s.send(ck + b" " + benc(d))
        while True:
            r = self.s.recv(65535)
            if r.startswith(ck + b" "):
                return bdec(r[len(ck) + 1:])[0]


SDP = ("v=0\r\no=- {sess} 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
       "t=0 0\r\nm=audio {port} RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
       "a=ptime:20\r\na=sendrecv\r\na=crypto:{tag} {suite} inline:{key}\r\n")
CRYPTO = re.compile(r"a=crypto:(\d+) (\S+) inline:([A-Za-z0-9+/=]+)")
MPORT = re.compile(r"m=audio (\d+) ")


def b64(k):
    return base64.b64encode(k).decode()


def unb64(s):
    return base64.b64decode(s + "=" * (-len(s) % 4))


# --- the sides --------------------------------------------------------------

class Direct:
    """No relay: the generator's own ceiling."""
    name = "direct"
    label = "generator alone, no relay"

    def start(self, gen):
        self.gen = gen
        self.pid = 0

    def add(self, n):
        for _ in range(n):
            k = key30()
            self.gen.call(self.gen.sink, SUITE_A, k, SUITE_A, k)

    def stop(self):
        pass


class Rtpengine:
    name = "rtpengine"
    label = "rtpengine 10.5 userspace, 1 thread, CPU 0, ng"

    def start(self, gen):
        self.gen = gen
        self.dir = tempfile.mkdtemp(prefix="capacity-rtpe-")
        pidf = os.path.join(self.dir, "pid")
        self.logf = open(os.path.join(self.dir, "log"), "w")
        # Userspace only: --table=-1 never touches the kernel module.
        cmd = ["taskset", "-c", "0", RTPENGINE, "--config-file=none",
               "--table=-1", "--interface=127.0.0.1",
               "--listen-ng=127.0.0.1:%d" % NG_PORT,
               "--port-min=%d" % PORTS["rtpengine"][0],
               "--port-max=%d" % PORTS["rtpengine"][1], "--num-threads=1", "--foreground",
               "--log-stderr", "--log-level=3", "--timeout=3600",
               "--silent-timeout=3600", "--final-timeout=0",
               "--delete-delay=0", "--pidfile=" + pidf]
        self.p = subprocess.Popen(cmd, stdout=self.logf, stderr=self.logf,
                                  preexec_fn=more_files)
        CHILDREN.append(self.p)
        self.pid = self.p.pid
        self.ng = Ng(NG_PORT)
        for _ in range(50):
            try:
                self.ng.s.settimeout(0.2)
                if self.ng({"command": "ping"}).get("result") == b"pong":
                    break
            except (socket.timeout, ConnectionRefusedError):
                time.sleep(0.1)
        else:
            raise SystemExit("rtpengine did not answer ng ping")
        self.ng.s.settimeout(5)
        self.n = 0
        self.passthrough = 0

    def add(self, n):
        for _ in range(n):
            self.n += 1
            cid = "cap-%d" % self.n
            ka = key30()
            offer = SDP.format(sess=self.n, port=self.gen.src, tag=1,
                               suite=SUITE_A, key=b64(ka))
            r = self.ng({"command": "offer", "call-id": cid, "from-tag": "a%d" % self.n,
                         "sdp": offer, "DTLS": "off", "ICE": "remove"})
            if r.get("result") != b"ok":
                raise SystemExit("rtpengine offer: %r" % r.get("error-reason"))
            sdp = r["sdp"].decode()
            lines = {su: (int(t), k) for t, su, k in CRYPTO.findall(sdp)}
            if SUITE_B not in lines:
                raise SystemExit("rtpengine offered no %s" % SUITE_B)
            tag, kb = lines[SUITE_B]
            kb = unb64(kb)
            if kb == ka:
                self.passthrough += 1
            answer = SDP.format(sess=self.n, port=self.gen.sink, tag=tag,
                                suite=SUITE_B, key=b64(key30()))
            r = self.ng({"command": "answer", "call-id": cid, "from-tag": "a%d" % self.n,
                         "to-tag": "b%d" % self.n, "sdp": answer})
            if r.get("result") != b"ok":
                raise SystemExit("rtpengine answer: %r" % r.get("error-reason"))
            sdp = r["sdp"].decode()
            m = MPORT.search(sdp)
            got = CRYPTO.findall(sdp)
            if not m or len(got) != 1 or got[0][1] != SUITE_A:
                raise SystemExit("rtpengine answer SDP: no port or crypto")
            if unb64(got[0][2]) == ka:
                self.passthrough += 1
            self.gen.call(int(m.group(1)), SUITE_A, ka, SUITE_B, kb)
        if self.passthrough:
            raise SystemExit("rtpengine reused a key: it would not re-key")

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.logf.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class EdgeApi:
    name = "edge-api"
    label = "sipedge relay, 1 relay thread, CPU 0, relay API, not SIP"
    addr = "127.0.0.1"
    plain = False

    def __init__(self, build, io=None):
        self.build = build
        self.io = io

    def start(self, gen):
        self.gen = gen
        cmd = ["taskset", "-c", "0", os.path.join(self.build, "bench", "relay_host"),
               "-a", self.addr, "-c", "0",
               "-p", str(PORTS["edge-api"][0]), "-P", str(PORTS["edge-api"][1])]
        if self.io:
            cmd += ["-m", self.io]
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, bufsize=1, preexec_fn=more_files)
        CHILDREN.append(self.p)
        m = re.match(r"ready io=(\S+) pid=(\d+)", self.p.stdout.readline())
        if not m:
            raise SystemExit("relay_host did not start")
        self.io_name = m.group(1)
        self.pid = self.p.pid
        self.label += " (io %s)" % self.io_name

    def suites(self):
        return ("none", "none") if self.plain else (SUITE_A, SUITE_B)

    def add(self, n):
        pend = []
        sa, sb = self.suites()
        key = (lambda: b"") if self.plain else key30
        for _ in range(n):
            ka, kb = key(), key()
            # Leg A: the phone's key in, ours out; leg B: the carrier's
            # key in, ours (kb) out, which the generator checks.
            self.p.stdin.write("session %d %d %s %s %s %s %s %s\n" % (
                self.gen.src, self.gen.sink, sa, ka.hex() or "-", key().hex() or "-",
                sb, key().hex() or "-", kb.hex() or "-"))
            pend.append((ka, kb))
            if len(pend) >= 256:
                self._collect(pend)
        self._collect(pend)

    def _collect(self, pend):
        sa, sb = self.suites()
        self.p.stdin.flush()
        for ka, kb in pend:
            f = self.p.stdout.readline().split()
            if len(f) != 4 or f[0] != "session":
                raise SystemExit("relay_host: session failed")
            self.gen.call(int(f[2]), sa, ka, sb, kb, self.addr)
        pend.clear()

    def stop(self):
        try:
            self.p.stdin.write("quit\n")
            self.p.stdin.close()
        except OSError:
            pass
        try:
            self.p.wait(20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


class EdgePlain(EdgeApi):
    """The I/O limit as a side: sipedge's relay (relay_host) with plain
    RTP on both legs, stepped with the others under the same load, the
    same generator and the same loss rule, so that the machine's drift
    meets it as it meets them. Its sockets are on 127.0.0.2, so that it
    shares edge-api's port range without sharing a port."""
    name = "io-limit"
    label = "sipedge relay, plain RTP both legs (the I/O limit), 127.0.0.2"
    addr = "127.0.0.2"
    plain = True


class EdgeSip:
    """sipedged itself: calls set up by SIP over TLS, a registered phone
    (INVITE with RTP/SAVP and one AES_CM_128_HMAC_SHA1_80 line, key A) to a
    scripted carrier that answers the edge's AES_CM_128_HMAC_SHA1_32 line;
    the relay ports and keys are read from the SDP the edge rewrote."""
    name = "edge-sip"
    label = "sipedged, [media] threads = 1, whole daemon on CPU 0, calls by SIP/TLS"
    WINDOW = 100                    # INVITEs in flight

    def __init__(self, build):
        self.build = build

    def start(self, gen):
        os.environ["SIPEDGE_BUILD"] = self.build
        sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
        import edge as edge_mod
        import sipua
        self.sipua = sipua
        self.gen = gen
        self.carrier = sipua.ScriptedCarrier().start()
        self.edge = edge_mod.Edge(carriers={}, log_level="warning", srtp=None,
                                  phones_extra="srtp = mandatory\n",
                                  media_ports=PORTS["edge-sip"])
        self.edge.edit_main("[media]", "threads = 1\ntimeout = 3600\n")
        self.edge.write_carrier("test", None, EDGE_CARRIER.format(
            port=self.carrier.port, certs=edge_mod.certs()))
        self.edge.start(nofile=NOFILE)
        CHILDREN.append(self.edge.proc)
        self.pid = self.edge.proc.pid
        # Every thread of the daemon (the proxy's and the relay's) on CPU 0.
        subprocess.run(["taskset", "-a", "-p", "-c", "0", str(self.pid)],
                       check=True, stdout=subprocess.DEVNULL)
        if not edge_mod.wait_for(lambda: self.carrier.streams, 10) or \
                not edge_mod.wait_for(lambda: self.edge.json("carriers")["items"][0]
                                      ["state"] == "connected", 10):
            raise SystemExit("edge-sip: the edge did not connect to the carrier")
        self.cs = self.carrier.stream
        self.phone = sipua.TlsPhone(self.edge.port, aor="sip:bench@carrier.test",
                                    user_agent="capacity-bench/1")
        self.phone.register(expires=3600)
        self.phone.expect_response("REGISTER", 200)
        self.n = 0
        self.pending = {}           # Call-ID -> key A
        self.keys_b = {}            # Call-ID -> the edge's carrier-leg key
        self.done = 0

    def add(self, n):
        want = self.n + n
        while self.done < want:
            while self.n < want and len(self.pending) < self.WINDOW:
                self.n += 1
                cid = "cap-%d@bench" % self.n
                ka = key30()
                body = SDP.format(sess=self.n, port=self.gen.src, tag=1,
                                  suite=SUITE_A, key=b64(ka))
                self.pending[cid] = ka
                self.phone.send(self.phone.req("INVITE", "sip:+4930%06d@carrier.test" % self.n,
                                               call_id=cid, from_tag="ph%d" % self.n,
                                               body=body))
            self._service()

    def _service(self):
        import queue
        sipua = self.sipua
        got = False
        while True:
            try:
                m = self.cs.queue.get_nowait()
            except queue.Empty:
                break
            got = True
            if not m.is_request or m.method != "INVITE":
                continue            # ACKs, REGISTERs seen by the auto-answer
            lines = {su: (t, k) for t, su, k in CRYPTO.findall(m.body)}
            mp = MPORT.search(m.body)
            if SUITE_B not in lines or not mp:
                raise SystemExit("edge-sip: the carrier was offered no %s" % SUITE_B)
            if int(mp.group(1)) == self.gen.src:
                raise SystemExit("edge-sip: SDP passed the edge unchanged: "
                                 "no media anchoring in this build")
            tag, kb = lines[SUITE_B]
            self.keys_b[m.call_id] = unb64(kb)
            ans = SDP.format(sess=1, port=self.gen.sink, tag=tag, suite=SUITE_B,
                             key=b64(key30()))
            self.cs.send(sipua.response(m, 200, "OK", to_tag="gw", body=ans, extra=[
                ("Contact", "<sip:gw@127.0.0.1:%d;transport=tls>" % self.carrier.port)]))
        while True:
            try:
                m = self.phone.queue.get_nowait()
            except queue.Empty:
                break
            got = True
            if m.is_request:
                if m.method != "ACK":
                    self.phone.send(sipua.response(m, 200, "OK"))
                continue
            if m.method != "INVITE" or m.status < 200:
                continue
            if m.status != 200:
                raise SystemExit("edge-sip: call %s: %s" % (m.call_id, m.start))
            ka = self.pending.pop(m.call_id)
            kb = self.keys_b.pop(m.call_id)
            mp = MPORT.search(m.body)
            got_c = CRYPTO.findall(m.body)
            if not mp or len(got_c) != 1 or got_c[0][1] != SUITE_A:
                raise SystemExit("edge-sip: the phone's answer has no port or crypto")
            if unb64(got_c[0][2]) == ka or kb == ka:
                raise SystemExit("edge-sip: the edge reused a key")
            route = [sipua.uri_of(v) for v in m.get_all("Record-Route")][::-1]
            ack = sipua.in_dialog("ACK", m, route, sipua.uri_of(m.get("Contact")),
                                  (self.phone.aor, m.tag("From")),
                                  (sipua.uri_of(m.get("To")), m.tag("To")),
                                  m.call_id, 1, via_port=self.phone.claimed_port)
            self.phone.send(ack)
            self.gen.call(int(mp.group(1)), SUITE_A, ka, SUITE_B, kb)
            self.done += 1
        if not got:
            time.sleep(0.002)

    @staticmethod
    def cleanup():
        """The throwaway certificates tests/integration/edge.py made."""
        mod = sys.modules.get("edge")
        if mod is not None and getattr(mod, "_certs", None):
            shutil.rmtree(mod._certs, ignore_errors=True)

    def stop(self):
        try:
            self.phone.close()
        except Exception:
            pass
        self.edge.close()
        self.carrier.stop()


EDGE_CARRIER = """[carrier test]
domain = carrier.test
server = 127.0.0.1:{port}
tls_verify_name = carrier.test
ca_file = {certs}/ca.crt
srtp = mandatory
srtp_profile = RTP/SAVP
srtp_suites = %s, %s
""" % (SUITE_A, SUITE_B)


# --- stepping -----------------------------------------------------------------

def gen_behind(st):
    """The generator fell more than 20 ms of packets behind its schedule:
    the load was not what was asked, and the step is its ceiling."""
    return st["gen_lag_max"] > st["calls"] * 50 * 0.020


def lossy(st):
    return st["loss"] > LOSS_MAX or gen_behind(st)


def step_line(tag, name, st):
    return ("%s side=%s calls=%d pps=%.0f loss=%.4f%% late=%d p50_us=%d p99_us=%d "
            "p999_us=%d relay_cpu=%.0f%% cpu0_busy=%.0f%% gen_cpu=%.0f%% gen_lag_max=%d "
            "sampled=%d sample_fail=%d rss_kb=%d setup_s=%.1f" % (
                tag, name, st["calls"], st["pps"], st["loss"], st["late"],
                st["p50_us"], st["p99_us"], st["p999_us"], st["relay_cpu"],
                st["cpu0_busy"], st["gen_cpu"], st["gen_lag_max"], st["sampled"],
                st["sample_fail"], st["rss_kb"], st["setup_s"]))


class Run:
    """One side under test with its own generator; calls only grow."""

    def __init__(self, side, build):
        self.side = side
        self.gen = Gen(build)
        side.start(self.gen)
        time.sleep(0.5)
        self.rss0 = rss_kb(side.pid) if side.pid else 0
        self.setup_total = 0.0

    def at(self, n, secs, out, tag="step"):
        t = time.monotonic()
        self.side.add(n - self.gen.calls)
        self.gen.sync()
        setup = time.monotonic() - t
        self.setup_total += setup
        # Latency steps pace packet by packet: a burst of 16 would queue
        # behind itself in the relay and add its own wait to the figure.
        st = self.gen.step(secs, self.side.pid, 1 if tag == "latency" else 16)
        st["setup_s"] = setup
        st["rss_kb"] = rss_kb(self.side.pid) if self.side.pid else 0
        st["rss0_kb"] = self.rss0
        print(step_line(tag, self.side.name, st), file=out, flush=True)
        if st["sample_fail"] > 0 or st["sampled"] == 0:
            raise SystemExit("%s: %d of %d sampled packets did not unprotect "
                             "with the far leg's key: run invalid" % (
                                 self.side.name, st["sample_fail"], st["sampled"]))
        return st

    def close(self):
        self.side.stop()
        self.gen.close()


def run_sides(factories, names, build, secs, start, nmax, out):
    """Step N up on every side at once, interleaved (side 1 at N, side 2 at
    N, ..., then N x 1.3), so that whatever else loads this machine hits
    every side alike; a side drops out at its first lossy step."""
    res = {}
    runs = {}
    for name in names:
        runs[name] = Run(factories[name](), build)
        log("== %s: %s" % (name, runs[name].side.label))
        res[name] = {"label": runs[name].side.label, "good": None, "bad": None}
    n = start
    active = list(names)
    while active and n <= nmax:
        for name in list(active):
            st = runs[name].at(n, secs, out)
            if lossy(st):
                # Once more at the same load: on a shared machine one
                # lossy step can be someone else's burst.
                st = runs[name].at(n, secs, out, tag="again")
            if lossy(st):
                res[name]["bad"] = st
                active.remove(name)
                runs[name].close()
            else:
                res[name]["good"] = st
        n = int(n * FACTOR) + 1
    for name in active:
        runs[name].close()
    return res


def refine(factory, build, secs, res, out):
    """Halve the gap between the best lossless and the first lossy step
    twice, each on a fresh side (calls only grow within a run)."""
    for _ in range(2):
        good, bad = res["good"], res["bad"]
        if not good or not bad or bad["calls"] - good["calls"] <= 50:
            return
        st = one_step(factory(), build, secs, int(good["calls"] + bad["calls"]) // 2, out)
        res["bad" if lossy(st) else "good"] = st


def one_step(side, build, secs, n, out, tag="step"):
    r = Run(side, build)
    try:
        return r.at(n, secs, out, tag)
    finally:
        r.close()


# --- the limits -----------------------------------------------------------------

def io_limit(build, secs):
    """bench/relay_io -m io_uring: plain UDP over the same relay design."""
    log("== I/O limit: bench/relay_io -m io_uring")
    p = subprocess.run(["taskset", "-c", "0,1", os.path.join(build, "bench", "relay_io"),
                        "-m", "io_uring", "-s", "1000", "-S", str(FD_CALLS), "-d", str(secs)],
                       capture_output=True, text=True, preexec_fn=more_files)
    best, lossy_cpu, steps = None, None, {}
    for line in p.stdout.splitlines():
        log("  " + line)
        if line.startswith("step "):
            f = fields(line)
            steps[int(f["sessions"])] = f
            if f["loss"] > LOSS_MAX and lossy_cpu is None:
                lossy_cpu = f["relay_cpu"]
        if line.startswith("max "):
            f = fields(line)
            best = steps.get(int(f["sessions"]))
            floor = "no loss up to" in line
    if best is None:
        return None
    return {"pps": best["pps"], "sessions": best["sessions"],
            "relay_cpu": best["relay_cpu"], "floor": floor,
            "lossy_cpu": lossy_cpu}


def crypto_limit(build, secs, sessions):
    """bench/srtp_crypto -o: unprotect+protect per second in memory."""
    log("== crypto limit: bench/srtp_crypto -o -t %g %d" % (secs, sessions))
    p = subprocess.run(["taskset", "-c", "0", os.path.join(build, "bench", "srtp_crypto"),
                        "-o", "-t", str(secs), str(sessions)],
                       capture_output=True, text=True)
    rate = None
    for line in p.stdout.splitlines():
        log("  " + line)
        f = line.split()
        if len(f) >= 4 and f[0] == SUITE_A and f[1] == str(sessions):
            rate = float(f[3])
    return (sessions, rate) if rate else None


# --- main -------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--secs", type=float, default=2)
    ap.add_argument("--sides", default="direct,rtpengine,edge-sip,edge-api,io-limit")
    ap.add_argument("--start", type=int, default=300)
    ap.add_argument("--max", type=int, default=min(MAX_CALLS, FD_CALLS),
                    help="most calls (a relay holds four sockets a call)")
    ap.add_argument("--no-limits", action="store_true")
    ap.add_argument("--io", default=None, help="relay I/O method of edge-api")
    ap.add_argument("--lat-reps", type=int, default=3,
                    help="latency steps per side; the median p99 counts")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    out = sys.stdout
    t_start = time.monotonic()

    factories = {
        "direct": Direct,
        "rtpengine": Rtpengine,
        "edge-api": lambda: EdgeApi(build, a.io),
        "edge-sip": lambda: EdgeSip(build),
        "io-limit": lambda: EdgePlain(build, a.io),
    }
    sides = a.sides.split(",")
    # The I/O limit before the sides and again after them: this machine's
    # speed drifts over a run, and the limit is the better of the two.
    io_runs = [] if a.no_limits else [io_limit(build, a.secs)]
    results = run_sides(factories, sides, build, a.secs, a.start, a.max, out)
    for name in sides:
        refine(factories[name], build, a.secs, results[name], out)
    # Latency at half each side's best rate, each step on a fresh side,
    # the sides interleaved; one step's p99 swings by a factor of two on
    # this kind of machine (a few stalls more or less), so the median of
    # --lat-reps steps counts.
    reps = {}
    for _ in range(max(1, a.lat_reps)):
        for name in sides:
            g = results[name]["good"]
            if g:
                reps.setdefault(name, []).append(one_step(
                    factories[name](), build, a.secs, max(1, int(g["calls"]) // 2),
                    out, tag="latency"))
    lat = {name: median_p99(r) for name, r in reps.items()}
    edge = next((n for n in ("edge-sip", "edge-api") if n in results), None)
    limits = {}
    if not a.no_limits:
        io_runs.append(io_limit(build, a.secs))
        found = [x for x in io_runs if x]
        limits["io"] = max(found, key=lambda x: x["pps"]) if found else None
        limits["io_runs"] = io_runs
        n = results[edge]["good"]["calls"] if edge and results[edge]["good"] else 2000
        limits["crypto"] = crypto_limit(build, a.secs, int(n))
    summary(results, lat, limits, edge, out)
    print("runtime %.0f s" % (time.monotonic() - t_start), file=out)


def median_p99(steps):
    """The step of median p99, with every step's p99 beside it."""
    by = sorted(steps, key=lambda st: st["p99_us"])
    st = dict(by[(len(by) - 1) // 2])
    st["p99_all"] = [x["p99_us"] for x in steps]
    return st


def per_core(st):
    """Packets/s per fully busy relay core at a step (rate over its CPU)."""
    return st["pps"] / (st["relay_cpu"] / 100) if st["relay_cpu"] > 0 else 0


def summary(results, lat, limits, edge, out):
    p = lambda *a: print(*a, file=out)
    direct = results.get("direct", {}).get("good")
    p()
    p("lossless calls on one relay thread: SRTP in %s, out %s with the relay's own" % (SUITE_A, SUITE_B))
    p("key, one 50 pps G.711 stream a call (172 + 10 or 4 bytes), lost or later than 20 ms")
    p("counts as lost; relay process CPU and CPU 0 busy (softirq included) at that")
    p("rate, packets/s per relay core (rate / relay CPU); memory = RSS growth / calls:")
    for name, r in results.items():
        g, b = r["good"], r["bad"]
        if not g:
            p("  %-10s no lossless step (%s)" % (name, r["label"]))
            continue
        note = []
        if b is None:
            note.append("no loss up to --max: a floor")
        if name == "direct":
            p("  %-10s %5d calls %7.0f pps  (the generator alone, no relay)%s" % (
                name, g["calls"], g["pps"], "; ".join([""] + note)))
        else:
            if direct and g["pps"] >= 0.9 * direct["pps"]:
                note.append("within 10 %% of the generator's own ceiling (%.0f)" % direct["pps"])
            if b is not None and (gen_behind(b) or b["gen_cpu"] >= 95):
                note.append("generator's ceiling: it was %.0f%% busy and up to %d packets "
                            "behind schedule at %d calls" % (b["gen_cpu"], b["gen_lag_max"],
                                                            b["calls"]))
            elif b is not None and b["relay_cpu"] < 80 and b["cpu0_busy"] < 90:
                note.append("the relay was only %.0f%% busy where loss began" % b["relay_cpu"])
            mem = (g["rss_kb"] - g["rss0_kb"]) / g["calls"]
            p("  %-10s %5d calls %7.0f pps  relay cpu %3.0f%%  cpu0 %3.0f%%  %7.0f pps/core  "
              "%5.1f KiB/call" % (name, g["calls"], g["pps"], g["relay_cpu"], g["cpu0_busy"],
                                  per_core(g), mem))
            p("  %-10s %s%s" % ("", r["label"], "".join("\n  %-10s (%s)" % ("", x) for x in note)))
        if b is not None:
            p("  %-10s first failed step at %d calls: %.3f%% lost or late, relay cpu %.0f%%, "
              "cpu0 %.0f%%, generator %.0f%%%s" % (
                  "", b["calls"], b["loss"], b["relay_cpu"], b["cpu0_busy"], b["gen_cpu"],
                  ", generator %d packets behind" % b["gen_lag_max"] if gen_behind(b) else ""))
    p("latency at half each side's best rate (generator send to receive; direct: no relay),")
    p("the step of median p99 of those run, every step's p99 in brackets:")
    for name, st in lat.items():
        p("  %-10s %5d calls %7.0f pps  p50 %5d us  p99 %6d us  p99.9 %6d us  loss %.4f%%  "
          "[%s]" % (name, st["calls"], st["pps"], st["p50_us"], st["p99_us"], st["p999_us"],
                    st["loss"], " ".join("%d" % x for x in st["p99_all"])))
    io, cr = limits.get("io"), limits.get("crypto")
    if io:
        p("I/O limit (bench/relay_io -m io_uring, plain RTP, same relay thread design): "
          "%.0f pps, relay cpu %.0f%%%s" % (
              io["pps"], io["relay_cpu"], " (no loss up to its session limit: a floor)"
              if io["floor"] else ""))
        runs = limits.get("io_runs") or []
        if len(runs) > 1:
            p("  the better of two measurements, before the sides and after them: %s" %
              ", ".join("%.0f pps at %.0f%%" % (x["pps"], x["relay_cpu"]) if x else "none"
                        for x in runs))
    if cr:
        p("crypto limit (bench/srtp_crypto -o, %s both legs, OpenSSL types, %d sessions): "
          "%.0f unprotect+protect/s" % (SUITE_A, cr[0], cr[1]))
    if not edge or not results[edge]["good"]:
        return
    e = results[edge]["good"]
    rt = results.get("rtpengine", {}).get("good")
    p("ratios (%s):" % edge)
    if rt:
        p("  lossless pps, %s / rtpengine = %.0f / %.0f = %.2f  (goal >= 2)" % (
            edge, e["pps"], rt["pps"], e["pps"] / rt["pps"]))
        if per_core(rt) > 0:
            p("  pps per relay core, %s / rtpengine = %.0f / %.0f = %.2f" % (
                edge, per_core(e), per_core(rt), per_core(e) / per_core(rt)))
    side_io = results.get("io-limit", {}).get("good")
    if side_io:
        # The I/O limit stepped with the sides: the same load, generator,
        # loss rule and moment, so the machine's drift meets both alike.
        lim = [side_io["pps"]] + ([cr[1]] if cr else [])
        p("  %s lossless pps / min(I/O limit stepped with the sides, crypto limit) = "
          "%.0f / %.0f = %.2f  (goal >= 0.7)%s" % (
              edge, e["pps"], min(lim), e["pps"] / min(lim),
              "; the I/O side had no loss up to --max: a floor"
              if results["io-limit"]["bad"] is None else ""))
        if per_core(side_io) > 0 and per_core(e) > 0:
            p("  pps per relay core, %s / the I/O side's = %.0f / %.0f = %.2f" % (
                edge, per_core(e), per_core(side_io), per_core(e) / per_core(side_io)))
    lim = [x for x in ((io or {}).get("pps"), cr[1] if cr else None) if x]
    if lim:
        p("  %s lossless pps / min(relay_io's I/O limit, crypto limit) = %.0f / %.0f = %.2f%s" % (
            edge, e["pps"], min(lim), e["pps"] / min(lim),
            "" if side_io else "  (goal >= 0.7)"))
    if io and io["relay_cpu"] > 0 and per_core(e) > 0:
        p("  pps per relay core, %s / I/O limit's = %.0f / %.0f = %.2f" % (
            edge, per_core(e), io["pps"] / (io["relay_cpu"] / 100),
            per_core(e) / (io["pps"] / (io["relay_cpu"] / 100))))
    if edge in lat:
        d = lat.get("direct")
        p("  %s p99 at half its best rate (median of %d steps): %d us%s  (goal < 200 us)" % (
            edge, len(lat[edge]["p99_all"]), lat[edge]["p99_us"],
            ", %d us more than the generator alone" % (lat[edge]["p99_us"] - d["p99_us"])
            if d else ""))
    mems = ["%s %.1f KiB" % (n, (r["good"]["rss_kb"] - r["good"]["rss0_kb"]) / r["good"]["calls"])
            for n, r in results.items() if n != "direct" and r["good"]]
    if mems:
        p("  memory per active call (RSS growth / calls at the best step): " + ", ".join(mems))


if __name__ == "__main__":
    atexit.register(EdgeSip.cleanup)
    atexit.register(end_children)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    signal.signal(signal.SIGHUP, lambda *a: sys.exit(129))
    main()
