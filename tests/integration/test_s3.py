#!/usr/bin/python3
"""The S3 backend against a real S3 server, Versity S3 Gateway (tests/integration/versitygw.py starts it;
no Cassandra needed):

- s3_store_test: the ObjectStore contract every backend passes (storage/store_contract.h) plus the S3
  specifics — create-only by If-None-Match, parallel multipart, ranged reads across parts, listings of
  several pages, a wrong secret, a missing bucket — in C++ against the gateway;
- the real binary: an offline backup of the legacy fixtures (SSTables of Cassandra 3.0 to 5.0) into
  s3://, restored to a directory bit for bit, `verify --deep` clean, a second backup storing nothing;
- credentials: a wrong secret or none at all fails with the access exit code, naming the source and
  never a secret; and the EC2 instance metadata path (IMDSv2), against a stand-in metadata server.
"""

import filecmp
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cvtest import Vault, all_files  # noqa: E402
from faults import FaultProxy  # noqa: E402
from rigtest import ROOT  # noqa: E402
from versitygw import ACCESS_KEY, SECRET_KEY, Versitygw, free_port  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(ROOT), "shared", "fixtures", "legacy-sstables")
VERSIONS = ["ma", "mb", "mc", "md", "me", "na", "nb", "nc", "oa", "da"]
STORE_TEST = os.environ.get("CV_S3_TEST_BIN") or os.path.join(ROOT, "build", "release", "src", "backends",
                                                              "s3_store_test")
EXIT_ACCESS = 6
WRONG_SECRET = "wrong-secret-for-the-test-5b2e"
NO_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
                  "AWS_PROFILE": "", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials"}


