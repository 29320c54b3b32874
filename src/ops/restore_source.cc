#include "ops/restore_source.h"

#include <algorithm>

#include "cassandra/yaml_edit.h"
#include "core/token_plan.h"
#include "ops/backup_marks_ops.h"
#include "ops/node_session.h"

namespace cv::ops {
namespace {

std::string Describe(const ClusterTagTarget& me) {
  std::string s = "this node (";
  s += me.host_id.empty() ? "host id unknown: stopped" : "host id " + me.host_id;
  if (!me.address.empty()) s += ", address " + me.address;
  if (!me.tokens.empty())
    s += ", " + std::to_string(me.tokens.size()) + (me.tokens.size() == 1 ? " token" : " tokens");
  return s + ")";
}

// The newest of `candidates` (records sorted by backup id: time).
const BackupRecord* Newest(const std::vector<const BackupRecord*>& candidates) {
  return candidates.empty() ? nullptr : candidates.back();
}

// This node's identity for --cluster-tag: what it says over CQL when live, else its cassandra.yaml.
Result<ClusterTagTarget> TargetOf(const RestoreSource& src) {
  ClusterTagTarget me;
  me.host_id = src.host_id;
  me.tokens = src.live_tokens;
  CV_ASSIGN_OR_RETURN(std::string yaml, cassandra::ReadYamlFile(src.node.yaml_path));
  CV_ASSIGN_OR_RETURN(auto keys, cassandra::ReadTopLevelScalars(yaml, {"initial_token", "broadcast_address"},
                                                                src.node.yaml_path));
  me.address = !keys["broadcast_address"].empty() ? keys["broadcast_address"] : src.node.listen_address;
  if (me.tokens.empty()) me.tokens = ParseTokenList(keys["initial_token"]);
  return me;
}

}  // namespace

Result<ClusterTagPick> PickClusterTagBackup(const std::string& tag, const std::vector<BackupRecord>& all,
                                            const ClusterTagTarget& me, const TokensOf& tokens_of) {
  const std::string subject = "cluster tag " + tag;
  std::vector<const BackupRecord*> records;
  for (const auto& r : all) {
    if (r.tag == tag) records.push_back(&r);
  }
  std::sort(records.begin(), records.end(),
            [](const BackupRecord* a, const BackupRecord* b) { return a->backup_id < b->backup_id; });
  if (records.empty())
    return Status::NotFound(subject,
                            "no backup in this vault has this tag; `cassvault list --cluster` shows "
                            "the cluster backups");
  auto pick = [&](const std::vector<const BackupRecord*>& matches,
                  const char* how) -> Result<ClusterTagPick> {
    // Tokens or an address shared by backups of several nodes (two clusters in one vault, a node rebuilt
    // under another's address): guessing could restore another node's data here.
    std::string hosts;
    for (const BackupRecord* r : matches) {
      if (r->host_id != matches.front()->host_id) {
        for (const BackupRecord* m : matches)
          hosts += (hosts.empty() ? "" : ", ") + m->backup_id + " (" + m->address + ")";
        return Status::InvalidArgument(subject, "the " + std::string(how) + " of " + Describe(me) +
                                                    " match backups of several nodes: " + hosts +
                                                    "; restore one of them with --backup ID");
      }
    }
    const BackupRecord* r = Newest(matches);
    return ClusterTagPick{*r, how,
                          "cluster tag " + tag + ": backup " + r->backup_id + " of node " + r->address +
                              " (host id " + r->host_id + "), this node's by " + how};
  };
  std::vector<const BackupRecord*> matches;
  if (!me.host_id.empty()) {
    for (const BackupRecord* r : records) {
      if (r->host_id == me.host_id) matches.push_back(r);
    }
    if (!matches.empty()) return pick(matches, "host id");
  }
  if (!me.tokens.empty()) {
    for (const BackupRecord* r : records) {
      CV_ASSIGN_OR_RETURN(std::vector<std::string> tokens, tokens_of(*r));
      if (!tokens.empty() && SameTokens(tokens, me.tokens)) matches.push_back(r);
    }
    if (!matches.empty()) return pick(matches, "tokens");
  }
  if (!me.address.empty()) {
    for (const BackupRecord* r : records) {
      if (r->address == me.address) matches.push_back(r);
    }
    if (!matches.empty()) return pick(matches, "address");
  }
  // A member when the cluster backup was taken, but no backup of it: the tag is partial for this node.
  for (const BackupRecord* r : records) {
    for (const auto& m : r->members) {
      if ((!me.host_id.empty() && m.host_id == me.host_id) ||
          (!me.address.empty() && m.address == me.address)) {
        return Status::FailedPrecondition(
            subject, "is partial for " + Describe(me) + ": the node was a member of the cluster (seen by " +
                         r->address +
                         ") but committed no backup with this tag. Choose a complete tag "
                         "(`cassvault list --cluster`), or restore another node's backup with --from-node");
      }
    }
  }
  std::string nodes;
  for (const BackupRecord* r : records) {
    nodes += (nodes.empty() ? "" : ", ") + r->address + " (host id " + r->host_id + ")";
  }
  return Status::NotFound(subject, "has no backup of " + Describe(me) +
                                       " by host id, tokens or address; it "
                                       "holds backups of " +
                                       nodes +
                                       ". Restore another node's backup with --from-node, or onto a new "
                                       "cluster with --node-map");
}

Result<RestoreSource> SelectRestoreSource(const Config& config, vault::Vault& vault,
                                          const RestoreOptions& o) {
  const bool to_dir = !o.target_dir.empty();
  const bool live = !to_dir && o.mode == "live";
  if (!to_dir && o.mode != "offline" && o.mode != "live") {
    return Status::InvalidArgument("--mode '" + o.mode + "'", "expected offline, live or load");
  }
  if (!o.cluster_tag.empty()) {
    if (!o.backup.empty() || !o.from_node.empty() || !o.node_map.empty() || to_dir) {
      return Status::InvalidArgument("--cluster-tag",
                                     "picks this node's backup of a cluster backup; not with --backup, "
                                     "--from-node, --node-map or --target-dir (give those --backup ID|TAG)");
    }
  } else if (o.backup.empty()) {
    return Status::InvalidArgument("restore", "name what to restore: --backup ID|TAG or --cluster-tag TAG");
  }

  RestoreSource src;
  if (!to_dir) {
    CV_ASSIGN_OR_RETURN(src.node, cassandra::LoadNodeConfig(config.cassandra_yaml));
  }
  if (live) {
    CV_ASSIGN_OR_RETURN(src.cql, ConnectCql(config, src.node));
    CV_ASSIGN_OR_RETURN(auto ident, src.cql->ReadLocalNode());
    src.host_id = ident.host_id;
    src.live_tokens = ident.tokens;
  }
  // --node-map (a new cluster) names the source node this one takes: as --from-node would.
  src.from_node = o.from_node;
  if (!o.node_map.empty()) {
    if (to_dir || live || !o.from_node.empty() || o.topology_change) {
      return Status::InvalidArgument("--node-map",
                                     "is for offline restores into the nodes of a new cluster; "
                                     "not with --target-dir, --mode live, --from-node or "
                                     "--topology-change");
    }
    CV_ASSIGN_OR_RETURN(src.pick, PickFromNodeMap(vault, o.backup, o.node_map, src.node));
    src.from_node = src.pick.source_host_id;
  }
  if (!o.cluster_tag.empty()) {
    CV_ASSIGN_OR_RETURN(ClusterTagTarget me, TargetOf(src));
    CV_ASSIGN_OR_RETURN(std::vector<BackupRecord> records, vault.ListBackups());
    CV_ASSIGN_OR_RETURN(ClusterTagPick p,
                        PickClusterTagBackup(o.cluster_tag, records, me,
                                             [&](const BackupRecord& r) -> Result<std::vector<std::string>> {
                                               CV_ASSIGN_OR_RETURN(Manifest m, vault.LoadManifest(r));
                                               return m.node.tokens;
                                             }));
    // Matched by tokens (a new cluster: another host id and address), the backup is this node's as if
    // --from-node named it: the ring checks that follow see the same tokens.
    if (p.matched_by == "tokens") src.from_node = p.record.host_id;
    src.pick.lines.push_back(p.line);
    src.record = std::move(p.record);
    CV_RETURN_IF_ERROR(RefuseDeletedBackup(vault, src.record));
    CV_ASSIGN_OR_RETURN(src.manifest, vault.LoadManifest(src.record));
    return src;
  }
  // --from-node picks the replaced node's backup instead of this node's.
  const std::string& from = src.from_node;
  CV_ASSIGN_OR_RETURN(src.record, !src.pick.backup_id.empty()
                                      ? vault.LoadRecord(src.pick.backup_id)
                                      : ResolveBackup(vault, o.backup, from.empty() ? src.host_id : from,
                                                      from.empty() ? src.node.listen_address : from));
  // A forgotten backup stays readable until prune purges it, but is not restored by mistake.
  CV_RETURN_IF_ERROR(RefuseDeletedBackup(vault, src.record));
  CV_ASSIGN_OR_RETURN(src.manifest, vault.LoadManifest(src.record));
  return src;
}

}  // namespace cv::ops
