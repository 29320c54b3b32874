#!/usr/bin/python3
"""cassvault's Azure Key Vault client end to end: the real `cassvault doctor` (and the client's own test
binary, key_vault_client_test) against tests/integration/keyvault_standin.py, a STAND-IN for Azure Key
Vault's keys REST API (no Key Vault emulator can be had here), over HTTPS with a throwaway test CA, with
bearer tokens from tests/integration/token_server.py (a STAND-IN for Entra ID and IMDS).

The stand-in is reached by a vault.azure.net host name through its small CONNECT proxy (https_proxy), as a
real vault would be: cassvault's client takes the token scope from the 401 challenge and refuses a
challenge whose resource host does not match the request's.

Proves: the challenge is honoured (the first request carries no token, the next a Key Vault token); a
challenge for another host is refused and no token is sent; 429 + Retry-After is waited out; an identity
with get + wrap but no unwrap is reported as such (and its 403 is a warning naming keys/unwrapKey); a
disabled version is refused with a clear error; api-version is configurable (the stand-in records what it
got); identity keys default to vault.azure's; bad settings name `vault.key_vault.<key>`; every version is
listed across nextLink pages. After every command, stdout and stderr are searched for every token, the
client secret, and every wrapped / unwrapped / signed value the stand-in saw.

No Cassandra: the vault is a local directory. It shares the rig lock only by convention.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from azurite import TestPki  # noqa: E402
from cvtest import BIN  # noqa: E402
from keyvault_standin import KeyVaultStandin  # noqa: E402
from token_server import TokenServer  # noqa: E402

CLIENT_TEST = os.environ.get("CV_KV_TEST_BIN") or os.path.join(os.path.dirname(BIN), "..", "backends",
                                                                  "key_vault_client_test")
EXIT_CONFIG, EXIT_ACCESS, EXIT_UNAVAILABLE = 3, 6, 8
UAMI_CLIENT = "0b5e7a1c-1111-4222-8333-00000000ba6e"   # a backup node's managed identity: get + wrap only
UAMI_OBJECT = "0b5e7a1c-1111-4222-8333-00000000b0b0"
ALL = {"get", "list", "wrapKey", "unwrapKey", "sign"}
IDENTITY_VARS = ["AZURE_STORAGE_KEY", "AZURE_STORAGE_SAS_TOKEN", "AZURE_TENANT_ID", "AZURE_CLIENT_ID",
                 "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_AUTHORITY_HOST",
                 "AZURE_FEDERATED_TOKEN_FILE", "IDENTITY_ENDPOINT", "IDENTITY_HEADER",
                 "AZURE_POD_IDENTITY_AUTHORITY_HOST", "MSI_ENDPOINT", "MSI_SECRET", "CASSVAULT_PASSPHRASE"]


class KeyVaultClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="cv-kv-")
        cls.pki = TestPki(os.path.join(cls.work, "pki"), dns_names=[KeyVaultStandin.HOST])
        cls.ts = TokenServer.start(cls.pki.cert_file, cls.pki.key_file)
        cls.ts.client_secret = "kv-test-secret-" + os.urandom(9).hex()
        cls.ts.user_identities = {UAMI_CLIENT: (UAMI_OBJECT, "/subscriptions/0/rg/backup-node")}
        cls.sp = "sp-" + cls.ts.client_id     # the service principal's oid in the stand-in's tokens
        cls.node = "mi-" + UAMI_CLIENT        # the managed identity's

    @classmethod
    def tearDownClass(cls):
        cls.ts.stop()
        shutil.rmtree(cls.work, ignore_errors=True)

    def setUp(self):
        self.ts.reset()
        self.kv = KeyVaultStandin.start(self.pki.cert_file, self.pki.key_file, self.ts.tenant)
        self.kid = self.kv.create_key("cv-kek")
        self.kv.grant(self.sp, ALL)
        self.dir = tempfile.mkdtemp(prefix="cv-kv-", dir=self.work)
        os.makedirs(os.path.join(self.dir, "vault"))

    def tearDown(self):
        self.kv.stop()

    # ---- helpers -------------------------------------------------------------------------------
    def sp_identity(self):
        return {"auth": "client-secret", "tenant_id": self.ts.tenant, "client_id": self.ts.client_id,
                "authority_host": self.ts.authority}

    def config(self, key_vault, azure=None):
        path = os.path.join(self.dir, "cassvault.yaml")
        with open(path, "w") as f:
            f.write("vault:\n  url: file://%s/vault\n  tls: {ca_file: %s}\n" % (self.dir, self.pki.ca_file))
            f.write("  transfer: {max_attempts: 4}\n")
            if azure:
                f.write("  azure: %s\n" % json.dumps(azure))
            f.write("  key_vault: %s\n" % json.dumps(key_vault))
            f.write("node:\n  cassandra_yaml: /nonexistent/cassandra.yaml\n")
        return path

    def env(self, config):
        env = {k: v for k, v in os.environ.items() if k not in IDENTITY_VARS}
        env.update(self.kv.env())
        env.update(CASSVAULT_CONFIG=config, AZURE_CLIENT_SECRET=self.ts.client_secret,
                   AZURE_POD_IDENTITY_AUTHORITY_HOST=self.ts.imds_host)
        return env

    def assert_no_secret(self, text, what):
        secrets = [self.ts.client_secret] + list(self.ts.issued) + self.kv.secrets()
        for s in secrets:
            self.assertNotIn(s, text, "%s printed a token, a secret or a Key Vault value" % what)
        self.assertNotIn("Bearer ey", text)

    def doctor(self, key_vault, azure=None, expect=0):
        """`cassvault doctor --json`: the exit code checked, the Key Vault checks by name."""
        cfg = self.config(key_vault, azure)
        start = time.monotonic()
        proc = subprocess.run([BIN, "doctor", "--json"], capture_output=True, text=True, env=self.env(cfg),
                              timeout=300)
        self.elapsed = time.monotonic() - start
        self.assert_no_secret(proc.stdout + proc.stderr, "cassvault doctor")
        self.assertEqual(proc.returncode, expect, proc.stdout + proc.stderr)
        checks = {c["check"]: c for c in json.loads(proc.stdout)["checks"]}
        return {k: v for k, v in checks.items() if k.startswith("key vault")}

    def kv_config(self, **extra):
        return dict(self.sp_identity(), url=self.kv.url, key="cv-kek", **extra)

    def outcomes(self, checks):
        return {k: v["outcome"] for k, v in checks.items()}

    # ---- tests ---------------------------------------------------------------------------------
    def test_full_rights_and_the_challenge(self):
        checks = self.doctor(self.kv_config())
        self.assertEqual(self.outcomes(checks), {"key vault get": "ok", "key vault wrap": "ok",
                                                 "key vault unwrap": "ok", "key vault sign": "ok"}, checks)
        self.assertIn(self.kid.split("/")[-1], checks["key vault get"]["detail"])
        # The first request went without a token and got the challenge; then a Key Vault token was used.
        first = self.kv.requests[0]
        self.assertEqual((first[3], first[4]), (None, 401))
        self.assertTrue(all(r[3] == self.sp for r in self.kv.requests[1:] if r[4] != 401))
        self.assertIn(("POST", "/keys/cv-kek/%s/unwrapkey" % self.kid.split("/")[-1], "7.6", self.sp, 200),
                      self.kv.requests)
        # Wrapping was local: the stand-in never saw a wrapkey request.
        self.assertFalse([r for r in self.kv.requests if r[1].endswith("/wrapkey")])
        self.assertEqual(set(self.kv.api_versions), {"7.6"})
        self.assertEqual(self.kv.connects[0], KeyVaultStandin.HOST + ":443")

    def test_get_and_wrap_but_no_unwrap_is_reported(self):
        """A backup node's managed identity (its own key in vault.key_vault) with keys/get and keys/wrapKey
        only: get and wrap ok, unwrap and sign refused, named, and only warnings (exit 0)."""
        self.kv.grant(self.node, {"get", "wrapKey"})
        checks = self.doctor({"url": self.kv.url, "key": "cv-kek", "auth": "managed-identity",
                              "managed_identity_client_id": UAMI_CLIENT})
        self.assertEqual(self.outcomes(checks), {"key vault get": "ok", "key vault wrap": "ok",
                                                 "key vault unwrap": "warn", "key vault sign": "warn"}, checks)
        unwrap = checks["key vault unwrap"]["detail"]
        self.assertTrue(unwrap.startswith("refused:"), unwrap)
        self.assertIn("permission keys/unwrapKey is missing", unwrap)
        self.assertIn("Microsoft.KeyVault/vaults/keys/unwrap/action", unwrap)
        self.assertIn("key cv-kek", unwrap)
        self.assertIn("permission keys/sign is missing", checks["key vault sign"]["detail"])
        self.assertIn(("POST", "/keys/cv-kek/%s/unwrapkey" % self.kid.split("/")[-1], "7.6", self.node, 403),
                      self.kv.requests)
        self.assertFalse([r for r in self.kv.requests if r[3] == self.sp], "the storage identity was used")

    def test_no_key_vault_right_at_all_is_only_warned_about(self):
        """A backup node needs no Key Vault right: doctor says what it may not do and still exits 0."""
        checks = self.doctor({"url": self.kv.url, "key": "cv-kek", "auth": "managed-identity",
                              "managed_identity_client_id": UAMI_CLIENT})
        self.assertEqual(self.outcomes(checks), {"key vault get": "warn", "key vault wrap": "skipped",
                                                 "key vault unwrap": "skipped", "key vault sign": "warn"}, checks)
        self.assertIn("permission keys/get is missing", checks["key vault get"]["detail"])

    def test_identity_defaults_to_vault_azure(self):
        # (The URL spelled with capitals, :443 and a slash: the same vault, and its kids match it.)
        checks = self.doctor({"url": "https://CVTest.Vault.Azure.Net:443/", "key": "cv-kek"}, azure=self.sp_identity())
        self.assertEqual(checks["key vault unwrap"]["outcome"], "ok", checks)
        self.assertTrue(any(r[3] == self.sp for r in self.kv.requests))

    def test_challenge_for_another_host_is_refused(self):
        self.kv.challenge_resource = "https://attacker.example"
        checks = self.doctor(self.kv_config(), expect=EXIT_ACCESS)
        get = checks["key vault get"]
        self.assertEqual(get["outcome"], "FAIL")
        self.assertIn("resource host 'attacker.example'", get["detail"])
        self.assertIn("request's host '%s'" % KeyVaultStandin.HOST, get["detail"])
        self.assertEqual(self.kv.seen_tokens, [], "a token was sent after a foreign challenge")
        self.assertFalse([t for t in self.ts.requests if t[0] == "entra"], "a token was even fetched")
        # The documented challenge (vault.azure.net) met at an address: also refused, naming both hosts.
        self.kv.challenge_resource = "https://vault.azure.net"
        checks = self.doctor(dict(self.kv_config(), url=self.kv.direct_url), expect=EXIT_ACCESS)
        self.assertIn("resource host 'vault.azure.net'", checks["key vault get"]["detail"])
        self.assertIn("request's host '127.0.0.1'", checks["key vault get"]["detail"])
        self.assertEqual(self.kv.seen_tokens, [])

    def test_a_refused_token_is_replaced_once(self):
        """A token the vault refuses (revoked) is dropped and the request sent once more with a fresh one; a
        vault that refuses every token fails as Unauthenticated (exit 6) after that one retry."""
        self.kv.refuse_tokens = 1
        checks = self.doctor(self.kv_config())
        self.assertEqual(set(self.outcomes(checks).values()), {"ok"}, checks)
        self.assertEqual([r[4] for r in self.kv.requests[:3]], [401, 401, 200])
        self.assertEqual(self.ts.count("entra", 200), 3)  # first token, its replacement, the signer's own
        self.kv.refuse_tokens = 100
        checks = self.doctor(self.kv_config(), expect=EXIT_ACCESS)
        self.assertIn("was refused", checks["key vault get"]["detail"])
        self.assertEqual([r[4] for r in self.kv.requests[-6:]], [401] * 6)

    def test_throttling_is_waited_out(self):
        self.kv.inject(429, retry_after=2, count=2)
        checks = self.doctor(self.kv_config())
        self.assertEqual(set(self.outcomes(checks).values()), {"ok"}, checks)
        self.assertEqual([r[4] for r in self.kv.requests[:2]], [429, 429])
        self.assertGreaterEqual(self.elapsed, 4.0, "Retry-After: 2 twice was not waited out")

    def test_throttling_that_does_not_end_fails_as_unavailable(self):
        self.kv.inject(503, retry_after=0, count=50)
        checks = self.doctor(self.kv_config(), expect=EXIT_UNAVAILABLE)
        self.assertEqual(checks["key vault get"]["outcome"], "FAIL")
        self.assertIn("answered 503 after retries", checks["key vault get"]["detail"])

    def test_unreachable_is_unavailable(self):
        checks = self.doctor(dict(self.kv_config(), url="https://127.0.0.1:9"), expect=EXIT_UNAVAILABLE)
        self.assertIn("cannot reach Key Vault", checks["key vault get"]["detail"])

    def test_disabled_versions(self):
        """The newest version disabled: doctor uses the newest enabled one; all disabled: a clear failure."""
        newer = self.kv.rotate("cv-kek")
        self.kv.disable_version(newer)
        checks = self.doctor(self.kv_config())
        self.assertEqual(checks["key vault unwrap"]["outcome"], "ok", checks)
        self.assertIn(self.kid.split("/")[-1], checks["key vault get"]["detail"])
        self.assertNotIn(newer.split("/")[-1], checks["key vault unwrap"]["detail"])
        self.kv.disable_version(self.kid)
        checks = self.doctor(self.kv_config(), expect=7)
        self.assertIn("no version of the key is enabled", checks["key vault get"]["detail"])

    def test_api_version_is_configurable(self):
        checks = self.doctor(self.kv_config(api_version="2025-07-01"))
        self.assertEqual(checks["key vault unwrap"]["outcome"], "ok", checks)
        self.assertEqual(set(self.kv.api_versions), {"2025-07-01"})
        # One the service does not know: its own 400 answer, named.
        checks = self.doctor(self.kv_config(api_version="1999-01-01"), expect=EXIT_CONFIG)
        self.assertIn("1999-01-01", checks["key vault get"]["detail"])

    def test_bad_settings_name_the_key(self):
        for kv_cfg, key in (({"url": self.kv.url}, "vault.key_vault.key"),
                            ({"key": "cv-kek"}, "vault.key_vault.url"),
                            (dict(self.kv_config(), url="http://%s" % KeyVaultStandin.HOST), "vault.key_vault.url"),
                            (dict(self.kv_config(), colour="blue"), "vault.key_vault.colour"),
                            (dict(self.kv_config(), key="bad/name"), "vault.key_vault.key"),
                            (dict(self.kv_config(), api_version="7.6&x=1"), "vault.key_vault.api_version"),
                            (dict(self.kv_config(), auth="shared-key"), "vault.key_vault.auth")):
            checks = self.doctor(kv_cfg, expect=EXIT_CONFIG)
            self.assertIn("'%s'" % key, checks["key vault get"]["detail"], kv_cfg)
            self.assertEqual(checks["key vault unwrap"]["outcome"], "skipped")
        self.assertEqual(self.kv.requests, [], "bad settings reached the vault")

    def test_not_configured_is_skipped(self):
        cfg = os.path.join(self.dir, "plain.yaml")
        with open(cfg, "w") as f:
            f.write("vault:\n  url: file://%s/vault\nnode:\n  cassandra_yaml: /nonexistent/cassandra.yaml\n" % self.dir)
        proc = subprocess.run([BIN, "doctor", "--json"], capture_output=True, text=True, env=self.env(cfg))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        checks = {c["check"]: c for c in json.loads(proc.stdout)["checks"] if c["check"].startswith("key vault")}
        self.assertEqual(set(c["outcome"] for c in checks.values()), {"skipped"})
        self.assertEqual(len(checks), 4)

    # ---- the stand-in's own rotation surface (what the key-slot tests build on) -------------------
    def test_standin_rotate_and_rotation_policy(self):
        """The stand-in itself, spoken to as the documented REST API: rotate answers a KeyBundle of a new
        32-hex version, the rotation policy round-trips and its documented limits are enforced."""
        import http.client
        import ssl
        import urllib.parse as up
        form = up.urlencode({"grant_type": "client_credentials", "client_id": self.ts.client_id,
                             "client_secret": self.ts.client_secret,
                             "scope": "https://vault.azure.net/.default"}).encode()
        ctx = ssl.create_default_context(cafile=self.pki.ca_file)
        conn = http.client.HTTPSConnection("127.0.0.1", self.ts.servers[0].server_address[1], context=ctx)
        conn.request("POST", "/%s/oauth2/v2.0/token" % self.ts.tenant, form,
                     {"Content-Type": "application/x-www-form-urlencoded"})
        token = json.loads(conn.getresponse().read())["access_token"]
        self.kv.grant(self.sp, ALL | {"rotate", "update"})

        def call(method, path, body=None):
            c = http.client.HTTPSConnection("127.0.0.1", self.kv.port, context=ctx)
            c.request(method, path + "?api-version=7.6", json.dumps(body) if body is not None else None,
                      {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
            r = c.getresponse()
            return r.status, json.loads(r.read())

        status, bundle = call("POST", "/keys/cv-kek/rotate")
        self.assertEqual(status, 200)
        self.assertRegex(bundle["key"]["kid"], r"^https://%s/keys/cv-kek/[0-9a-f]{32}$" % KeyVaultStandin.HOST)
        self.assertEqual(self.kv.versions("cv-kek"), [self.kid, bundle["key"]["kid"]])
        policy = {"lifetimeActions": [{"trigger": {"timeAfterCreate": "P90D"}, "action": {"type": "Rotate"}},
                                      {"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}],
                  "attributes": {"expiryTime": "P2Y"}}
        status, answer = call("PUT", "/keys/cv-kek/rotationpolicy", policy)
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["id"], "%s/keys/cv-kek/rotationpolicy" % self.kv.url)
        self.assertEqual(call("GET", "/keys/cv-kek/rotationpolicy")[1]["lifetimeActions"], policy["lifetimeActions"])
        for bad in ({"lifetimeActions": [{"trigger": {"timeAfterCreate": "P3D"}, "action": {"type": "Rotate"}}]},
                    {"lifetimeActions": [], "attributes": {"expiryTime": "P10D"}},
                    {"lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}]}):
            self.assertEqual(call("PUT", "/keys/cv-kek/rotationpolicy", bad)[0], 400, bad)
        self.kv.grant(self.sp, {"get"})
        self.assertEqual(call("POST", "/keys/cv-kek/rotate")[0], 403)

    # ---- the client itself (key_vault_client_test) ---------------------------------------------
    def client_test(self, name, **extra):
        env = self.env("/nonexistent")
        env.update(CV_KV_URL=self.kv.url, CV_KV_CA=self.pki.ca_file, CV_KV_TENANT=self.ts.tenant,
                   CV_KV_CLIENT_ID=self.ts.client_id, CV_KV_AUTHORITY=self.ts.authority, CV_KV_KEY="cv-kek", **extra)
        proc = subprocess.run([CLIENT_TEST, "--gtest_filter=KeyVaultStandin." + name], capture_output=True,
                              text=True, env=env, timeout=300)
        self.assert_no_secret(proc.stdout + proc.stderr, "key_vault_client_test")
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("1 test", proc.stdout)

    def test_client_pages_through_versions(self):
        for _ in range(59):
            self.kv.create_key("paged")
        self.kv.create_key("paged")
        self.client_test("ListsEveryVersionAcrossPages", CV_KV_PAGED="paged", CV_KV_PAGED_COUNT="60")
        pages = [r for r in self.kv.requests if r[1] == "/keys/paged/versions" and r[4] == 200]
        self.assertEqual(len(pages), 3)  # 25 + 25 + 10

    def test_client_refuses_a_foreign_next_link(self):
        for _ in range(30):
            self.kv.create_key("paged")
        self.kv.next_link_host = "attacker.example"
        self.client_test("RefusesANextLinkToAnotherHost", CV_KV_PAGED="paged")
        self.assertFalse([c for c in self.kv.connects if "attacker" in c])

    def test_client_disabled_version(self):
        older = self.kid
        self.kv.rotate("cv-kek")
        self.kv.disable_version(older)
        self.client_test("DisabledVersionIsRefusedClearly", CV_KV_DISABLED_VERSION=older.split("/")[-1])
        self.assertIn(("POST", "/keys/cv-kek/%s/unwrapkey" % older.split("/")[-1], "7.6", self.sp, 403),
                      self.kv.requests)

    def test_client_round_trip_in_both_alphabets(self):
        for alphabet in ("url", "std"):
            self.kv.answer_alphabet = alphabet
            self.client_test("WrapUnwrapSignRoundTrip")
        self.assertTrue([r for r in self.kv.requests if r[1].endswith("/wrapkey") and r[4] == 200])


if __name__ == "__main__":
    unittest.main()
