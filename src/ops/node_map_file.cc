#include "ops/node_map_file.h"

#include <yaml-cpp/yaml.h>

#include <set>
#include <string>
#include <vector>

namespace cv::ops {
namespace {

constexpr char kFormat[] = " (format: docs/restore.md, \"Node map\")";

// yaml-cpp counts lines from 0; messages count from 1 as editors do.
std::string At(std::string_view subject, const YAML::Mark& mark) {
  if (mark.is_null()) return std::string(subject);
  return std::string(subject) + " line " + std::to_string(mark.line + 1);
}

const char* Kind(const YAML::Node& n) {
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  if (n.IsNull()) return "nothing";
  return "text";
}

// One section: a mapping of scalars to scalars (empty when the section is left blank).
Result<std::vector<NodeMapEntry>> ReadSection(const YAML::Node& section, const std::string& name,
                                              std::string_view subject) {
  std::vector<NodeMapEntry> out;
  if (section.IsNull()) return out;
  if (!section.IsMap()) {
    std::string found = section.IsScalar() ? "'" + section.Scalar() + "'" : Kind(section);
    return Status::InvalidArgument(At(subject, section.Mark()), "expected `key: value` lines under `" + name +
                                                                    ":`, found " + found + kFormat);
  }
  for (const auto& kv : section) {
    const YAML::Node& key = kv.first;
    const YAML::Node& value = kv.second;
    std::string where = At(subject, key.Mark());
    if (!key.IsScalar())
      return Status::InvalidArgument(
          where, "a key of `" + name + ":` is " + Kind(key) + "; expected a name" + kFormat);
    if (!value.IsScalar()) {
      return Status::InvalidArgument(where, "'" + key.Scalar() + ":' has " + Kind(value) +
                                                " as its value; expected `name: name`" + kFormat);
    }
    out.push_back({key.Scalar(), value.Scalar(), key.Mark().is_null() ? 0 : key.Mark().line + 1});
  }
  return out;
}

Result<NodeMap> Read(const std::vector<YAML::Node>& docs, std::string_view subject) {
  if (docs.size() > 1) {
    return Status::InvalidArgument(
        At(subject, docs[1].Mark()),
        "a second YAML document; a node map is one document" + std::string(kFormat));
  }
  std::vector<NodeMapEntry> dc_map, nodes;
  if (docs.empty() || docs[0].IsNull()) return MakeNodeMap(dc_map, nodes, subject);  // "names no node"
  const YAML::Node& root = docs[0];
  if (!root.IsMap()) {
    return Status::InvalidArgument(At(subject, root.Mark()),
                                   std::string("expected the sections `dc_map:` and "
                                               "`nodes:`, found ") +
                                       Kind(root) + kFormat);
  }
  std::set<std::string> seen;
  for (const auto& kv : root) {
    std::string where = At(subject, kv.first.Mark());
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (key != "dc_map" && key != "nodes") {
      // An entry at the top (`10.1.0.1: h1` not indented) is most likely a section header left out.
      if (kv.first.IsScalar() && kv.second.IsScalar())
        return Status::InvalidArgument(
            where, "entry '" + key + ": " + kv.second.Scalar() + "' outside `dc_map:` or `nodes:`");
      return Status::InvalidArgument(where,
                                     "unknown section '" + key + "'; a node map has `dc_map:` and `nodes:`");
    }
    // A repeated section would otherwise be silently dropped or merged: say so instead.
    if (!seen.insert(key).second)
      return Status::InvalidArgument(where, "section `" + key + ":` appears twice");
    CV_ASSIGN_OR_RETURN(auto entries, ReadSection(kv.second, key, subject));
    (key == "dc_map" ? dc_map : nodes) = std::move(entries);
  }
  return MakeNodeMap(dc_map, nodes, subject);
}

}  // namespace

Result<NodeMap> ParseNodeMapFile(std::string_view text, std::string_view subject) {
  try {
    return Read(YAML::LoadAll(std::string(text)), subject);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(At(subject, e.mark), "malformed YAML: " + e.msg + kFormat);
  }
}

}  // namespace cv::ops
