// src/ops/restore_load.h — `restore --mode load`: a cluster backup (every node's backup with one tag, or one
// backup id) streamed into a running cluster of any shape with Cassandra's own sstableloader, which sends
// each row to the nodes that own it now (3 nodes -> 1, 1 -> 3, another replication factor).
//
// Run from one host that has the vault and Cassandra's jars. Table by table, one at a time:
//   1. materialise the table's SSTables from every node's backup in a private staging dir, generations
//      renumbered so that nodes' files cannot collide, each file checked (vault hashes, Digest.crc32);
//   2. run sstableloader on it (throttled; credentials through a private argfile, never argv);
//   3. note the table in the load journal, then remove its staged files.
// A table larger than the staging budget is refused before anything is loaded. A rerun after a kill
// skips the tables in the journal and loads the interrupted one again: rows and counters are idempotent
// under a second load (docs/restore.md says why), so the rerun changes no result.
// Missing keyspaces and tables are created from the backed-up schema first; existing ones (and their
// replication) are the operator's and are left as they are.
#pragma once

#include "ops/config.h"
#include "ops/restore.h"
#include "vault/vault.h"

namespace cv::ops {

Result<RestoreReport> RunLoadRestore(const Config& config, vault::Vault& vault, const RestoreOptions& o);

}  // namespace cv::ops
