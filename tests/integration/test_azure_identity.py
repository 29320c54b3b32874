#!/usr/bin/python3
"""Every Azure identity kind, end to end, with the real `cassvault` binary against a real Azurite over
HTTPS (`--oauth basic`, a throwaway test CA trusted through vault.tls.ca_file), and a real Cassandra 5.0
node (scripts/rig). The vault issue's round trip once per identity: back up the live node, DROP KEYSPACE,
restore it live, rows read back through CQL equal, `verify --deep` clean:

  shared key, SAS (an account SAS signed here with the development key), client secret, client
  certificate (a signed client assertion), workload identity (a federated token file), managed identity
  through IMDS (a user-assigned identity chosen by client id), App Service, the Azure CLI, and the
  default chain (falling through to IMDS).

Entra ID, IMDS and App Service are played by tests/integration/token_server.py, a STAND-IN speaking their
documented protocol — not the real services. `az` is a STAND-IN script put on PATH (it asks the stand-in
token endpoint, as a CLI logged in as a service principal would, and prints what `az account
get-access-token -o json` prints).

Also (on the legacy SSTable fixtures, backed up offline and restored to a directory bit for bit): a
token that dies in the middle of a backup (short lifetimes; tokens that expire before they said)
does not fail it; a throttled token endpoint (429 + Retry-After) is waited out; a wrong client secret fails
with the AADSTS code and no secret; without the CA file TLS fails with a certificate error. After every
command, stdout and stderr are searched for every secret and every token the stand-in issued.
"""

import base64
import filecmp
import hashlib
import hmac
import json
import os
import shutil
import ssl
import stat
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from azurite import ACCOUNT, KEY, Azurite  # noqa: E402
from cvtest import Vault, all_files  # noqa: E402
from rigtest import ROOT, close_sessions, cql, dump, rig  # noqa: E402
from token_server import TokenServer  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(ROOT), "shared", "fixtures", "legacy-sstables")
VERSIONS = ["ma", "mb", "mc", "md", "me", "na", "nb", "nc", "oa", "da"]
EXIT_ACCESS = 6
LIVE_KEYSPACE = "cv_simple"
UAMI_CLIENT = "0b5e7a1c-1111-4222-8333-000000000a11"
UAMI_OBJECT = "0b5e7a1c-1111-4222-8333-000000000b22"
UAMI_RESOURCE = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/"
                 "Microsoft.ManagedIdentity/userAssignedIdentities/cassvault-backup")
# Every variable an identity reads: blanked for each command, so the developer's own never leak in.
IDENTITY_VARS = ["AZURE_STORAGE_KEY", "AZURE_STORAGE_SAS_TOKEN", "CASSVAULT_AZURE_ENDPOINT", "AZURE_TENANT_ID",
                 "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_AUTHORITY_HOST",
                 "AZURE_FEDERATED_TOKEN_FILE", "IDENTITY_ENDPOINT", "IDENTITY_HEADER",
                 "AZURE_POD_IDENTITY_AUTHORITY_HOST", "MSI_ENDPOINT", "MSI_SECRET"]

