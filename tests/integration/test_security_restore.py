#!/usr/bin/python3
"""The filesystem attacks of the security review (H1, L2, L4, L5) on a root-run restore and backup,
performed as the review did: the data directories belong to uid 4242 (standing in for the Cassandra
account), and that uid plants symlinks and directories with `setpriv`; cassvault runs as root. Each test
asserts the exit code and the message naming the path, and that the victim files and directories kept
their owner, mode and bytes, and that nothing was written outside. A stopped node made of the legacy `nb`
fixture SSTables is enough: no Cassandra process is needed.

LiveStagingTest does the same to a live restore against a running Cassandra 5.0 node (scripts/rig): the
Cassandra account attacks the directory `nodetool import` reads from, before and during the import.
"""

import ctypes
import filecmp
import json
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cvtest import Vault, all_files  # noqa: E402
from rigtest import ROOT, close_sessions, cql, nodetool, rig, rig_env  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(ROOT), "shared", "fixtures", "legacy-sstables")
ATTACKER = 4242


def as_attacker(*cmd):
    subprocess.run(["setpriv", "--reuid=%d" % ATTACKER, "--regid=%d" % ATTACKER, "--clear-groups"] + list(cmd),
                   check=True)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def snapshot(root):
    """Every entry under root (root included): owner, mode, and bytes or link target, not following links."""
    out = {}
    for base, dirs, files in os.walk(root):
        for name in [""] + dirs + files:
            p = os.path.join(base, name) if name else base
            if name == "" and base != root:
                continue
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                content = "-> " + os.readlink(p)
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    content = f.read()
            else:
                content = None
            out[os.path.relpath(p, root)] = (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode), content)
    return out


@unittest.skipUnless(os.geteuid() == 0, "the attacks need root (cassvault) and uid 4242 (the attacker)")
def make_victim(work):
    """Root's files the attacker wants: a directory (H1 experiment 1) and a root-only file (experiment 2)."""
    victim = os.path.join(work, "victim")
    os.makedirs(victim)
    os.chmod(victim, 0o755)
    with open(os.path.join(victim, "important.conf"), "w") as f:
        f.write("root config\n")
    with open(os.path.join(victim, "shadow"), "w") as f:
        f.write("root:secret-hash:19000::::::\n")
    os.chmod(os.path.join(victim, "shadow"), 0o600)
    return victim


class SecurityRestoreTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="cv-sec-")
        os.chmod(self.work, 0o755)  # the attacker must reach the data dir, as on a real node
        self.vault, self.data = Vault.for_stopped_node(self.work)
        self.vault.run("init")
        shutil.copytree(os.path.join(FIXTURES, "nb", "legacy_tables"), os.path.join(self.data, "legacy_tables"))
        for base, _, files in os.walk(self.data):
            for f in files:
                os.chmod(os.path.join(base, f), 0o644)
        # One component carries setuid/setgid bits into the backup: a restore must never give them back.
        self.suid_rel = "legacy_tables/legacy_nb_simple/nb-1-big-TOC.txt"
        os.chmod(os.path.join(self.data, self.suid_rel), 0o6755)
        self.expected = {rel: read(os.path.join(self.data, rel)) for rel in all_files(self.data)}
        self.backup_id = self.vault.json("backup", "--offline", "--tag", "t1")["backup_id"]
        # The node lost its tables; the data dir belongs to the Cassandra account.
        shutil.rmtree(os.path.join(self.data, "legacy_tables"))
        os.chown(self.data, ATTACKER, ATTACKER)
        # Root's files the attacker wants: a directory (H1 experiment 1) and a root-only file (experiment 2).
        self.victim = make_victim(self.work)
        self.victim_before = snapshot(self.victim)

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def restore(self, *extra):
        return self.vault.run("restore", "--backup", "t1", *extra, check=False)

    def assert_refused(self, proc, path, words):
        self.assertEqual(proc.returncode, 6, proc.stdout + proc.stderr)
        self.assertIn(path, proc.stderr)
        self.assertIn(words, proc.stderr)

    def assert_victim_untouched(self):
        self.assertEqual(snapshot(self.victim), self.victim_before)

    def assert_restored_offline(self):
        """Every file back with its bytes, owned by the data dir's owner, mode & 0777, and no staging left."""
        for rel, data in self.expected.items():
            p = os.path.join(self.data, rel)
            st = os.lstat(p)
            self.assertTrue(stat.S_ISREG(st.st_mode), rel)
            self.assertEqual((st.st_uid, st.st_gid), (ATTACKER, ATTACKER), rel)
            self.assertEqual(read(p), data, rel)
        mode = stat.S_IMODE(os.lstat(os.path.join(self.data, self.suid_rel)).st_mode)
        self.assertEqual(mode, 0o755)  # 06755 in the backup: setuid/setgid dropped
        self.assertFalse(os.path.exists(os.path.join(self.data, ".cassvault-restore")))

    # --- H1 -----------------------------------------------------------------------------------------

    def test_symlinked_keyspace_dir_is_refused(self):
        """Experiment 1: <data>/legacy_tables -> a root-owned directory. Before: the directory was chowned
        to 4242 and SSTables written into it, rc 0."""
        link = os.path.join(self.data, "legacy_tables")
        as_attacker("ln", "-s", self.victim, link)
        proc = self.restore("--mode", "offline")
        self.assert_refused(proc, link, "is a symbolic link")
        self.assert_victim_untouched()
        self.assertEqual(sorted(os.listdir(self.data)), ["legacy_tables"])  # no staging left behind
        # Once the link is gone the same restore works.
        os.remove(link)
        self.assertEqual(self.vault.json("restore", "--backup", "t1")["files_written"], len(self.expected))
        self.assert_restored_offline()
        self.assert_victim_untouched()

    def test_symlinked_table_dir_is_refused(self):
        ks = os.path.join(self.data, "legacy_tables")
        as_attacker("mkdir", ks)
        link = os.path.join(ks, "legacy_nb_clust")
        as_attacker("ln", "-s", self.victim, link)
        proc = self.restore()
        self.assert_refused(proc, link, "is a symbolic link")
        self.assert_victim_untouched()

    def test_planted_staging_symlink_for_a_known_backup_id_is_refused(self):
        """Experiment 2: the attacker pre-creates the staging path of the backup id with a symlink to a
        root-only file where a staged TOC would go. Before: the file was overwritten, made 0444 and
        chowned to 4242, rc 0."""
        tmp = os.path.join(self.data, ".cassvault-restore", self.backup_id, "tmp", "legacy_tables",
                           "legacy_nb_simple")
        as_attacker("mkdir", "-p", tmp)
        for name in ("nb-1-big-TOC.txt", "nb-1-big-Data.db"):
            as_attacker("ln", "-s", os.path.join(self.victim, "shadow"), os.path.join(tmp, name))
        proc = self.restore("--mode", "offline")
        self.assert_refused(proc, os.path.join(self.data, ".cassvault-restore"), "belongs to someone else (uid 4242")
        self.assert_victim_untouched()
        self.assertFalse(os.path.exists(os.path.join(self.data, "legacy_tables")))  # nothing written

    def test_attacker_owned_empty_staging_root_is_refused(self):
        """The attacker does not know the backup id but pre-creates `.cassvault-restore` (a fixed name) to
        swap the run's directory inside it later."""
        staging = os.path.join(self.data, ".cassvault-restore")
        as_attacker("mkdir", "-m", "0777", staging)
        before = snapshot(staging)
        proc = self.restore()
        self.assert_refused(proc, staging, "belongs to someone else")
        self.assertEqual(snapshot(staging), before)
        self.assertFalse(os.path.exists(os.path.join(self.data, "legacy_tables")))
        # The message says what to do: remove it and run again.
        self.assertIn("remove it, and run again", proc.stderr)
        shutil.rmtree(staging)
        self.vault.json("restore", "--backup", "t1")
        self.assert_restored_offline()

    def test_planted_destination_symlinks_are_never_written_through(self):
        """Symlinks where restored files would go (table dir owned by 4242), pointing at a root-only file:
        the restore treats them as someone else's generation and writes its files under the next free
        generation; the root file keeps its bytes, owner and mode."""
        table = os.path.join(self.data, "legacy_tables", "legacy_nb_simple")
        as_attacker("mkdir", "-p", table)
        for name in ("nb-1-big-TOC.txt", "nb-1-big-Digest.crc32", "nb-1-big-Data.db"):
            as_attacker("ln", "-s", os.path.join(self.victim, "shadow"), os.path.join(table, name))
        self.vault.json("restore", "--backup", "t1")
        self.assert_victim_untouched()
        for rel, data in self.expected.items():
            if "/legacy_nb_simple/" in rel:
                rel = rel.replace("nb-1-big-", "nb-2-big-")
            p = os.path.join(self.data, rel)
            st = os.lstat(p)
            self.assertTrue(stat.S_ISREG(st.st_mode), rel)
            self.assertEqual(st.st_uid, ATTACKER, rel)
            self.assertEqual(read(p), data, rel)
        for name in ("nb-1-big-TOC.txt", "nb-1-big-Digest.crc32", "nb-1-big-Data.db"):
            self.assertTrue(os.path.islink(os.path.join(table, name)))

    def test_restored_dirs_and_modes(self):
        """Table dirs made by the restore belong to the data dir's owner (0750); an existing keyspace dir
        keeps its owner and mode (only what this run created is chowned)."""
        ks = os.path.join(self.data, "legacy_tables")
        os.mkdir(ks, 0o755)  # root-owned, made by the operator
        self.vault.json("restore", "--backup", "t1")
        st = os.lstat(ks)
        self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode)), (0, 0o755))
        t = os.lstat(os.path.join(ks, "legacy_nb_clust"))
        self.assertEqual((t.st_uid, t.st_gid, stat.S_IMODE(t.st_mode)), (ATTACKER, ATTACKER, 0o750))

    # --- --target-dir (H1, L4) -----------------------------------------------------------------------

    def test_target_dir_with_attacker_symlink_is_refused(self):
        """A target dir another user can write (here owned by 4242) with a planted keyspace symlink."""
        out = os.path.join(self.work, "shared-out")
        os.mkdir(out)
        os.chown(out, ATTACKER, ATTACKER)
        link = os.path.join(out, "legacy_tables")
        as_attacker("ln", "-s", self.victim, link)
        proc = self.restore("--target-dir", out)
        self.assert_refused(proc, link, "is a symbolic link")
        self.assert_victim_untouched()
        self.assertEqual(sorted(os.listdir(out)), ["legacy_tables"])

    def test_target_dir_output_is_private(self):
        """L4: directories the restore creates under --target-dir are 0700 and no file keeps setuid/setgid.
        Before: 0755 directories, modes as backed up."""
        out = os.path.join(self.work, "new", "out")
        # A run killed two days ago left its staging dir behind: this run removes it.
        stale = os.path.join(out, ".cassvault-restore", "20000101T000000Z-00000000.killed")
        os.makedirs(os.path.join(stale, "import"), mode=0o700)
        for d in (os.path.join(self.work, "new"), out):
            os.chmod(d, 0o700)
        os.chmod(os.path.dirname(stale), 0o711)
        os.utime(stale, (0, 0))
        r = self.vault.json("restore", "--backup", "t1", "--target-dir", out)
        self.assertEqual(r["files_written"], len(self.expected))
        for base, dirs, files in os.walk(os.path.join(self.work, "new")):
            self.assertEqual(stat.S_IMODE(os.lstat(base).st_mode), 0o700, base)
            for f in files:
                mode = stat.S_IMODE(os.lstat(os.path.join(base, f)).st_mode)
                self.assertEqual(mode & 0o7000, 0, f)
        self.assertEqual(stat.S_IMODE(os.lstat(os.path.join(out, self.suid_rel)).st_mode), 0o755)
        for rel, data in self.expected.items():
            self.assertEqual(read(os.path.join(out, rel)), data, rel)
        self.assertFalse(os.path.exists(os.path.join(out, ".cassvault-restore")))

    # --- L2 -------------------------------------------------------------------------------------------

    def mount_tmpfs(self, size):
        mnt = os.path.join(self.work, "small-%s" % size)
        os.mkdir(mnt)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % size, "tmpfs", mnt], check=True)
        self.addCleanup(subprocess.run, ["umount", "-l", mnt])
        return mnt

    def test_resumed_restore_on_a_nearly_full_disk(self):
        """The review's experiment: a 600 KiB tmpfs, restore, then the same restore again. Before: the second
        run was refused (rc 8 'needs 173859 bytes but 143360 are free')."""
        out = os.path.join(self.mount_tmpfs("600k"), "r")
        first = self.vault.json("restore", "--backup", "t1", "--target-dir", out)
        self.assertEqual(first["files_written"], len(self.expected))
        again = self.vault.json("restore", "--backup", "t1", "--target-dir", out)
        self.assertEqual((again["files_written"], again["files_already_present"]), (0, len(self.expected)))
        # An interrupted restore (some files missing, one damaged) resumes and repairs only those.
        gone = [rel for rel in sorted(self.expected) if rel.endswith("Index.db")]
        for rel in gone:
            os.remove(os.path.join(out, rel))
        damaged = os.path.join(out, "legacy_tables", "legacy_nb_simple", "nb-1-big-Filter.db")
        with open(damaged, "r+b") as f:
            f.write(b"\xff")
        third = self.vault.json("restore", "--backup", "t1", "--target-dir", out)
        self.assertEqual(third["files_written"], len(gone) + 1)
        for rel, data in self.expected.items():
            self.assertEqual(read(os.path.join(out, rel)), data, rel)

    def test_too_small_disk_is_refused_before_writing(self):
        mnt = self.mount_tmpfs("200k")
        out = os.path.join(mnt, "r")
        proc = self.restore("--target-dir", out)
        self.assertEqual(proc.returncode, 8, proc.stderr)
        self.assertIn("are free; free space or restore fewer tables. Nothing was changed", proc.stderr)
        self.assertEqual(os.listdir(mnt), [])


