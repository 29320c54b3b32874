// src/ops/config.h — cassvault.yaml: which vault, how to unlock it, and which node. Documented in
// docs/config.md. Every error names the file, the key and the problem.
#pragma once

#include <string>
#include <vector>

#include "backends/store_settings.h"
#include "cassandra/node_tool.h"
#include "core/result.h"
#include "crypto/key_slot.h"
#include "env/process_priority.h"

namespace cv::ops {

// load: how `restore --mode load` runs sstableloader (docs/config.md). The loader's JVM is started directly
// (java + @argfile), so secrets stay out of argv: see cassandra/bulk_loader.h.
struct LoadSettings {
  std::vector<std::string> java_command;  // java, JVM flags, -cp CLASSPATH (conf dir, Cassandra's lib/*)
  std::vector<std::string> hosts;         // contact points (default: node.cql.host)
  int native_port = 0, storage_port = 0;  // default: node.cql.port / the loader's 7000
  std::string credentials_file;           // default: node.cql.credentials_file
  std::string conf_file;                  // a cassandra.yaml handed to the loader (-f): encryption options
  std::string truststore, truststore_password_file, keystore, keystore_password_file;
  int timeout_seconds = 3600;  // one table's load
};

// daemon: `cassvault daemon` (docs/operations.md).
struct DaemonSettings {
  int poll_interval_seconds = 60;           // how often the vault's policies are re-read (>= 5)
  std::vector<std::string> policy_files;    // node-local policy files, used instead of the vault's
  int maintenance_interval_seconds = 3600;  // --maintenance: how often it runs (>= 60)
};

// How much of the node cassvault may take from Cassandra (docs/operations.md "Running beside Cassandra").
struct PacingSettings {
  env::Priority backup_priority =
      env::Priority::kBackground;                           // backup.priority: backup, verify, prune, daemon
  env::Priority restore_priority = env::Priority::kNormal;  // restore.priority: a restore is the emergency
  double max_cpu = 0;          // backup.max_cpu: cores the backup's process may use on average; 0 = unlimited
  uint64_t max_read_rate = 0;  // backup.max_read_rate: bytes/s read from the node's disks; 0 = unlimited
};

struct Config {
  std::string path;  // where it was read from
  // vault
  std::string vault_url;
  std::string key_file;                                 // unlock with a key file ...
  std::string passphrase_env = "CASSVAULT_PASSPHRASE";  // ... or a passphrase from this variable / a prompt
  backends::StoreSettings store;                        // vault.tls, vault.transfer, vault.azure, vault.s3
  // node
  std::string cassandra_yaml;
  cassandra::NodeToolSettings nodetool;  // node.nodetool (command), node.*_timeout, node.jmx
  // node.clear_snapshot: `files` (default: delete the snapshot's directories, no JVM) or `nodetool`
  // (`nodetool clearsnapshot`: one more JVM per backup; for Cassandra versions that keep snapshots in
  // memory).
  bool clear_snapshot_with_nodetool = false;
  std::string cql_host;              // default: the yaml's rpc_address, else 127.0.0.1
  int cql_port = 0;                  // default: the yaml's native_transport_port
  std::string cql_credentials_file;  // "username=...\npassword=..." (mode 0600); never argv
  // node.cql.tls: CQL over TLS, the server verified against ca_file; a client certificate is optional.
  bool cql_tls = false;
  std::string cql_tls_ca_file, cql_tls_cert_file, cql_tls_key_file;
  bool cql_tls_verify_address = true;  // the certificate must name the address connected to
  LoadSettings load;                   // load.*
  // engine
  std::string cache_dir;  // default: $XDG_CACHE_HOME or ~/.cache, + /cassvault
  int parallelism = 0;    // 0: one worker per core
  int zstd_level = 1;     // the default: see docs/config.md (backup.zstd_level)
  PacingSettings pacing;  // backup.priority, backup.max_cpu, backup.max_read_rate, restore.priority
  DaemonSettings daemon;  // daemon.*
};

// "50MiB", "50M", "1g", "800k", "800KiB/s" or plain bytes, per second; 0 = unlimited.
Result<uint64_t> ParseByteRate(const std::string& text);

// Path resolution: `explicit_path`, else $CASSVAULT_CONFIG, else /etc/cassvault/cassvault.yaml.
std::string ResolveConfigPath(const std::string& explicit_path);
Result<Config> LoadConfig(const std::string& path);

// The vault's key, from the config: the key file, else the passphrase variable, else a prompt on the
// terminal (no echo). Unauthenticated with what to set when none is available.
Result<crypto::KeySecret> LoadKeySecret(const Config& config, bool confirm_new);
// The passphrase from config.passphrase_env, without prompting; false when unset. The variable is
// consumed: its value moves into key memory (crypto::SecretBytes) and the variable is removed from the
// environment (its bytes overwritten), so neither a child process nor a later reader of this process's
// environment finds it. A second call finds it only if it was set again.
bool PassphraseFromEnv(const Config& config, crypto::KeySecret* out);

struct CqlCredentials {
  std::string username, password;
};
// Refuses a file that group or others may read (env::CheckPrivateFile).
Result<CqlCredentials> LoadCqlCredentials(const std::string& path);

}  // namespace cv::ops
