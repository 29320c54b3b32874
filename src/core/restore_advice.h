// src/core/restore_advice.h — what the operator must do after a restore (start order, token check,
// repair), worked out from the backup and the token plan. No I/O: the restore prints the lines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cv {

// The highest replication factor in a `CREATE KEYSPACE ... WITH replication = {...}` statement (every
// DC of NetworkTopologyStrategy, `replication_factor` of SimpleStrategy; "3/1" transient counts 3).
// 0 when the statement names none.
int MaxReplicationFactor(std::string_view create_keyspace);

struct AdviceInputs {
  bool live = false;                              // nodetool import into a running node
  std::string node;                               // address of the restored node, for commands
  std::vector<std::string> tokens;                // the backup's tokens the node must own afterwards
  bool tokens_match = false;                      // the token plan gives the node the backup's tokens
  bool tokens_checked_live = false;               // ... and that was checked over CQL
  std::string host_id_kept;                       // system.local was restored: the node keeps this host id
  std::string yaml_path, yaml_copy;               // set when the restore edited cassandra.yaml
  std::vector<std::string> replicated_keyspaces;  // restored keyspaces with RF > 1
  std::vector<std::string> single_keyspaces;      // restored keyspaces with RF 1
};

std::vector<std::string> NextSteps(const AdviceInputs& in);

}  // namespace cv
