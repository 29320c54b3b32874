#include "ops/config.h"

#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "env/private_file.h"

namespace cv::ops {
namespace {

Status KeyError(const std::string& path, const std::string& key, const std::string& problem) {
  return Status::InvalidArgument(path + ": key '" + key + "'", problem);
}

// Rejects keys we do not know: a typo must not silently fall back to a default.
Status CheckKeys(const YAML::Node& node, const std::string& path, const std::string& where,
                 const std::set<std::string>& known) {
  if (!node.IsMap()) return KeyError(path, where, "expected a mapping");
  for (const auto& kv : node) {
    std::string k = kv.first.as<std::string>();
    if (!known.count(k)) {
      std::string list;
      for (const auto& s : known) list += (list.empty() ? "" : ", ") + s;
      return KeyError(path, where.empty() ? k : where + "." + k, "unknown key (known: " + list + ")");
    }
  }
  return Status::OK();
}

Result<std::string> GetString(const YAML::Node& node, const std::string& path, const std::string& key) {
  if (!node.IsScalar()) return KeyError(path, key, "expected a string");
  return node.as<std::string>();
}

Result<int> GetInt(const YAML::Node& node, const std::string& path, const std::string& key, int lo, int hi) {
  int v = 0;
  if (!node.IsScalar() || !YAML::convert<int>::decode(node, v))
    return KeyError(path, key, "expected an integer");
  if (v < lo || v > hi) {
    return KeyError(path, key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  }
  return v;
}

Result<bool> GetBool(const YAML::Node& node, const std::string& path, const std::string& key) {
  bool v = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, v))
    return KeyError(path, key, "expected true or false");
  return v;
}

Result<uint64_t> GetByteRate(const YAML::Node& node, const std::string& path, const std::string& key) {
  auto rate = ParseByteRate(node.IsScalar() ? node.as<std::string>() : "");
  if (!rate.ok()) return KeyError(path, key, "expected a rate such as 50MiB (per second) or 0 for unlimited");
  return rate;
}

// Backend sections are copied as scalar maps: the backend that the URL picks validates its own keys.
Status CopyScalars(const YAML::Node& node, const std::string& path, const std::string& where,
                   std::map<std::string, std::string>* out) {
  if (!node.IsMap()) return KeyError(path, where, "expected a mapping");
  for (const auto& kv : node) {
    std::string k = kv.first.as<std::string>();
    if (!kv.second.IsScalar()) return KeyError(path, where + "." + k, "expected a string");
    (*out)[k] = kv.second.as<std::string>();
  }
  return Status::OK();
}

Status ParseStoreSettings(const YAML::Node& vault, const std::string& p, backends::StoreSettings* s) {
  s->config_path = p;
  if (const YAML::Node tls = vault["tls"]) {
    CV_RETURN_IF_ERROR(CheckKeys(tls, p, "vault.tls", {"ca_file", "insecure_skip_verify"}));
    if (tls["ca_file"]) {
      CV_ASSIGN_OR_RETURN(s->ca_file, GetString(tls["ca_file"], p, "vault.tls.ca_file"));
    }
    if (tls["insecure_skip_verify"]) {
      CV_ASSIGN_OR_RETURN(s->insecure_tls,
                          GetBool(tls["insecure_skip_verify"], p, "vault.tls.insecure_skip_verify"));
    }
  }
  if (const YAML::Node t = vault["transfer"]) {
    CV_RETURN_IF_ERROR(CheckKeys(t, p, "vault.transfer",
                                 {"max_connections", "max_bandwidth", "max_attempts", "stall_timeout"}));
    if (t["max_connections"]) {
      CV_ASSIGN_OR_RETURN(s->max_connections,
                          GetInt(t["max_connections"], p, "vault.transfer.max_connections", 1, 256));
    }
    if (t["max_bandwidth"]) {
      CV_ASSIGN_OR_RETURN(s->max_bandwidth,
                          GetByteRate(t["max_bandwidth"], p, "vault.transfer.max_bandwidth"));
    }
    if (t["max_attempts"]) {
      CV_ASSIGN_OR_RETURN(s->max_attempts,
                          GetInt(t["max_attempts"], p, "vault.transfer.max_attempts", 1, 100));
    }
    if (t["stall_timeout"]) {
      CV_ASSIGN_OR_RETURN(s->stall_timeout_s,
                          GetInt(t["stall_timeout"], p, "vault.transfer.stall_timeout", 1, 3600));
    }
  }
  if (vault["azure"]) CV_RETURN_IF_ERROR(CopyScalars(vault["azure"], p, "vault.azure", &s->azure));
  if (vault["s3"]) CV_RETURN_IF_ERROR(CopyScalars(vault["s3"], p, "vault.s3", &s->s3));
  if (vault["key_vault"]) {
    CV_RETURN_IF_ERROR(CopyScalars(vault["key_vault"], p, "vault.key_vault", &s->key_vault));
  }
  return Status::OK();
}

std::string DefaultCacheDir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/cassvault";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/cassvault";
  return "/var/lib/cassvault/cache";
}

