// src/cassandra/node_config.cc — reads the few cassandra.yaml keys cassvault needs. yaml-cpp throws,
// so every call into it stays inside this file's try blocks.
#include "cassandra/node_config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <exception>

#include "cassandra/read_file.h"

namespace cv::cassandra {
namespace {

// cassandra.yaml is a few hundred KiB at most; anything bigger is the wrong file.
constexpr size_t kMaxYamlBytes = 16 << 20;

class YamlReader {
 public:
  YamlReader(const std::string& path, const YAML::Node& root) : path_(path), root_(root) {}

  // Absent and null keys leave `*out` untouched, so callers pre-load the default.
  Status String(const char* key, std::string* out) const {
    YAML::Node n = root_[key];
    if (!n.IsDefined() || n.IsNull()) return Status::OK();
    if (!n.IsScalar()) return Bad(key, "expected a string");
    *out = n.Scalar();
    return Status::OK();
  }

  Status Int(const char* key, int min, int max, int* out) const {
    YAML::Node n = root_[key];
    if (!n.IsDefined() || n.IsNull()) return Status::OK();
    int v = 0;
    if (!n.IsScalar() || !YAML::convert<int>::decode(n, v)) return Bad(key, "expected an integer");
    if (v < min || v > max) {
      return Bad(key, "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
    }
    *out = v;
    return Status::OK();
  }

  Status DirectoryList(const char* key, std::vector<std::string>* out) const {
    YAML::Node n = root_[key];
    if (!n.IsDefined() || n.IsNull()) return Status::OK();
    if (!n.IsSequence()) return Bad(key, "expected a list of directories");
    std::vector<std::string> dirs;
    for (const YAML::Node& item : n) {
      if (!item.IsScalar() || item.Scalar().empty()) return Bad(key, "expected a list of directories");
      dirs.push_back(item.Scalar());
    }
    *out = std::move(dirs);
    return Status::OK();
  }

  // `sstable: {selected_format: bti}` (5.0).
  Status SSTableFormat(std::string* out) const {
    YAML::Node n = root_["sstable"];
    if (!n.IsDefined() || n.IsNull()) return Status::OK();
    if (!n.IsMap()) return Bad("sstable", "expected a mapping such as {selected_format: big}");
    YAML::Node f = n["selected_format"];
    if (!f.IsDefined() || f.IsNull()) return Status::OK();
    if (!f.IsScalar() || (f.Scalar() != "big" && f.Scalar() != "bti")) {
      return Bad("sstable.selected_format", "expected big or bti");
    }
    *out = f.Scalar();
    return Status::OK();
  }

  Status Bad(const std::string& key, const std::string& detail) const {
    return Status::InvalidArgument(path_ + ": key '" + key + "'", detail);
  }

 private:
  const std::string& path_;
  const YAML::Node& root_;
};

Status ReadKeys(const YamlReader& r, NodeConfig* c) {
  CV_RETURN_IF_ERROR(r.String("cluster_name", &c->cluster_name));
  CV_RETURN_IF_ERROR(r.String("partitioner", &c->partitioner));
  CV_RETURN_IF_ERROR(r.DirectoryList("data_file_directories", &c->data_file_directories));
  CV_RETURN_IF_ERROR(r.String("local_system_data_file_directory", &c->local_system_data_file_directory));
  CV_RETURN_IF_ERROR(r.String("commitlog_directory", &c->commitlog_directory));
  CV_RETURN_IF_ERROR(r.String("storage_compatibility_mode", &c->storage_compatibility_mode));
  const std::string& mode = c->storage_compatibility_mode;
  if (mode != "CASSANDRA_4" && mode != "UPGRADING" && mode != "NONE") {
    return r.Bad("storage_compatibility_mode", "expected CASSANDRA_4, UPGRADING or NONE, got '" + mode + "'");
  }
  CV_RETURN_IF_ERROR(r.SSTableFormat(&c->sstable_format));
  CV_RETURN_IF_ERROR(r.String("listen_address", &c->listen_address));
  CV_RETURN_IF_ERROR(r.String("rpc_address", &c->rpc_address));
  CV_RETURN_IF_ERROR(r.Int("native_transport_port", 1, 65535, &c->native_transport_port));
  CV_RETURN_IF_ERROR(r.Int("storage_port", 1, 65535, &c->storage_port));
  CV_RETURN_IF_ERROR(r.Int("num_tokens", 1, 65536, &c->num_tokens));
  return Status::OK();
}

// Cassandra falls back to -Dcassandra.storagedir, which bin/cassandra.in.sh sets to
// $CASSANDRA_HOME/data; without it the node itself refuses to start.
Status ApplyDirectoryDefaults(NodeConfig* c) {
  const char* home = std::getenv("CASSANDRA_HOME");
  std::string storage_dir = home != nullptr && *home != '\0' ? std::string(home) + "/data" : "";
  if (c->data_file_directories.empty()) {
    if (storage_dir.empty()) {
      return Status::InvalidArgument(
          c->yaml_path + ": key 'data_file_directories'",
          "not set and CASSANDRA_HOME is not set either; set data_file_directories");
    }
    c->data_file_directories.push_back(storage_dir + "/data");
  }
  if (c->commitlog_directory.empty() && !storage_dir.empty()) {
    c->commitlog_directory = storage_dir + "/commitlog";
  }
  return Status::OK();
}

}  // namespace

Result<NodeConfig> LoadNodeConfig(const std::string& yaml_path) {
  CV_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(yaml_path, kMaxYamlBytes));
  NodeConfig config;
  config.yaml_path = yaml_path;
  config.storage_compatibility_mode = "CASSANDRA_4";
  config.sstable_format = "big";
  try {
    YAML::Node root = YAML::Load(text);
    // An empty file (or one holding only comments) is a valid yaml with every key unset.
    if (root.IsDefined() && !root.IsNull()) {
      if (!root.IsMap()) {
        return Status::InvalidArgument(yaml_path, "expected a mapping of keys at the top level");
      }
      CV_RETURN_IF_ERROR(ReadKeys(YamlReader(yaml_path, root), &config));
    }
  } catch (const YAML::Exception& e) {
    // Marks are 0-based; editors count from 1.
    std::string where = e.mark.is_null() ? ""
                                         : " at line " + std::to_string(e.mark.line + 1) + ", column " +
                                               std::to_string(e.mark.column + 1);
    return Status::InvalidArgument(yaml_path, "YAML error" + where + ": " + e.msg);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(yaml_path, std::string("YAML error: ") + e.what());
  }
  CV_RETURN_IF_ERROR(ApplyDirectoryDefaults(&config));
  return config;
}

}  // namespace cv::cassandra
