#!/usr/bin/python3
"""The two-person rule (issue 14, docs/approvals.md) on a local-directory vault, with backups of the legacy
SSTable fixtures made by `backup --offline` (no Cassandra process is needed):

- opt-in: with no guardian, `settings --soft-delete disabled` needs no approval; a lock is never shortened;
- `guardian generate-key` writes a 0600 key file, never overwrites one, and prints the public key;
- each guarded operation (soft delete off, immutability unlocked -> disabled, a lock shortened, a lock
  removed, a soft delete ended early, a policy's retention lowered, a guardian added, a guardian removed, a
  key slot removed) is
  refused without an approval (exit 6, naming the exact `cassvault approve` command, the vault unchanged),
  refused with an approval of another operation and with an expired one (exit 6, named as such, the vault
  unchanged but for the approvals), and done with a valid one;
- an approval signed by a key that is not a registered guardian is refused by `approve` itself (exit 6).

    /usr/bin/python3 tests/integration/test_approvals.py [-v]
"""

import json
import os
import re
import shutil
import stat
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cvtest import Vault  # noqa: E402
from rigtest import ROOT  # noqa: E402

LEGACY = os.path.join(os.path.dirname(ROOT), "shared", "fixtures", "legacy-sstables")
PASSPHRASE = "approvals test passphrase"

POLICY = """name: nightly
schedule:
  cron: "0 1 * * *"
retention: {keep_daily: %d, keep_weekly: 4}
"""


class ApprovalsTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="cv-approvals-")
        self.vault, self.data = Vault.for_stopped_node(self.work)
        self.cv("init", "--kdf-cost", "15")
        shutil.copytree(os.path.join(LEGACY, "nb", "legacy_tables", "legacy_nb_simple"),
                        os.path.join(self.data, "legacy_tables", "legacy_nb_simple"))
        self.backup = self.cvj("backup", "--offline", "--tag", "t1")["backup_id"]
        self.key = os.path.join(self.work, "guardian.key")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def cv(self, *args, **kw):
        return self.vault.run(*args, passphrase=PASSPHRASE, **kw)

    def cvj(self, *args, **kw):
        return json.loads(self.cv(*(list(args) + ["--json"]), **kw).stdout)

    def files(self):
        """Every object in the vault with its bytes: a refused command must change none."""
        out = {}
        for rel in self.vault.vault_files():
            with open(os.path.join(self.vault.vault_dir, rel), "rb") as f:
                out[rel] = f.read()
        return out

    def add_guardian(self, key=None, name="sec"):
        key = key or self.key
        pub = self.cv("guardian", "generate-key", key).stdout.strip()
        return self.cvj("guardian", "add", "--public-key", pub, "--name", name)

    def approve(self, operation, expires="24h", key=None):
        return self.cvj("approve", "--operation", operation, "--expires", expires, "--guardian-key",
                        key or self.key, "--reason", "test")

    def refused(self, args, operation, why):
        """`cassvault ARGS` is refused with exit 6 naming `operation`, `why` and the approve command, and
        changes nothing in the vault."""
        before = self.files()
        p = self.cv(*args, check=False)
        self.assertEqual(p.returncode, 6, p.stderr)
        self.assertIn("'%s': needs a guardian's approval" % operation, p.stderr)
        self.assertIn(why, p.stderr)
        self.assertIn("`cassvault approve --operation '%s' --expires 24h --guardian-key FILE`" % operation,
                      p.stderr)
        self.assertEqual(self.files(), before)
        return p

    def guarded(self, args, operation):
        """The whole ladder for one guarded operation: refused without an approval, with one of another
        operation, with an expired one; then done with a valid one (returns its output)."""
        self.refused(args, operation, "no guardian approved it")
        other = self.approve("key.remove slot=0123456789abcdef")
        self.assertEqual(other["operation"], "key.remove slot=0123456789abcdef")
        # (Approvals made in the same second have no order: only that one of another operation is named.)
        p = self.refused(args, operation, "no guardian approved it; the newest approval is for another operation (")
        named = re.search(r"another operation \((\S+) approves '([^']*)'\)", p.stderr)
        self.assertNotEqual(named.group(2), operation)
        old = self.approve(operation, expires="1s")
        time.sleep(2.1)
        self.refused(args, operation, "the approval of it has expired (%s expired at" % old["approval"])
        ok = self.approve(operation)
        self.assertEqual((ok["operation"], ok["guardian"]), (operation, self.guardian["id"]))
        out = self.cv(*args)
        self.audited(operation, ok["approval"])
        return out

    def audited(self, operation, approval_id):
        """The audit trail holds the approval, the operation done with it (naming it), and before that the
        three refusals, each naming why."""
        records = json.loads(self.cv("audit", "--json").stdout)
        approvals = [r for r in records if r["op"] == "approval" and r["outcome"]["status"] == "ok"]
        self.assertIn(approval_id, [r["details"].get("approval") for r in approvals])
        self.assertIn(operation, [r["targets"][0] for r in approvals])
        done = [r for r in records
                if r["outcome"]["status"] == "ok" and r["details"].get("approval") == approval_id and
                r["op"] != "approval"]
        self.assertEqual(len(done), 1, [r["op"] for r in records])
        refused = [r for r in records if r["op"] == done[0]["op"] and r["outcome"]["status"] == "refused"]
        self.assertGreaterEqual(len(refused), 3, [(r["op"], r["outcome"]) for r in records])
        for r in refused[-3:]:
            self.assertIn("'%s': needs a guardian's approval" % operation, r["outcome"]["message"])

    def test_opt_in_without_guardians(self):
        self.assertIn("no guardians: the two-person rule is off", self.cv("guardian", "list").stdout)
        s = self.cvj("settings", "--soft-delete", "disabled")
        self.assertEqual((s["soft_delete"], s["guardians"]), ("disabled", 0))
        # Without guardians a lock is never shortened (nobody could approve it).
        self.cv("lock", "t1", "--until", "2099-01-01")
        before = self.files()
        p = self.cv("lock", "t1", "--until", "2098-01-01", check=False)
        self.assertEqual(p.returncode, 7, p.stderr)
        self.assertIn("a lock cannot be shortened to 2098-01-01T00:00:00Z without a guardian's approval, and this "
                      "vault has no guardian", p.stderr)
        self.assertEqual(self.files(), before)

    def test_guardian_key_file_is_private_create_only_and_approve_needs_a_registered_guardian(self):
        pub = self.cv("guardian", "generate-key", self.key).stdout.strip()
        self.assertRegex(pub, r"^[A-Za-z0-9+/]{43}=$")
        self.assertEqual(stat.S_IMODE(os.stat(self.key).st_mode), 0o600)
        with open(self.key, "rb") as f:
            content = f.read()
        p = self.cv("guardian", "generate-key", self.key, check=False)
        self.assertNotEqual(p.returncode, 0)
        with open(self.key, "rb") as f:
            self.assertEqual(f.read(), content)
        self.assertNotIn(content.strip().decode(), p.stdout + p.stderr)
        # Not registered: approve refuses before writing.
        before = self.files()
        p = self.cv("approve", "--operation", "soft-delete.disable", "--expires", "1h", "--guardian-key", self.key,
                    check=False)
        self.assertEqual(p.returncode, 6, p.stderr)
        self.assertIn("is not a guardian of vault", p.stderr)
        self.assertEqual(self.files(), before)
        g = self.cvj("guardian", "add", "--public-key", pub, "--name", "sec")
        self.assertEqual([x["id"] for x in self.cvj("guardian", "list")], [g["id"]])
        before = self.files()
        # A stranger's key is still refused; a malformed operation is refused (exit 3) naming it.
        stranger = os.path.join(self.work, "stranger.key")
        self.cv("guardian", "generate-key", stranger)
        p = self.cv("approve", "--operation", "soft-delete.disable", "--expires", "1h", "--guardian-key", stranger,
                    check=False)
        self.assertEqual(p.returncode, 6, p.stderr)
        p = self.cv("approve", "--operation", "Soft delete", "--expires", "1h", "--guardian-key", self.key,
                    check=False)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("--operation", p.stderr)
        self.assertEqual(self.files(), before)
        out = self.cv("approve", "--operation", "soft-delete.disable", "--expires", "1h", "--guardian-key", self.key)
        self.assertRegex(out.stdout, r"^approved 'soft-delete.disable' in vault .* as approval \d{8}T\d{6}Z-[0-9a-f]{16} "
                                     r"by guardian %s, valid until " % g["id"])

    def test_settings_guarded(self):
        self.guardian = self.add_guardian()
        self.guarded(["settings", "--soft-delete", "disabled"], "soft-delete.disable")
        self.assertEqual(self.cvj("settings")["soft_delete"], "disabled")
        # Turning it back on needs nothing.
        self.cv("settings", "--soft-delete", "enabled")
        # immutability unlocked -> disabled (a local directory: cassvault enforces the locks).
        self.cv("settings", "--immutability", "unlocked")
        self.guarded(["settings", "--immutability", "disabled"], "immutability.disable")
        self.assertEqual(self.cvj("settings")["immutability"], "disabled")

    def test_lock_shorten_and_unlock_guarded(self):
        self.guardian = self.add_guardian()
        self.cv("lock", "t1", "--until", "2099-01-01")
        self.guarded(["lock", "t1", "--until", "2098-01-01"],
                     "lock.shorten backup=%s until=2098-01-01T00:00:00Z" % self.backup)
        p = self.cv("forget", "t1", check=False)
        self.assertEqual(p.returncode, 7, p.stderr)
        self.assertIn("is locked until 2098-01-01T00:00:00Z", p.stderr)
        self.guarded(["unlock", "t1"], "lock.remove backup=%s" % self.backup)
        self.cvj("forget", "t1")
        self.assertEqual([d["backup_id"] for d in self.cvj("list", "--deleted")], [self.backup])
        # With immutability locked, no approval shortens a lock.
        self.cv("undelete", "t1")
        self.cv("lock", "t1", "--until", "2099-01-01")
        self.cv("settings", "--immutability", "locked")
        self.approve("lock.remove backup=%s" % self.backup)
        before = self.files()
        p = self.cv("unlock", "t1", check=False)
        self.assertEqual(p.returncode, 7, p.stderr)
        self.assertIn("the vault's immutability is locked, so no lock is ever shortened", p.stderr)
        self.assertEqual(self.files(), before)

    def test_purge_early_guarded(self):
        self.guardian = self.add_guardian()
        self.cv("forget", "t1")
        [d] = self.cvj("list", "--deleted")
        self.assertGreater(d["purge_after"], "2026")
        self.guarded(["purge", "t1"], "purge.early backups=%s" % self.backup)
        [d2] = self.cvj("list", "--deleted")
        self.assertLess(d2["purge_after"], d["purge_after"])
        report = self.cvj("prune")
        self.assertEqual(report["purged"], 1, report)
        self.assertEqual(self.cvj("list", "--deleted"), [])
        self.assertFalse([k for k in self.vault.vault_files() if k.startswith("refs/") and self.backup in k])

    def test_policy_retention_lowering_guarded(self):
        self.guardian = self.add_guardian()
        f = os.path.join(self.work, "policy.yaml")
        with open(f, "w") as out:
            out.write(POLICY % 7)
        self.cvj("policy", "set", f)  # a new policy lowers nothing
        with open(f, "w") as out:
            out.write(POLICY % 14)
        self.cvj("policy", "set", f)  # raising needs nothing
        with open(f, "w") as out:
            out.write(POLICY % 3)
        p = self.cv("policy", "set", f, check=False)
        self.assertEqual(p.returncode, 6, p.stderr)
        op = re.search(r"'(retention\.lower policy=nightly version=[0-9a-f]{64})'", p.stderr).group(1)
        self.guarded(["policy", "set", f], op)
        self.assertEqual(self.cvj("policy", "show", "nightly")["policy"]["retention"]["keep_daily"], 3)

    def test_key_slot_removal_guarded(self):
        spare = os.path.join(self.work, "spare.key")
        self.cv("key", "generate-file", spare)
        slot = self.cvj("key", "add", "--new-key-file", spare)["slot"]
        self.guardian = self.add_guardian()
        out = json.loads(self.guarded(["key", "remove", slot, "--json"], "key.remove slot=%s" % slot).stdout)
        self.assertEqual(out["removed"], slot)
        self.assertNotIn(slot, [s["id"] for s in self.cvj("key", "list")])
        self.assertFalse(os.path.exists(os.path.join(self.vault.vault_dir, "keys", slot)))

    def test_guardian_add_and_remove_guarded(self):
        self.guardian = self.add_guardian()
        second_key = os.path.join(self.work, "second.key")
        pub = self.cv("guardian", "generate-key", second_key).stdout.strip()
        p = self.cv("guardian", "add", "--public-key", pub, "--name", "second", check=False)
        self.assertEqual(p.returncode, 6, p.stderr)
        op = re.search(r"'(guardian\.add guardian=[0-9a-f]{16})'", p.stderr).group(1)
        self.guarded(["guardian", "add", "--public-key", pub, "--name", "second"], op)
        names = sorted(x["name"] for x in self.cvj("guardian", "list"))
        self.assertEqual(names, ["sec", "second"])
        # Removing one needs an approval too (here the first guardian's own).
        self.guarded(["guardian", "remove", "sec"], "guardian.remove guardian=%s" % self.guardian["id"])
        self.assertEqual([x["name"] for x in self.cvj("guardian", "list")], ["second"])


if __name__ == "__main__":
    unittest.main()
