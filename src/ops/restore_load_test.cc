// The `load:` config section of `restore --mode load` (sstableloader): keys, defaults, refusals.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ops/config.h"

namespace cv::ops {
namespace {

std::string WriteYaml(const std::string& text) {
  static int n = 0;
  std::string path = std::filesystem::temp_directory_path() /
                     ("cv-load-config-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".yaml");
  std::ofstream(path) << text;
  return path;
}

constexpr char kBase[] = "vault: {url: file:///v}\nnode: {cassandra_yaml: /x}\n";

TEST(LoadConfigTest, EveryKeyIsRead) {
  auto c = LoadConfig(WriteYaml(std::string(kBase) + R"(load:
  java_command: [/usr/bin/java, -Xmx1g, -cp, "/opt/c/conf:/opt/c/lib/*"]
  hosts: [10.0.0.1, 10.0.0.2]
  native_port: 9142
  storage_port: 7001
  credentials_file: /etc/cv/creds
  conf_file: /etc/cassandra/cassandra.yaml
  truststore: /etc/cv/ts.jks
  truststore_password_file: /etc/cv/ts.pw
  keystore: /etc/cv/ks.jks
  keystore_password_file: /etc/cv/ks.pw
  timeout: 120
)"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const LoadSettings& l = c->load;
  EXPECT_EQ(l.java_command,
            (std::vector<std::string>{"/usr/bin/java", "-Xmx1g", "-cp", "/opt/c/conf:/opt/c/lib/*"}));
  EXPECT_EQ(l.hosts, (std::vector<std::string>{"10.0.0.1", "10.0.0.2"}));
  EXPECT_EQ(l.native_port, 9142);
  EXPECT_EQ(l.storage_port, 7001);
  EXPECT_EQ(l.credentials_file, "/etc/cv/creds");
  EXPECT_EQ(l.conf_file, "/etc/cassandra/cassandra.yaml");
  EXPECT_EQ(l.truststore, "/etc/cv/ts.jks");
  EXPECT_EQ(l.truststore_password_file, "/etc/cv/ts.pw");
  EXPECT_EQ(l.keystore, "/etc/cv/ks.jks");
  EXPECT_EQ(l.keystore_password_file, "/etc/cv/ks.pw");
  EXPECT_EQ(l.timeout_seconds, 120);
}

TEST(LoadConfigTest, NoSectionMeansDefaults) {
  auto c = LoadConfig(WriteYaml(kBase));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->load.java_command.empty());
  EXPECT_TRUE(c->load.hosts.empty());
  EXPECT_EQ(c->load.timeout_seconds, 3600);
}

TEST(LoadConfigTest, APasswordInTheCommandAndUnknownKeysAreRefused) {
  auto pw =
      LoadConfig(WriteYaml(std::string(kBase) + "load: {java_command: [java, -cp, x, -pw, hunter2]}\n"));
  ASSERT_FALSE(pw.ok());
  EXPECT_EQ(pw.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(pw.status().ToString().find("load.java_command"), std::string::npos) << pw.status().ToString();
  EXPECT_EQ(pw.status().ToString().find("hunter2"), std::string::npos) << pw.status().ToString();
  auto prop = LoadConfig(
      WriteYaml(std::string(kBase) + "load: {java_command: [java, -Djavax.net.ssl.trustStorePassword=x]}\n"));
  EXPECT_FALSE(prop.ok());
  auto typo = LoadConfig(WriteYaml(std::string(kBase) + "load: {host: [a]}\n"));
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().ToString().find("load.host"), std::string::npos) << typo.status().ToString();
  auto port = LoadConfig(WriteYaml(std::string(kBase) + "load: {native_port: 0}\n"));
  EXPECT_FALSE(port.ok());
}

}  // namespace
}  // namespace cv::ops
