#!/usr/bin/python3
"""Restore into a cluster of another shape (issue 15, "another shape"): every node's backup with one tag
streamed by Cassandra's own sstableloader through `cassvault restore --mode load`, one table at a time
through a private staging directory.

    /usr/bin/python3 tests/integration/test_cluster_reshape.py [-v]

- 3 nodes (4 vnodes each) -> 1 node: a RF 2 keyspace with rows and a counter table, a RF 1 keyspace; the
  load is killed after the counter table was streamed but before the journal noted it, then rerun: the
  rerun skips the table already noted, loads the counter table again, and rows and counters are equal
  (counters not doubled); the sstableloader password is in no process's argv while it runs;
- cassvault killed with SIGKILL while sstableloader's JVM streams: the JVM is gone within seconds;
- a table bigger than --staging-max is refused before anything is created or loaded (exit 8);
- bad input (no --staging-dir, no load.java_command, an unknown table) is named, nothing staged;
- a failing loader (a shell standing in for the JVM, said so in the test) exits 8 naming the table, its
  output with the password masked, staged files removed, nothing noted in the journal;
- 1 node -> 3 nodes into a keyspace the operator created with RF 3 (kept as it is), throttled, two
  contact points, one table under another name (--rename): every row at CL ALL.

Tests run in name order and share the rig. The rig runs without authentication (AllowAllAuthenticator):
the password is handed to sstableloader and checked to stay out of argv, but no server checks it here.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cvtest import Vault  # noqa: E402
from rigtest import _session, close_sessions, load_rows, read_rows, rig, rig_env  # noqa: E402

ROWS = 1500  # rs.a_rows (RF 2) and rs1.c_more (RF 1): small, CI time matters
COUNTERS = 200
PASSWORD = "loader-pw-7f3a \"q\" 'z' #x\\y"


def value(i):
    return "row-%d-%s" % (i, "x" * (i % 40))


def counter(i):
    return 3 * i + 1  # reached by several increments: a doubled load would show


def read_all(table, cols, node=1, consistency="ALL"):
    return read_rows(_session(node), table, consistency, cols)


def alive(pid):
    """Running: a zombie (waiting for a reaper that may never come, in a container) counts as gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


class Cmdlines(threading.Thread):
    """Polls every process's argv while a load runs: the password must never be in one, and the loader's
    JVM must have been seen (else the check proved nothing)."""

    def __init__(self, secret):
        super().__init__(daemon=True)
        self.secret = secret.encode()
        self.stop = threading.Event()
        self.leaks, self.loaders = [], 0
        self.seen, self.first_seen, self.jvm_commands = set(), {}, []
        self.jcmd = shutil.which("jcmd")

    def run(self):
        while not self.stop.is_set():
            for d in os.listdir("/proc"):
                if not d.isdigit():
                    continue
                try:
                    with open("/proc/%s/cmdline" % d, "rb") as f:
                        cmd = f.read()
                except OSError:
                    continue
                if self.secret in cmd or b"loader-pw" in cmd:
                    self.leaks.append(cmd.replace(b"\0", b" ")[:300])
                if b"sstableloader.args" in cmd:
                    self.loaders += 1
                    first = self.first_seen.setdefault(d, time.monotonic())
                    # What the JVM itself received from the argfile: the password must arrive intact. Asked
                    # once it has run a while: jcmd's SIGQUIT would kill a JVM before its handlers are up.
                    if self.jcmd and d not in self.seen and time.monotonic() - first > 1.5:
                        self.seen.add(d)
                        out = subprocess.run([self.jcmd, d, "VM.command_line"], stdout=subprocess.PIPE,
                                             stderr=subprocess.DEVNULL, text=True, timeout=20).stdout
                        self.jvm_commands.append(out)
            time.sleep(0.05)


class ClusterReshapeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t0 = time.monotonic()
        cls.timing = {}
        cls.work = tempfile.mkdtemp(prefix="cv-reshape-")
        cls.staging = os.path.join(cls.work, "staging")
        os.makedirs(cls.staging)
        cls.creds = os.path.join(cls.work, "loader.credentials")
        with open(cls.creds, "w") as f:
            f.write("username=loader\npassword=%s\n" % PASSWORD)
        os.chmod(cls.creds, 0o600)
        rig("down")
        t = time.monotonic()
        rig("up", "--nodes", 3, "--vnodes", 4)
        cls.timing["rig_up_3"] = time.monotonic() - t
        cls.fill()
        cls.expected = cls.read_expected()
        cls.vault_dir = os.path.join(cls.work, "vault")
        vaults = {n: cls.vault_for(n) for n in (1, 2, 3)}
        vaults[1].run("init")
        t = time.monotonic()
        for n in (1, 2, 3):
            vaults[n].json("backup", "--tag", "shape3")
        cls.timing["backup_3_nodes"] = time.monotonic() - t

    @classmethod
    def vault_for(cls, n):
        """A config for rig node n on the shared vault, with a `load:` section for sstableloader."""
        env = rig_env(n)
        v = Vault.for_rig_node(n, workdir=os.path.join(cls.work, "cv%d-%d" % (n, int(time.monotonic() * 1000))),
                               url="file://" + cls.vault_dir)
        with open(v.config, "a") as f:
            f.write("load:\n  java_command: [%s]\n" % ", ".join('"%s"' % a for a in env["java_tool_command"]))
            f.write("  hosts: [%s]\n  credentials_file: %s\n  timeout: 600\n" % (env["cql_host"], cls.creds))
        return v

    @classmethod
    def fill(cls):
        from cassandra import ConsistencyLevel
        from cassandra.concurrent import execute_concurrent_with_args
        s = _session(1)
        s.execute("CREATE KEYSPACE rs WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}")
        s.execute("CREATE TABLE rs.a_rows (id int PRIMARY KEY, v text)")
        s.execute("CREATE TABLE rs.b_counts (id int PRIMARY KEY, c counter)")
        s.execute("CREATE KEYSPACE rs1 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        s.execute("CREATE TABLE rs1.c_more (id int PRIMARY KEY, v text)")
        for table in ("rs.a_rows", "rs1.c_more"):
            load_rows(s, table, ROWS, value, "ALL")
        inc = s.prepare("UPDATE rs.b_counts SET c = c + ? WHERE id = ?")
        inc.consistency_level = ConsistencyLevel.ALL
        # Three increments per counter (1 + i + 2i): a counter loaded twice and summed would show.
        execute_concurrent_with_args(s, inc, [(1, i) for i in range(COUNTERS)], concurrency=64)
        execute_concurrent_with_args(s, inc, [(i, i) for i in range(COUNTERS)], concurrency=64)
        execute_concurrent_with_args(s, inc, [(2 * i, i) for i in range(COUNTERS)], concurrency=64)

    @classmethod
    def read_expected(cls):
        exp = {
            "rs.a_rows": read_all("rs.a_rows", "id, v"),
            "rs.b_counts": read_all("rs.b_counts", "id, c"),
            "rs1.c_more": read_all("rs1.c_more", "id, v"),
        }
        assert exp["rs.a_rows"] == {i: value(i) for i in range(ROWS)}
        assert exp["rs.b_counts"] == {i: counter(i) for i in range(COUNTERS)}, "counters as written"
        return exp

    @classmethod
    def tearDownClass(cls):
        close_sessions()
        rig("down")
        shutil.rmtree(cls.work, ignore_errors=True)
        print("\ntimings (s): %s; whole class %.0f s" % (
            ", ".join("%s %.1f" % kv for kv in sorted(cls.timing.items())), time.monotonic() - cls.t0),
            file=sys.stderr)

    def new_rig(self, nodes, **kw):
        close_sessions()
        rig("down")
        t = time.monotonic()
        if nodes == 1:
            rig("up", "--nodes", 1)
        else:
            rig("up", "--nodes", nodes, "--vnodes", 4)
        self.timing["rig_up_%d" % nodes + kw.get("suffix", "")] = time.monotonic() - t

    def note_tables(self, report, label):
        """Each table's time ("loaded ks.t -> ks.t in 7.9 s") into the timings printed at the end."""
        for line in report["plan"]:
            m = re.match(r"loaded (\S+) -> \S+ in ([0-9.]+) s$", line)
            if m:
                self.timing["table_%s_%s" % (label, m.group(1))] = float(m.group(2))

    def assertRowsEqual(self, consistency="ALL"):
        for table, cols in (("rs.a_rows", "id, v"), ("rs.b_counts", "id, c"), ("rs1.c_more", "id, v")):
            self.assertEqual(read_all(table, cols, consistency=consistency), self.expected[table], table)

    def staging_entries(self):
        root = os.path.join(self.staging, ".cassvault-restore")
        return sorted(os.listdir(root)) if os.path.isdir(root) else []

    # --- 3 nodes -> 1 node ---------------------------------------------------------------------------
    def test_10_three_nodes_into_one_interrupted_and_rerun(self):
        self.new_rig(1)
        v = self.vault_for(1)
        dry = v.json("restore", "--backup", "shape3", "--mode", "load", "--staging-dir", self.staging, "--dry-run")
        plan = "\n".join(dry["plan"])
        self.assertEqual(plan.count("source: backup "), 3, plan)
        self.assertIn("load rs.b_counts: ", plan)
        self.assertIn("from 3 nodes", plan)
        self.assertIn("counter table", plan)
        self.assertIn("-pw ***", plan)
        self.assertNotIn("loader-pw", plan)
        self.assertIn("cql: CREATE KEYSPACE", plan)
        self.assertEqual(self.staging_entries(), [], "a dry run writes nothing")

        # Killed after rs.b_counts (the second table) was streamed, before the journal noted it.
        watch = Cmdlines(PASSWORD)
        watch.start()
        t = time.monotonic()
        killed = v.run("restore", "--backup", "shape3", "--mode", "load", "--staging-dir", self.staging,
                       check=False, env_extra={"CASSVAULT_TEST_CRASH_AT": "load-table-loaded:2"})
        self.timing["load_3_to_1_killed"] = time.monotonic() - t
        self.assertEqual(killed.returncode, -9, killed.stderr)
        self.assertEqual(read_all("rs.a_rows", "id, v", consistency="ONE"), self.expected["rs.a_rows"])
        self.assertEqual(read_all("rs.b_counts", "id, c", consistency="ONE"), self.expected["rs.b_counts"])
        self.assertEqual(read_all("rs1.c_more", "id, v", consistency="ONE"), {}, "not loaded yet")
        dry = v.json("restore", "--backup", "shape3", "--mode", "load", "--staging-dir", self.staging, "--dry-run")
        self.assertIn("skip rs.a_rows -> rs.a_rows: already loaded (journal)", dry["plan"])
        self.assertIn("load rs.b_counts: ", "\n".join(dry["plan"]), "noted only once the journal has it")

        t = time.monotonic()
        r = v.json("restore", "--backup", "shape3", "--mode", "load", "--staging-dir", self.staging,
                   env_extra={})
        self.timing["load_3_to_1_rerun"] = time.monotonic() - t
        self.note_tables(r, "3_to_1")
        watch.stop.set()
        watch.join()
        plan = "\n".join(r["plan"])
        self.assertIn("(1 tables already loaded)", plan)
        self.assertIn("skip rs.a_rows -> rs.a_rows: already loaded", plan)
        self.assertIn("loaded rs.b_counts -> rs.b_counts", plan, "the interrupted table is loaded again")
        self.assertIn("loaded rs1.c_more -> rs1.c_more", plan)
        self.assertEqual(r["tables"], 2)
        # Counters loaded twice from the same SSTables (and from both replicas of RF 2 each time): equal.
        self.assertRowsEqual(consistency="ONE")
        self.assertEqual(watch.leaks, [], "the password was in a process's argv")
        self.assertGreater(watch.loaders, 0, "the loader's JVM was never seen: the argv check proved nothing")
        if watch.jcmd:
            answered = [out for out in watch.jvm_commands if "java_command:" in out]
            self.assertTrue(answered, "jcmd reached no loader JVM")
            for out in answered:
                self.assertIn("java_command: org.apache.cassandra.tools.BulkLoader --no-progress", out)
                self.assertIn(" -u loader -pw %s " % PASSWORD, out, "the quoted password reached the loader intact")
        # Staged copies are gone; the journal and the lock stay, the journal private.
        entries = self.staging_entries()
        self.assertEqual([e for e in entries if not e.endswith(".journal")], ["load.lock"], entries)
        journal = [e for e in entries if e.endswith(".journal")][0]
        self.assertEqual(os.stat(os.path.join(self.staging, ".cassvault-restore", journal)).st_mode & 0o777, 0o600)

        # The same command again loads nothing (the journal), so nothing can double.
        again = v.json("restore", "--backup", "shape3", "--mode", "load", "--staging-dir", self.staging)
        self.assertEqual(again["tables"], 0)
        self.assertRowsEqual(consistency="ONE")
        # The keyspaces came from the backup's schema (RF 2 and 1), on a 1-node cluster.
        ks = {r.keyspace_name: dict(r.replication) for r in _session(1).execute(
            "SELECT keyspace_name, replication FROM system_schema.keyspaces WHERE keyspace_name IN ('rs', 'rs1')")}
        self.assertEqual(ks["rs"]["replication_factor"], "2")

    def test_12_a_killed_restore_takes_its_loader_jvm_with_it(self):
        """cassvault killed with SIGKILL while sstableloader streams (none of its cleanup runs): the loader's JVM
        dies with it instead of streaming on with nobody to read its result. Loads test_10's tables again into a
        fresh staging dir (a journal of its own), which changes no row and no counter."""
        v = self.vault_for(1)
        staging = os.path.join(self.work, "kill-staging")
        os.makedirs(staging)

        def of_this_restore():
            """Live processes whose argv names the staging dir: cassvault, what RunChild puts between, the JVM."""
            found = {}
            for d in os.listdir("/proc"):
                try:
                    with open("/proc/%s/cmdline" % d, "rb") as f:
                        cmd = f.read()
                except OSError:
                    continue
                if d.isdigit() and staging.encode() in cmd and alive(int(d)):
                    found[int(d)] = cmd
            return found

        proc = v.start("restore", "--backup", "shape3", "--mode", "load", "--staging-dir", staging)

        def leave_nothing():  # when the test fails, its loader must not stream on into the next test
            for p in of_this_restore():
                os.kill(p, signal.SIGKILL)
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.addCleanup(leave_nothing)
        jvms = []
        until = time.monotonic() + 300
        while not jvms and proc.poll() is None and time.monotonic() < until:
            jvms = [p for p, cmd in of_this_restore().items() if b"sstableloader.args" in cmd]
            time.sleep(0.05)
        if not jvms:
            self.fail("the loader's JVM was never seen: %s" % (proc.communicate()[1][-2000:],))
        # At once: a small table's JVM lives about a second, and the JVM's own start takes longer than this.
        running = all(alive(p) for p in jvms)
        os.kill(proc.pid, signal.SIGKILL)
        self.assertTrue(running, "the loader ended before the kill: the test proves nothing")
        proc.communicate()
        self.assertEqual(proc.returncode, -9)
        # Left alone, the loader goes on for about 6 s here (it loads and exits): the window must be shorter
        # than that, or a loader that outlived cassvault and then ended by itself would pass.
        t = time.monotonic()
        while of_this_restore() and time.monotonic() - t < 2:
            time.sleep(0.02)
        self.timing["loader_gone_after_sigkill"] = time.monotonic() - t
        left = {p: cmd.replace(b"\0", b" ")[:200] for p, cmd in of_this_restore().items()}
        self.assertEqual(left, {}, "went on after cassvault was killed")
        self.assertRowsEqual(consistency="ONE")

    def test_15_table_over_the_staging_budget_is_refused_before_anything(self):
        v = self.vault_for(1)
        staging = os.path.join(self.work, "small-staging")
        os.makedirs(staging)
        r = v.run("restore", "--backup", "shape3", "--mode", "load", "--staging-dir", staging,
                  "--keyspace", "rs1", "--rename", "rs1=rs1_budget", "--staging-max", "64KiB", check=False)
        self.assertEqual(r.returncode, 8, r.stderr)
        self.assertIn("table rs1.c_more: needs", r.stderr)
        self.assertIn("more than --staging-max 65536", r.stderr)
        self.assertEqual(list(_session(1).execute(
            "SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = 'rs1_budget'")), [],
            "nothing was created")
        self.assertFalse([e for e in os.listdir(os.path.join(staging, ".cassvault-restore"))
                          if e.startswith("load.") and e != "load.lock"], "no staged files")

    def test_16_bad_input_is_named_and_changes_nothing(self):
        staging = os.path.join(self.work, "bad-staging")
        os.makedirs(staging)
        v = self.vault_for(1)
        r = v.run("restore", "--backup", "shape3", "--mode", "load", check=False)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("needs --staging-dir DIR", r.stderr)
        bare = Vault.for_rig_node(1, workdir=os.path.join(self.work, "bare"), url="file://" + self.vault_dir)
        r = bare.run("restore", "--backup", "shape3", "--mode", "load", "--staging-dir", staging, check=False)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("load.java_command", r.stderr)
        r = v.run("restore", "--backup", "shape3", "--mode", "load", "--staging-dir", staging,
                  "--keyspace", "nosuch", check=False)
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn("'nosuch'", r.stderr)
        self.assertEqual(os.listdir(staging), [], "nothing staged")

    def test_17_a_failing_loader_is_named_with_secrets_masked_and_nothing_noted(self):
        # A stand-in for the JVM (it says so): a shell that prints the argfile it was handed, as a loader's
        # error output could echo its arguments, and fails. What the user sees must not hold the password.
        staging = os.path.join(self.work, "fail-staging")
        os.makedirs(staging)
        v = self.vault_for(1)
        with open(v.config) as f:
            text = f.read()
        fake = '["/bin/sh", "-c", "cat \\"${0#@}\\" >&2; echo streaming failed >&2; exit 3"]'
        text = re.sub(r"java_command: \[.*\]", lambda _: "java_command: " + fake, text)
        with open(v.config, "w") as f:
            f.write(text)
        r = v.run("restore", "--backup", "shape3", "--mode", "load", "--staging-dir", staging,
                  "--keyspace", "rs1", "--rename", "rs1=rs1_fail", check=False)
        self.assertEqual(r.returncode, 8, r.stderr)
        self.assertIn("sstableloader rs1_fail.c_more: exit code 3", r.stderr)
        self.assertIn("streaming failed", r.stderr)
        self.assertIn('"-pw" | ***', r.stderr, "the argument after -pw is masked")
        self.assertNotIn("loader-pw", r.stderr + r.stdout)
        root = os.path.join(staging, ".cassvault-restore")
        self.assertEqual([e for e in os.listdir(root) if e.startswith("load.") and e != "load.lock"], [],
                         "staged files and the argfile are removed")
        dry = v.json("restore", "--backup", "shape3", "--mode", "load", "--staging-dir", staging,
                     "--keyspace", "rs1", "--rename", "rs1=rs1_fail", "--dry-run")
        self.assertIn("(0 tables already loaded)", "\n".join(dry["plan"]), "a failed table is not noted")
        # The schema step ran before the loader failed; test_20 backs this node up again without it.
        _session(1).execute("DROP KEYSPACE rs1_fail")

    # --- 1 node -> 3 nodes ---------------------------------------------------------------------------
    def test_20_one_node_into_three_with_the_operators_replication(self):
        v1 = self.vault_for(1)
        t = time.monotonic()
        v1.json("backup", "--tag", "shape1")
        self.timing["backup_1_node"] = time.monotonic() - t
        self.new_rig(3, suffix="_again")
        s = _session(1)
        # The operator's choice for the new cluster: RF 3. The load must keep it.
        s.execute("CREATE KEYSPACE rs WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}")
        v = self.vault_for(1)
        staging = os.path.join(self.work, "staging3")
        os.makedirs(staging)
        t = time.monotonic()
        # One table under another name (created from the backed-up schema) in the same load.
        r = v.json("restore", "--backup", "shape1", "--mode", "load", "--staging-dir", staging,
                   "--load-hosts", "127.0.0.1,127.0.0.2", "--throttle-mib", "16",
                   "--rename", "rs1.c_more=rs1.c_renamed")
        self.timing["load_1_to_3"] = time.monotonic() - t
        self.note_tables(r, "1_to_3")
        self.assertEqual(r["tables"], 3)
        plan = "\n".join(r["plan"])
        self.assertIn("--throttle-mib 16", plan)
        self.assertIn("-d 127.0.0.1,127.0.0.2", plan)
        self.assertIn("loaded rs1.c_more -> rs1.c_renamed", plan)
        made = [line for line in r["plan"] if line.startswith("cql: CREATE KEYSPACE")]
        self.assertEqual([line for line in made if re.search(r"\brs\b", line)], [], "rs exists: not recreated")
        self.assertEqual(len(made), 1, made)  # rs1 only
        rf = _session(1).execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'rs'")
        self.assertEqual(dict(rf.one().replication)["replication_factor"], "3")
        # CL ALL: every one of the three replicas of each row got it.
        for table, cols, source in (("rs.a_rows", "id, v", "rs.a_rows"), ("rs.b_counts", "id, c", "rs.b_counts"),
                                    ("rs1.c_renamed", "id, v", "rs1.c_more")):
            self.assertEqual(read_all(table, cols, consistency="ALL"), self.expected[source], table)
        tables = {row.table_name for row in _session(1).execute(
            "SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'rs1'")}
        self.assertEqual(tables, {"c_renamed"}, "the renamed table only")


if __name__ == "__main__":
    unittest.main()