# Runs as the attacker: waits until the backup opens its first SSTable component (the scan is over: it
# only lstat's files), then swaps a component the backup reads last for a symlink to a root-only file.
SWAPPER = r"""
import ctypes, os, struct, sys
watch_dir, target, secret = sys.argv[1:4]
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(0)
IN_OPEN, IN_ISDIR = 0x20, 0x40000000
libc.inotify_add_watch(fd, watch_dir.encode(), IN_OPEN)
print("ready", flush=True)
while True:
    buf = os.read(fd, 4096)
    off, hit = 0, False
    while off < len(buf):
        wd, mask, cookie, n = struct.unpack_from("iIII", buf, off)
        off += 16 + n
        hit = hit or (n > 0 and not mask & IN_ISDIR)
    if hit:
        break
os.symlink(secret, target + ".swap")
os.rename(target + ".swap", target)
print("swapped", flush=True)
"""


@unittest.skipUnless(os.geteuid() == 0, "the attack needs root (cassvault) and uid 4242 (the attacker)")
class SecurityBackupTest(unittest.TestCase):
    """L5: the Cassandra account swaps a listed component for a symlink to a root-only file between the
    scan and the read. Before: root read the file through the link and stored it in the vault, and a
    restore handed it back owned by the Cassandra account."""

    VERSIONS = ["ma", "mb", "mc", "md", "me", "na", "nb", "nc", "oa", "da"]

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="cv-secb-")
        os.chmod(self.work, 0o755)
        self.vault, self.data = Vault.for_stopped_node(self.work)
        self.vault.run("init")
        for v in self.VERSIONS:  # ~300 files: the read phase lasts long enough for the swap to land
            shutil.copytree(os.path.join(FIXTURES, v, "legacy_tables"), os.path.join(self.data, "legacy_tables"),
                            dirs_exist_ok=True)
        for base, dirs, files in os.walk(self.data):
            os.chown(base, ATTACKER, ATTACKER)
            os.chmod(base, 0o755)
            for f in files:
                os.chmod(os.path.join(base, f), 0o644)
                os.chown(os.path.join(base, f), ATTACKER, ATTACKER)
        self.secret = os.path.join(self.work, "root-secret")
        with open(self.secret, "w") as f:
            # Longer than the component: the old code read its listed size through the link and stored it.
            f.write("ROOT ONLY: must never reach the vault\n" * 200)
        os.chmod(self.secret, 0o600)

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def test_component_swapped_for_a_symlink_is_refused(self):
        ks = os.path.join(self.data, "legacy_tables")
        tables = sorted(os.listdir(ks))
        first, last = os.path.join(ks, tables[0]), os.path.join(ks, tables[-1])
        victim = os.path.join(last, sorted(os.listdir(last))[-1])
        original = read(victim)
        refused = 0
        for attempt in range(5):
            if os.path.islink(victim):
                os.remove(victim)
                with open(victim, "wb") as f:
                    f.write(original)
                os.chown(victim, ATTACKER, ATTACKER)
            swapper = subprocess.Popen(
                ["setpriv", "--reuid=%d" % ATTACKER, "--regid=%d" % ATTACKER, "--clear-groups", sys.executable,
                 "-c", SWAPPER, first, victim, self.secret], stdout=subprocess.PIPE, text=True)
            self.assertEqual(swapper.stdout.readline().strip(), "ready")
            proc = self.vault.run("backup", "--offline", "--tag", "a%d" % attempt, check=False)
            swapper.wait(timeout=60)
            self.assertTrue(os.path.islink(victim))  # the swap happened, during this backup
            if proc.returncode == 0:
                continue  # the swap landed after the file was read: the original was stored
            self.assertEqual(proc.returncode, 7, proc.stderr)
            self.assertIn(victim + ": became a symbolic link after the scan", proc.stderr)
            refused += 1
        print("refused %d of 5 attempts" % refused, file=sys.stderr)
        self.assertGreater(refused, 0, "the swap never landed between the scan and the read")
        # Whatever got committed holds the original component, never the root-only file.
        for rec in self.vault.json("list"):
            out = os.path.join(self.work, "out-" + rec["backup_id"])
            self.vault.run("restore", "--backup", rec["backup_id"], "--target-dir", out)
            self.assertEqual(read(os.path.join(out, os.path.relpath(victim, self.data))), original)
        self.assertEqual(stat.S_IMODE(os.stat(self.secret).st_mode), 0o600)

