#!/usr/bin/python3
"""What cassvault does to and with other processes and its own (security review M6, L5, L6, JMX/CQL info).

- M6: children (nodetool, az) get an allow-listed environment: a fake nodetool and a fake `az` (STAND-INS:
  shell scripts that dump their environment) see none of the secrets set in the parent; the running
  process is non-dumpable with RLIMIT_CORE 0 unless CASSVAULT_ALLOW_CORE_DUMPS=1.
- L6: an offline backup/restore is refused while the storage port or the JMX port answers, or while a
  process holds a data file open; a hung nodetool is killed with its process group at the configured
  timeout and the backup still clears its snapshot.
- L5: a live restore refuses a schema.cql that holds anything but what Cassandra writes there, before
  running any statement (against a real Cassandra 5.0 node from scripts/rig).
- JMX: a JMX password file that group or others may read is refused before nodetool runs.
"""

import os
import pty
import resource
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cvtest import BIN, PASSPHRASE, Vault, all_files  # noqa: E402
from rigtest import ROOT, close_sessions, cql, rig, rig_env  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(ROOT), "shared", "fixtures", "legacy-sstables")

# Secrets a parent may hold; none may reach a child.
SECRETS = {
    "CASSVAULT_PASSPHRASE": PASSPHRASE,
    "AWS_SECRET_ACCESS_KEY": "awsSECRETvalue",
    "AWS_SESSION_TOKEN": "awsSESSIONtoken",
    "AZURE_CLIENT_SECRET": "azCLIENTsecret",
    "AZURE_STORAGE_KEY": "azSTORAGEkey",
    "AZURE_STORAGE_SAS_TOKEN": "sv=2024-01-01&sig=azSASsig",
    "CASSVAULT_S3_SECRET": "s3SECRETvalue",
}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def listener(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(8)
    return s


def write_script(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o755)


def read_text(path):
    with open(path) as f:
        return f.read()


def read_env_dump(path):
    with open(path) as f:
        return dict(line.split("=", 1) for line in f.read().splitlines() if "=" in line)


def alive(pid):
    """Running (a zombie nobody reaps in a container counts as gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def snapshot_of(root):
    """(path, size, mtime_ns, mode, uid) of every file under root: proof that nothing was written."""
    out = {}
    for rel in all_files(root):
        st = os.stat(os.path.join(root, rel))
        out[rel] = (st.st_size, st.st_mtime_ns, st.st_mode, st.st_uid)
    return out


class StoppedNode:
    """A stopped node (legacy nb SSTables in a data dir) whose CQL, storage and JMX ports are free ports
    of our choosing, so that a test can make exactly one of them answer."""

    def __init__(self, work, nodetool_extra=()):
        self.work = work
        self.data = os.path.join(work, "data")
        os.makedirs(self.data)
        shutil.copytree(os.path.join(FIXTURES, "nb", "legacy_tables"), os.path.join(self.data, "legacy_tables"))
        self.cql_port, self.storage_port, self.jmx_port = free_port(), free_port(), free_port()
        self.yaml = os.path.join(work, "cassandra.yaml")
        with open(self.yaml, "w") as f:
            f.write("cluster_name: legacy\npartitioner: org.apache.cassandra.dht.Murmur3Partitioner\n"
                    "data_file_directories: [%s]\ncommitlog_directory: %s/commitlog\n"
                    "listen_address: 127.0.0.1\nrpc_address: 127.0.0.1\n"
                    "native_transport_port: %d\nstorage_port: %d\n"
                    % (self.data, work, self.cql_port, self.storage_port))
        self.vault = Vault(self.yaml, ["/bin/false", "-h", "127.0.0.1", "-p", str(self.jmx_port)] + list(nodetool_extra),
                           cql_port=self.cql_port, workdir=os.path.join(work, "cv"))


class OfflineInterlockTest(unittest.TestCase):
    """L6: "the node is stopped" means more than "the CQL port is closed"."""

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="cv-secproc-")
        self.node = StoppedNode(self.work)
        self.node.vault.run("init")
        self.node.vault.run("backup", "--offline", "--tag", "t1")  # nothing answers yet: allowed

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def assert_refused(self, needle):
        before = snapshot_of(self.node.data)
        backups = self.node.vault.json("list")
        for args in (["backup", "--offline", "--tag", "t2"], ["restore", "--backup", "t1", "--mode", "offline"]):
            proc = self.node.vault.run(*args, check=False)
            self.assertEqual(proc.returncode, 7, proc.stderr)
            self.assertIn(needle, proc.stderr)
            self.assertIn("is running", proc.stderr)
        self.assertEqual(snapshot_of(self.node.data), before)  # the restore wrote nothing
        self.assertEqual(self.node.vault.json("list"), backups)  # the backup committed nothing

    def test_storage_port_answering_refuses_offline_backup_and_restore(self):
        s = listener(self.node.storage_port)
        try:
            self.assert_refused("node 127.0.0.1:%d (storage port, cassandra.yaml storage_port)" % self.node.storage_port)
        finally:
            s.close()

    def test_jmx_port_answering_refuses_offline_backup_and_restore(self):
        s = listener(self.node.jmx_port)
        try:
            self.assert_refused("node 127.0.0.1:%d (JMX port, from node.nodetool)" % self.node.jmx_port)
        finally:
            s.close()

    def test_process_holding_a_data_file_open_refuses(self):
        victim = os.path.join(self.node.data, "legacy_tables", "legacy_nb_simple", "nb-1-big-Data.db")
        with open(victim, "rb") as f:
            holder = subprocess.Popen(["sleep", "120"], stdin=f)
        try:
            self.assert_refused("node: process %d (sleep): uses %s" % (holder.pid, victim))
        finally:
            holder.kill()
            holder.wait()
        # With the holder gone the node counts as stopped again.
        self.node.vault.run("backup", "--offline", "--tag", "t3")


class ChildEnvironmentAndCoreTest(unittest.TestCase):
    """M6 without Cassandra: the `az` child, the process's own dumpability."""

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="cv-secproc-")
        os.chmod(self.work, 0o755)

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def test_az_child_gets_no_secret(self):
        # STAND-IN for the Azure CLI: dumps its environment and fails.
        bindir = os.path.join(self.work, "bin")
        os.makedirs(bindir)
        dump = os.path.join(self.work, "az-env.txt")
        parentenv = os.path.join(self.work, "cassvault-environ.txt")
        write_script(os.path.join(bindir, "az"), "#!/bin/sh\nenv > '%s'\ntr '\\0' '\\n' < /proc/$PPID/environ > '%s'\n"
                                                 "echo 'not logged in' >&2\nexit 1\n" % (dump, parentenv))
        node = StoppedNode(os.path.join(self.work, "node"))
        v = Vault(node.yaml, ["/bin/false"], workdir=os.path.join(self.work, "cv"),
                  url="azure://devstoreaccount1/cv-secproc/p",
                  vault_yaml="  azure: {auth: azure-cli, endpoint: 'https://127.0.0.1:%d/devstoreaccount1'}\n" % free_port())
        env = dict(SECRETS)
        env["PATH"] = bindir + ":/usr/bin:/bin"
        env["AZURE_CONFIG_DIR"] = os.path.join(self.work, "azcfg")
        proc = v.run("list", check=False, env_extra=env)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("not logged in", proc.stderr)
        child = read_env_dump(dump)  # the stand-in ran
        for name, value in SECRETS.items():
            self.assertNotIn(name, child)
            self.assertFalse(any(value in v for v in child.values()), name)
        self.assertEqual(child.get("AZURE_CONFIG_DIR"), env["AZURE_CONFIG_DIR"])  # what az needs is kept
        self.assertEqual(child.get("PATH"), env["PATH"])
        # The passphrase was read before `az` ran: cassvault's own /proc/<pid>/environ no longer shows it.
        with open(parentenv) as f:
            own = f.read()
        self.assertIn("CASSVAULT_PASSPHRASE=", own)
        self.assertNotIn(PASSPHRASE, own)
        self.assertIn(SECRETS["AWS_SECRET_ACCESS_KEY"], own)  # a variable cassvault did not read stays

    def run_until_prompt(self, extra_env):
        """cassvault as uid 4242, on a terminal, waiting at the passphrase prompt: (pid, pty fd).
        Core files are allowed (unlimited) when it starts, so a limit of 0 is its own doing."""
        node = StoppedNode(os.path.join(self.work, "node-%d" % len(os.listdir(self.work))))
        node.vault.run("init")
        subprocess.run(["chown", "-R", "4242:4242", node.work], check=True)
        env = {"PATH": "/usr/bin:/bin", "CASSVAULT_CONFIG": node.vault.config, "HOME": node.work}
        env.update(extra_env)
        pid, fd = pty.fork()
        if pid == 0:
            resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            os.execve("/usr/bin/setpriv", ["setpriv", "--reuid=4242", "--regid=4242", "--clear-groups", BIN, "list"],
                      env)
        out = b""
        deadline = time.monotonic() + 30
        while b"Vault passphrase:" not in out and time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 1)
            if r:
                try:
                    out += os.read(fd, 1024)
                except OSError:
                    break
        self.assertIn(b"Vault passphrase:", out)
        return pid, fd

    def core_limit(self, pid):
        with open("/proc/%d/limits" % pid) as f:
            line = next(l for l in f if l.startswith("Max core file size"))
        return line.split()[4:6]

    def test_process_is_not_dumpable_and_has_no_core_limit(self):
        pid, fd = self.run_until_prompt({})
        try:
            self.assertEqual(self.core_limit(pid), ["0", "0"])
            # A non-dumpable process's /proc files (but not the /proc/<pid> directory itself) belong to
            # root, not to the uid it runs as (4242): the kernel's own record of PR_SET_DUMPABLE 0.
            self.assertEqual(os.stat("/proc/%d/environ" % pid).st_uid, 0)
        finally:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(fd)
        # The documented debug switch leaves both alone.
        pid, fd = self.run_until_prompt({"CASSVAULT_ALLOW_CORE_DUMPS": "1"})
        try:
            self.assertEqual(self.core_limit(pid), ["unlimited", "unlimited"])
            self.assertEqual(os.stat("/proc/%d/environ" % pid).st_uid, 4242)
        finally:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(fd)


