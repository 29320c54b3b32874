#include "vault/run_log.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/json_int.h"
#include "vault/key_slots.h"
#include "vault/signed_object.h"

namespace cv::vault {

using layout::ObjectKind;
using nlohmann::json;

namespace {

constexpr size_t kMaxError = 1024;
constexpr int64_t kDay = 86400;
// A range of more days than this is read with one listing of runs/ (a page per 1000 names) instead of a
// listing per day.
constexpr int64_t kMaxDayListings = 31;

bool IsFinalState(std::string_view s) {
  return s == "succeeded" || s == "failed" || s == "abandoned" || s == "skipped";
}

// At most kMaxError bytes, not cutting a UTF-8 sequence in two.
std::string CutError(std::string e) {
  if (e.size() <= kMaxError) return e;
  size_t n = kMaxError;
  while (n > 0 && (static_cast<unsigned char>(e[n]) & 0xc0) == 0x80) --n;
  e.resize(n);
  return e;
}

Status CheckFormat(const VaultKeys& keys, ObjectTable& objects) {
  if (keys.format() == 2) return Status::OK();
  return Status::NotSupported("run records in vault " + objects.store().Describe(),
                              "a format 1 vault keeps no run records; the daemon's log lines (stderr) show "
                              "its runs");
}

}  // namespace

std::string RunRecordToJson(const RunRecord& r) {
  json j = {{"run_id", r.run_id},
            {"policy", r.policy},
            {"policy_version", r.policy_version},
            {"slot", r.slot},
            {"tag", r.tag},
            {"host_id", r.host_id},
            {"address", r.address},
            {"data_center", r.data_center},
            {"node_id", r.node_id},
            {"state", r.state},
            {"attempts", r.attempts},
            {"started", r.started},
            {"finished", r.finished},
            {"backup_id", r.backup_id},
            {"error", r.error}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<RunRecord> RunRecordFromJson(std::string_view text, std::string_view subject) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Status::Corruption(subject, "is not a run record (not JSON)");
  RunRecord r;
  try {
    r.run_id = j.at("run_id").get<std::string>();
    r.policy = j.at("policy").get<std::string>();
    r.policy_version = json_int::U32Value(j, "policy_version", 0);
    r.slot = json_int::Value(j, "slot", 0);
    r.tag = j.value("tag", "");
    r.host_id = j.value("host_id", "");
    r.address = j.value("address", "");
    r.data_center = j.value("data_center", "");
    r.node_id = j.value("node_id", "");
    r.state = j.at("state").get<std::string>();
    r.attempts = json_int::U32Value(j, "attempts", 0);
    r.started = json_int::At(j, "started");
    r.finished = json_int::Value(j, "finished", 0);
    r.backup_id = j.value("backup_id", "");
    r.error = j.value("error", "");
  } catch (const std::exception&) {  // json::exception, or json_int's invalid_argument
    return Status::Corruption(subject, "is not a run record (a field is missing or of the wrong type)");
  }
  if (!layout::IsValidRunId(r.run_id)) return Status::Corruption(subject, "names a malformed run id");
  if (r.state != "started" && !IsFinalState(r.state))
    return Status::Corruption(subject, "names an unknown state \"" + r.state + "\"");
  return r;
}

RunLog::RunLog(ObjectTable& objects, const VaultKeys& keys, ProblemLog& problems)
    : objects_(objects), keys_(keys), problems_(problems) {}

Result<std::string> RunLog::NewRunId() { return RandomHex(8); }

Status RunLog::Write(const RunRecord& r, int seq) {
  CV_RETURN_IF_ERROR(CheckFormat(keys_, objects_));
  const std::string subject = "run record " + r.run_id;
  if (!layout::IsValidRunId(r.run_id))
    return Status::InvalidArgument(subject, "the run id must be 16 lowercase hex (RunLog::NewRunId)");
  if (seq == 0 ? r.state != "started" : (seq != 1 || !IsFinalState(r.state))) {
    return Status::InvalidArgument(subject, "seq " + std::to_string(seq) + " with state \"" + r.state +
                                                "\": seq 0 is \"started\", seq 1 one of succeeded, failed, "
                                                "abandoned, skipped");
  }
  if (!layout::IsValidObjectName(r.policy))
    return Status::InvalidArgument(subject, "names a malformed policy name \"" + r.policy + "\"");
  RunRecord stored = r;
  stored.error = CutError(std::move(stored.error));
  const std::string text = RunRecordToJson(stored);
  if (text.size() + kSealOverhead > layout::KindInfo(ObjectKind::kRunRecord).max_size) {
    return Status::InvalidArgument(subject,
                                   "is " + std::to_string(text.size()) +
                                       " bytes encoded, more than a run record can hold. Nothing was "
                                       "written");
  }
  return objects_.PutSealed(ObjectKind::kRunRecord, layout::RunRecordKey(r.started, r.run_id, seq),
                            crypto::AsBytes(text));
}

Result<std::vector<RunRecord>> RunLog::List(int64_t since, int64_t until) {
  CV_RETURN_IF_ERROR(CheckFormat(keys_, objects_));
  std::vector<RunRecord> out;
  if (until < since) return out;
  // The day folders in range: runs/<yyyymmdd>/ names the UTC day a run started.
  const int64_t first_day = since - ((since % kDay) + kDay) % kDay;
  std::vector<storage::ObjectInfo> listed;
  if ((until - first_day) / kDay < kMaxDayListings) {
    for (int64_t day = first_day; day <= until; day += kDay) {
      std::vector<storage::ObjectInfo> page;
      CV_RETURN_IF_ERROR(objects_.List(ObjectKind::kRunRecord, &page, layout::RunDayPrefix(day)));
      listed.insert(listed.end(), page.begin(), page.end());
    }
  } else {
    const std::string from = layout::RunDayPrefix(since), to = layout::RunDayPrefix(until);
    CV_RETURN_IF_ERROR(objects_.List(ObjectKind::kRunRecord, &listed));
    std::erase_if(listed, [&](const storage::ObjectInfo& o) {
      return o.key.compare(0, from.size(), from) < 0 || o.key.compare(0, to.size(), to) > 0;
    });
  }
  // Per run: its final record if there is one that opens, else its started one.
  std::map<std::string, std::vector<const storage::ObjectInfo*>> runs;  // run id -> seq 0/1 objects
  for (const auto& o : listed) {
    auto n = layout::ParseRunRecordKey(o.key);
    if (n) runs[n->run_id].push_back(&o);
  }
  for (auto& [id, objects] : runs) {
    std::sort(objects.begin(), objects.end(),
              [](auto* a, auto* b) { return a->key > b->key; });  // seq 1 first
    for (const storage::ObjectInfo* o : objects) {
      auto plain = objects_.GetSealed(ObjectKind::kRunRecord, o->key, o->size);
      Result<RunRecord> r =
          plain.ok() ? RunRecordFromJson(
                           std::string_view(reinterpret_cast<const char*>(plain->data()), plain->size()),
                           objects_.Subject(o->key))
                     : Result<RunRecord>(plain.status());
      if (r.ok()) {
        auto n = layout::ParseRunRecordKey(o->key);
        const bool final_state = r->state != "started";
        if (r->run_id != n->run_id || layout::RunDayPrefix(r->started) != o->key.substr(0, 14) ||
            final_state != (n->seq == 1)) {
          r = Status::Corruption(objects_.Subject(o->key), "holds another run's record than its name says");
        }
      }
      if (!r.ok()) {
        if (!IsObjectProblem(r.status())) return r.status();
        problems_.Add(o->key, "run record skipped: " + r.status().message());
        continue;
      }
      if (r->started >= since && r->started <= until) out.push_back(std::move(r).value());
      break;
    }
  }
  std::sort(out.begin(), out.end(), [](const RunRecord& a, const RunRecord& b) {
    return a.started != b.started ? a.started < b.started : a.run_id < b.run_id;
  });
  return out;
}

}  // namespace cv::vault
