"""The daemon as systemd and an operator see it: readiness, status, reload,
watchdog, stop, privileges and the configuration check."""
import json
import os
import re
import signal
import socket
import subprocess
import time
import unittest

from edge import BUILD, Edge, wait_for

NOBODY = 65534


class DaemonLifecycle(unittest.TestCase):
    def setUp(self):
        self.edge = Edge()

    def tearDown(self):
        self.edge.close()

    def test_ready_is_signalled_on_notify_socket_with_status(self):
        self.edge.start()
        ready = self.edge.notify.having("READY", "1")
        self.assertTrue(ready)
        self.assertIn("carriers", ready[0][1].get("STATUS", ""))

    def test_status_json_has_contract_fields(self):
        self.edge.start()
        st = self.edge.status()
        self.assertEqual(st["pid"], self.edge.proc.pid)
        self.assertEqual(st["config"], self.edge.conf)
        self.assertIsInstance(st["version"], str)
        self.assertIsInstance(st["uptime_s"], int)
        for count in ("connections", "registrations", "calls"):
            self.assertIsInstance(st[count], int)
        self.assertEqual(st["carriers"], 1)

    def test_status_table_is_readable_text(self):
        self.edge.start()
        rc, out, err = self.edge.ctl("status", as_json=False)
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"pid\s*:?\s+%d" % self.edge.proc.pid)
        self.assertNotIn("{", out)

    def test_sighup_with_broken_file_keeps_running_and_says_why(self):
        self.edge.start()
        self.edge.edit_main("[media]", "port_min = 30000\nbogus_key = 1")
        self.edge.kill(signal.SIGHUP)
        self.assertTrue(self.edge.wait_log("running configuration kept"))
        self.assertIsNone(self.edge.proc.poll())
        log = self.edge.log()
        self.assertIn("bogus_key: unknown key", log)
        st = self.edge.status()
        self.assertEqual(st["reload_failures"], 1)
        self.assertIn("unknown key", st["last_reload_error"])
        self.assertEqual(st["reloads"], 0)
        # systemd saw the reload start and end.
        self.assertTrue(self.edge.notify.having("RELOADING", "1"))
        self.assertGreaterEqual(len(self.edge.notify.having("READY", "1")), 2)

    def test_sighup_with_good_file_applies_it(self):
        self.edge.start()
        self.assertEqual(self.edge.status()["log_level"], "info")
        self.edge.write_main(open(self.edge.conf).read()
                             .replace("log_level = info", "log_level = debug"))
        self.edge.write_carrier("second", "second.test")
        self.edge.kill(signal.SIGHUP)
        self.assertTrue(self.edge.wait_log("configuration %s applied" % self.edge.conf))
        st = self.edge.status()
        self.assertEqual(st["log_level"], "debug")
        self.assertEqual(st["carriers"], 2)
        self.assertEqual(st["reloads"], 1)

    def test_reload_command_reports_errors_and_exit_status(self):
        self.edge.start()
        rc, out, err = self.edge.ctl("reload")
        self.assertEqual(rc, 0, err)
        self.edge.write_carrier("dup", "carrier.test")
        rc, out, err = self.edge.ctl("reload", as_json=False)
        self.assertEqual(rc, 1)
        self.assertIn("already served by carrier", err)
        self.assertEqual(self.edge.status()["carriers"], 1)

    def test_log_level_changes_at_runtime(self):
        self.edge.start()
        rc, out, err = self.edge.ctl("log-level", "debug")
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["previous"], "info")
        self.assertEqual(self.edge.status()["log_level"], "debug")
        rc, out, err = self.edge.ctl("log-level", "loud")
        self.assertEqual(rc, 1)
        self.assertIn("unknown log level", err)

    def test_watchdog_pings_at_half_the_interval(self):
        self.edge.start(watchdog_usec=400000)
        time.sleep(1.3)
        pings = self.edge.notify.having("WATCHDOG", "1")
        self.assertGreaterEqual(len(pings), 4)
        gaps = [b[0] - a[0] for a, b in zip(pings, pings[1:])]
        self.assertLess(max(gaps), 0.35)

    def test_no_watchdog_pings_when_systemd_does_not_ask(self):
        self.edge.start()
        time.sleep(0.5)
        self.assertEqual(self.edge.notify.having("WATCHDOG"), [])

    def test_sigterm_stops_cleanly_with_exit_0(self):
        self.edge.start()
        self.assertTrue(os.path.exists(self.edge.socket))
        self.assertEqual(self.edge.stop(signal.SIGTERM), 0)
        self.assertTrue(self.edge.notify.having("STOPPING", "1"))
        self.assertFalse(os.path.exists(self.edge.socket))

    def test_sigint_stops_cleanly_with_exit_0(self):
        self.edge.start()
        self.assertEqual(self.edge.stop(signal.SIGINT), 0)

    @unittest.skipUnless(os.geteuid() == 0, "needs root to switch to nobody")
    def test_unprivileged_user_cannot_reload_or_change_level(self):
        self.edge.start()
        rc, out, err = self.edge.ctl("status", user=NOBODY)
        self.assertEqual(rc, 0, err)
        for cmd in (["reload"], ["log-level", "debug"]):
            rc, out, err = self.edge.ctl(*cmd, user=NOBODY, as_json=False)
            self.assertEqual(rc, 1, cmd)
            self.assertIn("permission denied", err)
        self.assertEqual(self.edge.status()["log_level"], "info")
        self.assertEqual(self.edge.status()["reloads"], 0)

    def test_second_daemon_on_the_same_socket_refuses_to_start(self):
        self.edge.start()
        other = subprocess.run([os.path.join(BUILD, "sipedged"), "-c", self.edge.conf],
                               capture_output=True, text=True, timeout=10)
        self.assertEqual(other.returncode, 1)
        self.assertIn("another sipedged is running", other.stderr)
        self.assertEqual(self.edge.status()["pid"], self.edge.proc.pid)

    def test_stale_socket_file_is_replaced(self):
        # A socket nobody listens on, as a crashed daemon leaves behind.
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stale.bind(self.edge.socket)
        stale.close()
        self.assertTrue(os.path.exists(self.edge.socket))
        self.edge.start()
        self.assertEqual(self.edge.status()["pid"], self.edge.proc.pid)

    def test_broken_configuration_prevents_start(self):
        self.edge.edit_main("[media]", "threads = many")
        self.edge.start(wait_ready=False)
        self.assertEqual(self.edge.proc.wait(10), 1)
        self.assertIn('threads: not a number: "many"', self.edge.log())
        self.assertEqual(self.edge.notify.having("READY"), [])


