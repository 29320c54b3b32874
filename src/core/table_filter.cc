#include "core/table_filter.h"

#include <algorithm>
#include <array>

namespace cv {
namespace {

constexpr std::array<std::string_view, 7> kSystemKeyspaces = {
    "system",        "system_schema", "system_auth",          "system_distributed",
    "system_traces", "system_views",  "system_virtual_schema"};

bool ValidPart(std::string_view part) {
  if (part.empty()) return false;
  return std::all_of(part.begin(), part.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '*' || c == '?';
  });
}

}  // namespace

bool TableFilter::Glob(std::string_view p, std::string_view t) {
  // Iterative glob with single-star backtracking: linear enough for identifier-sized strings.
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == t[ti])) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool TableFilter::IsSystemKeyspace(std::string_view ks) {
  return std::find(kSystemKeyspaces.begin(), kSystemKeyspaces.end(), ks) != kSystemKeyspaces.end();
}

Result<TableFilter> TableFilter::Make(const std::vector<std::string>& includes,
                                      const std::vector<std::string>& excludes) {
  TableFilter f;
  auto parse = [](const std::string& s, std::vector<Pattern>* out) -> Status {
    size_t dot = s.find('.');
    Pattern p;
    if (dot == std::string::npos) {
      p.keyspace = s;
      p.table = "*";
    } else {
      p.keyspace = s.substr(0, dot);
      p.table = s.substr(dot + 1);
    }
    if (!ValidPart(p.keyspace) || !ValidPart(p.table)) {
      return Status::InvalidArgument(
          "table pattern '" + s + "'",
          "expected KEYSPACE or KEYSPACE.TABLE (letters, digits, _, -, globs * and ?)");
    }
    out->push_back(std::move(p));
    return Status::OK();
  };
  for (const auto& s : includes) CV_RETURN_IF_ERROR(parse(s, &f.includes_));
  for (const auto& s : excludes) CV_RETURN_IF_ERROR(parse(s, &f.excludes_));
  return f;
}

bool TableFilter::Matches(std::string_view ks, std::string_view table) const {
  auto hit = [&](const Pattern& p) { return Glob(p.keyspace, ks) && Glob(p.table, table); };
  for (const auto& p : excludes_) {
    if (hit(p)) return false;
  }
  if (IsSystemKeyspace(ks)) {
    // Only an explicit, wildcard-free keyspace name brings a system keyspace in.
    return std::any_of(includes_.begin(), includes_.end(),
                       [&](const Pattern& p) { return p.keyspace == ks && Glob(p.table, table); });
  }
  if (includes_.empty()) return true;
  return std::any_of(includes_.begin(), includes_.end(), hit);
}

bool TableFilter::MayMatchKeyspace(std::string_view ks) const {
  for (const auto& p : excludes_) {
    if (p.table == "*" && Glob(p.keyspace, ks)) return false;
  }
  if (IsSystemKeyspace(ks)) {
    return std::any_of(includes_.begin(), includes_.end(),
                       [&](const Pattern& p) { return p.keyspace == ks; });
  }
  if (includes_.empty()) return true;
  return std::any_of(includes_.begin(), includes_.end(),
                     [&](const Pattern& p) { return Glob(p.keyspace, ks); });
}

}  // namespace cv
