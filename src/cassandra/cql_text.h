// src/cassandra/cql_text.h — CQL text cassvault generates from schema tables: quoted identifiers,
// CREATE KEYSPACE / CREATE TYPE statements, token order. Pure functions, so they are unit-tested
// without a node; cql_session.cc feeds them what it reads from system_schema.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace cv::cassandra {

// Numeric order of decimal tokens of any size (Murmur3 fits int64, RandomPartitioner needs 128 bits);
// anything not decimal (ByteOrderedPartitioner hex) sorts after the numbers, as plain strings.
bool TokenLess(const std::string& a, const std::string& b);

// `ks` stays bare when CQL would read it back unchanged (lowercase, [a-z][a-z0-9_]*, not a reserved
// keyword); otherwise "double-quoted" with inner quotes doubled.
std::string QuoteIdentifier(const std::string& id);
// 'single-quoted' with inner quotes doubled.
std::string QuoteStringLiteral(const std::string& s);

// CREATE KEYSPACE IF NOT EXISTS ks WITH replication = {'class': '...', ...} AND durable_writes = true;
// `replication` is system_schema.keyspaces.replication; 'class' goes first, other keys in order.
std::string CreateKeyspaceStatement(const std::string& keyspace,
                                    const std::map<std::string, std::string>& replication,
                                    bool durable_writes);

struct UserTypeDef {  // one row of system_schema.types
  std::string name;
  std::vector<std::string> field_names;
  std::vector<std::string> field_types;  // CQL text as stored, e.g. "frozen<address>"
};
// CREATE TYPE IF NOT EXISTS ks.t (f type, ...); per type, types used by others first (ties by name).
std::vector<std::string> CreateTypeStatements(const std::string& keyspace,
                                              const std::vector<UserTypeDef>& types);

// "5a1c395e-2b29-11ef-..." -> "5a1c395e2b2911ef...": the form table directories carry.
std::string UuidToHex(std::string uuid);

}  // namespace cv::cassandra
