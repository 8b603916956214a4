"""Run the real sipedged for integration tests and observe it from outside.

An Edge writes a configuration into a private directory, starts the daemon
with a NOTIFY_SOCKET of its own (so the systemd protocol can be checked),
and drives it with the real sipedgectl.
"""
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("SIPEDGE_BUILD", os.path.join(TOP, "build"))
_certs = None


def certs():
    """Throwaway CA, edge and carrier certificates, made once per run."""
    global _certs
    if _certs is None:
        _certs = tempfile.mkdtemp(prefix="sipedge-certs-")
        subprocess.run([os.path.join(TOP, "scripts", "gen-certs.sh"), _certs],
                       check=True)
        os.chmod(_certs, 0o755)
    return _certs


MAIN_CONF = """\
[edge]
control_socket = {dir}/control.sock
control_socket_mode = 0666
log_level = {log_level}
{edge_extra}
[phones]
listen = {listen}
certificate = {certs}/edge.crt
private_key = {certs}/edge.key
{phones_extra}
{carriers_section}

[media]
phone_address = 127.0.0.1
carrier_address = 127.0.0.1
port_min = {port_min}
port_max = {port_max}
"""

CARRIER_CONF = """\
[carrier {name}]
domain = {domain}
server = 127.0.0.1:{port}
ca_file = {certs}/ca.crt
"""


class Notifications:
    """Collects sd_notify datagrams sent to a socket we own."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        os.chmod(path, 0o777)       # as systemd's: a daemon that drops privileges still reaches it
        self.sock.settimeout(0.2)
        self.messages = []          # (monotonic time, {key: value})
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while self.running:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            fields = {}
            for line in data.decode(errors="replace").splitlines():
                key, _, value = line.partition("=")
                fields[key] = value
            with self.lock:
                self.messages.append((time.monotonic(), fields))

    def having(self, key, value=None):
        """Every message that sets key (to value, if given)."""
        with self.lock:
            return [(t, m) for t, m in self.messages
                    if key in m and (value is None or m[key] == value)]

    def close(self):
        self.running = False
        self.thread.join(1)         # out of recv() before the fd goes
        self.sock.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


def wait_for(predicate, timeout=10.0, interval=0.05):
    """Poll until predicate() is true; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


CONTENT_LENGTH = re.compile(rb"(?im)^(?:content-length|l)\s*:\s*(\d+)")


