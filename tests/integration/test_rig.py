#!/usr/bin/python3
"""Integration tests of scripts/rig itself: real Cassandra 5.0 nodes, real data, real ports.

    /usr/bin/python3 tests/integration/test_rig.py [-v]

Takes about three minutes warm (one node, then three nodes); the first run also fetches the jars.
Each test class starts from `rig down` and ends with it, so nothing is left running.
"""

import glob
import os
import re
import socket
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from rigtest import close_sessions, cql, dump, nodetool, rig, rig_env, rig_pids  # noqa: E402

TOKENS = {"127.0.0.1": "-9223372036854775808", "127.0.0.2": "-3074457345618258603",
          "127.0.0.3": "3074457345618258602"}

# Live rows `rig load --scale 1` leaves in each table (inserts minus row/range/partition deletes).
SCALE1_ROWS = {
    "cv_simple.users": 900, "cv_simple.events": 2580, "cv_simple.page_counters": 200,
    "cv_nts.orders": 918, "cv_nts.blobs": 1488, "cv_misc.all_types": 500, "cv_misc.wide": 1894,
}


def rows_per_table(text):
    counts, table = {}, None
    for line in text.splitlines():
        if line.startswith("== "):
            table = line[3:]
            counts[table] = 0
        elif line:
            counts[table] += 1
    return counts


def load_counts(stdout):
    return {name: int(n) for name, n in (line.split() for line in stdout.splitlines() if line.strip())}


def status_lines(text):
    """address -> state (UN, DN, ...) from `nodetool status`."""
    return dict((m.group(2), m.group(1)) for m in re.finditer(r"^([UD][NLJM])\s+(\S+)\s", text, re.M))


def ring_tokens(text):
    """address -> set of tokens from `nodetool ring` (address first, token last on each row)."""
    tokens = {}
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] in TOKENS and re.fullmatch(r"-?\d+", fields[-1]):
            tokens.setdefault(fields[0], set()).add(fields[-1])
    return tokens


class RigTestCase(unittest.TestCase):
    nodes = None

    @classmethod
    def setUpClass(cls):
        close_sessions()
        rig("down")
        rig("up", "--nodes", cls.nodes)

    @classmethod
    def tearDownClass(cls):
        close_sessions()
        rig("down")
        assert rig_pids() == [], "rig down left CassandraDaemon processes: %s" % rig_pids()

    def assert_cluster_healthy(self):
        status = rig("status", check=False)
        self.assertEqual(status.returncode, 0, status.stdout + status.stderr)
        want = {addr: "UN" for addr in list(TOKENS)[:self.nodes]}
        for n in range(1, self.nodes + 1):
            self.assertEqual(status_lines(nodetool(n, "status")), want, "view of node %d" % n)
        tokens = ring_tokens(nodetool(1, "ring"))
        self.assertEqual(tokens, {addr: {TOKENS[addr]} for addr in want})


