"""Helpers for cassvault's Python integration tests (unittest) that run against scripts/rig.

    from rigtest import rig, rig_env, dump, cql, nodetool, load_rows, read_rows

    rig("up", "--nodes", 1)
    env = rig_env(1)                 # paths and ports, as `rig env 1 --json`
    rows = cql("SELECT * FROM cv_simple.users WHERE id = %s", params=[1])
    text = dump("cv_simple")         # canonical, sorted rows; compare before/after a restore

Run tests with /usr/bin/python3: Debian's interpreter has the Cassandra driver (python3-cassandra).
The rig uses the default rig dir ($CASSVAULT_RIG_DIR, else $CASSVAULT_CACHE/rig) and the fixed
loopback ports, so only one rig, and one test run, can be active on a machine at a time.
"""

import atexit
import json
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RIG = os.path.join(ROOT, "scripts", "rig")


class RigCommandError(AssertionError):
    """A rig command failed; the message carries its exit code, stdout and stderr."""

    def __init__(self, args, proc):
        super().__init__("`rig %s` exited %d\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
            " ".join(args), proc.returncode, proc.stdout.strip(), proc.stderr.strip()))
        self.proc = proc


def rig(*args, check=True, timeout=900, env=None):
    """Run scripts/rig with args (converted to str); returns the CompletedProcess (text).
    check=True raises RigCommandError on a non-zero exit."""
    args = [str(a) for a in args]
    proc = subprocess.run([RIG] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise RigCommandError(args, proc)
    return proc


def rig_env(n):
    """Node n's paths and ports (`rig env n --json`): cassandra_yaml, data_dirs, jmx_port, cql_host,
    nodetool, pid, format, version, log, ..."""
    return json.loads(rig("env", n, "--json").stdout)


def dump(ks, node=1, consistency=None):
    """`rig dump ks[.table]` from node: one `== ks.table` header per table, then its rows, sorted."""
    args = ["dump", ks, "--node", node]
    if consistency:
        args += ["--consistency", consistency]
    return rig(*args).stdout


def nodetool(n, *args):
    """stdout of `nodetool ARGS` against node n (raises on failure)."""
    return rig("nodetool", n, *args).stdout


# --- CQL through the Python driver -------------------------------------------------------------

_clusters = {}


def _session(node):
    if node not in _clusters:
        from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
        from cassandra.policies import WhiteListRoundRobinPolicy
        addr = "127.0.0.%d" % node
        profile = ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy([addr]), request_timeout=60)
        cluster = Cluster([addr], port=9042, protocol_version=5, connect_timeout=10,
                          execution_profiles={EXEC_PROFILE_DEFAULT: profile})
        _clusters[node] = (cluster, cluster.connect())
    return _clusters[node][1]


def cql(stmt, node=1, params=None, consistency=None):
    """Execute one CQL statement with node as the only coordinator; returns the rows as a list.
    consistency is a name such as "ALL" (default: the driver's LOCAL_ONE)."""
    from cassandra import ConsistencyLevel
    from cassandra.query import SimpleStatement
    statement = SimpleStatement(stmt, consistency_level=ConsistencyLevel.name_to_value[consistency.upper()]
                                if consistency else None)
    return list(_session(node).execute(statement, params))


def load_rows(session, table, count, value, consistency="ONE", concurrency=64):
    """Writes rows (i, value(i)) for i in range(count) into `table` (id int PRIMARY KEY, v text) through
    `session`, at `consistency` (a name such as "ALL"); raises on the first write that fails."""
    from cassandra import ConsistencyLevel
    from cassandra.concurrent import execute_concurrent_with_args
    ins = session.prepare("INSERT INTO %s (id, v) VALUES (?, ?)" % table)
    ins.consistency_level = ConsistencyLevel.name_to_value[consistency]
    execute_concurrent_with_args(session, ins, [(i, value(i)) for i in range(count)], concurrency=concurrency,
                                 raise_on_first_error=True)


def read_rows(session, table, consistency="ALL", cols="id, v"):
    """Every row of `table` as {first column: second column}, read through `session` at `consistency`,
    in pages: compare it with what load_rows wrote."""
    from cassandra import ConsistencyLevel
    from cassandra.query import SimpleStatement
    stmt = SimpleStatement("SELECT %s FROM %s" % (cols, table), fetch_size=5000,
                           consistency_level=ConsistencyLevel.name_to_value[consistency])
    return {tuple(r)[0]: tuple(r)[1] for r in session.execute(stmt, timeout=120)}


def close_sessions():
    """Drop cached driver sessions; call it after `rig down`/`rig up` so the next cql() starts fresh
    instead of talking to a cluster that is gone."""
    while _clusters:
        _, (cluster, _session_) = _clusters.popitem()
        cluster.shutdown()


atexit.register(close_sessions)


def rig_pids():
    """pids of CassandraDaemon processes started from the rig dir (empty when the rig is down)."""
    root = os.environ.get("CASSVAULT_RIG_DIR") or os.path.join(
        os.environ.get("CASSVAULT_CACHE") or os.path.expanduser("~/.cache/cassvault"), "rig")
    marker = ("-Dcassandra.config=file://" + os.path.abspath(root) + "/").encode()
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    cmd = f.read()
            except OSError:
                continue
            if marker in cmd and b"CassandraDaemon" in cmd:
                pids.append(int(d))
    return pids
