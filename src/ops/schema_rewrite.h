// src/ops/schema_rewrite.h — turning the DDL a backup captured into the statements a restore runs:
// split schema.cql into statements, and rewrite them for a renamed keyspace or table. Pure text work.
#pragma once

#include <string>
#include <vector>

namespace cv::ops {

// schema.cql holds statements each ending in ';' at the end of a line.
std::vector<std::string> SplitStatements(const std::string& cql);

struct Rename {
  std::string from_ks, from_table, to_ks, to_table;  // table "" = the whole keyspace
};

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

}  // namespace cv::ops
