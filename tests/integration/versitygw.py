"""Versity S3 Gateway (versitygw, Apache-2.0) for the S3 tests: a real S3 server that checks SigV4
signatures and enforces `If-None-Match: *` (reference/azure.md §12). Built once by scripts/install-deps
into the cassvault cache; started here on a free loopback port over a fresh posix data directory, and
stopped by the test that started it.

    from versitygw import Versitygw
    gw = Versitygw.start()
    env = gw.env()               # AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (the gateway's root account)
    gw.endpoint                  # http://127.0.0.1:PORT, for vault.s3.endpoint
    gw.stop()

    gw = Versitygw.start(versioning=True)   # posix backend with --versioning-dir: buckets may keep versions
    gw.create_bucket("b", object_lock=True)  # versioning on + Object Lock enabled (x-amz-bucket-object-lock-enabled)
    status, headers, body = gw.request("DELETE", "/b/key", {"versionId": v})   # signed by the root account
    gw.data_dir, gw.versioning_dir           # where the gateway keeps current objects and older versions

    gw = Versitygw.start(iam=True)           # internal IAM accounts (--iam-dir): users besides the root
    gw.create_user("node", "node-secret")    # a plain "user" account (admin API, signed by the root)
    gw.put_bucket_policy("b", policy_json)   # PutBucketPolicy as the root (the bucket's owner)
    gw.env_for("node", "node-secret")        # AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY of that user
    gw.request(..., access=("node", "node-secret"))   # a request signed as that user

`request` signs with SigV4 here, independently of cassvault's signer, so a test can act on the server
directly (as an administrator with the root credentials would).
"""

import atexit
import datetime
import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import http.client
import urllib.error
import urllib.parse
import urllib.request

