#include "ops/cluster_map.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <set>

#include "cassandra/read_file.h"
#include "cassandra/yaml_edit.h"
#include "core/token_plan.h"
#include "ops/node_map_file.h"

namespace cv::ops {
namespace {

constexpr size_t kMaxMapBytes = 1 << 20;

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

// The DC and rack this node announces, where GossipingPropertyFileSnitch reads them: the
// cassandra-rackdc.properties next to cassandra.yaml (conf dir). Empty when it cannot be known.
std::pair<std::string, std::string> OwnDcRack(const std::string& yaml_path, const std::string& snitch) {
  if (snitch.find("GossipingPropertyFileSnitch") == std::string::npos) return {};
  std::string dir = yaml_path.substr(0, yaml_path.rfind('/') + 1);
  auto text = cassandra::ReadSmallFile(dir + "cassandra-rackdc.properties", 64 << 10);
  if (!text.ok()) return {};
  std::string dc, rack;
  size_t pos = 0;
  while (pos < text->size()) {
    size_t nl = text->find('\n', pos);
    std::string line = Trim(text->substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
    pos = nl == std::string::npos ? text->size() : nl + 1;
    if (line.starts_with("dc=")) dc = Trim(line.substr(3));
    if (line.starts_with("rack=")) rack = Trim(line.substr(5));
  }
  return {dc, rack};
}

Status WriteCreateOnly(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    if (errno == EEXIST)
      return Status::AlreadyExists(path,
                                   "exists; the node map is never overwritten: remove it or name another");
    return Status::FromErrno(errno, path, "create");
  }
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return Status::FromErrno(err, path, "write");
  }
  return Status::OK();
}

}  // namespace

Result<std::vector<SourceNode>> LoadClusterBackup(vault::Vault& vault, const std::string& tag) {
  if (tag.empty()) return Status::InvalidArgument("--backup", "required: the tag of the cluster backup");
  CV_ASSIGN_OR_RETURN(auto all, vault.ListBackups());
  std::map<std::string, BackupRecord> newest;  // host id -> newest record (ListBackups is in time order)
  std::set<std::string> clusters;
  for (auto& r : all) {
    if (r.tag != tag) continue;
    newest[r.host_id.empty() ? r.address : r.host_id] = r;
    clusters.insert(r.cluster_name);
  }
  if (newest.empty()) {
    return Status::NotFound("tag '" + tag + "'",
                            "no backup has this tag; a cluster backup is every node's backup with one tag "
                            "(`cassvault list` shows them)");
  }
  if (clusters.size() > 1) {
    std::string names;
    for (const auto& c : clusters) names += (names.empty() ? "" : ", ") + c;
    return Status::InvalidArgument("tag '" + tag + "'", "holds backups of several clusters (" + names +
                                                            "); a cluster backup is one cluster's nodes");
  }
  std::vector<SourceNode> out;
  for (auto& [_, r] : newest) {
    CV_ASSIGN_OR_RETURN(Manifest m, vault.LoadManifest(r));
    out.push_back({r.host_id, r.address, r.data_center, r.rack, r.backup_id, SortTokens(m.node.tokens)});
  }
  return out;
}

Result<ClusterMapReport> RunClusterMap(vault::Vault& vault, const ClusterMapOptions& o) {
  if (o.target_nodes_file.empty()) {
    return Status::InvalidArgument("--target-nodes",
                                   "required: a file with one `ADDRESS DC RACK` line per node of the new "
                                   "cluster");
  }
  CV_ASSIGN_OR_RETURN(auto dc_map, ParseDcMapFlags(o.dc_map));
  CV_ASSIGN_OR_RETURN(std::string text, cassandra::ReadSmallFile(o.target_nodes_file, kMaxMapBytes));
  CV_ASSIGN_OR_RETURN(auto targets, ParseTargetNodes(text, o.target_nodes_file));
  ClusterMapReport report;
  CV_ASSIGN_OR_RETURN(report.sources, LoadClusterBackup(vault, o.backup));
  CV_ASSIGN_OR_RETURN(report.map, AutoMap(report.sources, targets, dc_map));
  // The map proposed must pass the checks restore applies to it.
  CV_RETURN_IF_ERROR(ResolveNodeMap(report.map, report.sources, &targets).status());
  report.text = FormatNodeMap(report.map, report.sources, o.backup);
  if (!o.out.empty()) CV_RETURN_IF_ERROR(WriteCreateOnly(o.out, report.text));
  return report;
}

Result<NodeMapPick> PickFromNodeMap(vault::Vault& vault, const std::string& tag, const std::string& map_path,
                                    const cassandra::NodeConfig& node) {
  CV_ASSIGN_OR_RETURN(std::string text, cassandra::ReadSmallFile(map_path, kMaxMapBytes));
  CV_ASSIGN_OR_RETURN(NodeMap map, ParseNodeMapFile(text, map_path));
  CV_ASSIGN_OR_RETURN(auto sources, LoadClusterBackup(vault, tag));
  CV_ASSIGN_OR_RETURN(auto resolved, ResolveNodeMap(map, sources));
  CV_ASSIGN_OR_RETURN(std::string yaml, cassandra::ReadYamlFile(node.yaml_path));
  CV_ASSIGN_OR_RETURN(auto keys, cassandra::ReadTopLevelScalars(
                                     yaml, {"broadcast_address", "endpoint_snitch"}, node.yaml_path));
  std::string self = !keys["broadcast_address"].empty() ? keys["broadcast_address"] : node.listen_address;
  auto it = resolved.find(self);
  if (it == resolved.end()) {
    return Status::InvalidArgument(
        map_path, "has no entry for this node (" +
                      (self.empty() ? std::string("no address in ") + node.yaml_path : self) +
                      "); every node of the new cluster needs one, keyed by its "
                      "broadcast_address or listen_address");
  }
  const SourceNode& s = sources[it->second];
  NodeMapPick pick;
  pick.backup_id = s.backup_id;
  pick.source_host_id = s.host_id;
  pick.source_address = s.address;
  pick.dc_map = map.dc_map;
  std::string want_dc = MapDc(map.dc_map, s.dc);
  auto [dc, rack] = OwnDcRack(node.yaml_path, keys["endpoint_snitch"]);
  if (!dc.empty() && (dc != want_dc || rack != s.rack)) {
    return Status::InvalidArgument(
        map_path, "maps this node (" + self + ", " + dc + "/" + rack +
                      " in cassandra-rackdc.properties) to " + s.address + " of " + s.dc + "/" + s.rack +
                      ", which becomes " + want_dc + "/" + s.rack +
                      ": a node must stay in its rack (and mapped DC), or replicas land elsewhere. Fix the "
                      "map (or the dc_map), or this node's rack. Nothing was changed");
  }
  pick.lines.push_back("node map " + map_path + ": this node (" + self + ") takes the backup " + s.backup_id +
                       " of " + s.address + " (host id " + s.host_id + ", " + s.dc + "/" + s.rack + "), " +
                       std::to_string(sources.size()) + " node(s) mapped, each once" +
                       (dc.empty() ? "; DC and rack not checked (the snitch does not read "
                                     "cassandra-rackdc.properties)"
                                   : "; DC and rack checked: " + dc + "/" + rack));
  return pick;
}

}  // namespace cv::ops
