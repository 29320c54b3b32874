#!/usr/bin/python3
"""What a cluster is, and cluster backups by tag (issue 12), on three real Cassandra 5.0 rig nodes:

- every node's backup records one cluster id (minted by the first backup: one `clusters/` object for the
  cluster) and the members it saw (system.local + system.peers_v2);
- `list --cluster` (text and --json) says a tag every node committed is complete (dc1 3/3, with its
  members), and a tag one node skipped is partial, naming that node's address and host id; the
  consolidated catalog (`maintain`) carries the same fields;
- `restore --cluster-tag`: a tag that is partial for this node, or unknown, is refused with the exact
  error and exit code, nothing written; then the table truncated and each node restoring its own backup of
  the complete tag (live, found by host id): `rig dump` equal to before.

    /usr/bin/python3 tests/integration/test_cluster_tag.py [-v]

Tests run in name order and share the rig.
"""

import os
import re
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cvtest import Vault  # noqa: E402
from rigtest import _session, close_sessions, cql, dump, load_rows, rig, rig_env  # noqa: E402

NODES = (1, 2, 3)
ROWS = 3000


def value(i):
    return "ct-%d" % i


class ClusterTagTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t0 = time.monotonic()
        rig("down")
        rig("up", "--nodes", 3)
        cls.env = {n: rig_env(n) for n in NODES}
        s = _session(1)
        # RF 1: each row lives on one node only, so a node restoring another node's backup would lose rows.
        s.execute("CREATE KEYSPACE ct WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        s.execute("CREATE TABLE ct.rows (id int PRIMARY KEY, v text)")
        load_rows(s, "ct.rows", ROWS, value, "ONE", concurrency=128)
        for n in NODES:
            rig("nodetool", n, "flush", "ct")
        cls.before = dump("ct")
        cls.host_ids = {n: str(cql("SELECT host_id FROM system.local", node=n)[0].host_id) for n in NODES}
        cls.vaults = {1: Vault.for_rig_node(1)}
        for n in (2, 3):
            cls.vaults[n] = Vault.for_rig_node(n, url="file://" + cls.vaults[1].vault_dir)
        cls.vaults[1].run("init")
        cls.full = {n: cls.vaults[n].json("backup", "--tag", "ct-full", "--keyspace", "ct") for n in NODES}
        # Node 3 skips this slot.
        cls.partial = {n: cls.vaults[n].json("backup", "--tag", "ct-partial", "--keyspace", "ct") for n in (1, 2)}
        cls.setup_seconds = time.monotonic() - cls.t0

    @classmethod
    def tearDownClass(cls):
        close_sessions()
        rig("down")
        for v in cls.vaults.values():
            v.cleanup()
        print("\nsetup %.0f s; whole class %.0f s" % (cls.setup_seconds, time.monotonic() - cls.t0), file=sys.stderr)

    def cluster(self, tag, vault=1):
        got = self.vaults[vault].json("list", "--cluster", "--tag", tag)
        self.assertEqual(len(got), 1, got)
        return got[0]

    def test_00_every_record_carries_one_cluster_id_and_the_members_seen(self):
        ids = {b["cluster_id"] for b in list(self.full.values()) + list(self.partial.values())}
        self.assertEqual(len(ids), 1, ids)
        self.assertRegex(ids.pop(), r"^[0-9a-f]{16}$")
        self.assertEqual({b["member_count"] for b in self.full.values()}, {3})
        aliases = [f for f in self.vaults[1].vault_files() if f.startswith("clusters/")]
        self.assertEqual(len(aliases), 1, aliases)
        self.assertRegex(aliases[0], r"^clusters/[0-9a-f]{32}$")

    def test_01_complete_tag_lists_complete_with_its_members(self):
        c = self.cluster("ct-full", vault=2)
        self.assertEqual(c["state"], "complete")
        self.assertEqual((c["committed"], c["expected"]), (3, 3))
        self.assertEqual(c["cluster_ids"], [self.full[1]["cluster_id"]])
        self.assertEqual(sorted(m["host_id"] for m in c["members"]), sorted(self.host_ids.values()))
        self.assertEqual(sorted(m["address"] for m in c["members"]), ["127.0.0.1", "127.0.0.2", "127.0.0.3"])
        self.assertEqual(c["completeness"], [{"data_center": "dc1", "committed": 3, "expected": 3, "missing": []}])
        text = self.vaults[1].run("list", "--cluster", "--tag", "ct-full").stdout
        self.assertTrue(text.startswith("tag=ct-full  complete  dc1 3/3  nodes=3  backups=3"), text)

    def test_02_tag_one_node_skipped_is_partial_naming_it(self):
        c = self.cluster("ct-partial")
        self.assertEqual(c["state"], "partial")
        self.assertEqual((c["committed"], c["expected"]), (2, 3))
        [dc] = c["completeness"]
        self.assertEqual((dc["data_center"], dc["committed"], dc["expected"]), ("dc1", 2, 3))
        self.assertEqual([(m["host_id"], m["address"], m["running"], m["why"]) for m in dc["missing"]],
                         [(self.host_ids[3], "127.0.0.3", False, "")])
        p = self.vaults[3].run("list", "--cluster", "--tag", "ct-partial")
        # A recent partial tag: the run records were read (none: no daemon ran here), without a warning.
        self.assertEqual(p.stderr, "")
        text = p.stdout
        self.assertIn("tag=ct-partial  partial  dc1 2/3 missing 127.0.0.3 (host id %s)  nodes=2" % self.host_ids[3],
                      text)

    def test_03_consolidated_catalog_carries_cluster_fields(self):
        before = self.vaults[1].json("list", "--cluster")
        m = self.vaults[2].json("maintain")
        self.assertTrue(m["catalog"]["written"].startswith("catalog-full/"), m)
        self.assertEqual(self.vaults[3].json("list", "--cluster"), before)
        self.assertEqual([c["state"] for c in before], ["complete", "partial"])

    def test_04_restore_cluster_tag_refuses_partial_unknown_and_bad_flags(self):
        files = self.vaults[3].vault_files()
        data = {d: sorted(os.listdir(d)) for d in self.env[3]["data_dirs"]}
        p = self.vaults[3].run("restore", "--cluster-tag", "ct-partial", "--mode", "live", "--keyspace", "ct",
                               check=False)
        self.assertEqual(p.returncode, 7, p.stderr)
        self.assertIn("cluster tag ct-partial: is partial for this node (host id %s, address 127.0.0.3"
                      % self.host_ids[3], p.stderr)
        p = self.vaults[3].run("restore", "--cluster-tag", "nope", "--mode", "live", check=False)
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("cluster tag nope: no backup in this vault has this tag", p.stderr)
        p = self.vaults[3].run("restore", "--cluster-tag", "ct-full", "--backup", "ct-full", check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("one of --backup ID|TAG or --cluster-tag TAG", p.stderr)
        p = self.vaults[3].run("restore", check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(self.vaults[3].vault_files(), files)
        self.assertEqual({d: sorted(os.listdir(d)) for d in self.env[3]["data_dirs"]}, data)

    def test_10_restore_by_cluster_tag_on_all_three_nodes(self):
        cql("TRUNCATE ct.rows")
        self.assertNotEqual(dump("ct"), self.before)
        for n in NODES:
            r = self.vaults[n].json("restore", "--cluster-tag", "ct-full", "--mode", "live", "--keyspace", "ct")
            self.assertEqual(r["backup_id"], self.full[n]["backup_id"])
            line = "cluster tag ct-full: backup %s of node 127.0.0.%d (host id %s), this node's by host id" % (
                self.full[n]["backup_id"], n, self.host_ids[n])
            self.assertIn(line, r["plan"])
            self.assertGreater(r["files_written"], 0)
        self.assertEqual(dump("ct"), self.before)
        self.assertGreaterEqual(len(self.before.splitlines()), ROWS)

    def stopped_node3_as(self, address, initial_token):
        """Node 3 (stopped) as another node would see itself: its cassandra.yaml copied with another
        listen_address and initial_token, and a vault config naming the copy."""
        with open(self.env[3]["cassandra_yaml"]) as f:
            text = f.read()
        text = re.sub(r"(?m)^listen_address: .*$", "listen_address: " + address, text)
        text = re.sub(r"(?m)^initial_token: .*\n", "" if initial_token is None else
                      "initial_token: '%s'\n" % initial_token, text)
        work = tempfile.mkdtemp(prefix="cv-ct-", dir=self.vaults[1].dir)
        yaml = os.path.join(work, "cassandra.yaml")
        with open(yaml, "w") as f:
            f.write(text)
        env = self.env[3]
        v = Vault(yaml, [env["nodetool"], "-h", env["jmx_host"], "-p", str(env["jmx_port"])], cql_host="127.0.0.3",
                  workdir=os.path.join(work, "cv"), url="file://" + self.vaults[1].vault_dir)
        return v, yaml

    def test_20_a_stopped_node_is_found_by_tokens_then_by_address(self):
        # A stopped node has no host id to read: its tokens (cassandra.yaml initial_token) find its backup
        # even under another address (a new cluster), and without tokens its address does.
        close_sessions()
        rig("stop", 3)
        files = self.vaults[1].vault_files()
        with open(self.env[3]["cassandra_yaml"]) as f:
            tokens = [t for t in f.read().splitlines() if t.startswith("initial_token:")]
        self.assertEqual(len(tokens), 1, tokens)
        token = tokens[0].split(":", 1)[1].strip().strip("'")
        for address, initial_token, how in (("127.0.0.9", token, "tokens"), ("127.0.0.3", None, "address")):
            v, yaml = self.stopped_node3_as(address, initial_token)
            with open(yaml) as f:
                before = f.read()
            r = v.json("restore", "--cluster-tag", "ct-full", "--mode", "offline", "--keyspace", "ct", "--dry-run")
            self.assertEqual(r["backup_id"], self.full[3]["backup_id"], how)
            self.assertIn("cluster tag ct-full: backup %s of node 127.0.0.3 (host id %s), this node's by %s" % (
                self.full[3]["backup_id"], self.host_ids[3], how), r["plan"])
            with open(yaml) as f:
                self.assertEqual(f.read(), before)
        # Neither the tokens nor the address of any backup of the tag: refused, naming what the tag holds.
        v, _ = self.stopped_node3_as("127.0.0.9", "42")
        p = v.run("restore", "--cluster-tag", "ct-full", "--mode", "offline", "--dry-run", check=False)
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("cluster tag ct-full: has no backup of this node (host id unknown: stopped, address "
                      "127.0.0.9, 1 token) by host id, tokens or address; it holds backups of 127.0.0.1", p.stderr)
        self.assertEqual(self.vaults[1].vault_files(), files)


if __name__ == "__main__":
    unittest.main()
