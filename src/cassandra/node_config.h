// src/cassandra/node_config.h — what cassvault needs from a node's cassandra.yaml.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace cv::cassandra {

struct NodeConfig {
  std::string yaml_path;
  std::string cluster_name;
  std::string partitioner;
  std::vector<std::string> data_file_directories;  // all of them, in yaml order
  std::string local_system_data_file_directory;    // empty when unset
  std::string commitlog_directory;
  std::string storage_compatibility_mode;  // "CASSANDRA_4" (5.0 default), "UPGRADING", "NONE"
  std::string sstable_format;              // "big" (default) or "bti"
  std::string listen_address, rpc_address;
  int native_transport_port = 9042;
  int storage_port = 7000;
  int num_tokens = 1;
};

// InvalidArgument naming the file and key for a malformed or incomplete file; NotFound if absent.
// Unset directories fall back to $CASSANDRA_HOME/data/... as Cassandra does.
Result<NodeConfig> LoadNodeConfig(const std::string& yaml_path);

}  // namespace cv::cassandra
