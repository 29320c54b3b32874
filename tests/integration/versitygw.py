"""Versity S3 Gateway (versitygw, Apache-2.0) for the S3 tests: a real S3 server that checks SigV4
signatures and enforces `If-None-Match: *` (reference/azure.md §12). Built once by scripts/install-deps
into the cassvault cache; started here on a free loopback port over a fresh posix data directory, and
stopped by the test that started it.

    from versitygw import Versitygw
    gw = Versitygw.start()
    env = gw.env()               # AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (the gateway's root account)
    gw.endpoint                  # http://127.0.0.1:PORT, for vault.s3.endpoint
    gw.stop()
"""

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
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
    def __init__(self, proc, port, workdir):
        self.proc, self.port, self.workdir = proc, port, workdir

    @classmethod
    def start(cls, timeout=60):
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
        proc = subprocess.Popen([BIN, "--port", "127.0.0.1:%d" % port, "--quiet", "--health", "/health", "--keep-alive",
                                 "posix", data],
                                env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        gw = cls(proc, port, workdir)
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