Result<std::chrono::seconds> GetSeconds(const YAML::Node& node, const std::string& path,
                                        const std::string& key) {
  CV_ASSIGN_OR_RETURN(int v, GetInt(node, path, key, 1, 7 * 24 * 3600));
  return std::chrono::seconds(v);
}

// A password on nodetool's command line would show in every `ps` listing: it goes in a file.
bool IsPasswordFlag(const std::string& a) {
  return a == "-pw" || a == "--password" || a.starts_with("--password=") || a.starts_with("-pw=");
}

Status ParseNodeTool(const YAML::Node& node, const std::string& p, cassandra::NodeToolSettings* nt) {
  if (const YAML::Node cmd = node["nodetool"]) {
    nt->command.clear();
    if (cmd.IsScalar()) {
      nt->command.push_back(cmd.as<std::string>());
    } else if (cmd.IsSequence() && cmd.size() > 0) {
      for (const auto& a : cmd) {
        CV_ASSIGN_OR_RETURN(std::string s, GetString(a, p, "node.nodetool"));
        if (IsPasswordFlag(s)) {
          return KeyError(p, "node.nodetool",
                          "holds a password flag (" + s +
                              "); a command line is visible to every user: put the JMX password in a file "
                              "and name it in node.jmx.password_file (nodetool -pwf)");
        }
        nt->command.push_back(s);
      }
    } else {
      return KeyError(p, "node.nodetool", "expected a command: a path, or a list [path, arg, ...]");
    }
    if (auto jmx = cassandra::JmxEndpointOf(nt->command); !jmx.ok()) {
      return Status::InvalidArgument(p + ": key " + jmx.status().message());
    }
  }
  if (node["nodetool_timeout"]) {
    CV_ASSIGN_OR_RETURN(nt->timeout, GetSeconds(node["nodetool_timeout"], p, "node.nodetool_timeout"));
  }
  if (node["snapshot_timeout"]) {
    CV_ASSIGN_OR_RETURN(nt->snapshot_timeout,
                        GetSeconds(node["snapshot_timeout"], p, "node.snapshot_timeout"));
  }
  if (node["import_timeout"]) {
    CV_ASSIGN_OR_RETURN(nt->import_timeout, GetSeconds(node["import_timeout"], p, "node.import_timeout"));
  }
  if (const YAML::Node jmx = node["jmx"]) {
    CV_RETURN_IF_ERROR(CheckKeys(jmx, p, "node.jmx", {"username", "password_file"}));
    if (jmx["username"]) {
      CV_ASSIGN_OR_RETURN(nt->jmx_username, GetString(jmx["username"], p, "node.jmx.username"));
    }
    if (jmx["password_file"]) {
      CV_ASSIGN_OR_RETURN(nt->jmx_password_file,
                          GetString(jmx["password_file"], p, "node.jmx.password_file"));
    }
    if (!nt->jmx_username.empty() && nt->jmx_password_file.empty()) {
      return KeyError(p, "node.jmx.password_file", "missing; the JMX password goes in a file (mode 0600)");
    }
  }
  return Status::OK();
}