# Runs as the attacker (the Cassandra account): watches every process's argv (/proc/PID/cmdline, which
# any user may read) for the `nodetool import KS TABLE DIR` of a live restore, which names this run's
# import dir, then attacks it through the data dir it owns (seen at VIEW: the node's data dir is below
# root's home here, which uid 4242 cannot traverse, so the test bind-mounts it where it can).
#   plant:    links to root's files and a directory of links in the table's import dir (the Cassandra
#             account owns that one: the node must move the files out of it), and tries to write into
#             the run dir and the keyspace level, which must stay root's.
#   redirect: renames the staging root away and puts its own, empty tree at the same path, so that the
#             node imports from the attacker's directory instead of the files cassvault checked.
IMPORT_WATCHER = r"""
import json, os, sys, time
data, view, victim, action = sys.argv[1:5]
prefix = data + "/.cassvault-restore/"
print("ready", flush=True)
found, deadline = None, time.time() + 300
while found is None and time.time() < deadline:
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                args = f.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        if "import" in args:
            found = next((a for a in args if a.startswith(prefix)), None)
            if found:
                break
    time.sleep(0.005)
out = {"import_dir": found}
if found:
    table = view + found[len(data):]
    ks_dir, run_dir = os.path.dirname(table), os.path.dirname(os.path.dirname(os.path.dirname(table)))
    def attempt(name, fn):
        try:
            fn()
            out[name] = "done"
        except OSError as e:
            out[name] = e.strerror
    if action == "plant":
        attempt("link", lambda: os.symlink(os.path.join(victim, "shadow"), os.path.join(table, "planted-link")))
        attempt("dir", lambda: os.mkdir(os.path.join(table, "planted-dir")))
        attempt("dir_link", lambda: os.symlink(victim, os.path.join(table, "planted-dir", "to-victim")))
        attempt("run_dir_write", lambda: open(os.path.join(run_dir, "evil"), "w").close())
        attempt("ks_dir_write", lambda: os.symlink(victim, os.path.join(ks_dir, "evil")))
        attempt("table_dir_rename", lambda: os.rename(table, table + ".moved"))
    else:
        staging = os.path.join(view, ".cassvault-restore")
        attempt("rename_staging_root", lambda: os.rename(staging, os.path.join(view, ".stolen")))
        attempt("own_tree", lambda: os.makedirs(table))
print(json.dumps(out), flush=True)
"""


