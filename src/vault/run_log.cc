#include "vault/run_log.h"

namespace cv::vault {

std::string RunRecordToJson(const RunRecord&) { return {}; }
Result<RunRecord> RunRecordFromJson(std::string_view, std::string_view) {
  return Status::Internal("not yet");
}

RunLog::RunLog(ObjectTable& objects, const VaultKeys& keys, ProblemLog& problems)
    : objects_(objects), keys_(keys), problems_(problems) {}

Result<std::string> RunLog::NewRunId() { return Status::Internal("not yet"); }
Status RunLog::Write(const RunRecord&, int) { return Status::Internal("not yet"); }
Result<std::vector<RunRecord>> RunLog::List(int64_t, int64_t) { return Status::Internal("not yet"); }

}  // namespace cv::vault