// load: (restore --mode load). Lists take a sequence or one string; no password in the java command.
Status ParseLoad(const YAML::Node& l, const std::string& p, LoadSettings* out) {
  CV_RETURN_IF_ERROR(
      CheckKeys(l, p, "load",
                {"java_command", "hosts", "native_port", "storage_port", "credentials_file", "conf_file",
                 "truststore", "truststore_password_file", "keystore", "keystore_password_file", "timeout"}));
  auto list = [&](const char* key, std::vector<std::string>* v) -> Status {
    const YAML::Node n = l[key];
    if (!n) return Status::OK();
    if (n.IsScalar()) {
      v->push_back(n.as<std::string>());
      return Status::OK();
    }
    if (!n.IsSequence() || n.size() == 0) return KeyError(p, std::string("load.") + key, "expected a list");
    for (const auto& a : n) {
      CV_ASSIGN_OR_RETURN(std::string s, GetString(a, p, std::string("load.") + key));
      v->push_back(s);
    }
    return Status::OK();
  };
  CV_RETURN_IF_ERROR(list("java_command", &out->java_command));
  for (const auto& a : out->java_command) {
    std::string lower = a;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower.starts_with("-pw") || lower.find("password") != std::string::npos) {
      return KeyError(p, "load.java_command",
                      "holds a password (a -pw flag or a password property); a command line is visible to "
                      "every user: use load.credentials_file and the *_password_file keys");
    }
  }
  CV_RETURN_IF_ERROR(list("hosts", &out->hosts));
  if (l["native_port"]) {
    CV_ASSIGN_OR_RETURN(out->native_port, GetInt(l["native_port"], p, "load.native_port", 1, 65535));
  }
  if (l["storage_port"]) {
    CV_ASSIGN_OR_RETURN(out->storage_port, GetInt(l["storage_port"], p, "load.storage_port", 1, 65535));
  }
  if (l["timeout"]) {
    CV_ASSIGN_OR_RETURN(out->timeout_seconds, GetInt(l["timeout"], p, "load.timeout", 1, 7 * 24 * 3600));
  }
  for (auto [key, field] : {std::pair{"credentials_file", &out->credentials_file},
                            {"conf_file", &out->conf_file},
                            {"truststore", &out->truststore},
                            {"truststore_password_file", &out->truststore_password_file},
                            {"keystore", &out->keystore},
                            {"keystore_password_file", &out->keystore_password_file}}) {
    if (l[key]) {
      CV_ASSIGN_OR_RETURN(*field, GetString(l[key], p, std::string("load.") + key));
    }
  }
  return Status::OK();
}

// Seconds: a whole number (YAML int). A poll below 5 s would turn the vault's LIST into a steady load.
Status ParseDaemon(const YAML::Node& d, const std::string& p, DaemonSettings* out) {
  CV_RETURN_IF_ERROR(CheckKeys(d, p, "daemon", {"poll_interval", "policy_files", "maintenance_interval"}));
  if (d["poll_interval"]) {
    CV_ASSIGN_OR_RETURN(out->poll_interval_seconds,
                        GetInt(d["poll_interval"], p, "daemon.poll_interval", 5, 86400));
  }
  if (d["maintenance_interval"]) {
    CV_ASSIGN_OR_RETURN(out->maintenance_interval_seconds,
                        GetInt(d["maintenance_interval"], p, "daemon.maintenance_interval", 60, 7 * 86400));
  }
  if (const YAML::Node f = d["policy_files"]) {
    if (!f.IsSequence()) {
      return KeyError(p, "daemon.policy_files",
                      "must be a list of paths, e.g. [/etc/cassvault/nightly.yaml]");
    }
    for (size_t i = 0; i < f.size(); ++i) {
      CV_ASSIGN_OR_RETURN(std::string path,
                          GetString(f[i], p, "daemon.policy_files[" + std::to_string(i) + "]"));
      if (path.empty()) return KeyError(p, "daemon.policy_files", "holds an empty path");
      out->policy_files.push_back(std::move(path));
    }
  }
  return Status::OK();
}

Result<env::Priority> GetPriority(const YAML::Node& node, const std::string& path, const std::string& key) {
  std::string text = node.IsScalar() ? node.as<std::string>() : "";
  return env::ParsePriority(text, path + ": key '" + key + "'");  // named as KeyError names a key
}