class Journald(unittest.TestCase):
    def test_lines_carry_priority_prefix_under_journald(self):
        edge = Edge(journal=True)
        try:
            edge.start()
            edge.ctl("log-level", "debug")
            lines = [l for l in edge.log().splitlines() if l]
            self.assertTrue(lines)
            for line in lines:
                self.assertRegex(line, r"^<[3-7]>")
            self.assertTrue(any(l.startswith("<5>") for l in lines))
        finally:
            edge.close()

    def test_plain_lines_without_journald(self):
        edge = Edge()
        try:
            edge.start()
            first = edge.log().splitlines()[0]
            self.assertRegex(first, r"^\d{4}-\d\d-\d\dT\S+ sipedged\[\d+\] \w+: ")
        finally:
            edge.close()


class ControlClient(unittest.TestCase):
    def test_unreachable_daemon_exits_2_with_clear_message(self):
        p = subprocess.run([os.path.join(BUILD, "sipedgectl"), "-s",
                            "/nonexistent/control.sock", "status"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("/nonexistent/control.sock", p.stderr)

    def test_unknown_command_exits_1(self):
        p = subprocess.run([os.path.join(BUILD, "sipedgectl"), "-s",
                            "/nonexistent/control.sock", "frobnicate"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("frobnicate", p.stderr)


class ConfigCheck(unittest.TestCase):
    def setUp(self):
        self.edge = Edge()

    def tearDown(self):
        self.edge.close()

    def check(self):
        return subprocess.run([os.path.join(BUILD, "sipedged"), "-n", "-c",
                               self.edge.conf], capture_output=True, text=True)

    def test_good_configuration_prints_ok(self):
        p = self.check()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), "configuration OK")

    def test_every_error_is_printed_with_file_and_line(self):
        text = open(self.edge.conf).read()
        text = re.sub(r"^port_min = \d+\nport_max = \d+\n", "", text, flags=re.M)
        self.edge.write_main(text)
        self.edge.edit_main("[media]", "port_min = 30000\nport_max = 20000\nwat = 1")
        p = self.check()
        self.assertEqual(p.returncode, 1)
        self.assertNotIn("configuration OK", p.stdout)
        lines = p.stderr.strip().splitlines()
        self.assertTrue(any("port range inverted" in l for l in lines), lines)
        self.assertTrue(any("wat: unknown key" in l for l in lines), lines)
        for l in lines:
            self.assertTrue(l.startswith(self.edge.conf + ":"), l)

    def test_shipped_development_configuration_is_valid(self):
        top = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
        subprocess.run([os.path.join(top, "scripts", "gen-certs.sh"),
                        os.path.join(top, "etc", "dev", "certs")], check=True)
        p = subprocess.run([os.path.join(BUILD, "sipedged"), "-n", "-c",
                            os.path.join(top, "etc", "dev", "sipedge.conf")],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("configuration OK", p.stdout)


class PrivilegeDrop(unittest.TestCase):
    @unittest.skipUnless(os.geteuid() == 0, "needs root to drop privileges")
    def test_daemon_drops_to_the_configured_user_after_binding(self):
        edge = Edge(edge_extra="user = nobody\ngroup = nogroup\n")
        self.addCleanup(edge.close)
        # As systemd's RuntimeDirectory: the socket's directory is the user's.
        os.chown(edge.dir, NOBODY, NOBODY)
        edge.start()
        with open("/proc/%d/status" % edge.proc.pid) as f:
            status = f.read()
        uids = [l for l in status.splitlines() if l.startswith("Uid:")][0].split()[1:]
        self.assertEqual(set(uids), {str(NOBODY)})
        # It still serves its socket, which now belongs to that user.
        self.assertEqual(os.stat(edge.socket).st_uid, NOBODY)
        self.assertEqual(edge.status()["pid"], edge.proc.pid)
        self.assertEqual(edge.stop(), 0)
        self.assertFalse(os.path.exists(edge.socket))
