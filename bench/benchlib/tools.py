"""The tools under test, each behind the same small interface: prepare (untimed: init a fresh
repository), then command lines for backup, full restore and one-table restore.

Every tool gets its own fresh repository and cache per repetition, inside the repetition's work dir,
so nothing carries over between repetitions or leaks into ~/.cache. Passwords come from the
environment (RESTIC_PASSWORD, BORG_PASSPHRASE, CASSVAULT_PASSPHRASE), as their docs recommend.
"""

import json
import os

from .common import cassvault_binary, run, write_file

PASSPHRASE = "bench-passphrase-not-secret"


class Tool:
    name = "?"
    incremental = True     # takes part in scenarios 2-4 (a second backup into the same repository)

    def __init__(self, rep_dir, node):
        self.dir = os.path.join(rep_dir, self.name)
        self.node = node                     # benchlib.runner.Node: data dir, yaml
        os.makedirs(self.dir, exist_ok=True)
        self.env = dict(os.environ)
        self.last_tag = None

    def prepare(self):
        pass

    def backup(self, tag):
        """(cmd, cwd) of a backup named tag."""
        raise NotImplementedError

    def restore(self, dest):
        raise NotImplementedError

    def restore_table(self, dest, table_dir):
        """table_dir: '<ks>/<table>-<id>' relative to the data dir."""
        raise NotImplementedError

    def stored_path(self):
        raise NotImplementedError

    def backup_details(self, stdout_path):
        """Anything the tool reports about a backup worth keeping (cassvault: bytes/files read)."""
        return {}

    def restore_details(self, stdout_path):
        """Anything the tool reports about a restore worth keeping (cassvault: its CPU time by stage)."""
        return {}


class CassVault(Tool):
    name = "cassvault"

    def __init__(self, rep_dir, node, key_file=None):
        super().__init__(rep_dir, node)
        self.bin = cassvault_binary()
        self.config = os.path.join(self.dir, "cassvault.yaml")
        vault = "{url: 'file://%s/vault'%s}" % (self.dir, ", key_file: '%s'" % key_file if key_file else "")
        # JMX port 1: a stopped node, even while the test rig's node runs on this machine.
        write_file(self.config, "vault: %s\nnode: {cassandra_yaml: '%s', nodetool: ['/bin/false', '-p', '1']}\n"
                   "cache_dir: '%s/cache'\n" % (vault, node.yaml, self.dir))
        self.env["CASSVAULT_PASSPHRASE"] = PASSPHRASE

    def prepare(self):
        run([self.bin, "--config", self.config, "init"], "cassvault init", env=self.env)

    def backup(self, tag):
        self.last_tag = tag
        return [self.bin, "--config", self.config, "--json", "backup", "--offline", "--tag", tag], None

    def restore(self, dest):
        # --json: the report on stdout (bench/run keeps its "cpu" stages); nothing else changes.
        return [self.bin, "--config", self.config, "--json", "restore", "--backup", self.last_tag, "--target-dir",
                dest], None

    def restore_table(self, dest, table_dir):
        ks = table_dir.split("/")[0]
        table = table_dir.split("/")[1].rsplit("-", 1)[0]
        return [self.bin, "--config", self.config, "restore", "--backup", self.last_tag,
                "--keyspace", "%s.%s" % (ks, table), "--target-dir", dest], None

    def stored_path(self):
        return os.path.join(self.dir, "vault")

    def backup_details(self, stdout_path):
        try:
            with open(stdout_path) as f:
                doc = json.loads(f.read())
        except (OSError, ValueError):
            return {}
        out = {k: doc.get(k) for k in ("files_read", "bytes_read", "cache_hits", "new_files", "new_bytes",
                                        "stored_bytes", "files", "bytes", "seconds")}
        out["cpu_report"] = doc.get("cpu")  # its CPU time by stage ("cpu" is GNU time's figure)
        return out

    def restore_details(self, stdout_path):
        try:
            with open(stdout_path) as f:
                doc = json.loads(f.read())
        except (OSError, ValueError):
            return {}
        return {"bytes_written": doc.get("bytes_written"), "seconds": doc.get("seconds"), "cpu_report": doc.get("cpu")}


class CassVaultWriteOnly(CassVault):
    """Format 2's write-only mode: `init --write-only` makes a writer key file; backups run with it (a node's
    view: it seals each backup's content key to the reader's public key), restores with the admin passphrase."""
    name = "cassvault-wo"

    def __init__(self, rep_dir, node):
        super().__init__(rep_dir, node)
        self.writer_key = os.path.join(self.dir, "writer.key")
        self.writer_config = os.path.join(self.dir, "cassvault-writer.yaml")
        with open(self.config) as f:
            text = f.read()
        write_file(self.writer_config, text.replace("url: 'file://%s/vault'" % self.dir,
                                                    "url: 'file://%s/vault', key_file: '%s'" % (self.dir, self.writer_key)))

    def prepare(self):
        run([self.bin, "--config", self.config, "init", "--write-only", self.writer_key], "cassvault init --write-only",
            env=self.env)

    def backup(self, tag):
        self.last_tag = tag
        return [self.bin, "--config", self.writer_config, "--json", "backup", "--offline", "--tag", tag], None


