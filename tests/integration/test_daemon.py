#!/usr/bin/python3
"""The daemon on three rig nodes (issue 12): one policy every minute ("* * * * *", time zone UTC) set with the
admin key, a `cassvault daemon` on each node with the vault's writer key, polling the vault every 5 s.

    /usr/bin/python3 tests/integration/test_daemon.py [-v]
    CASSVAULT_DAEMON_MINUTES=10 /usr/bin/python3 tests/integration/test_daemon.py -v   # the long run

The shortened scenario (about 6 minutes, four slots A..D):
- A: every node commits the slot's tag (one tag, three nodes); the admin changes the policy and every daemon
  logs the new version within one poll; `policy history` shows both versions and who set them;
- B: every node again, under version 2; then node 3's daemon is stopped (SIGTERM: exit 0) and a second daemon
  is started on node 2 (same cache: same run lock);
- C: node 1's daemon is killed with -9 while it holds the run lock: the lock is free at once and the restarted
  daemon commits the slot; node 2's second daemon waits for the lock and says why (holder's pid), then finds
  the tag committed and skips it; tag C is partial: node 3 is missing;
- D: node 3's daemon starts again: it runs D only (C is one "skipped" run record naming the missed slot);
  D is complete; `verify --deep` (admin key) is clean; `status` names the last complete cluster backup;
- a plain `backup` while the run lock is held fails naming the holder (exit 7), `backup --wait` waits;
- restore of the last complete cluster backup on all three nodes: `rig dump` equal.

With CASSVAULT_DAEMON_MINUTES=N the daemons then run N more minutes untouched; every slot must be complete,
and the figures (slots, start spread across nodes, backup seconds) are printed for the closing note.
"""

import calendar
import fcntl
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cvtest import BIN, PASSPHRASE, Vault  # noqa: E402
from rigtest import _session, close_sessions, cql, dump, load_rows, rig, rig_env  # noqa: E402

NODES = (1, 2, 3)
ROWS = 3000
POLICY = "every"
LONG_MINUTES = int(os.environ.get("CASSVAULT_DAEMON_MINUTES", "0"))

POLICY_V1 = """name: every
schedule:
  cron: "* * * * *"
  time_zone: UTC
keyspaces: [dm]
after_success: verify
"""
POLICY_V2 = POLICY_V1 + "retention: {keep_last: 5}\n"


def value(i):
    return "daemon-row-%d" % i


def now_minute():
    return int(time.time()) // 60 * 60


def utc(text):
    """'2026-12-06T10:00:00Z' -> unix seconds."""
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


def tag_of(slot):
    return POLICY + "-" + time.strftime("%Y%m%dT%H%MZ", time.gmtime(slot))


class Daemon:
    """One `cassvault daemon` process, its JSON log lines in a file."""

    def __init__(self, vault, name, *extra, passphrase=None):
        self.vault = vault
        self.log_path = os.path.join(vault.dir, "%s.log" % name)
        self.log = open(self.log_path, "a")
        env = dict(os.environ)
        env["CASSVAULT_CONFIG"] = vault.config
        env.pop("CASSVAULT_PASSPHRASE", None)  # a node's writer key file opens the vault
        if passphrase:
            env["CASSVAULT_PASSPHRASE"] = passphrase
        self.proc = subprocess.Popen([BIN, "daemon"] + list(extra), stdout=self.log, stderr=self.log,
                                     stdin=subprocess.DEVNULL, env=env)

    def lines(self):
        out = []
        with open(self.log_path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    out.append(json.loads(line))
        return out

    def text(self):
        with open(self.log_path) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=timeout)
        self.log.close()
        return rc


def lock_held(cache_dir):
    """True while a process holds <cache>/run.lock (flock)."""
    path = os.path.join(cache_dir, "run.lock")
    if not os.path.exists(path):
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


class DaemonTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t0 = time.monotonic()
        cls.work = tempfile.mkdtemp(prefix="cv-daemon-")
        rig("down")
        rig("up", "--nodes", 3)
        cls.env = {n: rig_env(n) for n in NODES}
        s = _session(1)
        s.execute("CREATE KEYSPACE dm WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        s.execute("CREATE TABLE dm.rows (id int PRIMARY KEY, v text)")
        load_rows(s, "dm.rows", ROWS, value, "ONE")
        # The admin (passphrase) configs, one per node: policy set, verify --deep, restore.
        cls.admin = {1: Vault.for_rig_node(1, workdir=os.path.join(cls.work, "admin1"))}
        url = "file://" + cls.admin[1].vault_dir
        for n in (2, 3):
            cls.admin[n] = Vault.for_rig_node(n, workdir=os.path.join(cls.work, "admin%d" % n), url=url)
        cls.writer_key = os.path.join(cls.work, "writer.key")
        cls.init = cls.admin[1].json("init", "--kdf-cost", "15", "--write-only", cls.writer_key)
        # The nodes' configs: the writer key, a 5 s poll, each node its own cache (run lock, state).
        cls.node = {}
        # Node 2 runs two daemons at once in test_2, and the second must find the first's run lock held. A
        # backup of this small table takes about a second, and a daemon busy with its vault poll when the
        # slot starts can come later than that: node 2's nodetool waits 3 s first, so the lock is held
        # long enough whatever the machine's load.
        slow = os.path.join(cls.work, "nodetool-slow")
        with open(slow, "w") as f:
            f.write('#!/bin/sh\nsleep 3\nexec %s "$@"\n' % cls.env[2]["nodetool"])
        os.chmod(slow, 0o700)
        for n in NODES:
            e = cls.env[n]
            nodetool = [slow if n == 2 else e["nodetool"], "-h", e["jmx_host"], "-p", str(e["jmx_port"])]
            v = Vault(e["cassandra_yaml"], nodetool, cql_host=e["cql_host"], cql_port=int(e["cql_port"]),
                      workdir=os.path.join(cls.work, "node%d" % n), url=url,
                      vault_yaml="  key_file: %s\n" % cls.writer_key)
            with open(v.config, "a") as f:
                f.write("daemon: {poll_interval: 5}\n")
            cls.node[n] = v
        cls.daemons = {}
        cls.extra = []
        cls.timing = {"setup": time.monotonic() - cls.t0}

    @classmethod
    def tearDownClass(cls):
        for d in list(cls.daemons.values()) + cls.extra:
            if d.proc.poll() is None:
                d.proc.kill()
                d.proc.wait()
        close_sessions()
        rig("down")
        print("\ntimings (s): %s; whole class %.0f s" % (
            ", ".join("%s %.1f" % kv for kv in sorted(cls.timing.items())), time.monotonic() - cls.t0),
            file=sys.stderr)
        import shutil
        shutil.rmtree(cls.work, ignore_errors=True)

    # --- helpers -----------------------------------------------------------------------------------
    def policy_file(self, text):
        path = os.path.join(self.work, "policy-%d.yaml" % len(os.listdir(self.work)))
        with open(path, "w") as f:
            f.write(text)
        return path

    def cluster(self):
        """{tag: sorted host ids} of the policy's tags, from `list --cluster`."""
        return {c["tag"]: sorted(c["host_ids"]) for c in self.admin[1].json("list", "--cluster")
                if c["tag"].startswith(POLICY + "-")}

    def host_id(self, n):
        return str(cql("SELECT host_id FROM system.local", node=n)[0].host_id)

    def wait_for(self, what, predicate, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = predicate()
            if got:
                return got
            time.sleep(1)
        self.fail("timed out after %d s waiting for %s" % (timeout, what))

    def wait_tag(self, tag, nodes, timeout=100):
        want = sorted(self.hosts[n] for n in nodes)
        return self.wait_for("tag %s on nodes %s" % (tag, nodes),
                             lambda: self.cluster().get(tag) == want or None, timeout)

    def runs(self, *args):
        return self.admin[1].json("runs", "--policy", POLICY, *args)

    # --- the scenario ------------------------------------------------------------------------------
    def test_1_daemons_back_up_every_slot_with_one_tag(self):
        cls = type(self)
        cls.hosts = {n: self.host_id(n) for n in NODES}
        # A bad policy file is refused (exit 3) and stores nothing.
        before = self.admin[1].vault_files()
        bad = self.admin[1].run("policy", "set", self.policy_file(POLICY_V1.replace("* * * * *", "61 * * * *")),
                                check=False)
        self.assertEqual(bad.returncode, 3, bad.stderr)
        self.assertIn("cron", bad.stderr)
        self.assertEqual(self.admin[1].vault_files(), before)
        # A writer key cannot set a policy (exit 6), nothing stored.
        refused = self.node[1].run("policy", "set", self.policy_file(POLICY_V1), check=False, passphrase=None)
        self.assertEqual(refused.returncode, 6, refused.stderr)
        self.assertEqual(self.admin[1].vault_files(), before)

        v1 = self.admin[1].json("policy", "set", self.policy_file(POLICY_V1))
        self.assertEqual(v1["version"], 1)
        # Start early in a minute: the current slot (A) runs at once, and version 2 (set below) reaches every
        # daemon before slot B starts.
        if time.time() % 60 > 30:
            time.sleep(60 - time.time() % 60 + 1)
        t = time.monotonic()
        for n in NODES:
            cls.daemons[n] = Daemon(self.node[n], "daemon%d" % n)
        for n in NODES:
            self.wait_for("daemon %d loading version 1" % n, lambda: any(
                ln["op"] == "policy" and ln.get("version") == 1 for ln in self.daemons[n].lines()), 20)
        # The policy changes in the vault: every daemon logs version 2 within one poll (5 s; a daemon polls
        # between runs, so one backup's time more at most).
        t2 = time.monotonic()
        v2 = self.admin[1].json("policy", "set", self.policy_file(POLICY_V2))
        self.assertEqual(v2["version"], 2)
        for n in NODES:
            self.wait_for("daemon %d loading version 2" % n, lambda: any(
                ln["op"] == "policy" and ln.get("version") == 2 for ln in self.daemons[n].lines()), 25)
        cls.timing["policy_reached_all_daemons"] = time.monotonic() - t2
        slot_a = self.wait_for("a slot committed by all three", lambda: next(
            (s for s in (now_minute(), now_minute() - 60) if self.cluster().get(tag_of(s)) ==
             sorted(self.hosts.values())), None), 150)
        cls.slot_a = slot_a
        cls.timing["first_complete_slot"] = time.monotonic() - t
        for n in NODES:
            started = [ln for ln in self.daemons[n].lines() if ln["op"] == "start"]
            self.assertEqual(len(started), 1)
            self.assertEqual(started[0]["host_id"], self.hosts[n])
        history = self.admin[1].json("policy", "history", POLICY)
        self.assertEqual([h["version"] for h in history], [1, 2])
        slot_id = self.init.get("writer_slot")
        for h in history:
            self.assertRegex(h["set_by"], r"^key slot [0-9a-f]+ \(admin\) on \S+@\S+$")
            self.assertNotIn(slot_id, h["set_by"], "set with the admin slot, not the writer's")

        # Slot B: all three again, under version 2.
        slot_b = slot_a + 60
        self.wait_tag(tag_of(slot_b), NODES)
        cls.slot_b = slot_b
        by_tag = {}
        for r in self.runs("--since", time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(slot_a - 60))):
            by_tag.setdefault(r["tag"], []).append(r)
        self.assertEqual(sorted(r["state"] for r in by_tag[tag_of(slot_a)]), ["succeeded"] * 3)
        self.assertEqual(sorted(r["address"] for r in by_tag[tag_of(slot_b)]), ["127.0.0.1", "127.0.0.2", "127.0.0.3"])
        self.assertEqual({r["policy_version"] for r in by_tag[tag_of(slot_b)]}, {2})
        for n in NODES:
            # The run line comes after the after_success verify, a moment after the commit list shows.
            run_lines = self.wait_for("daemon %d's run line of %s" % (n, tag_of(slot_b)), lambda: [
                ln for ln in self.daemons[n].lines() if ln["op"] == "run" and ln["tag"] == tag_of(slot_b)], 30)
            self.assertEqual(len(run_lines), 1, self.daemons[n].text()[-2000:])
            self.assertEqual(run_lines[0]["state"], "succeeded")
            self.assertTrue(run_lines[0]["verified"])
            for field in ("ts", "level", "policy", "tag", "state", "backup_id", "seconds", "attempts", "error"):
                self.assertIn(field, run_lines[0])

    def test_2_stopped_killed_and_doubled_daemons(self):
        cls = type(self)
        # Node 3's daemon stops on SIGTERM, exit 0.
        self.assertEqual(self.daemons[3].stop(), 0)
        self.assertEqual(self.daemons[3].lines()[-1]["op"], "stop")
        # A second daemon on node 2: same cache, same run lock.
        second = Daemon(self.node[2], "daemon2-second")
        cls.extra.append(second)
        slot_c = self.slot_b + 60
        cache1 = os.path.join(self.node[1].dir, "cache")
        # Slot C: kill node 1's daemon with -9 while it holds the run lock (mid-backup).
        deadline = time.monotonic() + 90
        holder = ""
        while True:
            self.assertLess(time.monotonic(), deadline, "node 1's daemon never took the run lock for C")
            if lock_held(cache1):
                with open(os.path.join(cache1, "run.lock")) as f:
                    holder = f.read()
                if tag_of(slot_c) in holder:
                    break
            time.sleep(0.02)
        self.assertIn("pid=%d " % self.daemons[1].proc.pid, holder)
        self.assertIn("what=daemon backup " + tag_of(slot_c), holder)
        self.daemons[1].stop(signal.SIGKILL)
        self.assertFalse(lock_held(cache1), "the OS freed the lock of the killed daemon")
        cls.timing["killed_committed_already"] = float(self.hosts[1] in self.cluster().get(tag_of(slot_c), []))
        cls.daemons[1] = Daemon(self.node[1], "daemon1-restarted")
        # The restarted daemon runs slot C again (still before its deadline): C has nodes 1 and 2.
        self.wait_tag(tag_of(slot_c), (1, 2), timeout=70)
        # The second daemon on node 2 waited for the lock, said why, then found C committed: skipped.
        waits = self.wait_for("the second daemon's wait line", lambda: [
            ln for d in (self.daemons[2], second) for ln in d.lines() if ln["op"] == "wait"], 60)
        self.assertIn("is running a backup on this node; waiting", waits[0]["message"])
        self.assertRegex(waits[0]["holder"], r"^pid \d+, since \S+, daemon backup every-")
        node2_runs = self.wait_for("both node 2 daemons finishing C", lambda: [
            ln for d in (self.daemons[2], second) for ln in d.lines()
            if ln["op"] == "run" and ln["tag"] == tag_of(slot_c)] if len([
                ln for d in (self.daemons[2], second) for ln in d.lines()
                if ln["op"] == "run" and ln["tag"] == tag_of(slot_c)]) == 2 else None, 60)
        self.assertEqual(sorted(ln["state"] for ln in node2_runs), ["skipped", "succeeded"])
        self.assertEqual(second.stop(), 0)
        # C is partial: node 3 is missing (status names it).
        st = self.admin[1].json("status")
        p = [x for x in st["policies"] if x["policy"] == POLICY][0]
        self.assertEqual(p["last_tag"], tag_of(slot_c))
        self.assertEqual(p["last_tag_missing"], [self.hosts[3]])
        self.assertEqual(p["last_complete"]["tag"], tag_of(self.slot_b))
        cls.slot_c = slot_c

    def test_3_restarted_daemon_catches_up_only_the_latest_slot(self):
        cls = type(self)
        slot_d = self.slot_c + 60
        self.wait_tag(tag_of(slot_d), (1, 2), timeout=100)
        cls.daemons[3] = Daemon(self.node[3], "daemon3-restarted")
        self.wait_tag(tag_of(slot_d), NODES, timeout=50)
        self.assertEqual(self.cluster()[tag_of(self.slot_c)], sorted([self.hosts[1], self.hosts[2]]),
                         "the missed slot C is not run late")
        since = time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(self.slot_c - 60))
        # The final run record follows the after_success verify, a moment after the commit.
        node3 = self.wait_for("node 3's final run record of D", lambda: (lambda rs: rs if any(
            r["tag"] == tag_of(slot_d) and r["state"] == "succeeded" for r in rs) else None)(
                self.runs("--node", "127.0.0.3", "--since", since)), 30)
        skipped = [r for r in node3 if r["state"] == "skipped"]
        self.assertEqual(len(skipped), 1, node3)
        self.assertEqual(skipped[0]["tag"], tag_of(self.slot_c))
        self.assertIn("missed 1 slot(s) from %s to %s" % (tag_of(self.slot_c), tag_of(self.slot_c)),
                      skipped[0]["error"])
        self.assertEqual([r["tag"] for r in node3 if r["state"] == "succeeded" and utc(r["slot"]) >= self.slot_c],
                         [tag_of(slot_d)])
        cls.slot_d = slot_d

    def test_4_run_lock_refuses_a_plain_backup_naming_the_holder(self):
        # Hold node 1's run lock as another cassvault would; a plain backup refuses, --wait waits.
        self.daemons[1].stop()
        cache1 = os.path.join(self.node[1].dir, "cache")
        fd = os.open(os.path.join(cache1, "run.lock"), os.O_RDWR)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.write(fd, b"pid=4242 since=2026-12-06T10:00:00Z what=daemon backup every-test\n")
        try:
            proc = self.node[1].run("backup", "--keyspace", "dm", check=False, passphrase=None)
            self.assertEqual(proc.returncode, 7, proc.stderr)
            self.assertIn("another cassvault (pid 4242, since 2026-12-06T10:00:00Z, daemon backup every-test) "
                          "is running on this node", proc.stderr)
            waiting = self.node[1].start("backup", "--keyspace", "dm", "--tag", "after-wait", "--wait",
                                         passphrase=None)
            time.sleep(3)
            self.assertIsNone(waiting.poll(), "waits while the lock is held")
        finally:
            os.close(fd)
        out, err = waiting.communicate(timeout=120)
        self.assertEqual(waiting.returncode, 0, err)
        self.assertIn("another cassvault (pid 4242", err)
        self.assertIn("is running a backup on this node; waiting", err)
        # backup --policy: the policy's latest slot now, with the slot's tag (node 1's daemon is stopped).
        slot = now_minute()
        done = json.loads(self.node[1].run("backup", "--policy", POLICY, "--json", passphrase=None).stdout)
        self.assertIn(done["tag"], (tag_of(slot), tag_of(slot + 60)))
        self.assertIn(done["state"], ("succeeded", "skipped"))
        self.assertTrue(done["verified"] or done["state"] == "skipped")
        again = json.loads(self.node[1].run("backup", "--policy", POLICY, "--json", passphrase=None).stdout)
        if again["tag"] == done["tag"]:
            self.assertEqual((again["state"], again["backup_id"]), ("skipped", done["backup_id"]),
                             "a tag this node committed is not backed up twice")

    def test_5_verify_status_and_restore_by_cluster_tag(self):
        # SIGTERM while node 2's daemon runs a backup: it stops before its commit, exit 0, run "abandoned".
        cache2 = os.path.join(self.node[2].dir, "cache")
        deadline = time.monotonic() + 90
        while True:
            self.assertLess(time.monotonic(), deadline, "node 2's daemon never took the run lock")
            if lock_held(cache2):
                with open(os.path.join(cache2, "run.lock")) as f:
                    holder = f.read()
                if "what=daemon backup " + POLICY in holder and tag_of(self.slot_d) not in holder:
                    break
            time.sleep(0.02)
        stopped_tag = holder.split("what=daemon backup ")[1].strip()
        self.assertEqual(self.daemons[2].stop(), 0)
        self.assertFalse(lock_held(cache2))
        last_run = [ln for ln in self.daemons[2].lines() if ln["op"] == "run"][-1]
        self.assertEqual((last_run["tag"], last_run["state"]), (stopped_tag, "abandoned"), last_run)
        self.assertIn("nothing committed", last_run["error"])
        self.assertNotIn(self.hosts[2], self.cluster().get(stopped_tag, []), "an abandoned backup is not committed")
        for d in self.daemons.values():
            if d.proc.poll() is None:
                self.assertEqual(d.stop(), 0)
        deep = self.admin[1].json("verify", "--deep")
        self.assertTrue(deep["ok"], deep["problems"][:3])
        st = self.admin[1].json("status")
        p = [x for x in st["policies"] if x["policy"] == POLICY][0]
        self.assertEqual(p["last_complete"]["tag"], tag_of(self.slot_d))
        self.assertEqual(p["last_complete"]["nodes"], 3)
        self.assertGreaterEqual(p["rpo_seconds"], 0)
        self.assertEqual(p["version"], 2)

        before = dump("dm")
        self.assertIn("== dm.rows", before)
        self.assertGreaterEqual(before.count("\n"), ROWS, before[:200])
        cql("TRUNCATE dm.rows", consistency="ALL")
        self.assertEqual(cql("SELECT count(*) FROM dm.rows", consistency="ALL")[0][0], 0)
        help_text = self.admin[1].run("restore", "--help").stdout
        by = ["--cluster-tag"] if "--cluster-tag" in help_text else ["--backup"]
        for n in NODES:
            r = self.admin[n].json("restore", *by, tag_of(self.slot_d), "--mode", "live", "--keyspace", "dm")
            self.assertGreater(r["files_written"], 0)
        self.assertEqual(dump("dm"), before)

    def test_5z_maintenance_role_needs_the_admin_key_and_one_lease(self):
        # A node's writer key cannot take the maintenance role: exit 6, nothing written.
        before = self.admin[1].vault_files()
        env = dict(os.environ, CASSVAULT_CONFIG=self.node[1].config)
        env.pop("CASSVAULT_PASSPHRASE", None)
        proc = subprocess.run([BIN, "daemon", "--maintenance", "--once"], capture_output=True, text=True, env=env,
                              timeout=120)
        self.assertEqual(proc.returncode, 6, proc.stderr)
        self.assertIn("needs the vault's admin key (this key slot is a writer key)", proc.stderr)
        self.assertEqual(self.admin[1].vault_files(), before)
        # The admin's maintenance daemon takes the lease and consolidates the catalog; a second one waits.
        first = Daemon(self.admin[2], "maintenance1", "--maintenance", passphrase=PASSPHRASE)
        type(self).extra.append(first)
        self.wait_for("the maintenance daemon's maintain line", lambda: [
            ln for ln in first.lines() if ln["op"] == "maintain"], 60)
        acquired = [ln for ln in first.lines() if ln["op"] == "lease"]
        self.assertEqual(acquired[0]["state"], "acquired", first.text())
        self.assertTrue([f for f in self.admin[1].vault_files() if f.startswith("locks/maintenance/")])
        self.assertTrue([f for f in self.admin[1].vault_files() if f.startswith("catalog-full/")])
        second = Daemon(self.admin[3], "maintenance2", "--maintenance", "--once", passphrase=PASSPHRASE)
        rc = second.proc.wait(timeout=120)
        second.log.close()
        self.assertEqual(rc, 0, second.text())
        waiting = [ln for ln in second.lines() if ln["op"] == "lease"]
        self.assertEqual(waiting[0]["state"], "waiting", second.text())
        self.assertIn("held by", waiting[0]["error"])
        self.assertFalse([ln for ln in second.lines() if ln["op"] == "maintain"], "the second one did no work")
        self.assertEqual(first.stop(), 0)
        self.assertFalse([f for f in self.admin[1].vault_files() if f.startswith("locks/maintenance/")],
                         "released on SIGTERM")

    def test_6_long_run(self):
        if not LONG_MINUTES:
            self.skipTest("set CASSVAULT_DAEMON_MINUTES=N (>= 10) for the long run")
        cls = type(self)
        for n in NODES:
            cls.daemons[n] = Daemon(self.node[n], "daemon%d-long" % n)
        first = now_minute() + 60
        time.sleep(max(0, first + LONG_MINUTES * 60 - time.time()) + 45)
        last = first + (LONG_MINUTES - 1) * 60
        cluster = self.cluster()
        runs = [r for r in self.runs("--since", time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(first)))
                if first <= utc(r["slot"]) <= last]
        for d in self.daemons.values():
            self.assertEqual(d.stop(), 0)
        slots = list(range(first, last + 1, 60))
        complete = [s for s in slots if cluster.get(tag_of(s)) == sorted(self.hosts.values())]
        spreads, seconds = [], []
        for s in slots:
            rs = [r for r in runs if r["tag"] == tag_of(s) and r["state"] == "succeeded"]
            starts = [utc(r["started"]) for r in rs]
            if starts:
                spreads.append(max(starts) - min(starts))
            seconds += [utc(r["finished"]) - utc(r["started"]) for r in rs]
        print("\nlong run: %d minutes, %d slots, %d complete (3/3); start spread across nodes max %.0f s; "
              "run seconds mean %.1f max %.0f; failed runs %d" % (
                  LONG_MINUTES, len(slots), len(complete), max(spreads or [0]),
                  sum(seconds) / max(1, len(seconds)), max(seconds or [0]),
                  len([r for r in runs if r["state"] == "failed"])), file=sys.stderr)
        self.assertEqual(complete, slots)


if __name__ == "__main__":
    unittest.main()
