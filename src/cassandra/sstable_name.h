// src/cassandra/sstable_name.h — parsing SSTable component file names.
// `nb-1-big-Data.db`, `da-3g1m_0nuf_3vj5m2k1125165rxa7-bti-Rows.db`, `nb-1-big-SAI+aa+idx+Meta.db`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cv::cassandra {

struct SSTableName {
  std::string version;    // "nb", "oa", "da", "ma" ...
  std::string id;         // generation: decimal or UUID-style base36
  std::string format;     // "big" or "bti"
  std::string component;  // "Data.db", "Digest.crc32", "SAI+aa+idx+Meta.db" ...

  // "nb-1-big": every component of one SSTable shares it.
  std::string Descriptor() const { return version + "-" + id + "-" + format; }
  // Components Cassandra may rewrite in place (MUTABLE_COMPONENTS): Statistics.db, Summary.db.
  bool IsMutable() const;

  // nullopt for anything that is not an SSTable component (manifest.json, schema.cql, txn logs, *.tmp).
  static std::optional<SSTableName> Parse(std::string_view filename);
};

// Transaction logs and temporary files that must never be backed up.
bool IsTransientFile(std::string_view filename);

}  // namespace cv::cassandra
