#include "core/backup_marks.h"

#include <nlohmann/json.hpp>
#include <optional>

#include "core/json_int.h"
#include "core/vault_layout.h"

namespace cv::marks {

using nlohmann::json;

namespace {

constexpr std::string_view kOpNames[] = {"forget", "undelete", "purged", "retain", "lock"};

std::optional<Op> OpOf(std::string_view name) {
  for (size_t i = 0; i < std::size(kOpNames); ++i) {
    if (kOpNames[i] == name) return static_cast<Op>(i);
  }
  return std::nullopt;
}

// The index of the entry among `idx` that decides: the greatest `at`, the later one in input order on a tie.
template <typename Pred>
std::optional<size_t> Latest(const std::vector<Entry>& all, const std::vector<size_t>& idx, Pred pred) {
  std::optional<size_t> best;
  for (size_t i : idx) {
    if (!pred(all[i])) continue;
    if (!best || all[i].at >= all[*best].at) best = i;
  }
  return best;
}

std::optional<size_t> Longest(const std::vector<Entry>& all, const std::vector<size_t>& idx) {
  std::optional<size_t> best;
  for (size_t i : idx) {
    if (all[i].op != Op::kLock) continue;
    if (!best || all[i].until > all[*best].until) best = i;
  }
  return best;
}

}  // namespace

std::string_view OpName(Op op) { return kOpNames[static_cast<size_t>(op)]; }

std::string MarkObjectToJson(const MarkObject& m) {
  json entries = json::array();
  for (const Entry& e : m.entries) {
    json j = {{"op", OpName(e.op)}, {"at", e.at}, {"until", e.until}, {"reason", e.reason}, {"by", e.by}};
    if (e.policy.empty()) {
      j["backup"] = e.backup_id;
    } else {
      j["policy"] = e.policy;
    }
    entries.push_back(std::move(j));
  }
  json j = {{"written_at", m.written_at}, {"entries", entries}, {"supersedes", m.supersedes}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<MarkObject> MarkObjectFromJson(std::string_view text, std::string_view subject) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Status::Corruption(subject, "is not a backup mark (not JSON)");
  MarkObject m;
  try {
    m.written_at = json_int::At(j, "written_at");
    m.supersedes = j.at("supersedes").get<std::vector<std::string>>();
    for (const json& je : j.at("entries")) {
      Entry e;
      auto op = OpOf(je.at("op").get<std::string>());
      if (!op) return Status::Corruption(subject, "holds a backup mark of an unknown kind");
      e.op = *op;
      e.at = json_int::At(je, "at");
      e.until = json_int::At(je, "until");
      e.reason = je.at("reason").get<std::string>();
      e.by = je.at("by").get<std::string>();
      if (je.contains("backup")) e.backup_id = je.at("backup").get<std::string>();
      if (je.contains("policy")) e.policy = je.at("policy").get<std::string>();
      if (e.backup_id.empty() == e.policy.empty())
        return Status::Corruption(subject,
                                  "holds a backup mark naming neither or both a backup and a policy");
      if (!e.policy.empty() && (e.op != Op::kLock || !layout::IsValidObjectName(e.policy)))
        return Status::Corruption(subject, "holds a policy mark that is not a lock of a valid policy name");
      if (!e.backup_id.empty() && !layout::IsValidBackupId(e.backup_id))
        return Status::Corruption(subject, "holds a backup mark with a malformed backup id");
      m.entries.push_back(std::move(e));
    }
  } catch (const std::exception&) {  // json::exception, or json_int's invalid_argument
    return Status::Corruption(subject, "is not a backup mark (a field is missing or of the wrong type)");
  }
  for (const std::string& name : m.supersedes) {
    if (!layout::IsNameOf(layout::ObjectKind::kBackupMark, name))
      return Status::Corruption(subject, "supersedes an object that is not a backup mark");
  }
  return m;
}

void State::Add(const Entry& e) {
  const size_t i = entries_.size();
  entries_.push_back(e);
  if (e.policy.empty()) {
    by_backup_[e.backup_id].push_back(i);
  } else {
    by_policy_[e.policy].push_back(i);
  }
}

BackupState State::Of(std::string_view backup_id, std::string_view tag) const {
  BackupState s;
  if (auto it = by_backup_.find(backup_id); it != by_backup_.end()) {
    const auto& idx = it->second;
    auto del =
        Latest(entries_, idx, [](const Entry& e) { return e.op == Op::kForget || e.op == Op::kUndelete; });
    if (del && entries_[*del].op == Op::kForget) {
      const Entry& e = entries_[*del];
      s.deleted = true;
      s.deleted_at = e.at;
      s.purge_after = e.until;
      s.reason = e.reason;
      s.by = e.by;
    }
    for (size_t i : idx) {
      if (entries_[i].op != Op::kPurged) continue;
      if (!s.purged || entries_[i].at < s.purged_at) s.purged_at = entries_[i].at;
      s.purged = true;
    }
    if (auto r = Latest(entries_, idx, [](const Entry& e) { return e.op == Op::kRetain; }))
      s.retain_until = entries_[*r].until;
    if (auto l = Longest(entries_, idx)) {
      s.locked_until = entries_[*l].until;
      s.lock_at = entries_[*l].at;
      s.lock_by = entries_[*l].by;
    }
  }
  // Policy locks: the tag's policy is everything before its last '-' (tags are "<policy>-<stamp>"), and a
  // policy name has no '/', so only the policy's own tags match.
  for (const auto& [policy, idx] : by_policy_) {
    if (tag.size() <= policy.size() || tag.substr(0, policy.size()) != policy || tag[policy.size()] != '-')
      continue;
    if (auto l = Longest(entries_, idx); l && entries_[*l].until > s.locked_until) {
      s.locked_until = entries_[*l].until;
      s.lock_at = entries_[*l].at;
      s.lock_by = entries_[*l].by;
    }
  }
  return s;
}

int64_t State::PolicyLock(std::string_view policy) const {
  auto it = by_policy_.find(policy);
  if (it == by_policy_.end()) return 0;
  auto l = Longest(entries_, it->second);
  return l ? entries_[*l].until : 0;
}

std::vector<Entry> State::Compact() const {
  std::vector<Entry> out;
  for (const auto& [backup, idx] : by_backup_) {
    auto del =
        Latest(entries_, idx, [](const Entry& e) { return e.op == Op::kForget || e.op == Op::kUndelete; });
    if (del && entries_[*del].op == Op::kForget) out.push_back(entries_[*del]);
    std::optional<size_t> purged;
    for (size_t i : idx) {
      if (entries_[i].op == Op::kPurged && (!purged || entries_[i].at < entries_[*purged].at)) purged = i;
    }
    if (purged) out.push_back(entries_[*purged]);
    if (auto r = Latest(entries_, idx, [](const Entry& e) { return e.op == Op::kRetain; }))
      out.push_back(entries_[*r]);
    if (auto l = Longest(entries_, idx)) out.push_back(entries_[*l]);
  }
  for (const auto& [policy, idx] : by_policy_) {
    if (auto l = Longest(entries_, idx)) out.push_back(entries_[*l]);
  }
  return out;
}

}  // namespace cv::marks
