// src/cassandra/bulk_loader.h — Cassandra's own sstableloader (org.apache.cassandra.tools.BulkLoader),
// run as a child process on one directory `<...>/<keyspace>/<table>` of SSTables: it asks the target
// cluster for its ring and streams each SSTable's rows to the nodes that own them now, whatever the
// cluster's shape.
//
// Secrets never reach argv. BulkLoader takes its CQL password (and truststore/keystore passwords) only
// as arguments, and a wrapper script passes those on to the JVM, where every `ps` shows them. So the
// JVM is started directly: the configured java command (`load.java_command`: java, its flags, the
// classpath) followed by one `@ARGFILE`. The java launcher reads the main class and every argument from
// that file (private to us, removed when the loader exits), and /proc/PID/cmdline shows only its path.
// `-XX:+PerfDisableSharedMem` keeps the JVM from publishing its command line in /tmp/hsperfdata_<user>.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/result.h"
#include "env/safe_dir.h"

namespace cv::cassandra {

inline constexpr char kBulkLoaderClass[] = "org.apache.cassandra.tools.BulkLoader";

struct BulkLoaderSettings {
  std::vector<std::string> java_command;  // java, JVM flags, -cp CLASSPATH; the @argfile is appended
  std::vector<std::string> hosts;         // -d: contact points for the ring
  int native_port = 0;                    // -p (0: the loader's default, 9042)
  int storage_port = 0;                   // -sp (0: the loader's default, 7000)
  std::string username, password;         // -u/-pw, from the CQL credentials file; both or neither
  int throttle_mib = 0;                   // --throttle-mib and --entire-sstable-throttle-mib (0: none)
  std::string conf_file;                  // -f: a cassandra.yaml (encryption options, stream throughput)
  std::string truststore, truststore_password, keystore, keystore_password;  // client TLS
  std::chrono::seconds timeout{3600};                                        // one table
};

// One argument as a java launcher @argfile token: double-quoted, '\' doubled, a '"' as '"' in single
// quotes (the launcher ends a double-quoted run at '"' even after '\'). InvalidArgument for control
// characters (a line break would end the token), naming only `what`, never the value.
Result<std::string> ArgFileToken(const std::string& arg, const std::string& what);

// The BulkLoader arguments for loading `table_dir` (passwords included: these go to the argfile only).
Result<std::vector<std::string>> BulkLoaderArgs(const BulkLoaderSettings& s, const std::string& table_dir);
// The same with every secret replaced by "***", for plans and messages.
std::vector<std::string> RedactedBulkLoaderArgs(const BulkLoaderSettings& s, const std::string& table_dir);

// Writes the argfile (0600, O_EXCL) into `private_dir`, runs java_command + "@<argfile>" through
// env::RunChild (allow-listed environment, deadline, own process group), removes the argfile. OK on
// exit code 0; Unavailable("sstableloader <ks>.<table>", "exit code N: <output tail>") otherwise, with
// any secret masked; DeadlineExceeded past `timeout`.
Status RunBulkLoader(const BulkLoaderSettings& s, const env::SafeDir& private_dir,
                     const std::string& table_dir, const std::string& label);

}  // namespace cv::cassandra
