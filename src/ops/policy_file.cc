// YAML is read into JSON first so that a node-local file and a policy stored in the vault go through the
// one set of checks (core/policy). Scalars get their JSON type from how they are written: quoted text is
// always text, plain true/false a boolean, plain whole or decimal numbers a number, a blank value null.
#include "ops/policy_file.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

namespace cv::ops {
namespace {

using nlohmann::json;

constexpr size_t kMaxFileBytes = 1 << 20;  // a policy is a few hundred bytes; more is the wrong file

std::string At(std::string_view subject, const YAML::Mark& mark) {
  if (mark.is_null()) return std::string(subject);
  return std::string(subject) + " line " + std::to_string(mark.line + 1);
}

// A policy is three levels deep and has a few dozen values. YAML aliases can make a small file expand
// into a huge tree ("billion laughs"), and nesting can be arbitrarily deep: bound both while converting.
constexpr int kMaxDepth = 8;
constexpr size_t kMaxNodes = 10000;

struct Budget {
  size_t nodes = 0;
};

Result<json> ToJson(const YAML::Node& n, std::string_view subject, int depth, Budget* budget) {
  if (depth > kMaxDepth || ++budget->nodes > kMaxNodes) {
    return Status::InvalidArgument(
        At(subject, n.Mark()), depth > kMaxDepth ? "nests deeper than a policy can (docs/policies.md)"
                                                 : "has more values than a policy can (aliases expanded)");
  }
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return json(nullptr);
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& item : n) {
        CV_ASSIGN_OR_RETURN(json v, ToJson(item, subject, depth + 1, budget));
        a.push_back(std::move(v));
      }
      return a;
    }
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n) {
        if (!kv.first.IsScalar()) {
          return Status::InvalidArgument(At(subject, kv.first.Mark()), "a key is not a name");
        }
        const std::string& key = kv.first.Scalar();
        // A key written twice would silently lose one of its values.
        if (o.contains(key)) {
          return Status::InvalidArgument(At(subject, kv.first.Mark()), "`" + key + ":` appears twice");
        }
        CV_ASSIGN_OR_RETURN(json v, ToJson(kv.second, subject, depth + 1, budget));
        o[key] = std::move(v);
      }
      return o;
    }
    case YAML::NodeType::Scalar:
      break;
  }
  const std::string& s = n.Scalar();
  if (n.Tag() == "!") return json(s);  // quoted
  static const std::regex kInt("[-+]?[0-9]+"), kDec("[-+]?[0-9]*\\.[0-9]+");
  if (s == "true" || s == "True" || s == "TRUE") return json(true);
  if (s == "false" || s == "False" || s == "FALSE") return json(false);
  if (s == "null" || s == "~") return json(nullptr);
  if (s.size() <= 18 && std::regex_match(s, kInt)) return json(std::stoll(s));
  if (s.size() <= 18 && std::regex_match(s, kDec)) return json(std::stod(s));
  return json(s);
}

}  // namespace

Result<policy::Policy> ParsePolicyYaml(std::string_view text, std::string_view subject) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(
        At(subject, e.mark), "malformed YAML: " + e.msg + " (quote cron expressions: cron: \"0 1 * * *\")");
  }
  if (docs.size() != 1 || docs[0].IsNull()) {
    return Status::InvalidArgument(subject,
                                   docs.empty() || docs[0].IsNull()
                                       ? "is empty; a policy file is one YAML mapping (docs/policies.md)"
                                       : "holds several YAML documents; put one policy in each file");
  }
  Budget budget;
  CV_ASSIGN_OR_RETURN(json j, ToJson(docs[0], subject, 0, &budget));
  return policy::PolicyFromJson(j.dump(), subject);
}

Result<policy::Policy> LoadPolicyFile(const std::string& path) {
  const std::string subject = "policy file " + path;
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::FromErrno(errno, subject, "cannot be read");
  std::string text;
  text.resize(kMaxFileBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return Status::IOError(subject, "cannot be read");
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxFileBytes)
    return Status::InvalidArgument(subject, "is larger than 1 MiB: not a policy file");
  return ParsePolicyYaml(text, subject);
}

}  // namespace cv::ops