FAKE_AZ = '''#!/usr/bin/python3
"""A STAND-IN for the Azure CLI, for cassvault's tests: like `az` logged in as a service principal, it
asks the (stand-in) Entra ID token endpoint for a token and prints what `az account get-access-token
--resource R -o json` prints. Its "login" is in $AZURE_CONFIG_DIR, as the real one's is: cassvault passes
that variable to `az`, and no secret of its own environment."""
import json, os, ssl, sys, time, urllib.parse, urllib.request
args = sys.argv[1:]
with open(os.path.join(os.environ["AZURE_CONFIG_DIR"], "fake-az.json")) as f:
    os.environ.update(json.load(f))
with open(os.environ["CV_FAKE_AZ_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
if args[:2] != ["account", "get-access-token"] or "--resource" not in args or args[-2:] != ["-o", "json"]:
    print("ERROR: unrecognized arguments: %s" % " ".join(args), file=sys.stderr)
    sys.exit(2)
resource = args[args.index("--resource") + 1]
form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": os.environ["CV_FAKE_AZ_CLIENT"],
                               "client_secret": os.environ["CV_FAKE_AZ_SECRET"], "scope": resource + ".default"})
ctx = ssl.create_default_context(cafile=os.environ["CV_FAKE_AZ_CA"])
req = urllib.request.Request(os.environ["CV_FAKE_AZ_TOKEN_URL"], data=form.encode(),
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
answer = json.load(urllib.request.urlopen(req, context=ctx))
exp = int(time.time()) + int(answer["expires_in"])
print(json.dumps({"accessToken": answer["access_token"],
                  "expiresOn": time.strftime("%Y-%m-%d %H:%M:%S.000000", time.localtime(exp)),
                  "expires_on": exp, "subscription": "00000000-0000-0000-0000-000000000000",
                  "tenant": os.environ["CV_FAKE_AZ_TENANT"], "tokenType": "Bearer"}, indent=2))
'''


def account_sas(permissions="racwdl", hours=2):
    """An account SAS for the Blob service, signed with the development key (azure.md §8)."""
    sv, se = "2025-07-05", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + hours * 3600))
    fields = [ACCOUNT, permissions, "b", "sco", "", se, "", "https", sv, ""]
    sig = base64.b64encode(hmac.new(base64.b64decode(KEY), ("\n".join(fields) + "\n").encode(),
                                    hashlib.sha256).digest()).decode()
    return urllib.parse.urlencode({"sv": sv, "ss": "b", "srt": "sco", "sp": permissions, "se": se, "spr": "https",
                                   "sig": sig})


class AzureIdentityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rig("down")
        rig("up", "--nodes", 1)
        rig("load", "--scale", 1)
        cls.before = dump(LIVE_KEYSPACE)
        cls.azurite = Azurite.start(https=True)
        pki = cls.azurite.pki
        cls.ts = TokenServer.start(pki.cert_file, pki.key_file)
        cls.ts.client_secret = "stand-in-secret-" + base64.b32encode(os.urandom(10)).decode()
        cls.ts.certificate_pem = pki.client_cert_pem
        cls.ts.identity_header = "hdr-" + base64.b32encode(os.urandom(10)).decode()
        cls.ts.federated_token = "eyJ.stand-in-federated-token." + base64.b32encode(os.urandom(10)).decode()
        cls.ts.user_identities = {UAMI_CLIENT: (UAMI_OBJECT, UAMI_RESOURCE)}
        cls.sas = account_sas()
        cls.secrets = [KEY, cls.ts.client_secret, cls.ts.identity_header, cls.ts.federated_token,
                       urllib.parse.parse_qs(cls.sas)["sig"][0], urllib.parse.quote(urllib.parse.parse_qs(cls.sas)["sig"][0])]

    @classmethod
    def tearDownClass(cls):
        cls.ts.stop()
        cls.azurite.stop()
        close_sessions()
        rig("down")

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="cv-azid-")
        self.ts.reset()
        self.bin = os.path.join(self.work, "bin")  # PATH entry for the `az` stand-in, when a test wants it
        os.makedirs(self.bin)

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    # ---- helpers -------------------------------------------------------------------------------
    def vault(self, container, azure, ca_file=True, transfer=None):
        """A stopped node's data dir (the legacy fixtures) and a config whose vault is on Azurite."""
        section = "  azure: %s\n" % json.dumps(dict(azure, endpoint=self.azurite.endpoint))
        if ca_file:
            section += "  tls: {ca_file: %s}\n" % self.azurite.ca_file
        if transfer:
            section += "  transfer: %s\n" % json.dumps(transfer)
        vault, data = Vault.for_stopped_node(self.work, url="azure://%s/%s/node1" % (ACCOUNT, container),
                                             vault_yaml=section)
        for v in VERSIONS:
            shutil.copytree(os.path.join(FIXTURES, v, "legacy_tables"), os.path.join(data, "legacy_tables"),
                            dirs_exist_ok=True)
        for base, _, files in os.walk(data):
            for name in files:
                os.chmod(os.path.join(base, name), 0o644)
        return vault, data

    def env(self, **extra):
        env = {name: "" for name in IDENTITY_VARS}
        env["PATH"] = self.bin + ":/usr/bin:/bin"
        env.update(extra)
        return env

    def run_cv(self, vault, *args, env, check=True):
        """Runs cassvault and proves no secret and no token reached its output."""
        proc = vault.run(*args, check=check, env_extra=env)
        out = proc.stdout + proc.stderr
        for secret in self.secrets + list(self.ts.issued):
            self.assertNotIn(secret, out, "`cassvault %s` printed a secret or token" % " ".join(args))
        self.assertNotIn("Bearer ey", out)
        return proc

    def live_vault(self, container, azure, transfer=None):
        """A config naming the rig's node 1 and a vault on Azurite reached with `azure` settings."""
        yaml = "  azure: %s\n  tls: {ca_file: %s}\n" % (json.dumps(dict(azure, endpoint=self.azurite.endpoint)),
                                                        self.azurite.ca_file)
        if transfer:
            yaml += "  transfer: %s\n" % json.dumps(transfer)
        vault = Vault.for_rig_node(1, url="azure://%s/%s/node1" % (ACCOUNT, container), vault_yaml=yaml,
                                   workdir=os.path.join(self.work, "cv"))
        return vault

    def round_trip(self, container, azure, env, transfer=None):
        """The vault issue's round trip on the live node, with this identity."""
        vault = self.live_vault(container, azure, transfer)
        self.run_cv(vault, "init", env=env)  # creates the container
        report = json.loads(self.run_cv(vault, "backup", "--tag", "t1", "--json", env=env).stdout)
        self.assertGreater(report["new_files"], 0)
        self.assertTrue(any(c.startswith(LIVE_KEYSPACE + ".") for c in report["new_components"]))
        cql("DROP KEYSPACE %s" % LIVE_KEYSPACE)
        r = json.loads(self.run_cv(vault, "restore", "--backup", "t1", "--mode", "live", "--keyspace", LIVE_KEYSPACE,
                                   "--json", env=env).stdout)
        self.assertGreater(r["files_written"], 0)
        self.assertEqual(dump(LIVE_KEYSPACE), self.before, "%s differs after the restore" % LIVE_KEYSPACE)
        self.assertEqual(json.loads(self.run_cv(vault, "verify", "--deep", "--json", env=env).stdout)["problems"], [])
        self.assertFalse(os.path.exists(vault.vault_dir), "the vault went to a local directory, not to Azure")
        return vault

    def offline_round_trip(self, container, azure, env, transfer=None):
        """Legacy fixtures backed up offline and restored to a directory, bit for bit: small and quick, for
        the tests that stretch a backup over token lifetimes."""
        vault, data = self.vault(container, azure, transfer=transfer)
        expected = all_files(data)
        self.run_cv(vault, "init", env=env)  # creates the container
        report = json.loads(self.run_cv(vault, "backup", "--offline", "--tag", "t1", "--json", env=env).stdout)
        self.assertEqual(report["files"], len(expected))
        self.assertGreater(report["new_files"], 0)
        out = os.path.join(self.work, "restored")
        r = json.loads(self.run_cv(vault, "restore", "--backup", "t1", "--target-dir", out, "--json", env=env).stdout)
        self.assertEqual(r["files_written"], len(expected))
        self.assertEqual(all_files(out), expected)
        for rel in sorted(expected):
            self.assertTrue(filecmp.cmp(os.path.join(data, rel), os.path.join(out, rel), shallow=False), rel)
        self.assertEqual(json.loads(self.run_cv(vault, "verify", "--deep", "--json", env=env).stdout)["problems"], [])
        self.assertFalse(os.path.exists(vault.vault_dir), "the vault went to a local directory, not to Azure")
        return vault

    def entra_app(self, **extra):
        return dict({"tenant_id": self.ts.tenant, "client_id": self.ts.client_id,
                     "authority_host": self.ts.authority}, **extra)

    # ---- doctor: what may this identity do? ---------------------------------------------------------
    def doctor(self, vault, env):
        proc = self.run_cv(vault, "doctor", "--json", env=env, check=False)
        report = json.loads(proc.stdout)
        return proc.returncode, {c["check"]: c for c in report["checks"]}, report

    def test_doctor_warns_when_the_identity_can_delete(self):
        vault, _ = self.vault("id-doctor", {"auth": "shared-key"})
        env = self.env(AZURE_STORAGE_KEY=KEY, CASSVAULT_PASSPHRASE="doctor passphrase")
        self.run_cv(vault, "init", env=env)
        rc, checks, report = self.doctor(vault, env)
        self.assertEqual(rc, 0, report)
        for name in ("read", "list", "create", "create-only", "read-back", "vault key"):
            self.assertEqual(checks[name]["outcome"], "ok", checks[name])
        self.assertEqual(checks["delete"]["outcome"], "warn")
        self.assertIn("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete", checks["delete"]["detail"])
        self.assertTrue(report["can_delete"])

        # A backup identity as it should be: a SAS without 'd'. Delete is refused, and that is the good case.
        sas = account_sas(permissions="racwl")
        self.secrets.append(urllib.parse.parse_qs(sas)["sig"][0])
        env = self.env(CV_TEST_SAS=sas, CASSVAULT_PASSPHRASE="doctor passphrase")
        with open(vault.config) as f:
            text = f.read()
        with open(vault.config, "w") as f:
            f.write(text.replace('"auth": "shared-key"', '"auth": "sas", "sas_env": "CV_TEST_SAS"'))
        rc, checks, report = self.doctor(vault, env)
        self.assertEqual(rc, 0, report)
        self.assertEqual(checks["delete"]["outcome"], "ok", checks["delete"])
        self.assertFalse(report["can_delete"])
        self.assertEqual(checks["create-only"]["outcome"], "ok")

        # A read-only SAS: create is refused, and doctor names what to grant; exit code 6 (access).
        sas = account_sas(permissions="rl")
        self.secrets.append(urllib.parse.parse_qs(sas)["sig"][0])
        rc, checks, report = self.doctor(vault, self.env(CV_TEST_SAS=sas))
        self.assertEqual(rc, 6, report)
        self.assertEqual(checks["read"]["outcome"], "ok")
        self.assertEqual(checks["create"]["outcome"], "FAIL")
        self.assertIn("blobs/write", checks["create"]["detail"])

    # ---- one round trip per identity -----------------------------------------------------------
    def test_shared_key(self):
        self.round_trip("id-sharedkey", {"auth": "shared-key"}, self.env(AZURE_STORAGE_KEY=KEY))

    def test_sas(self):
        self.round_trip("id-sas", {"auth": "sas", "sas_env": "CV_TEST_SAS"}, self.env(CV_TEST_SAS=self.sas))

    def test_client_secret(self):
        self.round_trip("id-secret", self.entra_app(auth="client-secret", client_secret_env="CV_TEST_SECRET"),
                        self.env(CV_TEST_SECRET=self.ts.client_secret))
        self.assertGreaterEqual(self.ts.count("entra", 200), 4)  # one token per process

    def test_client_certificate(self):
        self.round_trip("id-cert", self.entra_app(auth="client-certificate",
                                                  certificate_file=self.azurite.pki.client_pem), self.env())
        self.assertGreaterEqual(self.ts.count("entra", 200), 4)
        self.assertEqual(self.ts.count("entra", 401), 0)

    def test_workload_identity(self):
        token_file = os.path.join(self.work, "azure-identity-token")
        with open(token_file, "w") as f:
            f.write(self.ts.federated_token + "\n")
        self.round_trip("id-workload", {"auth": "workload-identity"},
                        self.env(AZURE_FEDERATED_TOKEN_FILE=token_file, AZURE_CLIENT_ID=self.ts.client_id,
                                 AZURE_TENANT_ID=self.ts.tenant, AZURE_AUTHORITY_HOST=self.ts.authority))
        self.assertGreaterEqual(self.ts.count("entra", 200), 4)

    def test_managed_identity_imds_with_client_id(self):
        env = self.env(AZURE_POD_IDENTITY_AUTHORITY_HOST=self.ts.imds_host)
        self.round_trip("id-imds", {"auth": "managed-identity", "managed_identity_client_id": UAMI_CLIENT}, env)
        self.assertGreaterEqual(self.ts.count("imds", 200), 4)
        # An identity not attached to this "VM": IMDS says so, and so does cassvault.
        vault, _ = self.vault("id-imds", {"auth": "managed-identity",
                                          "managed_identity_client_id": "99999999-0000-0000-0000-000000000000"})
        proc = self.run_cv(vault, "list", env=env, check=False)
        self.assertEqual(proc.returncode, EXIT_ACCESS, proc.stderr)
        self.assertIn("Identity not found", proc.stderr)
        self.assertIn("managed identity", proc.stderr)

    def test_managed_identity_app_service(self):
        env = self.env(IDENTITY_ENDPOINT=self.ts.app_service_url, IDENTITY_HEADER=self.ts.identity_header)
        self.round_trip("id-appservice", {"auth": "managed-identity", "managed_identity_resource_id": UAMI_RESOURCE},
                        env)
        self.assertGreaterEqual(self.ts.count("appservice", 200), 4)
        self.assertEqual(self.ts.count("imds"), 0)

    def test_azure_cli(self):
        az = os.path.join(self.bin, "az")
        with open(az, "w") as f:
            f.write(FAKE_AZ)
        os.chmod(az, stat.S_IRWXU)
        log = os.path.join(self.work, "az.log")
        azure_config_dir = os.path.join(self.work, "azure")
        os.makedirs(azure_config_dir)
        with open(os.path.join(azure_config_dir, "fake-az.json"), "w") as f:
            json.dump(dict(CV_FAKE_AZ_LOG=log, CV_FAKE_AZ_CLIENT=self.ts.client_id, CV_FAKE_AZ_TENANT=self.ts.tenant,
                           CV_FAKE_AZ_SECRET=self.ts.client_secret, CV_FAKE_AZ_CA=self.azurite.ca_file,
                           CV_FAKE_AZ_TOKEN_URL=self.ts.token_url), f)
        env = self.env(AZURE_CONFIG_DIR=azure_config_dir)
        self.secrets.append(self.ts.client_secret)
        self.round_trip("id-cli", {"auth": "azure-cli"}, env)
        with open(log) as f:
            calls = [json.loads(line) for line in f]
        self.assertGreaterEqual(len(calls), 4)
        self.assertEqual(calls[0], ["account", "get-access-token", "--resource", "https://storage.azure.com/",
                                    "-o", "json"])

    def test_default_chain_falls_through_to_managed_identity(self):
        # No key, no SAS, no service principal, no federated token, no az: IMDS answers.
        env = self.env(AZURE_POD_IDENTITY_AUTHORITY_HOST=self.ts.imds_host)
        self.round_trip("id-default", {}, env)
        self.assertGreaterEqual(self.ts.count("imds", 200), 4)
        self.assertEqual(self.ts.count("entra"), 0)
        # With a service principal in the environment, that comes first (DefaultAzureCredential's order).
        before = self.ts.count("imds")
        vault, _ = self.vault("id-default", {"auth": "default"})
        self.run_cv(vault, "list", env=dict(env, AZURE_TENANT_ID=self.ts.tenant, AZURE_CLIENT_ID=self.ts.client_id,
                                            AZURE_CLIENT_SECRET=self.ts.client_secret,
                                            AZURE_AUTHORITY_HOST=self.ts.authority))
        self.assertEqual(self.ts.count("entra", 200), 1)
        self.assertEqual(self.ts.count("imds"), before)

    def test_default_chain_with_nothing_lists_every_source(self):
        vault, _ = self.vault("id-nothing", {})
        # An address where nothing answers stands for "not on an Azure VM".
        proc = self.run_cv(vault, "list", env=self.env(AZURE_POD_IDENTITY_AUTHORITY_HOST="http://127.0.0.1:9"),
                           check=False)
        self.assertEqual(proc.returncode, EXIT_ACCESS, proc.stderr)
        for part in ("AZURE_STORAGE_KEY is not set", "environment:", "workload identity:", "managed identity",
                     "Azure CLI"):
            self.assertIn(part, proc.stderr)

    # ---- tokens that die, endpoints that throttle, secrets that are wrong ------------------------
    def test_tokens_expiring_mid_backup_do_not_fail_it(self):
        # The bandwidth cap stretches the backup (~270 KB stored) over several token lifetimes.
        transfer = {"max_bandwidth": "64KiB"}
        azure = self.entra_app(auth="client-secret")
        env = self.env(AZURE_CLIENT_SECRET=self.ts.client_secret)
        # 1. Short-lived tokens (3 s): refreshed before they expire.
        self.ts.lifetime = 3
        started = time.time()
        self.offline_round_trip("id-expiry", azure, env, transfer=transfer)
        # Four commands (init, backup, restore, verify), each a process with its own first token; the
        # backup's ~4 s pack upload outlives a 3 s token, so its later requests need a refreshed one. (Restore
        # and verify may read everything in one long request and need no second token.)
        issued = self.ts.count("entra", 200)
        self.assertGreaterEqual(issued, 4 + 1, "round trip of %.0f s used one token per command: no refresh "
                                "happened" % (time.time() - started))
        # 2. Tokens that die before their word (expires_in 1 h, the JWT says 2 s — a revoked or skewed token):
        #    the service refuses one, cassvault drops it and retries once with a fresh token.
        self.ts.lifetime, self.ts.jwt_lifetime = 3600, 2
        shutil.rmtree(self.work)
        os.makedirs(self.bin)
        before = self.ts.count("entra", 200)
        self.offline_round_trip("id-expiry2", azure, env, transfer=transfer)
        self.assertGreaterEqual(self.ts.count("entra", 200) - before, 4 + 1)

    def test_audit_records_name_the_entra_identity_and_the_storage_request_ids(self):
        # Issue 14: every audit record names the storage token's object id, tenant and app id (read from its
        # claims) and Azure's x-ms-request-id of the operation; never the token or the client secret.
        env = self.env(CV_TEST_SECRET=self.ts.client_secret)
        vault = self.offline_round_trip(
            "id-audit", self.entra_app(auth="client-secret", client_secret_env="CV_TEST_SECRET"), env)
        recs = json.loads(self.run_cv(vault, "audit", "--json", env=env).stdout)
        self.assertEqual([r["op"] for r in recs], ["backup.commit", "restore.start", "restore.finish", "verify.deep"])
        for r in recs:
            self.assertEqual(r["actor"], {"kind": "entra-oid", "id": "sp-" + self.ts.client_id,
                                          "tenant": self.ts.tenant, "app_id": self.ts.client_id})
        ids = recs[0]["client"]["request_ids"]
        self.assertTrue(ids)
        for rid in ids:
            self.assertRegex(rid, r"^x-ms-request-id=[0-9a-f-]{36}$")
        text = json.dumps(recs)
        for secret in [self.ts.client_secret] + self.ts.issued:
            self.assertNotIn(secret, text)

    def test_throttled_token_endpoint_is_waited_out(self):
        vault, _ = self.vault("id-throttle", self.entra_app(auth="client-secret"))
        env = self.env(AZURE_CLIENT_SECRET=self.ts.client_secret)
        self.ts.inject("entra", 429, retry_after=1, count=2)
        started = time.time()
        self.run_cv(vault, "init", env=env)
        self.assertGreaterEqual(time.time() - started, 2.0, "Retry-After: 1 was not honoured twice")
        self.assertEqual(self.ts.count("entra", 429), 2)
        self.assertEqual(self.ts.count("entra", 200), 1)
        self.ts.inject("entra", 503, count=1)
        self.run_cv(vault, "list", env=env)
        self.assertEqual(self.ts.count("entra", 503), 1)

    def test_wrong_client_secret_names_the_aadsts_code_never_the_secret(self):
        vault, _ = self.vault("id-wrong", self.entra_app(auth="client-secret"))
        wrong = "wrong-secret-" + base64.b32encode(os.urandom(10)).decode()
        self.secrets.append(wrong)
        proc = self.run_cv(vault, "init", env=self.env(AZURE_CLIENT_SECRET=wrong), check=False)
        self.assertEqual(proc.returncode, EXIT_ACCESS, proc.stderr)
        self.assertIn("AADSTS7000215", proc.stderr)
        self.assertIn("invalid_client", proc.stderr)
        self.assertIn("client secret", proc.stderr)
        self.assertNotIn("Trace ID", proc.stderr)
        self.secrets.remove(wrong)

    def test_tls_is_verified_without_the_ca_file_it_fails_naming_the_certificate(self):
        vault, _ = self.vault("id-notrust", {"auth": "shared-key"}, ca_file=False)
        proc = self.run_cv(vault, "init", env=self.env(AZURE_STORAGE_KEY=KEY), check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("certificate", proc.stderr.lower())
        # A bearer token is never sent over plain HTTP.
        vault, _ = self.vault("id-http", self.entra_app(auth="client-secret"))
        with open(vault.config) as f:
            text = f.read()
        with open(vault.config, "w") as f:
            f.write(text.replace(self.azurite.endpoint, self.azurite.endpoint.replace("https:", "http:")))
        proc = self.run_cv(vault, "list", env=self.env(AZURE_CLIENT_SECRET=self.ts.client_secret), check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("only sent over https", proc.stderr)
        self.assertEqual(self.ts.count("entra"), 0)

    def test_stand_in_speaks_the_documented_protocol(self):
        # The stand-in itself: IMDS wants `Metadata: true`, App Service its header (as the real ones do).
        url = self.ts.imds_host + "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=" + \
            urllib.parse.quote("https://storage.azure.com/", safe="")
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(url)
        self.assertEqual(e.exception.code, 400)
        self.assertIn(b"Required metadata header", e.exception.read())
        answer = json.load(urllib.request.urlopen(urllib.request.Request(url, headers={"Metadata": "true"})))
        self.assertIsInstance(answer["expires_in"], str)
        self.assertEqual(answer["resource"], "https://storage.azure.com/")
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(self.ts.app_service_url + "?api-version=2019-08-01&resource=x")
        self.assertEqual(e.exception.code, 401)
        ctx = ssl.create_default_context(cafile=self.azurite.ca_file)
        form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": self.ts.client_id,
                                       "scope": "https://storage.azure.com/.default", "client_secret": "nope"})
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(urllib.request.Request(self.ts.token_url, data=form.encode(), headers={
                "Content-Type": "application/x-www-form-urlencoded"}), context=ctx)
        self.assertEqual(e.exception.code, 401)
        self.assertEqual(json.load(e.exception)["error_codes"], [7000215])


if __name__ == "__main__":
    unittest.main()