// backup.priority, backup.max_cpu, backup.max_read_rate.
Status ParseBackupPacing(const YAML::Node& b, const std::string& p, PacingSettings* out) {
  if (b["priority"]) {
    CV_ASSIGN_OR_RETURN(out->backup_priority, GetPriority(b["priority"], p, "backup.priority"));
  }
  if (const YAML::Node cpu = b["max_cpu"]) {
    double v = 0;
    // A budget below a tenth of a core would turn a backup into days; the scheduler's background priority
    // already yields to Cassandra, so a tiny cap buys nothing.
    if (!cpu.IsScalar() || !YAML::convert<double>::decode(cpu, v) || !(v >= 0.1 && v <= 1024)) {
      return KeyError(
          p, "backup.max_cpu",
          "expected a number of cores between 0.1 and 1024, e.g. 0.5 (leave it out for no limit)");
    }
    out->max_cpu = v;
  }
  if (b["max_read_rate"]) {
    CV_ASSIGN_OR_RETURN(out->max_read_rate, GetByteRate(b["max_read_rate"], p, "backup.max_read_rate"));
  }
  return Status::OK();
}

Status ParseConfig(const YAML::Node& root, Config* c) {
  const std::string& p = c->path;
  CV_RETURN_IF_ERROR(
      CheckKeys(root, p, "", {"vault", "node", "backup", "restore", "load", "daemon", "cache_dir"}));
  const YAML::Node vault = root["vault"];
  if (!vault)
    return KeyError(p, "vault",
                    "missing; say where backups go, e.g. vault: {url: file:///var/backups/cassvault}");
  CV_RETURN_IF_ERROR(
      CheckKeys(vault, p, "vault",
                {"url", "key_file", "passphrase_env", "tls", "transfer", "azure", "s3", "key_vault"}));
  if (!vault["url"]) return KeyError(p, "vault.url", "missing; e.g. file:///var/backups/cassvault");
  CV_ASSIGN_OR_RETURN(c->vault_url, GetString(vault["url"], p, "vault.url"));
  if (vault["key_file"]) {
    CV_ASSIGN_OR_RETURN(c->key_file, GetString(vault["key_file"], p, "vault.key_file"));
  }
  if (vault["passphrase_env"]) {
    CV_ASSIGN_OR_RETURN(c->passphrase_env, GetString(vault["passphrase_env"], p, "vault.passphrase_env"));
  }
  CV_RETURN_IF_ERROR(ParseStoreSettings(vault, p, &c->store));

  const YAML::Node node = root["node"];
  if (!node) return KeyError(p, "node", "missing; name at least node.cassandra_yaml");
  CV_RETURN_IF_ERROR(CheckKeys(node, p, "node",
                               {"cassandra_yaml", "nodetool", "nodetool_timeout", "snapshot_timeout",
                                "import_timeout", "jmx", "cql", "clear_snapshot", "nodetool_class_cache"}));
  if (!node["cassandra_yaml"])
    return KeyError(p, "node.cassandra_yaml", "missing; the path of the node's cassandra.yaml");
  CV_ASSIGN_OR_RETURN(c->cassandra_yaml, GetString(node["cassandra_yaml"], p, "node.cassandra_yaml"));
  CV_RETURN_IF_ERROR(ParseNodeTool(node, p, &c->nodetool));
  if (node["clear_snapshot"]) {
    CV_ASSIGN_OR_RETURN(std::string how, GetString(node["clear_snapshot"], p, "node.clear_snapshot"));
    if (how != "files" && how != "nodetool") {
      return KeyError(p, "node.clear_snapshot", "'" + how + "' is not one of: files, nodetool");
    }
    c->clear_snapshot_with_nodetool = how == "nodetool";
  }
  if (const YAML::Node cql = node["cql"]) {
    CV_RETURN_IF_ERROR(CheckKeys(cql, p, "node.cql", {"host", "port", "credentials_file", "tls"}));
    if (cql["host"]) {
      CV_ASSIGN_OR_RETURN(c->cql_host, GetString(cql["host"], p, "node.cql.host"));
    }
    if (cql["port"]) {
      CV_ASSIGN_OR_RETURN(c->cql_port, GetInt(cql["port"], p, "node.cql.port", 1, 65535));
    }
    if (cql["credentials_file"]) {
      CV_ASSIGN_OR_RETURN(c->cql_credentials_file,
                          GetString(cql["credentials_file"], p, "node.cql.credentials_file"));
    }
    if (const YAML::Node tls = cql["tls"]) {
      CV_RETURN_IF_ERROR(
          CheckKeys(tls, p, "node.cql.tls", {"ca_file", "cert_file", "key_file", "verify_address"}));
      if (!tls["ca_file"]) {
        return KeyError(p, "node.cql.tls.ca_file",
                        "missing; the PEM file of the CA that signed the nodes' certificates (the server is "
                        "always verified)");
      }
      c->cql_tls = true;
      CV_ASSIGN_OR_RETURN(c->cql_tls_ca_file, GetString(tls["ca_file"], p, "node.cql.tls.ca_file"));
      if (tls["cert_file"]) {
        CV_ASSIGN_OR_RETURN(c->cql_tls_cert_file, GetString(tls["cert_file"], p, "node.cql.tls.cert_file"));
      }
      if (tls["key_file"]) {
        CV_ASSIGN_OR_RETURN(c->cql_tls_key_file, GetString(tls["key_file"], p, "node.cql.tls.key_file"));
      }
      if (c->cql_tls_cert_file.empty() != c->cql_tls_key_file.empty()) {
        return KeyError(p, "node.cql.tls", "cert_file and key_file go together (a client certificate)");
      }
      if (tls["verify_address"]) {
        CV_ASSIGN_OR_RETURN(c->cql_tls_verify_address,
                            GetBool(tls["verify_address"], p, "node.cql.tls.verify_address"));
      }
    }
  }
  if (const YAML::Node b = root["backup"]) {
    CV_RETURN_IF_ERROR(
        CheckKeys(b, p, "backup", {"parallelism", "zstd_level", "priority", "max_cpu", "max_read_rate"}));
    if (b["parallelism"]) {
      CV_ASSIGN_OR_RETURN(c->parallelism, GetInt(b["parallelism"], p, "backup.parallelism", 0, 256));
    }
    if (b["zstd_level"]) {
      CV_ASSIGN_OR_RETURN(c->zstd_level, GetInt(b["zstd_level"], p, "backup.zstd_level", 1, 19));
    }
    CV_RETURN_IF_ERROR(ParseBackupPacing(b, p, &c->pacing));
  }
  if (const YAML::Node r = root["restore"]) {
    CV_RETURN_IF_ERROR(CheckKeys(r, p, "restore", {"priority"}));
    if (r["priority"]) {
      CV_ASSIGN_OR_RETURN(c->pacing.restore_priority, GetPriority(r["priority"], p, "restore.priority"));
    }
  }
  if (const YAML::Node l = root["load"]) CV_RETURN_IF_ERROR(ParseLoad(l, p, &c->load));
  if (const YAML::Node d = root["daemon"]) CV_RETURN_IF_ERROR(ParseDaemon(d, p, &c->daemon));
  c->cache_dir = DefaultCacheDir();
  if (root["cache_dir"]) {
    CV_ASSIGN_OR_RETURN(c->cache_dir, GetString(root["cache_dir"], p, "cache_dir"));
  }
  bool class_cache = true;
  if (node["nodetool_class_cache"]) {
    CV_ASSIGN_OR_RETURN(class_cache, GetBool(node["nodetool_class_cache"], p, "node.nodetool_class_cache"));
  }
  c->nodetool.class_cache_dir = class_cache ? c->cache_dir + "/jvm-classes" : "";
  return Status::OK();
}

}  // namespace

