#!/usr/bin/python3
"""Key slots wrapped by Azure Key Vault, managed with `cassvault key list|add|remove|rotate` (issue 14;
docs/vault-format.md "Keys and roles", docs/cli.md "key").

Key Vault is tests/integration/keyvault_standin.py, a STAND-IN for Azure Key Vault's keys REST API (no Key
Vault emulator can be had here) with real RSA-OAEP-256, reached over HTTPS by a vault.azure.net host name
through its CONNECT proxy, with bearer tokens from token_server.py (a STAND-IN for Entra ID). The vault is a
local directory and the node a stopped one (`backup --offline` of the legacy SSTable fixtures): no Cassandra.

Proves: rotate the Key Vault key twice, rotate the slot, and the old slot is gone while every backup (from
before, between and after the rotations) restores bit for bit; the slot unwraps with its recorded version,
never the newest; a removed slot opens nothing, and the error says so; Key Vault unreachable or refusing
→ the recovery slot (the passphrase) opens the vault with a warning naming why, and without a recovery key
the error names both; removing the last reader slot (and the last admin slot) is refused, changing nothing.
Every command's output is searched for the client secret, every token and every wrapped/unwrapped value,
and every vault object for the passphrase, tokens and every KEK Key Vault unwrapped.
"""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from azurite import TestPki  # noqa: E402
from cvtest import BIN, Vault, all_files  # noqa: E402
from keyvault_standin import KeyVaultStandin  # noqa: E402
from rigtest import ROOT  # noqa: E402
from token_server import TokenServer  # noqa: E402

LEGACY = os.path.join(os.path.dirname(ROOT), "shared", "fixtures", "legacy-sstables")
RECOVERY = "key vault test recovery passphrase"
EXIT_ACCESS, EXIT_STATE = 6, 7
KEY = "cv-kek"
ALL = {"get", "list", "wrapKey", "unwrapKey"}
IDENTITY_VARS = ["AZURE_STORAGE_KEY", "AZURE_STORAGE_SAS_TOKEN", "AZURE_TENANT_ID", "AZURE_CLIENT_ID",
                 "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_AUTHORITY_HOST",
                 "AZURE_FEDERATED_TOKEN_FILE", "IDENTITY_ENDPOINT", "IDENTITY_HEADER",
                 "AZURE_POD_IDENTITY_AUTHORITY_HOST", "MSI_ENDPOINT", "MSI_SECRET", "CASSVAULT_PASSPHRASE"]


def tree(root):
    out = {}
    for rel in all_files(root):
        with open(os.path.join(root, rel), "rb") as f:
            out[rel] = hashlib.sha256(f.read()).hexdigest()
    return out


class KeyVaultSlotsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="cv-kvs-")
        cls.pki = TestPki(os.path.join(cls.work, "pki"), dns_names=[KeyVaultStandin.HOST])
        cls.ts = TokenServer.start(cls.pki.cert_file, cls.pki.key_file)
        cls.ts.client_secret = "kv-slot-secret-" + os.urandom(9).hex()
        cls.sp = "sp-" + cls.ts.client_id  # the service principal's oid in the stand-in's tokens

    @classmethod
    def tearDownClass(cls):
        cls.ts.stop()
        shutil.rmtree(cls.work, ignore_errors=True)

    def setUp(self):
        self.ts.reset()
        self.kv = KeyVaultStandin.start(self.pki.cert_file, self.pki.key_file, self.ts.tenant)
        self.kid1 = self.kv.create_key(KEY)
        self.kv.grant(self.sp, ALL)
        self.dir = tempfile.mkdtemp(prefix="t-", dir=self.work)
        key_vault = {"url": self.kv.url, "key": KEY, "auth": "client-secret", "tenant_id": self.ts.tenant,
                     "client_id": self.ts.client_id, "authority_host": self.ts.authority}
        yaml = ("  tls: {ca_file: %s}\n  transfer: {max_attempts: 2}\n  key_vault: %s\n"
                % (self.pki.ca_file, json.dumps(key_vault)))
        self.vault, self.data = Vault.for_stopped_node(self.dir, vault_yaml=yaml)
        self.outputs = []
        self.kv_stopped = False
        # The admin's own config: the same vault without vault.key_vault (with it, Key Vault slots are
        # tried first, and a reader Key Vault slot would open the vault as a reader).
        self.admin_config = os.path.join(self.dir, "admin.yaml")
        with open(self.vault.config) as f, open(self.admin_config, "w") as out:
            out.write("".join(line for line in f if not line.startswith("  key_vault:")))

    def tearDown(self):
        try:
            secrets = [self.ts.client_secret, RECOVERY] + list(self.ts.issued) + self.kv.secrets()
            for what, text in self.outputs:
                for s in secrets:
                    self.assertNotIn(s, text, "%s printed a secret, a token or a Key Vault value" % what)
            # No KEK Key Vault unwrapped (32 bytes; the 256-byte values are the wrapped ones, which slots hold)
            # and no passphrase or token is in any vault object, raw or encoded.
            keks = [v for v in self.kv.seen_values if len(v) == 32]
            needles = [RECOVERY.encode(), self.ts.client_secret.encode()] + [t.encode() for t in self.ts.issued]
            for k in keks:
                needles += [k, k.hex().encode(), base64.urlsafe_b64encode(k).rstrip(b"="),
                            base64.b64encode(k).rstrip(b"=")]
            for rel in self.vault.vault_files() if os.path.isdir(self.vault.vault_dir) else []:
                with open(os.path.join(self.vault.vault_dir, rel), "rb") as f:
                    data = f.read()
                for n in needles:
                    self.assertNotIn(n, data, "vault object %s holds a secret in clear" % rel)
        finally:
            if not self.kv_stopped:
                self.kv.stop()

    # ---- helpers -------------------------------------------------------------------------------
    def env(self, recovery, admin=False):
        env = {k: v for k, v in os.environ.items() if k not in IDENTITY_VARS}  # only the config's identity
        env.update(self.kv.env())
        env.update(CASSVAULT_CONFIG=self.admin_config if admin else self.vault.config,
                   AZURE_CLIENT_SECRET=self.ts.client_secret)
        if recovery:
            env["CASSVAULT_PASSPHRASE"] = RECOVERY
        return env

    def cv(self, *args, recovery=False, admin=False, check=True, expect=0, crash_at=None):
        """`cassvault ARGS` with Key Vault configured; `recovery`: the passphrase is available too; `admin`:
        the admin's config (no vault.key_vault) and passphrase."""
        env = self.env(recovery or admin, admin)
        if crash_at:
            env["CASSVAULT_TEST_CRASH_AT"] = crash_at
        proc = subprocess.run([BIN] + [str(a) for a in args], capture_output=True, text=True,
                              env=env, stdin=subprocess.DEVNULL, timeout=600)
        self.outputs.append((" ".join(args), proc.stdout + proc.stderr))
        if check:
            self.assertEqual(proc.returncode, expect, "cassvault %s\n%s%s" % (" ".join(args), proc.stdout,
                                                                             proc.stderr))
        return proc

    def cvj(self, *args, **kw):
        return json.loads(self.cv(*(list(args) + ["--json"]), **kw).stdout)

    def slots(self, **kw):
        return {s["id"]: s for s in self.cvj("key", "list", **kw)}

    def place(self, version, table):
        shutil.copytree(os.path.join(LEGACY, version, "legacy_tables", table),
                        os.path.join(self.data, "legacy_tables", table))

    def backup(self, tag, **kw):
        report = self.cvj("backup", "--offline", "--tag", tag, **kw)
        return report["backup_id"], tree(self.data)

    def restore(self, backup, **kw):
        out = os.path.join(self.dir, "restore-%s" % backup)
        self.cv("restore", "--backup", backup, "--target-dir", out, **kw)
        return tree(out)

    def init_with_key_vault_slot(self, role="admin"):
        """A vault whose first slot (admin) is the recovery passphrase, plus a Key Vault slot of `role`."""
        self.cv("init", "--kdf-cost", "15", recovery=True)
        add = self.cv("key", "add", "--key-vault", "--role", role, "--json", recovery=True)
        # Key changes open the vault with the admin's key when it is at hand; Key Vault only wraps.
        self.assertEqual(add.stderr, "")
        return json.loads(add.stdout)["slot"]

    def unwraps(self):
        """The key versions the stand-in was asked to unwrap with, in order."""
        return [r[1].split("/")[3] for r in self.kv.requests if r[1].endswith("/unwrapkey") and r[4] == 200]

    def vault_state(self):
        return {k: os.path.getmtime(os.path.join(self.vault.vault_dir, k)) for k in self.vault.vault_files()}

    # ---- tests ---------------------------------------------------------------------------------
    def test_rotations_keep_every_backup_restorable_and_retire_the_old_slot(self):
        slot = self.init_with_key_vault_slot()
        listed = self.slots()  # opened by Key Vault alone: no passphrase in the environment
        self.assertEqual(listed[slot]["kind"], "azure-key-vault")
        self.assertEqual(listed[slot]["kid"], self.kid1)
        self.assertEqual(listed[slot]["alg"], "RSA-OAEP-256")
        self.assertTrue(listed[slot]["opened"])
        with open(os.path.join(self.vault.vault_dir, "keys", slot)) as f:
            doc = json.load(f)
        self.assertEqual((doc["kind"], doc["kid"], doc["role"]), ("azure-key-vault", self.kid1, "admin"))
        self.assertNotIn("=", doc["wrapped_kek"])

        self.place("nb", "legacy_nb_clust")
        b1, src1 = self.backup("before")
        kid2 = self.kv.rotate(KEY)
        self.place("da", "legacy_da_simple")
        b2, src2 = self.backup("between")
        # The slot still unwraps with the version that wrapped it, not the newest.
        self.assertEqual(set(self.unwraps()), {self.kid1.split("/")[-1]})
        kid3 = self.kv.rotate(KEY)
        self.assertEqual(len({self.kid1, kid2, kid3}), 3)

        rotated = self.cvj("key", "rotate", "--slot", slot)
        self.assertEqual((rotated["old_kid"], rotated["new_kid"], rotated["unchanged"]), (self.kid1, kid3, False))
        new = rotated["new_slot"]
        self.assertFalse(os.path.exists(os.path.join(self.vault.vault_dir, "keys", slot)))
        listed = self.slots()
        self.assertEqual(sorted(s["kind"] for s in listed.values()), ["azure-key-vault", "passphrase"])
        self.assertEqual(listed[new]["kid"], kid3)
        self.assertTrue(listed[new]["opened"])
        # A second rotation with nothing newer changes nothing.
        self.assertTrue(self.cvj("key", "rotate", "--slot", new)["unchanged"])

        b3, src3 = self.backup("after")
        before = len(self.unwraps())
        for backup, source in ((b1, src1), (b2, src2), (b3, src3)):
            with self.subTest(backup=backup):
                self.assertEqual(self.restore(backup), source)
        self.assertEqual(set(self.unwraps()[before:]), {kid3.split("/")[-1]})

        # The old versions may now be disabled in Key Vault: nothing needs them.
        self.kv.disable_version(self.kid1)
        self.kv.disable_version(kid2)
        # (Backups made in the same second list in the order of their random id suffix.)
        self.assertCountEqual([b["tag"] for b in self.cvj("list")], ["before", "between", "after"])
        self.assertTrue([v for v in self.kv.seen_values if len(v) == 32], "no KEK seen: tearDown's grep is void")

    def test_a_rotation_killed_midway_leaves_both_slots_and_each_opens(self):
        slot = self.init_with_key_vault_slot()
        self.place("nb", "legacy_nb_clust")
        b1, src1 = self.backup("b1")
        kid2 = self.kv.rotate(KEY)
        self.cv("key", "rotate", "--slot", slot, crash_at="key-rotate-added", expect=-9)  # SIGKILL
        kinds = {i: s.get("kid") for i, s in self.slots().items() if s["kind"] == "azure-key-vault"}
        self.assertEqual(sorted(kinds.values()), sorted([self.kid1, kid2]))
        new = [i for i, k in kinds.items() if k == kid2][0]
        # Each opens on its own: the old one with the new version disabled, the new one with the old disabled.
        for disabled, opener in ((kid2, slot), (self.kid1, new)):
            with self.subTest(disabled=disabled):
                self.kv.disable_version(disabled)
                listed = self.slots()
                self.assertTrue(listed[opener]["opened"], listed)
                self.kv.disable_version(disabled, enabled=True)
        # What the killed rotation did not do, done by hand: the old slot removed; the backup still restores.
        self.cv("key", "remove", slot, recovery=True)
        self.assertEqual(self.restore(b1), src1)

    def test_a_removed_slot_opens_nothing(self):
        self.init_with_key_vault_slot()
        reader_key = os.path.join(self.dir, "reader.key")
        self.cv("key", "generate-file", reader_key)
        added = self.cvj("key", "add", "--new-key-file", reader_key, "--role", "reader")["slot"]
        removed = self.cvj("key", "remove", added)
        self.assertEqual(removed, {"removed": added})
        self.assertNotIn(added, self.slots())
        # The removed key file, as a node's only key (no Key Vault): refused, saying it does not open.
        plain = Vault.for_stopped_node(os.path.join(self.dir, "plain"))[0]
        with open(plain.config, "w") as f:
            f.write("vault:\n  url: file://%s\n  key_file: %s\nnode:\n  cassandra_yaml: /nonexistent\n"
                    % (self.vault.vault_dir, reader_key))
        proc = plain.run("list", passphrase=None, check=False)
        self.assertEqual(proc.returncode, EXIT_ACCESS, proc.stderr)
        self.assertIn("has no key-file slot", proc.stderr)
        # The Key Vault slot's version disabled, no recovery key: the error names Key Vault's refusal and the
        # missing recovery key.
        self.kv.disable_version(self.kid1)
        proc = self.cv("list", check=False)
        self.assertEqual(proc.returncode, EXIT_ACCESS, proc.stderr)
        self.assertIn("Azure Key Vault did not open it", proc.stderr)
        self.assertIn("disabled", proc.stderr)
        self.assertIn("no recovery key is available", proc.stderr)

    def test_key_vault_unreachable_or_refusing_the_recovery_slot_opens_the_vault(self):
        self.init_with_key_vault_slot()
        self.place("nb", "legacy_nb_clust")
        b1, src1 = self.backup("b1")
        # This identity may no longer unwrap: the recovery passphrase opens it, with a warning naming why.
        self.kv.grant(self.sp, {"get", "wrapKey"})
        proc = self.cv("list", "--json", recovery=True)
        self.assertEqual([b["backup_id"] for b in json.loads(proc.stdout)], [b1])
        self.assertIn("warning: Azure Key Vault did not open the vault", proc.stderr)
        self.assertIn("unwrapKey", proc.stderr)
        self.assertIn("using the recovery key", proc.stderr)
        # Key Vault gone altogether: the recovery slot restores.
        self.kv.stop()
        self.kv_stopped = True
        proc = self.cv("list", recovery=True)
        self.assertIn("warning: Azure Key Vault did not open the vault", proc.stderr)
        self.assertEqual(self.restore(b1, recovery=True), src1)
        # Without the recovery key the error names both.
        proc = self.cv("list", check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("Azure Key Vault did not open it", proc.stderr)
        self.assertIn("no recovery key is available", proc.stderr)
        self.assertEqual(proc.stdout, "")

    def test_removing_the_last_reader_or_admin_slot_is_refused(self):
        writer_key = os.path.join(self.dir, "writer.key")
        self.cv("init", "--kdf-cost", "15", "--write-only", writer_key, recovery=True)
        admin = [i for i, s in self.slots(recovery=True).items() if s["role"] == "admin"][0]
        before = self.vault_state()
        proc = self.cv("key", "remove", admin, recovery=True, expect=EXIT_STATE)
        self.assertIn("last slot holding a reader key", proc.stderr)
        self.assertIn("cassvault key add", proc.stderr)
        self.assertEqual(self.vault_state(), before)

        # A Key Vault reader slot: the admin is then refused as the last admin slot.
        reader = self.cvj("key", "add", "--key-vault", "--role", "reader", recovery=True)["slot"]
        self.assertEqual(self.slots()[reader]["role"], "reader")
        proc = self.cv("key", "remove", admin, admin=True, expect=EXIT_STATE)
        self.assertIn("last admin slot", proc.stderr)
        # Opened by Key Vault (the reader slot): no key-slot change at all.
        before = self.vault_state()
        proc = self.cv("key", "remove", reader, expect=EXIT_ACCESS)
        self.assertIn("needs an admin key", proc.stderr)
        self.assertEqual(self.vault_state(), before)
        # The admin (passphrase at hand, Key Vault configured) rotates the reader's Key Vault slot: the vault
        # opens with the admin key, not the reader slot, and the new slot is a reader slot on the new version.
        kid2 = self.kv.rotate(KEY)
        rotated = self.cvj("key", "rotate", "--slot", reader, recovery=True)
        self.assertEqual(rotated["new_kid"], kid2)
        self.assertEqual(self.slots()[rotated["new_slot"]]["role"], "reader")
        self.assertTrue(self.slots()[rotated["new_slot"]]["opened"])
        # With the reader slot there, the writer slot may go.
        writer = [i for i, s in self.slots(admin=True).items() if s["role"] == "writer"][0]
        self.cv("key", "remove", writer, admin=True)
        self.assertEqual(sorted(s["role"] for s in self.slots(admin=True).values()), ["admin", "reader"])
        # A slot that does not exist: exit 4, nothing changed.
        before = self.vault_state()
        self.cv("key", "remove", "0123456789abcdef", admin=True, expect=4)
        self.assertEqual(self.vault_state(), before)

    def test_a_key_vault_key_is_a_guardian_that_approves_with_sign(self):
        """The two-person rule with a Key Vault guardian (docs/approvals.md): the guardian's key signs the
        approval (PS256, Key Vault's `sign`), the vault checks it with the public key recorded at
        registration."""
        self.cv("init", "--kdf-cost", "15", recovery=True)
        gkid = self.kv.create_key("cv-guardian")
        self.kv.grant(self.sp, ALL | {"sign"})
        g = self.cvj("guardian", "add", "--key-vault", gkid, "--name", "sec", recovery=True)
        self.assertEqual(g["name"], "sec")
        p = self.cv("settings", "--soft-delete", "disabled", recovery=True, expect=EXIT_ACCESS)
        self.assertIn("'soft-delete.disable': needs a guardian's approval", p.stderr)
        a = self.cvj("approve", "--operation", "soft-delete.disable", "--expires", "1h", "--guardian-key-vault",
                     "sec", recovery=True)
        self.assertEqual((a["operation"], a["guardian"]), ("soft-delete.disable", g["id"]))
        self.assertEqual(self.cvj("settings", "--soft-delete", "disabled", recovery=True)["soft_delete"], "disabled")
        # An identity that may not sign cannot approve: Key Vault refuses, nothing is written.
        self.kv.grant(self.sp, ALL)
        p = self.cv("approve", "--operation", "immutability.disable", "--expires", "1h", "--guardian-key-vault",
                    "sec", recovery=True, expect=EXIT_ACCESS)
        self.assertIn("sign", p.stderr)

    def test_a_format_1_vault_refuses_a_key_vault_slot(self):
        self.cv("init", "--kdf-cost", "15", "--format", "1", recovery=True)
        before = self.vault_state()
        proc = self.cv("key", "add", "--key-vault", recovery=True, expect=EXIT_STATE)
        self.assertIn("need format 2", proc.stderr)
        self.assertEqual(self.vault_state(), before)


if __name__ == "__main__":
    unittest.main()
