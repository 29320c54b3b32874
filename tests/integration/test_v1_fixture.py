#!/usr/bin/python3
"""A format v1 vault made by cassvault 6819f3c (the last release that writes v1), committed in
tests/fixtures/v1-vault, must stay readable bit for bit by every later binary: it lists, restores every file to
the recorded sha256, verifies (fast and deep), opens with both of its key slots, refuses a wrong passphrase,
takes a new backup without leaving format v1, and a flipped byte in one of its packs is found by a deep verify.

Every test works on a copy of the fixture in a temp dir; the committed copy is never written. No Cassandra
process is needed: restores go to --target-dir and the new backup is `backup --offline` of a stopped node.
"""

import copy
import hashlib
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cvtest import Vault, all_files  # noqa: E402
from rigtest import ROOT  # noqa: E402

FIXTURE = os.path.join(ROOT, "tests", "fixtures", "v1-vault")
PASSPHRASE = "v1 fixture passphrase (public test fixture)"
VAULT_ID = "ba8269717e5bcc5ab53779f8e852ff85"
BACKUPS = {"v1-first": "20261206T042104Z-31aa2425", "v1-second": "20261206T042104Z-0f59762f"}
# Every object key format v1 writes: a v1 vault must never gain anything else (a v2 object would make it a
# vault that v1 binaries half-read).
V1_PREFIXES = ("config", "config-seal/", "keys/", "packs/", "index/", "manifests/", "backups/")
LEGACY = os.path.join(os.path.dirname(ROOT), "shared", "fixtures", "legacy-sstables")


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def tree_manifest(root):
    """{relative path: (size, sha256)} of every file under root."""
    return {rel: (os.path.getsize(os.path.join(root, rel)), sha256_file(os.path.join(root, rel)))
            for rel in all_files(root)}


def expected_manifest(tag):
    """The committed list of what a backup restores: `sha256 size path` per line."""
    out = {}
    with open(os.path.join(FIXTURE, "expected-%s.txt" % tag)) as f:
        for line in f:
            digest, size, rel = line.rstrip("\n").split(" ", 2)
            out[rel] = (int(size), digest)
    return out


def flip_byte(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0x80]))


