#!/usr/bin/env python3
"""CPU per proxied call: sipedged with 100 registered phones against 5000.

The claim under test: the proxy's cost per message does not grow with the
number of registrations and calls, because transactions, dialogs, bindings
and connections are found through hash tables, never by walking a list.

For each size N (--sizes, default 100 and 5000) we start one sipedged with
a scripted carrier (tests/integration/sipua.py ScriptedCarrier, set up as
ProxyCase.setUp does), open N TLS phones and register each one through the
edge (the carrier auto-answers the REGISTERs). With all N bindings in place
the carrier then places K (--calls, default 300) complete inbound calls to
phones spread over the N bindings, in a seeded random order and at most
--window of them at once:

    carrier INVITE -> edge 100 -> phone 180, 200 (To-tag, Contact)
    -> carrier ACK, BYE (Record-Route) -> phone 200 for the BYE

and, as a simpler path, K outbound MESSAGEs outside any dialog (phone ->
edge -> carrier 200 -> edge -> phone). The figure is the CPU time sipedged
itself spends over the K exchanges only, divided by K: utime+stime from
/proc/PID/stat (clock ticks of 10 ms, in brackets), and the same in
nanoseconds from /proc/PID/task/*/schedstat, which the per-call figures
and the ratio use when the kernel provides it (300 calls cost the daemon
about 8 ticks, too coarse on their own). Wall time is printed too, but it
is mostly this script: Python builds and parses SIP more slowly than the
daemon does, which is why the daemon's CPU is the figure. Each size runs
--rounds rounds after --warmup unmeasured calls and MESSAGEs; the round
with the median CPU is reported, and every round is listed.

The phones are not sipua.TlsPhone: each of those has its own I/O thread
polling select() every 20 ms, and 5000 of them would keep this 2-core
machine busy waking threads. Here one selector loop in the main thread
services every phone socket (non-blocking TLS 1.3, a Spectralink user
agent so the phones get the quirk profile the tests use) and answers the
INVITE (180, then 200 with a To-tag and Contact) and the BYE (200) itself,
building and parsing with sipua's request/response/Msg. The carrier is
the unmodified ScriptedCarrier; the same loop drains its stream's queue
and sends its ACKs and BYEs. The edge runs at log_level warning, with
max_connections and max_connections_per_ip raised (every phone comes from
127.0.0.1), and inherits this process's RLIMIT_NOFILE raised to the hard
limit, as bench/conn_memory.py does. 5000 phones register in about 8 s.

Reading the output: the last line gives the CPU per call cycle at the
smallest and the largest size and their ratio. 1.0 means the cost per call
does not grow with the number of registrations; 1.5 for 50 times the
bindings would mean something per message scales with N. Single rounds
differ by 10-20 % (the first is often the dearest), so repeat a run before
reading much into a few tenths, and list more sizes (--sizes
100,1000,2500,5000) to tell a trend from a step. "idle us/s" is the
daemon's CPU per second with nothing to do, shown apart because the
registrar walks every binding every 5 s: a cost per second that does grow
with N, not a cost per message. "faults" is minor page faults per call
cycle, from the heap growing while INVITE transactions wait out Timer L
(32 s). On a virtual machine that hands freed memory back to its host
(virtio-balloon free page reporting) such a fault can cost over ten
microseconds of kernel page clearing instead of well under one; if the
ratio is high with the same faults per call at both sizes, compare
`perf record -p PID` profiles of both before blaming the daemon's code.

usage: bench/proxy_scale.py [--build DIR] [--sizes 100,5000] [--calls K]
                            [--window W] [--rounds R] [--warmup N] [--idle S]
"""
import argparse
import os
import queue
import random
import selectors
import socket
import ssl
import sys
import time
import zlib

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "integration"))
sys.path.insert(0, here)
from conn_memory import raise_nofile  # noqa: E402  (one copy for both benches)

CARRIER_CONF = """[carrier test]
domain = carrier.test
server = 127.0.0.1:{port}
tls_verify_name = carrier.test
ca_file = {certs}/ca.crt
"""
USER_AGENT = "Spectralink 8440 6.2.2"
CLAIMED_PORT = 5062
CALLER = "sip:+4930123@carrier.test"
TICK = os.sysconf("SC_CLK_TCK")


