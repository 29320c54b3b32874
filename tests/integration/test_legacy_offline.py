#!/usr/bin/python3
"""Offline backups of real SSTables written by Cassandra 3.0 to 5.0 (shared/fixtures/legacy-sstables,
formats ma..da), laid out like a stopped node's data directory, restored bit for bit; and a flipped bit
in a Data.db fails the backup, naming the file. No Cassandra process is needed: that is what --offline is.
"""

import filecmp
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cvtest import Vault, all_files  # noqa: E402
from rigtest import ROOT  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(ROOT), "shared", "fixtures", "legacy-sstables")
VERSIONS = ["ma", "mb", "mc", "md", "me", "na", "nb", "nc", "oa", "da"]


class LegacyOfflineTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="cv-legacy-")
        self.data = os.path.join(self.work, "data")
        os.makedirs(self.data)
        yaml = os.path.join(self.work, "cassandra.yaml")
        with open(yaml, "w") as f:
            # A stopped node: nothing listens on its CQL, storage or JMX port, so --offline may read the live dirs.
            f.write("cluster_name: legacy\npartitioner: org.apache.cassandra.dht.Murmur3Partitioner\n"
                    "data_file_directories: [%s]\ncommitlog_directory: %s/commitlog\nlisten_address: 127.0.0.1\n"
                    "rpc_address: 127.0.0.1\nnative_transport_port: 1\nstorage_port: 1\n" % (self.data, self.work))
        self.vault = Vault(yaml, ["/bin/false", "-p", "1"], cql_port=1, workdir=os.path.join(self.work, "cv"))
        self.vault.run("init")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def place(self, version):
        src = os.path.join(FIXTURES, version, "legacy_tables")
        dst = os.path.join(self.data, "legacy_tables")
        shutil.copytree(src, dst, dirs_exist_ok=True)
        for base, _, files in os.walk(dst):
            for f in files:
                os.chmod(os.path.join(base, f), 0o644)

    def test_every_format_round_trips_bit_for_bit(self):
        for v in VERSIONS:
            self.place(v)
        report = self.vault.json("backup", "--offline", "--tag", "legacy")
        expected = all_files(self.data)
        self.assertEqual(report["files"], len(expected))
        self.assertEqual(report["new_files"] + 0, len(report["new_components"]))
        self.assertGreater(report["new_files"], 0)

        out = os.path.join(self.work, "restored")
        r = self.vault.json("restore", "--backup", "legacy", "--target-dir", out)
        self.assertEqual(r["files_written"], len(expected))
        self.assertEqual(all_files(out), expected)
        for rel in sorted(expected):
            self.assertTrue(filecmp.cmp(os.path.join(self.data, rel), os.path.join(out, rel), shallow=False), rel)

        # The same files again: nothing read, nothing stored.
        again = self.vault.json("backup", "--offline", "--tag", "legacy2")
        self.assertEqual(again["new_components"], [])
        self.assertEqual(again["bytes_read"], 0)
        self.assertEqual(again["cache_hits"], len(expected))
        self.assertEqual(self.vault.json("verify", "--deep")["problems"], [])

    def test_flipped_bit_in_data_fails_the_backup_naming_the_file(self):
        self.place("nb")
        victim = os.path.join(self.data, "legacy_tables", "legacy_nb_clust", "nb-1-big-Data.db")
        with open(victim, "r+b") as f:
            f.seek(3000)
            b = f.read(1)
            f.seek(3000)
            f.write(bytes([b[0] ^ 0x01]))
        before = self.vault.vault_files()
        proc = self.vault.run("backup", "--offline", "--tag", "bad", check=False)
        self.assertEqual(proc.returncode, 5, proc.stderr)
        self.assertIn("Corruption", proc.stderr)
        self.assertIn(victim, proc.stderr)
        self.assertIn("CRC32 mismatch", proc.stderr)
        self.assertEqual(self.vault.json("list"), [])
        # No backup record was committed (packs of the good files may exist; nothing references them).
        self.assertFalse(any(k.startswith("backups/") for k in self.vault.vault_files() - before))

    def test_verify_names_what_damage_affects(self):
        self.place("oa")
        self.vault.json("backup", "--offline", "--tag", "v1")
        self.assertTrue(self.vault.json("verify", "--deep")["ok"])
        packs = sorted(k for k in self.vault.vault_files() if k.startswith("packs/"))
        self.assertTrue(packs)
        victim = os.path.join(self.vault.vault_dir, packs[0])
        with open(victim, "r+b") as f:
            f.seek(200)
            b = f.read(1)
            f.seek(200)
            f.write(bytes([b[0] ^ 0x80]))
        # Fast verify only checks presence and sizes: a flipped bit needs --deep.
        self.assertTrue(self.vault.json("verify")["ok"])
        proc = self.vault.run("verify", "--deep", "--json", check=False)
        self.assertEqual(proc.returncode, 5, proc.stderr)
        import json
        report = json.loads(proc.stdout)
        self.assertFalse(report["ok"])
        affected = [a for p in report["problems"] for a in p["affected"]]
        self.assertTrue(any("table legacy_tables.legacy_oa_" in a and "file oa-1-big-" in a for a in affected), affected)
        # A restore of the damaged data fails loudly instead of writing it.
        out = os.path.join(self.work, "out")
        r = self.vault.run("restore", "--backup", "v1", "--target-dir", out, check=False)
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertIn("Corruption", r.stderr)
        # A missing pack is found by the fast check.
        os.remove(victim)
        fast = self.vault.run("verify", "--json", check=False)
        self.assertEqual(fast.returncode, 5)
        self.assertIn("missing", fast.stdout)

    def test_offline_refuses_a_running_node(self):
        self.place("oa")
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        yaml = os.path.join(self.work, "running.yaml")
        with open(yaml, "w") as f:
            f.write("cluster_name: x\npartitioner: org.apache.cassandra.dht.Murmur3Partitioner\n"
                    "data_file_directories: [%s]\nrpc_address: 127.0.0.1\nnative_transport_port: %d\n" % (self.data, port))
        v = Vault(yaml, ["/bin/false"], cql_port=port, workdir=os.path.join(self.work, "cv2"))
        v.run("init")
        proc = v.run("backup", "--offline", check=False)
        s.close()
        self.assertEqual(proc.returncode, 7, proc.stderr)
        self.assertIn("is running", proc.stderr)


if __name__ == "__main__":
    unittest.main()
