#include "cassandra/node_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "cassandra/test_util.h"

namespace cv::cassandra {
namespace {

// Sets or clears CASSANDRA_HOME for one test and restores it afterwards.
class ScopedCassandraHome {
 public:
  explicit ScopedCassandraHome(const char* value) {
    if (const char* old = ::getenv("CASSANDRA_HOME")) old_ = old;
    if (value) {
      ::setenv("CASSANDRA_HOME", value, 1);
    } else {
      ::unsetenv("CASSANDRA_HOME");
    }
  }
  ~ScopedCassandraHome() {
    if (old_.empty()) {
      ::unsetenv("CASSANDRA_HOME");
    } else {
      ::setenv("CASSANDRA_HOME", old_.c_str(), 1);
    }
  }

 private:
  std::string old_;
};

class NodeConfigTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& yaml) {
    std::string path = dir_.path() + "/cassandra.yaml";
    testing::WriteFile(path, yaml);
    return path;
  }
  testing::TempDir dir_;
};

TEST_F(NodeConfigTest, FullFile) {
  std::string path = Write(R"(# a node
cluster_name: 'Test Cluster'
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
data_file_directories:
  - /var/lib/cassandra/data1
  - /var/lib/cassandra/data2
local_system_data_file_directory: /var/lib/cassandra/system
commitlog_directory: /var/lib/cassandra/commitlog
storage_compatibility_mode: NONE
sstable:
  selected_format: bti
listen_address: 127.0.0.2
rpc_address: 127.0.0.3
native_transport_port: 19042
num_tokens: 16
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters: [{seeds: "127.0.0.1:7000"}]
)");
  Result<NodeConfig> c = LoadNodeConfig(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->yaml_path, path);
  EXPECT_EQ(c->cluster_name, "Test Cluster");
  EXPECT_EQ(c->partitioner, "org.apache.cassandra.dht.Murmur3Partitioner");
  EXPECT_EQ(c->data_file_directories,
            (std::vector<std::string>{"/var/lib/cassandra/data1", "/var/lib/cassandra/data2"}));
  EXPECT_EQ(c->local_system_data_file_directory, "/var/lib/cassandra/system");
  EXPECT_EQ(c->commitlog_directory, "/var/lib/cassandra/commitlog");
  EXPECT_EQ(c->storage_compatibility_mode, "NONE");
  EXPECT_EQ(c->sstable_format, "bti");
  EXPECT_EQ(c->listen_address, "127.0.0.2");
  EXPECT_EQ(c->rpc_address, "127.0.0.3");
  EXPECT_EQ(c->native_transport_port, 19042);
  EXPECT_EQ(c->num_tokens, 16);
}

TEST_F(NodeConfigTest, MinimalFileGetsDefaults) {
  ScopedCassandraHome home(nullptr);
  Result<NodeConfig> c = LoadNodeConfig(Write("data_file_directories: [/d1]\n"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->data_file_directories, std::vector<std::string>{"/d1"});
  EXPECT_EQ(c->storage_compatibility_mode, "CASSANDRA_4");
  EXPECT_EQ(c->sstable_format, "big");
  EXPECT_EQ(c->native_transport_port, 9042);
  EXPECT_EQ(c->num_tokens, 1);
  EXPECT_EQ(c->local_system_data_file_directory, "");
  EXPECT_EQ(c->commitlog_directory, "");
  EXPECT_EQ(c->listen_address, "");
}

TEST_F(NodeConfigTest, UnsetDirectoriesFallBackToCassandraHome) {
  ScopedCassandraHome home("/opt/cassandra");
  Result<NodeConfig> c =
      LoadNodeConfig(Write("cluster_name: x\ndata_file_directories:\ncommitlog_directory: ~\n"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->data_file_directories, std::vector<std::string>{"/opt/cassandra/data/data"});
  EXPECT_EQ(c->commitlog_directory, "/opt/cassandra/data/commitlog");
  // An empty file is a yaml with nothing set.
  c = LoadNodeConfig(Write(""));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->data_file_directories, std::vector<std::string>{"/opt/cassandra/data/data"});
}

TEST_F(NodeConfigTest, UnsetDirectoriesWithoutCassandraHome) {
  ScopedCassandraHome home(nullptr);
  Result<NodeConfig> c = LoadNodeConfig(Write("cluster_name: x\n"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("set data_file_directories"), std::string::npos)
      << c.status().ToString();
}

TEST_F(NodeConfigTest, MissingFile) {
  Result<NodeConfig> c = LoadNodeConfig(dir_.path() + "/nope.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(c.status().IsNotFound()) << c.status().ToString();
  EXPECT_NE(c.status().message().find("nope.yaml"), std::string::npos);
}

TEST_F(NodeConfigTest, SyntaxErrorNamesTheLine) {
  std::string path = Write("cluster_name: x\ndata_file_directories: [/d1\nnum_tokens: 4\n  bad: : indent\n");
  Result<NodeConfig> c = LoadNodeConfig(path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find(path), std::string::npos);
  EXPECT_NE(c.status().message().find("line "), std::string::npos) << c.status().ToString();

  c = LoadNodeConfig(Write("cluster_name: x\nlisten_address: a: b\n"));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("line 2"), std::string::npos) << c.status().ToString();
}

TEST_F(NodeConfigTest, DataDirectoriesMustBeAList) {
  std::string path = Write("data_file_directories: /var/lib/cassandra/data\n");
  Result<NodeConfig> c = LoadNodeConfig(path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message(), path + ": key 'data_file_directories': expected a list of directories");
  EXPECT_FALSE(LoadNodeConfig(Write("data_file_directories: [[/a], /b]\n")).ok());
  EXPECT_FALSE(LoadNodeConfig(Write("data_file_directories: {a: b}\n")).ok());
}

TEST_F(NodeConfigTest, BadTypesAndValues) {
  struct Case {
    const char* yaml;
    const char* key;
  } cases[] = {
      {"data_file_directories: [/d]\nnative_transport_port: nine\n", "native_transport_port"},
      {"data_file_directories: [/d]\nnative_transport_port: 70000\n", "native_transport_port"},
      {"data_file_directories: [/d]\nnum_tokens: [1]\n", "num_tokens"},
      {"data_file_directories: [/d]\nnum_tokens: 0\n", "num_tokens"},
      {"data_file_directories: [/d]\ncluster_name: {a: b}\n", "cluster_name"},
      {"data_file_directories: [/d]\nsstable: bti\n", "sstable"},
      {"data_file_directories: [/d]\nsstable: {selected_format: trie}\n", "sstable.selected_format"},
      {"data_file_directories: [/d]\nstorage_compatibility_mode: CASSANDRA_3\n",
       "storage_compatibility_mode"},
  };
  for (const Case& tc : cases) {
    Result<NodeConfig> c = LoadNodeConfig(Write(tc.yaml));
    ASSERT_FALSE(c.ok()) << tc.yaml;
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << tc.yaml;
    EXPECT_NE(c.status().message().find(std::string("key '") + tc.key + "'"), std::string::npos)
        << c.status().ToString();
  }
  Result<NodeConfig> c = LoadNodeConfig(Write("- a\n- b\n"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cv::cassandra
