#!/usr/bin/env python3
"""Memory per idle phone TLS connection: sipedged against Kamailio (TLS).

Each connection does a TLS handshake and one OPTIONS exchange, then idles,
as a registered phone does. We report the growth of resident memory per
connection: RSS for sipedged (one process), PSS summed over every process
for Kamailio (which forks; PSS counts its shared memory once).

usage: bench/conn_memory.py [--build DIR] [--count N] [--anchor-count N] [--no-anchor]
"""
import argparse
import os
import resource
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "integration"))

KAMAILIO_CFG = """#!KAMAILIO
debug=-1
log_stderror=yes
children=1
tcp_children=2
auto_aliases=no
listen=tls:127.0.0.1:{port}
enable_tls=yes
tcp_max_connections={max}
tls_max_connections={max}
tcp_connection_lifetime=3600
tcp_accept_no_cl=yes
loadmodule "tls.so"
loadmodule "sl.so"
modparam("tls", "config", "{dir}/tls.cfg")
request_route {{
	sl_send_reply("200", "OK");
}}
"""

KAMAILIO_TLS = """[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
private_key = {certs}/edge.key
certificate = {certs}/edge.crt
"""


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pss_kib(pids):
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/smaps_rollup" % pid) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def family(pid):
    """pid and its direct children."""
    kids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        kids.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    return [pid] + kids


def open_phones(port, n, certs_dir):
    from peers import options
    ctx = ssl.create_default_context(cafile=os.path.join(certs_dir, "ca.crt"))
    ctx.check_hostname = False
    socks = []
    t0 = time.monotonic()
    for i in range(n):
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        s = ctx.wrap_socket(raw)
        s.sendall(options(call_id="bench-%d" % i))
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                raise RuntimeError("connection %d closed by the server" % i)
            buf += chunk
        socks.append(s)
    return socks, time.monotonic() - t0


def measure(name, port, n, certs_dir, mem):
    """Open n connections; return KiB per connection."""
    warm, _ = open_phones(port, 50, certs_dir)     # code paths, TLS caches
    time.sleep(0.5)
    before = mem()
    socks, secs = open_phones(port, n, certs_dir)
    time.sleep(1.0)
    after = mem()
    per = (after - before) / n
    print("%-9s %6d connections in %5.1f s: %8d KiB -> %8d KiB, %6.1f KiB each"
          % (name, n, secs, before, after, per), flush=True)
    for s in socks + warm:
        s.close()
    return per


def bench_sipedge(n):
    from edge import Edge, certs
    e = Edge(carriers={}, log_level="warning",
             phones_extra="max_connections = 100000\nmax_connections_per_ip = 100000\n")
    e.start()
    try:
        return measure("sipedged", e.port, n, certs(), lambda: rss_kib(e.proc.pid))
    finally:
        e.close()


def bench_kamailio(n):
    from edge import certs, free_port
    exe = shutil.which("kamailio") or "/usr/sbin/kamailio"
    if not os.path.exists(exe):
        print("kamailio    not installed (apt-get install kamailio kamailio-tls-modules)")
        return None
    d = tempfile.mkdtemp(prefix="sipedge-bench-kam-")
    port = free_port()
    open(os.path.join(d, "k.cfg"), "w").write(
        KAMAILIO_CFG.format(port=port, dir=d, max=n + 1000))
    open(os.path.join(d, "tls.cfg"), "w").write(KAMAILIO_TLS.format(certs=certs()))
    log = open(os.path.join(d, "k.log"), "w")
    p = subprocess.Popen([exe, "-f", os.path.join(d, "k.cfg"), "-DD", "-E", "-m", "512",
                          "-M", "32", "-Y", d], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        return measure("kamailio", port, n, certs(), lambda: pss_kib(family(p.pid)))
    finally:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(here, "..", "build"))
    ap.add_argument("--count", type=int, default=5000)
    ap.add_argument("--anchor-count", type=int, default=1000,
                    help="Kamailio aborts under a few thousand handshakes (peers.md)")
    ap.add_argument("--no-anchor", action="store_true")
    args = ap.parse_args()
    os.environ["SIPEDGE_BUILD"] = os.path.abspath(args.build)
    hard = raise_nofile()
    if hard < args.count + 200:
        sys.exit("RLIMIT_NOFILE hard limit %d is below %d" % (hard, args.count + 200))
    print("memory per idle phone TLS connection (TLS 1.3, one OPTIONS each)")
    ours = bench_sipedge(args.count)
    print("sipedged: %.1f KiB per connection at %d connections (goal: at most 24 KiB)"
          % (ours, args.count))
    if args.no_anchor:
        return 0
    ours_small = bench_sipedge(args.anchor_count)
    theirs = bench_kamailio(args.anchor_count)
    if theirs:
        print("at %d connections: sipedged %.1f KiB, kamailio %.1f KiB: ratio %.2f "
              "(sipedged / kamailio, lower is better)"
              % (args.anchor_count, ours_small, theirs, ours_small / theirs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