class V1FixtureTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The fixture is only read, here and by every test; this proves it at the end.
        cls.fixture_before = tree_manifest(FIXTURE)

    @classmethod
    def tearDownClass(cls):
        assert tree_manifest(FIXTURE) == cls.fixture_before, "a test wrote into the committed fixture"

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="cv-v1fixture-")
        self.vault, self.data = Vault.for_stopped_node(self.work)
        shutil.copytree(os.path.join(FIXTURE, "vault"), self.vault.vault_dir)
        # The modes a fresh clone has (git keeps no modes but the executable bit), whatever this checkout has.
        for base, dirs, files in os.walk(self.vault.vault_dir):
            for d in dirs:
                os.chmod(os.path.join(base, d), 0o755)
            for f in files:
                os.chmod(os.path.join(base, f), 0o644)

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def run_cv(self, *args, **kw):
        return self.vault.run(*args, passphrase=PASSPHRASE, **kw)

    def json_cv(self, *args, **kw):
        return json.loads(self.run_cv(*(list(args) + ["--json"]), **kw).stdout)

    def vault_objects(self):
        """{object key: sha256} of the copied vault."""
        return {k: sha256_file(os.path.join(self.vault.vault_dir, k)) for k in self.vault.vault_files()}

    def restore_manifest(self, backup):
        out = os.path.join(self.work, "restore-" + backup)
        report = self.json_cv("restore", "--backup", backup, "--target-dir", out)
        got = tree_manifest(out)
        self.assertEqual(report["files_written"], len(got))
        return got

    def test_list_shows_both_backups_with_their_tags(self):
        listed = self.json_cv("list")
        self.assertEqual({b["backup_id"]: b["tag"] for b in listed}, {v: k for k, v in BACKUPS.items()})
        by_tag = {b["tag"]: b for b in listed}
        for tag in BACKUPS:
            expected = expected_manifest(tag)
            self.assertEqual(by_tag[tag]["files"], len(expected), tag)
            self.assertEqual(by_tag[tag]["bytes"], sum(size for size, _ in expected.values()), tag)
            self.assertEqual(by_tag[tag]["mode"], "offline", tag)
            self.assertEqual(by_tag[tag]["cluster"], "legacy", tag)
        self.assertEqual(by_tag["v1-first"]["tables"], 3)
        self.assertEqual(by_tag["v1-second"]["tables"], 4)
        # The second backup stored only its new table: the rest was deduplicated against the first.
        self.assertEqual(by_tag["v1-second"]["new_files"], 5)

    def test_every_backup_restores_bit_for_bit(self):
        for tag, backup_id in BACKUPS.items():
            with self.subTest(tag=tag):
                self.assertEqual(self.restore_manifest(tag), expected_manifest(tag))
        # By id as well as by tag: the same files.
        self.assertEqual(self.restore_manifest(BACKUPS["v1-first"]), expected_manifest("v1-first"))

    def test_verify_fast_and_deep_pass(self):
        for args in (["verify"], ["verify", "--deep"]):
            with self.subTest(args=args):
                report = self.json_cv(*args)
                self.assertTrue(report["ok"], report)
                self.assertEqual(report["problems"], [])
                self.assertEqual(sorted(report["backups"]), sorted(BACKUPS.values()))
                self.assertEqual(report["packs"], 2)
                self.assertEqual(report["blobs"], 24)
        self.assertGreater(self.json_cv("verify", "--deep")["bytes_read"], 0)

    def test_both_key_slots_open_the_vault(self):
        slots = self.json_cv("key", "list")
        self.assertEqual(sorted(s["kind"] for s in slots), ["keyfile", "passphrase"])
        self.assertEqual([s["log2_n"] for s in slots if s["kind"] == "passphrase"], [15])
        # The key file, as an operator would hold it: a private copy, mode 0600 (git checks files out 0644).
        key = os.path.join(self.work, "fixture.key")
        shutil.copyfile(os.path.join(FIXTURE, "fixture.key"), key)
        os.chmod(key, 0o600)
        by_file = copy.copy(self.vault)
        by_file.config = self._keyfile_config(key)
        listed = json.loads(by_file.run("list", "--json", passphrase=None).stdout)
        self.assertEqual(sorted(b["backup_id"] for b in listed), sorted(BACKUPS.values()))
        out = os.path.join(self.work, "restore-keyfile")
        by_file.run("restore", "--backup", "v1-second", "--target-dir", out, passphrase=None)
        self.assertEqual(tree_manifest(out), expected_manifest("v1-second"))

    def _keyfile_config(self, key):
        path = os.path.join(self.work, "cassvault-keyfile.yaml")
        with open(self.vault.config) as f:
            text = f.read()
        url = "file://" + self.vault.vault_dir
        self.assertIn("  url: %s\n" % url, text)
        with open(path, "w") as f:
            f.write(text.replace("  url: %s\n" % url, "  url: %s\n  key_file: %s\n" % (url, key)))
        return path

    def test_wrong_passphrase_is_refused_and_changes_nothing(self):
        before = self.vault_objects()
        for args in (["list"], ["restore", "--backup", "v1-first", "--target-dir", os.path.join(self.work, "r")],
                     ["verify", "--deep"]):
            with self.subTest(args=args):
                proc = self.vault.run(*args, passphrase="not the fixture passphrase", check=False)
                self.assertEqual(proc.returncode, 6, proc.stderr)
                self.assertEqual(proc.stdout, "")
                self.assertEqual(
                    proc.stderr.strip().splitlines()[-1],
                    "cassvault: Permission denied: vault file://%s: the passphrase or key file does not open "
                    "this vault; nothing was changed" % self.vault.vault_dir)
        self.assertFalse(os.path.exists(os.path.join(self.work, "r")))
        self.assertEqual(self.vault_objects(), before)

    def test_new_backup_into_v1_vault_stays_v1_and_restores_bit_for_bit(self):
        before = self.vault_objects()
        with open(os.path.join(self.vault.vault_dir, "config"), "rb") as f:
            config_before = f.read()

        # The node's data: what the vault gave back (the second backup's tables), plus one table it never saw.
        self.run_cv("restore", "--backup", "v1-second", "--target-dir", self.data)
        new_table = os.path.join(self.data, "legacy_tables", "legacy_da_clust")
        shutil.copytree(os.path.join(LEGACY, "da", "legacy_tables", "legacy_da_clust"), new_table)
        os.chmod(new_table, 0o755)
        for f in os.listdir(new_table):
            os.chmod(os.path.join(new_table, f), 0o644)
        source = tree_manifest(self.data)

        report = self.json_cv("backup", "--offline", "--tag", "v1-third")
        self.assertEqual(report["files"], len(source))
        # Blob ids computed now equal those v1 wrote: everything but the new table deduplicates.
        self.assertTrue(report["new_components"])
        for c in report["new_components"]:
            self.assertTrue(c.startswith("legacy_tables.legacy_da_clust/"), c)

        after = self.vault_objects()
        # Create-only: no object the fixture had was changed or removed.
        self.assertEqual({k: after[k] for k in before}, before)
        added = sorted(set(after) - set(before))
        self.assertTrue(added)
        for k in added:
            self.assertTrue(k.startswith(V1_PREFIXES), "a non-v1 object appeared in a v1 vault: %s" % k)
        kinds = sorted(k.split("/")[0] for k in added)
        self.assertEqual(kinds, ["backups", "index", "manifests", "packs"], added)

        # Still format v1: config untouched, the new pack is a v1 pack named by the SHA-256 of its bytes.
        with open(os.path.join(self.vault.vault_dir, "config"), "rb") as f:
            config_after = f.read()
        self.assertEqual(config_after, config_before)
        config = json.loads(config_after)
        self.assertEqual((config["format"], config["version"], config["vault_id"]), ("cassvault", 1, VAULT_ID))
        pack = next(k for k in added if k.startswith("packs/"))
        with open(os.path.join(self.vault.vault_dir, pack), "rb") as f:
            pack_bytes = f.read()
        self.assertEqual(pack_bytes[-8:], b"CVPACK01")
        digest = hashlib.sha256(pack_bytes).hexdigest()
        self.assertEqual(pack, "packs/%s/%s" % (digest[:2], digest))

        # The new backup sits next to the old ones and restores bit for bit; the old ones still do.
        listed = self.json_cv("list")
        self.assertEqual(sorted(b["tag"] for b in listed), ["v1-first", "v1-second", "v1-third"])
        self.assertEqual(self.restore_manifest(report["backup_id"]), source)
        self.assertEqual(self.restore_manifest("v1-first"), expected_manifest("v1-first"))
        deep = self.json_cv("verify", "--deep")
        self.assertTrue(deep["ok"], deep)
        self.assertEqual(deep["packs"], 3)

    def test_flipped_byte_in_a_pack_fails_deep_verify_naming_it(self):
        packs = sorted(k for k in self.vault.vault_files() if k.startswith("packs/"))
        victim = max(packs, key=lambda k: os.path.getsize(os.path.join(self.vault.vault_dir, k)))
        flip_byte(os.path.join(self.vault.vault_dir, victim), 200)
        proc = self.run_cv("verify", "--deep", "--json", check=False)
        self.assertEqual(proc.returncode, 5, proc.stderr)
        report = json.loads(proc.stdout)
        self.assertFalse(report["ok"])
        self.assertEqual([p["object"] for p in report["problems"]], [victim], report)
        affected = report["problems"][0]["affected"]
        # The first pack holds data of both backups (the second deduplicated against it).
        for backup_id in BACKUPS.values():
            self.assertTrue(any(a.startswith("backup %s " % backup_id) for a in affected), affected)
        # Without --json the pack is named on the terminal too.
        plain = self.run_cv("verify", "--deep", check=False)
        self.assertEqual(plain.returncode, 5, plain.stderr)
        self.assertIn(victim, plain.stdout + plain.stderr)


if __name__ == "__main__":
    unittest.main()
