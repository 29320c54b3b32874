#include "vault/gc_marks.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/json_int.h"
#include "vault/key_slots.h"
#include "vault/signed_object.h"

namespace cv::vault {

using layout::ObjectKind;
using nlohmann::json;

std::string GcMarkToJson(const GcMark& mark) {
  json j = {{"version", 1},
            {"written_at", mark.written_at},
            {"grace", mark.grace},
            {"by", mark.by},
            {"candidates", mark.candidates}};
  return j.dump();
}

Result<GcMark> GcMarkFromJson(std::string_view text, std::string_view subject) {
  try {
    json j = json::parse(text);
    GcMark m;
    if (!j.is_object() || json_int::Value(j, "version", 0) != 1 || !j.at("written_at").is_number_integer() ||
        !j.at("candidates").is_array())
      return Status::Corruption(subject, "is not a gc mark of version 1");
    m.written_at = json_int::At(j, "written_at");
    m.grace = json_int::Value(j, "grace", 0);
    m.by = j.value("by", std::string());
    for (const auto& c : j.at("candidates")) {
      if (!c.is_string()) return Status::Corruption(subject, "a candidate is not an object name");
      m.candidates.push_back(c.get<std::string>());
    }
    std::sort(m.candidates.begin(), m.candidates.end());
    return m;
  } catch (const std::exception& e) {
    return Status::Corruption(subject, std::string("gc mark does not parse: ") + e.what());
  }
}

Status WriteGcMark(ObjectTable& objects, GcMark* mark) {
  CV_ASSIGN_OR_RETURN(std::string random, RandomHex(8));
  mark->name = std::string(layout::KindInfo(ObjectKind::kGcMark).prefix) +
               layout::TimeStamp(mark->written_at) + "-" + random;
  std::sort(mark->candidates.begin(), mark->candidates.end());
  return PutSigned(objects, ObjectKind::kGcMark, mark->name, GcMarkToJson(*mark), "prune (gc mark)");
}

Result<std::vector<GcMark>> LoadGcMarks(ObjectTable& objects, ProblemLog& problems, int64_t written_since) {
  std::vector<storage::ObjectInfo> listed;
  CV_RETURN_IF_ERROR(objects.List(ObjectKind::kGcMark, &listed));
  const size_t prefix = layout::KindInfo(ObjectKind::kGcMark).prefix.size();
  const std::string since = written_since > 0 ? layout::TimeStamp(written_since) : std::string();
  std::vector<GcMark> out;
  for (const auto& o : listed) {
    if (!since.empty() && o.key.substr(prefix, 16) < since) continue;
    auto payload = GetSigned(objects, ObjectKind::kGcMark, o.key, o.size);
    Result<GcMark> mark =
        payload.ok() ? GcMarkFromJson(*payload, objects.Subject(o.key)) : Result<GcMark>(payload.status());
    if (!mark.ok()) {
      if (!IsObjectProblem(mark.status())) return mark.status();
      if (!mark.status().IsNotFound()) problems.Add(o.key, "gc mark ignored: " + mark.status().message());
      continue;
    }
    mark->name = o.key;
    out.push_back(std::move(mark).value());
  }
  return out;  // the listing is sorted by name: oldest first
}

std::set<std::string> CandidatePacks(const std::vector<GcMark>& marks) {
  std::set<std::string> out;
  const std::string_view packs = layout::KindInfo(ObjectKind::kPack).prefix;
  for (const auto& m : marks) {
    for (const auto& c : m.candidates) {
      if (c.starts_with(packs)) out.insert(c);
    }
  }
  return out;
}

}  // namespace cv::vault
