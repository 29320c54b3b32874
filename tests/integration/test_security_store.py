#!/usr/bin/python3
"""The store side of the security review (issue 9): what a hostile or broken object store, or a network
path, can no longer do to cassvault.

- M2/M5: a real vault (init + offline backup of the legacy fixtures) served by hostile_store.py, a
  DELIBERATELY HOSTILE STAND-IN (no real server lies; it does not check signatures), which lies about
  sizes: short and empty pack bodies, a 1.5 GiB config, a Content-Length of 4 GiB, a listing that never
  ends (S3 and Azure). Each now ends in a clear error with a small peak RSS, never a crash or a hang.
- M1 (local store part) and L3: a `keys/..evil` file no longer stops every command; a `config` symlinked
  to a root-only file is refused without echoing a byte of it.
- L1: a SAS token is never sent over plain http to a non-loopback host (a listener records what arrives).
- The new-user case: `init` with a container-scoped service SAS (sp=racwl, no right to create containers)
  on a container that exists, against Azurite.
"""

import base64
import datetime
import hashlib
import hmac
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from azurite import ACCOUNT, KEY, Azurite  # noqa: E402
from cvtest import BIN, PASSPHRASE, Vault  # noqa: E402
from faults import FaultProxy  # noqa: E402
from hostile_store import HostileStore  # noqa: E402
from rigtest import ROOT  # noqa: E402
from versitygw import Versitygw  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(ROOT), "shared", "fixtures", "legacy-sstables")
S3_STORE_TEST = os.environ.get("CV_S3_TEST_BIN") or os.path.join(ROOT, "build", "release", "src", "backends",
                                                                 "s3_store_test")
EXIT_CONFIG, EXIT_CORRUPTION = 3, 5
# Peak RSS a command may reach against a lying server: cassvault itself needs a few tens of MB; the
# review measured 5.1 GB for the 1.5 GiB body before the fix.
MAX_RSS_KB = 200 * 1024
NO_PROXY = {"no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"}


