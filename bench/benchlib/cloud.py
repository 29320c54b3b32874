"""bench/run --with-cloud: issue 6's benchmark. cassvault to and from Azurite (Azure Blob) and Versity S3
Gateway (S3), beside cassandra-medusa's backup and download against the same Azurite, in the same run.

What it starts, all on loopback, all stopped at the end (fresh servers for every repetition, so one
repetition's objects never slow the next one's listing):
- Azurite (the npm install scripts/install-deps keeps in ~/.cache/cassvault/azurite) over HTTPS on
  127.0.0.1:10443, with a throwaway test CA whose server certificate covers 127.0.0.1, localhost AND
  devstoreaccount1.blob.core.localhost. Medusa 0.31 can only talk to
  `https://<account>.blob.core.<host>:<port>/` (host-style), so its `[storage] host = localhost`,
  `port = 10443` and /etc/hosts needs `127.0.0.1 devstoreaccount1.blob.core.localhost` (added once, if
  missing, by this module; the run says so). cassvault uses the path-style endpoint
  `https://127.0.0.1:10443/devstoreaccount1` of the very same Azurite process.
- Versity S3 Gateway (~/.cache/cassvault/versitygw-1.8.0, built by scripts/install-deps) over HTTPS with
  the same certificate, on a free loopback port, posix backend in the work dir.
- For Medusa (which only backs up a running node): a Cassandra node via scripts/rig, exactly as
  --with-medusa does (benchlib/medusa.py: own rig dir, one data directory, the data set's SSTables).
  `--cloud-no-medusa` skips Medusa and the node.

Per repetition (alternating order: medusa, azure, s3 / s3, azure, medusa), before every timed step `sync`
and (cold mode) a page cache drop, every step under /usr/bin/time -v:
  cloud_full         cassvault backup --offline (working copy of the data set) | medusa backup --mode full
  cloud_nochange     cassvault backup --offline, nothing changed (the request count's constant)
  cloud_compaction   cassvault backup --offline after the compaction swap (~30% of bytes new)
  cloud_restore      cassvault restore --target-dir of the last backup | medusa download of its backup
`backup --json` gives "requests", "retries" and "new_files": three points per backend for the
requests-per-new-component fit.
"""

import datetime
import ipaddress
import json
import os
import re
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request

from .common import BenchError, cache_dir, cassvault_binary, dir_bytes, log, rmtree, run, write_file
from .tools import PASSPHRASE, Tool

ACCOUNT = "devstoreaccount1"
# Azurite's published development key: not a secret, the same in every copy of Azurite.
AZURE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
AZ_PORT = 10443
AZ_HOST = "%s.blob.core.localhost" % ACCOUNT
HOSTS_LINE = "127.0.0.1 %s" % AZ_HOST
# versitygw's root account for the run: exists only in a throwaway server.
S3_ACCESS_KEY = "cvbenchroot"
S3_SECRET_KEY = "cvbench-root-secret-7d2e"
S3_REGION = "us-east-1"

CLOUD_TOOLS = ["cassvault-azure", "cassvault-s3", "medusa-azure"]
CLOUD_SCENARIOS = ["cloud_full", "cloud_nochange", "cloud_compaction", "cloud_restore"]


def azurite_bin():
    return os.path.join(cache_dir(), "azurite", "node_modules", ".bin", "azurite-blob")


def versitygw_bin():
    return os.environ.get("CASSVAULT_VERSITYGW") or os.path.join(cache_dir(), "versitygw-1.8.0", "bin", "versitygw")


def port_free(port):
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) != 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the test CA ----------------------------------------------------------------------------------------

