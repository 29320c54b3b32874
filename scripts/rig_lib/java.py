"""Java command lines: the Cassandra daemon, nodetool and the other tools in cassandra-all.

The flags follow Cassandra 5.0's conf/jvm-server.options, conf/jvm17-server.options and
conf/jvm17-clients.options, because the jars are started without Cassandra's bin/ scripts.
Every --add-exports/--add-opens is needed on Java 17: without them startup or nodetool fail
with InaccessibleObjectException deep inside Cassandra.
"""

import functools
import os
import re
import shlex
import shutil
import subprocess

from .common import RigError, write_file
from .fetch import find_jar

_EXPORTS_SERVER = [
    "java.base/jdk.internal.misc", "java.management.rmi/com.sun.jmx.remote.internal.rmi",
    "java.management/com.sun.jmx.remote.security", "java.rmi/sun.rmi.registry", "java.rmi/sun.rmi.server",
    "java.sql/java.sql", "java.base/java.lang.ref", "jdk.unsupported/sun.misc",
    "jdk.compiler/com.sun.tools.javac.file", "jdk.attach/sun.tools.attach",
]
_OPENS_SERVER = [
    "java.base/java.lang.module", "java.base/jdk.internal.loader", "java.base/jdk.internal.ref",
    "java.base/jdk.internal.reflect", "java.base/jdk.internal.math", "java.base/jdk.internal.module",
    "java.base/jdk.internal.util.jar", "jdk.management/com.sun.management.internal", "java.base/sun.nio.ch",
    "java.base/java.io", "java.base/java.lang.reflect", "jdk.compiler/com.sun.tools.javac",
    "java.base/java.lang", "java.base/java.util", "java.base/java.nio",
]
_EXPORTS_CLIENT = [
    "java.base/jdk.internal.misc", "java.base/jdk.internal.ref", "java.base/sun.nio.ch",
    "java.management.rmi/com.sun.jmx.remote.internal.rmi", "java.rmi/sun.rmi.registry",
    "java.rmi/sun.rmi.server", "java.sql/java.sql", "jdk.unsupported/sun.misc",
    "jdk.compiler/com.sun.tools.javac.file", "jdk.attach/sun.tools.attach",
]
_OPENS_CLIENT = [
    "java.base/java.lang.module", "java.base/jdk.internal.loader", "java.base/jdk.internal.ref",
    "java.base/jdk.internal.reflect", "java.base/jdk.internal.math", "java.base/jdk.internal.module",
    "java.base/jdk.internal.util.jar", "jdk.management/com.sun.management.internal", "java.base/sun.nio.ch",
    "java.base/java.io", "java.base/java.util.concurrent", "java.base/java.util",
    "java.base/java.util.concurrent.atomic", "java.base/java.lang", "java.base/java.math",
    "jdk.compiler/com.sun.tools.javac", "java.base/java.lang.reflect", "java.base/java.net",
]

# From conf/jvm-server.options minus -XX:+AlwaysPreTouch (touching the whole heap up front slows
# startup) and -XX:+UseNUMA (meaningless here), plus the G1 block of jvm17-server.options.
_SERVER_BASE = [
    "-Xss256k", "-ea", "-da:net.openhft...", "-XX:+UseThreadPriorities", "-XX:+HeapDumpOnOutOfMemoryError",
    "-XX:+UseTLAB", "-XX:+ResizeTLAB", "-XX:+PerfDisableSharedMem", "-Djava.net.preferIPv4Stack=true",
    "-Dchronicle.analytics.disable=true",
    "-XX:+UseG1GC", "-XX:+ParallelRefProcEnabled", "-XX:MaxTenuringThreshold=1", "-XX:G1HeapRegionSize=16m",
    "-XX:G1RSetUpdatingPauseTimePercent=5", "-XX:MaxGCPauseMillis=300", "-XX:InitiatingHeapOccupancyPercent=70",
    "-Djdk.attach.allowAttachSelf=true",
]
_NETTY = ["-Dio.netty.tryReflectionSetAccessible=true", "-Dio.netty.allocator.useCacheForAllThreads=true",
          "-Dio.netty.allocator.maxOrder=11"]

TOOL_PACKAGE = "org.apache.cassandra.tools."


