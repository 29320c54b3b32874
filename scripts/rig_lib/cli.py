"""Command line of scripts/rig."""

import argparse
import json
import os
import sys

from . import cluster
from .common import CLUSTER_NAME, DEFAULT_DC, DEFAULT_VERSION, RigError, cache_dir, node_address
from .conf import FORMATS

USAGE = """\
cassvault's local Apache Cassandra rig: 1 or 3 nodes on 127.0.0.1-3 from Maven jars.

  rig fetch [--version V]                      download jars into $CASSVAULT_CACHE (prints the lib dir)
  rig up [--nodes 1|3] [--format nb|oa|da] [--heap 1g] [--version V] [--keep-data] [--timeout S]
         [--vnodes N]                          N tokens per node, allocated as 5.0's default yaml does
                                               (default: one fixed token per node)
         [--cluster-name NAME] [--dc NAME]     cluster_name and data centre (default cassvault-rig, dc1)
         [--racks R]                           spread the nodes over R racks (default: one rack per node)
         [--auth none|password]                password: PasswordAuthenticator + CassandraAuthorizer,
                                               superuser cassandra/cassandra (default none)
         [--no-start]                          configure only; `rig start N` starts each node
  rig down [--wipe]                            stop every node (--wipe: also delete the rig dir)
  rig stop N | rig start N                     stop/start one node, keeping its data
  rig status                                   per node pid/CQL/tokens, plus `nodetool status`; non-zero if any is down
  rig nodetool N ARGS...                       nodetool against node N's JMX port
  rig cqlsh N ARGS...                          cqlsh to node N
  rig env N [--json]                           paths and ports for cassvault's config
  rig load [--scale S] [--node N]              write the deterministic test data set
  rig dump KS[.TABLE] [--node N]               print rows in a stable, diffable order
  rig logs N                                   print node N's log path

Environment: CASSVAULT_CACHE (default ~/.cache/cassvault), CASSVAULT_RIG_DIR (default $CASSVAULT_CACHE/rig).
"""


def _node_arg(value):
    n = int(value)
    if not 1 <= n <= 3:
        raise argparse.ArgumentTypeError("node must be 1, 2 or 3")
    return n


def build_parser():
    p = argparse.ArgumentParser(prog="rig", usage=USAGE, add_help=True)
    sub = p.add_subparsers(dest="cmd", metavar="COMMAND")
    sub.required = True

    s = sub.add_parser("fetch", help="download the Cassandra jars")
    s.add_argument("--version", default=DEFAULT_VERSION)

    s = sub.add_parser("up", help="start the rig")
    s.add_argument("--nodes", type=int, default=1, choices=[1, 2, 3])
    s.add_argument("--version", default=DEFAULT_VERSION)
    s.add_argument("--format", default="nb", choices=sorted(FORMATS))
    s.add_argument("--heap", default=None, help="per-node heap (default 1g for 1 node, 512m otherwise)")
    s.add_argument("--keep-data", action="store_true", help="reuse the node dirs of a stopped rig")
    s.add_argument("--timeout", type=int, default=120, help="seconds each node may take to come up")
    s.add_argument("--vnodes", type=int, default=0, metavar="N",
                   help="num_tokens N, no initial_token, allocated for RF 3 (5.0's default yaml); "
                        "default 0: one fixed token per node")
    s.add_argument("--cluster-name", default=CLUSTER_NAME)
    s.add_argument("--dc", default=DEFAULT_DC)
    s.add_argument("--racks", type=int, default=0, help="spread nodes over R racks (default: one per node)")
    s.add_argument("--auth", default="none", choices=["none", "password"])
    s.add_argument("--no-start", action="store_true", help="write the configuration, start no node")

    s = sub.add_parser("down", help="stop every node")
    s.add_argument("--wipe", action="store_true", help="also delete the rig dir")

    for name in ("stop", "start"):
        s = sub.add_parser(name, help="%s one node, keeping its data" % name)
        s.add_argument("node", type=_node_arg)
        if name == "start":
            s.add_argument("--timeout", type=int, default=120)

    sub.add_parser("status", help="node processes, CQL and nodetool status")

    for name in ("nodetool", "cqlsh"):
        s = sub.add_parser(name, help="run %s against node N" % name)
        s.add_argument("node", type=_node_arg)
        s.add_argument("args", nargs=argparse.REMAINDER)

    s = sub.add_parser("env", help="paths and ports of node N")
    s.add_argument("node", type=_node_arg)
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("load", help="write the deterministic data set")
    s.add_argument("--scale", type=float, default=1.0)
    s.add_argument("--node", type=_node_arg, default=1, help="coordinator node")

    s = sub.add_parser("dump", help="print a keyspace or table in a stable order")
    s.add_argument("target", metavar="KS[.TABLE]")
    s.add_argument("--node", type=_node_arg, default=1)
    s.add_argument("--consistency", default=None, help="default: ALL with 3 nodes, else ONE")

    s = sub.add_parser("logs", help="print node N's log path")
    s.add_argument("node", type=_node_arg)
    return p


def run(args):
    if args.cmd == "fetch":
        from .fetch import fetch
        print(fetch(args.version))
        return 0
    if args.cmd == "up":
        return cluster.up(args.nodes, args.version, args.format, args.heap, args.keep_data, args.timeout,
                          args.vnodes, args.cluster_name, args.dc, args.racks, args.auth, not args.no_start)
    if args.cmd == "down":
        return cluster.down(args.wipe)
    if args.cmd == "stop":
        return cluster.stop_node(args.node)
    if args.cmd == "start":
        return cluster.start_node(args.node, args.timeout)
    if args.cmd == "status":
        return cluster.status()
    if args.cmd == "nodetool":
        sys.stdout.flush()
        return cluster.run_nodetool(cluster.fetched_state_for_tools(), args.node, args.args, capture=False)
    if args.cmd == "cqlsh":
        return exec_cqlsh(args.node, args.args)
    if args.cmd == "env":
        env = cluster.node_env(args.node)
        print(json.dumps(env, indent=2) if args.json else cluster.format_env_shell(env))
        return 0
    if args.cmd == "load":
        from . import data
        return data.load(cluster.require_state(), args.scale, args.node)
    if args.cmd == "dump":
        from . import data
        return data.dump(cluster.require_state(), args.target, args.node, args.consistency)
    if args.cmd == "logs":
        env = cluster.node_env(args.node)
        print(env["log"])
        return 0
    raise AssertionError(args.cmd)


def exec_cqlsh(n, extra):
    cqlsh = os.path.join(cache_dir(), "venv", "bin", "cqlsh")
    if not os.access(cqlsh, os.X_OK):
        raise RigError("cqlsh not found at %s; run scripts/install-deps to install it" % cqlsh)
    sys.stdout.flush()
    os.execv(cqlsh, [cqlsh, node_address(n), "9042"] + list(extra))


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except RigError as e:
        print("rig %s: error: %s" % (args.cmd, e), file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("rig %s: interrupted" % args.cmd, file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `rig dump ... | head`: the reader left. Point stdout at /dev/null so the exit flush is quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