class Pki:
    """A throwaway CA and one server certificate for 127.0.0.1, localhost and AZ_HOST (Debian's
    python3-cryptography; the same construction as tests/integration/azurite.py's TestPki)."""

    def __init__(self, directory):
        try:
            from cryptography import x509
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import rsa
            from cryptography.x509.oid import NameOID
        except ImportError:
            raise BenchError("python3-cryptography is missing (the test CA): apt-get install python3-cryptography")
        os.makedirs(directory, exist_ok=True)
        now = datetime.datetime.now(datetime.timezone.utc)

        def name(cn):
            return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

        def builder(subject, issuer, public_key):
            return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
                    .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
                    .not_valid_after(now + datetime.timedelta(days=2)))

        ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ca = (builder(name("cassvault bench CA"), name("cassvault bench CA"), ca_key.public_key())
              .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
              .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                           content_commitment=False, key_encipherment=False, data_encipherment=False,
                                           key_agreement=False, encipher_only=False, decipher_only=False),
                             critical=True)
              .sign(ca_key, hashes.SHA256()))
        server_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        server = (builder(name("127.0.0.1"), ca.subject, server_key.public_key())
                  .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                              x509.DNSName("localhost"), x509.DNSName(AZ_HOST)]),
                                 critical=False)
                  .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                  .sign(ca_key, hashes.SHA256()))
        self.ca_file = os.path.join(directory, "ca.pem")
        self.cert_file = os.path.join(directory, "server.pem")
        self.key_file = os.path.join(directory, "server-key.pem")
        for path, data in ((self.ca_file, ca.public_bytes(serialization.Encoding.PEM)),
                           (self.cert_file, server.public_bytes(serialization.Encoding.PEM)),
                           (self.key_file, server_key.private_bytes(serialization.Encoding.PEM,
                                                                    serialization.PrivateFormat.PKCS8,
                                                                    serialization.NoEncryption()))):
            with open(path, "wb") as f:
                f.write(data)
            os.chmod(path, 0o600)

    def context(self):
        return ssl.create_default_context(cafile=self.ca_file)


def ensure_hosts_line():
    """Medusa reaches Azurite as https://devstoreaccount1.blob.core.localhost:10443/: that name must resolve
    to 127.0.0.1. Appends HOSTS_LINE to /etc/hosts once (idempotent), and checks the name resolves."""
    try:
        with open("/etc/hosts") as f:
            text = f.read()
    except OSError as e:
        raise BenchError("cannot read /etc/hosts: %s" % e)
    present = any(line.split()[:1] == ["127.0.0.1"] and AZ_HOST in line.split()[1:]
                  for line in text.splitlines() if not line.lstrip().startswith("#"))
    if not present:
        log("cloud: adding `%s` to /etc/hosts (Medusa can only reach Azurite by that name)" % HOSTS_LINE)
        try:
            with open("/etc/hosts", "a") as f:
                f.write(("" if text.endswith("\n") or not text else "\n")
                        + "# added by cassvault bench/run --with-cloud (Medusa -> Azurite)\n" + HOSTS_LINE + "\n")
        except OSError as e:
            raise BenchError("cannot add `%s` to /etc/hosts (%s): run as root, or add it by hand" % (HOSTS_LINE, e))
    else:
        log("cloud: /etc/hosts already maps %s to 127.0.0.1" % AZ_HOST)
    try:
        addrs = {a[4][0] for a in socket.getaddrinfo(AZ_HOST, AZ_PORT, socket.AF_INET)}
    except socket.gaierror as e:
        raise BenchError("%s does not resolve after adding it to /etc/hosts: %s" % (AZ_HOST, e))
    if addrs != {"127.0.0.1"}:
        raise BenchError("%s resolves to %s, not 127.0.0.1 (check /etc/hosts)" % (AZ_HOST, ", ".join(sorted(addrs))))


# --- the servers ----------------------------------------------------------------------------------------

