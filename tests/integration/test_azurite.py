#!/usr/bin/python3
"""The Azure Blob backend against Azurite (tests/integration/azurite.py starts it; no Cassandra needed):

- azure_store_test: the ObjectStore contract every backend passes (storage/store_contract.h) plus the
  Azure specifics (wrong key, missing container), in C++ against the emulator;
- the real binary: an offline backup of the legacy fixtures (SSTables of Cassandra 3.0 to 5.0) into
  azure://, restored to a directory bit for bit, `verify --deep` clean, a second backup storing nothing;
- credentials: a wrong or missing key fails with the access exit code, naming the variable, showing no key.
"""

import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from azurite import ACCOUNT, KEY, Azurite  # noqa: E402
from cvtest import Vault, all_files  # noqa: E402
from rigtest import ROOT  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(ROOT), "shared", "fixtures", "legacy-sstables")
VERSIONS = ["ma", "mb", "mc", "md", "me", "na", "nb", "nc", "oa", "da"]
STORE_TEST = os.environ.get("CV_AZURE_TEST_BIN") or os.path.join(ROOT, "build", "release", "src", "backends",
                                                                 "azure_store_test")
EXIT_ACCESS = 6
OTHER_KEY = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODk="


class AzuriteTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.azurite = Azurite.start()

    @classmethod
    def tearDownClass(cls):
        cls.azurite.stop()

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="cv-azure-")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def offline_vault(self, url):
        """A stopped node's data dir and a config whose vault is `url` (what an operator writes)."""
        return Vault.for_stopped_node(self.work, url=url)

    def test_store_contract_and_azure_specifics(self):
        self.assertTrue(os.path.exists(STORE_TEST), "build the azure_store_test target first: " + STORE_TEST)
        env = dict(os.environ, CASSVAULT_TEST_AZURE_CONTAINER="cv-contract", **self.azurite.env())
        proc = subprocess.run([STORE_TEST, "--gtest_brief=1"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=600)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertIn("PASSED", proc.stdout)

    def test_offline_backup_to_azure_restores_bit_for_bit(self):
        vault, data = self.offline_vault("azure://%s/cv-e2e/cluster1/node1" % ACCOUNT)
        env = self.azurite.env()
        for v in VERSIONS:
            shutil.copytree(os.path.join(FIXTURES, v, "legacy_tables"), os.path.join(data, "legacy_tables"),
                            dirs_exist_ok=True)
        for base, _, files in os.walk(data):
            for f in files:
                os.chmod(os.path.join(base, f), 0o644)
        expected = all_files(data)

        vault.run("init", env_extra=env)  # creates the container
        report = vault.json("backup", "--offline", "--tag", "azure", env_extra=env)
        self.assertEqual(report["files"], len(expected))
        self.assertGreater(report["new_files"], 0)
        self.assertEqual(len(vault.json("list", env_extra=env)), 1)

        out = os.path.join(self.work, "restored")
        r = vault.json("restore", "--backup", "azure", "--target-dir", out, env_extra=env)
        self.assertEqual(r["files_written"], len(expected))
        self.assertEqual(all_files(out), expected)
        for rel in sorted(expected):
            self.assertTrue(filecmp.cmp(os.path.join(data, rel), os.path.join(out, rel), shallow=False), rel)

        self.assertEqual(vault.json("verify", "--deep", env_extra=env)["problems"], [])
        self.assertFalse(os.path.exists(vault.vault_dir), "the vault went to a local directory, not to Azure")
        # Dedup reads the index back from Azure: nothing new is stored the second time.
        shutil.rmtree(os.path.join(vault.dir, "cache"), ignore_errors=True)
        again = vault.json("backup", "--offline", "--tag", "azure2", env_extra=env)
        self.assertEqual(again["new_components"], [])

    def test_wrong_or_missing_key_fails_naming_the_variable_never_a_key(self):
        vault, _ = self.offline_vault("azure://%s/cv-keys/v" % ACCOUNT)
        vault.run("init", env_extra=self.azurite.env())
        wrong = dict(self.azurite.env(), AZURE_STORAGE_KEY=OTHER_KEY)
        proc = vault.run("list", check=False, env_extra=wrong)
        self.assertEqual(proc.returncode, EXIT_ACCESS, proc.stderr)
        self.assertIn("AZURE_STORAGE_KEY", proc.stderr)
        self.assertIn("403", proc.stderr)
        for secret in (KEY, OTHER_KEY, "SharedKey"):
            self.assertNotIn(secret, proc.stderr + proc.stdout)

        missing = dict(self.azurite.env(), AZURE_STORAGE_KEY="")
        proc = vault.run("list", check=False, env_extra=missing)
        self.assertEqual(proc.returncode, EXIT_ACCESS, proc.stderr)
        self.assertIn("AZURE_STORAGE_KEY is not set", proc.stderr)


if __name__ == "__main__":
    unittest.main()
