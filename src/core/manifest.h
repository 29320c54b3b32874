// src/core/manifest.h — what a backup is: the node manifest (everything a restore needs) and the
// backup record (the small catalog entry whose creation commits the backup). JSON codecs here; the
// vault seals both. Format: docs/vault-format.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/vault_layout.h"

namespace cv {

// A member of the cluster as one node saw it at backup time (system.local or a system.peers_v2 row).
struct ClusterMember {
  std::string host_id, address, data_center, rack;
  bool operator==(const ClusterMember&) const = default;
};

struct NodeInfo {
  std::string host_id, address, cluster_name, data_center, rack, partitioner, release_version;
  std::vector<std::string> tokens;
  std::string storage_compatibility_mode, sstable_format;
  std::vector<std::string> data_file_directories;
  // What a backup knows of its cluster (docs/vault-format.md, "Clusters"); RecordOf carries them into
  // the backup record, where `list --cluster` reads them. Empty in manifests written before them.
  std::string cluster_id;              // 16 hex, from the vault's cluster alias ("" when unknown)
  std::vector<ClusterMember> members;  // this node and its peers, sorted by host id
};

struct FileEntry {
  std::string path;  // relative to the table dir: "nb-1-big-Data.db" or ".idx/nb-1-big-Data.db"
  int data_dir = 0;  // index into NodeInfo::data_file_directories it was read from
  uint64_t size = 0;
  uint32_t mode = 0644;
  int64_t mtime_ns = 0;
  std::vector<ObjectId> blobs;  // content = blobs concatenated, in order
};

struct TableEntry {
  std::string keyspace, table, id;  // id: 32 hex (the dir suffix), "" for legacy dirs without one
  std::string schema_cql;           // CREATE TYPE/TABLE/INDEX statements from the snapshot
  std::vector<FileEntry> files;
  uint64_t Bytes() const;
};

struct KeyspaceEntry {
  std::string name;
  std::string create_keyspace;
  std::vector<std::string> create_types;
};

struct Manifest {
  int version = 1;
  std::string backup_id, tag, mode;   // mode: "snapshot" or "offline"
  int64_t started = 0, finished = 0;  // unix seconds
  NodeInfo node;
  std::vector<KeyspaceEntry> keyspaces;
  std::vector<TableEntry> tables;
};

// The catalog entry, sealed under backups/<id>. Small, so `list` reads only these.
struct BackupRecord {
  int version = 1;
  std::string backup_id, tag, mode;
  std::string cluster_name, host_id, address, data_center, rack;
  int64_t started = 0, finished = 0;
  uint64_t files = 0, bytes = 0;          // in the backup
  uint64_t new_files = 0, new_bytes = 0;  // components whose content the vault did not hold
  uint64_t stored_bytes = 0;              // bytes this backup added to the vault (after compression)
  uint64_t tables = 0;
  ObjectId manifest_id{};
  std::vector<ObjectId> index_ids;  // index objects this backup wrote
  // Version 2 (format v2) only: the content key sealing the manifest and the blobs this backup stored.
  ObjectId content_key{};
  // Version 2, partitioned vaults: the partition (vault node id) holding this backup's packs and index
  // objects. Empty: an older vault's unpartitioned layout.
  std::string node_id;
  // The cluster (vault/cluster_identity.h) and its members as this node saw them at backup time, sorted
  // by host id: what `list --cluster` expects to find committed with the same tag. Empty in records
  // written before they existed (and cluster_id in v1 vaults, which have no cluster aliases).
  std::string cluster_id;
  std::vector<ClusterMember> members;
};

// A manifest's catalog entry as far as the manifest says: identity, node, times and counts. The caller adds
// what only the backup knows (new files and bytes; the engine adds what it stored and where).
BackupRecord RecordOf(const Manifest& m);

// Sorted by host id, one entry per host id (the first seen wins), entries without a host id dropped.
std::vector<ClusterMember> NormaliseMembers(std::vector<ClusterMember> members);

std::string ManifestToJson(const Manifest& m);
Result<Manifest> ManifestFromJson(std::string_view json, std::string_view subject);
std::string BackupRecordToJson(const BackupRecord& r);
Result<BackupRecord> BackupRecordFromJson(std::string_view json, std::string_view subject);

}  // namespace cv
