#!/usr/bin/python3
"""The identities of docs/security.md ("Identities and what each can do"), row by row, on real stores.

What the store enforces and what cassvault enforces are proven separately, because an attacker holding a
credential talks to the store directly:

- Azurite (azure.md §10) enforces SAS permissions, not Entra RBAC (it checks a bearer token's issuer,
  audience and lifetime, never a role). So the Azure rows are proven with a real container SAS signed here
  with the development key: the backup node's is `sp=rcl` (read, create, list: no write, no delete), the
  admin's in the last test `sp=racwl` (no delete). Azurite's permission table: Put Blob needs 'c' or 'w',
  Put Block / Put Block List 'w', Delete Blob 'd', List Blobs 'l', Get Blob 'r'; a Put Blob over an
  existing blob with 'c' but not 'w' is refused (403), as on Azure, so the node's SAS cannot write over a
  backup either (checked below with a raw request).
- Versity S3 Gateway with its internal IAM (--iam-dir) enforces bucket policies for non-root accounts: a
  user with no policy gets 403 on everything, and the policy here allows the backup user only s3:PutObject,
  s3:GetObject and s3:ListBucket on the vault's bucket. The gateway refuses its DeleteObject and
  PutBucketPolicy (403, checked below). What it cannot express: a create-only PutObject. s3:PutObject also
  overwrites, and the test shows the node user doing it with a raw request (cassvault's own writes carry
  If-None-Match: *, and verify --deep finds a replaced object by its hash; only versioning with Object Lock
  keeps the old bytes: test_store_locks.py). Object Lock retention rights (s3:PutObjectRetention,
  s3:BypassGovernanceRetention) are not part of these rows: the node's policy has none, and
  test_store_locks.py covers what the store refuses.
- cassvault itself refuses, before reading or writing anything, whatever the key's role does not allow: a
  writer key (a backup node) cannot restore, deep-verify, prune, forget, undelete, retain, lock, change
  settings, set a policy or add a stronger key slot, whatever its storage rights. Every refusal here is
  checked for its exit code and message, an empty stdout, and a vault listing (every name with its ETag
  and size, as the store reports them) unchanged before and after.

No Cassandra process is needed: the node is a stopped one (`backup --offline` of the legacy fixtures),
restores go to --target-dir.
"""

import base64
import datetime
import hashlib
import hmac
import json
import os
import shutil
import sys
import tempfile
import unittest
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from azurite import ACCOUNT, KEY, Azurite  # noqa: E402
from cvtest import Vault, all_files  # noqa: E402
from rigtest import ROOT  # noqa: E402
from versitygw import Versitygw  # noqa: E402

LEGACY = os.path.join(os.path.dirname(ROOT), "shared", "fixtures", "legacy-sstables")
ADMIN_PASSPHRASE = "roles test admin passphrase"
NO_PROXY = {"no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"}
EXIT_ACCESS = 6
POLICY = "name: nightly\nschedule: {cron: \"0 1 * * *\", time_zone: UTC}\nretention: {keep_last: 1}\n"
# Every command a backup node's identity must not be able to run, with the refusal each gives. The node
# holds a writer key: cassvault refuses each before anything is read or written (exit 6), naming the key.
WRITER_REFUSED = [
    (["restore", "--backup", "w1", "--target-dir", "{work}/writer-restore"], "needs a reader or admin key"),
    (["verify", "--deep"], "needs a reader or admin key"),
    (["prune", "--keep-last", "1"], "admin key"),
    (["forget", "w1"], "admin key"),
    (["undelete", "w1"], "admin key"),
    (["retain", "w1", "--until", "2031-01-01"], "admin key"),
    (["lock", "w1", "--until", "2031-01-01"], "admin key"),
    (["settings", "--soft-delete", "disabled"], "admin key"),
    (["policy", "set", "{work}/nightly.yaml"], "admin key"),
]


def container_sas(container, permissions, hours=2, version="2022-11-02"):
    """A service SAS for one container (sr=c), signed with the development key (azure.md §8)."""
    expiry = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=hours)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    fields = [permissions, "", expiry, "/blob/%s/%s" % (ACCOUNT, container), "", "", "", version, "c", "", "",
              "", "", "", "", ""]
    sig = base64.b64encode(hmac.new(base64.b64decode(KEY), "\n".join(fields).encode(), hashlib.sha256).digest())
    return urllib.parse.urlencode({"sv": version, "sr": "c", "sp": permissions, "se": expiry, "sig": sig.decode()})


