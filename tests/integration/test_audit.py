#!/usr/bin/python3
"""The audit trail in the vault (issue 14; docs/vault-format.md "Audit trail", docs/operations.md):

- every wired operation appends a record (backup commit, restore start and finish, deep verify, forget,
  undelete, retain, lock, settings, prune with its intent first) naming who (local user, key slot, role,
  host), what, which backups, the outcome; `audit --op/--node/--since/--json` select them;
- `audit --verify` exits 5 naming the record that was edited, deleted or reordered, and a writer's tail removed
  after a checkpoint; a checkpoint made with a writer key is refused;
- a prune whose intent record cannot be written (a regular file named `audit` where the folder should be, so
  the create fails for real) does nothing: no vault object changes;
- no secret (the passphrase, the writer key file's bytes) is in any vault object or in any command's output.

No Cassandra process is needed: the node is a stopped one (`backup --offline` of the legacy fixtures), restores
go to --target-dir, the vault is a local directory.
"""

import copy
import json
import os
import shutil
import socket
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cvtest import Vault, all_files  # noqa: E402
from rigtest import ROOT  # noqa: E402

LEGACY = os.path.join(os.path.dirname(ROOT), "shared", "fixtures", "legacy-sstables")
PASSPHRASE = "audit test passphrase 7f3c"


class AuditTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="cv-audit-")
        self.vault, self.data = Vault.for_stopped_node(self.work)
        self.outputs = []  # every command's stdout and stderr, grepped for secrets

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def cv(self, *args, **kw):
        p = self.vault.run(*args, passphrase=PASSPHRASE, **kw)
        self.outputs += [p.stdout, p.stderr]
        return p

    def cvj(self, *args, **kw):
        return json.loads(self.cv(*(list(args) + ["--json"]), **kw).stdout)

    def place(self, version, table):
        shutil.copytree(os.path.join(LEGACY, version, "legacy_tables", table),
                        os.path.join(self.data, "legacy_tables", table))

    def make_vault(self, writer_key=None):
        args = ["init", "--kdf-cost", "15"] + (["--write-only", writer_key] if writer_key else [])
        self.cv(*args)
        self.place("nb", "legacy_nb_clust")
        self.cvj("backup", "--offline", "--tag", "a1")
        self.cvj("backup", "--offline", "--tag", "a2")

    def records(self, *args):
        return self.cvj("audit", *args)

    def vault_bytes(self):
        out = {}
        for k in all_files(self.vault.vault_dir):
            with open(os.path.join(self.vault.vault_dir, k), "rb") as f:
                out[k] = f.read()
        return out

    def test_every_wired_operation_appends_a_record_naming_who_what_and_the_outcome(self):
        writer_key = os.path.join(self.work, "writer.key")
        self.make_vault(writer_key)
        slot = self.cvj("key", "list")
        admin_slot = [s["key"].split("/")[1] for s in slot if s["role"] == "admin"][0]
        self.cv("restore", "--backup", "a1", "--target-dir", os.path.join(self.work, "out"))
        self.cv("verify", "--deep")
        self.cv("forget", "a1", "--reason", "audit test")
        self.cv("undelete", "a1")
        self.cv("retain", "a2", "--until", "2099-01-01")
        self.cv("lock", "a2", "--until", "2099-01-01")
        self.cv("settings", "--soft-delete-days", "7")
        p = self.cv("forget", "a2", check=False)  # refused: a2 is locked; the refusal is recorded
        self.assertEqual(p.returncode, 7, p.stderr)
        policy = os.path.join(self.work, "nightly.yaml")
        with open(policy, "w") as f:
            f.write("name: nightly\nschedule: {cron: '@daily'}\n")
        self.cv("policy", "set", policy)
        self.cv("policy", "remove", "nightly")
        self.cv("prune", "--keep-last", "1")

        recs = self.records()
        ops = [(r["op"], r["outcome"]["status"]) for r in recs]
        self.assertEqual(ops, [
            ("backup.commit", "ok"), ("backup.commit", "ok"),
            ("restore.start", "started"), ("restore.finish", "ok"),
            ("verify.deep", "ok"),
            ("forget", "started"), ("forget", "ok"),
            ("undelete", "ok"),
            ("retain", "started"), ("retain", "ok"),
            ("lock", "started"), ("lock", "ok"),
            ("settings", "started"), ("settings", "ok"),
            ("forget", "started"), ("forget", "refused"),
            ("policy.set", "started"), ("policy.set", "ok"),
            ("policy.remove", "started"), ("policy.remove", "ok"),
            ("prune", "started"), ("prune", "ok"),
        ])
        a1 = [r for r in recs if r["op"] == "backup.commit"][0]["targets"][0]
        self.assertEqual([r["targets"] for r in recs if r["op"] == "restore.start"], [["a1"]])
        self.assertEqual([r["details"]["backup_id"] for r in recs if r["op"] == "restore.finish"], [a1])
        self.assertEqual(recs[6]["details"]["backups"], [a1])  # forget's outcome names the backup ids
        self.assertIn("locked until", recs[15]["outcome"]["message"])
        self.assertEqual([r["targets"] for r in recs if r["op"] == "policy.remove"], [["nightly"], ["nightly"]])
        self.assertEqual(recs[19]["details"]["version"], 2)  # the removal is the policy's second version
        self.assertEqual(recs[21]["intent"], recs[20]["seq"])
        host = socket.gethostname()
        for r in recs:
            self.assertEqual((r["key_slot"], r["role"], r["host"], r["user"]), (admin_slot, "admin", host, "root"))
            self.assertEqual(r["actor"], {"kind": "local-user", "id": "root"})
            self.assertRegex(r["key"], r"^audit/[0-9a-f]{16}/\d{12}$")
        # One writer (this host, the admin role): one chain, seq 1..n, each naming the previous record's hash.
        self.assertEqual([r["seq"] for r in recs], list(range(1, len(recs) + 1)))
        self.assertEqual([r["prev"] for r in recs[1:]], [r["hash"] for r in recs[:-1]])

        # The selectors.
        self.assertEqual([r["op"] for r in self.records("--op", "restore")], ["restore.start", "restore.finish"])
        self.assertEqual(len(self.records("--node", host)), len(recs))
        self.assertEqual(self.records("--node", "no-such-host"), [])
        self.assertEqual(self.records("--since", "2099-01-01"), [])
        text = self.cv("audit", "--op", "prune").stdout
        self.assertIn("prune all  started  by local-user root, key slot %s (admin), root@%s" % (admin_slot, host), text)

        # Prune signed a checkpoint of the heads; the trail verifies.
        cps = sorted(k for k in all_files(self.vault.vault_dir) if k.startswith("audit-checkpoints/"))
        self.assertEqual(len(cps), 1)
        out = self.cvj("audit", "--verify")
        self.assertEqual((out["ok"], out["records"], out["checkpoints"], out["writers"]), (True, len(recs), 1, 1))

        # A node's writer key appends to its own chain (another writer id) and reads the trail (the auditor).
        node = copy.copy(self.vault)
        node.config = self.with_key_file(writer_key)
        node.run("backup", "--offline", "--tag", "w1", passphrase=None)
        theirs = json.loads(node.run("audit", "--json", "--op", "backup", passphrase=None).stdout)
        self.assertEqual(len(theirs), 3)
        self.assertEqual(theirs[-1]["role"], "writer")
        self.assertNotEqual(theirs[-1]["key"].split("/")[1], recs[0]["key"].split("/")[1])
        # ... but signs no checkpoint.
        p = node.run("audit", "checkpoint", passphrase=None, check=False)
        self.assertEqual(p.returncode, 6, p.stderr)
        self.assertIn("needs an admin key", p.stderr)

        # No secret anywhere: the passphrase and the writer key file's bytes are in no vault object and no
        # output; no record's stored bytes hold an op name or the host name in clear.
        with open(writer_key, "rb") as f:
            key_bytes = f.read().strip()
        secrets = [PASSPHRASE.encode(), key_bytes]
        for name, content in self.vault_bytes().items():
            for s in secrets:
                self.assertNotIn(s, content, name)
            if name.startswith("audit"):
                self.assertNotIn(b"backup.commit", content, name)
                # The host name as the record holds it ("host": "..."): a short name alone (this machine's
                # is two letters) turns up in random ciphertext by chance.
                self.assertNotIn(('"host":"%s"' % host).encode(), content, name)
                self.assertNotIn(('"host": "%s"' % host).encode(), content, name)
        for text in self.outputs:
            for s in secrets:
                self.assertNotIn(s.decode(), text)

    def with_key_file(self, key):
        """The same vault and node, opened with a key file instead of the passphrase."""
        config = os.path.join(self.work, "cassvault-writer.yaml")
        url = "file://" + self.vault.vault_dir
        with open(self.vault.config) as f:
            text = f.read()
        with open(config, "w") as f:
            f.write(text.replace("  url: %s\n" % url, "  url: %s\n  key_file: %s\n" % (url, key)))
        return config

    def trail(self):
        """A vault with one admin chain of several records and a checkpoint of its head."""
        self.make_vault()
        for days in (3, 4, 5, 6):
            self.cv("settings", "--soft-delete-days", days)
        self.cv("audit", "checkpoint")
        keys = self.vault.audit_files()
        self.assertEqual(len(keys), 2 + 4 * 2)
        return keys

    def verify_fails(self):
        p = self.cv("audit", "--verify", check=False)
        self.assertEqual(p.returncode, 5, p.stdout + p.stderr)
        return p.stdout

    def test_verify_names_an_edited_a_deleted_and_a_reordered_record_and_a_removed_tail(self):
        keys = self.trail()
        path = lambda k: os.path.join(self.vault.vault_dir, k)  # noqa: E731
        saved = {}
        for k in keys:
            with open(path(k), "rb") as f:
                saved[k] = f.read()
        self.assertIn("intact", self.cv("audit", "--verify").stdout)

        def put(k, data):
            if os.path.exists(path(k)):
                os.chmod(path(k), 0o600)
                os.remove(path(k))
            with open(path(k), "wb") as f:
                f.write(data)

        with self.subTest("edited"):
            b = bytearray(saved[keys[2]])
            b[len(b) // 2] ^= 1
            put(keys[2], bytes(b))
            out = self.verify_fails()
            self.assertIn("modified: file://%s/%s: does not decrypt under its name" % (self.vault.vault_dir, keys[2]), out)
            put(keys[2], saved[keys[2]])
        with self.subTest("deleted"):
            os.remove(path(keys[3]))
            out = self.verify_fails()
            self.assertIn("deleted: file://%s/%s: is missing" % (self.vault.vault_dir, keys[3]), out)
            put(keys[3], saved[keys[3]])
        with self.subTest("reordered"):
            put(keys[4], saved[keys[5]])
            put(keys[5], saved[keys[4]])
            out = self.verify_fails()
            self.assertIn("reordered: file://%s/%s: holds the record written as %s" % (self.vault.vault_dir, keys[4], keys[5]), out)
            self.assertIn("reordered: file://%s/%s: holds the record written as %s" % (self.vault.vault_dir, keys[5], keys[4]), out)
            put(keys[4], saved[keys[4]])
            put(keys[5], saved[keys[5]])
        with self.subTest("tail removed"):
            # This host's head cache would also show it: remove it, so that the checkpoint alone catches it.
            for f in os.listdir(os.path.join(self.vault.dir, "cache")):
                if ".audit-" in f:
                    os.remove(os.path.join(self.vault.dir, "cache", f))
            os.remove(path(keys[-1]))
            os.remove(path(keys[-2]))
            out = self.verify_fails()
            self.assertIn("tail-removed: file://%s/%s: writer %s: checkpoint audit-checkpoints/" %
                          (self.vault.vault_dir, keys[-1], keys[-1].split("/")[1]), out)
            self.assertIn("names record %d as its head, but the trail ends at record %d" % (len(keys), len(keys) - 2), out)
            put(keys[-2], saved[keys[-2]])
            put(keys[-1], saved[keys[-1]])
        self.assertIn("intact", self.cv("audit", "--verify").stdout)

    def test_a_prune_whose_intent_record_cannot_be_written_does_nothing(self):
        self.make_vault()
        self.cv("settings", "--soft-delete", "disabled")
        self.cv("forget", "a1")  # soft delete off: prune would purge a1's data now
        audit = os.path.join(self.vault.vault_dir, "audit")
        shutil.move(audit, audit + ".saved")
        with open(audit, "w") as f:
            f.write("a regular file where the audit folder should be\n")
        before = self.vault_bytes()
        before_stat = {k: os.stat(os.path.join(self.vault.vault_dir, k)) for k in before}
        p = self.cv("prune", "--keep-last", "5", check=False)
        self.assertNotEqual(p.returncode, 0, p.stdout)
        self.assertIn("prune: its audit record could not be written, so it was not started", p.stderr)
        after = self.vault_bytes()
        self.assertEqual(after, before)  # no lease, no mark, no purge, no deletion
        for k, st in before_stat.items():
            now = os.stat(os.path.join(self.vault.vault_dir, k))
            self.assertEqual((now.st_mode, now.st_uid, now.st_mtime_ns), (st.st_mode, st.st_uid, st.st_mtime_ns), k)
        # With the trail back, the same prune runs and purges a1.
        os.remove(audit)
        shutil.move(audit + ".saved", audit)
        self.cv("prune", "--keep-last", "5")
        self.assertEqual([r["op"] for r in self.records("--op", "prune")], ["prune", "prune"])
        self.assertEqual(self.records("--op", "prune")[1]["details"]["purged"], 1)


if __name__ == "__main__":
    unittest.main()
