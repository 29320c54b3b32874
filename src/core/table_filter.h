// src/core/table_filter.h — which keyspaces and tables an operation touches.
//
// Patterns are `KS` or `KS.TABLE`, each part a glob (`*`, `?`). A table is selected when it matches an
// include (or there are no includes) and no exclude. System keyspaces (system, system_schema,
// system_auth, system_distributed, system_traces, system_views, system_virtual_schema) are
// handled deliberately: they are skipped unless named explicitly by an include pattern without
// wildcards in the keyspace part, because restoring them onto a running node breaks it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace cv {

class TableFilter {
 public:
  TableFilter() = default;  // everything but system keyspaces
  // InvalidArgument names the bad pattern (empty part, more than one dot, characters outside [\w*?-]).
  static Result<TableFilter> Make(const std::vector<std::string>& includes,
                                  const std::vector<std::string>& excludes);

  bool Matches(std::string_view keyspace, std::string_view table) const;
  // True if some table of the keyspace could match (lets scanners skip whole keyspace dirs).
  bool MayMatchKeyspace(std::string_view keyspace) const;

  static bool IsSystemKeyspace(std::string_view keyspace);
  static bool Glob(std::string_view pattern, std::string_view text);

 private:
  struct Pattern {
    std::string keyspace, table;  // table "*" when only a keyspace was given
  };
  std::vector<Pattern> includes_, excludes_;
};

}  // namespace cv