def place_fixtures(data):
    for version, table in (("nb", "legacy_nb_clust"), ("da", "legacy_da_simple")):
        shutil.copytree(os.path.join(LEGACY, version, "legacy_tables", table),
                        os.path.join(data, "legacy_tables", table))


def tree(root):
    out = {}
    for rel in all_files(root):
        with open(os.path.join(root, rel), "rb") as f:
            out[rel] = hashlib.sha256(f.read()).hexdigest()
    return out



def without_audit(listing):
    """A listing without the audit trail: every refused command appends its refusal there by design
    (test_audit.py checks those records), and "nothing changed" means nothing else did."""
    return {k: v for k, v in listing.items() if "/audit/" not in "/" + k}

class RoleRows:
    """The rows both stores share. Subclasses set up `self.admin` (admin key, every store right), `self.node`
    (writer key file, the backup identity's store rights) and `listing()` (every object with its ETag and
    size, read with the store's own API)."""

    def node_run(self, *args, check=False):
        return self.node.run(*[a.format(work=self.work) for a in args], passphrase=None, check=check,
                             env_extra=self.node_env)

    def admin_run(self, *args, check=True, env=None):
        return self.admin.run(*args, passphrase=ADMIN_PASSPHRASE, check=check, env_extra=env or self.admin_env)

    def test_a_backup_node_backs_up_with_create_only_rights_and_no_key_vault_right(self):
        # Done in setUpClass (every other row needs it): the backup succeeded, listed, fast-verified.
        self.assertEqual(self.backup["tag"], "w1")
        listed = json.loads(self.node_run("list", "--json", check=True).stdout)
        self.assertEqual([b["tag"] for b in listed], ["w1"])
        fast = json.loads(self.node_run("verify", "--json", check=True).stdout)
        self.assertTrue(fast["ok"], fast)
        # What the node wrote is what the admin key restores, bit for bit.
        out = os.path.join(self.work, "admin-restore")
        self.admin_run("restore", "--backup", self.backup["backup_id"], "--target-dir", out)
        self.assertEqual(tree(out), self.source)

    def node_with_key(self, key_file, name):
        """The node's config and store identity, with another key file."""
        v = Vault.__new__(Vault)
        v.__dict__.update(self.node.__dict__)
        v.config = os.path.join(self.work, "%s.yaml" % name)
        with open(self.node.config) as f:
            text = f.read()
        with open(v.config, "w") as f:
            f.write(text.replace("key_file: %s\n" % self.writer_key, "key_file: %s\n" % key_file))
        return v

    def test_a2_restore_operator_restores_and_decides_nothing(self):
        # A reader slot made by the admin; the restore operator has the node's store rights (no delete) and,
        # here, no Key Vault at all (its reader key is a key file).
        reader_key = os.path.join(self.work, "reader.key")
        self.admin_run("key", "generate-file", reader_key)
        self.admin_run("key", "add", "--new-key-file", reader_key, "--role", "reader", "--kdf-cost", "15")
        reader = self.node_with_key(reader_key, "reader")
        out = os.path.join(self.work, "reader-restore")
        reader.run("restore", "--backup", self.backup["backup_id"], "--target-dir", out, passphrase=None,
                   env_extra=self.node_env)
        self.assertEqual(tree(out), self.source)
        deep = json.loads(reader.run("verify", "--deep", "--json", passphrase=None, env_extra=self.node_env).stdout)
        self.assertTrue(deep["ok"], deep)
        for args in (["prune", "--keep-last", "1"], ["forget", "w1"], ["lock", "w1", "--until", "2031-01-01"],
                     ["settings", "--soft-delete", "disabled"]):
            with self.subTest(args=args):
                before = self.listing()
                proc = reader.run(*args, passphrase=None, check=False, env_extra=self.node_env)
                self.assertEqual(proc.returncode, EXIT_ACCESS, proc.stderr)
                self.assertIn("admin key", proc.stderr)
                self.assertIn("reader", proc.stderr)
                self.assertEqual(proc.stdout, "")
                self.assertEqual(self.listing(), before)
        roles = json.loads(reader.run("doctor", "--json", passphrase=None, check=False,
                                      env_extra=self.node_env).stdout)["roles"]
        self.assertEqual((roles["key"], roles["identity"]), ("reader", "restore operator"))
        self.assertEqual([n for n in ("backup", "restore", "prune", "admin") if roles[n]["can"]],
                         ["backup", "restore"])  # a reader key holds the writer's keys: no excess
        self.assertEqual(roles["excess"], [])

    def test_a3_auditor_reads_and_writes_nothing(self):
        # The auditor: a writer key (it reads what the writer key reads: records, the audit trail) and a
        # read-only store identity. It lists; a backup with its credential is refused by the store.
        auditor = self.node_with_key(self.writer_key, "auditor")
        listed = json.loads(auditor.run("list", "--json", passphrase=None, env_extra=self.auditor_env).stdout)
        self.assertIn("w1", [b["tag"] for b in listed])
        before = self.listing()
        proc = auditor.run("backup", "--offline", "--tag", "a1", passphrase=None, check=False,
                           env_extra=self.auditor_env)
        self.assertEqual(proc.returncode, EXIT_ACCESS, proc.stderr)
        self.assertIn("403", proc.stderr)
        self.assertEqual(self.listing(), before)

    def test_h_admin_key_with_the_node_s_store_rights_cannot_prune(self):
        # The admin key on a host whose store identity is a node's (no delete): refused before anything.
        admin_here = self.node_with_key(self.writer_key, "admin-node-rights")
        with open(admin_here.config) as f:
            text = f.read()
        with open(admin_here.config, "w") as f:
            f.write(text.replace("  key_file: %s\n" % self.writer_key, ""))
        before = self.listing()
        proc = admin_here.run("prune", "--keep-last", "1", passphrase=ADMIN_PASSPHRASE, check=False,
                              env_extra=self.node_env)
        self.assertEqual(proc.returncode, EXIT_ACCESS, proc.stderr)
        self.assertIn("this identity may not delete vault objects, and prune must", proc.stderr)
        self.assertIn(self.DELETE_RIGHT, proc.stderr)
        after = self.listing()
        added = sorted(set(after) - set(before))
        self.assertEqual(len(added), 1, added)  # the probe, named in the message
        self.assertIn(added[0][len("vault/"):], proc.stderr)
        self.assertEqual({k: after[k] for k in before}, before)

    def test_b_backup_node_is_refused_everything_else_and_nothing_changes(self):
        with open(os.path.join(self.work, "nightly.yaml"), "w") as f:
            f.write(POLICY)
        for args, message in WRITER_REFUSED:
            with self.subTest(args=args):
                before = self.listing()
                proc = self.node_run(*args)
                self.assertEqual(proc.returncode, EXIT_ACCESS, proc.stderr)
                self.assertIn(message, proc.stderr)
                self.assertIn("writer", proc.stderr)
                self.assertEqual(proc.stdout, "")
                self.assertEqual(self.listing(), before)
        self.assertFalse(os.path.exists(os.path.join(self.work, "writer-restore")))
        # Nor can it add a stronger key slot for itself.
        extra = os.path.join(self.work, "extra.key")
        self.admin_run("key", "generate-file", extra)
        before = self.listing()
        proc = self.node_run("key", "add", "--new-key-file", extra, "--role", "admin")
        self.assertNotEqual(proc.returncode, 0, proc.stdout)
        self.assertIn("admin", proc.stderr)
        self.assertEqual(self.listing(), before)

    def test_c_backup_node_store_rights_stop_a_raw_delete(self):
        # The attacker with the node's credential skips cassvault and asks the store directly.
        before = self.listing()
        victim = sorted(k for k in before if "/manifests/" in "/" + k or k.startswith("manifests/"))
        self.assertTrue(victim, before)
        status, body = self.raw_delete(victim[0])
        self.assertEqual(status, 403, body)
        self.assertEqual(self.listing(), before)

    def test_c2_backup_node_store_rights_and_a_raw_overwrite(self):
        # Writing over an existing object with the node's credential, not through cassvault: the store decides.
        before = self.listing()
        status, body, replaced = self.raw_overwrite()
        if replaced is None:
            self.assertEqual(status, 403, body)
            self.assertEqual(self.listing(), before)
        else:
            # S3: s3:PutObject overwrites (no IAM action is create-only). Done on the node's own junk object,
            # never on a backup: proves the row of docs/security.md that says so.
            self.assertEqual(status, 200, body)
            before, after = self.before_overwrite, self.listing()
            self.assertNotEqual(after[replaced], before[replaced])  # new ETag and size: the bytes were replaced
            self.assertEqual(set(after), set(before))

    def test_d_doctor_names_the_node_s_roles(self):
        proc = self.node_run("doctor", "--json")
        self.assertEqual(proc.returncode, 0, proc.stdout)
        report = json.loads(proc.stdout)
        roles = report["roles"]
        self.assertEqual((roles["key"], roles["identity"]), ("writer", "backup node"))
        self.assertEqual([n for n in ("backup", "restore", "prune", "admin") if roles[n]["can"]], ["backup"])
        self.assertEqual(roles["restore"]["missing"], "a reader or admin key")
        self.assertEqual(roles["prune"]["missing"], "store delete and an admin key")
        self.assertEqual(roles["excess"], [])
        self.assertNotIn("role excess", [c["check"] for c in report["checks"]])