def stat_of(pid):
    """(utime + stime in clock ticks, minor page faults) of the whole process."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12]), int(fields[7])


def cpu_ns(pid):
    """CPU time of every thread of pid in ns (schedstat), or None."""
    total = 0
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return None
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None
    return total


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Sample:
    def __init__(self, pid):
        self.pid = pid
        self.ticks, self.faults = stat_of(pid)
        self.ns = cpu_ns(pid)
        self.wall = time.monotonic()

    def since(self, before):
        """(cpu s from stat, cpu s from schedstat or None, wall s, minor faults)"""
        ns = None
        if self.ns is not None and before.ns is not None:
            ns = (self.ns - before.ns) / 1e9
        return ((self.ticks - before.ticks) / TICK, ns, self.wall - before.wall,
                self.faults - before.faults)


class Phone:
    __slots__ = ("i", "sock", "aor", "contact_uri", "rbuf", "wbuf", "writing",
                 "registered", "closed")

    def __init__(self, i, sock):
        self.i = i
        self.sock = sock
        user = "u%05d" % i
        self.aor = "sip:%s@carrier.test" % user
        self.contact_uri = "sip:%s@192.0.2.10:%d;transport=tls" % (user, CLAIMED_PORT)
        self.rbuf = b""
        self.wbuf = b""
        self.writing = False
        self.registered = False
        self.closed = False


class PhoneHub:
    """Many scripted phones on one selector: they register, answer calls
    (180, 200), answer BYE (200), and send MESSAGEs when told to."""

    def __init__(self, edge_port):
        from edge import certs
        self.edge_port = edge_port
        self.ctx = ssl.create_default_context(cafile=os.path.join(certs(), "ca.crt"))
        self.ctx.check_hostname = False
        self.sel = selectors.DefaultSelector()
        self.phones = []
        self.registered = 0
        self.failures = []          # text of anything unexpected
        self.acks = 0
        self.done_messages = set()  # Call-IDs of MESSAGEs answered 200

    def req(self, ph, method, ruri, to, **kw):
        from sipua import request
        extra = list(kw.pop("extra", ())) + [
            ("User-Agent", USER_AGENT),
            ("Route", "<sip:127.0.0.1:%d;transport=tls;lr>" % self.edge_port)]
        return request(method, ruri, ph.aor, to, via_port=CLAIMED_PORT,
                       contact="<%s>" % ph.contact_uri, extra=extra, **kw)

    def open(self, n, batch=50):
        """Open n phones, each sending its REGISTER right after the handshake."""
        for i in range(len(self.phones), len(self.phones) + n):
            raw = socket.create_connection(("127.0.0.1", self.edge_port), timeout=10)
            s = self.ctx.wrap_socket(raw)
            s.setblocking(False)
            ph = Phone(i, s)
            self.phones.append(ph)
            self.sel.register(s, selectors.EVENT_READ, ph)
            reg = self.req(ph, "REGISTER", "sip:carrier.test", ph.aor,
                           call_id="reg-%d@bench" % i, extra=[("Expires", "3600")])
            self.send(ph, reg.encode())
            if i % batch == 0:
                self.poll(0)

    def send(self, ph, data):
        ph.wbuf += data
        self._flush(ph)

    def _flush(self, ph):
        while ph.wbuf:
            try:
                n = ph.sock.send(ph.wbuf)
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError, BlockingIOError):
                if not ph.writing:
                    ph.writing = True
                    self.sel.modify(ph.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, ph)
                return
            except (OSError, ssl.SSLError) as e:
                self._lost(ph, "send: %s" % e)
                return
            ph.wbuf = ph.wbuf[n:]
        if ph.writing:
            ph.writing = False
            self.sel.modify(ph.sock, selectors.EVENT_READ, ph)

    def _lost(self, ph, why):
        if not ph.closed:
            ph.closed = True
            self.failures.append("phone %d: %s" % (ph.i, why))
            self.sel.unregister(ph.sock)

    def poll(self, timeout):
        for key, events in self.sel.select(timeout):
            ph = key.data
            if ph.closed:
                continue
            if events & selectors.EVENT_WRITE:
                self._flush(ph)
            if events & selectors.EVENT_READ:
                self._read(ph)

    def _read(self, ph):
        while True:
            try:
                chunk = ph.sock.recv(65536)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
                break
            except (OSError, ssl.SSLError) as e:
                self._lost(ph, "recv: %s" % e)
                return
            if not chunk:
                self._lost(ph, "closed by the edge")
                return
            ph.rbuf += chunk
        self._frame(ph)

    def _frame(self, ph):
        from edge import take_message
        from sipua import Msg
        while True:
            if ph.rbuf.startswith(b"\r\n\r\n"):
                ph.rbuf = ph.rbuf[4:]
                self.send(ph, b"\r\n")
                continue
            if ph.rbuf.startswith(b"\r\n"):
                ph.rbuf = ph.rbuf[2:]
                continue
            raw, ph.rbuf = take_message(ph.rbuf)
            if raw is None:
                return
            self._handle(ph, Msg.parse(raw))

    def _handle(self, ph, m):
        from sipua import response
        if m.is_request:
            if m.method == "INVITE":
                tag = "p%08x" % zlib.crc32(m.call_id.encode())
                if m.ruri != ph.contact_uri:
                    self.failures.append("phone %d got INVITE for %s" % (ph.i, m.ruri))
                self.send(ph, response(m, 180, "Ringing", to_tag=tag).encode() +
                          response(m, 200, "OK", to_tag=tag,
                                   extra=[("Contact", "<%s>" % ph.contact_uri)]).encode())
            elif m.method == "ACK":
                self.acks += 1
            else:                   # BYE, and anything else the edge sends
                self.send(ph, response(m, 200, "OK").encode())
        elif m.method == "REGISTER":
            if m.status == 200 and not ph.registered:
                ph.registered = True
                self.registered += 1
            elif m.status >= 300:
                self.failures.append("phone %d REGISTER: %s" % (ph.i, m.start))
        elif m.method == "MESSAGE" and m.status >= 200:
            if m.status == 200:
                self.done_messages.add(m.call_id)
            else:
                self.failures.append("phone %d MESSAGE: %s" % (ph.i, m.start))

    def close(self):
        for ph in self.phones:
            try:
                ph.sock.close()
            except OSError:
                pass
        self.sel.close()


class Bench:
    """One edge, its carrier and N registered phones."""

    def __init__(self, n, args):
        from edge import Edge, certs, wait_for
        from sipua import ScriptedCarrier
        self.n = n
        self.args = args
        self.carrier = ScriptedCarrier().start()
        self.edge = Edge(carriers={}, log_level="warning",
                         phones_extra="max_connections = 100000\n"
                                      "max_connections_per_ip = 100000\n")
        self.edge.write_carrier("test", None, CARRIER_CONF.format(
            port=self.carrier.port, certs=certs()))
        self.hub = None
        self.edge.start()
        if not wait_for(lambda: self.carrier.streams, 10):
            raise RuntimeError("the edge did not connect to the carrier")
        wait_for(lambda: self.edge.json("carriers")["items"][0]["state"] == "connected", 10)
        self.pid = self.edge.proc.pid
        self.calls = {}             # Call-ID -> [phone, INVITE as sent]
        self.finished = 0
        self.serial = 0

    def close(self):
        self.edge.close()
        if self.hub:
            self.hub.close()
        self.carrier.stop()

    # --- the carrier's side, driven from the main thread -----------------

    def drain_carrier(self):
        q = self.carrier.stream.queue
        while True:
            try:
                m = q.get_nowait()
            except queue.Empty:
                return
            self.carrier_got(m)

    def carrier_got(self, m):
        from sipua import in_dialog, response, uri_of
        if m.is_request:
            if m.method == "MESSAGE":
                self.carrier.stream.send(response(m, 200, "OK", to_tag="c"))
            elif m.method != "REGISTER":    # REGISTERs: answered by the carrier itself
                self.hub.failures.append("carrier got %s" % m.start)
            return
        call = self.calls.get(m.call_id)
        if call is None:
            return
        ph = call[0]
        if m.method == "INVITE":
            if m.status < 200:
                return
            if m.status >= 300:
                self.hub.failures.append("call %s: %s" % (m.call_id, m.start))
                del self.calls[m.call_id]
                return
            rr = [uri_of(v) for v in m.get_all("Record-Route")]
            cr = list(reversed(rr))[1:]     # the UAC's route set, past its own entry
            target = uri_of(m.get("Contact"))
            frm = (CALLER, m.tag("From"))
            to = (ph.aor, m.tag("To"))
            local = dict(via_host="127.0.0.1", via_port=self.carrier.port)
            ack = in_dialog("ACK", m, cr, target, frm, to, m.call_id, 1, **local)
            bye = in_dialog("BYE", m, cr, target, frm, to, m.call_id, 2, **local)
            self.carrier.stream.send_raw(ack.encode() + bye.encode())
        elif m.method == "BYE" and m.status >= 200:
            if m.status != 200:
                self.hub.failures.append("call %s BYE: %s" % (m.call_id, m.start))
            del self.calls[m.call_id]
            self.finished += 1

    def invite(self, ph):
        self.serial += 1
        call_id = "bench-%d-%d@carrier" % (self.n, self.serial)
        contact = self.carrier.bindings[ph.aor]
        inv = self.carrier.req(
            "INVITE", contact, CALLER, ph.aor, call_id=call_id,
            contact="<sip:gw@127.0.0.1:%d;transport=tls>" % self.carrier.port,
            extra=[("Record-Route", "<sip:127.0.0.1:%d;transport=tls;lr>"
                    % self.carrier.port)])
        self.calls[call_id] = [ph, inv]
        self.carrier.stream.send(inv)

    # --- phases -----------------------------------------------------------

    def service(self, until, timeout, what):
        deadline = time.monotonic() + timeout
        while not until():
            if self.hub.failures:
                raise RuntimeError("%s: %s" % (what, "; ".join(self.hub.failures[:5])))
            if time.monotonic() > deadline:
                raise RuntimeError("%s: timed out" % what)
            self.hub.poll(0.002)
            self.drain_carrier()

    def register(self):
        self.hub = PhoneHub(self.edge.port)
        t0 = time.monotonic()
        self.hub.open(self.n)
        self.service(lambda: self.hub.registered == self.n, 60 + self.n / 50,
                     "registering %d phones" % self.n)
        secs = time.monotonic() - t0
        self.drain_carrier()
        regs = self.edge.status()["registrations"]
        if regs != self.n or len(self.carrier.bindings) != self.n:
            raise RuntimeError("edge has %d registrations, carrier %d bindings, want %d"
                               % (regs, len(self.carrier.bindings), self.n))
        return secs

    def run_calls(self, k, order):
        """k complete call cycles, at most --window at once."""
        window = self.args.window
        start_finished = self.finished
        issued = 0

        def step():
            nonlocal issued
            while issued < k and len(self.calls) < window:
                self.invite(order[issued % len(order)])
                issued += 1
            return self.finished - start_finished == k

        self.service(step, 60 + k / 10, "%d calls at N=%d" % (k, self.n))

    def run_messages(self, k, order):
        window = self.args.window
        issued = 0
        pending = set()

        def step():
            nonlocal issued
            pending.difference_update(self.hub.done_messages)
            while issued < k and len(pending) < window:
                ph = order[issued % len(order)]
                call_id = "msg-%d-%d@bench" % (self.n, issued)
                m = self.hub.req(ph, "MESSAGE", "sip:bob@carrier.test",
                                 "sip:bob@carrier.test", call_id=call_id)
                m.body = "hello"
                m.set("Content-Type", "text/plain")
                self.hub.send(ph, m.encode())
                pending.add(call_id)
                issued += 1
            return issued == k and not pending

        self.service(step, 60 + k / 10, "%d MESSAGEs at N=%d" % (k, self.n))

    def idle(self, secs):
        before = Sample(self.pid)
        end = time.monotonic() + secs
        while time.monotonic() < end:
            self.hub.poll(0.05)
            self.drain_carrier()
        return Sample(self.pid).since(before)

    def measure(self, fn, k, order):
        before = Sample(self.pid)
        fn(k, order)
        return Sample(self.pid).since(before)


def cpu_of(m):
    """The precise CPU figure of a measurement: schedstat if there, else stat."""
    return m[1] if m[1] is not None else m[0]


def run_size(n, args):
    from edge import wait_for
    b = Bench(n, args)
    try:
        setup = b.register()
        rnd = random.Random(n)
        order = list(range(n))
        rnd.shuffle(order)
        order = [b.hub.phones[i] for i in order]
        b.run_calls(args.warmup, order)
        b.run_messages(args.warmup, order)
        idle = b.idle(args.idle)
        calls = [b.measure(b.run_calls, args.calls, order) for _ in range(args.rounds)]
        msgs = [b.measure(b.run_messages, args.calls, order) for _ in range(args.rounds)]
        if not wait_for(lambda: b.edge.status()["calls"] == 0, 5):
            raise RuntimeError("calls left at the edge: %d" % b.edge.status()["calls"])
        if b.hub.acks < args.warmup + args.rounds * args.calls:
            raise RuntimeError("phones saw %d ACKs" % b.hub.acks)
        return dict(setup=setup, idle=idle, calls=calls, msgs=msgs,
                    rss=rss_kib(b.pid))
    finally:
        b.close()


def median_by_cpu(ms):
    return sorted(ms, key=cpu_of)[len(ms) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(here, "..", "build"))
    ap.add_argument("--sizes", default="100,5000",
                    help="registered phones per run, comma separated")
    ap.add_argument("--calls", type=int, default=300, help="call cycles per round (K)")
    ap.add_argument("--window", type=int, default=20, help="calls in progress at once")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--idle", type=float, default=5.0,
                    help="seconds of idle daemon CPU to show apart")
    args = ap.parse_args()
    os.environ["SIPEDGE_BUILD"] = os.path.abspath(args.build)
    sizes = [int(x) for x in args.sizes.split(",")]
    hard = raise_nofile()
    if hard < max(sizes) + 200:
        sys.exit("RLIMIT_NOFILE hard limit %d is below %d" % (hard, max(sizes) + 200))
    precise = cpu_ns(os.getpid()) is not None
    print("sipedged CPU per proxied exchange: median of %d rounds of %d, %d at once; "
          "us from %s" % (args.rounds, args.calls, args.window,
                          "schedstat, [from stat ticks of %d ms]" % (1000 // TICK)
                          if precise else "stat ticks of %d ms" % (1000 // TICK)))
    print("%6s %7s %8s %9s | %15s %8s %6s | %15s %6s" % (
        "N", "setup s", "RSS MiB", "idle us/s", "call cycle us", "faults", "wall s",
        "MESSAGE us", "wall s"), flush=True)
    k = args.calls
    results = {}
    for n in sizes:
        r = run_size(n, args)
        results[n] = r
        c = median_by_cpu(r["calls"])
        m = median_by_cpu(r["msgs"])
        idle = cpu_of(r["idle"]) / r["idle"][2] * 1e6 if r["idle"][2] > 0 else 0
        print("%6d %7.1f %8.0f %9.0f | %7.0f [%5.0f] %8.1f %6.2f | %7.0f [%5.0f] %6.2f" % (
            n, r["setup"], r["rss"] / 1024, idle,
            cpu_of(c) / k * 1e6, c[0] / k * 1e6, c[3] / k, c[2],
            cpu_of(m) / k * 1e6, m[0] / k * 1e6, m[2]), flush=True)
        print("%6s rounds: calls %s us; MESSAGEs %s us" % (
            "", ", ".join("%.0f" % (cpu_of(x) / k * 1e6) for x in r["calls"]),
            ", ".join("%.0f" % (cpu_of(x) / k * 1e6) for x in r["msgs"])), flush=True)
    lo, hi = min(sizes), max(sizes)
    if lo == hi:
        return 0
    x = cpu_of(median_by_cpu(results[lo]["calls"])) / k * 1e6
    y = cpu_of(median_by_cpu(results[hi]["calls"])) / k * 1e6
    mx = cpu_of(median_by_cpu(results[lo]["msgs"])) / k * 1e6
    my = cpu_of(median_by_cpu(results[hi]["msgs"])) / k * 1e6
    print("cpu per MESSAGE: N=%d %.0f us, N=%d %.0f us: ratio %.2f" % (lo, mx, hi, my, my / mx))
    print("cpu per call: N=%d %.0f us, N=%d %.0f us: ratio Y/X = %.2f (1.0 = no growth)"
          % (lo, x, hi, y, y / x))
    return 0


if __name__ == "__main__":
    sys.exit(main())