def run_measured(vault, args, env_extra, timeout=300):
    """Runs cassvault like Vault.run, and returns (returncode, stdout, stderr, peak RSS in KiB of that
    child alone: wait4's rusage, i.e. getrusage(RUSAGE_CHILDREN) for this one child)."""
    env = dict(os.environ, CASSVAULT_CONFIG=vault.config, CASSVAULT_PASSPHRASE=PASSPHRASE, **env_extra)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([BIN] + list(args), stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        deadline = time.time() + timeout
        while True:
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            if time.time() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                raise AssertionError("cassvault %s did not finish within %d s" % (" ".join(args), timeout))
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return proc.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace"), ru.ru_maxrss


def make_real_vault(work):
    """init + offline backup of the nb fixtures: a real local vault to serve."""
    vault, data = Vault.for_stopped_node(work)
    shutil.copytree(os.path.join(FIXTURES, "nb", "legacy_tables"), os.path.join(data, "legacy_tables"))
    vault.run("init")
    vault.json("backup", "--offline", "--tag", "real")
    return vault


class HostileServerTest(unittest.TestCase):
    """M2/M5 against a hostile S3 (and Azure) server serving a copy of a real vault."""

    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="cv-hostile-")
        cls.real = make_real_vault(os.path.join(cls.work, "node"))
        cls.srv = HostileStore(cls.real.vault_dir)
        yaml = os.path.join(cls.work, "node", "cassandra.yaml")
        cls.s3 = Vault(yaml, ["/bin/false"], cql_port=1, workdir=os.path.join(cls.work, "s3"), url="s3://hostile",
                       vault_yaml='  s3: {endpoint: "%s", path_style: "true"}\n' % cls.srv.endpoint)
        cls.s3_env = dict(NO_PROXY, AWS_ACCESS_KEY_ID="AKIDHOSTILETEST", AWS_SECRET_ACCESS_KEY="not-checked",
                          AWS_SESSION_TOKEN="", AWS_PROFILE="", AWS_EC2_METADATA_DISABLED="true",
                          AWS_SHARED_CREDENTIALS_FILE="/nonexistent")
        cls.az = Vault(yaml, ["/bin/false"], cql_port=1, workdir=os.path.join(cls.work, "az"),
                       url="azure://devstoreaccount1/hostile",
                       vault_yaml='  azure: {endpoint: "%s/devstoreaccount1", auth: shared-key}\n' % cls.srv.endpoint)
        cls.az_env = dict(NO_PROXY, AZURE_STORAGE_KEY=base64.b64encode(b"k" * 32).decode())

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        shutil.rmtree(cls.work, ignore_errors=True)

    def setUp(self):
        self.srv.lies = set()

    def assertNoCrash(self, rc, err):
        self.assertGreaterEqual(rc, 0, "killed by signal %d:\n%s" % (-rc, err))
        self.assertNotIn("terminate called", err)

    def test_honest_server_baseline(self):
        """Without lies the stand-in is a faithful copy: the same vault lists and deep-verifies clean."""
        self.assertEqual(len(self.s3.json("list", env_extra=self.s3_env)), 1)
        self.assertEqual(self.s3.json("verify", "--deep", env_extra=self.s3_env)["problems"], [])
        self.assertEqual(len(self.az.json("list", env_extra=self.az_env)), 1)

    def test_a_short_or_empty_pack_body_fails_deep_verify_cleanly(self):
        """Review M2: an empty 200 for a pack GET made `verify --deep` segfault (rc 139)."""
        for lie in ("empty_pack", "short_pack"):
            self.srv.lies = {lie}
            rc, out, err, rss = run_measured(self.s3, ["verify", "--deep"], self.s3_env)
            self.assertNoCrash(rc, err)
            self.assertEqual(rc, EXIT_CORRUPTION, "%s: %s\n%s" % (lie, out, err))
            self.assertIn("short read", out + err, lie)
            self.assertIn("packs/", out + err, lie)
            print("\n  %s: verify --deep rc=%d, peak RSS %d KiB" % (lie, rc, rss), file=sys.stderr)

    def test_b_an_endless_config_body_is_cut_with_small_rss(self):
        """Review M5: a 1.5 GiB body for GET config took 5.1 GB RSS and 14 s."""
        for lie in ("endless_config", "endless_config_cl"):
            self.srv.lies = {lie}
            start = time.time()
            rc, out, err, rss = run_measured(self.s3, ["list"], self.s3_env)
            took = time.time() - start
            self.assertNoCrash(rc, err)
            self.assertEqual(rc, EXIT_CORRUPTION, "%s: %s" % (lie, err))
            self.assertIn("config", err)
            self.assertTrue("overlong read" in err or "larger than" in err, err)
            self.assertLess(rss, MAX_RSS_KB, "%s: peak RSS %d KiB" % (lie, rss))
            self.assertLess(took, 60)
            print("\n  %s: list rc=%d in %.1f s, peak RSS %d KiB" % (lie, rc, took, rss), file=sys.stderr)

    def test_c_a_4gib_content_length_reserves_nothing(self):
        """Review L8/M5: Content-Length drove a reservation of up to 4 GiB before a byte arrived."""
        self.srv.lies = {"huge_cl_config"}
        rc, out, err, rss = run_measured(self.s3, ["list"], self.s3_env)
        self.assertNoCrash(rc, err)
        self.assertEqual(rc, EXIT_CORRUPTION, err)
        self.assertIn("config", err)
        self.assertLess(rss, MAX_RSS_KB, "peak RSS %d KiB" % rss)
        print("\n  huge Content-Length: list rc=%d, peak RSS %d KiB" % (rc, rss), file=sys.stderr)

    def test_d_an_endless_listing_stops_after_a_bounded_number_of_requests(self):
        """Review M5: IsTruncated=true with the same token forever looped (444 requests in 20 s, then killed)."""
        self.srv.lies = {"endless_listing"}
        for name, vault, env, word in (("S3", self.s3, self.s3_env, "continuation token"),
                                       ("Azure", self.az, self.az_env, "NextMarker")):
            before = self.srv.count("list")
            rc, out, err, rss = run_measured(vault, ["list"], env, timeout=60)
            lists = self.srv.count("list") - before
            self.assertNoCrash(rc, err)
            self.assertNotEqual(rc, 0, name)
            self.assertIn(word, err, name)
            self.assertIn("returned before", err, name)
            self.assertLessEqual(lists, 3, "%s: %d listing requests" % (name, lists))
            print("\n  %s endless listing: rc=%d after %d list requests" % (name, rc, lists), file=sys.stderr)


