"""Resolve cassandra-all and its dependencies from the Maven repository into the cache.

Uses a generated pom that depends only on cassandra-all and the dependency plugin's
copy-dependencies goal, which copies the direct dependency (cassandra-all itself) together with
its whole runtime closure. The plugin version is pinned so that every machine resolves the same way.
"""

import glob
import os
import shutil
import subprocess
import time

from .common import RigError, cache_dir, log, write_file

DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1"
MARKER = ".fetched"

# No xmlns on <project>: Maven reads the pom without it.
POM = """<project>
  <modelVersion>4.0.0</modelVersion>
  <groupId>cassvault.test</groupId>
  <artifactId>cassandra-runtime</artifactId>
  <version>0</version>
  <dependencies>
    <dependency>
      <groupId>org.apache.cassandra</groupId>
      <artifactId>cassandra-all</artifactId>
      <version>{version}</version>
    </dependency>
  </dependencies>
</project>
"""


def version_dir(version):
    return os.path.join(cache_dir(), "cassandra-%s" % version)


def lib_dir(version):
    return os.path.join(version_dir(version), "lib")


def is_fetched(version):
    return os.path.isfile(os.path.join(version_dir(version), MARKER))


def fetch(version):
    """Return the lib dir for version, downloading the jars once.

    Jars land in a scratch directory that is renamed into place before the marker is written,
    so an interrupted fetch is simply redone and never leaves a half-filled lib/ that looks complete.
    """
    lib = lib_dir(version)
    if is_fetched(version):
        return lib
    if shutil.which("mvn") is None:
        raise RigError("mvn not found on PATH: install Maven (scripts/install-deps) to fetch Cassandra jars")
    vdir = version_dir(version)
    work = os.path.join(vdir, "fetch.tmp")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    write_file(os.path.join(work, "pom.xml"), POM.format(version=version))
    log("fetching org.apache.cassandra:cassandra-all:%s and its dependencies with mvn" % version)
    started = time.monotonic()
    cmd = ["mvn", "-q", "-B", "%s:copy-dependencies" % DEPENDENCY_PLUGIN, "-DoutputDirectory=lib"]
    proc = subprocess.run(cmd, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        raise RigError("mvn could not resolve cassandra-all %s (exit %d); last output:\n%s"
                       % (version, proc.returncode, "\n".join(proc.stdout.splitlines()[-30:])))
    jars = glob.glob(os.path.join(work, "lib", "*.jar"))
    if not any(os.path.basename(j) == "cassandra-all-%s.jar" % version for j in jars):
        raise RigError("mvn finished but cassandra-all-%s.jar is not among the %d copied jars" % (version, len(jars)))
    shutil.rmtree(lib, ignore_errors=True)
    os.replace(os.path.join(work, "lib"), lib)
    os.replace(os.path.join(work, "pom.xml"), os.path.join(vdir, "pom.xml"))
    shutil.rmtree(work, ignore_errors=True)
    write_file(os.path.join(vdir, MARKER), "".join(sorted(os.path.basename(j) + "\n" for j in jars)))
    log("fetched %d jars in %.1f s" % (len(jars), time.monotonic() - started))
    return lib


def find_jar(lib, prefix):
    """The jar in lib whose name starts with prefix- followed by a version (e.g. jamm-0.4.0.jar)."""
    found = sorted(glob.glob(os.path.join(lib, prefix + "-[0-9]*.jar")))
    if not found:
        raise RigError("no %s jar in %s; remove %s and run `rig fetch` again" % (prefix, lib, os.path.dirname(lib)))
    return found[-1]
