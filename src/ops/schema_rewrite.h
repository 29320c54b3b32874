// src/ops/schema_rewrite.h — turning the DDL a backup captured into the statements a restore runs:
// split schema.cql into statements, and rewrite them for a renamed keyspace or table. Pure text work.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/manifest.h"
#include "core/status.h"

namespace cv::ops {

// schema.cql holds statements each ending in ';' at the end of a line.
std::vector<std::string> SplitStatements(const std::string& cql);

struct Rename {
  std::string from_ks, from_table, to_ks, to_table;  // table "" = the whole keyspace
};
// Where (ks, table) goes under `renames`: a rename of the table wins over one of its keyspace.
std::pair<std::string, std::string> ApplyRenames(const std::vector<Rename>& renames, const std::string& ks,
                                                 const std::string& table);

// Rewrites one schema.cql statement for a restore into (to_ks, to_table):
//  - `from_ks.from_table` becomes `to_ks.to_table`, `from_ks.` type references become `to_ks.`;
//  - `WITH ID = <uuid>` is dropped (the id belongs to the original, which may still exist);
//  - when the table gets a new name, index names get it in front (index names are unique per keyspace).
std::string RewriteTableStatement(const std::string& stmt, const std::string& from_ks,
                                  const std::string& from_table, const std::string& to_ks,
                                  const std::string& to_table);
// `CREATE KEYSPACE IF NOT EXISTS old WITH ...` for `new_ks`.
std::string RewriteKeyspaceStatement(const std::string& stmt, const std::string& from_ks,
                                     const std::string& to_ks);
// Removes `ID = <uuid> AND` from a CREATE TABLE (to create a table under a fresh id).
std::string StripTableId(const std::string& stmt);

// What a live restore may run. schema.cql is written by Cassandra into a snapshot directory that the
// Cassandra account can modify, and its statements run with the restore's CQL credentials, possibly on
// another cluster: only the kinds Cassandra itself writes there are accepted, on the restored objects:
//  - CREATE TYPE [IF NOT EXISTS] ks.name ...            (ks = `keyspace`)
//  - CREATE TABLE [IF NOT EXISTS] ks.table ...          (exactly `keyspace`.`table`)
//  - CREATE [CUSTOM] INDEX [IF NOT EXISTS] [name] ON ks.table ...
//  - ALTER TABLE ks.table DROP col USING TIMESTAMP n    (a dropped column)
//  - ALTER TABLE ks.table ADD [static] col type         (a column added again after a drop)
// each one statement (a ';' only at its end, outside strings, quoted names and comments).
// Corruption("schema.cql of ks.table", "... `<statement>` ...") otherwise.
Status CheckSchemaStatement(const std::string& stmt, const std::string& keyspace, const std::string& table);
// CREATE KEYSPACE [IF NOT EXISTS] `keyspace` WITH ...; (one statement).
Status CheckKeyspaceStatement(const std::string& stmt, const std::string& keyspace);
// Everything a live restore of `t` into to_ks.to_table would run, checked before any of it runs: the
// backup's CREATE KEYSPACE of t.keyspace (when it has one) and every statement of t.schema_cql, as
// rewritten for the target (with and without its table id).
Status CheckRestoreSchema(const Manifest& manifest, const TableEntry& t, const std::string& to_ks,
                          const std::string& to_table);

}  // namespace cv::ops
