#!/usr/bin/python3
"""Issue 16: a backup a busy node does not feel. The priority and the budgets are read back from the kernel
while a real `cassvault backup --offline` runs (the legacy SSTables of Cassandra 3.0 to 5.0, laid out as a
stopped node's data directory):

- at the default priority every thread of the process is under SCHED_IDLE at nice 19 in the idle I/O class
  (/proc/<pid>/task/<tid>/stat and ionice, which calls ioprio_get), the workers included; `--priority normal`
  and `backup.priority: normal` leave it at nice 0; the daemon runs at backup.priority;
- `backup.max_cpu` holds the process's CPU time (its own report, and the kernel's rusage) to the budget;
- `backup.max_read_rate` holds its reads to the rate;
- bad values are refused with the file, the key and what to write, before anything is read.

No Cassandra is needed (--offline); the rig lock is only the convention.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cvtest import Vault, all_files  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from rig_lib.proc import thread_stats  # noqa: E402
from rigtest import ROOT  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(ROOT), "shared", "fixtures", "legacy-sstables")
SCHED_IDLE = 5
VERSIONS = ["ma", "mb", "mc", "md", "me", "na", "nb", "nc", "oa", "da"]


def thread_priorities(pid):
    """tid -> (nice, I/O class name, scheduling policy) for every thread of pid, as the kernel reports them."""
    out = {}
    for tid, fields in thread_stats(pid).items():
        try:
            io = subprocess.run(["ionice", "-p", str(tid)], capture_output=True, text=True).stdout.strip()
        except FileNotFoundError:
            continue
        if not io:
            continue  # the thread ended between the listing and the read
        # Fields 19 (nice) and 41 (policy: 5 is SCHED_IDLE) of stat (rig_lib/proc.py: index = field - 3).
        out[tid] = (int(fields[16]), io.split(":")[0], int(fields[38]))
    return out


class PacingTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="cv-pacing-")
        self.vault, self.data = Vault.for_stopped_node(self.work)
        for v in VERSIONS:
            shutil.copytree(os.path.join(FIXTURES, v, "legacy_tables"), os.path.join(self.data, "legacy_tables"),
                            dirs_exist_ok=True)
        with open(self.vault.config) as f:
            self.base_config = f.read()
        self.vault.run("init", "--kdf-cost", "15")
        self.data_bytes = sum(os.path.getsize(os.path.join(self.data, p)) for p in all_files(self.data))

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def configure(self, extra):
        with open(self.vault.config, "w") as f:
            f.write(self.base_config + extra)

    def watch_backup(self, *args):
        """Runs a backup in the background; returns (priorities seen per tid, the process's rusage, stdout)."""
        proc = self.vault.start("backup", "--offline", "--json", *args)
        seen = {}
        while proc.poll() is None:
            seen.update(thread_priorities(proc.pid))
            time.sleep(0.05)
        out, err = proc.communicate()
        self.assertEqual(proc.returncode, 0, err)
        return seen, out

    def test_default_backup_runs_every_thread_at_nice_19_in_the_idle_io_class(self):
        # A read rate that keeps the backup running for a few seconds, so its workers can be seen.
        self.configure("backup: {max_read_rate: %d}\n" % max(self.data_bytes // 4, 1))
        seen, _ = self.watch_backup("--tag", "bg")
        self.assertGreaterEqual(len(seen), 3, "expected the main thread and at least two workers: %s" % seen)
        for tid, (nice, io, policy) in seen.items():
            self.assertEqual((nice, io, policy), (19, "idle", SCHED_IDLE), "thread %d" % tid)

    def test_normal_priority_from_the_config_and_from_the_flag(self):
        self.configure("backup: {priority: normal, max_read_rate: %d}\n" % max(self.data_bytes // 4, 1))
        seen, _ = self.watch_backup("--tag", "n1")
        self.assertGreaterEqual(len(seen), 3)
        self.assertEqual({nice for nice, _, _ in seen.values()}, {0})
        self.assertNotIn("idle", {io for _, io, _ in seen.values()})
        self.assertEqual({policy for _, _, policy in seen.values()}, {0})

        self.configure("backup: {max_read_rate: %d}\n" % max(self.data_bytes // 4, 1))
        seen, _ = self.watch_backup("--tag", "n2", "--priority", "normal")
        self.assertEqual({nice for nice, _, _ in seen.values()}, {0})

    def test_read_rate_holds_the_reads_to_the_budget(self):
        rate = max(self.data_bytes // 3, 1)  # about 3 s of reading
        self.configure("backup: {max_read_rate: %d}\n" % rate)
        t0 = time.monotonic()
        _, out = self.watch_backup("--tag", "rate")
        wall = time.monotonic() - t0
        report = __import__("json").loads(out)
        # The limiter forgives 200 ms of idle time; everything else is paid for.
        self.assertGreaterEqual(wall, report["bytes_read"] / rate - 0.25, report)

    def test_cpu_budget_holds_the_process_to_its_cores(self):
        # zstd at its highest level makes the backup CPU-bound, so a budget shows.
        self.configure("backup: {zstd_level: 19}\n")
        free = self.vault.json("backup", "--offline", "--tag", "free")
        free_share = free["cpu"]["seconds"] / free["seconds"]
        budget = 0.2
        self.assertGreater(free_share, 1.5 * budget, "the unbudgeted backup must be CPU-bound to show anything: %s"
                           % free["cpu"])

        # A fresh vault: the same bytes again would be deduplicated, not compressed.
        shutil.rmtree(self.vault.vault_dir)
        shutil.rmtree(os.path.join(self.vault.dir, "cache"), ignore_errors=True)
        self.vault.run("init", "--kdf-cost", "15")
        self.configure("backup: {zstd_level: 19, max_cpu: %s}\n" % budget)
        capped = self.vault.json("backup", "--offline", "--tag", "capped")
        share = capped["cpu"]["seconds"] / capped["seconds"]
        # The budget starts when the files are read; what runs before (scan, index) and after (commit) is small.
        self.assertLessEqual(share, budget * 1.5 + 0.05, capped["cpu"])
        self.assertEqual(capped["files"], free["files"])

    def test_the_daemon_runs_at_backup_priority(self):
        proc = self.vault.start("daemon")
        try:
            deadline = time.monotonic() + 20
            seen = {}
            while time.monotonic() < deadline and proc.poll() is None and len(seen) < 1:
                time.sleep(0.3)
                seen = thread_priorities(proc.pid)
            self.assertIsNone(proc.poll(), proc.stderr.read() if proc.poll() is not None else "")
            self.assertTrue(seen)
            for tid, (nice, io, policy) in seen.items():
                self.assertEqual((nice, io, policy), (19, "idle", SCHED_IDLE), "thread %d" % tid)
        finally:
            proc.terminate()
            proc.communicate(timeout=60)

    def test_bad_values_are_refused_naming_the_key_and_nothing_is_written(self):
        before = self.vault.vault_files()
        for extra, key, says in [
                ("backup: {priority: idle}\n", "backup.priority", "use background (Cassandra first) or normal"),
                ("backup: {max_cpu: lots}\n", "backup.max_cpu", "between 0.1 and 1024"),
                ("backup: {max_read_rate: fast}\n", "backup.max_read_rate", "such as 50MiB"),
                ("restore: {priority: urgent}\n", "restore.priority", "is not a priority")]:
            self.configure(extra)
            p = self.vault.run("backup", "--offline", "--tag", "bad", check=False)
            self.assertEqual(p.returncode, 3, p.stderr)
            self.assertIn("key '%s'" % key, p.stderr)
            self.assertIn(says, p.stderr)
            self.assertIn(self.vault.config, p.stderr)
        self.configure("")
        p = self.vault.run("backup", "--offline", "--tag", "bad", "--priority", "idle", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertRegex(p.stderr, re.compile(r"--priority.*idle", re.S))
        self.assertEqual(self.vault.vault_files(), before)


if __name__ == "__main__":
    unittest.main()
