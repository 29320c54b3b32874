#include "vault/problems.h"

namespace cv::vault {

bool IsObjectProblem(const Status& st) {
  return st.IsCorruption() || st.IsNotFound() || st.code() == StatusCode::kInvalidArgument ||
         st.code() == StatusCode::kNotSupported;
}

void ProblemLog::Add(std::string object, std::string problem, bool damage) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& p : problems_) {
    if (p.object == object && p.problem == problem) return;
  }
  problems_.push_back({std::move(object), std::move(problem), damage});
}

std::vector<VaultProblem> ProblemLog::All() const {
  std::lock_guard<std::mutex> lock(mu_);
  return problems_;
}

}  // namespace cv::vault
