// src/cassandra/yaml_edit.h — the smallest possible edit of cassandra.yaml: set a few top-level keys
// and leave every other line, comment and blank as the operator wrote it. Operators diff and
// version-control this file; a rewrite through a YAML emitter would lose their comments and order.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace cv::cassandra {

// The text of a cassandra.yaml (NotFound if absent; InvalidArgument if implausibly large).
Result<std::string> ReadYamlFile(const std::string& path);

// Top-level scalar values of `keys` in the yaml text ("" when absent or null). InvalidArgument on a
// malformed file or a key whose value is not a scalar.
Result<std::map<std::string, std::string>> ReadTopLevelScalars(std::string_view text,
                                                               const std::vector<std::string>& keys,
                                                               std::string_view subject);

// `text` with each key set to its value (written as given, so quote it if it must stay a string). An
// uncommented top-level `key:` line is replaced in place, together with the indented lines of a
// multi-line value; a missing key is appended at the end after `comment` (one `# ` line). The result is
// parsed back and each key checked, so a caller never writes a file Cassandra would read differently.
Result<std::string> SetTopLevelScalars(std::string_view text,
                                       const std::vector<std::pair<std::string, std::string>>& values,
                                       std::string_view comment, std::string_view subject);

}  // namespace cv::cassandra
