#!/usr/bin/python3
"""The vault issue's round trip — back up a live Cassandra 5.0 node, drop a keyspace, restore it live,
dumps equal, `verify --deep` clean — with the vault in the cloud emulators instead of a local directory,
and through injected faults.

    /usr/bin/python3 tests/integration/test_cloud_roundtrip.py [-v]

Real parts: Cassandra 5.0 (scripts/rig), Azurite (npm; over HTTPS with --oauth basic for bearer tokens),
Versity S3 Gateway (Go), toxiproxy (Go), and the binary under test. Two stand-ins, because the real thing
cannot run here: token_server.py speaks Entra ID's token endpoint protocol (it mints the tokens Azurite
checks), and FaultProxy (faults.py) is the tests' own HTTP proxy: it answers 503/429 with Retry-After before
forwarding, or 500 after the server did the work, on a seeded 15 % of requests.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import base64  # noqa: E402
import json  # noqa: E402

from azurite import ACCOUNT, KEY, Azurite  # noqa: E402
from token_server import TokenServer  # noqa: E402
from versitygw import Versitygw  # noqa: E402
from cvtest import Vault  # noqa: E402
from faults import FaultProxy, Toxiproxy  # noqa: E402
from rigtest import close_sessions, cql, dump, rig  # noqa: E402

KEYSPACE = "cv_simple"


class CloudRoundTripTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rig("down")
        rig("up", "--nodes", 1)
        rig("load", "--scale", 1)
        cls.before = dump(KEYSPACE)
        # A local baseline, so that one failed test cannot leave the next without its keyspace.
        cls.baseline = Vault.for_rig_node(1)
        cls.baseline.run("init")
        cls.baseline.run("backup", "--tag", "baseline", "--keyspace", KEYSPACE)
        cls.azurite = Azurite.start()
        cls.gateway = Versitygw.start()
        cls.vaults = []

    @classmethod
    def tearDownClass(cls):
        close_sessions()
        rig("down")
        cls.azurite.stop()
        cls.gateway.stop()
        for v in cls.vaults + [cls.baseline]:
            v.cleanup()

    def tearDown(self):
        try:
            intact = dump(KEYSPACE) == self.before
        except Exception:  # noqa: BLE001 - a dropped keyspace makes `rig dump` fail
            intact = False
        if not intact:
            cql("DROP KEYSPACE IF EXISTS %s" % KEYSPACE)
            self.baseline.run("restore", "--backup", "baseline", "--mode", "live", "--keyspace", KEYSPACE)

    def round_trip(self, tag, url, vault_yaml="", env=None):
        """init, backup, DROP KEYSPACE, live restore, dump equal, verify --deep clean. Returns the reports."""
        v = Vault.for_rig_node(1, url=url, vault_yaml=vault_yaml)
        self.vaults.append(v)
        v.run("init", env_extra=env)
        backup = v.json("backup", "--tag", tag, env_extra=env)
        self.assertGreater(backup["new_files"], 0)
        cql("DROP KEYSPACE %s" % KEYSPACE)
        restore = v.json("restore", "--backup", tag, "--mode", "live", "--keyspace", KEYSPACE, env_extra=env)
        self.assertGreater(restore["files_written"], 0)
        self.assertEqual(dump(KEYSPACE), self.before, "%s differs after the restore from %s" % (KEYSPACE, url))
        verify = v.json("verify", "--deep", env_extra=env)
        self.assertTrue(verify["ok"], verify["problems"])
        self.assertEqual(verify["duplicate_blobs"], 0, "a retried write stored a blob twice")
        return backup, restore, verify

    def azure_env(self, port):
        return {"AZURE_STORAGE_KEY": KEY, "CASSVAULT_AZURE_ENDPOINT": "http://127.0.0.1:%d/%s" % (port, ACCOUNT)}

    def test_azure_shared_key(self):
        self.round_trip("az-plain", "azure://%s/cv-plain/node1" % ACCOUNT, env=self.azure_env(self.azurite.port))

    def test_azure_through_http_faults(self):
        proxy = FaultProxy.start(self.azurite.port, rate=0.15)
        try:
            backup, restore, _ = self.round_trip("az-5xx", "azure://%s/cv-5xx/node1" % ACCOUNT,
                                                 env=self.azure_env(proxy.port))
        finally:
            proxy.stop()
        stats = proxy.stats()
        print("\n  fault proxy: %s; cassvault: backup %d requests (%d retries), restore %d (%d)" % (
            stats, backup["requests"], backup["retries"], restore["requests"], restore["retries"]), file=sys.stderr)
        self.assertGreaterEqual(stats["faults"], 0.10 * stats["requests"], stats)
        for kind in ("503_before", "429_before", "500_after"):
            self.assertGreater(stats[kind], 0, stats)
        self.assertGreater(backup["retries"] + restore["retries"], 0)

    def test_azure_through_tcp_faults(self):
        toxi = Toxiproxy.start()
        try:
            port = toxi.proxy("azurite", self.azurite.port)
            toxi.toxic("azurite", "latency", {"latency": 20, "jitter": 10})
            # Every 0.8 s the open connections get the next of: reset, stall of 4 s (the 3 s watchdog cuts
            # it), cut body.
            stop = toxi.flap("azurite", period=0.8, stall_seconds=4.0)
            yaml = "  transfer: {stall_timeout: 3, max_attempts: 10}\n"
            try:
                backup, restore, _ = self.round_trip("az-tcp", "azure://%s/cv-tcp/node1" % ACCOUNT, vault_yaml=yaml,
                                                     env=self.azure_env(port))
            finally:
                events = stop()
        finally:
            toxi.stop()
        print("\n  toxiproxy faults: %s; cassvault: backup %d requests (%d retries), restore %d (%d)" % (
            events, backup["requests"], backup["retries"], restore["requests"], restore["retries"]), file=sys.stderr)
        self.assertGreater(min(events.values()), 0, events)
        self.assertGreater(backup["retries"] + restore["retries"], 0)


    def test_azure_entra_id_token_over_https(self):
        """A service principal's bearer token (client secret), Azurite over HTTPS trusting the test CA."""
        azurite = Azurite.start(https=True)
        ts = TokenServer.start(azurite.pki.cert_file, azurite.pki.key_file)
        try:
            ts.client_secret = "stand-in-secret-" + base64.b32encode(os.urandom(10)).decode()
            azure = {"auth": "client-secret", "tenant_id": ts.tenant, "client_id": ts.client_id,
                     "client_secret_env": "CV_RT_SECRET", "authority_host": ts.authority,
                     "endpoint": azurite.endpoint}
            yaml = "  azure: %s\n  tls: {ca_file: %s}\n" % (json.dumps(azure), azurite.ca_file)
            env = {"CV_RT_SECRET": ts.client_secret, "AZURE_STORAGE_KEY": ""}
            self.round_trip("az-entra", "azure://%s/cv-entra/node1" % ACCOUNT, vault_yaml=yaml, env=env)
            self.assertGreater(len(ts.issued), 0, "no token was minted: the round trip did not use Entra ID")
        finally:
            ts.stop()
            azurite.stop()

    def s3_yaml(self, port):
        return "  s3: {endpoint: 'http://127.0.0.1:%d', region: us-east-1}\n" % port

    def test_s3(self):
        self.round_trip("s3-plain", "s3://cv-plain/node1", vault_yaml=self.s3_yaml(self.gateway.port),
                        env=self.gateway.env())

    def test_s3_through_http_faults(self):
        proxy = FaultProxy.start(self.gateway.port, rate=0.15, seed=7)
        try:
            backup, restore, _ = self.round_trip("s3-5xx", "s3://cv-5xx/node1", vault_yaml=self.s3_yaml(proxy.port),
                                                 env=self.gateway.env())
        finally:
            proxy.stop()
        stats = proxy.stats()
        print("\n  fault proxy: %s; cassvault: backup %d requests (%d retries), restore %d (%d)" % (
            stats, backup["requests"], backup["retries"], restore["requests"], restore["retries"]), file=sys.stderr)
        self.assertGreaterEqual(stats["faults"], 0.10 * stats["requests"], stats)
        self.assertGreater(stats["500_after"], 0, stats)


if __name__ == "__main__":
    unittest.main()