class CqlTlsTest(unittest.TestCase):
    """node.cql.tls against a STAND-IN TLS server (Python's ssl module; the rig has no TLS): the driver
    verifies the server's certificate against node.cql.tls.ca_file, and by default that it names the
    address, before it speaks CQL. A verified handshake then fails on the stand-in's missing protocol."""

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="cv-secproc-tls-")
        self.handshakes = 0

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def openssl(self, *args):
        subprocess.run(["openssl"] + list(args), cwd=self.work, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    def ca(self, name):
        self.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".pem",
                     "-days", "2", "-subj", "/CN=" + name)

    def server_cert(self, name, ca, san):
        self.openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
                     "-subj", "/CN=cassandra-node")
        ext = os.path.join(self.work, name + ".ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=%s\n" % san)
        self.openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
                     "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", ext)

    def serve(self, cert):
        import ssl
        import threading
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(self.work, cert + ".pem"), os.path.join(self.work, cert + ".key"))
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        srv.settimeout(0.5)
        stop = threading.Event()

        def loop():
            while not stop.is_set():
                try:
                    c, _ = srv.accept()
                except OSError:
                    continue
                try:
                    t = ctx.wrap_socket(c, server_side=True)
                    t.settimeout(2)
                    if t.recv(64):  # a client that verified us sends a CQL frame; one that did not, an alert
                        self.handshakes += 1
                    t.close()
                except (OSError, ssl.SSLError):
                    c.close()

        th = threading.Thread(target=loop, daemon=True)
        th.start()
        self.addCleanup(lambda: (stop.set(), th.join(), srv.close()))
        return srv.getsockname()[1]

    def backup(self, port, tls_yaml):
        node = StoppedNode(os.path.join(self.work, "node-%d" % len(os.listdir(self.work))))
        v = Vault(node.yaml, ["/bin/false"], cql_port=port, workdir=os.path.join(node.work, "cv"))
        with open(v.config) as f:
            text = f.read()
        with open(v.config, "w") as f:
            f.write(text.replace("  cql: {host: 127.0.0.1, port: %d}" % port,
                                 "  cql: {host: 127.0.0.1, port: %d, tls: %s}" % (port, tls_yaml)))
        v.run("init")
        return v.run("backup", check=False, timeout=120)

    def test_server_is_verified_against_the_ca_and_its_address(self):
        self.ca("ca")
        self.ca("other")
        self.server_cert("named", "ca", "IP:127.0.0.1")
        self.server_cert("unnamed", "ca", "DNS:elsewhere.example")
        port = self.serve("named")
        # A certificate from another CA: refused during the handshake, no CQL byte sent.
        proc = self.backup(port, "{ca_file: %s/other.pem}" % self.work)
        self.assertEqual(proc.returncode, 8, proc.stderr)
        self.assertIn("Error verifying peer certificate", proc.stderr)
        self.assertEqual(self.handshakes, 0)
        # The right CA: TLS is established and the client speaks (the stand-in then hangs up).
        proc = self.backup(port, "{ca_file: %s/ca.pem}" % self.work)
        self.assertEqual(proc.returncode, 8, proc.stderr)
        self.assertNotIn("verifying peer certificate", proc.stderr)
        self.assertGreater(self.handshakes, 0)
        # Signed by the CA but not naming 127.0.0.1: refused unless verify_address is off.
        port2 = self.serve("unnamed")
        before = self.handshakes
        proc = self.backup(port2, "{ca_file: %s/ca.pem}" % self.work)
        self.assertEqual(proc.returncode, 8, proc.stderr)
        self.assertIn("verifying peer", proc.stderr)
        self.assertEqual(self.handshakes, before)
        proc = self.backup(port2, "{ca_file: %s/ca.pem, verify_address: false}" % self.work)
        self.assertNotIn("verifying peer", proc.stderr)
        self.assertGreater(self.handshakes, before)


