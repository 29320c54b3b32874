// src/cassandra/sstable_name.cc — SSTable file names.
#include "cassandra/sstable_name.h"

#include <array>
#include <cstddef>

namespace cv::cassandra {
namespace {

bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsBase36(char c) { return IsLower(c) || IsDigit(c); }
bool IsWordChar(char c) { return IsBase36(c) || (c >= 'A' && c <= 'Z') || c == '_'; }

bool IsVersion(std::string_view s) { return s.size() == 2 && IsLower(s[0]) && IsLower(s[1]); }

// Sequential ids are Java ints printed in decimal; UUID ids are 4_4_18 base36 chars (§4).
bool IsGenerationId(std::string_view s) {
  if (s.empty()) return false;
  bool all_digits = true;
  for (char c : s) all_digits = all_digits && IsDigit(c);
  if (all_digits) return s.size() <= 10;
  if (s.size() != 28 || s[4] != '_' || s[9] != '_') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i != 4 && i != 9 && !IsBase36(s[i])) return false;
  }
  return true;
}

// Components are `Name.ext`, where the name may carry `+` (SAI) and `_` (SASI `SI_<index>`, SAI index
// names). Anything else after the format token is not something Cassandra wrote as a component.
bool IsComponent(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  bool has_dot = false;
  for (char c : s) {
    if (c == '.') {
      has_dot = true;
    } else if (!IsWordChar(c) && c != '+') {
      return false;
    }
  }
  return has_dot;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

bool SSTableName::IsMutable() const { return component == "Statistics.db" || component == "Summary.db"; }

std::optional<SSTableName> SSTableName::Parse(std::string_view filename) {
  if (IsTransientFile(filename)) return std::nullopt;
  std::array<std::string_view, 4> tokens;
  size_t start = 0;
  for (size_t i = 0; i < 3; ++i) {
    size_t dash = filename.find('-', start);
    if (dash == std::string_view::npos) return std::nullopt;
    tokens[i] = filename.substr(start, dash - start);
    start = dash + 1;
  }
  tokens[3] = filename.substr(start);
  // A fifth dash means an old `ks-cf-ka-1-Data.db` name or something else entirely.
  if (tokens[3].find('-') != std::string_view::npos) return std::nullopt;
  if (!IsVersion(tokens[0]) || !IsGenerationId(tokens[1])) return std::nullopt;
  if (tokens[2] != "big" && tokens[2] != "bti") return std::nullopt;
  if (!IsComponent(tokens[3])) return std::nullopt;
  return SSTableName{std::string(tokens[0]), std::string(tokens[1]), std::string(tokens[2]),
                     std::string(tokens[3])};
}

bool IsTransientFile(std::string_view filename) {
  // Transaction logs: `txn_<op>_<uuid>.log`, `nb_txn_...`, `big-nb_txn_...`.
  if (EndsWith(filename, ".log") &&
      (StartsWith(filename, "txn_") || filename.find("_txn_") != std::string_view::npos)) {
    return true;
  }
  // In-flight writes: `*.tmp`, `<component>.<timeuuid>.tmp`, and pre-3.0 `tmp-` / `tmplink-` prefixes.
  return EndsWith(filename, ".tmp") || StartsWith(filename, "tmp-") || StartsWith(filename, "tmplink-");
}

}  // namespace cv::cassandra
