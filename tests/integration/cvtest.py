"""Helpers for integration tests that drive the real `cassvault` binary against the rig.

    from cvtest import Vault
    v = Vault.for_rig_node(1)              # a fresh temp dir: vault, cache, config for node 1
    v.run("init")
    report = v.json("backup", "--tag", "t1")  # parsed --json output; raises on a non-zero exit
    proc = v.run("restore", "--backup", "t1", check=False)   # for expected failures

The binary comes from $CASSVAULT_BIN (set by CTest), else build/release/src/cli/cassvault.
"""

import json
import os
import shutil
import subprocess
import tempfile

from rigtest import ROOT, rig_env

BIN = os.environ.get("CASSVAULT_BIN") or os.path.join(ROOT, "build", "release", "src", "cli", "cassvault")
PASSPHRASE = "integration test passphrase"


def snapshot_tree(paths):
    """(path, size, mode, uid, mtime_ns) of every file under paths: proof that nothing was written. The audit
    trail's head caches (<cache>/<vault id>.audit-<writer>.head) are left out: a refused command records its
    refusal in the audit trail by design (test_audit.py checks those records), as vault_files() leaves out
    audit/."""
    out = set()
    for root in paths:
        for base, _, files in os.walk(root):
            for f in files:
                if ".audit-" in f and f.endswith(".head"):
                    continue
                p = os.path.join(base, f)
                st = os.lstat(p)
                out.add((p, st.st_size, st.st_mode, st.st_uid, st.st_mtime_ns))
    return out


def all_files(root):
    """Every file under root, as paths relative to it."""
    out = set()
    for base, _, files in os.walk(root):
        for f in files:
            out.add(os.path.relpath(os.path.join(base, f), root))
    return out


class CassvaultError(AssertionError):
    def __init__(self, args, proc):
        super().__init__("`cassvault %s` exited %d\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
            " ".join(args), proc.returncode, proc.stdout.strip(), proc.stderr.strip()))
        self.proc = proc


class Vault:
    """A vault in a temp dir plus a config naming a node: what an operator sets up once."""

    def __init__(self, cassandra_yaml, nodetool, cql_host="127.0.0.1", cql_port=9042, workdir=None, url=None,
                 vault_yaml=""):
        """`url` replaces the local vault (azure://, s3://); `vault_yaml` is more of the `vault:` section,
        indented two spaces (tls, transfer, azure, s3)."""
        self.dir = workdir or tempfile.mkdtemp(prefix="cv-it-")
        os.makedirs(self.dir, exist_ok=True)
        self.vault_dir = os.path.join(self.dir, "vault")
        self.config = os.path.join(self.dir, "cassvault.yaml")
        with open(self.config, "w") as f:
            f.write("vault:\n  url: %s\n" % (url or "file://" + self.vault_dir))
            f.write(vault_yaml)
            f.write("node:\n  cassandra_yaml: %s\n" % cassandra_yaml)
            f.write("  nodetool: [%s]\n" % ", ".join(json.dumps(a) for a in nodetool))
            f.write("  cql: {host: %s, port: %d}\n" % (cql_host, cql_port))
            f.write("cache_dir: %s\n" % os.path.join(self.dir, "cache"))

    @classmethod
    def for_rig_node(cls, n, **kw):
        env = rig_env(n)
        return cls(env["cassandra_yaml"], [env["nodetool"], "-h", env["jmx_host"], "-p", str(env["jmx_port"])],
                   cql_host=env["cql_host"], cql_port=int(env["cql_port"]), **kw)

    @classmethod
    def for_stopped_node(cls, workdir, **kw):
        """A stopped node made of an empty data dir (fill it with SSTables) and a cassandra.yaml whose CQL,
        storage and JMX ports (port 1) nothing listens on, plus a vault config for it: what `backup --offline`
        tests need without Cassandra, even while the rig's node 1 runs. Returns (vault, data_dir)."""
        data = os.path.join(workdir, "data")
        os.makedirs(data, exist_ok=True)
        yaml = os.path.join(workdir, "cassandra.yaml")
        with open(yaml, "w") as f:
            f.write("cluster_name: legacy\npartitioner: org.apache.cassandra.dht.Murmur3Partitioner\n"
                    "data_file_directories: [%s]\ncommitlog_directory: %s/commitlog\n"
                    "listen_address: 127.0.0.1\nrpc_address: 127.0.0.1\nnative_transport_port: 1\nstorage_port: 1\n"
                    % (data, workdir))
        return cls(yaml, ["/bin/false", "-p", "1"], cql_port=1, workdir=os.path.join(workdir, "cv"), **kw), data

    def _env(self, env_extra, passphrase):
        env = dict(os.environ)
        env["CASSVAULT_CONFIG"] = self.config
        env.pop("CASSVAULT_TEST_CRASH_AT", None)
        if passphrase is None:
            env.pop("CASSVAULT_PASSPHRASE", None)
        else:
            env["CASSVAULT_PASSPHRASE"] = passphrase
        env.update(env_extra or {})
        return env

    def start(self, *args, env_extra=None, passphrase=PASSPHRASE):
        """`cassvault ARGS` in the background (a subprocess.Popen, output captured): to kill it mid-run."""
        return subprocess.Popen([BIN] + [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=self._env(env_extra, passphrase), stdin=subprocess.DEVNULL)

    def run(self, *args, check=True, env_extra=None, passphrase=PASSPHRASE, timeout=900):
        args = [str(a) for a in args]
        proc = subprocess.run([BIN] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=timeout, env=self._env(env_extra, passphrase), stdin=subprocess.DEVNULL)
        if check and proc.returncode != 0:
            raise CassvaultError(args, proc)
        return proc

    def json(self, *args, **kw):
        return json.loads(self.run(*(list(args) + ["--json"]), **kw).stdout)

    def vault_files(self):
        """Every object key in the vault (relative paths), to prove that a failed command wrote nothing. The
        audit trail (audit/) is left out: a refused command writes its refusal there by design
        (test_audit.py proves the trail); audit_files() lists it."""
        return {k for k in all_files(self.vault_dir) if not k.startswith("audit/")}

    def audit_files(self):
        """The audit trail's records (audit/<writer>/<seq>), sorted."""
        return sorted(k for k in all_files(self.vault_dir) if k.startswith("audit/"))

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)
