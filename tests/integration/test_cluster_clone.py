#!/usr/bin/python3
"""Another cluster, same shape (issue 15): cluster A's cluster backup restored onto a new cluster B.

    /usr/bin/python3 tests/integration/test_cluster_clone.py [-v]

Cluster A: three Cassandra 5.0 nodes with vnodes (`rig up --vnodes 4`), all in one rack, so that the
mapping by token order decides which node goes where; password authentication on (a role with a password
and SELECT grants), an SAI index, a SimpleStrategy RF 1 keyspace and a NetworkTopologyStrategy RF 2 one.
Every node is backed up with one tag. Then A is gone and B is provisioned, never started: another
cluster_name and another DC name (`rig up --no-start --cluster-name clB --dc dcB`).

- `cassvault cluster-map` maps A's nodes by token order onto B's by address, with the DC map;
- bad maps (a node not covered, two targets on one source, an unknown node, a node in another DC or
  rack, another shape) are refused with the exact error and exit code, nothing written;
- `restore --node-map --with-roles` on each B node, B started: each B node owns its mapped A node's
  tokens (with its own host id), every row equal through CQL after the printed ALTER KEYSPACE, the role
  logs in with its password and its grants hold, SAI queries answer.

Tests run in name order and share the rig.
"""

import hashlib
import json
import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cvtest import Vault, snapshot_tree  # noqa: E402
from rigtest import load_rows, read_rows, rig, rig_env  # noqa: E402

NODES = (1, 2, 3)
VNODES = 4
ROWS = 3000  # SimpleStrategy RF 1: a row on the wrong owner is lost
NTS_ROWS = 1000  # NetworkTopologyStrategy RF 2
SUPERUSER = ("cassandra", "cassandra")  # the rig's --auth password superuser
ROLE = ("app_reader", "s3cret-app-password")


def value(i):
    return "row-%d-%s" % (i, hashlib.sha256(str(i).encode()).hexdigest()[:24])


def read(path):
    with open(path, "rb") as f:
        return f.read()


class Sessions:
    """Driver sessions with credentials, one coordinator each."""

    def __init__(self):
        self.clusters = []

    def get(self, node, user=SUPERUSER):
        from cassandra.auth import PlainTextAuthProvider
        from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
        from cassandra.policies import WhiteListRoundRobinPolicy
        addr = "127.0.0.%d" % node
        profile = ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy([addr]), request_timeout=60)
        cluster = Cluster([addr], port=9042, protocol_version=5, connect_timeout=10,
                          execution_profiles={EXEC_PROFILE_DEFAULT: profile},
                          auth_provider=PlainTextAuthProvider(username=user[0], password=user[1]))
        self.clusters.append(cluster)
        return cluster.connect()

    def close(self):
        while self.clusters:
            self.clusters.pop().shutdown()


def local_node(session):
    row = list(session.execute("SELECT tokens, host_id, cluster_name, data_center, rack FROM system.local"))[0]
    return sorted(row.tokens, key=int), str(row.host_id), row.cluster_name, row.data_center, row.rack


class ClusterCloneTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t0 = time.monotonic()
        cls.sessions = Sessions()
        cls.work = tempfile.mkdtemp(prefix="cv-clone-")
        cls.vaults = {}
        cls.timing = {}
        rig("down")
        t = time.monotonic()
        rig("up", "--nodes", 3, "--vnodes", VNODES, "--racks", 1, "--auth", "password")
        cls.timing["rig_up_a"] = time.monotonic() - t
        cls.load()
        cls.a_nodes = {}
        for n in NODES:
            s = cls.sessions.get(n)
            cls.a_nodes[n] = local_node(s)
        cls.sessions.close()
        cls.creds = os.path.join(cls.work, "cql-credentials")
        with open(os.open(cls.creds, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write("username=%s\npassword=%s\n" % SUPERUSER)
        cls.vaults = {n: cls.vault_for(n) for n in NODES}
        cls.vaults[1].run("init")
        t = time.monotonic()
        cls.backups = {n: cls.vaults[n].json("backup", "--tag", "clA") for n in NODES}
        cls.timing["backup_a_3_nodes"] = time.monotonic() - t
        # A is gone. B: provisioned with another name and DC, same rack layout, never started.
        rig("down")
        rig("up", "--nodes", 3, "--vnodes", VNODES, "--racks", 1, "--auth", "password", "--cluster-name",
            "clB", "--dc", "dcB", "--no-start")
        cls.env = {n: rig_env(n) for n in NODES}
        cls.map_file = os.path.join(cls.work, "node-map.yaml")

    @classmethod
    def vault_for(cls, n):
        v = Vault.for_rig_node(n, url="file://" + os.path.join(cls.work, "vault"),
                               workdir=os.path.join(cls.work, "cv%d" % n))
        text = read(v.config).decode()
        env = rig_env(n)
        old = "  cql: {host: %s, port: %d}\n" % (env["cql_host"], int(env["cql_port"]))
        assert old in text, text
        with open(v.config, "w") as f:
            f.write(text.replace(old, "  cql: {host: %s, port: %d, credentials_file: %s}\n" % (
                env["cql_host"], int(env["cql_port"]), cls.creds)))
        return v

    @classmethod
    def load(cls):
        s = cls.sessions.get(1)
        s.execute("CREATE KEYSPACE cc_simple WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        s.execute("CREATE TABLE cc_simple.rows (id int PRIMARY KEY, v text)")
        s.execute("CREATE INDEX rows_v_sai ON cc_simple.rows (v) USING 'sai'")
        s.execute("CREATE KEYSPACE cc_nts WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 2}")
        s.execute("CREATE TABLE cc_nts.rows (id int PRIMARY KEY, v text)")
        s.execute("CREATE ROLE %s WITH PASSWORD = '%s' AND LOGIN = true" % ROLE)
        s.execute("GRANT SELECT ON KEYSPACE cc_simple TO %s" % ROLE[0])
        s.execute("GRANT SELECT ON KEYSPACE cc_nts TO %s" % ROLE[0])
        load_rows(s, "cc_simple.rows", ROWS, value, "ONE")
        load_rows(s, "cc_nts.rows", NTS_ROWS, value, "ALL")

    @classmethod
    def tearDownClass(cls):
        cls.sessions.close()
        rig("down")
        import shutil
        shutil.rmtree(cls.work, ignore_errors=True)
        print("\ntimings (s): %s; whole class %.0f s" % (
            ", ".join("%s %.1f" % kv for kv in sorted(cls.timing.items())), time.monotonic() - cls.t0),
            file=sys.stderr)

    def expected_map(self):
        """The documented order: A's nodes by their lowest token onto B's addresses in order."""
        by_token = sorted(NODES, key=lambda n: int(self.a_nodes[n][0][0]))
        return {"127.0.0.%d" % (i + 1): self.a_nodes[n][1] for i, n in enumerate(by_token)}

    def targets_file(self, lines):
        path = tempfile.mktemp(dir=self.work, suffix=".targets")
        with open(path, "w") as f:
            f.write("# address dc rack\n" + "".join(line + "\n" for line in lines))
        return path

    def map_text(self, nodes, dc_map=True):
        return ("dc_map:\n  dc1: dcB\n" if dc_map else "") + "nodes:\n" + "".join(
            "  %s: %s\n" % kv for kv in nodes)

    def watched(self):
        out = []
        for n in NODES:
            e = self.env[n]
            out += e["data_dirs"] + [e["commitlog_dir"], e["conf_dir"]]
        return out

    # --- the mapping ---------------------------------------------------------------------------
    def test_10_cluster_map_maps_by_token_order_onto_addresses(self):
        targets = self.targets_file(["127.0.0.3 dcB rack1", "127.0.0.1 dcB rack1", "127.0.0.2 dcB rack1"])
        t = time.monotonic()
        r = self.vaults[1].json("cluster-map", "--backup", "clA", "--target-nodes", targets, "--dc-map",
                                "dc1=dcB", "--out", self.map_file)
        self.timing["cluster_map"] = time.monotonic() - t
        self.assertEqual({n["target"]: n["source_host_id"] for n in r["nodes"]}, self.expected_map())
        self.assertEqual(r["dc_map"], {"dc1": "dcB"})
        text = read(self.map_file).decode()
        self.assertEqual(text, r["file"])
        for target, host in self.expected_map().items():
            self.assertIn("  %s: %s  # was 127.0.0." % (target, host), text)
        # Never overwritten.
        again = self.vaults[1].run("cluster-map", "--backup", "clA", "--target-nodes", targets, "--dc-map",
                                   "dc1=dcB", "--out", self.map_file, check=False)
        self.assertEqual(again.returncode, 7, again.stderr)
        self.assertIn("is never overwritten", again.stderr)
        self.assertEqual(read(self.map_file).decode(), text)

    def test_15_cluster_map_refuses_another_shape(self):
        targets = self.targets_file(["127.0.0.1 dcB rack1", "127.0.0.2 dcB rack1", "127.0.0.3 dcB rack2"])
        out = os.path.join(self.work, "not-written.yaml")
        r = self.vaults[1].run("cluster-map", "--backup", "clA", "--target-nodes", targets, "--dc-map", "dc1=dcB",
                               "--out", out, check=False)
        self.assertEqual(r.returncode, 7, r.stderr)
        self.assertIn("rack dcB/rack1: has 3 nodes in the backup (after --dc-map) but 2 nodes", r.stderr)
        self.assertFalse(os.path.exists(out))
        # Without the DC map, no rack of B matches A's.
        r = self.vaults[1].run("cluster-map", "--backup", "clA", "--target-nodes",
                               self.targets_file(["127.0.0.1 dcB rack1"]), check=False)
        self.assertEqual(r.returncode, 7, r.stderr)
        self.assertIn("rack dc1/rack1: has 3 nodes in the backup", r.stderr)

    def test_20_bad_maps_are_refused_and_nothing_written(self):
        good = self.expected_map()
        hosts = list(good.values())
        cases = [
            ("not covering a node", self.map_text(list(good.items())[:2]),
             "does not cover source node 127.0.0."),
            ("two targets on one source",
             self.map_text([("127.0.0.1", hosts[0]), ("127.0.0.2", hosts[0]), ("127.0.0.3", hosts[2])]),
             "are both mapped to source node"),
            ("an unknown node",
             self.map_text([("127.0.0.1", hosts[0]), ("127.0.0.2", hosts[1]), ("127.0.0.3", "10.9.9.9")]),
             "target 127.0.0.3 is mapped to 10.9.9.9, which is no node of the cluster backup"),
            ("another DC (no dc_map)", self.map_text(list(good.items()), dc_map=False),
             "maps this node (127.0.0.1, dcB/rack1 in cassandra-rackdc.properties) to 127.0.0."),
            ("no entry for this node", self.map_text(
                [("127.0.0.9", hosts[0]), ("127.0.0.2", hosts[1]), ("127.0.0.3", hosts[2])]),
             "has no entry for this node (127.0.0.1)"),
            ("a malformed line", "nodes:\n  127.0.0.1 %s\n" % hosts[0], "line 2: expected `key: value`"),
        ]
        before = snapshot_tree(self.watched())
        vault_before = self.vaults[1].vault_files()
        for name, text, want in cases:
            with self.subTest(name):
                path = os.path.join(self.work, "bad-%s.yaml" % name.replace(" ", "-"))
                with open(path, "w") as f:
                    f.write(text)
                r = self.vaults[1].run("restore", "--backup", "clA", "--node-map", path, "--with-roles",
                                       check=False)
                self.assertEqual(r.returncode, 3, r.stderr)
                self.assertIn(want, r.stderr)
                self.assertTrue(r.stderr.startswith("cassvault: Invalid argument: restore: "), r.stderr)
        self.assertEqual(snapshot_tree(self.watched()), before)
        self.assertEqual(self.vaults[1].vault_files(), vault_before)

    # --- the restore ---------------------------------------------------------------------------
    def test_30_new_cluster_gets_rows_tokens_roles_and_sai_back(self):
        from cassandra import AuthenticationFailed, Unauthorized
        from cassandra.cluster import NoHostAvailable
        mapping = self.expected_map()
        source_of = {n: next(m for m in NODES if self.a_nodes[m][1] == mapping["127.0.0.%d" % n]) for n in NODES}

        # Roles only when asked (system_auth has RF 1: each role is in one node's backup).
        for n in NODES:
            dry = self.vaults[n].json("restore", "--backup", "clA", "--node-map", self.map_file, "--dry-run")
            self.assertFalse([p for p in dry["plan"] if "/system_auth/" in p], "no system_auth without --with-roles")

        t = time.monotonic()
        reports = {n: self.vaults[n].json("restore", "--backup", "clA", "--node-map", self.map_file,
                                          "--with-roles") for n in NODES}
        self.timing["restore_b_3_nodes"] = time.monotonic() - t
        for n in NODES:
            r = reports[n]
            src = source_of[n]
            self.assertEqual(r["backup_id"], self.backups[src]["backup_id"])
            plan = "\n".join(r["plan"])
            self.assertIn("this node (127.0.0.%d) takes the backup" % n, plan)
            self.assertIn("DC and rack checked: dcB/rack1", plan)
            self.assertIn("a new cluster (--node-map): system.local is not restored", plan)
            self.assertNotIn("restoring system.local too", plan)
            self.assertNotIn("/system/local-", plan)
            self.assertIn("restoring system_auth (--with-roles)", plan)
            self.assertIn("initial_token: '%s'" % ",".join(self.a_nodes[src][0]),
                          read(self.env[n]["cassandra_yaml"]).decode())
            steps = "\n".join(r["next_steps"])
            self.assertIn("ALTER KEYSPACE \"cc_nts\" WITH replication = {'class': 'NetworkTopologyStrategy', "
                          "'dcB': '2'};", steps)
            self.assertNotIn("cc_simple\" WITH", steps)
        self.assertTrue([p for n in NODES for p in reports[n]["plan"] if "/system_auth/roles-" in p],
                        "--with-roles writes the roles")
        # SAI components came back with the table.
        sai = [f for d in self.env[1]["data_dirs"] + self.env[2]["data_dirs"] + self.env[3]["data_dirs"]
               for base, _, files in os.walk(os.path.join(d, "cc_simple")) for f in files if "SAI+" in f]
        self.assertTrue(sai, "no SAI component was restored")

        t = time.monotonic()
        for n in NODES:
            rig("start", n)
        self.timing["start_b_3_nodes"] = time.monotonic() - t
        for n in NODES:
            tokens, host_id, cluster, dc, rack = local_node(self.sessions.get(n))
            src = source_of[n]
            self.assertEqual(tokens, self.a_nodes[src][0], "B node %d does not own A node %d's tokens" % (n, src))
            self.assertNotEqual(host_id, self.a_nodes[src][1], "a new cluster has its own host ids")
            self.assertEqual((cluster, dc, rack), ("clB", "dcB", "rack1"))

        admin = self.sessions.get(1)
        # Before the ALTER the NTS keyspace has no replica in dcB: its reads fail, nothing is lost.
        from cassandra import Unavailable
        with self.assertRaises(NoHostAvailable) as ctx:
            read_rows(admin, "cc_nts.rows", "ONE")
        self.assertTrue(any(isinstance(e, Unavailable) and "alive_replicas': 0" in str(e)
                            for e in ctx.exception.errors.values()), ctx.exception.errors)
        alter = [s for s in reports[1]["next_steps"] if "ALTER KEYSPACE" in s][0]
        stmt = alter[alter.index("ALTER KEYSPACE"):alter.index("};") + 1]
        admin.execute(stmt)

        t = time.monotonic()
        app = self.sessions.get(1, ROLE)
        self.assertEqual(read_rows(app, "cc_simple.rows", "ONE"), {i: value(i) for i in range(ROWS)})
        self.assertEqual(read_rows(app, "cc_nts.rows", "ALL"), {i: value(i) for i in range(NTS_ROWS)})
        self.timing["read_all_rows_as_role"] = time.monotonic() - t
        # The role's grants came back too: it may read, not write.
        with self.assertRaises(Unauthorized):
            app.execute("INSERT INTO cc_simple.rows (id, v) VALUES (-1, 'x')")
        with self.assertRaises(NoHostAvailable) as ctx:
            self.sessions.get(2, (ROLE[0], "wrong password"))
        self.assertTrue(any(isinstance(e, AuthenticationFailed) for e in ctx.exception.errors.values()),
                        ctx.exception.errors)
        # SAI answers on every coordinator.
        for n in NODES:
            s = self.sessions.get(n, ROLE)
            for i in (0, 1234, ROWS - 1):
                got = [r.id for r in s.execute("SELECT id FROM cc_simple.rows WHERE v = %s", [value(i)])]
                self.assertEqual(got, [i])
        print("\nnode map:\n%s" % json.dumps(mapping, indent=1), file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