Result<uint64_t> ParseByteRate(const std::string& text) {
  size_t i = 0;
  uint64_t v = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9' && v < (1ull << 50)) {
    v = v * 10 + static_cast<uint64_t>(text[i++] - '0');
  }
  std::string unit = text.substr(i);
  for (char& ch : unit) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (unit.size() > 2 && unit.substr(unit.size() - 2) == "/s") unit.resize(unit.size() - 2);
  if (unit.size() > 1 && unit.back() == 'b') unit.pop_back();
  if (unit.size() > 1 && unit.back() == 'i') unit.pop_back();
  static const std::map<std::string, uint64_t> kUnits = {
      {"", 1}, {"k", 1ull << 10}, {"m", 1ull << 20}, {"g", 1ull << 30}};
  auto u = kUnits.find(unit);
  if (i == 0 || u == kUnits.end()) {
    return Status::InvalidArgument("rate '" + text + "'",
                                   "expected bytes per second such as 50MiB, 800k or 0 (unlimited)");
  }
  return v * u->second;
}

std::string ResolveConfigPath(const std::string& explicit_path) {
  if (!explicit_path.empty()) return explicit_path;
  if (const char* env = std::getenv("CASSVAULT_CONFIG"); env && *env) return env;
  return "/etc/cassvault/cassvault.yaml";
}

