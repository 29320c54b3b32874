"""The rig as a whole: settings (state.json), up/down, per-node start/stop, status, env."""

import concurrent.futures
import contextlib
import fcntl
import json
import os
import re
import shlex
import shutil
import subprocess
import threading
import time

from . import conf
from .common import (CLUSTER_NAME, CQL_PORT, DEFAULT_DC, DEFAULT_VERSION, JMX_HOST, MAX_NODES, RigError,
                     auth_provider, log, node_rack, node_token, rig_dir, wait_until, write_file)
from .fetch import fetch, is_fetched, lib_dir
from .java import find_java, nodetool_command, server_command, tool_java_command, write_wrappers
from .node import Node, all_rig_daemons, port_in_use, port_owner, stop_pids

STATE_FILE = "state.json"
# Entries `down --wipe` may delete; anything else in the rig dir means it is not (only) ours.
_RIG_ENTRIES = {STATE_FILE, "bin", "tools", ".lock"} | {"node%d" % n for n in range(1, MAX_NODES + 1)}


def default_heap(nodes):
    return "1g" if nodes == 1 else "512m"


# --- state -------------------------------------------------------------------------------------

def state_path():
    return os.path.join(rig_dir(), STATE_FILE)


def load_state():
    try:
        with open(state_path()) as f:
            return json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise RigError("cannot read %s (%s); `rig down --wipe` starts over" % (state_path(), e))


def require_state():
    state = load_state()
    if state is None:
        raise RigError("the rig is not set up (no %s); run `rig up` first" % state_path())
    return state


def save_state(state):
    write_file(state_path(), json.dumps(state, indent=2, sort_keys=True) + "\n")


def describe(state):
    vnodes = state.get("vnodes", 0)
    extra = ["cluster %s" % state["cluster_name"]] if state.get("cluster_name", CLUSTER_NAME) != CLUSTER_NAME else []
    if state.get("dc", DEFAULT_DC) != DEFAULT_DC:
        extra.append("DC %s" % state["dc"])
    if state.get("racks", 0):
        extra.append("%d rack(s)" % state["racks"])
    if state.get("auth", "none") != "none":
        extra.append("auth %s" % state["auth"])
    return "%d node(s), Cassandra %s, format %s, heap %s, %s%s" % (
        state["nodes"], state["version"], state["format"], state["heap"],
        "%d vnodes each" % vnodes if vnodes else "one fixed token each", "".join(", " + e for e in extra))


def configured_node(state, n):
    if not 1 <= n <= state["nodes"]:
        raise RigError("node %d is not part of the rig (it has node(s) 1..%d)" % (n, state["nodes"]))
    return Node(n)


@contextlib.contextmanager
def rig_lock():
    """Serialise commands that start or stop nodes: two `rig up` at once would race on ports and dirs."""
    os.makedirs(rig_dir(), exist_ok=True)
    with open(os.path.join(rig_dir(), ".lock"), "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


# --- tools -------------------------------------------------------------------------------------

def tools_dir():
    return os.path.join(rig_dir(), "tools")


def bin_dir():
    return os.path.join(rig_dir(), "bin")


_tools_written = {}
_tools_lock = threading.Lock()


def ensure_tools(java, version):
    """(Re)write bin/ wrappers for this version, once per process (nodetool runs in threads)."""
    with _tools_lock:
        if (java, version) not in _tools_written:
            _tools_written[(java, version)] = write_wrappers(
                java, lib_dir(version), version, tools_dir(), bin_dir(), Node(1).conf_dir)
        return _tools_written[(java, version)]


def run_nodetool(state, n, args, capture=True, timeout=120):
    java = find_java()
    ensure_tools(java, state["version"])
    cmd = nodetool_command(java, lib_dir(state["version"]), tools_dir(), JMX_HOST, Node(n).jmx_port, args)
    if not capture:
        return subprocess.run(cmd).returncode
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)


_STATUS_LINE = re.compile(r"^([UD][NLJM])\s+(\d+\.\d+\.\d+\.\d+)\s")


def parse_status(text):
    """address -> two-letter state (UN, DN, UJ...) from `nodetool status` output."""
    return {m.group(2): m.group(1) for m in map(_STATUS_LINE.match, text.splitlines()) if m}


