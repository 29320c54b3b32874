// src/core/safe_path.h — restore never writes outside its target.
//
// Every name that comes out of a manifest (keyspace, table, id, file path) is checked here before it
// becomes part of a path, whatever the manifest says: a tampered or hostile manifest gets an
// InvalidArgument, never a write outside the target.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace cv {

// Keyspace and table names: [A-Za-z0-9_]{1,222} (Cassandra's own rule).
Status CheckIdentifier(std::string_view name, std::string_view what);
// Table ids: "" or 32 lowercase hex digits.
Status CheckTableId(std::string_view id);
// A relative file path inside a table dir: one component, or `.index/component` for legacy 2i.
// Rejects absolute paths, "..", ".", empty components, NUL, backslashes and control characters.
Status CheckRelativeFilePath(std::string_view path);

}  // namespace cv