class LiveNodeTest(unittest.TestCase):
    """Against a real Cassandra 5.0 node: nodetool's environment and deadline, schema.cql, JMX password file."""

    @classmethod
    def setUpClass(cls):
        rig("down")
        rig("up", "--nodes", 1)

    @classmethod
    def tearDownClass(cls):
        close_sessions()
        rig("down")

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="cv-secproc-")
        self.env = rig_env(1)

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def rig_vault(self, nodetool, node_yaml="", **kw):
        v = Vault(self.env["cassandra_yaml"], nodetool, cql_host=self.env["cql_host"],
                  cql_port=int(self.env["cql_port"]), workdir=os.path.join(self.work, "cv"), **kw)
        if node_yaml:
            with open(v.config) as f:
                text = f.read()
            with open(v.config, "w") as f:
                f.write(text.replace("node:\n", "node:\n" + node_yaml, 1))
        return v

    def test_hung_nodetool_is_killed_with_its_group_and_sees_no_secret(self):
        # STAND-IN nodetool: logs its argv and environment; `snapshot` hangs in a child process, as a
        # JVM stuck in a JMX call would; every other subcommand succeeds.
        log = os.path.join(self.work, "nodetool.log")
        envdump = os.path.join(self.work, "nodetool-env.txt")
        pidfile = os.path.join(self.work, "hung.pid")
        fake = os.path.join(self.work, "nodetool")
        parentenv = os.path.join(self.work, "cassvault-environ.txt")
        write_script(fake, "#!/bin/sh\necho \"$*\" >> '%s'\nenv > '%s'\ntr '\\0' '\\n' < /proc/$PPID/environ > '%s'\n"
                           "for a in \"$@\"; do if [ \"$a\" = snapshot ]; then sleep 300 & echo $! > '%s'; wait; fi; done\n"
                           "exit 0\n" % (log, envdump, parentenv, pidfile))
        v = self.rig_vault([fake], node_yaml="  snapshot_timeout: 2\n")
        v.run("init")
        t0 = time.monotonic()
        proc = v.run("backup", "--tag", "hung", check=False, env_extra=SECRETS)
        took = time.monotonic() - t0
        self.assertEqual(proc.returncode, 8, proc.stderr)
        self.assertIn("nodetool snapshot: %s: still running after 2 s (node.snapshot_timeout); killed with its process "
                      "group" % fake, proc.stderr)
        self.assertLess(took, 60)
        hung = int(read_text(pidfile))
        for _ in range(100):
            if not alive(hung):
                break
            time.sleep(0.05)
        self.assertFalse(alive(hung), "the hung child %d survived" % hung)
        calls = read_text(log).splitlines()
        # The snapshot is cleared on disk, without another nodetool (test_snapshot_lifecycle.py proves the clear).
        self.assertFalse(any(c.startswith("clearsnapshot") for c in calls), calls)
        self.assertTrue(any(c.startswith("snapshot -t hung") for c in calls), calls)
        child = read_env_dump(envdump)
        for name, value in SECRETS.items():
            self.assertNotIn(name, child)
            self.assertFalse(any(value in x for x in child.values()), name)
        # cassvault's own /proc/<pid>/environ (what it was started with) no longer shows the passphrase.
        with open(parentenv) as f:
            own = f.read()
        self.assertIn("CASSVAULT_PASSPHRASE=", own)  # the variable was there at start ...
        self.assertNotIn(PASSPHRASE, own)  # ... its value is overwritten
        self.assertIn(SECRETS["AWS_SECRET_ACCESS_KEY"], own)  # (an unread variable is left alone)
        self.assertEqual(v.json("list"), [])

    def test_jmx_password_file_others_can_read_is_refused(self):
        log = os.path.join(self.work, "nodetool.log")
        fake = os.path.join(self.work, "nodetool")
        write_script(fake, "#!/bin/sh\necho \"$*\" >> '%s'\nexit 0\n" % log)
        pwf = os.path.join(self.work, "jmx.password")
        with open(pwf, "w") as f:
            f.write("cassvault s3cret-jmx\n")
        os.chmod(pwf, 0o644)
        v = self.rig_vault([fake], node_yaml="  jmx: {username: cassvault, password_file: %s}\n" % pwf)
        v.run("init")
        proc = v.run("backup", "--tag", "jmx", check=False)
        self.assertEqual(proc.returncode, 3, proc.stderr)
        self.assertIn("node.jmx.password_file %s: may be read or written by group or others (mode 0644)" % pwf,
                      proc.stderr)
        self.assertNotIn("s3cret-jmx", proc.stderr)
        self.assertFalse(os.path.exists(log))  # nodetool never ran
        # Private: nodetool gets the file's name (-pwf), never the password.
        os.chmod(pwf, 0o600)
        v.run("backup", "--tag", "jmx", check=False)
        calls = read_text(log).splitlines()
        self.assertTrue(calls)
        for c in calls:
            self.assertTrue(c.startswith("-u cassvault -pwf %s " % pwf), c)
            self.assertNotIn("s3cret-jmx", c)
            self.assertNotIn("-pw ", c)

    def test_live_restore_refuses_a_tampered_schema_cql_before_running_anything(self):
        # The attack: whoever can write the data directories adds statements to a table's schema.cql
        # before a backup reads it. Here an offline backup of a stopped node whose schema.cql we wrote.
        node = StoppedNode(os.path.join(self.work, "stopped"))
        table_dir = os.path.join(node.data, "legacy_tables", "legacy_nb_simple")
        with open(os.path.join(table_dir, "schema.cql"), "w") as f:
            f.write("DROP KEYSPACE cv_victim;\n"
                    "CREATE ROLE IF NOT EXISTS cv_evil WITH SUPERUSER = true AND LOGIN = true;\n"
                    "CREATE TABLE IF NOT EXISTS legacy_tables.legacy_nb_simple (\n"
                    "    pk text PRIMARY KEY,\n    val text\n);\n")
        node.vault.run("init")
        backup_id = node.vault.json("backup", "--offline", "--tag", "tampered")["backup_id"]

        cql("CREATE KEYSPACE IF NOT EXISTS cv_victim WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        cql("CREATE KEYSPACE IF NOT EXISTS legacy_tables WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        v = self.rig_vault([self.env["nodetool"], "-h", self.env["jmx_host"], "-p", str(self.env["jmx_port"])],
                           url="file://" + node.vault.vault_dir)
        proc = v.run("restore", "--backup", backup_id, "--mode", "live", "--keyspace", "legacy_tables.legacy_nb_simple",
                     check=False)
        self.assertEqual(proc.returncode, 5, proc.stderr)
        self.assertIn("schema.cql of legacy_tables.legacy_nb_simple: holds a statement a live restore does not run: "
                      "`DROP KEYSPACE cv_victim;`", proc.stderr)
        self.assertIn("Nothing was executed", proc.stderr)
        # Nothing ran: the victim keyspace is there, no role was made, the table was not created.
        self.assertEqual(len(cql("SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = 'cv_victim'")), 1)
        self.assertEqual(cql("SELECT role FROM system_auth.roles WHERE role = 'cv_evil'"), [])
        self.assertEqual(cql("SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'legacy_tables'"), [])


if __name__ == "__main__":
    unittest.main()