class Server:
    def __init__(self, name, proc, workdir, log_path):
        self.name, self.proc, self.workdir, self.log_path = name, proc, workdir, log_path

    def log_tail(self, n=30):
        try:
            with open(self.log_path) as f:
                return "\n".join(f.read().splitlines()[-n:])
        except OSError:
            return ""

    def cpu_seconds(self):
        """user+sys CPU the server process has used so far (/proc/PID/stat), to charge each step the
        server-side CPU it caused: Azurite and versitygw share the tools' 2 cores."""
        try:
            with open("/proc/%d/stat" % self.proc.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_azurite(workdir, pki, timeout=60):
    """Azurite's blob service over HTTPS on 127.0.0.1:10443 (fixed: Medusa's config names the port)."""
    os.makedirs(workdir, exist_ok=True)
    if not port_free(AZ_PORT):
        raise BenchError("port %d on 127.0.0.1 is in use; --with-cloud runs Azurite there (Medusa's config names "
                         "the port)" % AZ_PORT)
    log_path = os.path.join(workdir, "azurite.log")
    # --skipApiVersionCheck: an older 3.x would refuse cassvault's pinned x-ms-version. --loose: no 500 for
    # headers it does not implement. --silent: no line per request (it would cost CPU on the same 2 cores).
    args = [azurite_bin(), "--blobHost", "127.0.0.1", "--blobPort", str(AZ_PORT),
            "--location", os.path.join(workdir, "data"), "--silent", "--disableTelemetry", "--skipApiVersionCheck",
            "--loose", "--cert", pki.cert_file, "--key", pki.key_file]
    with open(log_path, "w") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    srv = Server("Azurite", proc, workdir, log_path)
    deadline = time.time() + timeout
    while time.time() < deadline:
        with open(log_path) as f:
            if re.search(r"listens on https://127\.0\.0\.1:%d" % AZ_PORT, f.read()):
                return srv
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    srv.stop()
    raise BenchError("Azurite did not start on https://127.0.0.1:%d:\n%s" % (AZ_PORT, srv.log_tail()))


def start_versitygw(workdir, pki, timeout=60):
    os.makedirs(os.path.join(workdir, "data"), exist_ok=True)
    port = free_port()
    log_path = os.path.join(workdir, "versitygw.log")
    env = dict(os.environ, ROOT_ACCESS_KEY=S3_ACCESS_KEY, ROOT_SECRET_KEY=S3_SECRET_KEY)
    # --quiet: no line per request. --health: an unsigned path answering 200, to check readiness over HTTPS.
    # --keep-alive: without it versitygw answers every request with `Connection: close`, so each request would
    # pay a new TCP connection and TLS handshake (real S3 keeps connections alive).
    args = [versitygw_bin(), "--port", "127.0.0.1:%d" % port, "--cert", pki.cert_file, "--key", pki.key_file,
            "--keep-alive", "--quiet", "--health", "/health", "posix", os.path.join(workdir, "data")]
    with open(log_path, "w") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    srv = Server("versitygw", proc, workdir, log_path)
    srv.endpoint = "https://127.0.0.1:%d" % port
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         urllib.request.HTTPSHandler(context=pki.context()))
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            break
        try:
            with opener.open(srv.endpoint + "/health", timeout=2) as r:
                if r.status == 200:
                    return srv
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.2)
    srv.stop()
    raise BenchError("versitygw did not start on %s:\n%s" % (srv.endpoint, srv.log_tail()))


# --- the tools ------------------------------------------------------------------------------------------

