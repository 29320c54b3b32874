#!/usr/bin/python3
"""Whole-cluster and replaced-node restores on a production-shaped ring (issue 15): three Cassandra 5.0
nodes with vnodes (`rig up --vnodes 4`, tokens allocated as 5.0's default cassandra.yaml does), each
with two data directories, all backed up into one vault with one tag.

    /usr/bin/python3 tests/integration/test_cluster_restore.py [-v]

- whole cluster lost (every node stopped, data, commitlog, hints and saved_caches emptied), restored
  offline node by node (`--with-roles`), started: every row back through CQL, every node with its old
  tokens, the SAI index answering on every node (roles with a password: test_cluster_clone.py);
- a node replaced (emptied: it would get a new host id) and restored with --from-node: it takes the old
  node's host id and tokens back (system.local), rows equal, no streaming in any node's log;
- the same whole-cluster loss from backups without system.local: tokens from the initial_token the
  restore writes, new host ids, every row back;
- a backup older than a replicated table's gc_grace_seconds: refused naming the table, then forced;
- bad input: another node's backup, another partitioner, a node holding other tokens: refused with a
  clear error, nothing written.

Tests run in name order and share the rig.
"""

import glob
import hashlib
import os
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cvtest import Vault, all_files, snapshot_tree  # noqa: E402
from rigtest import _session, close_sessions, cql, load_rows, read_rows, rig, rig_env  # noqa: E402

NODES = (1, 2, 3)
VNODES = 4
ROWS = 30000  # SimpleStrategy RF 1: each row has exactly one replica, so a wrong owner loses it
NTS_ROWS = 3000  # NetworkTopologyStrategy RF 2 over three racks


def value(i):
    return "row-%d-%s" % (i, hashlib.sha256(str(i).encode()).hexdigest()[:24])


def node_dirs(env):
    return env["data_dirs"] + [env["commitlog_dir"], env["saved_caches_dir"], env["hints_dir"]]


def empty_dirs(env):
    """What a lost disk leaves: the node's directories, empty."""
    for d in node_dirs(env):
        for entry in os.listdir(d):
            p = os.path.join(d, entry)
            shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def tokens_of(n):
    row = cql("SELECT tokens, host_id FROM system.local", node=n)[0]
    return sorted(row.tokens, key=int), str(row.host_id)


def rows_of(table, consistency="ALL"):
    return read_rows(_session(1), table, consistency)


class ClusterRestoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t0 = time.monotonic()
        rig("down")
        rig("up", "--nodes", 3, "--vnodes", VNODES)
        cls.timing = {"rig_up": time.monotonic() - cls.t0}
        cls.env = {n: rig_env(n) for n in NODES}
        cls.load()
        cls.before = {n: tokens_of(n) for n in NODES}
        # One vault, one config per node (each names its own cassandra.yaml, nodetool and CQL address).
        cls.vaults = {1: Vault.for_rig_node(1)}
        for n in (2, 3):
            cls.vaults[n] = Vault.for_rig_node(n, url="file://" + cls.vaults[1].vault_dir)
        cls.vaults[1].run("init")
        t = time.monotonic()
        cls.backups = {n: cls.vaults[n].json("backup", "--tag", "cl1") for n in NODES}
        cls.timing["backup_3_nodes"] = time.monotonic() - t
        cls.listing = {b["address"]: b for b in cls.vaults[1].json("list")}

    @classmethod
    def load(cls):
        s = _session(1)
        s.execute("CREATE KEYSPACE cr_simple WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        s.execute("CREATE TABLE cr_simple.rows (id int PRIMARY KEY, v text)")
        # SAI: its per-SSTable components are backed up and restored with the table.
        s.execute("CREATE INDEX rows_v_sai ON cr_simple.rows (v) USING 'sai'")
        s.execute("CREATE KEYSPACE cr_nts WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 2}")
        s.execute("CREATE TABLE cr_nts.rows (id int PRIMARY KEY, v text)")
        load_rows(s, "cr_simple.rows", ROWS, value, "ONE", concurrency=128)
        load_rows(s, "cr_nts.rows", NTS_ROWS, value, "ALL", concurrency=128)

    @classmethod
    def tearDownClass(cls):
        close_sessions()
        rig("down")
        for v in cls.vaults.values():
            v.cleanup()
        print("\ntimings (s): %s; whole class %.0f s" % (
            ", ".join("%s %.1f" % kv for kv in sorted(cls.timing.items())), time.monotonic() - cls.t0),
            file=sys.stderr)

    def assertAllRowsBack(self):
        self.assertEqual(rows_of("cr_simple.rows", "ONE"), {i: value(i) for i in range(ROWS)})
        self.assertEqual(rows_of("cr_nts.rows", "ALL"), {i: value(i) for i in range(NTS_ROWS)})
        # The SAI index answers through every coordinator.
        for n in NODES:
            for i in (0, 12345, ROWS - 1):
                got = cql("SELECT id FROM cr_simple.rows WHERE v = %s", node=n, params=[value(i)])
                self.assertEqual([r.id for r in got], [i], "SAI query on node %d" % n)

    def start(self, n):
        close_sessions()
        rig("start", n)

    # --- the scenario ----------------------------------------------------------------------
    def test_00_rig_has_vnodes_and_backups_recorded_them(self):
        seen = set()
        for n in NODES:
            tokens, _ = self.before[n]
            self.assertEqual(len(tokens), VNODES)
            self.assertFalse(seen & set(tokens))
            seen |= set(tokens)
        for n in NODES:
            self.assertEqual(self.listing[self.env[n]["cql_host"]]["host_id"], self.before[n][1])

    def test_01_each_node_backs_up_into_its_partition_and_list_filters_the_catalog(self):
        # Issue 11: each node has its own partition (a node alias, minted at its first backup) and commits
        # its record as a catalog segment; list reads them across nodes, filtered and summarised.
        node_ids = {n: self.backups[n]["node_id"] for n in NODES}
        for n in NODES:
            self.assertRegex(node_ids[n], r"^[0-9a-f]{16}$")
        self.assertEqual(len(set(node_ids.values())), 3, node_ids)
        files = self.vaults[1].vault_files()
        self.assertEqual(len([f for f in files if f.startswith("nodes/")]), 3, sorted(files)[:20])
        segments = sorted(f for f in files if f.startswith("catalog/"))
        self.assertEqual([s.rsplit("/", 1)[1] for s in segments],
                         sorted(self.backups[n]["backup_id"] for n in NODES))
        self.assertFalse([f for f in files if f.startswith("backups/")])
        cluster = self.vaults[2].json("list", "--cluster")
        self.assertEqual([(c["tag"], c["nodes"], c["backups"]) for c in cluster], [("cl1", 3, 3)])
        self.assertEqual(sorted(cluster[0]["host_ids"]), sorted(self.before[n][1] for n in NODES))
        self.assertEqual(cluster[0]["bytes"], sum(self.backups[n]["bytes"] for n in NODES))
        by_address = self.vaults[1].json("list", "--node", self.env[2]["cql_host"])
        self.assertEqual([b["backup_id"] for b in by_address], [self.backups[2]["backup_id"]])
        by_node_id = self.vaults[1].json("list", "--node", node_ids[3], "--tag", "cl1", "--limit", "5")
        self.assertEqual([b["backup_id"] for b in by_node_id], [self.backups[3]["backup_id"]])
        # Bad flag values: exit 2, the flag named, nothing written.
        before = self.vaults[1].vault_files()
        bad = self.vaults[1].run("list", "--since", "last tuesday", check=False)
        self.assertEqual(bad.returncode, 2, bad.stderr)
        self.assertIn("--since 'last tuesday'", bad.stderr)
        bad = self.vaults[1].run("list", "--limit", "0", check=False)
        self.assertEqual(bad.returncode, 2, bad.stderr)
        self.assertEqual(self.vaults[1].vault_files(), before)
        # maintain (here with node 3's key, as a node's cron would) consolidates; list then reads the
        # consolidation and shows the same records.
        listed = self.vaults[1].json("list")
        m = self.vaults[3].json("maintain")
        self.assertEqual(m["catalog"]["records"], 3)
        self.assertEqual(m["catalog"]["fetched"], 3)
        self.assertTrue(m["catalog"]["written"].startswith("catalog-full/"), m)
        self.assertIn(m["catalog"]["written"], self.vaults[1].vault_files())
        self.assertEqual(self.vaults[2].json("list"), listed)
        again = self.vaults[1].json("maintain")
        self.assertEqual(again["catalog"]["written"], "", "up to date: nothing written")

    def test_10_whole_cluster_lost_then_restored_offline(self):
        close_sessions()
        rig("down")
        yamls = {n: read(self.env[n]["cassandra_yaml"]) for n in NODES}
        for n in NODES:
            empty_dirs(self.env[n])

        # Dry run: the token plan, and nothing changes (not even cassandra.yaml).
        dry = self.vaults[1].json("restore", "--backup", "cl1", "--dry-run")
        plan = "\n".join(dry["plan"])
        self.assertIn("owned 4 tokens: " + ",".join(self.before[1][0]), plan)
        self.assertIn("setting initial_token", plan)
        self.assertIn("restoring system.local too", plan)
        self.assertEqual(read(self.env[1]["cassandra_yaml"]), yamls[1])
        self.assertFalse(os.path.exists(self.env[1]["cassandra_yaml"] + ".before-restore-" + dry["backup_id"]))

        t = time.monotonic()
        reports = {n: self.vaults[n].json("restore", "--backup", "cl1", "--mode", "offline", "--with-roles")
                   for n in NODES}
        self.timing["restore_3_nodes_offline"] = time.monotonic() - t
        for n in NODES:
            r = reports[n]
            self.assertEqual(r["backup_id"], self.backups[n]["backup_id"])
            copy = self.env[n]["cassandra_yaml"] + ".before-restore-" + r["backup_id"]
            self.assertEqual(read(copy), yamls[n], "the original cassandra.yaml is kept")
            text = read(self.env[n]["cassandra_yaml"]).decode()
            self.assertIn("initial_token: '%s'" % ",".join(self.before[n][0]), text)
            self.assertIn("num_tokens: 4\n", text)
            self.assertIn("auto_bootstrap: false\n", text)
            self.assertIn("allocate_tokens_for_local_replication_factor: 3", text, "other lines stay")
            steps = "\n".join(r["next_steps"])
            self.assertIn("seed nodes first", steps)
            self.assertIn("nodetool repair -full", steps)
            self.assertIn("cr_nts", steps)
            self.assertIn("no repair for cr_simple", steps)
            # Both data directories got SSTables of the table.
            for d in self.env[n]["data_dirs"]:
                self.assertTrue(glob.glob(os.path.join(d, "cr_simple", "rows-*", "*-Data.db")), d)
            self.assertTrue(any("restoring system_auth (--with-roles)" in p for p in r["plan"]), r["plan"][:5])
        self.assertTrue([f for n in NODES for d in self.env[n]["data_dirs"]
                         for f in glob.glob(os.path.join(d, "cr_simple", "rows-*", "*SAI+*"))],
                        "SAI components restored")

        # A rerun, as after an interruption between the files and the cassandra.yaml edit: the node's only
        # system.local files are the backup's own, so it still counts as emptied and gets its yaml edit.
        y1 = self.env[1]["cassandra_yaml"]
        copy1 = y1 + ".before-restore-" + reports[1]["backup_id"]
        shutil.copyfile(copy1, y1)
        os.remove(copy1)
        again = self.vaults[1].json("restore", "--backup", "cl1")
        self.assertEqual(again["files_written"], 0)
        self.assertGreater(again["files_already_present"], 0)
        self.assertTrue(any("restoring system.local too" in p for p in again["plan"]), again["plan"][:3])
        self.assertIn("initial_token: '%s'" % ",".join(self.before[1][0]), read(y1).decode())
        self.assertEqual(read(copy1), yamls[1])

        t = time.monotonic()
        for n in NODES:
            self.start(n)
        self.timing["start_3_nodes"] = time.monotonic() - t
        for n in NODES:
            tokens, host_id = tokens_of(n)
            self.assertEqual(tokens, self.before[n][0], "node %d came back with other tokens" % n)
            self.assertEqual(host_id, self.before[n][1], "system.local restored: the node keeps its host id")
        t = time.monotonic()
        self.assertAllRowsBack()
        self.timing["read_all_rows"] = time.monotonic() - t

    # --- a replaced node ---------------------------------------------------------------------------
    def test_20_replaced_node_restored_from_old_nodes_backup_without_streaming(self):
        env = self.env[3]
        old_host = self.before[3][1]
        close_sessions()
        rig("stop", 3)
        empty_dirs(env)
        # New hardware: the rig's own cassandra.yaml (num_tokens 4, tokens allocated), not the restored one.
        copies = glob.glob(env["cassandra_yaml"] + ".before-restore-*")
        self.assertEqual(len(copies), 1, copies)
        shutil.copyfile(copies[0], env["cassandra_yaml"])
        os.remove(copies[0])
        t = time.monotonic()
        r = self.vaults[3].json("restore", "--backup", "cl1", "--from-node", old_host)
        self.timing["restore_replaced_node"] = time.monotonic() - t
        self.assertEqual(r["backup_id"], self.backups[3]["backup_id"])
        # The takeover hint for the replacement's next backup: the restored backup's partition, 0600.
        hints = glob.glob(os.path.join(self.vaults[3].dir, "cache", "*.takeover"))
        self.assertEqual(len(hints), 1, hints)
        self.assertEqual(read(hints[0]).decode().strip(), self.backups[3]["node_id"])
        self.assertEqual(os.stat(hints[0]).st_mode & 0o777, 0o600)
        self.assertTrue(any("setting initial_token" in p for p in r["plan"]), r["plan"][:3])
        self.assertTrue(any("restoring system.local too" in p for p in r["plan"]), r["plan"][:3])
        self.assertTrue(any("/system/local-" in p for p in r["plan"]), "system.local is written")
        logs = {n: rig_env(n)["log"] for n in NODES}
        offsets = {n: os.path.getsize(logs[n]) for n in NODES}
        t = time.monotonic()
        self.start(3)
        self.timing["start_replaced_node"] = time.monotonic() - t
        tokens, host_id = tokens_of(3)
        self.assertEqual(tokens, self.before[3][0])
        self.assertEqual(host_id, old_host, "the replacement takes over the old node's host id")
        peer = cql("SELECT host_id FROM system.peers_v2 WHERE peer = '127.0.0.3' AND peer_port = 7000", node=1)
        self.assertEqual(str(peer[0].host_id), old_host, "node 1 knows node 3 under its old host id")
        self.assertAllRowsBack()
        for n in NODES:
            with open(logs[n], errors="replace") as f:
                f.seek(offsets[n])
                text = f.read()
            self.assertNotIn("Stream #", text, "node %d streamed while node 3 joined" % n)
            self.assertNotIn("JOINING: Starting to bootstrap", text)
        with open(logs[3], errors="replace") as f:
            f.seek(offsets[3])
            self.assertIn("Using saved tokens", f.read())
        # Its next backup stays in the old node's partition (it came back with the old host id, whose alias
        # names it; the hint is moot and removed), so the restored SSTables are not stored again.
        aliases = [f for f in self.vaults[1].vault_files() if f.startswith("nodes/")]
        after = self.vaults[3].json("backup", "--tag", "cl1-replaced", "--keyspace", "cr_simple")
        self.assertEqual(after["node_id"], self.backups[3]["node_id"])
        self.assertEqual(after["new_bytes"], 0, after.get("new_components"))
        self.assertEqual(glob.glob(os.path.join(self.vaults[3].dir, "cache", "*.takeover")), [])
        self.assertEqual([f for f in self.vaults[1].vault_files() if f.startswith("nodes/")], aliases)

    def test_25_whole_cluster_from_backups_without_system_local(self):
        # Backups that hold no system.local (taken with --keyspace, or by an older cassvault): the tokens
        # come from the initial_token the restore writes, and the nodes get new host ids.
        for n in NODES:
            self.vaults[n].json("backup", "--tag", "cl2", "--keyspace", "cr_simple", "--keyspace", "cr_nts",
                                "--keyspace", "system_schema")
        close_sessions()
        rig("down")
        for n in NODES:
            empty_dirs(self.env[n])
            # The rig's own cassandra.yaml again (allocated tokens), as before any restore.
            copies = glob.glob(self.env[n]["cassandra_yaml"] + ".before-restore-*")
            self.assertEqual(len(copies), 1, copies)
            shutil.copyfile(copies[0], self.env[n]["cassandra_yaml"])
            os.remove(copies[0])
        for n in NODES:
            r = self.vaults[n].json("restore", "--backup", "cl2")
            plan = "\n".join(r["plan"])
            self.assertIn("setting initial_token", plan)
            self.assertNotIn("restoring system.local", plan)
            self.assertIn("tokens manually specified as", "\n".join(r["next_steps"]))
        for n in NODES:
            self.start(n)
        for n in NODES:
            tokens, host_id = tokens_of(n)
            self.assertEqual(tokens, self.before[n][0], "node %d came back with other tokens" % n)
            self.assertNotEqual(host_id, self.before[n][1], "without system.local a node gets a new host id")
        self.assertAllRowsBack()

    # --- an old backup of a replicated table ------------------------------------------------------------
    def test_30_backup_older_than_gc_grace_is_refused_naming_the_table(self):
        s = _session(1)
        s.execute("CREATE KEYSPACE cr_gc WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 2}")
        s.execute("CREATE TABLE cr_gc.t (id int PRIMARY KEY, v text) WITH gc_grace_seconds = 1")
        load_rows(s, "cr_gc.t", 10, value, "ALL")
        for n in NODES:
            self.vaults[n].json("backup", "--tag", "gc1", "--keyspace", "cr_gc")
        time.sleep(2.5)
        s.execute("TRUNCATE cr_gc.t")
        refused = self.vaults[1].run("restore", "--backup", "gc1", "--mode", "live", "--keyspace", "cr_gc", check=False)
        self.assertEqual(refused.returncode, 7, refused.stderr)
        self.assertIn("cr_gc.t (gc_grace_seconds 1)", refused.stderr)
        self.assertIn("--ignore-gc-grace", refused.stderr)
        self.assertEqual(rows_of("cr_gc.t"), {}, "nothing was restored")
        for n in NODES:
            r = self.vaults[n].json("restore", "--backup", "gc1", "--mode", "live", "--keyspace", "cr_gc",
                                    "--ignore-gc-grace")
            self.assertTrue(any(p.startswith("warning:") and "cr_gc.t" in p for p in r["plan"]), r["plan"][:4])
            self.assertTrue(any("nodetool repair -full" in p and "cr_gc" in p for p in r["next_steps"]),
                            r["next_steps"])
        self.assertEqual(rows_of("cr_gc.t"), {i: value(i) for i in range(10)})

    # --- bad input ---------------------------------------------------------------------------------
    def test_90_another_nodes_backup_is_refused_and_nothing_written(self):
        env1 = self.env[1]
        node2_backup = self.backups[2]["backup_id"]
        watched = self.restored_dirs(env1) + [os.path.dirname(env1["cassandra_yaml"])]
        before = snapshot_tree(watched)
        vault_before = self.vaults[1].vault_files()
        # Live into running node 1: refused on the backup's node, before any schema or file.
        live = self.vaults[1].run("restore", "--backup", node2_backup, "--mode", "live", check=False)
        self.assertEqual(live.returncode, 3, live.stderr)
        self.assertIn("is of node 127.0.0.2", live.stderr)
        self.assertIn("this node is 127.0.0.1", live.stderr)
        self.assertIn("--from-node 127.0.0.2", live.stderr)
        # Offline, as for a stopped node 1 (a config whose CQL port nothing listens on).
        stopped = self.stopped_view(env1)
        try:
            off = stopped.run("restore", "--backup", node2_backup, check=False)
            self.assertEqual(off.returncode, 3, off.stderr)
            self.assertIn("is of node 127.0.0.2", off.stderr)
            # Naming node 2 makes the backup acceptable; node 1 holding other tokens then refuses it.
            forced = self.vaults[1].run("restore", "--backup", node2_backup, "--mode", "live", "--from-node",
                                        "127.0.0.2", check=False)
            self.assertEqual(forced.returncode, 7, forced.stderr)
            self.assertIn("other tokens", forced.stderr)
            self.assertIn("--topology-change", forced.stderr)
        finally:
            stopped.cleanup()
        self.assertEqual(snapshot_tree(watched), before)
        self.assertEqual(self.vaults[1].vault_files(), vault_before)
        self.assertNoStaging(env1)

    def test_91_other_partitioner_is_refused_and_nothing_written(self):
        env1 = self.env[1]
        stopped = self.stopped_view(env1, edit=lambda y: y.replace(
            "org.apache.cassandra.dht.Murmur3Partitioner", "org.apache.cassandra.dht.RandomPartitioner"))
        try:
            watched = self.restored_dirs(env1) + [os.path.dirname(stopped.yaml)]
            before = snapshot_tree(watched)
            r = stopped.run("restore", "--backup", "cl1", check=False)
            self.assertEqual(r.returncode, 7, r.stderr)
            self.assertIn("uses partitioner org.apache.cassandra.dht.RandomPartitioner", r.stderr)
            self.assertIn("Murmur3Partitioner", r.stderr)
            self.assertEqual(snapshot_tree(watched), before)
            self.assertNoStaging(env1)
        finally:
            stopped.cleanup()

    def test_92_node_set_up_again_after_the_backup_is_refused(self):
        # Node 1's system keyspace was created when it restarted in test_10, after backup cl1. Without the
        # initial_token the restore wrote, its yaml says nothing of the tokens it stored: they are the
        # ones it allocated then, as in the issue (nodes started after a wipe, new random tokens).
        env1 = self.env[1]

        def without_tokens(y):
            return "\n".join(line for line in y.splitlines()
                             if not line.startswith(("initial_token:", "auto_bootstrap:"))) + "\n"
        stopped = self.stopped_view(env1, edit=without_tokens)
        try:
            watched = self.restored_dirs(env1) + [os.path.dirname(stopped.yaml)]
            before = snapshot_tree(watched)
            r = stopped.run("restore", "--backup", "cl1", check=False)
            self.assertEqual(r.returncode, 7, r.stderr)
            self.assertIn("was set up again after backup", r.stderr)
            self.assertIn("--topology-change", r.stderr)
            self.assertEqual(snapshot_tree(watched), before)
            self.assertNoStaging(env1)
        finally:
            stopped.cleanup()

    @staticmethod
    def restored_dirs(env):
        """Where a restore of the test keyspaces would write. The rest of a running node's data dirs
        changes on its own (system tables)."""
        return [os.path.join(d, ks) for d in env["data_dirs"] for ks in ("cr_simple", "cr_nts")]

    def assertNoStaging(self, env):
        for d in env["data_dirs"]:
            self.assertFalse(os.path.exists(os.path.join(d, ".cassvault-restore")), d)

    def stopped_view(self, env, edit=None):
        """A config for node `env` as if it were stopped: a copy of its cassandra.yaml (optionally edited)
        whose CQL port nothing listens on, same data directories, same vault."""
        work = tempfile.mkdtemp(prefix="cv-cr-")
        yaml = os.path.join(work, "cassandra.yaml")
        text = read(env["cassandra_yaml"]).decode()
        text = text.replace("native_transport_port: 9042", "native_transport_port: 1")
        with open(yaml, "w") as f:
            f.write(edit(text) if edit else text)
        v = Vault(yaml, ["/bin/false"], cql_host=env["cql_host"], cql_port=1, workdir=os.path.join(work, "cv"),
                  url="file://" + self.vaults[1].vault_dir)
        v.yaml = yaml
        orig_cleanup = v.cleanup

        def cleanup():
            orig_cleanup()
            shutil.rmtree(work, ignore_errors=True)
        v.cleanup = cleanup
        return v


if __name__ == "__main__":
    unittest.main()