class Restic(Tool):
    name = "restic"

    def __init__(self, rep_dir, node):
        super().__init__(rep_dir, node)
        self.repo = os.path.join(self.dir, "repo")
        self.env.update(RESTIC_PASSWORD=PASSPHRASE, RESTIC_CACHE_DIR=os.path.join(self.dir, "cache"))

    def prepare(self):
        run(["restic", "-r", self.repo, "init"], "restic init", env=self.env)

    def backup(self, tag):
        self.last_tag = tag
        # Defaults on purpose: compression "auto" (zstd), AES-256-CTR + Poly1305, parent snapshot by path.
        return ["restic", "-r", self.repo, "backup", "--tag", tag, self.node.data], None

    def restore(self, dest):
        return ["restic", "-r", self.repo, "restore", "latest", "--target", dest], None

    def restore_table(self, dest, table_dir):
        return ["restic", "-r", self.repo, "restore", "latest", "--target", dest,
                "--include", os.path.join(self.node.data, table_dir)], None

    def stored_path(self):
        return self.repo


class Borg(Tool):
    name = "borg"

    def __init__(self, rep_dir, node):
        super().__init__(rep_dir, node)
        self.repo = os.path.join(self.dir, "repo")
        self.env.update(BORG_PASSPHRASE=PASSPHRASE, BORG_BASE_DIR=os.path.join(self.dir, "base"),
                        BORG_RELOCATED_REPO_ACCESS_IS_OK="yes", BORG_DISPLAY_PASSPHRASE="no")

    def prepare(self):
        run(["borg", "init", "--encryption", "repokey", self.repo], "borg init", env=self.env)

    def backup(self, tag):
        self.last_tag = tag
        # Defaults on purpose: lz4, repokey (AES-CTR + HMAC-SHA256), buzhash chunker. Run from the data
        # dir's parent so the archive holds "data/..." paths.
        return ["borg", "create", "%s::%s" % (self.repo, tag), os.path.basename(self.node.data)], self.node.root

    def restore(self, dest):
        os.makedirs(dest, exist_ok=True)
        return ["borg", "extract", "%s::%s" % (self.repo, self.last_tag)], dest

    def restore_table(self, dest, table_dir):
        os.makedirs(dest, exist_ok=True)
        return ["borg", "extract", "%s::%s" % (self.repo, self.last_tag),
                os.path.join(os.path.basename(self.node.data), table_dir)], dest

    def stored_path(self):
        return self.repo


class Copy(Tool):
    """`cp -a` of the same directory: the floor (no hashing, no encryption, no dedup)."""
    name = "cp"
    incremental = False

    def __init__(self, rep_dir, node):
        super().__init__(rep_dir, node)
        self.copy = os.path.join(self.dir, "copy")

    def backup(self, tag):
        self.last_tag = tag
        return ["cp", "-a", self.node.data, self.copy], None

    def restore(self, dest):
        return ["cp", "-a", self.copy, dest], None

    def restore_table(self, dest, table_dir):
        os.makedirs(dest, exist_ok=True)
        return ["cp", "-a", os.path.join(self.copy, table_dir), dest], None

    def stored_path(self):
        return self.copy


class Floor(Tool):
    """The machine's floor (issue 10): a cold read of the data and a durable write of the same bytes on the
    filesystem the vaults are on: `cp -r --reflink=never` (a reflink copy would write nothing), then `sync`,
    timed as one process. The restore floor is the same from its copy."""
    name = "floor"
    incremental = False
    SCRIPT = 'cp -r --reflink=never -- "$1" "$2" && sync'

    def __init__(self, rep_dir, node):
        super().__init__(rep_dir, node)
        self.copy = os.path.join(self.dir, "copy")

    def _copy(self, src, dst):
        return ["sh", "-c", self.SCRIPT, "floor", src, dst]

    def backup(self, tag):
        self.last_tag = tag
        return self._copy(self.node.data, self.copy), None

    def restore(self, dest):
        return self._copy(self.copy, dest), None

    def restore_table(self, dest, table_dir):
        os.makedirs(dest, exist_ok=True)
        return self._copy(os.path.join(self.copy, table_dir), dest), None

    def stored_path(self):
        return self.copy


ALL = [CassVault, CassVaultWriteOnly, Restic, Borg, Copy, Floor]