def find_java():
    """The java binary: $JAVA_HOME/bin/java if set, else java on PATH. Cassandra 5.0 runs on 11 and 17 only."""
    home = os.environ.get("JAVA_HOME")
    java = os.path.join(home, "bin", "java") if home else shutil.which("java")
    if not java or not os.access(java, os.X_OK):
        where = "$JAVA_HOME/bin/java (%s)" % java if home else "java on PATH"
        raise RigError("java missing: no %s; Cassandra 5.0 needs Java 11 or 17 (run scripts/install-deps)" % where)
    major = java_major(java)
    if major not in (11, 17):
        raise RigError("%s is Java %s; Cassandra 5.0 runs only on Java 11 or 17 (set JAVA_HOME)" % (java, major))
    return java


@functools.lru_cache(maxsize=None)
def java_major(java):
    out = subprocess.run([java, "-version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not m:
        raise RigError("cannot tell the version of %s from `java -version`:\n%s" % (java, out))
    major = int(m.group(1))
    return int(m.group(2)) if major == 1 else major


@functools.lru_cache(maxsize=None)
def _modules(java):
    """Modules of this runtime. A JRE without jdk.compiler warns about every flag naming it, so flags for
    absent modules are dropped rather than left to print warnings into every nodetool call."""
    out = subprocess.run([java, "--list-modules"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    return frozenset(line.split("@")[0].strip() for line in out.splitlines() if line.strip())


def _module_flags(java, exports, opens):
    mods = _modules(java)
    flags = []
    for kind, items in (("--add-exports", exports), ("--add-opens", opens)):
        for item in items:
            if item.split("/")[0] in mods:
                flags += [kind, item + "=ALL-UNNAMED"]
    return flags


def server_command(java, lib, node, heap, ring_delay_ms=1000):
    """The CassandraDaemon command line for one node (a rig_lib.node.Node)."""
    return ([java, "-Xms" + heap, "-Xmx" + heap] + _SERVER_BASE
            + _module_flags(java, _EXPORTS_SERVER, _OPENS_SERVER) + _NETTY + [
                "-javaagent:" + find_jar(lib, "jamm"),
                "-XX:HeapDumpPath=" + node.logs_dir,
                # As bin/cassandra does: a node that ran out of memory must not limp on.
                "-XX:+CrashOnOutOfMemoryError",
                "-XX:ErrorFile=" + os.path.join(node.logs_dir, "hs_err_%p.log"),
                "-Dcassandra.config=file://" + node.yaml,
                "-Dcassandra-foreground=yes",
                "-Dcassandra.jmx.local.port=%d" % node.jmx_port,
                "-Dcom.sun.management.jmxremote.authenticate=false",
                "-Dcassandra.storagedir=" + node.dir,
                "-Dcassandra.logdir=" + node.logs_dir,
                "-Dcassandra-pidfile=" + node.cassandra_pidfile,
                "-Dcassandra.triggers_dir=" + node.triggers_dir,
                "-Dlogback.configurationFile=" + os.path.join(node.conf_dir, "logback.xml"),
                # Start-up shortcuts that only make sense on a throwaway loopback cluster.
                "-Dcassandra.skip_wait_for_gossip_to_settle=0",
                "-Dcassandra.superuser_setup_delay_ms=0",
                "-Dcassandra.ring_delay_ms=%d" % ring_delay_ms,
                "-Dcassandra.unsafesystem=true",
                # JNA and netty unpack native libraries; keep them under the rig instead of /tmp.
                "-Djna.tmpdir=" + node.tmp_dir,
                "-Djava.io.tmpdir=" + node.tmp_dir,
                # Conf dir first: cassandra-rackdc.properties and commitlog_archiving.properties
                # are loaded from the classpath.
                "-cp", node.conf_dir + ":" + os.path.join(lib, "*"),
                "org.apache.cassandra.service.CassandraDaemon",
            ])


def client_flags(java):
    """JVM flags, except the heap, shared by nodetool and the other tools (conf/jvm17-clients.options)."""
    return (["-XX:ParallelGCThreads=1", "-Djdk.attach.allowAttachSelf=true"]
            + _module_flags(java, _EXPORTS_CLIENT, _OPENS_CLIENT)
            + ["-Dcom.sun.jndi.rmiURLParsing=legacy"])


# nodetool is a short JMX client that the rig and the tests start many times (flush after every load
# batch, status polls). The C1-only JIT and the serial collector cut its CPU time by about 40%, which
# matters on two cores shared with three nodes. The long-running tools keep the default JIT.
_NODETOOL_EXTRA = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]


def nodetool_flags(java):
    return ["-Xmx128m"] + client_flags(java) + _NODETOOL_EXTRA


def nodetool_command(java, lib, tools_dir, host, port, args):
    return ([java] + nodetool_flags(java)
            + ["-Dlogback.configurationFile=" + os.path.join(tools_dir, "logback-tools.xml"),
               "-cp", os.path.join(lib, "*"), TOOL_PACKAGE + "NodeTool", "-h", host, "-p", str(port)] + list(args))


def tool_java_command(java, lib, tools_dir, conf_dir):
    """java, its flags and the classpath of a long-running tool, without the main class: what cassvault's
    `load.java_command` takes (it appends an @argfile holding the main class and the arguments)."""
    return ([java, "-Xmx256m"] + client_flags(java)
            + ["-Dlogback.configurationFile=" + os.path.join(tools_dir, "logback-tools.xml"),
               "-cp", conf_dir + ":" + os.path.join(lib, "*")])


LOGBACK_TOOLS = """<!-- Generated by scripts/rig: tools log WARN and up to stderr, so their stdout stays parseable. -->
<configuration>
  <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.err</target>
    <encoder><pattern>%-5level %date{ISO8601} %logger{0} - %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="STDERR"/></root>
</configuration>
"""

# Wrapper scripts. Like Cassandra's bin/nodetool they hand leading and embedded -D... arguments to the
# JVM (cassandra-medusa passes some), everything else to the tool. CASSANDRA_CONF puts a conf dir
# first on the classpath for the offline tools, which read cassandra.yaml from there.
_WRAPPER = """#!/bin/bash
# Generated by scripts/rig for cassandra-all {version}; regenerated by `rig up`. Do not edit.
# {doc}
set -euo pipefail
jvm=()
args=()
for a in "$@"; do
  case "$a" in
    -D*) jvm+=("$a") ;;
    *) args+=("$a") ;;
  esac
done
{body}
"""


def write_wrappers(java, lib, version, tools_dir, bin_dir, default_conf):
    """Write bin/nodetool, bin/sstableloader and bin/cassandra-tool; return their paths by name."""
    write_file(os.path.join(tools_dir, "logback-tools.xml"), LOGBACK_TOOLS)
    q = shlex.quote
    flags_nt = " ".join(q(f) for f in nodetool_flags(java))
    # The long-running tools get 256m like Cassandra's tool scripts; CASSVAULT_TOOL_HEAP overrides it.
    flags_tool = '"-Xmx${CASSVAULT_TOOL_HEAP:-256m}" ' + " ".join(q(f) for f in client_flags(java))
    logback = "-Dlogback.configurationFile=" + q(os.path.join(tools_dir, "logback-tools.xml"))
    cp_lib = q(os.path.join(lib, "*"))
    conf = 'conf=${CASSANDRA_CONF:-%s}' % q(default_conf)
    scripts = {
        "nodetool": (
            "nodetool from the rig's jars; takes -h HOST -p JMX_PORT like the real one (default 127.0.0.1:7199).",
            'exec %s %s %s "${jvm[@]}" -cp %s %sNodeTool "${args[@]}"'
            % (q(java), flags_nt, logback, cp_lib, TOOL_PACKAGE)),
        "sstableloader": (
            "sstableloader (BulkLoader): sstableloader -d 127.0.0.1 [-p 9042] DIR. CASSANDRA_CONF picks the conf dir.",
            '%s\nexec %s %s %s "${jvm[@]}" -cp "$conf":%s %sBulkLoader "${args[@]}"'
            % (conf, q(java), flags_tool, logback, cp_lib, TOOL_PACKAGE)),
        "cassandra-tool": (
            "cassandra-tool CLASS ARGS: any tool class in cassandra-all, e.g. SSTableRepairedAtSetter, "
            "StandaloneVerifier, SSTableMetadataViewer (short names mean org.apache.cassandra.tools.*). "
            "CASSANDRA_CONF picks the conf dir (default node1's); offline tools need that node stopped.",
            '%s\n[ ${#args[@]} -ge 1 ] || { echo "usage: cassandra-tool CLASS [ARGS...]" >&2; exit 2; }\n'
            'cls=${args[0]}; [[ $cls == *.* ]] || cls=%s$cls\n'
            'exec %s %s %s "${jvm[@]}" -cp "$conf":%s "$cls" "${args[@]:1}"'
            % (conf, TOOL_PACKAGE, q(java), flags_tool, logback, cp_lib)),
    }
    paths = {}
    for name, (doc, body) in scripts.items():
        path = os.path.join(bin_dir, name)
        write_file(path, _WRAPPER.format(version=version, doc=doc, body=body), mode=0o755)
        paths[name] = path
    return paths
