#!/usr/bin/python3
"""Soft delete, undelete, locks and the vault's settings (issue 13) on a real Cassandra 5.0 rig node:

- `forget TAG` (admin key) hides the backup from `list`; `list --deleted` shows it with its purge-after date
  (now + 14 days, the default) and the reason; `restore` of it is refused (exit 7) naming `cassvault
  undelete`, with the node's data directories untouched; `undelete` brings it back and a live restore of it
  gives the rows read back before the backup;
- `settings --soft-delete always-on`, then `settings --soft-delete disabled`: refused, exit 7, no new
  settings object;
- a writer key (the nodes' key, `init --write-only`): `forget` exits 6 and writes no marks/ object;
- `lock TAG --until 2099-01-01`: `forget` of it is refused, exit 7, naming the lock and who set it, nothing
  written; a lock to an earlier date is refused, exit 7, naming the current lock.

    /usr/bin/python3 tests/integration/test_soft_delete.py [-v]

Tests run in name order and share the rig.
"""

import datetime
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cvtest import Vault, snapshot_tree  # noqa: E402
from rigtest import _session, close_sessions, cql, dump, load_rows, rig, rig_env  # noqa: E402

ROWS = 2000


def value(i):
    return "sd-%d" % i


def utc(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


class SoftDeleteTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t0 = time.monotonic()
        rig("down")
        rig("up", "--nodes", 1)
        cls.env = rig_env(1)
        s = _session(1)
        s.execute("CREATE KEYSPACE sd WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        s.execute("CREATE TABLE sd.rows (id int PRIMARY KEY, v text)")
        load_rows(s, "sd.rows", ROWS, value, "ONE", concurrency=128)
        rig("nodetool", 1, "flush", "sd")
        cls.before = dump("sd")
        cls.v = Vault.for_rig_node(1)
        cls.writer_key = os.path.join(cls.v.dir, "writer.key")
        cls.v.run("init", "--write-only", cls.writer_key)
        cls.b1 = cls.v.json("backup", "--tag", "sd-1", "--keyspace", "sd")
        cls.b2 = cls.v.json("backup", "--tag", "sd-2", "--keyspace", "sd")
        cls.setup_seconds = time.monotonic() - cls.t0

    @classmethod
    def tearDownClass(cls):
        close_sessions()
        rig("down")
        cls.v.cleanup()
        print("\nsetup %.0f s; whole class %.0f s" % (cls.setup_seconds, time.monotonic() - cls.t0), file=sys.stderr)

    def objects(self, prefix):
        return sorted(k for k in self.v.vault_files() if k.startswith(prefix))

    def tags(self, *extra):
        return [b["tag"] for b in self.v.json("list", *extra)]

    def writer(self):
        """The same vault opened with the writer key file (what every node holds)."""
        w = Vault.for_rig_node(1, workdir=os.path.join(self.v.dir, "writer"), url="file://" + self.v.vault_dir)
        with open(w.config) as f:
            text = f.read()
        url = "file://" + self.v.vault_dir
        with open(w.config, "w") as f:
            f.write(text.replace("  url: %s\n" % url, "  url: %s\n  key_file: %s\n" % (url, self.writer_key)))
        return w

    def test_00_forget_hides_list_deleted_shows_restore_refused_undelete_restores(self):
        self.assertEqual(self.tags(), ["sd-1", "sd-2"])
        start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        out = self.v.json("forget", "sd-1", "--reason", "wrong keyspace")
        self.assertEqual([b["backup_id"] for b in out["backups"]], [self.b1["backup_id"]])
        self.assertEqual(len(self.objects("marks/")), 1)
        self.assertRegex(self.objects("marks/")[0], r"^marks/\d{8}T\d{6}Z-[0-9a-f]{16}$")
        self.assertEqual(self.tags(), ["sd-2"])
        [d] = self.v.json("list", "--deleted")
        self.assertEqual((d["backup_id"], d["tag"], d["reason"]), (self.b1["backup_id"], "sd-1", "wrong keyspace"))
        self.assertIn("(admin) on ", d["deleted_by"])
        deleted, purge = utc(d["deleted_at"]), utc(d["purge_after"])
        self.assertGreaterEqual(deleted, start)
        self.assertEqual(purge - deleted, datetime.timedelta(days=14))
        text = self.v.run("list", "--deleted").stdout
        self.assertIn("purge_after=" + d["purge_after"], text)

        # Restore of the deleted backup: refused naming undelete, the node's data untouched.
        data_before = snapshot_tree(self.env["data_dirs"])
        files_before = self.v.vault_files()
        p = self.v.run("restore", "--backup", "sd-1", "--mode", "live", "--keyspace", "sd", check=False)
        self.assertEqual(p.returncode, 7, p.stderr)
        self.assertIn("backup %s: was deleted on %s" % (self.b1["backup_id"], d["deleted_at"]), p.stderr)
        self.assertIn("`cassvault undelete %s` brings it back until %s" % (self.b1["backup_id"], d["purge_after"]),
                      p.stderr)
        self.assertEqual(snapshot_tree(self.env["data_dirs"]), data_before)
        self.assertEqual(self.v.vault_files(), files_before)

        out = self.v.json("undelete", "sd-1")
        self.assertEqual([b["backup_id"] for b in out["backups"]], [self.b1["backup_id"]])
        self.assertEqual(self.tags(), ["sd-1", "sd-2"])
        self.assertEqual(self.v.json("list", "--deleted"), [])
        p = self.v.run("undelete", "sd-1", check=False)
        self.assertEqual(p.returncode, 7, p.stderr)
        self.assertIn("no backup it names is deleted", p.stderr)

        cql("TRUNCATE sd.rows")
        self.assertEqual(dump("sd"), "== sd.rows\n")  # empty
        self.v.json("restore", "--backup", "sd-1", "--mode", "live", "--keyspace", "sd")
        self.assertEqual(dump("sd"), self.before)

    def test_01_always_on_refuses_to_turn_off(self):
        s = self.v.json("settings")
        self.assertEqual((s["soft_delete"], s["soft_delete_days"], s["immutability"], s["version"]),
                         ("enabled", 14, "disabled", 0))
        s = self.v.json("settings", "--soft-delete", "always-on", "--soft-delete-days", "7", "--prune-grace", "2m")
        self.assertEqual((s["soft_delete"], s["soft_delete_days"], s["prune_grace_seconds"], s["version"]),
                         ("always-on", 7, 120, 1))
        self.assertEqual(self.objects("settings/"), ["settings/vault/0000000001"])
        for state in ("disabled", "enabled"):
            with self.subTest(state=state):
                p = self.v.run("settings", "--soft-delete", state, check=False)
                self.assertEqual(p.returncode, 7, p.stderr)
                self.assertIn("soft delete: is always-on in vault", p.stderr)
                self.assertIn("always-on cannot be turned off. Nothing was written", p.stderr)
        p = self.v.run("settings", "--soft-delete-days", "0", check=False)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("must be 1 to 365", p.stderr)
        self.assertEqual(self.objects("settings/"), ["settings/vault/0000000001"])
        self.assertEqual(self.v.json("settings")["soft_delete"], "always-on")

    def test_02_writer_key_cannot_forget(self):
        w = self.writer()
        marks = self.objects("marks/")
        files = self.v.vault_files()
        p = w.run("forget", "sd-2", passphrase=None, check=False)
        self.assertEqual(p.returncode, 6, p.stderr)
        self.assertIn("forget sd-2: needs an admin key", p.stderr)
        self.assertIn("opened with a writer key", p.stderr)
        self.assertEqual(self.objects("marks/"), marks)
        self.assertEqual(self.v.vault_files(), files)
        # ... and it still lists (and sees the admin's decisions).
        self.assertEqual([b["tag"] for b in w.json("list", passphrase=None)], ["sd-1", "sd-2"])
        p = w.run("settings", "--soft-delete", "enabled", passphrase=None, check=False)
        self.assertEqual(p.returncode, 6, p.stderr)
        self.assertEqual(self.v.vault_files(), files)

    def test_03_locked_backup_cannot_be_forgotten_nor_the_lock_shortened(self):
        self.v.json("lock", "sd-2", "--until", "2099-01-01")
        marks = self.objects("marks/")
        p = self.v.run("forget", "sd-2", check=False)
        self.assertEqual(p.returncode, 7, p.stderr)
        self.assertIn("forget sd-2: backup %s (tag sd-2, " % self.b2["backup_id"], p.stderr)
        self.assertIn("is locked until 2099-01-01T00:00:00Z (lock set by key slot ", p.stderr)
        self.assertIn("; nothing forgotten", p.stderr)
        p = self.v.run("lock", "sd-2", "--until", "2098-06-30T12:00:00+02:00", check=False)
        self.assertEqual(p.returncode, 7, p.stderr)
        self.assertIn("is locked until 2099-01-01T00:00:00Z", p.stderr)
        self.assertIn("a lock cannot be shortened to 2098-06-30T10:00:00Z", p.stderr)
        p = self.v.run("lock", "sd-2", "--until", "next year", check=False)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertEqual(self.objects("marks/"), marks)
        self.assertEqual(self.tags(), ["sd-1", "sd-2"])
        # A longer lock is fine.
        self.v.json("lock", "sd-2", "--until", "2100-01-01")
        p = self.v.run("forget", "sd-2", check=False)
        self.assertEqual(p.returncode, 7, p.stderr)
        self.assertIn("is locked until 2100-01-01T00:00:00Z", p.stderr)


if __name__ == "__main__":
    unittest.main()