class AzuriteSasRolesTest(RoleRows, unittest.TestCase):
    CONTAINER = "roles"
    DELETE_RIGHT = "SAS permission d"

    @classmethod
    def setUpClass(cls):
        cls.azurite = Azurite.start()
        cls.work = tempfile.mkdtemp(prefix="cv-roles-az-")
        url = "azure://%s/%s/vault" % (ACCOUNT, cls.CONTAINER)
        cls.admin_env = dict(NO_PROXY, **cls.azurite.env())
        cls.admin, _ = Vault.for_stopped_node(os.path.join(cls.work, "admin"), url=url,
                                             vault_yaml="  azure: {auth: shared-key}\n")
        cls.writer_key = os.path.join(cls.work, "writer.key")
        cls.admin.run("init", "--kdf-cost", "15", "--write-only", cls.writer_key, passphrase=ADMIN_PASSPHRASE,
                      env_extra=cls.admin_env)
        cls.node_sas = container_sas(cls.CONTAINER, "rcl")
        cls.node_env = cls.sas_env(cls.node_sas)
        cls.auditor_env = cls.sas_env(container_sas(cls.CONTAINER, "rl"))
        cls.node, data = Vault.for_stopped_node(
            os.path.join(cls.work, "node"), url=url,
            vault_yaml="  key_file: %s\n  azure: {auth: sas}\n" % cls.writer_key)
        place_fixtures(data)
        cls.source = tree(data)
        proc = cls.node.run("backup", "--offline", "--tag", "w1", "--json", passphrase=None, check=False,
                            env_extra=cls.node_env)
        if proc.returncode != 0:
            raise AssertionError("backup with the create-only SAS: exit %d\n%s" % (proc.returncode, proc.stderr))
        cls.backup = json.loads(proc.stdout)

    @classmethod
    def tearDownClass(cls):
        cls.azurite.stop()
        shutil.rmtree(cls.work, ignore_errors=True)

    @classmethod
    def sas_env(cls, sas):
        return dict(NO_PROXY, CASSVAULT_AZURE_ENDPOINT=cls.azurite.endpoint, AZURE_STORAGE_KEY="",
                    AZURE_STORAGE_SAS_TOKEN=sas)

    def http(self, method, path, sas, data=None, headers=None):
        url = "%s/%s%s%s" % (self.azurite.endpoint, self.CONTAINER, path, ("&" if "?" in path else "?") + sas)
        req = urllib.request.Request(url, method=method, data=data,
                                     headers=dict({"x-ms-version": "2022-11-02"}, **(headers or {})))
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(req, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def listing(self):
        """{name: (etag, size)} of every blob in the container, from List Blobs (a read/list SAS)."""
        out, marker = {}, ""
        sas = container_sas(self.CONTAINER, "rl")
        while True:
            status, body = self.http("GET", "?restype=container&comp=list" + (
                "&marker=" + urllib.parse.quote(marker) if marker else ""), sas)
            self.assertEqual(status, 200, body)
            root = ET.fromstring(body)
            for b in root.iter("Blob"):
                props = b.find("Properties")
                out[b.find("Name").text] = (props.find("Etag").text, props.find("Content-Length").text)
            marker = root.findtext("NextMarker") or ""
            if not marker:
                return without_audit(out)

    def raw_delete(self, name):
        return self.http("DELETE", "/" + urllib.parse.quote(name), self.node_sas)

    def raw_overwrite(self):
        """A Put Blob, with the node's SAS, over the vault's config: (status, body, None)."""
        status, body = self.http("PUT", "/vault/config", self.node_sas, data=b"junk",
                                 headers={"x-ms-blob-type": "BlockBlob"})
        return status, body, None

    def test_e_node_sas_cannot_stage_blocks_either(self):
        # Put Block (the multi-part upload of objects over 32 MiB) needs 'w' on Azurite and on Azure: a
        # create-only SAS stores objects up to vault.azure's single-put limit only.
        before = self.listing()
        status, body = self.http("PUT", "/vault/probe-block?comp=block&blockid=" + urllib.parse.quote(
            base64.b64encode(b"0000").decode()), self.node_sas, data=b"x" * 16)
        self.assertEqual(status, 403, body)
        self.assertEqual(self.listing(), before)

    def test_f_writer_key_with_a_deleting_sas_is_warned_by_doctor(self):
        proc = self.node.run("doctor", "--json", passphrase=None, check=False,
                             env_extra=self.sas_env(container_sas(self.CONTAINER, "rcwdl")))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        report = json.loads(proc.stdout)
        excess = [c for c in report["checks"] if c["check"] == "role excess"]
        self.assertEqual([c["outcome"] for c in excess], ["warn"])
        self.assertIn("backup node (writer key) can DELETE", excess[0]["detail"])
        self.assertIn("SAS permissions 'd'", excess[0]["detail"])
        self.assertEqual(report["roles"]["excess"], [excess[0]["detail"]])

    def test_g_admin_without_delete_cannot_prune_and_says_which_permission(self):
        # The admin key with a SAS that lacks 'd': forget works (it only creates a mark); prune must delete.
        env = self.sas_env(container_sas(self.CONTAINER, "racwl"))
        admin_sas = Vault.__new__(Vault)
        admin_sas.__dict__.update(self.admin.__dict__)
        admin_sas.config = os.path.join(self.work, "admin-sas.yaml")
        with open(self.admin.config) as f:
            text = f.read()
        with open(admin_sas.config, "w") as f:
            f.write(text.replace("{auth: shared-key}", "{auth: sas}"))
        doctor = json.loads(admin_sas.run("doctor", "--json", passphrase=ADMIN_PASSPHRASE, check=False,
                                          env_extra=env).stdout)
        self.assertEqual(doctor["roles"]["prune"], {"can": False, "missing": "store delete"})
        self.assertTrue(doctor["roles"]["admin"]["can"])
        admin_sas.run("settings", "--soft-delete", "disabled", passphrase=ADMIN_PASSPHRASE, env_extra=env)
        admin_sas.run("forget", "w1", passphrase=ADMIN_PASSPHRASE, env_extra=env)
        before = self.listing()
        proc = admin_sas.run("prune", passphrase=ADMIN_PASSPHRASE, check=False, env_extra=env)
        self.assertEqual(proc.returncode, EXIT_ACCESS, proc.stderr)
        self.assertIn("this identity may not delete vault objects, and prune must: nothing was forgotten, marked "
                      "or deleted", proc.stderr)
        self.assertIn("SAS permission d", proc.stderr)
        self.assertEqual(proc.stdout, "")
        # Refused before the maintenance lease, a gc mark or a purge: every object as it was, plus the one
        # probe that showed the missing right (named in the message; probes/ is never read).
        after = self.listing()
        added = sorted(set(after) - set(before))
        self.assertEqual(len(added), 1, added)
        self.assertTrue(added[0].startswith("vault/probes/prune-"), added)
        self.assertIn(added[0][len("vault/"):], proc.stderr)
        self.assertEqual({k: after[k] for k in before}, before)
        # The backup it could not purge is still restorable by the admin (it is forgotten, not gone).
        self.assertIn(self.backup["backup_id"], " ".join(before))


class VersitygwPolicyRolesTest(RoleRows, unittest.TestCase):
    BUCKET = "roles"
    NODE = ("cvnode", "cvnode-secret-7d1e")
    AUDITOR = ("cvauditor", "cvauditor-secret-2b9c")
    # A Delete asks the bucket's versioning first (to remove every version): the first right it misses.
    DELETE_RIGHT = "lacks s3:GetBucketVersioning on bucket 'roles'"

    @classmethod
    def setUpClass(cls):
        cls.gw = Versitygw.start(iam=True)
        cls.work = tempfile.mkdtemp(prefix="cv-roles-s3-")
        cls.gw.create_bucket(cls.BUCKET)
        cls.gw.create_user(*cls.NODE)
        cls.gw.create_user(*cls.AUDITOR)
        resource = ["arn:aws:s3:::%s" % cls.BUCKET, "arn:aws:s3:::%s/*" % cls.BUCKET]
        cls.gw.put_bucket_policy(cls.BUCKET, {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": [cls.NODE[0]]},
             "Action": ["s3:PutObject", "s3:GetObject", "s3:ListBucket"], "Resource": resource},
            {"Effect": "Allow", "Principal": {"AWS": [cls.AUDITOR[0]]},
             "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": resource}]})
        url = "s3://%s/vault" % cls.BUCKET
        s3 = "  s3: {endpoint: '%s', region: us-east-1}\n" % cls.gw.endpoint
        cls.admin_env = dict(NO_PROXY, **cls.gw.env())
        cls.admin, _ = Vault.for_stopped_node(os.path.join(cls.work, "admin"), url=url, vault_yaml=s3)
        cls.writer_key = os.path.join(cls.work, "writer.key")
        cls.admin.run("init", "--kdf-cost", "15", "--write-only", cls.writer_key, passphrase=ADMIN_PASSPHRASE,
                      env_extra=cls.admin_env)
        cls.node_env = dict(NO_PROXY, **Versitygw.env_for(*cls.NODE))
        cls.auditor_env = dict(NO_PROXY, **Versitygw.env_for(*cls.AUDITOR))
        cls.node, data = Vault.for_stopped_node(os.path.join(cls.work, "node"), url=url,
                                                vault_yaml="  key_file: %s\n%s" % (cls.writer_key, s3))
        place_fixtures(data)
        cls.source = tree(data)
        proc = cls.node.run("backup", "--offline", "--tag", "w1", "--json", passphrase=None, check=False,
                            env_extra=cls.node_env)
        if proc.returncode != 0:
            raise AssertionError("backup as the policy's node user: exit %d\n%s" % (proc.returncode, proc.stderr))
        cls.backup = json.loads(proc.stdout)

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()
        shutil.rmtree(cls.work, ignore_errors=True)

    def listing(self):
        """{key: (etag, size)} of every object in the bucket, from ListObjectsV2 as the root."""
        out, token = {}, None
        ns = "{http://s3.amazonaws.com/doc/2006-03-01/}"
        while True:
            query = {"list-type": "2"}
            if token:
                query["continuation-token"] = token
            status, _, body = self.gw.request("GET", "/" + self.BUCKET, query)
            self.assertEqual(status, 200, body)
            root = ET.fromstring(body)
            for c in root.iter(ns + "Contents"):
                out[c.findtext(ns + "Key")] = (c.findtext(ns + "ETag"), c.findtext(ns + "Size"))
            token = root.findtext(ns + "NextContinuationToken")
            if not token:
                return without_audit(out)

    def raw_delete(self, name):
        status, _, body = self.gw.request("DELETE", "/%s/%s" % (self.BUCKET, name), access=self.NODE)
        return status, body

    def raw_overwrite(self):
        """The node user writes a junk object twice, the second time over the first: (status, body, key)."""
        key = "vault/probes/roles-junk"
        status, _, body = self.gw.request("PUT", "/%s/%s" % (self.BUCKET, key), body=b"first", access=self.NODE)
        self.assertEqual(status, 200, body)
        self.before_overwrite = self.listing()
        status, _, body = self.gw.request("PUT", "/%s/%s" % (self.BUCKET, key), body=b"second!", access=self.NODE)
        return status, body, key

    def test_e_node_user_cannot_change_the_bucket_policy(self):
        before = self.listing()
        status, _, body = self.gw.request("PUT", "/" + self.BUCKET, {"policy": ""}, access=self.NODE,
                                          body=json.dumps({"Version": "2012-10-17", "Statement": []}).encode())
        self.assertEqual(status, 403, body)
        status, _, body = self.gw.request("GET", "/" + self.BUCKET, {"policy": ""})
        self.assertEqual(status, 200, body)
        self.assertIn(b"s3:PutObject", body)  # still the policy the root set
        self.assertEqual(self.listing(), before)


if __name__ == "__main__":
    unittest.main(verbosity=2)