class LocalVaultTest(unittest.TestCase):
    """M1 (local part) and L3: foreign files in a local vault directory."""

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="cv-localsec-")
        self.vault = make_real_vault(self.work)

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def test_a_keys_dotdot_file_no_longer_stops_every_command(self):
        """Review M1: `echo '{}' > keys/..evil` made every command exit 3."""
        with open(os.path.join(self.vault.vault_dir, "keys", "..evil"), "w") as f:
            f.write("{}")
        proc = self.vault.run("list", "--json")
        self.assertEqual(len(__import__("json").loads(proc.stdout)), 1)
        self.assertIn("keys/..evil", proc.stderr)  # named, so the operator can remove it
        self.assertIn("skipped", proc.stderr)
        self.assertEqual(self.vault.json("verify")["problems"], [])

    def test_a_symlinked_config_leaks_nothing(self):
        """Review L3: config -> a root-only file echoed its first line in the parse error."""
        secret = os.path.join(self.work, "root-only")
        with open(secret, "w") as f:
            f.write('"AKIAEXAMPLESECRETKEY1234\nmore\n')
        os.chmod(secret, 0o600)
        before = os.stat(secret)
        config = os.path.join(self.vault.vault_dir, "config")
        os.rename(config, config + ".real")
        os.symlink(secret, config)
        proc = self.vault.run("list", check=False)
        self.assertEqual(proc.returncode, EXIT_CORRUPTION, proc.stderr)
        self.assertIn("symbolic link", proc.stderr)
        self.assertNotIn("AKIA", proc.stderr + proc.stdout)
        after = os.stat(secret)
        self.assertEqual((before.st_mode, before.st_uid, before.st_size), (after.st_mode, after.st_uid, after.st_size))


