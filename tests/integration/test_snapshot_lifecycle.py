#!/usr/bin/python3
"""Issue 16, one JVM per backup: a snapshot backup on a real Cassandra 5.0 node starts nodetool once
(`snapshot -kt` of exactly the tables it backs up, which flushes them), clears its snapshot by deleting the
snapshot's directories (no JVM), on success and on failure, and a nodetool that hangs is killed at
node.snapshot_timeout with the snapshot still cleared. nodetool's JVM maps the class archive its first run
wrote; a table dropped between the backup's listing and its snapshot is listed again.

    /usr/bin/python3 tests/integration/test_snapshot_lifecycle.py [-v]

Every nodetool call goes through a wrapper script (node.nodetool) that logs its arguments, then runs the
rig's nodetool: the log is what the backup started. Cassandra's own view of the snapshots is read back with
`nodetool listsnapshots` and `system_views.snapshots` after each clear.
"""

import glob
import os
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cvtest import Vault  # noqa: E402
from rigtest import RIG, close_sessions, cql, nodetool, rig, rig_env  # noqa: E402

KS = "cv_snaplife"
ROWS = 200


def write_script(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, stat.S_IRWXU)


def process_group_members(pgid):
    """Pids of live (not zombie) processes in process group pgid."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                line = f.read()
        except OSError:
            continue
        fields = line[line.rfind(")") + 2:].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            out.append(int(entry))
    return out


class SnapshotLifecycleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rig("down")
        rig("up", "--nodes", 1)
        cls.env = rig_env(1)
        cls.dir = tempfile.mkdtemp(prefix="cv-snaplife-")
        cls.log = os.path.join(cls.dir, "nodetool.log")
        real = cls.env["nodetool"]
        # Logs argv, then becomes the real nodetool: the log has one line per nodetool process started.
        cls.logging = os.path.join(cls.dir, "nodetool-logging")
        write_script(cls.logging, '#!/bin/sh\necho "$*" >> %s\nexec %s "$@"\n' % (cls.log, real))
        # Logs JAVA_TOOL_OPTIONS (one line per process) as well, then becomes the real nodetool.
        cls.java_log = os.path.join(cls.dir, "java-options.log")
        cls.java_logging = os.path.join(cls.dir, "nodetool-java-logging")
        write_script(cls.java_logging, '#!/bin/sh\necho "$JAVA_TOOL_OPTIONS" >> %s\nexec %s "$@"\n'
                     % (cls.java_log, cls.logging))
        # Runs the real nodetool, then hangs after a snapshot (a JMX call that never answers, as seen from
        # cassvault); writes its process group id first.
        cls.pgid_file = os.path.join(cls.dir, "hang.pgid")
        cls.hanging = os.path.join(cls.dir, "nodetool-hanging")
        write_script(cls.hanging,
                     '#!/bin/sh\necho "$*" >> %s\nps -o pgid= $$ | tr -d " " > %s\n%s "$@" || exit $?\n'
                     'case "$*" in *" snapshot "*) sleep 3600 ;; esac\n' % (cls.log, cls.pgid_file, real))
        cql("CREATE KEYSPACE %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}" % KS)
        cql("CREATE TABLE %s.t (id int PRIMARY KEY, v text)" % KS)

    @classmethod
    def tearDownClass(cls):
        close_sessions()
        rig("down")

    def vault(self, wrapper, node_extra=""):
        """A fresh vault whose config runs `wrapper` as nodetool; node_extra is more of the node: section."""
        v = Vault(self.env["cassandra_yaml"], [wrapper, "-h", self.env["jmx_host"], "-p", str(self.env["jmx_port"])],
                  cql_host=self.env["cql_host"], cql_port=int(self.env["cql_port"]),
                  workdir=tempfile.mkdtemp(prefix="v-", dir=self.dir))
        if node_extra:
            with open(v.config) as f:
                text = f.read()
            with open(v.config, "w") as f:
                f.write(text.replace("cache_dir:", node_extra + "cache_dir:", 1))
        v.run("init")
        if os.path.exists(self.log):
            os.unlink(self.log)
        return v

    def nodetool_calls(self):
        """The nodetool subcommands the wrapper saw, in order."""
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [next(a for a in line.split() if a.isalpha() and a not in ("h", "p")) for line in f]

    def snapshot_tables(self):
        """The set of tables the one logged `snapshot -kt LIST` named."""
        with open(self.log) as f:
            self.assertEqual(len(f.read().splitlines()), 1)
        return self.snapshot_tables_of_line(0)

    def snapshot_tables_of_line(self, i):
        """The set of tables the logged nodetool call i named with -kt."""
        with open(self.log) as f:
            args = f.read().splitlines()[i].split()
        self.assertIn("-kt", args, "the snapshot must name its tables")
        return set(args[args.index("-kt") + 1].split(","))

    def whole_node_tables(self):
        """What a whole-node backup takes, read from the node's schema."""
        system = {"system", "system_schema", "system_auth", "system_distributed", "system_traces",
                  "system_views", "system_virtual_schema"}
        rows = cql("SELECT keyspace_name, table_name FROM system_schema.tables")
        tables = {"%s.%s" % (r.keyspace_name, r.table_name) for r in rows
                  if r.keyspace_name not in system or r.keyspace_name in ("system_schema", "system_auth")}
        self.assertIn("%s.t" % KS, tables)
        self.assertNotIn("system.compaction_history", tables)
        return tables | {"system.local"}

    def snapshot_dirs(self, tag):
        return [p for d in self.env["data_dirs"] for p in glob.glob(os.path.join(d, "*", "*", "snapshots", tag))]

    def assertSnapshotGone(self, tag):
        self.assertEqual(self.snapshot_dirs(tag), [], "snapshot directories left on disk")
        # Cassandra's own view: both read the data directories (SnapshotManager.loadSnapshots), no cache.
        self.assertNotIn(tag, nodetool(1, "listsnapshots"))
        self.assertEqual([r for r in cql("SELECT name FROM system_views.snapshots") if r.name == tag], [])

    def live_data_files(self):
        return [p for d in self.env["data_dirs"] for p in glob.glob(os.path.join(d, KS, "t-*", "*-Data.db"))]

    def test_10_one_nodetool_run_flushes_and_the_snapshot_is_cleared(self):
        v = self.vault(self.logging)
        # Written just before the backup and never flushed by hand: only in the memtable.
        for i in range(ROWS):
            cql("INSERT INTO %s.t (id, v) VALUES (%d, 'fresh-%d')" % (KS, i, i))
        self.assertEqual(self.live_data_files(), [], "the rows must not be on disk yet")
        report = v.json("backup", "--tag", "life-one")
        self.assertEqual(self.nodetool_calls(), ["snapshot"])
        # The snapshot names exactly the tables backed up, so it flushes only those: every user table,
        # system_schema's, system_auth's, and system.local, not the rest of the keyspace `system`.
        self.assertEqual(self.snapshot_tables(), self.whole_node_tables())
        self.assertEqual(report["nodetool_runs"], 1)
        self.assertGreater(report["nodetool_cpu_seconds"], 0)
        self.assertGreater(report["snapshot_held_seconds"], 0)
        self.assertLessEqual(report["snapshot_held_seconds"], report["seconds"])
        # The snapshot's flush put the rows into an SSTable, which the backup stored.
        self.assertTrue(any(c.startswith(KS + ".t/") and c.endswith("-Data.db") for c in report["new_components"]),
                        report["new_components"])
        self.assertSnapshotGone("life-one")
        # The audit record of the commit carries the hold time and nodetool's CPU time.
        commit = [r for r in v.json("audit") if r["op"] == "backup.commit"]
        self.assertEqual(len(commit), 1)
        self.assertEqual(commit[0]["details"]["snapshot_held_seconds"], report["snapshot_held_seconds"])
        self.assertEqual(commit[0]["details"]["nodetool_cpu_seconds"], report["nodetool_cpu_seconds"])
        # Read back through CQL after a restore of the emptied table.
        cql("TRUNCATE %s.t" % KS)
        self.assertEqual(cql("SELECT id FROM %s.t" % KS), [])
        v.json("restore", "--backup", "life-one", "--mode", "live", "--keyspace", KS + ".t")
        rows = {r.id: r.v for r in cql("SELECT id, v FROM %s.t" % KS)}
        self.assertEqual(rows, {i: "fresh-%d" % i for i in range(ROWS)})

    def java_options(self):
        with open(self.java_log) as f:
            return f.read().splitlines()

    def archive_maps(self, archive):
        """True if the real nodetool's JVM maps `archive`: with -Xshare:on a JVM that cannot, fails."""
        proc = subprocess.run([self.env["nodetool"], "-h", self.env["jmx_host"], "-p", str(self.env["jmx_port"]),
                               "version"], capture_output=True, text=True, timeout=120,
                              env=dict(os.environ, JAVA_TOOL_OPTIONS="-XX:SharedArchiveFile=%s -Xshare:on" % archive))
        return proc.returncode == 0 and "ReleaseVersion" in proc.stdout

    def test_15_the_first_nodetool_writes_a_class_archive_the_next_ones_map(self):
        v = self.vault(self.java_logging)
        if os.path.exists(self.java_log):
            os.unlink(self.java_log)
        cache = os.path.join(v.dir, "cache", "jvm-classes")
        first = v.json("backup", "--tag", "life-cds-1")
        archives = glob.glob(os.path.join(cache, "nodetool-*.jsa"))
        self.assertEqual(len(archives), 1, os.listdir(cache))
        self.assertEqual(sorted(os.listdir(cache)), [os.path.basename(archives[0])], "no half-written archive left")
        self.assertEqual(stat.S_IMODE(os.stat(cache).st_mode), 0o700)
        self.assertTrue(self.archive_maps(archives[0]), "the archive the JVM wrote must be one it can map")
        second = v.json("backup", "--tag", "life-cds-2")
        opts = self.java_options()
        self.assertEqual(len(opts), 2, opts)
        self.assertIn("-XX:ArchiveClassesAtExit=" + archives[0] + ".tmp-", opts[0])
        self.assertIn("-XX:SharedArchiveFile=" + archives[0], opts[1])
        self.assertEqual((first["nodetool_runs"], second["nodetool_runs"]), (1, 1))
        # Damaged (or left by another JDK): the JVM refuses it and says so, the backup goes on, the archive
        # is removed, and the next backup writes a new one.
        with open(archives[0], "r+b") as f:
            f.seek(os.path.getsize(archives[0]) // 2)
            f.write(b"\xff" * 64)
        v.json("backup", "--tag", "life-cds-3")
        self.assertEqual(os.listdir(cache), [])
        v.json("backup", "--tag", "life-cds-4")
        self.assertIn("-XX:ArchiveClassesAtExit=", self.java_options()[3])
        self.assertTrue(self.archive_maps(archives[0]))
        for tag in ("life-cds-1", "life-cds-2", "life-cds-3", "life-cds-4"):
            self.assertSnapshotGone(tag)

    def test_17_a_table_dropped_after_the_listing_is_listed_again_and_the_backup_goes_on(self):
        cql("CREATE TABLE %s.doomed (id int PRIMARY KEY)" % KS)
        cql("INSERT INTO %s.doomed (id) VALUES (1)" % KS)
        # The first snapshot's wrapper drops the table just before the real nodetool names it: the race
        # of a schema change between the backup's listing and its snapshot, made certain.
        dropped = os.path.join(self.dir, "dropped")
        dropping = os.path.join(self.dir, "nodetool-dropping")
        write_script(dropping, '#!/bin/sh\ncase "$*" in *" snapshot "*) if [ ! -e %s ]; then touch %s; '
                     '%s cqlsh 1 -e "DROP TABLE %s.doomed" >/dev/null 2>&1 || exit 99; fi ;; esac\nexec %s "$@"\n'
                     % (dropped, dropped, RIG, KS, self.logging))
        v = self.vault(dropping)
        report = v.json("backup", "--tag", "life-drop")
        # The first snapshot was refused as a whole ("Unknown keyspace/cf pair") and left nothing behind
        # (else the second would find its tag taken); the second named the tables that are left.
        self.assertEqual(self.nodetool_calls(), ["snapshot", "snapshot"])
        self.assertEqual(report["nodetool_runs"], 2)
        self.assertNotIn("%s.doomed" % KS, self.snapshot_tables_of_line(-1))
        self.assertIn("%s.doomed" % KS, self.snapshot_tables_of_line(0))
        self.assertTrue(any(c.startswith(KS + ".t/") for c in report["new_components"]), report["new_components"])
        self.assertSnapshotGone("life-drop")

    def test_20_leftover_cleared_without_a_jvm_and_a_failed_backup_still_clears(self):
        v = self.vault(self.logging)
        # A leftover of an interrupted run with the same tag (made outside cassvault).
        nodetool(1, "snapshot", "-t", "life-fail", KS)
        self.assertNotEqual(self.snapshot_dirs("life-fail"), [])
        # The vault's packs/ becomes a file: the backup fails storing its first pack, after the snapshot.
        with open(os.path.join(v.vault_dir, "packs"), "w") as f:
            f.write("not a directory")
        proc = v.run("backup", "--tag", "life-fail", check=False)
        self.assertNotEqual(proc.returncode, 0, proc.stdout)
        self.assertIn("packs", proc.stderr)
        # The leftover was cleared on disk (else `snapshot` would have failed "already exists"), the
        # backup's own snapshot after the failure, and neither started a JVM.
        self.assertEqual(self.nodetool_calls(), ["snapshot"], proc.stderr)
        self.assertNotIn("warning", proc.stderr)
        self.assertSnapshotGone("life-fail")

    def test_30_hanging_nodetool_killed_at_snapshot_timeout_and_snapshot_cleared(self):
        v = self.vault(self.hanging, node_extra="  snapshot_timeout: 5\n")
        proc = v.run("backup", "--tag", "life-hang", check=False, timeout=300)
        self.assertNotEqual(proc.returncode, 0, proc.stdout)
        self.assertIn("node.snapshot_timeout", proc.stderr)
        self.assertIn("killed with its process group", proc.stderr)
        with open(self.pgid_file) as f:
            pgid = int(f.read().strip())
        self.assertEqual(process_group_members(pgid), [], "the wrapper's process group must be gone")
        self.assertEqual(self.nodetool_calls(), ["snapshot"])
        self.assertSnapshotGone("life-hang")


if __name__ == "__main__":
    unittest.main()
