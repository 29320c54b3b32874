"""Azurite, the Azure Storage emulator, for the Azure tests: installed from npm once into the cassvault
cache, started on a free loopback port with a fresh data directory, stopped by the test that started it.

    from azurite import Azurite
    az = Azurite.start()         # installs on first use (needs npm and the npm registry)
    env = az.env()               # AZURE_STORAGE_KEY + CASSVAULT_AZURE_ENDPOINT for cassvault
    az.stop()

Blob service only, over HTTP, with Shared Key for the well-known development account.
"""

import atexit
import os
import re
import shutil
import subprocess
import tempfile
import time

CACHE = os.environ.get("CASSVAULT_CACHE") or os.path.expanduser("~/.cache/cassvault")
PREFIX = os.path.join(CACHE, "azurite")
BIN = os.path.join(PREFIX, "node_modules", ".bin", "azurite-blob")
ACCOUNT = "devstoreaccount1"
# Azurite's published development key: not a secret, the same in every copy of Azurite.
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def install():
    """npm install into the cache, once; later calls find the binary and return at once."""
    if os.path.exists(BIN):
        return
    os.makedirs(PREFIX, exist_ok=True)
    proc = subprocess.run(["npm", "install", "--prefix", PREFIX, "--no-audit", "--no-fund", "azurite@3"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    if proc.returncode != 0 or not os.path.exists(BIN):
        raise RuntimeError("npm install azurite failed (exit %d):\n%s" % (proc.returncode, proc.stdout))


class Azurite:
    def __init__(self, proc, port, workdir):
        self.proc, self.port, self.workdir = proc, port, workdir

    @classmethod
    def start(cls, timeout=60):
        install()
        workdir = tempfile.mkdtemp(prefix="cv-azurite-")
        log = open(os.path.join(workdir, "azurite.log"), "w")
        # --blobPort 0: the OS picks a free port and Azurite prints it. --skipApiVersionCheck: an older 3.x
        # in the cache would otherwise refuse our pinned x-ms-version. --loose: no 500 for headers it does
        # not implement. --disableTelemetry: no phoning home from a test.
        proc = subprocess.Popen([BIN, "--blobHost", "127.0.0.1", "--blobPort", "0", "--location",
                                 os.path.join(workdir, "data"), "--silent", "--disableTelemetry",
                                 "--skipApiVersionCheck", "--loose"],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            with open(os.path.join(workdir, "azurite.log")) as f:
                m = re.search(r"listens on http://127\.0\.0\.1:(\d+)", f.read())
            if m:
                az = cls(proc, int(m.group(1)), workdir)
                atexit.register(az.stop)  # also when a test run is interrupted before tearDown
                return az
            if proc.poll() is not None:
                break
            time.sleep(0.2)
        proc.kill()
        proc.wait()
        with open(os.path.join(workdir, "azurite.log")) as f:
            out = f.read()
        shutil.rmtree(workdir, ignore_errors=True)
        raise RuntimeError("Azurite did not start:\n" + out)

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d/%s" % (self.port, ACCOUNT)

    def env(self):
        return {"AZURE_STORAGE_KEY": KEY, "CASSVAULT_AZURE_ENDPOINT": self.endpoint}

    def stop(self):
        if self.proc.poll() is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)