def take_message(buf):
    """Split one whole SIP message (headers and Content-Length body) off the
    front of a stream buffer: (message bytes, rest), or (None, buf) when it
    is not all there yet. Keep-alive CRLFs are the caller's business."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None, buf
    m = CONTENT_LENGTH.search(buf[:end])
    total = end + 4 + (int(m.group(1)) if m else 0)
    if len(buf) < total:
        return None, buf
    return buf[:total], buf[total:]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Edge:
    """One sipedged process with its own directory, config and notify socket."""

    def __init__(self, log_level="info", carriers=None, env=None, journal=False,
                 edge_extra="", phones_extra="", listen6=False, carriers_extra="",
                 srtp="optional", media_ports=None):
        """carriers_extra: the body of a [carriers] section (none if empty).
        srtp: the SRTP policy written for the phones and into every carrier
        file that does not set its own (most tests are not about media and
        use plain RTP peers); None leaves the daemon's defaults (mandatory)."""
        self.dir = tempfile.mkdtemp(prefix="sipedge-it-")
        os.chmod(self.dir, 0o755)   # unprivileged sipedgectl must reach the socket
        self.conf = os.path.join(self.dir, "sipedge.conf")
        self.socket = os.path.join(self.dir, "control.sock")
        self.log_path = os.path.join(self.dir, "sipedged.log")
        self.port = free_port()
        self.listen = "tls:127.0.0.1:%d" % self.port
        if listen6:
            self.listen += ", tls:[::1]:%d" % self.port
        self.edge_extra = edge_extra
        # Relay ports of this edge's own: a block of 400 in 21000-30999 at
        # random, so two edges (a test and a benchmark) rarely share one.
        base = 21000 + 400 * random.randrange(25)
        self.media_ports = media_ports or (base, base + 399)
        self.srtp = srtp
        if srtp and not re.search(r"^srtp\s*=", phones_extra, re.M):
            phones_extra = "srtp = %s\n%s" % (srtp, phones_extra)
        self.phones_extra = phones_extra
        self.carriers_extra = carriers_extra
        self.log_level = log_level
        self.extra_env = env or {}
        self.journal = journal      # pretend stderr is systemd's journal stream
        os.mkdir(os.path.join(self.dir, "carriers.d"))
        self.write_main()
        for name, domain in ({"test": "carrier.test"} if carriers is None
                             else carriers).items():
            self.write_carrier(name, domain)
        self.proc = None
        self.notify = None

    def write_main(self, text=None):
        if text is None:
            text = MAIN_CONF.format(dir=self.dir, certs=certs(), listen=self.listen,
                                    log_level=self.log_level,
                                    port_min=self.media_ports[0],
                                    port_max=self.media_ports[1],
                                    edge_extra=self.edge_extra,
                                    phones_extra=self.phones_extra,
                                    carriers_section="[carriers]\n" + self.carriers_extra
                                    if self.carriers_extra else "")
        with open(self.conf, "w") as f:
            f.write(text)

    def edit_main(self, section, lines):
        """Add lines at the top of an existing section of the main file."""
        text = open(self.conf).read()
        assert section + "\n" in text, section
        self.write_main(text.replace(section + "\n", section + "\n" + lines + "\n", 1))

    def write_carrier(self, name, domain, text=None):
        if text is None:
            text = CARRIER_CONF.format(name=name, domain=domain,
                                       port=free_port(), certs=certs())
        if self.srtp and not re.search(r"^srtp\s*=", text, re.M):
            # Right after the [carrier ...] header: the carrier's own key.
            text = re.sub(r"^(\[carrier [^\]]*\]\n)", r"\1srtp = %s\n" % self.srtp,
                          text, count=1, flags=re.M)
        with open(os.path.join(self.dir, "carriers.d", name + ".conf"), "w") as f:
            f.write(text)

    def start(self, wait_ready=True, watchdog_usec=None, nofile=None):
        env = dict(os.environ)
        env.pop("JOURNAL_STREAM", None)
        env.pop("WATCHDOG_PID", None)
        env.pop("WATCHDOG_USEC", None)
        if self.notify:             # started before: a restart
            self.notify.close()
        self.notify = Notifications(os.path.join(self.dir, "notify.sock"))
        env["NOTIFY_SOCKET"] = self.notify.path
        if watchdog_usec:
            env["WATCHDOG_USEC"] = str(watchdog_usec)
        env.update(self.extra_env)
        if getattr(self, "log_file", None):
            self.log_file.close()
        self.log_file = open(self.log_path, "ab")
        if self.journal:
            st = os.fstat(self.log_file.fileno())
            env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
        limit = None
        if nofile is not None:
            def limit():
                import resource
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        self.proc = subprocess.Popen(
            [os.path.join(BUILD, "sipedged"), "-c", self.conf],
            stdin=subprocess.DEVNULL, stdout=self.log_file, stderr=self.log_file,
            env=env, preexec_fn=limit)
        if wait_ready:
            ok = wait_for(lambda: self.notify.having("READY", "1") or
                          self.proc.poll() is not None)
            if self.proc.poll() is not None or not ok:
                raise RuntimeError("sipedged did not become ready:\n" + self.log())
        return self

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_log(self, text, timeout=10.0):
        return wait_for(lambda: text in self.log(), timeout)

    def ctl(self, *args, as_json=True, user=None, socket_path=None):
        """Run sipedgectl; returns (exit code, stdout, stderr)."""
        cmd = [os.path.join(BUILD, "sipedgectl"), "-s", socket_path or self.socket]
        if as_json:
            cmd.append("--json")
        cmd += list(args)
        if user is not None:
            cmd = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user,
                   "--clear-groups"] + cmd
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        return p.returncode, p.stdout, p.stderr

    def json(self, *args):
        rc, out, err = self.ctl(*args)
        if rc != 0:
            raise RuntimeError("%s failed (%d): %s" % (args, rc, err))
        return json.loads(out)

    def status(self):
        rc, out, err = self.ctl("status")
        if rc != 0:
            raise RuntimeError("status failed (%d): %s" % (rc, err))
        return json.loads(out)

    def rss_kib(self):
        """The daemon's resident set size (VmRSS) in KiB, from /proc."""
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise RuntimeError("no VmRSS for pid %d" % self.proc.pid)

    def kill(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def close(self):
        self.stop()
        if self.notify:
            self.notify.close()
        if getattr(self, "log_file", None):
            self.log_file.close()
        if os.environ.get("SIPEDGE_KEEP_TMP") is None:
            shutil.rmtree(self.dir, ignore_errors=True)
