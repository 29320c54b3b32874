#!/usr/bin/python3
"""Vault format v2 through the command line, property by property (issue 10; docs/vault-format.md):

- new vaults are v2, with a config signed by the vault's admin key;
- write-only: a node holding the writer key backs up, lists and fast-verifies, and cannot restore or deep-verify
  (refused before anything is read or written, naming the key it needs); the admin key restores its backups;
- every backup has its own content key (rotation by construction): backups from before and after a new reader
  slot all restore;
- objects are bound to their place: a backup record, manifest or pack copied under another name, or objects
  from another vault, are refused and named.

No Cassandra process is needed: the node is a stopped one (`backup --offline`), restores go to --target-dir.
"""

import copy
import hashlib
import json
import os
import shutil
import stat
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cvtest import Vault, all_files  # noqa: E402
from rigtest import ROOT  # noqa: E402

LEGACY = os.path.join(os.path.dirname(ROOT), "shared", "fixtures", "legacy-sstables")
PASSPHRASE = "v2 test passphrase"


def tree(root):
    out = {}
    for rel in all_files(root):
        with open(os.path.join(root, rel), "rb") as f:
            out[rel] = hashlib.sha256(f.read()).hexdigest()
    return out


class VaultV2Test(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="cv-v2-")
        self.vault, self.data = Vault.for_stopped_node(self.work)

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def cv(self, *args, vault=None, **kw):
        return (vault or self.vault).run(*args, passphrase=kw.pop("passphrase", PASSPHRASE), **kw)

    def cvj(self, *args, **kw):
        return json.loads(self.cv(*(list(args) + ["--json"]), **kw).stdout)

    def place(self, version, table):
        dst = os.path.join(self.data, "legacy_tables", table)
        shutil.copytree(os.path.join(LEGACY, version, "legacy_tables", table), dst)

    def with_key_file(self, key):
        """The same vault and node, opened with a key file instead of the passphrase."""
        v = copy.copy(self.vault)
        v.config = os.path.join(self.work, "cassvault-%s.yaml" % os.path.basename(key))
        url = "file://" + self.vault.vault_dir
        with open(self.vault.config) as f:
            text = f.read()
        with open(v.config, "w") as f:
            f.write(text.replace("  url: %s\n" % url, "  url: %s\n  key_file: %s\n" % (url, key)))
        return v

    def objects(self, prefix=""):
        return sorted(k for k in self.vault.vault_files() if k.startswith(prefix))

    def restore(self, backup, vault=None, **kw):
        out = os.path.join(self.work, "restore-%s-%d" % (backup, len(os.listdir(self.work))))
        self.cv("restore", "--backup", backup, "--target-dir", out, vault=vault, **kw)
        return tree(out)

    def test_new_vaults_are_v2_with_a_signed_config(self):
        report = self.cvj("init", "--kdf-cost", "15")
        self.assertEqual(report["format"], 2)
        with open(os.path.join(self.vault.vault_dir, "config"), "rb") as f:
            line, sig, rest = f.read().split(b"\n")
        self.assertEqual(json.loads(line), {"format": "cassvault", "version": 2, "vault_id": report["vault_id"]})
        self.assertEqual(len(sig), 88)  # base64 of a 64-byte Ed25519 signature
        self.assertEqual(rest, b"")
        self.assertEqual([(s["format"], s["role"]) for s in self.cvj("key", "list")], [(2, "admin")])
        # The config changed by someone without the admin key (here: the signature of another vault) is
        # refused, naming what to do.
        other = Vault.for_stopped_node(os.path.join(self.work, "other"))[0]
        self.cv("init", "--kdf-cost", "15", vault=other)
        with open(os.path.join(other.vault_dir, "config"), "rb") as f:
            other_sig = f.read().split(b"\n")[1]
        config = os.path.join(self.vault.vault_dir, "config")
        os.remove(config)
        with open(config, "wb") as f:
            f.write(line + b"\n" + other_sig + b"\n")
        proc = self.cv("list", check=False)
        self.assertEqual(proc.returncode, 5, proc.stderr)
        self.assertIn("config is not signed by this vault's admin key", proc.stderr)

    def test_write_only_node_backs_up_but_cannot_read_back(self):
        writer_key = os.path.join(self.work, "writer.key")
        report = self.cvj("init", "--kdf-cost", "15", "--write-only", writer_key)
        self.assertEqual(stat.S_IMODE(os.stat(writer_key).st_mode), 0o600)
        self.assertEqual(sorted(s["role"] for s in self.cvj("key", "list")), ["admin", "writer"])
        self.assertIn(report["writer_slot"], [s["key"].split("/")[1] for s in self.cvj("key", "list")])
        node = self.with_key_file(writer_key)

        self.place("nb", "legacy_nb_clust")
        self.place("da", "legacy_da_simple")
        source = tree(self.data)
        backup = json.loads(node.run("backup", "--offline", "--tag", "w1", "--json", passphrase=None).stdout)
        listed = json.loads(node.run("list", "--json", passphrase=None).stdout)
        self.assertEqual([b["tag"] for b in listed], ["w1"])
        fast = json.loads(node.run("verify", "--json", passphrase=None).stdout)
        self.assertTrue(fast["ok"], fast)
        self.assertGreater(fast["blobs"], 0)  # from the reference set: the node cannot open a manifest

        before = {k: os.path.getmtime(os.path.join(self.vault.vault_dir, k)) for k in self.vault.vault_files()}
        target = os.path.join(self.work, "writer-restore")
        for args in (["restore", "--backup", "w1", "--target-dir", target], ["verify", "--deep"]):
            with self.subTest(args=args):
                proc = node.run(*args, passphrase=None, check=False)
                self.assertEqual(proc.returncode, 6, proc.stderr)
                self.assertIn("needs a reader or admin key", proc.stderr)
                self.assertIn("opened with a writer key", proc.stderr)
                self.assertEqual(proc.stdout, "")
        self.assertFalse(os.path.exists(target))
        after = {k: os.path.getmtime(os.path.join(self.vault.vault_dir, k)) for k in self.vault.vault_files()}
        self.assertEqual(after, before)
        # The writer cannot add a stronger slot either.
        extra = os.path.join(self.work, "extra.key")
        self.cv("key", "generate-file", extra)
        proc = node.run("key", "add", "--new-key-file", extra, "--role", "admin", passphrase=None, check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("admin", proc.stderr)

        # The admin key (the passphrase the vault was made with) reads what the node wrote, bit for bit.
        self.assertEqual(self.restore(backup["backup_id"]), source)
        deep = self.cvj("verify", "--deep")
        self.assertTrue(deep["ok"], deep)
        self.assertEqual(deep["blobs"], fast["blobs"])  # the reference set names what the manifest does

    def test_every_backup_has_its_own_content_key_and_every_one_restores(self):
        self.cv("init", "--kdf-cost", "15")
        self.place("nb", "legacy_nb_simple")
        first_source = tree(self.data)
        first = self.cvj("backup", "--offline", "--tag", "k1")
        # A reader slot added between the backups (a restore operator's key) reads both.
        reader_key = os.path.join(self.work, "reader.key")
        self.cv("key", "generate-file", reader_key)
        self.cv("key", "add", "--new-key-file", reader_key, "--role", "reader")
        self.place("oa", "legacy_oa_simple")
        second_source = tree(self.data)
        second = self.cvj("backup", "--offline", "--tag", "k2")
        third = self.cvj("backup", "--offline", "--tag", "k3")  # nothing new: still a key for its manifest
        self.assertEqual(len(self.objects("content-keys/")), 3)
        reader = self.with_key_file(reader_key)
        for b, source in ((first, first_source), (second, second_source), (third, second_source)):
            for v in (None, reader):
                with self.subTest(backup=b["backup_id"], reader=v is not None):
                    self.assertEqual(self.restore(b["backup_id"], vault=v, passphrase=None if v else PASSPHRASE),
                                     source)

    def test_objects_copied_elsewhere_or_from_another_vault_are_refused(self):
        self.cv("init", "--kdf-cost", "15")
        self.place("nb", "legacy_nb_simple")
        a = self.cvj("backup", "--offline", "--tag", "a")
        self.place("oa", "legacy_oa_simple")
        b = self.cvj("backup", "--offline", "--tag", "b")
        root = self.vault.vault_dir

        # A record copied under another backup's name does not open there: skipped and named.
        fake_id = a["backup_id"][:-8] + "ffffffff"
        shutil.copyfile(os.path.join(root, "backups", a["backup_id"]), os.path.join(root, "backups", fake_id))
        proc = self.cv("list", "--json")
        self.assertEqual(sorted(x["backup_id"] for x in json.loads(proc.stdout)),
                         sorted([a["backup_id"], b["backup_id"]]))
        self.assertIn("backups/" + fake_id, proc.stderr)
        os.remove(os.path.join(root, "backups", fake_id))

        # A's manifest put in place of B's: B's restore fails naming its manifest (exit 5), nothing written.
        manifests = self.objects("manifests/")
        self.assertEqual(len(manifests), 2)
        rec = {x["backup_id"]: x for x in self.cvj("list")}
        self.assertEqual(len(rec), 2)
        saved = {}
        for m in manifests:
            with open(os.path.join(root, m), "rb") as f:
                saved[m] = f.read()
        m_a, m_b = manifests
        os.remove(os.path.join(root, m_b))
        with open(os.path.join(root, m_b), "wb") as f:
            f.write(saved[m_a])
        failed = []
        for x in (a, b):
            target = os.path.join(self.work, "swap-" + x["backup_id"])
            proc = self.cv("restore", "--backup", x["backup_id"], "--target-dir", target, check=False)
            if proc.returncode != 0:
                failed.append(x["backup_id"])
                self.assertEqual(proc.returncode, 5, proc.stderr)
                self.assertIn(m_b, proc.stderr)
                self.assertFalse(os.path.exists(target))
        self.assertEqual(len(failed), 1)
        os.remove(os.path.join(root, m_b))
        with open(os.path.join(root, m_b), "wb") as f:
            f.write(saved[m_b])

        # A pack's bytes under another pack name: the header names its own pack, so the copy is not adopted.
        pack = self.objects("packs/")[0]
        fake = "packs/ab/ab" + "0" * 62
        os.makedirs(os.path.join(root, "packs", "ab"), exist_ok=True)
        shutil.copyfile(os.path.join(root, pack), os.path.join(root, fake))
        report = json.loads(self.cv("verify", "--json", check=False).stdout)
        self.assertIn(fake, [p["object"] for p in report["problems"]])
        self.assertIn("pack header does not open as this pack's", json.dumps(report))
        os.remove(os.path.join(root, fake))

        # Objects of another vault (same passphrase) copied in: its record, index and pack are refused.
        other, other_data = Vault.for_stopped_node(os.path.join(self.work, "other"))
        self.cv("init", "--kdf-cost", "15", vault=other)
        shutil.copytree(os.path.join(self.data, "legacy_tables"), os.path.join(other_data, "legacy_tables"))
        o = json.loads(self.cv("backup", "--offline", "--tag", "other", "--json", vault=other).stdout)
        for prefix in ("backups/", "index/", "packs/"):
            for k in all_files(other.vault_dir):
                if k.startswith(prefix):
                    os.makedirs(os.path.dirname(os.path.join(root, k)), exist_ok=True)
                    shutil.copyfile(os.path.join(other.vault_dir, k), os.path.join(root, k))
        proc = self.cv("list", "--json")
        self.assertNotIn(o["backup_id"], [x["backup_id"] for x in json.loads(proc.stdout)])
        self.assertIn("backups/" + o["backup_id"], proc.stderr)
        report = json.loads(self.cv("verify", "--json", check=False).stdout)
        named = [p["object"] for p in report["problems"]]
        self.assertTrue(any(n.startswith("index/") for n in named), named)
        self.assertTrue(any(n.startswith("packs/") for n in named), named)
        # ... and the vault's own backups still restore bit for bit.
        self.assertEqual(self.restore(b["backup_id"]), tree(self.data))


if __name__ == "__main__":
    unittest.main(verbosity=2)