@unittest.skipUnless(os.geteuid() == 0, "the attacks need root (cassvault) and uid 4242 (the attacker)")
class LiveStagingTest(unittest.TestCase):
    """H1 for `restore --mode live` against a running Cassandra 5.0 node: the files are staged below the
    node's first data dir, in `.cassvault-restore/<backup id>.XXXXXXXX/import/<ks>/<table>`, and handed to
    `nodetool import`. The data dir belongs to uid 4242 (the Cassandra account), which attacks that path
    before and during the restore. Each test asserts the exit code and message, that root's victim files
    kept their bytes, owner and mode, and what the node holds afterwards (rows read back through CQL)."""

    KS = "cv_sec_live"

    @classmethod
    def setUpClass(cls):
        rig("down")
        rig("up", "--nodes", 1)
        cls.data = rig_env(1)["data_dirs"][0]
        cql("CREATE KEYSPACE %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}" % cls.KS)
        cql("CREATE TABLE %s.t (id int PRIMARY KEY, v text)" % cls.KS)
        for i in range(200):
            cql("INSERT INTO %s.t (id, v) VALUES (%%s, %%s)" % cls.KS, params=[i, "row %d" % i])
        cls.backed_up = cls.rows()
        cls.work = tempfile.mkdtemp(prefix="cv-sec-live-")
        os.chmod(cls.work, 0o755)
        cls.vault = Vault.for_rig_node(1, workdir=os.path.join(cls.work, "cv"))
        cls.vault.run("init")
        cls.vault.run("backup", "--tag", "live1", "--keyspace", cls.KS)
        # The node's data dir belongs to the Cassandra account from here on (the rig's node runs as root,
        # so it keeps working); the attacker reaches it at cls.view.
        st = os.lstat(cls.data)
        cls.data_owner = (st.st_uid, st.st_gid)
        os.chown(cls.data, ATTACKER, ATTACKER)
        cls.view = os.path.join(cls.work, "node-data")
        os.mkdir(cls.view)
        subprocess.run(["mount", "--bind", cls.data, cls.view], check=True)

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["umount", cls.view])
        os.chown(cls.data, *cls.data_owner)
        close_sessions()
        rig("down")
        shutil.rmtree(cls.work, ignore_errors=True)

    @classmethod
    def rows(cls):
        return sorted((r.id, r.v) for r in cql("SELECT id, v FROM %s.t" % cls.KS))

    def setUp(self):
        shutil.rmtree(os.path.join(self.work, "victim"), ignore_errors=True)
        self.victim = make_victim(self.work)
        self.victim_before = snapshot(self.victim)
        # The node lost the table's rows; three rows written since then are not in the backup.
        cql("TRUNCATE %s.t" % self.KS)
        for i in range(1000, 1003):
            cql("INSERT INTO %s.t (id, v) VALUES (%%s, %%s)" % self.KS, params=[i, "new %d" % i])
        self.newer = self.rows()
        self.assertEqual(len(self.newer), 3)

    def tearDown(self):
        for name in (".cassvault-restore", ".stolen"):
            p = os.path.join(self.data, name)
            if os.path.islink(p) or os.path.isfile(p):
                os.remove(p)
            else:
                shutil.rmtree(p, ignore_errors=True)

    def restore(self):
        return self.vault.run("restore", "--backup", "live1", "--mode", "live", "--keyspace", self.KS, check=False)

    def assert_victim_untouched(self):
        self.assertEqual(snapshot(self.victim), self.victim_before)

    def assert_imported(self, proc):
        """rc 0, every backed-up row back next to the newer ones, and no staging left in the data dir."""
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.rows(), sorted(self.backed_up + self.newer))
        self.assertFalse(os.path.lexists(os.path.join(self.data, ".cassvault-restore")))

    def run_with_watcher(self, action):
        """Runs the live restore while IMPORT_WATCHER attacks its import dir; returns (proc, attacker report)."""
        watcher = subprocess.Popen(
            ["setpriv", "--reuid=%d" % ATTACKER, "--regid=%d" % ATTACKER, "--clear-groups", sys.executable, "-c",
             IMPORT_WATCHER, self.data, self.view, self.victim, action], stdout=subprocess.PIPE, text=True)
        self.addCleanup(lambda: watcher.poll() is None and watcher.kill())
        self.assertEqual(watcher.stdout.readline().strip(), "ready")
        proc = self.restore()
        report = json.loads(watcher.stdout.readline())
        watcher.wait(timeout=60)
        watcher.stdout.close()
        return proc, report

    def test_normal_live_restore_imports(self):
        self.assert_imported(self.restore())
        self.assert_victim_untouched()

    def test_attacker_owned_staging_root_is_refused(self):
        """The attacker pre-creates `.cassvault-restore` (a fixed name) as its own world-writable directory,
        to swap the run's directory inside it later."""
        staging = os.path.join(self.view, ".cassvault-restore")
        as_attacker("mkdir", "-m", "0777", staging)
        before = snapshot(staging)
        proc = self.restore()
        self.assertEqual(proc.returncode, 6, proc.stderr)
        self.assertIn(os.path.join(self.data, ".cassvault-restore") + ": belongs to someone else (uid 4242",
                      proc.stderr)
        self.assertIn("remove it, and run again", proc.stderr)
        self.assertEqual(snapshot(staging), before)
        self.assertEqual(self.rows(), self.newer)  # nothing imported
        # Once it is gone the same restore imports.
        shutil.rmtree(staging)
        self.assert_imported(self.restore())

    def test_symlinked_staging_root_is_refused(self):
        """`.cassvault-restore` -> a root-owned 0755 directory: it would pass the owner check if followed,
        and the run's directories (chowned to 4242 below `import/`) would be made in root's directory."""
        link = os.path.join(self.view, ".cassvault-restore")
        as_attacker("ln", "-s", self.victim, link)
        proc = self.restore()
        self.assertEqual(proc.returncode, 6, proc.stderr)
        self.assertIn(os.path.join(self.data, ".cassvault-restore") + ": is a symbolic link", proc.stderr)
        self.assert_victim_untouched()
        self.assertEqual(self.rows(), self.newer)
        self.assertEqual(os.readlink(os.path.join(self.data, ".cassvault-restore")), self.victim)

    def test_links_planted_in_the_import_dir_during_the_import_are_not_followed(self):
        """The attacker learns the import dir from nodetool's argv and plants links to root's files and a
        directory of links in it while the node imports; the run dir and the keyspace level stay root's
        (0711), so nothing can be put there. The cleanup removes the planted links, never their targets."""
        proc, attack = self.run_with_watcher("plant")
        self.assertTrue(attack["import_dir"], attack)
        self.assertEqual((attack["link"], attack["dir"], attack["dir_link"]), ("done", "done", "done"), attack)
        self.assertEqual(attack["run_dir_write"], "Permission denied", attack)
        self.assertEqual(attack["ks_dir_write"], "Permission denied", attack)
        self.assertEqual(attack["table_dir_rename"], "Permission denied", attack)
        self.assert_imported(proc)
        self.assert_victim_untouched()

    def test_a_stale_run_with_planted_links_is_removed_without_following_them(self):
        """A live restore killed two days ago left its run dir; the attacker filled the table's import dir
        (its own) with links to root's directory and file. The next restore removes the stale run through
        directory fds: the links go, root's files stay."""
        staging = os.path.join(self.data, ".cassvault-restore")
        table = os.path.join(staging, "20000101T000000Z-00000000.killed", "import", self.KS, "t")
        os.makedirs(os.path.dirname(table), mode=0o711)
        os.mkdir(table, 0o700)
        os.chown(table, ATTACKER, ATTACKER)
        for d in (staging, os.path.dirname(os.path.dirname(table)), os.path.dirname(table)):
            os.chmod(d, 0o711)
        seen = os.path.join(self.view, os.path.relpath(table, self.data))
        as_attacker("ln", "-s", self.victim, os.path.join(seen, "to-victim-dir"))
        as_attacker("ln", "-s", os.path.join(self.victim, "shadow"), os.path.join(seen, "nb-1-big-Data.db"))
        as_attacker("mkdir", os.path.join(seen, "sub"))
        as_attacker("ln", "-s", self.victim, os.path.join(seen, "sub", "deeper"))
        os.utime(os.path.dirname(os.path.dirname(os.path.dirname(table))), (0, 0))
        self.assert_imported(self.restore())
        self.assert_victim_untouched()

    def test_import_path_redirected_during_the_import_is_refused(self):
        """The attacker renames the staging root away once nodetool's argv names the run, and puts its own
        empty tree at the same path, so that the node imports from the attacker's directory instead of the
        files cassvault checked. Before: rc 0, "16 files written ... imported the files", and not one
        backed-up row back."""
        proc, attack = self.run_with_watcher("redirect")
        self.assertEqual((attack["rename_staging_root"], attack["own_tree"]), ("done", "done"), attack)
        self.assertEqual(proc.returncode, 6, proc.stderr)
        self.assertIn(attack["import_dir"] + ": is no longer the directory this restore wrote (replaced", proc.stderr)
        self.assertIn("Check who did it and what the node imported", proc.stderr)
        self.assertEqual(self.rows(), self.newer)  # nothing of the backup's reached the node
        self.assert_victim_untouched()
        # cassvault's own staging root, renamed by the attacker, was emptied through its fd.
        self.assertEqual(os.listdir(os.path.join(self.data, ".stolen")), [])

    def test_an_import_that_takes_nothing_is_not_reported_as_done(self):
        """The node says it imported, but our files are still in the import dir (as when the path was
        swapped for the attacker's tree and back around the import). STAND-IN nodetool: a script that
        exits 0 without doing anything; CQL is the real node's."""
        fake = os.path.join(self.work, "nodetool-noop")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\nexit 0\n")
        os.chmod(fake, 0o755)
        env = rig_env(1)
        v = Vault(env["cassandra_yaml"], [fake], cql_host=env["cql_host"], cql_port=int(env["cql_port"]),
                  workdir=os.path.join(self.work, "cv-noop"), url="file://" + self.vault.vault_dir)
        plan = v.json("restore", "--backup", "live1", "--mode", "live", "--keyspace", self.KS, "--dry-run")["plan"]
        datas = len([line for line in plan if line.startswith("write ") and "-Data.db " in line])
        self.assertGreater(datas, 0, plan)
        proc = v.run("restore", "--backup", "live1", "--mode", "live", "--keyspace", self.KS, check=False)
        self.assertEqual(proc.returncode, 7, proc.stderr)
        self.assertRegex(proc.stderr, r"nodetool import %s t: left %d restored Data.db file\(s\) in %s/"
                                      r"\.cassvault-restore/[^ ]+/import/%s/t \([a-z]+-1-big-Data.db\): the node did "
                                      r"not import them" % (self.KS, datas, re.escape(self.data), self.KS))
        self.assertEqual(self.rows(), self.newer)
        self.assertFalse(os.path.lexists(os.path.join(self.data, ".cassvault-restore")))


if __name__ == "__main__":
    unittest.main()