VERSION = "1.8.0"
CACHE = os.environ.get("CASSVAULT_CACHE") or os.path.expanduser("~/.cache/cassvault")
BIN = os.environ.get("CASSVAULT_VERSITYGW") or os.path.join(CACHE, "versitygw-%s" % VERSION, "bin", "versitygw")
# The gateway's root account for the test run. Not a secret: it exists only in a throwaway server.
ACCESS_KEY = "cvtestroot"
SECRET_KEY = "cvtest-root-secret-3f9a1c"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Versitygw:
    def __init__(self, proc, port, workdir, versioning=False):
        self.proc, self.port, self.workdir, self.versioning = proc, port, workdir, versioning
        self.iam = False

    @property
    def data_dir(self):
        return os.path.join(self.workdir, "data")

    @property
    def versioning_dir(self):
        return os.path.join(self.workdir, "versions")

    @classmethod
    def start(cls, timeout=60, versioning=False, iam=False):
        if not os.path.exists(BIN):
            raise RuntimeError("versitygw is not installed at %s: run scripts/install-deps" % BIN)
        workdir = tempfile.mkdtemp(prefix="cv-versitygw-")
        data = os.path.join(workdir, "data")
        os.makedirs(data)
        port = free_port()
        env = dict(os.environ, ROOT_ACCESS_KEY=ACCESS_KEY, ROOT_SECRET_KEY=SECRET_KEY)
        log = open(os.path.join(workdir, "versitygw.log"), "w")
        # --quiet: no line per request. --health: a path that answers 200 without a signature, so that
        # readiness is checked over HTTP, not just by an open port. --keep-alive: like S3, keep connections
        # open (its default closes each one, which no real S3 does).
        posix = ["posix"]
        if versioning:
            # Versioning (and so Object Lock's delete protection of versions) exists in the posix backend only
            # with a directory for the older versions.
            os.makedirs(os.path.join(workdir, "versions"))
            posix += ["--versioning-dir", os.path.join(workdir, "versions")]
        gateway = [BIN, "--port", "127.0.0.1:%d" % port, "--quiet", "--health", "/health", "--keep-alive"]
        if iam:
            # Internal IAM: accounts other than the root live in this directory; the admin API (create-user)
            # answers on the S3 port, signed by the root.
            os.makedirs(os.path.join(workdir, "iam"))
            gateway += ["--iam-dir", os.path.join(workdir, "iam")]
        proc = subprocess.Popen(gateway + posix + [data],
                                env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        gw = cls(proc, port, workdir, versioning)
        gw.iam = iam
        deadline = time.time() + timeout
        while time.time() < deadline:
            if proc.poll() is not None:
                break
            try:
                # No proxy: the gateway is on loopback.
                opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
                with opener.open("%s/health" % gw.endpoint, timeout=2) as r:
                    if r.status == 200:
                        atexit.register(gw.stop)  # also when a run is interrupted before tearDown
                        return gw
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.2)
        out = gw.log()
        gw.stop()
        raise RuntimeError("versitygw did not start:\n" + out)

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def env(self):
        return {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}

    def request(self, method, path, query=None, headers=None, body=b"", access=None):
        """One SigV4-signed request (path-style, region us-east-1) with the root account, or `access` (a pair
        of access key id and secret): (status, headers with lowercased names, body bytes)."""
        access_key, secret_key = access or (ACCESS_KEY, SECRET_KEY)
        query = query or {}
        headers = dict(headers or {})
        now = datetime.datetime.now(datetime.timezone.utc)
        amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        payload = hashlib.sha256(body).hexdigest()
        headers.update({"host": "127.0.0.1:%d" % self.port, "x-amz-date": amz_date, "x-amz-content-sha256": payload})
        enc = lambda v: urllib.parse.quote(v, safe="-_.~")  # noqa: E731
        canonical_query = "&".join("%s=%s" % (enc(k), enc(v)) for k, v in sorted(query.items()))
        names = sorted(h.lower() for h in headers)
        lower = {k.lower(): str(v).strip() for k, v in headers.items()}
        canonical = "\n".join([method, urllib.parse.quote(path, safe="/-_.~"), canonical_query]
                              + ["%s:%s" % (n, lower[n]) for n in names] + ["", ";".join(names), payload])
        scope = "%s/us-east-1/s3/aws4_request" % day
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        k = ("AWS4" + secret_key).encode()
        for part in (day, "us-east-1", "s3", "aws4_request"):
            k = hmac.new(k, part.encode(), hashlib.sha256).digest()
        sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
        headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
            access_key, scope, ";".join(names), sig)
        url = urllib.parse.quote(path, safe="/-_.~") + ("?" + canonical_query if canonical_query else "")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, url, body=body, headers=headers)
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def create_bucket(self, name, object_lock=False):
        """Creates bucket `name`; with `object_lock` also Object Lock (which turns versioning on)."""
        headers = {"x-amz-bucket-object-lock-enabled": "true"} if object_lock else {}
        status, _, body = self.request("PUT", "/" + name, headers=headers)
        if status != 200:
            raise RuntimeError("CreateBucket %s: HTTP %d %s" % (name, status, body[:300]))

    def create_user(self, access, secret, role="user"):
        """An IAM account of the gateway (needs start(iam=True)), made through its admin CLI as the root."""
        if not self.iam:
            raise RuntimeError("create_user needs Versitygw.start(iam=True)")
        proc = subprocess.run([BIN, "admin", "--access", ACCESS_KEY, "--secret", SECRET_KEY, "--endpoint-url",
                               self.endpoint, "create-user", "--access", access, "--secret", secret, "--role", role],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
        if proc.returncode != 0:
            raise RuntimeError("versitygw admin create-user %s: %s" % (access, proc.stdout))

    def put_bucket_policy(self, bucket, policy):
        """PutBucketPolicy as the root (the bucket's owner); `policy` is a dict or a JSON string."""
        body = (policy if isinstance(policy, str) else json.dumps(policy)).encode()
        status, _, answer = self.request("PUT", "/" + bucket, {"policy": ""}, body=body)
        if status not in (200, 204):
            raise RuntimeError("PutBucketPolicy %s: HTTP %d %s" % (bucket, status, answer[:300]))

    @staticmethod
    def env_for(access, secret):
        return {"AWS_ACCESS_KEY_ID": access, "AWS_SECRET_ACCESS_KEY": secret}

    def log(self):
        try:
            with open(os.path.join(self.workdir, "versitygw.log")) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)
