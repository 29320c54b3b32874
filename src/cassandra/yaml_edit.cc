// src/cassandra/yaml_edit.cc — line-level edits, checked with yaml-cpp (which throws: every call into
// it stays inside this file's try blocks).
#include "cassandra/yaml_edit.h"

#include <yaml-cpp/yaml.h>

#include <exception>

#include "cassandra/read_file.h"

namespace cv::cassandra {
namespace {

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    lines.emplace_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

// `key:` at column 0, followed by a space, a tab or the end of the line.
bool IsKeyLine(const std::string& line, const std::string& key) {
  if (line.compare(0, key.size(), key) != 0 || line.size() <= key.size() || line[key.size()] != ':')
    return false;
  return line.size() == key.size() + 1 || line[key.size() + 1] == ' ' || line[key.size() + 1] == '\t';
}

// Lines that continue the previous key's value: indented, or a top-level `- item` of a block list.
bool IsContinuation(const std::string& line) {
  return !line.empty() && (line[0] == ' ' || line[0] == '\t' || line[0] == '-');
}

Result<YAML::Node> Parse(std::string_view text, std::string_view subject) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (root.IsDefined() && !root.IsNull() && !root.IsMap())
      return Status::InvalidArgument(subject, "expected a mapping of keys at the top level");
    return root;
  } catch (const std::exception& e) {
    return Status::InvalidArgument(subject, std::string("YAML error: ") + e.what());
  }
}

}  // namespace

Result<std::string> ReadYamlFile(const std::string& path) { return ReadSmallFile(path, 16 << 20); }

Result<std::map<std::string, std::string>> ReadTopLevelScalars(std::string_view text,
                                                               const std::vector<std::string>& keys,
                                                               std::string_view subject) {
  CV_ASSIGN_OR_RETURN(YAML::Node root, Parse(text, subject));
  std::map<std::string, std::string> out;
  try {
    for (const auto& k : keys) {
      out[k] = "";
      if (!root.IsDefined() || root.IsNull()) continue;
      YAML::Node n = root[k];
      if (!n.IsDefined() || n.IsNull()) continue;
      if (!n.IsScalar())
        return Status::InvalidArgument(std::string(subject) + ": key '" + k + "'", "expected a scalar");
      out[k] = n.Scalar();
    }
  } catch (const std::exception& e) {
    return Status::InvalidArgument(subject, std::string("YAML error: ") + e.what());
  }
  return out;
}

Result<std::string> SetTopLevelScalars(std::string_view text,
                                       const std::vector<std::pair<std::string, std::string>>& values,
                                       std::string_view comment, std::string_view subject) {
  CV_RETURN_IF_ERROR(Parse(text, subject).status());
  std::vector<std::string> lines = SplitLines(text);
  std::vector<std::pair<std::string, std::string>> appended;
  for (const auto& [key, value] : values) {
    bool done = false;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (!IsKeyLine(lines[i], key)) continue;
      if (done) {  // a duplicate key: YAML takes the last; keep one definition only
        lines.erase(lines.begin() + static_cast<long>(i--));
        continue;
      }
      lines[i] = key + ": " + value;
      while (i + 1 < lines.size() && IsContinuation(lines[i + 1]))
        lines.erase(lines.begin() + static_cast<long>(i) + 1);
      done = true;
    }
    if (!done) appended.emplace_back(key, value);
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  if (!appended.empty()) {
    if (!out.empty() && out.size() >= 2 && out.substr(out.size() - 2) != "\n\n") out += "\n";
    out += "# " + std::string(comment) + "\n";
    for (const auto& [key, value] : appended) out += key + ": " + value + "\n";
  }
  // Read back what a YAML parser (and so Cassandra) sees.
  std::vector<std::string> keys;
  keys.reserve(values.size());
  for (const auto& kv : values) keys.push_back(kv.first);
  CV_ASSIGN_OR_RETURN(auto back, ReadTopLevelScalars(out, keys, subject));
  for (const auto& [key, value] : values) {
    std::string want = value;
    if (want.size() >= 2 && want.front() == '\'' && want.back() == '\'')
      want = want.substr(1, want.size() - 2);
    if (back[key] != want) {
      return Status::Internal(std::string(subject) + ": key '" + key + "'",
                              "edited file reads back '" + back[key] + "', not '" + want + "'; not written");
    }
  }
  return out;
}

}  // namespace cv::cassandra