class OneNodeTest(RigTestCase):
    nodes = 1

    def test_1_up_status_and_token(self):
        self.assert_cluster_healthy()
        info = nodetool(1, "info", "-T")
        self.assertRegex(info, r"Token\s*:\s*-9223372036854775808")
        # The same settings again: nothing to do. Different settings: refused while up.
        again = rig("up", "--nodes", 1)
        self.assertIn("already up", again.stdout)
        other = rig("up", "--nodes", 3, check=False)
        self.assertNotEqual(other.returncode, 0)
        self.assertIn("rig down", other.stderr)

    def test_2_env_and_wrappers(self):
        env = rig_env(1)
        self.assertEqual((env["cql_host"], env["cql_port"], env["jmx_port"]), ("127.0.0.1", 9042, 7199))
        self.assertEqual(len(env["data_dirs"]), 2)
        self.assertTrue(all(os.path.isdir(d) for d in env["data_dirs"]))
        self.assertTrue(os.path.isfile(env["cassandra_yaml"]))
        self.assertEqual((env["format"], env["running"]), ("nb", True))
        conf = os.path.dirname(env["cassandra_yaml"])
        for name in ("logback.xml", "cassandra-rackdc.properties", "commitlog_archiving.properties"):
            self.assertTrue(os.path.isfile(os.path.join(conf, name)), name)
        shell = rig("env", 1).stdout
        self.assertIn("DATA_DIRS=%s" % ":".join(env["data_dirs"]), shell)
        self.assertIn("NODETOOL=%s" % env["nodetool"], shell)
        # The wrapper is what cassvault's config names as its nodetool: it takes -h/-p itself.
        out = subprocess.run([env["nodetool"], "-h", "127.0.0.1", "-p", str(env["jmx_port"]), "status"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(status_lines(out.stdout), {"127.0.0.1": "UN"})
        self.assertTrue(os.access(env["sstableloader"], os.X_OK))
        self.assertTrue(os.access(env["cassandra_tool"], os.X_OK))

    def test_3_load_and_dump(self):
        self.assertEqual(load_counts(rig("load", "--scale", 1).stdout), SCALE1_ROWS)
        first, second = dump("cv_simple"), dump("cv_simple")
        self.assertEqual(first, second)
        self.assertEqual(rows_per_table(first), {k: v for k, v in SCALE1_ROWS.items() if k.startswith("cv_simple.")})
        lines = first.splitlines()
        user1 = [l for l in lines if l.startswith("id=1 ")]
        self.assertEqual(len(user1), 1)
        self.assertIn('name="user00001"', user1[0])
        self.assertIn('email="user1@example.com"', user1[0])
        self.assertFalse([l for l in lines if l.startswith("id=10 ")], "row delete of id 10 not visible")
        self.assertIn("email=null", [l for l in lines if l.startswith("id=3 ")][0])  # cell tombstone
        # sensor-004 on day 0 got a partition delete; sensor-000 on day 0 a range delete of 5 minutes.
        self.assertFalse([l for l in lines if l.startswith('sensor="sensor-004" day=2024-01-01 ')])
        s0 = [l for l in lines if l.startswith('sensor="sensor-000" day=2024-01-01 ')]
        self.assertEqual(len(s0), 40)
        self.assertFalse([l for l in s0 if "ts=2024-01-01T00:07:00.000Z" in l])
        self.assertEqual(rows_per_table(dump("cv_nts")), {"cv_nts.blobs": 1488, "cv_nts.orders": 918})
        # The driver helper sees the same data; SAI answers.
        self.assertEqual(cql("SELECT count(*) FROM cv_simple.users")[0][0], 900)
        by_age = cql("SELECT id, age FROM cv_simple.users WHERE age = 42")
        self.assertTrue(by_age and all(r.age == 42 for r in by_age))
        # Unknown names fail clearly.
        bad = rig("dump", "cv_nope", check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("unknown keyspace 'cv_nope'", bad.stderr)
        bad = rig("dump", "cv_simple.nope", check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("unknown table 'nope'", bad.stderr)

    def test_4_sstables_in_both_data_dirs(self):
        env = rig_env(1)
        for table in ("cv_simple/users", "cv_nts/blobs", "cv_misc/wide"):
            for d in env["data_dirs"]:
                found = glob.glob(os.path.join(d, table + "-*", "nb-*-big-Data.db"))
                self.assertGreaterEqual(len(found), 1, "%s in %s" % (table, d))


class ThreeNodeTest(RigTestCase):
    nodes = 3

    def test_1_all_up_with_their_tokens(self):
        self.assert_cluster_healthy()
        for n in (1, 2, 3):
            self.assertEqual(rig_env(n)["jmx_port"], 7099 + 100 * n)

    def test_2_load_and_dump_from_two_nodes(self):
        self.assertEqual(load_counts(rig("load", "--scale", 1).stdout), SCALE1_ROWS)
        for ks in ("cv_nts", "cv_simple"):
            from1, from3 = dump(ks, node=1), dump(ks, node=3)
            self.assertTrue(from1.strip())
            self.assertEqual(from1, from3, ks)
        # RF 3: every node holds every row, so CL ONE on node 3 alone sees them all.
        self.assertEqual(cql("SELECT count(*) FROM cv_nts.orders", node=3, consistency="ONE")[0][0], 918)

    def test_3_stop_and_start_one_node(self):
        before = dump("cv_misc", node=1)
        rig("stop", 3)
        self.assertNotEqual(rig("status", check=False).returncode, 0)
        self.assertEqual(status_lines(nodetool(1, "status"))["127.0.0.3"], "DN")
        self.assertFalse(rig_env(3)["running"])
        rig("start", 3)
        self.assertEqual(rig("status", check=False).returncode, 0)
        self.assertEqual(dump("cv_misc", node=3), before)


class PortTakenTest(unittest.TestCase):
    def test_up_fails_naming_the_port(self):
        rig("down")
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", 9042))
            s.listen(1)
            proc = rig("up", "--nodes", 1, check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("port 9042", proc.stderr)
        self.assertIn("pid %d" % os.getpid(), proc.stderr)  # names the holder
        self.assertEqual(rig_pids(), [])

    def test_down_when_nothing_runs(self):
        rig("down")
        self.assertEqual(rig("down").returncode, 0)

    def test_cqlsh_missing_says_what_to_do(self):
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, CASSVAULT_CACHE=cache, CASSVAULT_RIG_DIR=os.path.join(cache, "rig"))
            proc = rig("cqlsh", 1, check=False, env=env)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("scripts/install-deps", proc.stderr)


if __name__ == "__main__":
    unittest.main()
