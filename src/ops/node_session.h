// src/ops/node_session.h — the pieces every operation needs about "this node": its cassandra.yaml,
// nodetool, CQL, and whether it is running. Built from the config.
#pragma once

#include <memory>
#include <string>

#include "cassandra/cql_session.h"
#include "cassandra/node_config.h"
#include "cassandra/node_tool.h"
#include "ops/config.h"
#include "ops/key_vault_slots.h"
#include "vault/vault.h"

namespace cv::ops {

// True if something accepts TCP connections on host:port (within ~1 s).
bool IsPortOpen(const std::string& host, int port);

// The offline interlock: OK only when nothing shows the node running. A node can have native
// transport off (start_native_transport: false, `nodetool disablebinary`) and still write into its
// data directories, so this checks the CQL port, the storage port (cassandra.yaml), the JMX port of
// node.nodetool (Cassandra keeps it in cassandra-env.sh, default 7199), and that no other process holds
// a file under the data or commitlog directories open (nor a JVM started with this cassandra.yaml).
// FailedPrecondition("node HOST:PORT (<which port>)" or "node: process PID (<comm>)",
// "is running ...; " + what_to_do).
Status CheckNodeStopped(const Config& config, const cassandra::NodeConfig& node,
                        const std::string& what_to_do);

struct CqlTarget {
  std::string host;
  int port = 9042;
};
CqlTarget ResolveCqlTarget(const Config& config, const cassandra::NodeConfig& node);
Result<std::unique_ptr<cassandra::CqlSession>> ConnectCql(const Config& config,
                                                          const cassandra::NodeConfig& node);

// Opens the vault the config names, unlocking it with the configured key. Messages say what to do. With
// vault.key_vault configured, its Key Vault slots are tried first and the key file / passphrase is the
// recovery key, used (with a warning on stderr naming why) when Key Vault fails (ops/key_vault_slots.h).
Result<std::unique_ptr<vault::Vault>> OpenVault(const Config& config);
// The same with a Key Vault already opened (key commands use it again): NotFound = not configured.
Result<std::unique_ptr<vault::Vault>> OpenVault(const Config& config, const Result<ConfiguredKeyVault>& kv);

// Tags name snapshot directories: Cassandra allows [\w-]+.
Status CheckTag(const std::string& tag);

}  // namespace cv::ops