def wait_all_un(state, nodes, timeout):
    """Wait until each node in `nodes` sees every node in `nodes` as UN. Checks the views in parallel:
    a gossip view that lags on one node would otherwise surface later as an odd CL=ALL failure."""
    want = {Node(n).address for n in nodes}
    last = {}

    def view(n):
        try:
            proc = run_nodetool(state, n, ["status"], timeout=30)
        except subprocess.TimeoutExpired:
            return n, "", "nodetool timed out"
        return n, proc.stdout, proc.stderr

    def all_up():
        with concurrent.futures.ThreadPoolExecutor(len(nodes)) as pool:
            for n, out, err in pool.map(view, nodes):
                last[n] = out or err
        return all(all(parse_status(last[n]).get(a) == "UN" for a in want) for n in nodes)

    if not wait_until(all_up, timeout, 1.0):
        raise RigError("nodes %s did not all show UN within %d s; last `nodetool status`:\n%s" % (
            ", ".join(str(n) for n in nodes), timeout,
            "\n".join("-- node %d --\n%s" % (n, last.get(n, "").strip()) for n in nodes)))


# --- starting and stopping ---------------------------------------------------------------------

def check_ports(nodes):
    """Fail before anything starts if any port a node needs is taken, naming the port and its owner."""
    problems = []
    for node in nodes:
        for host, port, what in node.ports():
            if port_in_use(host, port):
                owner = port_owner(host, port)
                problems.append("port %d (%s of node %d, on %s) is already in use%s" % (
                    port, what, node.n, host, " by " + owner if owner else ""))
    if problems:
        raise RigError("cannot start the rig:\n  " + "\n  ".join(problems)
                       + "\nstop whatever holds the port(s), or `rig down` if it is an earlier rig")


def start_and_wait_cql(state, node, java, timeout):
    """Start one node and wait until it answers CQL; on failure stop it and report its log."""
    cmd = server_command(java, lib_dir(state["version"]), node, state["heap"])
    started = time.monotonic()
    proc = node.start(cmd)
    while True:
        if proc.poll() is not None:
            raise RigError("node %d (%s) exited with code %d during startup\n%s" % (
                node.n, node.address, proc.returncode, node.log_excerpt()))
        if node.cql_ready():
            break
        if time.monotonic() - started > timeout:
            stop_pids([proc.pid])
            raise RigError("node %d (%s) did not answer CQL on port %d within %d s; stopped it\n%s" % (
                node.n, node.address, CQL_PORT, timeout, node.log_excerpt()))
        time.sleep(0.5)
    log("node %d up: CQL %s:%d after %.1f s (pid %d)" % (node.n, node.address, CQL_PORT,
                                                       time.monotonic() - started, proc.pid))


def start_nodes(state, numbers, timeout):
    """Start the given nodes one after another, then wait for UN. If anything fails, stop the nodes
    this call started, so a failed command leaves nothing half-running."""
    java = find_java()
    nodes = [Node(n) for n in numbers]
    check_ports(nodes)
    try:
        for node in nodes:
            start_and_wait_cql(state, node, java, timeout)
        running = [n for n in range(1, state["nodes"] + 1) if Node(n).running()]
        t0 = time.monotonic()
        wait_all_un(state, running, timeout)
        log("all of node(s) %s UN after %.1f s" % (", ".join(map(str, running)), time.monotonic() - t0))
        # system_auth has RF 1 by default: a login works once every node, whichever holds the role, is up.
        if state.get("auth", "none") != "none" and len(running) == state["nodes"]:
            wait_login(state, running, timeout)
    except BaseException:  # KeyboardInterrupt too: nothing half-started may stay behind
        pids = [p for p in (node.pid() for node in nodes) if p]
        if pids:
            log("stopping node(s) started by this command: pid(s) %s" % ", ".join(map(str, pids)))
            stop_pids(pids)
        raise


def wipe_nodes():
    for n in range(1, MAX_NODES + 1):
        shutil.rmtree(Node(n).dir, ignore_errors=True)


