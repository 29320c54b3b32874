#include "ops/schema_rewrite.h"

#include <regex>

namespace cv::ops {

std::vector<std::string> SplitStatements(const std::string& cql) {
  std::vector<std::string> out;
  std::string cur;
  size_t start = 0;
  while (start < cql.size()) {
    size_t nl = cql.find('\n', start);
    std::string line = cql.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? cql.size() : nl + 1;
    cur += line + "\n";
    size_t end = line.find_last_not_of(" \t\r");
    if (end != std::string::npos && line[end] == ';') {
      size_t b = cur.find_first_not_of(" \t\r\n");
      if (b != std::string::npos) out.push_back(cur.substr(b, cur.find_last_of(';') - b + 1));
      cur.clear();
    }
  }
  size_t b = cur.find_first_not_of(" \t\r\n");
  if (b != std::string::npos) out.push_back(cur.substr(b));
  return out;
}

std::string StripTableId(const std::string& stmt) {
  static const std::regex kId(R"(\bID\s*=\s*[0-9a-fA-F-]{36}\s*(AND\s+)?)", std::regex::icase);
  std::string s = std::regex_replace(stmt, kId, "");
  // "WITH ;" or "WITH" left dangling if ID was the only option.
  static const std::regex kDangling(R"(\bWITH\s*;)", std::regex::icase);
  return std::regex_replace(s, kDangling, ";");
}

std::string RewriteTableStatement(const std::string& stmt, const std::string& from_ks,
                                  const std::string& from_table, const std::string& to_ks,
                                  const std::string& to_table) {
  if (from_ks == to_ks && from_table == to_table) return stmt;
  std::string s = stmt;
  // ks.table (possibly quoted) -> to_ks.to_table
  std::regex qualified("\\b\"?" + from_ks + "\"?\\.\"?" + from_table + "\"?\\b");
  s = std::regex_replace(s, qualified, to_ks + "." + to_table);
  // type references and CREATE TYPE ks.x
  if (from_ks != to_ks) s = std::regex_replace(s, std::regex("\\b\"?" + from_ks + "\"?\\."), to_ks + ".");
  // The id belongs to the original table, which may still exist: a copy gets a fresh one.
  s = StripTableId(s);
  if (from_table != to_table) {
    static const std::regex kIndex(R"re(^(CREATE\s+(CUSTOM\s+)?INDEX\s+(IF\s+NOT\s+EXISTS\s+)?)"?(\w+)"?)re",
                                   std::regex::icase);
    s = std::regex_replace(s, kIndex, "$1" + to_table + "_$4");
  }
  return s;
}

std::string RewriteKeyspaceStatement(const std::string& stmt, const std::string& from_ks,
                                     const std::string& to_ks) {
  if (from_ks == to_ks) return stmt;
  std::regex name(R"(^(CREATE\s+KEYSPACE\s+(IF\s+NOT\s+EXISTS\s+)?)\"?)" + from_ks + "\"?\\b",
                  std::regex::icase);
  return std::regex_replace(stmt, name, "$1" + to_ks);
}

}  // namespace cv::ops
