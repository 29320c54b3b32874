#!/usr/bin/python3
"""Prune racing backups (issue 13), on three real Cassandra 5.0 rig nodes sharing one vault:

- the admin turns soft delete off and sets a 60 s prune grace (`cassvault settings`), so that a forgotten
  backup is purged at once and its data can go one grace later;
- each round changes the data (new rows, deletes, `nodetool compact`: the old SSTables are replaced), then the
  three nodes back up with one tag at the same moment while `prune --keep-last 2` runs, and in most rounds
  that prune is killed: at a named crash point (after its gc mark, in the middle of its deletes, after its
  consolidation, in the middle of a purge) or by SIGKILL after a random delay;
- after every round a prune runs to its end (a killed prune's lease is taken over at once: its pid is gone),
  `verify --deep` is clean, and the vault holds exactly the two newest complete tags;
- garbage really goes: packs of forgotten backups are deleted once a grace has passed (the vault shrinks
  below what it held before), and never while a backup could still rely on them;
- the kept tags restore: the table truncated, each node restores its own backup of the tag, and `rig dump`
  equals the dump taken when the tag was backed up. Both kept tags, after every round's kills.
- a writer key (what a node backs up with) cannot prune: exit 6, nothing written or deleted.

    /usr/bin/python3 tests/integration/test_prune.py [-v]
"""

import os
import random
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cvtest import Vault  # noqa: E402
from rigtest import _session, close_sessions, cql, dump, load_rows, rig  # noqa: E402

NODES = (1, 2, 3)
ROWS = 20000
ROUNDS = 6
GRACE = 60
# What kills the racing prune in each round: a crash point, a random SIGKILL, or nothing.
KILLS = ["gc-after-mark", "random", "gc-mid-delete", "purge-mid", "gc-after-consolidate", None]


def value(i, r):
    # Long enough that SSTables, not the vault's small objects, make up its size.
    return ("prune-%d-round-%d-" % (i, r)) * 6


def vault_bytes(root):
    total = 0
    for d, _, files in os.walk(root):
        for f in files:
            total += os.path.getsize(os.path.join(d, f))
    return total


class PruneTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t0 = time.monotonic()
        rig("down")
        rig("up", "--nodes", 3)
        s = _session(1)
        # RF 1: every node holds its own rows, so a wrong node's backup would not restore them.
        s.execute("CREATE KEYSPACE pr WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        s.execute("CREATE TABLE pr.rows (id int PRIMARY KEY, v text)")
        cls.vaults = {1: Vault.for_rig_node(1)}
        for n in (2, 3):
            cls.vaults[n] = Vault.for_rig_node(n, url="file://" + cls.vaults[1].vault_dir)
        cls.admin = cls.vaults[1]
        cls.admin.run("init")
        cls.admin.run("settings", "--soft-delete", "disabled", "--prune-grace", "%ds" % GRACE)
        cls.dumps = {}
        cls.reports = []
        cls.sizes = []
        cls.rng = random.Random(13)

    @classmethod
    def tearDownClass(cls):
        close_sessions()
        rig("down")
        for v in cls.vaults.values():
            v.cleanup()
        print("\nwhole class %.0f s; vault bytes per round %s" % (time.monotonic() - cls.t0, cls.sizes),
              file=sys.stderr)

    def change_data(self, r):
        s = _session(1)
        load_rows(s, "pr.rows", ROWS, lambda i: value(i, r), "ONE", concurrency=128)
        for i in range(0, ROWS, 7):
            s.execute("DELETE FROM pr.rows WHERE id = %d" % i)
        for n in NODES:
            rig("nodetool", n, "flush", "pr")
            rig("nodetool", n, "compact", "pr")

    def complete_tags(self):
        return [c["tag"] for c in self.admin.json("list", "--cluster") if c["state"] == "complete"]

    def race(self, r, kill):
        tag = "pr-%02d" % r
        env = {"CASSVAULT_TEST_CRASH_AT": kill} if kill not in (None, "random") else None
        prune = self.admin.start("prune", "--keep-last", 2, "--json", env_extra=env)
        backups = {n: self.vaults[n].start("backup", "--tag", tag, "--keyspace", "pr", "--json") for n in NODES}
        if kill == "random":
            time.sleep(self.rng.uniform(0.2, 2.5))
            prune.send_signal(signal.SIGKILL)
        for n, p in backups.items():
            out, err = p.communicate(timeout=600)
            self.assertEqual(p.returncode, 0, "round %d node %d backup: %s" % (r, n, err))
        out, err = prune.communicate(timeout=600)
        if kill is None:
            self.assertEqual(prune.returncode, 0, err)
        elif kill != "random":
            # The crash point fires only when prune reaches it (a round with nothing to delete may not).
            self.assertIn(prune.returncode, (0, -9, 137), err)
        return tag

    def test_0_writer_key_cannot_prune(self):
        slot = self.admin.run("key", "add", "--role", "writer", "--kdf-cost", 15, "--new-passphrase-env", "CV_WRITER",
                              env_extra={"CV_WRITER": "writer-passphrase-13"}, check=False)
        if slot.returncode != 0:
            self.skipTest("key add --role writer: %s" % slot.stderr)
        before = self.admin.vault_files()
        p = self.admin.run("prune", "--keep-last", 1, passphrase="writer-passphrase-13", check=False)
        self.assertEqual(p.returncode, 6, p.stderr)
        self.assertIn("needs the vault's admin key", p.stderr)
        self.assertEqual(self.admin.vault_files(), before)

    def test_1_prune_races_backups_and_kills(self):
        peak = 0
        for r, kill in enumerate(KILLS):
            self.change_data(r)
            self.dumps["pr-%02d" % r] = dump("pr")
            self.race(r, kill)
            # A prune to its end after every round: it takes over a killed prune's lease and resumes.
            rep = self.admin.json("prune", "--keep-last", 2)
            self.reports.append(rep)
            v = self.admin.run("verify", "--deep", check=False)
            self.assertEqual(v.returncode, 0, "round %d: verify --deep: %s %s" % (r, v.stdout, v.stderr))
            self.assertEqual(self.complete_tags(), ["pr-%02d" % i for i in range(max(0, r - 1), r + 1)])
            size = vault_bytes(self.admin.vault_dir)
            self.sizes.append(size)
            peak = max(peak, size)
            # Rounds must span the grace, so that later rounds really delete.
            time.sleep(max(0, GRACE / 3 - 5))
        # One grace after the last round, the last round's candidates are due: the vault shrinks below its peak.
        time.sleep(GRACE + 2)
        self.reports.append(self.admin.json("prune", "--keep-last", 2))
        self.sizes.append(vault_bytes(self.admin.vault_dir))
        deleted = sum(rep["gc"]["deleted_objects"] for rep in self.reports)
        print("\nper prune: deleted objects %s, bytes %s, marked %s" % (
            [rep["gc"]["deleted_objects"] for rep in self.reports], [rep["gc"]["deleted_bytes"] for rep in self.reports],
            [rep["gc"]["candidates_marked"] for rep in self.reports]), file=sys.stderr)
        self.assertGreater(deleted, 0, self.reports)
        self.assertGreater(sum(rep["gc"]["deleted_bytes"] for rep in self.reports), 0)
        self.assertLess(self.sizes[-1], peak * 0.8, self.sizes)
        self.assertEqual(self.admin.run("verify", "--deep", check=False).returncode, 0)

    def test_2_kept_tags_restore_rows_equal(self):
        for tag in self.complete_tags():
            cql("TRUNCATE pr.rows")
            for n in NODES:
                self.vaults[n].json("restore", "--cluster-tag", tag, "--mode", "live", "--keyspace", "pr")
            self.assertEqual(dump("pr"), self.dumps[tag], tag)


if __name__ == "__main__":
    unittest.main()
