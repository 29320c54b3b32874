#!/usr/bin/python3
"""Back up a real Cassandra 5.0 node into a local vault and bring it back, in every way an operator
would: a dropped keyspace (live), a truncated table (live and offline), a renamed table, a wiped node
(offline); incremental backups after compaction and after a repair-style Statistics.db rewrite;
kill -9 at every commit step of a backup and during a restore; and bad input.

    CV_FORMAT=nb|oa|da /usr/bin/python3 tests/integration/test_backup_restore.py [-v]

The SSTable format is chosen by the rig's storage_compatibility_mode (nb = 5.0 default, oa = NONE,
da = NONE + BTI). Each proof of a restore is `rig dump` before == after (rows read back through CQL).
Tests run in name order; each leaves the node up with all data present.
"""

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cvtest import PASSPHRASE, Vault  # noqa: E402
from rigtest import close_sessions, cql, dump, nodetool, rig, rig_env  # noqa: E402

FORMAT = os.environ.get("CV_FORMAT", "nb")
KEYSPACES = ["cv_simple", "cv_nts", "cv_misc"]


def user_components(report):
    """new_components of a backup report that belong to user keyspaces."""
    return [c for c in report["new_components"] if not c.startswith("system")]


def base_table_components(report):
    """User components outside legacy secondary-index tables (`.<index>/`), which Cassandra rebuilds
    and compacts on its own schedule (e.g. after a restart)."""
    return [c for c in user_components(report) if "/." not in c]


def settle():
    """Flush, and wait until no compaction is running or pending, so that the next two backups see
    only what the test itself changes."""
    import time
    nodetool(1, "flush")
    for _ in range(120):
        out = nodetool(1, "compactionstats")
        if re.search(r"pending tasks\s*:?\s*0\b", out) and "compaction type" not in out:
            return
        time.sleep(1)


def dumps():
    return {ks: dump(ks) for ks in KEYSPACES}


class BackupRestoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rig("down")
        rig("up", "--nodes", 1, "--format", FORMAT)
        rig("load", "--scale", 1)
        cls.before = dumps()
        cls.vault = Vault.for_rig_node(1)
        cls.vault.run("init")
        cls.t1 = cls.vault.json("backup", "--tag", "t1")

    @classmethod
    def tearDownClass(cls):
        close_sessions()
        rig("down")
        cls.vault.cleanup()

    def assertDumpsEqual(self, keyspaces=KEYSPACES):
        for ks in keyspaces:
            self.assertEqual(dump(ks), self.before[ks], "keyspace %s differs after restore" % ks)

    def restart(self):
        close_sessions()
        rig("start", 1)

    def env(self):
        return rig_env(1)

    # --- the first backup ------------------------------------------------------------------------
    def test_00_first_backup_took_every_table_and_its_format(self):
        self.assertGreater(self.t1["files"], 0)
        self.assertEqual(self.t1["new_files"], len(self.t1["new_components"]))
        tables = {c.split("/")[0] for c in user_components(self.t1)}
        for t in ["cv_simple.users", "cv_simple.events", "cv_simple.page_counters", "cv_nts.orders",
                  "cv_nts.blobs", "cv_misc.all_types", "cv_misc.wide"]:
            self.assertIn(t, tables)
        datas = [c for c in user_components(self.t1) if c.endswith("-Data.db")]
        self.assertTrue(datas and all(os.path.basename(c).startswith(FORMAT + "-") for c in datas), datas[:3])
        listsnap = nodetool(1, "listsnapshots")
        self.assertNotIn("t1", listsnap, "the backup's snapshot must be cleared")
        listing = self.vault.json("list")
        self.assertEqual([b["tag"] for b in listing], ["t1"])
        self.assertEqual(listing[0]["address"], "127.0.0.1")
        self.assertEqual(listing[0]["data_center"], "dc1")

    # --- restores ------------------------------------------------------------------------------
    def test_10_dropped_keyspace_restored_live(self):
        cql("DROP KEYSPACE cv_simple")
        dry = self.vault.json("restore", "--backup", "t1", "--mode", "live", "--keyspace", "cv_simple", "--dry-run")
        self.assertTrue(any(p.startswith("cql: CREATE KEYSPACE IF NOT EXISTS cv_simple") for p in dry["plan"]))
        self.assertTrue(any(p.startswith("nodetool import cv_simple users") for p in dry["plan"]))
        self.assertEqual(cql("SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name='cv_simple'"), [])
        r = self.vault.json("restore", "--backup", "t1", "--mode", "live", "--keyspace", "cv_simple")
        self.assertGreater(r["files_written"], 0)
        self.assertDumpsEqual(["cv_simple"])

    def test_20_truncated_table_restored_live(self):
        cql("TRUNCATE cv_nts.orders")
        self.assertNotEqual(dump("cv_nts"), self.before["cv_nts"])
        self.vault.json("restore", "--backup", "t1", "--mode", "live", "--keyspace", "cv_nts.orders")
        self.assertDumpsEqual(["cv_nts"])

    def test_30_truncated_table_restored_offline(self):
        cql("TRUNCATE cv_misc.wide")
        self.assertNotEqual(dump("cv_misc"), self.before["cv_misc"])
        # A running node is refused, and nothing is written.
        proc = self.vault.run("restore", "--backup", "t1", "--keyspace", "cv_misc.wide", check=False)
        self.assertEqual(proc.returncode, 7, proc.stderr)
        self.assertIn("is running", proc.stderr)
        close_sessions()
        rig("stop", 1)
        r = self.vault.json("restore", "--backup", "t1", "--mode", "offline", "--keyspace", "cv_misc.wide")
        self.assertGreater(r["files_written"], 0)
        # Files went into both data directories, into the table's current directory.
        env = self.env()
        for d in env["data_dirs"]:
            self.assertTrue(glob.glob(os.path.join(d, "cv_misc", "wide-*", "*-Data.db")), d)
        self.restart()
        self.assertDumpsEqual(["cv_misc"])

    def test_40_restore_into_renamed_table(self):
        self.vault.json("restore", "--backup", "t1", "--mode", "live", "--keyspace", "cv_simple.users",
                        "--rename", "cv_simple.users=cv_simple.users_copy")
        copy = dump("cv_simple.users_copy").replace("== cv_simple.users_copy", "== cv_simple.users")
        self.assertEqual(copy, dump("cv_simple.users"))
        self.assertIn("== cv_simple.users", copy)
        cql("DROP TABLE cv_simple.users_copy")

    def test_50_wiped_node_restored_offline(self):
        close_sessions()
        rig("stop", 1)
        env = self.env()
        for d in env["data_dirs"] + [env["commitlog_dir"], env["saved_caches_dir"], env["hints_dir"]]:
            for entry in os.listdir(d):
                p = os.path.join(d, entry)
                shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)
        r = self.vault.json("restore", "--backup", "t1", "--mode", "offline")
        self.assertTrue(any("system_schema" in p for p in r["plan"]), r["plan"][:3])
        self.restart()
        self.assertDumpsEqual()

    # --- incremental ---------------------------------------------------------------------------
    def test_60_incremental_after_compaction_then_nothing(self):
        settle()
        self.vault.json("backup", "--tag", "t2-base")
        for i in range(100):
            cql("INSERT INTO cv_simple.users (id, name) VALUES (%s, %s)", params=[100000 + i, "new-%d" % i])
        nodetool(1, "flush", "cv_simple", "users")
        nodetool(1, "compact", "cv_simple", "users")
        t2 = self.vault.json("backup", "--tag", "t2")
        new = base_table_components(t2)
        self.assertTrue(new)
        self.assertTrue(all(c.startswith("cv_simple.users/") for c in new), new)
        self.assertTrue(any(c.endswith("-Data.db") for c in new), new)
        # Nothing changed since: no user component is new and no unchanged file is read.
        t3 = self.vault.json("backup", "--tag", "t3")
        self.assertEqual(base_table_components(t3), [])
        self.assertLessEqual(t3["files_read"], len(t3["new_components"]))
        self.assertEqual(t3["stored_bytes"], 0 if not t3["new_components"] else t3["stored_bytes"])
        self.__class__.before["cv_simple"] = dump("cv_simple")

    def test_70_repair_style_rewrite_stores_only_statistics(self):
        nodetool(1, "compact", "cv_nts", "orders")
        settle()
        self.vault.json("backup", "--tag", "t4a")
        close_sessions()
        rig("stop", 1)
        env = self.env()
        datas = [f for d in env["data_dirs"] for f in glob.glob(os.path.join(d, "cv_nts", "orders-*", "*-Data.db"))]
        self.assertTrue(datas)
        for f in datas:
            subprocess.run([env["cassandra_tool"], "org.apache.cassandra.tools.SSTableRepairedAtSetter",
                            "--really-set", "--is-repaired", f], check=True, stdout=subprocess.DEVNULL)
        self.restart()
        t4 = self.vault.json("backup", "--tag", "t4b")
        new = base_table_components(t4)
        orders = [n for n in new if n.startswith("cv_nts.orders/")]
        # Exactly the rewritten Statistics.db (one SSTable per data dir); the unchanged Data.db is not
        # uploaded again. (Cassandra may add components of its own on restart, e.g. an SAI
        # PartitionToSize.db, which are new content and rightly stored.)
        self.assertTrue(orders)
        self.assertTrue(all(n.endswith("-Statistics.db") for n in orders), orders)
        self.assertEqual(len(orders), len(datas))
        self.assertFalse([n for n in new if n.endswith("-Data.db")], new)
        self.assertDumpsEqual(["cv_nts"])

    # --- crash safety ------------------------------------------------------------------------------
    def test_80_kill_at_every_backup_step(self):
        for n, point in enumerate(["after-part:2", "before-index", "before-manifest", "before-commit",
                                   "after-commit"]):
            for i in range(50):
                cql("INSERT INTO cv_misc.wide (pk, ck1, ck2, v) VALUES (%s, %s, %s, %s)",
                    params=[900 + n, i, "c", "crash-%s" % point])
            nodetool(1, "flush", "cv_misc", "wide")
            tag = "crash-%d" % n
            listed = len(self.vault.json("list"))
            proc = self.vault.run("backup", "--tag", tag, check=False,
                                  env_extra={"CASSVAULT_TEST_CRASH_AT": point})
            self.assertEqual(proc.returncode, -9, "%s: %s" % (point, proc.stderr))
            committed = point == "after-commit"
            self.assertEqual(len(self.vault.json("list")), listed + (1 if committed else 0), point)
            v = self.vault.json("verify", "--deep")
            self.assertEqual(v["problems"], [], point)
            rerun = self.vault.json("backup", "--tag", tag)
            if point != "after-part:2":
                # Everything was durable before the kill: the rerun uploads nothing.
                self.assertEqual(rerun["stored_bytes"], 0, point)
            self.assertEqual(self.vault.json("verify", "--deep")["duplicate_blobs"], 0, point)
            self.assertNotIn(tag, nodetool(1, "listsnapshots"), "snapshot of %s leaked" % point)
        self.__class__.before["cv_misc"] = dump("cv_misc")

    def test_85_kill_during_restore_then_resume(self):
        out = tempfile.mkdtemp(prefix="cv-restore-")
        try:
            proc = self.vault.run("restore", "--backup", "t1", "--target-dir", out, check=False,
                                  env_extra={"CASSVAULT_TEST_CRASH_AT": "restore-file:5"})
            self.assertEqual(proc.returncode, -9, proc.stderr)
            r = self.vault.json("restore", "--backup", "t1", "--target-dir", out)
            self.assertGreaterEqual(r["files_already_present"], 5)
            self.assertEqual(r["files_written"] + r["files_already_present"], self.t1["files"] - self._system_files())
        finally:
            shutil.rmtree(out, ignore_errors=True)

    def _system_files(self):
        r = self.vault.json("restore", "--backup", "t1", "--target-dir", "/nonexistent-dry", "--dry-run")
        writes = [p for p in r["plan"] if p.startswith("write ")]
        return self.t1["files"] - len(writes)

    # --- bad input -----------------------------------------------------------------------------
    def test_90_bad_input_is_refused_and_changes_nothing(self):
        before = self.vault.vault_files()
        wrong = self.vault.run("list", check=False, passphrase="not the passphrase")
        self.assertEqual(wrong.returncode, 6, wrong.stderr)
        self.assertIn("does not open this vault", wrong.stderr)
        self.assertNotIn("not the passphrase", wrong.stderr + wrong.stdout)

        unknown = self.vault.run("backup", "--keyspace", "no_such_ks", check=False)
        self.assertEqual(unknown.returncode, 4, unknown.stderr)
        self.assertIn("keyspace 'no_such_ks'", unknown.stderr)
        self.assertNotIn("no_such_ks", nodetool(1, "listsnapshots"))

        missing = self.vault.run("restore", "--backup", "t1", "--keyspace", "no_such_ks", "--mode", "live", check=False)
        self.assertEqual(missing.returncode, 4, missing.stderr)

        nobackup = self.vault.run("restore", "--backup", "no-such-tag", "--mode", "live", check=False)
        self.assertEqual(nobackup.returncode, 4, nobackup.stderr)

        flag = self.vault.run("backup", "--no-such-flag", check=False)
        self.assertEqual(flag.returncode, 2, flag.stderr)

        badtag = self.vault.run("backup", "--tag", "../x", check=False)
        self.assertEqual(badtag.returncode, 3, badtag.stderr)
        self.assertEqual(self.vault.vault_files(), before)

        bad = Vault(self.env()["cassandra_yaml"], ["nodetool"])
        with open(bad.config, "w") as f:
            f.write("vault:\n  url: file:///tmp/x\n  passphrase: inline\nnode: {cassandra_yaml: /x}\n")
        malformed = bad.run("list", check=False)
        self.assertEqual(malformed.returncode, 3, malformed.stderr)
        self.assertIn("'vault.passphrase'", malformed.stderr)
        with open(bad.config, "w") as f:
            f.write("vault:\n  url: file://%s/none\nnode: {cassandra_yaml: /x}\n" % bad.dir)
        novault = bad.run("list", check=False)
        self.assertEqual(novault.returncode, 4, novault.stderr)
        self.assertIn("cassvault init", novault.stderr)
        bad.cleanup()

    def test_95_full_disk_on_restore_changes_nothing(self):
        mnt = tempfile.mkdtemp(prefix="cv-full-")
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt]).returncode != 0:
            self.skipTest("cannot mount a small tmpfs here")
        try:
            proc = self.vault.run("restore", "--backup", "t1", "--target-dir", mnt, check=False)
            self.assertEqual(proc.returncode, 8, proc.stderr)
            self.assertIn("free space", proc.stderr)
            self.assertEqual(os.listdir(mnt), [])
        finally:
            subprocess.run(["umount", mnt])
            os.rmdir(mnt)


if __name__ == "__main__":
    unittest.main()
