"""Azurite, the Azure Storage emulator, for the Azure tests: installed from npm once into the cassvault
cache, started on a free loopback port with a fresh data directory, stopped by the test that started it.

    from azurite import Azurite
    az = Azurite.start()         # installs on first use (needs npm and the npm registry)
    env = az.env()               # AZURE_STORAGE_KEY + CASSVAULT_AZURE_ENDPOINT for cassvault
    az.stop()

    az = Azurite.start(https=True)   # HTTPS with a fresh test CA (az.ca_file) and `--oauth basic`
    pki = TestPki(dir)               # the CA and certificates alone, for other stand-in servers

Blob service only, for the well-known development account: over HTTP with Shared Key and SAS, or over
HTTPS (a server certificate for 127.0.0.1 signed by a throwaway test CA that cassvault trusts through
vault.tls.ca_file) where Azurite also accepts Entra ID bearer tokens (`--oauth basic`: it checks their
issuer, audience and lifetime, not their signature — azure.md §10).
"""

import atexit
import datetime
import ipaddress
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


class TestPki:
    """A test CA, a TLS server certificate for 127.0.0.1/localhost signed by it, and a self-signed client
    certificate (certificate + RSA key in one PEM, the form Azure SDKs take), written under `directory`.
    Made with Python's cryptography package (Debian's python3-cryptography). `dns_names`: more names for the
    server certificate (keyvault_standin.py is reached through a proxy by a vault.azure.net name)."""

    def __init__(self, directory, dns_names=()):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID

        os.makedirs(directory, exist_ok=True)
        now = datetime.datetime.now(datetime.timezone.utc)

        def key():
            return rsa.generate_private_key(public_exponent=65537, key_size=2048)

        def pem_key(k):
            return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())

        def name(cn):
            return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

        def builder(subject, issuer, public_key):
            return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
                    .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
                    .not_valid_after(now + datetime.timedelta(days=2)))

        ca_key = key()
        ca = (builder(name("cassvault test CA"), name("cassvault test CA"), ca_key.public_key())
              .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
              .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                           content_commitment=False, key_encipherment=False, data_encipherment=False,
                                           key_agreement=False, encipher_only=False, decipher_only=False),
                             critical=True)
              .sign(ca_key, hashes.SHA256()))
        server_key = key()
        server = (builder(name("127.0.0.1"), ca.subject, server_key.public_key())
                  .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                              x509.DNSName("localhost")] +
                                                             [x509.DNSName(n) for n in dns_names]), critical=False)
                  .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                  .sign(ca_key, hashes.SHA256()))
        client_key = key()
        client = builder(name("cassvault test client"), name("cassvault test client"),
                         client_key.public_key()).sign(client_key, hashes.SHA256())

        self.ca_file = os.path.join(directory, "ca.pem")
        self.cert_file = os.path.join(directory, "server.pem")
        self.key_file = os.path.join(directory, "server-key.pem")
        self.client_pem = os.path.join(directory, "client.pem")  # certificate + key
        self.client_cert_pem = client.public_bytes(serialization.Encoding.PEM)
        for path, data in ((self.ca_file, ca.public_bytes(serialization.Encoding.PEM)),
                           (self.cert_file, server.public_bytes(serialization.Encoding.PEM)),
                           (self.key_file, pem_key(server_key)),
                           (self.client_pem, self.client_cert_pem + pem_key(client_key))):
            with open(path, "wb") as f:
                f.write(data)
            os.chmod(path, 0o600)


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
    def __init__(self, proc, port, workdir, pki=None):
        self.proc, self.port, self.workdir, self.pki = proc, port, workdir, pki

    @classmethod
    def start(cls, timeout=60, https=False):
        install()
        workdir = tempfile.mkdtemp(prefix="cv-azurite-")
        log = open(os.path.join(workdir, "azurite.log"), "w")
        # --blobPort 0: the OS picks a free port and Azurite prints it. --skipApiVersionCheck: an older 3.x
        # in the cache would otherwise refuse our pinned x-ms-version. --loose: no 500 for headers it does
        # not implement. --disableTelemetry: no phoning home from a test.
        args = [BIN, "--blobHost", "127.0.0.1", "--blobPort", "0", "--location", os.path.join(workdir, "data"),
                "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose"]
        pki = None
        if https:
            # Bearer tokens only over HTTPS (Azurite refuses them over HTTP, as Azure does).
            pki = TestPki(os.path.join(workdir, "pki"))
            args += ["--cert", pki.cert_file, "--key", pki.key_file, "--oauth", "basic"]
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            with open(os.path.join(workdir, "azurite.log")) as f:
                m = re.search(r"listens on https?://127\.0\.0\.1:(\d+)", f.read())
            if m:
                az = cls(proc, int(m.group(1)), workdir, pki)
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
        return "%s://127.0.0.1:%d/%s" % ("https" if self.pki else "http", self.port, ACCOUNT)

    @property
    def ca_file(self):
        return self.pki.ca_file if self.pki else None

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
