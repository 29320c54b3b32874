// src/ops/policy_file.h — a node-local policy YAML file (docs/policies.md) -> policy::Policy. The YAML is
// turned into JSON (yaml-cpp) and checked by core (policy::PolicyFromJson), so a file and a vault policy
// obey the same rules. Errors name the file and the field.
#pragma once

#include <string>
#include <string_view>

#include "core/policy.h"

namespace cv::ops {

Result<policy::Policy> LoadPolicyFile(const std::string& path);
// The same from text already read; `subject` names it in errors (usually the path).
Result<policy::Policy> ParsePolicyYaml(std::string_view text, std::string_view subject);

}  // namespace cv::ops
