"""cassvault's local Cassandra test rig (see scripts/rig --help).

Split by concern: ``common`` (paths, errors, small process helpers), ``fetch`` (jars from the
Maven repository), ``java`` (JVM flags and tool wrappers), ``conf`` (per-node config files),
``node`` (one node's process), ``cluster`` (up/down/status across nodes), ``data`` (load and
dump through the Python driver), ``cli`` (argument parsing).
"""