def prepare_nodes(state, keep_data):
    if not keep_data:
        wipe_nodes()
    for n in range(1, state["nodes"] + 1):
        node = Node(n)
        conf.make_node_dirs(node)
        conf.write_node_conf(node, state["nodes"], state["format"], keep_archiving=keep_data,
                             vnodes=state.get("vnodes", 0), cluster_name=state.get("cluster_name", CLUSTER_NAME),
                             dc=state.get("dc", DEFAULT_DC), racks=state.get("racks", 0),
                             auth=state.get("auth", "none"))


# Settings that shape the cluster; `up` on a running rig must ask for the same ones.
SHAPE = {"vnodes": 0, "cluster_name": CLUSTER_NAME, "dc": DEFAULT_DC, "racks": 0, "auth": "none"}


def up(nodes, version, fmt, heap, keep_data, timeout, vnodes=0, cluster_name=CLUSTER_NAME, dc=DEFAULT_DC,
       racks=0, auth="none", start=True):
    if not 1 <= nodes <= MAX_NODES:
        raise RigError("--nodes must be 1..%d" % MAX_NODES)
    if not 0 <= vnodes <= 256:
        raise RigError("--vnodes must be 1..256 (or 0 for one fixed token per node)")
    if not 0 <= racks <= nodes:
        raise RigError("--racks must be 1..%d (or 0 for one rack per node)" % nodes)
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,48}", cluster_name) or not re.fullmatch(r"[A-Za-z0-9_-]{1,48}", dc):
        raise RigError("--cluster-name and --dc take letters, digits, '-' and '_' only")
    wanted = {"nodes": nodes, "version": version, "format": fmt, "heap": heap or default_heap(nodes),
              "vnodes": vnodes, "cluster_name": cluster_name, "dc": dc, "racks": racks, "auth": auth}
    java = find_java()
    t0 = time.monotonic()
    with rig_lock():
        old = load_state()
        if all_rig_daemons():
            return _up_while_running(old, wanted, heap is not None, timeout)
        if keep_data:
            _check_keep_data(old, wanted)
        # Ports first: a conflict must fail before anything is fetched, wiped or started.
        if start:
            check_ports([Node(n) for n in range(1, nodes + 1)])
        fetch(version)
        state = dict(wanted, rig_dir=rig_dir(), lib=lib_dir(version),
                     created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        prepare_nodes(state, keep_data)
        ensure_tools(java, version)
        # Saved before starting, so `rig down`/`status` know the rig even if this start is interrupted.
        save_state(state)
        if not start:
            # A cluster provisioned and never started (what a restore into a new cluster wants): `rig
            # start N` starts each node later.
            log("configured, not started (--no-start): %s" % describe(state))
            print("rig configured: %s; dir %s" % (describe(state), rig_dir()))
            return 0
        start_nodes(state, range(1, nodes + 1), timeout)
        if vnodes:
            check_distinct_tokens(state)
    log("rig up in %.1f s: %s" % (time.monotonic() - t0, describe(state)))
    print("rig up: %s; dir %s" % (describe(state), rig_dir()))
    return 0


def _same_settings(old, wanted, heap_given):
    keys = ["nodes", "version", "format"] + (["heap"] if heap_given else [])
    return (old is not None and all(old.get(k) == wanted[k] for k in keys)
            and all(old.get(k, d) == wanted[k] for k, d in SHAPE.items()))


def _up_while_running(old, wanted, heap_given, timeout):
    if not _same_settings(old, wanted, heap_given):
        have = describe(old) if old else "unknown settings (no %s)" % state_path()
        raise RigError("the rig is already running with %s; wanted %s. Run `rig down` first." % (
            have, describe(wanted)))
    missing = [n for n in range(1, old["nodes"] + 1) if not Node(n).running()]
    if not missing:
        print("rig already up: %s; dir %s" % (describe(old), rig_dir()))
        return 0
    log("rig is up with the same settings; starting stopped node(s) %s" % ", ".join(map(str, missing)))
    start_nodes(old, missing, timeout)
    print("rig up: %s; dir %s" % (describe(old), rig_dir()))
    return 0


def _check_keep_data(old, wanted):
    """--keep-data reuses node dirs; only safe if they were made for the same cluster shape and version.
    The format may only go up (nb -> oa/da): a CASSANDRA_4 node refuses oa/da sstables."""
    if old is None:
        raise RigError("--keep-data: there is no earlier rig in %s to keep" % rig_dir())
    for key in ("nodes", "version", *SHAPE):
        if old.get(key, SHAPE.get(key, 0)) != wanted[key]:
            raise RigError("--keep-data: the existing data is for %s %s, not %s; drop --keep-data to start fresh"
                           % (key, old[key], wanted[key]))
    if old["format"] != "nb" and wanted["format"] == "nb":
        raise RigError("--keep-data: format %s data cannot be read in nb (CASSANDRA_4) mode" % old["format"])


def down(wipe):
    with rig_lock():
        daemons = all_rig_daemons()
        if daemons:
            log("stopping %d node(s): %s" % (len(daemons), ", ".join(
                "%s (pid %d)" % (os.path.basename(d), p) for p, d in sorted(daemons.items(), key=lambda i: i[1]))))
            killed = stop_pids(list(daemons))
            if killed:
                log("pid(s) %s did not stop within 30 s of SIGTERM; killed them" % ", ".join(map(str, killed)))
        else:
            log("no rig node is running")
    if wipe:
        _wipe_rig_dir()
    return 0


def _wipe_rig_dir():
    root = rig_dir()
    if not os.path.isdir(root):
        return
    foreign = sorted(set(os.listdir(root)) - _RIG_ENTRIES)
    if foreign:
        raise RigError("not wiping %s: it holds entries the rig did not create: %s" % (root, ", ".join(foreign)))
    shutil.rmtree(root)
    log("removed %s" % root)


def stop_node(n):
    state = require_state()
    node = configured_node(state, n)
    with rig_lock():
        pid = node.pid()
        if pid is None:
            log("node %d is not running" % n)
            return 0
        killed = stop_pids([pid])
        log("node %d stopped%s" % (n, " (needed SIGKILL)" if killed else ""))
    return 0


def start_node(n, timeout):
    state = require_state()
    node = configured_node(state, n)
    with rig_lock():
        if node.running():
            log("node %d is already running (pid %d)" % (n, node.pid()))
            return 0
        start_nodes(state, [n], timeout)
    return 0


def wait_login(state, numbers, timeout):
    """With --auth, a cluster's first start creates the superuser a moment after CQL opens: wait until it
    can log in through each started node, so that what follows (tokens, load, tests) can."""
    from cassandra.cluster import Cluster
    from cassandra.policies import WhiteListRoundRobinPolicy

    def can_login(n):
        addr = Node(n).address
        cluster = Cluster([addr], port=CQL_PORT, protocol_version=5, connect_timeout=5,
                          load_balancing_policy=WhiteListRoundRobinPolicy([addr]), auth_provider=auth_provider(state))
        try:
            cluster.connect().execute("SELECT release_version FROM system.local")
            return True
        except Exception:  # noqa: BLE001 - not yet: the role is being created
            return False
        finally:
            cluster.shutdown()

    for n in numbers:
        if not wait_until(lambda: can_login(n), timeout, 1.0):
            raise RigError("node %d: the superuser cannot log in %d s after the start" % (n, timeout))


# --- tokens ------------------------------------------------------------------------------------

def node_tokens(n):
    """Node n's tokens as it reports them (system.local over CQL), numerically sorted; [] if it does not answer."""
    try:
        from cassandra.cluster import Cluster
        from cassandra.policies import WhiteListRoundRobinPolicy
    except ImportError:
        return []
    cluster = Cluster([Node(n).address], port=CQL_PORT, protocol_version=5, connect_timeout=10,
                      load_balancing_policy=WhiteListRoundRobinPolicy([Node(n).address]),
                      auth_provider=auth_provider(load_state()))
    try:
        rows = list(cluster.connect().execute("SELECT tokens FROM system.local"))
    except Exception:  # noqa: BLE001 - a node that does not answer simply has no tokens to show
        return []
    finally:
        cluster.shutdown()
    return sorted(rows[0].tokens, key=int) if rows and rows[0].tokens else []


def check_distinct_tokens(state):
    """With vnodes, every node must have num_tokens tokens and no token may be claimed twice: two nodes
    that allocated while blind to each other would silently share ownership."""
    seen = {}
    for n in range(1, state["nodes"] + 1):
        tokens = node_tokens(n)
        if len(tokens) != state["vnodes"]:
            raise RigError("node %d reports %d tokens, expected %d: %s" % (n, len(tokens), state["vnodes"], tokens))
        for t in tokens:
            if t in seen:
                raise RigError("token %s is claimed by nodes %d and %d" % (t, seen[t], n))
            seen[t] = n
    log("tokens: %s" % "; ".join("node %d: %s" % (n, " ".join(node_tokens(n))) for n in range(1, state["nodes"] + 1)))


# --- status and env ----------------------------------------------------------------------------

def status():
    state = require_state()
    ok = True
    print("rig: %s; dir %s" % (describe(state), rig_dir()))
    running = []
    for n in range(1, state["nodes"] + 1):
        node = Node(n)
        pid = node.pid()
        cql = pid is not None and node.cql_ready()
        ok = ok and cql
        if pid:
            running.append(n)
        print("node%d  %-6s %-8s cql %s:%d %-4s jmx %s:%d" % (
            n, pid or "-", "running" if pid else "stopped", node.address, CQL_PORT, "ok" if cql else "down",
            JMX_HOST, node.jmx_port))
    for n in running:
        print("node%d  tokens %s" % (n, " ".join(node_tokens(n)) or "?"))
    if running:
        proc = run_nodetool(state, running[0], ["status"])
        print("--- nodetool status (from node %d) ---" % running[0])
        print((proc.stdout + proc.stderr).strip())
        seen = parse_status(proc.stdout)
        down_nodes = [n for n in range(1, state["nodes"] + 1) if seen.get(Node(n).address) != "UN"]
        if proc.returncode != 0 or down_nodes:
            ok = False
    return 0 if ok else 1


def node_env(n):
    state = require_state()
    node = configured_node(state, n)
    wrappers = {name: os.path.join(bin_dir(), name) for name in ("nodetool", "sstableloader", "cassandra-tool")}
    pid = node.pid()
    return {
        "node": n,
        "rig_dir": rig_dir(),
        "node_dir": node.dir,
        "conf_dir": node.conf_dir,
        "cassandra_yaml": node.yaml,
        "data_dirs": node.data_dirs,
        "commitlog_dir": node.commitlog_dir,
        "saved_caches_dir": node.saved_caches_dir,
        "hints_dir": node.hints_dir,
        "jmx_host": JMX_HOST,
        "jmx_port": node.jmx_port,
        "cql_host": node.address,
        "cql_port": CQL_PORT,
        "nodetool": wrappers["nodetool"],
        "sstableloader": wrappers["sstableloader"],
        # cassvault's load.java_command: the loader's JVM without its main class and arguments.
        "java_tool_command": tool_java_command(find_java(), state["lib"], tools_dir(), node.conf_dir),
        "cassandra_tool": wrappers["cassandra-tool"],
        "pid": pid,
        "running": pid is not None,
        "format": state["format"],
        "version": state["version"],
        "lib_dir": state["lib"],
        "log": node.system_log,
        "cluster_name": state.get("cluster_name", CLUSTER_NAME),
        "dc": state.get("dc", DEFAULT_DC),
        "rack": node_rack(n, state.get("racks", 0)),
        "auth": state.get("auth", "none"),
        # The fixed token of single-token mode; with vnodes the node's own choice (`rig status` shows it).
        "token": None if state.get("vnodes") else node_token(n),
        "vnodes": state.get("vnodes", 0),
        "nodes": state["nodes"],
    }


def format_env_shell(env):
    """KEY=value lines, values shell-quoted where needed, so `eval "$(rig env 1)"` works."""
    lines = []
    for key, value in env.items():
        if isinstance(value, list):
            value = ":".join(value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        elif value is None:
            value = ""
        lines.append("%s=%s" % (key.upper(), shlex.quote(str(value)) if value != "" else ""))
    return "\n".join(lines)


def fetched_state_for_tools():
    """State for commands that only need jars (nodetool against a rig someone else set up)."""
    state = load_state()
    if state is None and is_fetched(DEFAULT_VERSION):
        state = {"version": DEFAULT_VERSION, "nodes": MAX_NODES}
    if state is None:
        raise RigError("the rig is not set up; run `rig up` (or `rig fetch`) first")
    return state
