#!/usr/bin/python3
"""Locks enforced by the store itself, and Delete removing every version (issue 13). No Cassandra.

- S3: Versity S3 Gateway started with --versioning-dir and a bucket created with Object Lock enabled (a real
  S3 server). s3_store_test's S3Locks tests and the contract on that versioned bucket run through a
  recording proxy (faults.FaultProxy, no faults), so that this script sees every PutObjectRetention carry a
  Content-MD5 of its body; then the script itself, signing with the gateway's root account independently of
  cassvault's signer, sends a DELETE of the locked object's version and the server refuses it (403).
- Azure: a STAND-IN server (azure_worm_standin.py) for blob versioning and version-level immutability,
  because Azurite implements neither (its immutability handlers answer 501 and versioning is unreleased).
  It checks Shared Key signatures exactly and answers Azure's 409 BlobImmutableDueToPolicy. Then, on real
  Azurite, ProbeLocks reports no lock support without failing, and Delete keeps its one-request path.
- init and doctor on the Object Lock bucket (and on a plain one) say what the store enforces.
"""

import base64
import email.utils
import hashlib
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from azure_worm_standin import ACCOUNT, KEY, AzureWormStandIn, sign, string_to_sign  # noqa: E402
from azurite import Azurite  # noqa: E402
from cvtest import Vault  # noqa: E402
from faults import FaultProxy  # noqa: E402
from rigtest import ROOT  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(ROOT), "shared", "fixtures", "legacy-sstables")
from versitygw import Versitygw  # noqa: E402

BUILD = os.path.join(ROOT, "build", "release", "src", "backends")
S3_TEST = os.environ.get("CV_S3_TEST_BIN") or os.path.join(BUILD, "s3_store_test")
AZURE_TEST = os.environ.get("CV_AZURE_TEST_BIN") or os.path.join(BUILD, "azure_store_test")
LOCK_BUCKET = "cv-locks"
LOOPBACK = {"no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost",
            "AWS_EC2_METADATA_DISABLED": "true"}


def run_gtest(binary, gtest_filter, env):
    return subprocess.run([binary, "--gtest_filter=" + gtest_filter], env=dict(os.environ, **env),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)


