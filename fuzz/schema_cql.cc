// fuzz/schema_cql.cc — a snapshot's schema.cql (written by Cassandra, read by backup, kept in the
// manifest and replayed by restore): split into statements and rewritten for a renamed keyspace/table
// (ops/schema_rewrite).
#include <string>

#include "fuzz/fuzz_input.h"
#include "ops/schema_rewrite.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string cql(cv::fuzz::Text(cv::fuzz::Bytes(data, size)));
  for (const auto& stmt : cv::ops::SplitStatements(cql)) {
    (void)cv::ops::RewriteTableStatement(stmt, "ks", "t", "ks2", "t2");
    (void)cv::ops::RewriteTableStatement(stmt, "ks", "t", "ks", "t");
    (void)cv::ops::RewriteKeyspaceStatement(stmt, "ks", "ks2");
    (void)cv::ops::StripTableId(stmt);
  }
  return 0;
}