class StandInImds:
    """A STAND-IN for the EC2 instance metadata service (there is no EC2 here), speaking IMDSv2 as AWS
    documents it: PUT /latest/api/token needs X-aws-ec2-metadata-token-ttl-seconds (1-21600) and returns a
    token; every GET needs that token in X-aws-ec2-metadata-token (401 without or with a wrong one);
    /latest/meta-data/iam/security-credentials/ lists the role; /…/<role> returns the role's credentials
    as JSON. It hands out the gateway's root account, as a role would hand out temporary keys."""

    ROLE = "cassvault-backup-role"
    TOKEN = "AQAEAStandInImdsSessionToken=="
    SESSION = "StandInSessionTokenForTheRole"

    def __init__(self, access_key, secret_key):
        self.requests = []  # (method, path, had a valid token)
        imds = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status, body=b"", content_type="text/plain"):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_PUT(self):
                ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
                imds.requests.append(("PUT", self.path, ttl))
                if self.path != "/latest/api/token":
                    return self.reply(404)
                if ttl is None or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
                    return self.reply(400)
                self.reply(200, imds.TOKEN.encode())

            def do_GET(self):
                ok = self.headers.get("X-aws-ec2-metadata-token") == imds.TOKEN
                imds.requests.append(("GET", self.path, ok))
                if not ok:
                    return self.reply(401)
                base = "/latest/meta-data/iam/security-credentials/"
                if self.path == base:
                    return self.reply(200, imds.ROLE.encode())
                if self.path == base + imds.ROLE:
                    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 6 * 3600))
                    doc = {"Code": "Success", "LastUpdated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                           "Type": "AWS-HMAC", "AccessKeyId": access_key, "SecretAccessKey": secret_key,
                           "Token": imds.SESSION, "Expiration": expires}
                    return self.reply(200, json.dumps(doc).encode(), "application/json")
                self.reply(404)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class S3Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Versitygw.start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="cv-s3-")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def offline_vault(self, url, s3_extra="", endpoint=None):
        """A stopped node's data dir and a config whose vault is `url` on the gateway."""
        return Vault.for_stopped_node(self.work, url=url, vault_yaml="  s3: {endpoint: \"%s\"%s}\n" % (
            endpoint or self.gw.endpoint, s3_extra))

    def env(self, **extra):
        # The gateway is on loopback: never through a proxy. No instance metadata lookups unless asked.
        return dict(self.gw.env(), no_proxy="127.0.0.1,localhost", NO_PROXY="127.0.0.1,localhost",
                    AWS_EC2_METADATA_DISABLED="true", **extra)

    def test_store_contract_and_s3_specifics(self):
        self.assertTrue(os.path.exists(STORE_TEST), "build the s3_store_test target first: " + STORE_TEST)
        env = dict(os.environ, CASSVAULT_TEST_S3_ENDPOINT=self.gw.endpoint, CASSVAULT_TEST_S3_BUCKET="cv-contract",
                   **self.env())
        start = time.time()
        proc = subprocess.run([STORE_TEST], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=600)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertIn("PASSED", proc.stdout)
        for line in proc.stdout.splitlines():
            if line.startswith("[ multipart ]") or line.startswith("[  PASSED  ]"):
                print("\n  s3_store_test: %s" % line, file=sys.stderr)
        print("  s3_store_test: %.1f s" % (time.time() - start), file=sys.stderr)

    def round_trip(self, vault, data, tag):
        """Backup of the legacy fixtures, restore to a directory, byte-equal, verify --deep clean."""
        env = self.env()
        for v in VERSIONS:
            shutil.copytree(os.path.join(FIXTURES, v, "legacy_tables"), os.path.join(data, "legacy_tables"),
                            dirs_exist_ok=True)
        for base, _, files in os.walk(data):
            for f in files:
                os.chmod(os.path.join(base, f), 0o644)
        expected = all_files(data)

        vault.run("init", env_extra=env)  # creates the bucket
        report = vault.json("backup", "--offline", "--tag", tag, env_extra=env)
        self.assertEqual(report["files"], len(expected))
        self.assertGreater(report["new_files"], 0)
        self.assertEqual(len(vault.json("list", env_extra=env)), 1)

        out = os.path.join(self.work, "restored")
        r = vault.json("restore", "--backup", tag, "--target-dir", out, env_extra=env)
        self.assertEqual(r["files_written"], len(expected))
        self.assertEqual(all_files(out), expected)
        for rel in sorted(expected):
            self.assertTrue(filecmp.cmp(os.path.join(data, rel), os.path.join(out, rel), shallow=False), rel)

        self.assertEqual(vault.json("verify", "--deep", env_extra=env)["problems"], [])
        self.assertFalse(os.path.exists(vault.vault_dir), "the vault went to a local directory, not to S3")
        # Dedup reads the index back from S3: nothing new is stored the second time.
        shutil.rmtree(os.path.join(vault.dir, "cache"), ignore_errors=True)
        again = vault.json("backup", "--offline", "--tag", tag + "-2", env_extra=env)
        self.assertEqual(again["new_components"], [])
        return report

    def test_offline_backup_to_s3_restores_bit_for_bit(self):
        vault, data = self.offline_vault("s3://cv-e2e/cluster1/node1")
        self.round_trip(vault, data, "s3")

    def test_round_trip_through_injected_faults(self):
        """The same round trip with FaultProxy (faults.py) between cassvault and the gateway: 503 and 429
        before the server sees a request, and 500 AFTER it did the work — for a create-only PUT the retry
        then meets its own object (412) and must count it as written."""
        proxy = FaultProxy.start(self.gw.port, rate=0.2)
        try:
            vault, data = self.offline_vault("s3://cv-faults/v", endpoint="http://127.0.0.1:%d" % proxy.port)
            report = self.round_trip(vault, data, "faults")
        finally:
            proxy.stop()
        counts = proxy.counts
        print("\n  fault proxy: %s; backup report: requests %s, retries %s" % (
            counts, report.get("requests"), report.get("retries")), file=sys.stderr)
        self.assertGreater(counts["500_after"], 0, counts)
        self.assertGreater(counts["503_before"] + counts["429_before"], 0, counts)

    def test_wrong_or_missing_credentials_fail_naming_the_source_never_a_secret(self):
        vault, _ = self.offline_vault("s3://cv-keys/v")
        vault.run("init", env_extra=self.env())
        proc = vault.run("list", check=False, env_extra=self.env(AWS_SECRET_ACCESS_KEY=WRONG_SECRET))
        self.assertEqual(proc.returncode, EXIT_ACCESS, proc.stderr)
        self.assertIn("403 SignatureDoesNotMatch", proc.stderr)
        self.assertIn("AWS_SECRET_ACCESS_KEY", proc.stderr)
        for secret in (SECRET_KEY, WRONG_SECRET, "Signature=", "AWS4-HMAC-SHA256"):
            self.assertNotIn(secret, proc.stderr + proc.stdout)

        proc = vault.run("list", check=False, env_extra=self.env(**NO_CREDENTIALS))
        self.assertEqual(proc.returncode, EXIT_ACCESS, proc.stderr)
        for source in ("vault.s3.access_key_id is not set", "AWS_ACCESS_KEY_ID is not set",
                       "/nonexistent/credentials does not exist", "EC2 instance metadata"):
            self.assertIn(source, proc.stderr)

    def test_secret_from_the_variable_the_config_names(self):
        vault, _ = self.offline_vault("s3://cv-config-creds/v", ", access_key_id: %s, secret_access_key_env: "
                                      "CV_TEST_S3_SECRET" % ACCESS_KEY)
        env = self.env(CV_TEST_S3_SECRET=SECRET_KEY, **NO_CREDENTIALS)
        vault.run("init", env_extra=env)
        self.assertEqual(vault.json("list", env_extra=env), [])
        with open(vault.config) as f:
            self.assertNotIn(SECRET_KEY, f.read())

    def test_instance_role_credentials_from_imds_v2(self):
        """With no other source configured the chain asks the (stand-in) metadata service, IMDSv2 style,
        and signs with the role's key and session token. The gateway, like S3, accepts a session token
        only with a key its own STS issued (versitygw's STS needs its separate IAM server, not run here),
        so the request is refused as InvalidToken: the answer S3 gives to a request signed with that key
        id and carrying that token, and not InvalidAccessKeyId or "no credentials"."""
        imds = StandInImds(ACCESS_KEY, SECRET_KEY)
        try:
            vault, _ = self.offline_vault("s3://cv-imds/v")
            env = self.env(**NO_CREDENTIALS)
            env.pop("AWS_EC2_METADATA_DISABLED")
            env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.endpoint
            proc = vault.run("init", check=False, env_extra=env)
        finally:
            imds.stop()
        self.assertEqual(proc.returncode, EXIT_ACCESS, proc.stderr)
        self.assertIn("HTTP 400 InvalidToken", proc.stderr)
        self.assertIn("EC2 instance metadata at %s, role '%s'" % (imds.endpoint, StandInImds.ROLE), proc.stderr)
        for secret in (SECRET_KEY, StandInImds.SESSION, StandInImds.TOKEN):
            self.assertNotIn(secret, proc.stderr + proc.stdout)
        token_puts = [r for r in imds.requests if r[0] == "PUT"]
        self.assertTrue(token_puts, imds.requests)
        self.assertTrue(all(r[1] == "/latest/api/token" and r[2] for r in token_puts), imds.requests)
        gets = [r for r in imds.requests if r[0] == "GET"]
        self.assertIn(("GET", "/latest/meta-data/iam/security-credentials/", True), gets)
        self.assertIn(("GET", "/latest/meta-data/iam/security-credentials/" + StandInImds.ROLE, True), gets)
        self.assertTrue(all(ok for _, _, ok in gets), "every GET carried the session token")

        # Without a metadata service the chain ends quickly and says what it tried.
        closed = "http://127.0.0.1:%d" % free_port()
        start = time.time()
        proc = vault.run("list", check=False, env_extra=dict(env, AWS_EC2_METADATA_SERVICE_ENDPOINT=closed))
        self.assertEqual(proc.returncode, EXIT_ACCESS, proc.stderr)
        self.assertIn("EC2 instance metadata: EC2 instance metadata at %s is not reachable" % closed, proc.stderr)
        self.assertLess(time.time() - start, 10)


if __name__ == "__main__":
    unittest.main()