class CloudCassVault(Tool):
    """cassvault with an azure:// or s3:// vault; same interface as tools.CassVault (offline backups)."""

    def __init__(self, rep_dir, node, backend, ca_file, s3_endpoint=None, container="cv"):
        self.name = "cassvault-" + backend
        super().__init__(rep_dir, node)
        self.bin = cassvault_binary()
        self.config = os.path.join(self.dir, "cassvault.yaml")
        if backend == "azure":
            vault = ("  url: 'azure://%s/%s/vault'\n  azure: {auth: shared-key, endpoint: 'https://127.0.0.1:%d/%s'}\n"
                     % (ACCOUNT, container, AZ_PORT, ACCOUNT))
            self.env["AZURE_STORAGE_KEY"] = AZURE_KEY
        else:
            vault = "  url: 's3://%s/vault'\n  s3: {endpoint: '%s', region: %s}\n" % (container, s3_endpoint, S3_REGION)
            self.env.update(AWS_ACCESS_KEY_ID=S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY=S3_SECRET_KEY)
        write_file(self.config, "vault:\n%s  tls: {ca_file: '%s'}\nnode: {cassandra_yaml: '%s'}\ncache_dir: '%s/cache'\n"
                   % (vault, ca_file, node.yaml, self.dir))
        self.env["CASSVAULT_PASSPHRASE"] = PASSPHRASE
        for k in ("CASSVAULT_AZURE_ENDPOINT", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AZURE_STORAGE_SAS_TOKEN"):
            self.env.pop(k, None)

    def prepare(self):
        run([self.bin, "--config", self.config, "init"], "%s init" % self.name, env=self.env)

    def backup(self, tag):
        self.last_tag = tag
        return [self.bin, "--config", self.config, "--json", "backup", "--offline", "--tag", tag], None

    def restore(self, dest):
        return [self.bin, "--config", self.config, "--json", "restore", "--backup", self.last_tag, "--target-dir",
                dest], None

    def backup_details(self, stdout_path):
        try:
            with open(stdout_path) as f:
                doc = json.loads(f.read())
        except (OSError, ValueError):
            return {}
        # "bytes"/"files" renamed: the harness's own "bytes" (what MB/s divides) must stay.
        out = {k: doc[k] for k in ("files_read", "bytes_read", "cache_hits", "new_files", "new_bytes", "stored_bytes",
                                   "seconds", "requests", "retries") if k in doc}
        out.update({"reported_" + k: doc[k] for k in ("files", "bytes") if k in doc})
        return out


MEDUSA_AZURE_INI = """\
; Generated by bench/run --with-cloud. Azure Blob storage (Azurite over HTTPS, Shared Key from key_file),
; everything else Medusa's defaults except what a loopback rig node needs (no sudo, no DNS, the rig's nodetool).
[cassandra]
config_file = {yaml}
nodetool_executable = {nodetool}
nodetool_host = 127.0.0.1
nodetool_port = {jmx_port}
check_running = {nodetool} -h 127.0.0.1 -p {jmx_port} version
start_cmd = /bin/false
stop_cmd = /bin/false
resolve_ip_addresses = False
use_sudo = False

[storage]
storage_provider = azure_blobs
bucket_name = {container}
key_file = {key_file}
host = localhost
port = {port}
fqdn = 127.0.0.1
use_sudo_for_restore = False

[monitoring]
monitoring_provider = None

[grpc]
enabled = False

[kubernetes]
enabled = False

[logging]
enabled = False
"""

CREATE_CONTAINER = """\
import os, sys
from azure.core.credentials import AzureNamedKeyCredential
from azure.storage.blob import BlobServiceClient
svc = BlobServiceClient(sys.argv[1], credential=AzureNamedKeyCredential(sys.argv[2], os.environ["AZURE_STORAGE_KEY"]))
svc.create_container(sys.argv[3])
"""


def medusa_env(pki, nodetool):
    # SSL_CERT_FILE: aiohttp (the Azure SDK's async transport) trusts the test CA; REQUESTS_CA_BUNDLE for
    # anything going through requests.
    return dict(os.environ, PATH=os.path.dirname(nodetool) + ":" + os.environ.get("PATH", ""),
                SSL_CERT_FILE=pki.ca_file, REQUESTS_CA_BUNDLE=pki.ca_file)


def create_medusa_container(medusa_python, pki, env, container):
    # The key through the environment, not argv (it is Azurite's published key, but keys stay off command lines).
    run([medusa_python, "-c", CREATE_CONTAINER, "https://%s:%d/" % (AZ_HOST, AZ_PORT), ACCOUNT, container],
        "creating Azure container %s for Medusa (through %s, as Medusa will)" % (container, AZ_HOST),
        env=dict(env, AZURE_STORAGE_KEY=AZURE_KEY))


# --- preflight and the run ------------------------------------------------------------------------------

def preflight(with_medusa):
    """Everything --with-cloud needs, checked before anything is timed."""
    if not os.access(azurite_bin(), os.X_OK):
        raise BenchError("Azurite not found at %s: run scripts/install-deps (npm install --prefix %s azurite@3)"
                         % (azurite_bin(), os.path.join(cache_dir(), "azurite")))
    if not os.access(versitygw_bin(), os.X_OK):
        raise BenchError("versitygw not found at %s: run scripts/install-deps" % versitygw_bin())
    try:
        import cryptography  # noqa: F401
    except ImportError:
        raise BenchError("python3-cryptography is missing (the test CA): apt-get install python3-cryptography")
    if not port_free(AZ_PORT):
        raise BenchError("port %d on 127.0.0.1 is in use; --with-cloud runs Azurite there" % AZ_PORT)
    if with_medusa:
        from . import medusa
        medusa.preflight()
        py = os.path.join(medusa.venv(), "bin", "python")
        proc = subprocess.run([py, "-c", "import azure.storage.blob.aio, azure.identity, aiohttp"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0:
            raise BenchError("Medusa's venv lacks its Azure packages (azure-storage-blob, azure-identity, aiohttp): "
                             "run bench/install-peers\n" + proc.stdout[-1000:])
        if os.geteuid() != 0:
            raise BenchError("--with-cloud adds `%s` to /etc/hosts for Medusa: run as root (or pass "
                             "--cloud-no-medusa)" % HOSTS_LINE)


def run_cloud(bench, dataset, manifest):
    from .runner import compaction, make_node
    with_medusa = not bench.args.cloud_no_medusa
    preflight(with_medusa)
    root = os.path.join(bench.work, "cloud")
    rmtree(root)
    os.makedirs(root)
    logp = os.path.join(bench.work, "cloud.log")
    pki = Pki(os.path.join(root, "pki"))
    rig = env = medusa = None
    info = dict(notes=[], requests={}, with_medusa=with_medusa, hosts_line=HOSTS_LINE)
    try:
        if with_medusa:
            from . import medusa as med
            ensure_hosts_line()
            medusa = med.medusa_bin()
            medusa_python = os.path.join(med.venv(), "bin", "python")
            rig = med.BenchRig(bench.args.keep)
            env = med.setup_node(rig, dataset, manifest)
            m_env = medusa_env(pki, env["nodetool"])
        for rep in range(bench.reps):
            rdir = os.path.join(root, "rep%d" % (rep + 1))
            rmtree(rdir)
            os.makedirs(rdir)
            log("cloud: repetition %d of %d: starting Azurite (https://127.0.0.1:%d) and versitygw" % (
                rep + 1, bench.reps, AZ_PORT))
            az = start_azurite(os.path.join(rdir, "azurite"), pki)
            gw = None
            try:
                gw = start_versitygw(os.path.join(rdir, "versitygw"), pki)
                node = make_node(rdir, dataset)
                tools = [CloudCassVault(rdir, node, "azure", pki.ca_file, container="cv-r%d" % (rep + 1)),
                         CloudCassVault(rdir, node, "s3", pki.ca_file, s3_endpoint=gw.endpoint,
                                        container="cv-r%d" % (rep + 1))]
                for t in tools:
                    t.prepare()
                if with_medusa:
                    mt = MedusaAzure(rdir, node, medusa, env, m_env, "medusa-r%d" % (rep + 1))
                    create_medusa_container(medusa_python, pki, m_env, mt.container)
                    tools.insert(0, mt)
                if rep == 0:
                    for t in tools:
                        path = t.ini if isinstance(t, MedusaAzure) else t.config
                        with open(path) as f:
                            info.setdefault("configs", {})[t.name] = dict(path=path, text=f.read())
                # Alternating: medusa, azure, s3 in odd repetitions; s3, azure, medusa in even ones.
                order = tools if rep % 2 == 0 else list(reversed(tools))
                log("cloud: order %s" % ", ".join(t.name for t in order))
                servers = {"cassvault-azure": az, "medusa-azure": az, "cassvault-s3": gw}
                one_rep(bench, rep, rdir, node, order, dataset, manifest, logp, compaction, servers)
            finally:
                az.stop()
                if gw:
                    gw.stop()
            if not bench.args.keep:
                rmtree(rdir)
    finally:
        if rig is not None:
            try:
                rig("down", what="rig down (bench rig)")
                if not bench.args.keep:
                    rmtree(rig.dir)
            except BenchError as e:
                log("warning: could not stop the bench rig: %s" % e)
    info["notes"].append(
        "Servers on the same 2 cores as the tools (system figures: the server's CPU is not in the tool's CPU "
        "column). Azurite %s over HTTPS on 127.0.0.1:%d (`--silent --loose --skipApiVersionCheck`, disk "
        "persistence in the work dir), Versity S3 Gateway %s over HTTPS (`--keep-alive`: its default closes the "
        "connection after every response; posix backend), one throwaway test CA for "
        "both; fresh servers, containers and buckets for every repetition." % (
            azurite_version(), AZ_PORT, versitygw_version()))
    if with_medusa:
        info["notes"].append(
            "Medusa: a live node started as --with-medusa does (scripts/rig, one data directory, the data set's "
            "SSTables loaded), "
            "`storage_provider = azure_blobs`, `host = localhost`, `port = %d` (Medusa builds "
            "`https://%s:%d/`, hence `%s` in /etc/hosts), Shared Key from its `key_file`, `SSL_CERT_FILE` = the "
            "test CA; everything else its defaults (`concurrent_transfers = 1`, 4 MiB blocks for Azure). Its backup "
            "covers every keyspace of the node and includes its `nodetool snapshot`; MB/s uses the node's bytes for "
            "the backup and the bytes written for the download, so ratios are taken on MB/s (not wall)." % (
                AZ_PORT, AZ_HOST, AZ_PORT, HOSTS_LINE))
    return info


class MedusaAzure:
    name = "medusa-azure"

    def __init__(self, rep_dir, node, medusa, env, m_env, container):
        self.dir = os.path.join(rep_dir, self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.container = container
        self.env = m_env
        self.data1 = env["data1"]
        key_file = os.path.join(self.dir, "azure-key.json")
        write_file(key_file, json.dumps({"storage_account": ACCOUNT, "key": AZURE_KEY}) + "\n", mode=0o600)
        self.ini = os.path.join(self.dir, "medusa.ini")
        write_file(self.ini, MEDUSA_AZURE_INI.format(yaml=env["cassandra_yaml"], nodetool=env["nodetool"],
                                                     jmx_port=env["jmx_port"], container=container, key_file=key_file,
                                                     port=AZ_PORT))
        self.medusa = medusa
        self.last_tag = None

    def backup(self, tag):
        self.last_tag = tag
        return [self.medusa, "--config-file", self.ini, "backup", "--backup-name", tag, "--mode", "full"], None

    def restore(self, dest):
        os.makedirs(dest)     # medusa download refuses a destination that does not exist
        return [self.medusa, "--config-file", self.ini, "download", "--backup-name", self.last_tag,
                "--download-destination", dest], None

    def backup_details(self, _path):
        return {}


def one_rep(bench, rep, rdir, node, order, dataset, manifest, logp, compaction, servers):
    from .medusa import node_bytes
    cvs = [t for t in order if t.name.startswith("cassvault")]

    def step(scenario, t, cmd, nbytes, stdout_path=None):
        srv = servers[t.name]
        before = srv.cpu_seconds()
        tt = bench.step(scenario, t, rep, cmd, nbytes, logp, stdout_path=stdout_path)
        after = srv.cpu_seconds()
        if before is not None and after is not None:
            bench.results[scenario][t.name][-1]["server_cpu"] = after - before
            tt.extra["server_cpu"] = after - before
        return tt

    def backups(scenario, tag, tools):
        size = dir_bytes(node.data)[0]
        for t in tools:
            out = os.path.join(rdir, "%s-%s.out" % (t.name, tag))
            nbytes = node_bytes(t.data1) if isinstance(t, MedusaAzure) else size
            tt = step(scenario, t, t.backup(tag), nbytes, stdout_path=out)
            log("  %-13s        %-16s server CPU %.2f s%s" % (
                "", t.name, tt.extra.get("server_cpu") or 0,
                ", requests %s, retries %s, new files %s" % (tt.extra.get("requests"), tt.extra.get("retries"),
                                                            tt.extra.get("new_files")) if "requests" in tt.extra else ""))

    backups("cloud_full", "c1-r%d" % (rep + 1), order)
    backups("cloud_nochange", "c2-r%d" % (rep + 1), cvs)
    compaction(node, dataset, manifest)
    backups("cloud_compaction", "c3-r%d" % (rep + 1), cvs)
    final_bytes, final_files = dir_bytes(node.data)
    for t in order:
        dest = os.path.join(rdir, "restore-" + t.name)
        rmtree(dest)
        cmd = t.restore(dest)
        expect = (final_bytes, final_files) if t.name.startswith("cassvault") else None
        tt = step("cloud_restore", t, cmd, expect[0] if expect else 0,
                  stdout_path=os.path.join(rdir, "%s-restore.out" % t.name))
        log("  %-13s        %-16s server CPU %.2f s%s" % (
            "", t.name, tt.extra.get("server_cpu") or 0,
            ", requests %s, retries %s" % (tt.extra.get("requests"), tt.extra.get("retries"))
            if "requests" in tt.extra else ""))
        got = dir_bytes(dest)
        bench.results["cloud_restore"][t.name][-1]["files_restored"] = got[1]
        if expect and got != expect:
            raise BenchError("%s restored %d files / %d bytes, expected %d / %d (see %s)" % (
                t.name, got[1], got[0], expect[1], expect[0], logp))
        if not expect:
            # Medusa's figure: the bytes it wrote (its backup of every keyspace of the node).
            if got[0] == 0:
                raise BenchError("medusa download wrote nothing into %s (see %s)" % (dest, logp))
            runs = bench.results["cloud_restore"][t.name]
            runs[-1].update(bytes=got[0], mbps=got[0] / tt.wall / 1e6 if tt.wall > 0 else None)
            log("  %-13s        %-16s wrote %d files, %.1f MB: %.1f MB/s" % (
                "", t.name, got[1], got[0] / 1e6, runs[-1]["mbps"] or 0))
        rmtree(dest)


def azurite_version():
    try:
        with open(os.path.join(cache_dir(), "azurite", "node_modules", "azurite", "package.json")) as f:
            return json.load(f).get("version", "?")
    except (OSError, ValueError):
        return "?"


def versitygw_version():
    """scripts/install-deps builds it with `go install ...@v1.8.0`, which leaves `--version` saying "git":
    the version is the one in the install directory's name."""
    m = re.search(r"versitygw-(\d+\.\d+\.\d+)", versitygw_bin())
    return ("%s (go install)" % m.group(1)) if m else "unknown (%s)" % versitygw_bin()


def fit(points):
    """Least squares requests = a * new_files + b over (new_files, requests) points; None if degenerate."""
    pts = [(float(x), float(y)) for x, y in points if x is not None and y is not None]
    if len(pts) < 2:
        return None
    n = len(pts)
    mx = sum(x for x, _ in pts) / n
    my = sum(y for _, y in pts) / n
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    if sxx == 0:
        return None
    a = sum((x - mx) * (y - my) for x, y in pts) / sxx
    return dict(slope=a, intercept=my - a * mx, n=n)