Result<Config> LoadConfig(const std::string& path) {
  Config c;
  c.path = path;
  std::ifstream in(path);
  if (!in) {
    return Status::NotFound(
        "config " + path, "cannot be read; pass --config FILE or set CASSVAULT_CONFIG (see docs/config.md)");
  }
  try {
    YAML::Node root = YAML::Load(in);
    if (!root || root.IsNull())
      return Status::InvalidArgument(path, "the config file is empty (see docs/config.md)");
    CV_RETURN_IF_ERROR(ParseConfig(root, &c));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(path + ":" + std::to_string(e.mark.line + 1), "malformed YAML: " + e.msg);
  }
  return c;
}

Result<crypto::KeySecret> LoadKeySecret(const Config& config, bool confirm_new) {
  if (!config.key_file.empty()) return crypto::LoadKeyFile(config.key_file);
  if (crypto::KeySecret s; PassphraseFromEnv(config, &s)) return s;
  if (!::isatty(STDIN_FILENO)) {
    return Status(StatusCode::kUnauthenticated, "vault key",
                  "no key available: set " + config.passphrase_env + ", or vault.key_file in " + config.path);
  }
  auto prompt = [](const char* text) {
    std::cerr << text << std::flush;
    termios old{};
    tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::string line;
    std::getline(std::cin, line);
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
    return line;
  };
  std::string pass = prompt("Vault passphrase: ");
  if (pass.empty()) return Status::InvalidArgument("vault passphrase", "empty");
  if (confirm_new && prompt("Repeat passphrase: ") != pass) {
    return Status::InvalidArgument("vault passphrase", "the two entries differ; nothing was created");
  }
  return crypto::PassphraseSecret(pass);
}

bool PassphraseFromEnv(const Config& config, crypto::KeySecret* out) {
  char* value = std::getenv(config.passphrase_env.c_str());
  if (value == nullptr || *value == '\0') return false;
  size_t n = std::strlen(value);
  out->kind = crypto::KeySlotKind::kPassphrase;
  out->secret = crypto::SecretBytes(crypto::ByteView(reinterpret_cast<const uint8_t*>(value), n));
  // getenv points into the environment block itself (for a variable we were started with, the block
  // /proc/<pid>/environ shows): overwrite the value there, then drop the variable. Every command
  // unlocks the vault once.
  explicit_bzero(value, n);
  ::unsetenv(config.passphrase_env.c_str());
  return true;
}

Result<CqlCredentials> LoadCqlCredentials(const std::string& path) {
  CV_RETURN_IF_ERROR(env::CheckPrivateFile(path, "CQL credentials file"));
  std::ifstream in(path);
  if (!in) return Status::NotFound("CQL credentials file " + path, "cannot be read");
  CqlCredentials c;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) {
      return Status::InvalidArgument("CQL credentials file " + path + ":" + std::to_string(n),
                                     "expected username=... or password=...");
    }
    std::string k = line.substr(0, eq), v = line.substr(eq + 1);
    if (k == "username")
      c.username = v;
    else if (k == "password")
      c.password = v;
    else
      return Status::InvalidArgument("CQL credentials file " + path + ":" + std::to_string(n),
                                     "unknown key '" + k + "'");
  }
  if (c.username.empty()) return Status::InvalidArgument("CQL credentials file " + path, "no username=");
  return c;
}

}  // namespace cv::ops
