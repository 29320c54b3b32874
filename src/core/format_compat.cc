#include "core/format_compat.h"

#include <string>

namespace cv {

bool ModeReadsSSTable(std::string_view mode, std::string_view version, std::string_view format) {
  if (mode == "NONE" || mode.empty()) return true;
  // 4.x formats: big, versions before 'o' (ma..nb). Everything newer needs NONE.
  return format == "big" && !version.empty() && version[0] < 'o';
}

Status CheckSSTableFormats(const std::vector<const TableEntry*>& tables, std::string_view target_mode,
                           std::string_view target) {
  for (const TableEntry* t : tables) {
    for (const auto& f : t->files) {
      std::string_view name = f.path;
      if (auto slash = name.rfind('/'); slash != std::string_view::npos) name.remove_prefix(slash + 1);
      if (!name.ends_with("-Data.db")) continue;
      // <version>-<id>-<format>-Data.db
      size_t a = name.find('-'), b = a == std::string_view::npos ? a : name.find('-', a + 1);
      size_t c = b == std::string_view::npos ? b : name.find('-', b + 1);
      if (c == std::string_view::npos) continue;
      std::string_view version = name.substr(0, a), format = name.substr(b + 1, c - b - 1);
      if (ModeReadsSSTable(target_mode, version, format)) continue;
      return Status::FailedPrecondition(
          std::string(target),
          "runs with storage_compatibility_mode: " + std::string(target_mode) + ", which cannot read " +
              std::string(version) + "-" + std::string(format) + " SSTables such as " + t->keyspace + "." +
              t->table + "/" + std::string(name) +
              " (written by a node in mode NONE); Cassandra would refuse them at startup. Restore onto a "
              "node with storage_compatibility_mode: NONE (the mode can be raised, never lowered). Nothing "
              "was changed");
    }
  }
  return Status::OK();
}

}  // namespace cv