class S3ObjectLockTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Versitygw.start(versioning=True)
        cls.gw.create_bucket(LOCK_BUCKET, object_lock=True)
        cls.proxy = FaultProxy.start(cls.gw.port, rate=0.0)

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.gw.stop()

    def test_store_locks_and_deletes_of_every_version_on_versitygw(self):
        self.assertTrue(os.path.exists(S3_TEST), "build the s3_store_test target first: " + S3_TEST)
        env = dict(self.gw.env(), CASSVAULT_TEST_S3_ENDPOINT="http://127.0.0.1:%d" % self.proxy.port,
                   CASSVAULT_TEST_S3_BUCKET="cv-plain", CASSVAULT_TEST_S3_LOCK_BUCKET=LOCK_BUCKET,
                   CASSVAULT_TEST_S3_STORAGE_DIR=self.gw.workdir, **LOOPBACK)
        proc = run_gtest(S3_TEST, "S3Locks.*:VersitygwObjectLock/*", env)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertNotIn("SKIPPED", proc.stdout)
        self.assertIn("[  PASSED  ] 15 tests", proc.stdout)  # 3 lock tests + the contract on the versioned bucket

        # Every PutObjectRetention carried Content-MD5, the MD5 of its body; one per SetLock call (7 in S3Locks).
        retention = [(p, h, b) for m, p, h, b in self.proxy.seen if m == "PUT" and "retention" in p]
        self.assertEqual(len(retention), 7)
        for path, headers, body in retention:
            self.assertEqual(headers.get("content-md5"), base64.b64encode(hashlib.md5(body).digest()).decode(), path)

        # The script's own DELETE of the locked version, signed with the root account: refused by the server.
        m = re.search(r"\[ locked \] (\S+) (\S+)", proc.stdout)
        self.assertIsNotNone(m, proc.stdout)
        key, version = m.group(1), m.group(2)
        status, _, body = self.gw.request("DELETE", "/%s/%s" % (LOCK_BUCKET, key), {"versionId": version})
        self.assertEqual(status, 403, body)
        self.assertIn(b"<Code>AccessDenied</Code>", body)
        self.assertIn(b"object protected by object lock", body)
        status, _, body = self.gw.request("GET", "/%s/%s" % (LOCK_BUCKET, key), {"versionId": version})
        self.assertEqual(status, 200, "the locked version is still there")
        # Why cassvault always sends Content-MD5: without one the gateway (like S3) refuses PutObjectRetention.
        xml = (b'<Retention xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Mode>COMPLIANCE</Mode>'
               b'<RetainUntilDate>2099-01-01T00:00:00Z</RetainUntilDate></Retention>')
        status, _, body = self.gw.request("PUT", "/%s/%s" % (LOCK_BUCKET, key), {"retention": ""}, body=xml)
        self.assertEqual(status, 400, body)
        self.assertIn(b"Content-MD5", body)

    def test_init_and_doctor_report_what_the_bucket_enforces(self):
        work = tempfile.mkdtemp(prefix="cv-locks-cli-")
        try:
            for bucket, expected in ((LOCK_BUCKET, "S3 Object Lock is enabled on bucket '%s'" % LOCK_BUCKET),
                                     ("cv-plain-cli", "bucket 'cv-plain-cli' has no Object Lock")):
                vault, _ = Vault.for_stopped_node(os.path.join(work, bucket), url="s3://%s/vault" % bucket,
                                                  vault_yaml='  s3: {endpoint: "%s"}\n' % self.gw.endpoint)
                env = dict(self.gw.env(), **LOOPBACK)
                out = vault.run("init", env_extra=env).stdout
                self.assertIn("store locks: " + expected, out)
                doctor = vault.run("doctor", env_extra=env).stdout
                self.assertRegex(doctor, r"ok\s+locks: " + re.escape(expected))
        finally:
            shutil.rmtree(work, ignore_errors=True)


    def test_prune_puts_the_stores_lock_on_a_locked_backups_objects(self):
        """End to end: an offline backup into the Object Lock bucket, `settings --immutability unlocked` (the
        probe sees Object Lock), `lock --until`, then `prune` asks the gateway to retain every object the backup
        needs; the script's own DELETE of the backup's manifest version, signed with the root account, is
        refused by the server; forget is refused by cassvault (exit 7); a second prune sends no lock again."""
        work = tempfile.mkdtemp(prefix="cv-locks-prune-")
        try:
            vault, data = Vault.for_stopped_node(os.path.join(work, "n"), url="s3://%s/pruned" % LOCK_BUCKET,
                                                 vault_yaml='  s3: {endpoint: "%s"}\n' % self.gw.endpoint)
            shutil.copytree(os.path.join(FIXTURES, "nb", "legacy_tables"), os.path.join(data, "legacy_tables"))
            env = dict(self.gw.env(), **LOOPBACK)
            vault.run("init", env_extra=env)
            backup = vault.json("backup", "--offline", "--tag", "locked-one", env_extra=env)
            vault.run("settings", "--immutability", "unlocked", env_extra=env)
            vault.run("lock", "locked-one", "--until", "2099-01-01", env_extra=env)
            first = vault.json("prune", env_extra=env)
            locks = first["store_locks"]
            self.assertEqual((locks["backups"], locks["refused"]), (1, 0), locks)
            self.assertGreaterEqual(locks["requests"], 6)  # record, manifest, refs, content key, packs, config, slots
            self.assertEqual(locks["requests"], locks["objects"])
            # The gateway holds them: a DELETE of the manifest's version by the root account is refused.
            status, _, body = self.gw.request("GET", "/%s" % LOCK_BUCKET, {"prefix": "pruned/manifests/"})
            self.assertEqual(status, 200, body)
            key = re.search(rb"<Key>(pruned/manifests/[0-9a-f]{64})</Key>", body).group(1).decode()
            status, _, body = self.gw.request("GET", "/%s/%s" % (LOCK_BUCKET, key), {"retention": ""})
            self.assertEqual(status, 200, body)
            self.assertIn(b"GOVERNANCE", body)
            self.assertIn(b"2099-01-05T00:00:00", body)  # 2099-01-01 rounded up to the next Monday
            status, _, body = self.gw.request("GET", "/%s" % LOCK_BUCKET, {"versions": "", "prefix": key})
            version = re.search(rb"<VersionId>([^<]+)</VersionId>", body).group(1).decode()
            status, _, body = self.gw.request("DELETE", "/%s/%s" % (LOCK_BUCKET, key), {"versionId": version})
            self.assertEqual(status, 403, body)
            self.assertIn(b"object protected by object lock", body)
            p = vault.run("forget", "locked-one", check=False, env_extra=env)
            self.assertEqual(p.returncode, 7, p.stderr)
            self.assertIn("is locked until 2099-01-01T00:00:00Z", p.stderr)
            again = vault.json("prune", env_extra=env)
            self.assertEqual(again["store_locks"]["requests"], 0, again["store_locks"])
            self.assertEqual([b["backup_id"] for b in vault.json("list", env_extra=env)], [backup["backup_id"]])
        finally:
            shutil.rmtree(work, ignore_errors=True)


