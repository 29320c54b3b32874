#include "core/safe_path.h"

#include <algorithm>

namespace cv {
namespace {

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

Status CheckIdentifier(std::string_view name, std::string_view what) {
  if (name.empty() || name.size() > 222 || !std::all_of(name.begin(), name.end(), IsWordChar)) {
    return Status::InvalidArgument(
        std::string(what) + " name '" + std::string(name) + "'",
        "not a valid Cassandra identifier (letters, digits, _); refusing to use it in a path");
  }
  return Status::OK();
}

Status CheckTableId(std::string_view id) {
  bool ok = id.empty() || (id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
                             return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                           }));
  return ok ? Status::OK()
            : Status::InvalidArgument("table id '" + std::string(id) + "'",
                                      "expected 32 lowercase hex digits");
}

Status CheckRelativeFilePath(std::string_view path) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("file path '" + std::string(path) + "' in the manifest",
                                   std::string(why) + "; refusing to write outside the restore target");
  };
  if (path.empty()) return bad("empty name");
  if (path.front() == '/') return bad("absolute path");
  for (char c : path) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '\\' || c == 0x7f)
      return bad("control character or backslash");
  }
  size_t parts = 0;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return bad("empty, '.' or '..' component");
    ++parts;
    start = end + 1;
  }
  if (parts > 2) return bad("too deep (a table dir holds files and one level of 2i dirs)");
  if (parts == 2 && path.front() != '.') return bad("sub-directory is not a secondary-index dir");
  return Status::OK();
}

}  // namespace cv