class RecordingListener:
    """A plain TCP listener that records every byte that arrives and answers 503: what a MITM on the path
    of an http:// endpoint would see."""

    def __init__(self, host="0.0.0.0"):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.received = b""
        self.lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def port(self):
        return self.sock.getsockname()[1]

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(2)
            try:
                data = conn.recv(65536)
                with self.lock:
                    self.received += data
                conn.sendall(b"HTTP/1.1 503 Busy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            except OSError:
                pass
            conn.close()

    def stop(self):
        self.sock.close()


def non_loopback_address():
    """This machine's address on a non-loopback interface (the route to a public address), or None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent by a UDP connect
        addr = s.getsockname()[0]
        return None if addr.startswith("127.") else addr
    except OSError:
        return None
    finally:
        s.close()


class SasOverHttpTest(unittest.TestCase):
    """Review L1: a SAS token went in clear to any http:// host."""

    def test_no_sig_reaches_a_plain_http_endpoint_that_is_not_loopback(self):
        addr = non_loopback_address()
        if addr is None:
            self.skipTest("no non-loopback interface on this machine")
        listener = RecordingListener()
        work = tempfile.mkdtemp(prefix="cv-sas-")
        try:
            vault, _ = Vault.for_stopped_node(work, url="azure://devstoreaccount1/ctr",
                                              vault_yaml='  azure: {endpoint: "http://%s:%d/devstoreaccount1", '
                                                         'auth: sas}\n' % (addr, listener.port))
            env = dict(NO_PROXY, AZURE_STORAGE_SAS_TOKEN="sv=2022-11-02&sp=racwl&sr=c&se=2030-01-01&"
                                                          "sig=SUPERSECRETSIGNATURE%3D")
            env["no_proxy"] = env["NO_PROXY"] = "*"
            for cmd in (["init"], ["list"], ["doctor"]):
                proc = vault.run(*cmd, check=False, env_extra=env)
                self.assertNotEqual(proc.returncode, 0, cmd)
                self.assertIn("only sent over https", proc.stdout + proc.stderr, cmd)
                self.assertNotIn("SUPERSECRET", proc.stderr + proc.stdout)
            time.sleep(0.2)
            with listener.lock:
                self.assertNotIn(b"sig=", listener.received)
                self.assertNotIn(b"SUPERSECRET", listener.received)
        finally:
            listener.stop()
            shutil.rmtree(work, ignore_errors=True)

    def test_doctor_flags_a_plain_http_endpoint(self):
        srv = HostileStore(tempfile.mkdtemp(prefix="cv-empty-"))
        work = tempfile.mkdtemp(prefix="cv-doc-")
        try:
            vault, _ = Vault.for_stopped_node(work, url="s3://bkt",
                                              vault_yaml='  s3: {endpoint: "%s", path_style: "true"}\n' % srv.endpoint)
            proc = vault.run("doctor", check=False, env_extra=dict(NO_PROXY, AWS_ACCESS_KEY_ID="AKIDX",
                                                                   AWS_SECRET_ACCESS_KEY="x",
                                                                   AWS_EC2_METADATA_DISABLED="true"))
            self.assertIn("plain http", proc.stdout + proc.stderr)
        finally:
            srv.stop()
            shutil.rmtree(work, ignore_errors=True)
            shutil.rmtree(srv.root, ignore_errors=True)


def service_sas(account, key_b64, container, permissions, version="2022-11-02"):
    """A service SAS for one container (sr=c), signed with the account key as azure.md §8 says."""
    expiry = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    fields = [permissions, "", expiry, "/blob/%s/%s" % (account, container), "", "", "", version, "c", "", "",
              "", "", "", "", ""]
    sig = base64.b64encode(hmac.new(base64.b64decode(key_b64), "\n".join(fields).encode(), hashlib.sha256).digest())
    return urllib.parse.urlencode({"sv": version, "sr": "c", "sp": permissions, "se": expiry, "sig": sig.decode()})


class ContainerScopedSasTest(unittest.TestCase):
    """Found by a new user: init with a container-scoped SAS (sp=racwl) on an existing container failed
    with 403 "Create Container failed"."""

    @classmethod
    def setUpClass(cls):
        cls.azurite = Azurite.start()

    @classmethod
    def tearDownClass(cls):
        cls.azurite.stop()

    def test_init_and_every_command_work_with_a_container_sas_when_the_container_exists(self):
        work = tempfile.mkdtemp(prefix="cv-sas-az-")
        try:
            container = "cv-sas-existing"
            # The container exists (made with the account key, as an administrator would).
            vault_admin, _ = Vault.for_stopped_node(os.path.join(work, "admin"),
                                                    url="azure://%s/%s/other" % (ACCOUNT, container))
            vault_admin.run("init", env_extra=dict(NO_PROXY, **self.azurite.env()))
            sas = service_sas(ACCOUNT, KEY, container, "racwl")
            env = dict(NO_PROXY, CASSVAULT_AZURE_ENDPOINT=self.azurite.endpoint, AZURE_STORAGE_KEY="",
                       AZURE_STORAGE_SAS_TOKEN=sas)
            # The SAS really lacks the right to create a container: a new one is refused.
            other, _ = Vault.for_stopped_node(os.path.join(work, "other"),
                                              url="azure://%s/cv-sas-missing" % ACCOUNT,
                                              vault_yaml="  azure: {auth: sas}\n")
            refused = other.run("init", check=False, env_extra=env)
            self.assertNotEqual(refused.returncode, 0, refused.stdout)
            self.assertIn("Create Container", refused.stderr)

            vault, data = Vault.for_stopped_node(os.path.join(work, "node"),
                                                 url="azure://%s/%s/node1" % (ACCOUNT, container),
                                                 vault_yaml="  azure: {auth: sas}\n")
            shutil.copytree(os.path.join(FIXTURES, "nb", "legacy_tables"), os.path.join(data, "legacy_tables"))
            vault.run("init", env_extra=env)
            vault.json("backup", "--offline", "--tag", "sas", env_extra=env)
            self.assertEqual(len(vault.json("list", env_extra=env)), 1)
            self.assertEqual(vault.json("verify", "--deep", env_extra=env)["problems"], [])
            out = os.path.join(work, "restored")
            r = vault.json("restore", "--backup", "sas", "--target-dir", out, env_extra=env)
            self.assertGreater(r["files_written"], 0)
        finally:
            shutil.rmtree(work, ignore_errors=True)


class RetriedMultipartCreateTest(unittest.TestCase):
    """Review L8: a CreateMultipartUpload whose answer was lost after Versity S3 Gateway created the upload
    (faults.py's FaultProxy answers that first `POST ?uploads` with a 500 AFTER forwarding it) was retried,
    and the first upload was never aborted. s3_store_test's RetriedCreateMultipartUploadLeavesNoUploadBehind
    does the put through the proxy and then asks the gateway itself which uploads of the key are left."""

    def test_no_upload_is_left_behind(self):
        self.assertTrue(os.path.exists(S3_STORE_TEST), "build the s3_store_test target first: " + S3_STORE_TEST)
        gw = Versitygw.start()
        state = {"forced": 0}

        def lose_first_create(method, path):
            if method == "POST" and path.endswith("?uploads") and state["forced"] == 0:
                state["forced"] += 1
                return "500_after"
            return None

        proxy = FaultProxy.start(gw.port, rate=0.0, force=lose_first_create)
        try:
            env = dict(os.environ, CASSVAULT_TEST_S3_ENDPOINT=gw.endpoint, CASSVAULT_TEST_S3_BUCKET="cv-l8",
                       CASSVAULT_TEST_S3_FAULT_ENDPOINT="http://127.0.0.1:%d" % proxy.port,
                       AWS_EC2_METADATA_DISABLED="true", **NO_PROXY, **gw.env())
            proc = subprocess.run([S3_STORE_TEST, "--gtest_filter=S3Store.RetriedCreateMultipartUpload*"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
        finally:
            proxy.stop()
            gw.stop()
        print("\n" + "\n".join(l for l in proc.stdout.splitlines() if "L8" in l), file=sys.stderr)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertIn("[  PASSED  ] 1 test", proc.stdout)
        self.assertEqual(proxy.counts["500_after"], 1, "the lost answer was injected once: %s" % proxy.counts)


if __name__ == "__main__":
    unittest.main()