class AzureImmutabilityStandInTest(unittest.TestCase):
    """Against the STAND-IN (azure_worm_standin.py): Azurite has no versioning and no immutability."""

    @classmethod
    def setUpClass(cls):
        cls.srv = AzureWormStandIn.start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def send(self, method, path, query="", authorization=None):
        """A request signed with the account key by this script (the stand-in's own algorithm, not cassvault's),
        or carrying `authorization` as given."""
        headers = {"x-ms-date": email.utils.formatdate(usegmt=True), "x-ms-version": "2025-07-05"}
        raw = urllib.parse.quote(path)
        q = urllib.parse.parse_qs(query, keep_blank_values=True)
        headers["Authorization"] = authorization or "SharedKey %s:%s" % (
            ACCOUNT, sign(KEY, string_to_sign(method, {k.lower(): v for k, v in headers.items()}, ACCOUNT, raw, q)))
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.server.server_address[1], timeout=30)
        try:
            conn.request(method, raw + ("?" + query if query else ""), headers=headers)
            r = conn.getresponse()
            return r.status, r.getheader("x-ms-error-code"), r.read()
        finally:
            conn.close()

    def test_immutability_and_versioned_deletes_on_the_stand_in(self):
        self.assertTrue(os.path.exists(AZURE_TEST), "build the azure_store_test target first: " + AZURE_TEST)
        env = dict(self.srv.env(), CASSVAULT_TEST_AZURE_CONTAINER="cv-worm", CASSVAULT_TEST_AZURE_WORM_DIR=self.srv.root)
        proc = run_gtest(AZURE_TEST, "AzureWorm.*:AzureWormStandIn/*", env)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertNotIn("SKIPPED", proc.stdout)
        self.assertIn("[  PASSED  ] 15 tests", proc.stdout)  # 3 lock tests + the contract on the stand-in
        refused = [(m, p, st) for m, p, st, c in self.srv.requests if c == "BlobImmutableDueToPolicy"]
        self.assertTrue(any(m == "DELETE" and st == 409 for m, _, st in refused), refused)
        self.assertTrue(any(m == "PUT" and "immutabilityPolicies" in p and st == 409 for m, p, st in refused))
        self.assertEqual([r for r in self.srv.requests if r[3] == "AuthenticationFailed"], [],
                         "every one of cassvault's Shared Key signatures verified")

        # The script's own DELETE of the locked blob's version is refused by the server...
        blob = "/%s/cv-worm/worm/packs/aa/locked" % ACCOUNT
        status, _, listing = self.send("GET", "/%s/cv-worm" % ACCOUNT,
                                       "restype=container&comp=list&include=versions&prefix=worm/packs/aa/locked")
        self.assertEqual(status, 200)
        version = re.search(rb"<VersionId>([^<]+)</VersionId>", listing).group(1).decode()
        status, code, body = self.send("DELETE", blob, "versionid=" + version)
        self.assertEqual((status, code), (409, "BlobImmutableDueToPolicy"), body)
        self.assertIn(b"immutable due to a policy", body)
        self.assertEqual(self.send("HEAD", blob)[0], 200, "the locked blob is still there")
        # ... and one with a wrong signature is refused before anything: the stand-in really checks them.
        wrong = "SharedKey %s:%s" % (ACCOUNT, base64.b64encode(b"x" * 32).decode())
        self.assertEqual(self.send("DELETE", blob, "versionid=" + version, authorization=wrong)[:2],
                         (403, "AuthenticationFailed"))


class AzuriteLockProbeTest(unittest.TestCase):
    """Real Azurite: no versioning, no immutability. The backend must say so and otherwise work unchanged."""

    def test_probe_on_azurite_reports_no_lock_support(self):
        az = Azurite.start()
        try:
            env = dict(az.env(), CASSVAULT_TEST_AZURE_CONTAINER="cv-locks-probe")
            proc = run_gtest(AZURE_TEST, "AzureLocks.*", env)
            self.assertEqual(proc.returncode, 0, proc.stdout)
            self.assertNotIn("SKIPPED", proc.stdout)
            self.assertIn("[  PASSED  ] 1 test", proc.stdout)
        finally:
            az.stop()


if __name__ == "__main__":
    unittest.main()
