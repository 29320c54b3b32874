#include "ops/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace cv::ops {
namespace {

std::string Write(const std::string& text) {
  static int n = 0;
  std::string path = std::filesystem::temp_directory_path() /
                     ("cv-config-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".yaml");
  std::ofstream(path) << text;
  return path;
}

TEST(ConfigTest, FullConfig) {
  auto c = LoadConfig(Write(R"(
vault:
  url: file:///var/backups/cv
  key_file: /etc/cassvault/key
node:
  cassandra_yaml: /etc/cassandra/cassandra.yaml
  nodetool: [/usr/bin/nodetool, -h, 127.0.0.1, -p, "7199"]
  cql: {host: 127.0.0.2, port: 9043, credentials_file: /etc/cassvault/cql}
backup: {parallelism: 4, zstd_level: 1}
cache_dir: /var/cache/cv
)"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->vault_url, "file:///var/backups/cv");
  EXPECT_EQ(c->nodetool.command.size(), 5u);
  EXPECT_EQ(c->cql_port, 9043);
  EXPECT_EQ(c->parallelism, 4);
  EXPECT_EQ(c->cache_dir, "/var/cache/cv");
}

TEST(ConfigTest, DaemonKeys) {
  const std::string head = "vault: {url: file:///v}\nnode: {cassandra_yaml: /c.yaml}\n";
  auto c = LoadConfig(Write(head));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->daemon.poll_interval_seconds, 60);
  EXPECT_EQ(c->daemon.maintenance_interval_seconds, 3600);
  EXPECT_TRUE(c->daemon.policy_files.empty());
  c = LoadConfig(Write(head + "daemon: {poll_interval: 5, maintenance_interval: 600, policy_files: [/a.yaml, "
                              "/b.yaml]}\n"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->daemon.poll_interval_seconds, 5);
  EXPECT_EQ(c->daemon.maintenance_interval_seconds, 600);
  EXPECT_EQ(c->daemon.policy_files, (std::vector<std::string>{"/a.yaml", "/b.yaml"}));
  struct Bad {
    std::string yaml, message;
  };
  for (const auto& b : std::vector<Bad>{
           {"daemon: {poll_interval: 4}", "key 'daemon.poll_interval': must be between 5 and 86400"},
           {"daemon: {poll_interval: 1m}", "key 'daemon.poll_interval': expected an integer"},
           {"daemon: {maintenance_interval: 59}", "key 'daemon.maintenance_interval': must be between 60"},
           {"daemon: {policy_files: /a.yaml}", "key 'daemon.policy_files': must be a list of paths"},
           {"daemon: {poll: 5}", "key 'daemon.poll': unknown key"},
       }) {
    auto r = LoadConfig(Write(head + b.yaml + "\n"));
    ASSERT_FALSE(r.ok()) << b.yaml;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().ToString().find(b.message), std::string::npos) << r.status().ToString();
  }
}

TEST(ConfigTest, ErrorsNameTheKey) {
  auto missing = LoadConfig(Write("node: {cassandra_yaml: /x}\n"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("key 'vault'"), std::string::npos) << missing.status().ToString();

  auto typo = LoadConfig(Write("vault: {url: file:///v, keyfile: /k}\nnode: {cassandra_yaml: /x}\n"));
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("'vault.keyfile'"), std::string::npos) << typo.status().ToString();
  EXPECT_NE(typo.status().message().find("unknown key"), std::string::npos);

  auto port = LoadConfig(Write("vault: {url: file:///v}\nnode: {cassandra_yaml: /x, cql: {port: 99999}}\n"));
  ASSERT_FALSE(port.ok());
  EXPECT_NE(port.status().message().find("'node.cql.port'"), std::string::npos);

  auto syntax = LoadConfig(Write("vault:\n  url: [unclosed\n"));
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(syntax.status().message().find("malformed YAML"), std::string::npos);

  auto none = LoadConfig("/nonexistent/cassvault.yaml");
  EXPECT_TRUE(none.status().IsNotFound());
  EXPECT_NE(none.status().message().find("--config"), std::string::npos);
}

TEST(ConfigTest, StoreSettingsGoToTheBackend) {
  auto c = LoadConfig(Write(R"(
vault:
  url: azure://acct/backups
  passphrase_env: CV_PASS
  tls: {ca_file: /etc/ssl/test-ca.pem}
  transfer: {max_connections: 12, max_bandwidth: 50MiB, max_attempts: 4}
  azure: {auth: managed-identity, client_id: 11111111-2222-3333-4444-555555555555}
  key_vault: {url: "https://kv1.vault.azure.net", key: cv-kek, api_version: "2025-07-01"}
node: {cassandra_yaml: /x}
)"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->store.ca_file, "/etc/ssl/test-ca.pem");
  EXPECT_FALSE(c->store.insecure_tls);
  EXPECT_EQ(c->store.max_connections, 12);
  EXPECT_EQ(c->store.max_bandwidth, 50ull << 20);
  EXPECT_EQ(c->store.max_attempts, 4);
  EXPECT_EQ(c->store.azure.at("auth"), "managed-identity");
  EXPECT_TRUE(c->store.s3.empty());
  EXPECT_EQ(c->store.key_vault.at("api_version"), "2025-07-01");
  EXPECT_EQ(c->store.key_vault.at("key"), "cv-kek");

  auto rate = LoadConfig(
      Write("vault: {url: file:///v, transfer: {max_bandwidth: fast}}\nnode: {cassandra_yaml: /x}\n"));
  ASSERT_FALSE(rate.ok());
  EXPECT_NE(rate.status().message().find("'vault.transfer.max_bandwidth'"), std::string::npos);
  auto nested = LoadConfig(Write("vault: {url: file:///v, s3: {region: [a]}}\nnode: {cassandra_yaml: /x}\n"));
  ASSERT_FALSE(nested.ok());
  EXPECT_NE(nested.status().message().find("'vault.s3.region'"), std::string::npos);
  nested =
      LoadConfig(Write("vault: {url: file:///v, key_vault: {key: {a: b}}}\nnode: {cassandra_yaml: /x}\n"));
  ASSERT_FALSE(nested.ok());
  EXPECT_NE(nested.status().message().find("'vault.key_vault.key'"), std::string::npos);
}

TEST(ConfigTest, ByteRates) {
  EXPECT_EQ(*ParseByteRate("0"), 0u);
  EXPECT_EQ(*ParseByteRate("1500"), 1500u);
  EXPECT_EQ(*ParseByteRate("800k"), 800u << 10);
  EXPECT_EQ(*ParseByteRate("50MiB"), 50ull << 20);
  EXPECT_EQ(*ParseByteRate("50M/s"), 50ull << 20);
  EXPECT_EQ(*ParseByteRate("2g"), 2ull << 30);
  for (const char* bad : {"", "fast", "10 MB", "5x", "M"}) {
    EXPECT_EQ(ParseByteRate(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ConfigTest, NodeToolTimeoutsJmxAndCqlTls) {
  auto c = LoadConfig(Write(R"(
vault: {url: file:///v}
node:
  cassandra_yaml: /etc/cassandra/cassandra.yaml
  nodetool: [/usr/bin/nodetool, -h, 127.0.0.1, -p, "7299"]
  nodetool_timeout: 30
  snapshot_timeout: 900
  import_timeout: 7200
  jmx: {username: cassvault, password_file: /etc/cassvault/jmx.password}
  cql:
    tls: {ca_file: /etc/cassvault/ca.pem, cert_file: /etc/cassvault/client.pem, key_file: /etc/cassvault/client.key,
          verify_address: false}
)"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->nodetool.timeout, std::chrono::seconds(30));
  EXPECT_EQ(c->nodetool.snapshot_timeout, std::chrono::seconds(900));
  EXPECT_EQ(c->nodetool.import_timeout, std::chrono::seconds(7200));
  EXPECT_EQ(c->nodetool.jmx_username, "cassvault");
  EXPECT_EQ(c->nodetool.jmx_password_file, "/etc/cassvault/jmx.password");
  EXPECT_TRUE(c->cql_tls);
  EXPECT_EQ(c->cql_tls_ca_file, "/etc/cassvault/ca.pem");
  EXPECT_EQ(c->cql_tls_key_file, "/etc/cassvault/client.key");
  EXPECT_FALSE(c->cql_tls_verify_address);

  auto d = LoadConfig(Write("vault: {url: file:///v}\nnode: {cassandra_yaml: /x}\n"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->nodetool.timeout, std::chrono::seconds(120));  // documented defaults
  EXPECT_EQ(d->nodetool.snapshot_timeout, std::chrono::seconds(600));
  EXPECT_FALSE(d->cql_tls);
}

TEST(ConfigTest, PacingDefaultsToBackgroundForBackupsAndNormalForRestores) {
  auto d = LoadConfig(Write("vault: {url: file:///v}\nnode: {cassandra_yaml: /x}\n"));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->pacing.backup_priority, env::Priority::kBackground);
  EXPECT_EQ(d->pacing.restore_priority, env::Priority::kNormal);
  EXPECT_EQ(d->pacing.max_cpu, 0.0);
  EXPECT_EQ(d->pacing.max_read_rate, 0u);

  auto c = LoadConfig(Write(R"(
vault: {url: file:///v}
node: {cassandra_yaml: /x}
backup: {priority: normal, max_cpu: 0.5, max_read_rate: 40MiB}
restore: {priority: background}
)"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->pacing.backup_priority, env::Priority::kNormal);
  EXPECT_EQ(c->pacing.restore_priority, env::Priority::kBackground);
  EXPECT_DOUBLE_EQ(c->pacing.max_cpu, 0.5);
  EXPECT_EQ(c->pacing.max_read_rate, 40u << 20);
}

TEST(ConfigTest, PacingErrorsNameTheKeyAndWhatToWrite) {
  struct Case {
    const char* backup;
    const char* key;
    const char* says;
  };
  for (const Case& k :
       {Case{"{priority: idle}", "'backup.priority'", "use background (Cassandra first) or normal"},
        Case{"{priority: [background]}", "'backup.priority'", "is not a priority"},
        Case{"{max_cpu: half}", "'backup.max_cpu'", "between 0.1 and 1024, e.g. 0.5"},
        Case{"{max_cpu: 0}", "'backup.max_cpu'", "leave it out for no limit"},
        Case{"{max_cpu: -1}", "'backup.max_cpu'", "number of cores"},
        Case{"{max_read_rate: fast}", "'backup.max_read_rate'", "such as 50MiB"},
        Case{"{max_cpus: 1}", "'backup.max_cpus'", "unknown key"}}) {
    auto r = LoadConfig(Write(std::string("vault: {url: file:///v}\nnode: {cassandra_yaml: /x}\nbackup: ") +
                              k.backup + "\n"));
    ASSERT_FALSE(r.ok()) << k.backup;
    EXPECT_NE(r.status().message().find(k.key), std::string::npos) << r.status().ToString();
    EXPECT_NE(r.status().message().find(k.says), std::string::npos) << r.status().ToString();
  }
  auto r =
      LoadConfig(Write("vault: {url: file:///v}\nnode: {cassandra_yaml: /x}\nrestore: {priority: low}\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'restore.priority'"), std::string::npos) << r.status().ToString();
}

TEST(ConfigTest, ClearSnapshotIsFilesOrNodetool) {
  auto d = LoadConfig(Write("vault: {url: file:///v}\nnode: {cassandra_yaml: /x}\n"));
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->clear_snapshot_with_nodetool);  // default: files, no JVM
  auto n =
      LoadConfig(Write("vault: {url: file:///v}\nnode: {cassandra_yaml: /x, clear_snapshot: nodetool}\n"));
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_TRUE(n->clear_snapshot_with_nodetool);
  auto bad = LoadConfig(Write("vault: {url: file:///v}\nnode: {cassandra_yaml: /x, clear_snapshot: jmx}\n"));
  ASSERT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("node.clear_snapshot"), std::string::npos) << bad.status().message();
  EXPECT_NE(bad.status().message().find("files, nodetool"), std::string::npos) << bad.status().message();
}

TEST(ConfigTest, NodetoolClassCacheLivesInTheCacheDirUnlessTurnedOff) {
  auto d =
      LoadConfig(Write("vault: {url: file:///v}\nnode: {cassandra_yaml: /x}\ncache_dir: /var/cache/cv\n"));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->nodetool.class_cache_dir, "/var/cache/cv/jvm-classes");
  auto off =
      LoadConfig(Write("vault: {url: file:///v}\nnode: {cassandra_yaml: /x, nodetool_class_cache: false}\n"));
  ASSERT_TRUE(off.ok()) << off.status().ToString();
  EXPECT_EQ(off->nodetool.class_cache_dir, "");
  auto bad =
      LoadConfig(Write("vault: {url: file:///v}\nnode: {cassandra_yaml: /x, nodetool_class_cache: often}\n"));
  ASSERT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("node.nodetool_class_cache"), std::string::npos)
      << bad.status().message();
}

TEST(ConfigTest, PasswordsNeverOnACommandLine) {
  for (const char* flag : {"-pw", "--password", "--password=x"}) {
    auto c = LoadConfig(
        Write(std::string("vault: {url: file:///v}\nnode: {cassandra_yaml: /x, nodetool: [nodetool, ") +
              flag + ", s3cret]}\n"));
    ASSERT_EQ(c.status().code(), StatusCode::kInvalidArgument) << flag;
    EXPECT_NE(c.status().message().find("node.jmx.password_file"), std::string::npos) << c.status().message();
    EXPECT_EQ(c.status().message().find("s3cret"), std::string::npos);
  }
  auto c = LoadConfig(Write("vault: {url: file:///v}\nnode: {cassandra_yaml: /x, jmx: {username: u}}\n"));
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  c = LoadConfig(Write("vault: {url: file:///v}\nnode: {cassandra_yaml: /x, cql: {tls: {cert_file: /c}}}\n"));
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("node.cql.tls.ca_file"), std::string::npos) << c.status().message();
  c = LoadConfig(
      Write("vault: {url: file:///v}\nnode: {cassandra_yaml: /x, nodetool: [nodetool, -p, jmx]}\n"));
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  c = LoadConfig(Write("vault: {url: file:///v}\nnode: {cassandra_yaml: /x, snapshot_timeout: 0}\n"));
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
}

// As ssh refuses a private key others can read: the file is not used, and its contents never shown.
TEST(ConfigTest, CqlCredentialsFileOthersCanReadIsRefused) {
  std::string path = Write("username=cassvault\npassword=s3cret-cql\n");
  std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write |
                                         std::filesystem::perms::group_read);
  auto c = LoadCqlCredentials(path);
  ASSERT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message(), "CQL credentials file " + path +
                                      ": may be read or written by group or others (mode 0640); it holds a "
                                      "password: chmod 600 it");
  std::filesystem::permissions(path,
                               std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  c = LoadCqlCredentials(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->password, "s3cret-cql");
}

TEST(ConfigTest, PassphraseVariableIsConsumed) {
  Config config;
  config.passphrase_env = "CV_CONFIG_TEST_PASS";
  ::setenv("CV_CONFIG_TEST_PASS", "correct horse", 1);
  crypto::KeySecret s;
  ASSERT_TRUE(PassphraseFromEnv(config, &s));
  EXPECT_EQ(std::string(s.secret.view().begin(), s.secret.view().end()), "correct horse");
  EXPECT_EQ(std::getenv("CV_CONFIG_TEST_PASS"), nullptr);  // gone from the environment children inherit
  EXPECT_FALSE(PassphraseFromEnv(config, &s));
}

}  // namespace
}  // namespace cv::ops
