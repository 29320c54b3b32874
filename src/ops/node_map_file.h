// src/ops/node_map_file.h — reading the node-map file (`cassvault cluster-map --out`, `restore --node-map`)
// with the YAML parser the config uses, so that an operator's editor may write any YAML form (flow style,
// quotes, comments). The checks on what it names are core's (core/node_map.h), which knows no YAML.
#pragma once

#include <string_view>

#include "core/node_map.h"

namespace cv::ops {

// The file's text, two sections of `name: name` entries:
//   dc_map:
//     dc1: dcB
//   nodes:
//     10.1.0.1: 5d1c0e2a-...   # target address: source host id (or address)
// InvalidArgument names `subject`, the line where known, and what is wrong: malformed YAML, an unknown or
// repeated section, an entry that is not `name: name`, a key named twice.
Result<NodeMap> ParseNodeMapFile(std::string_view text, std::string_view subject);

}  // namespace cv::ops
