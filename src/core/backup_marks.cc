#include "core/backup_marks.h"

#include <algorithm>
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

// True if entry i comes before entry j: by `at`, then input order.
bool Before(const std::vector<Entry>& all, size_t i, size_t j) {
  return all[i].at < all[j].at || (all[i].at == all[j].at && i < j);
}

// The lock entry that decides among `idx`: the latest approved lock entry resets the lock to its own date
// (it was allowed to lower it); from there on the lock is the MAX of it and every plain lock entry not
// before it. Without an approved entry: the MAX of all.
std::optional<size_t> Longest(const std::vector<Entry>& all, const std::vector<size_t>& idx) {
  std::optional<size_t> reset =
      Latest(all, idx, [](const Entry& e) { return e.op == Op::kLock && !e.approval.empty(); });
  std::optional<size_t> best = reset;
  for (size_t i : idx) {
    const Entry& e = all[i];
    if (e.op != Op::kLock || !e.approval.empty()) continue;
    // Only a lock decided strictly before the reset is overridden: one in the same second (mark objects of
    // one second list in random order) still counts, so an ambiguous order keeps the longer lock.
    if (reset && e.at < all[*reset].at) continue;
    if (!best || e.until > all[*best].until) best = i;
  }
  return best;
}

struct Deletion {
  size_t last = 0;  // the deciding forget
  int64_t purge_after = 0;
};

// Forget and undelete in time order: the latest decides whether the backup is deleted. A forget of a backup
// that is deleted already never brings its purge date closer (MAX), unless it carries an approval.
std::optional<Deletion> DeletionOf(const std::vector<Entry>& all, const std::vector<size_t>& idx) {
  std::vector<size_t> order;
  for (size_t i : idx) {
    if (all[i].op == Op::kForget || all[i].op == Op::kUndelete) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return Before(all, a, b); });
  std::optional<Deletion> d;
  for (size_t i : order) {
    const Entry& e = all[i];
    if (e.op == Op::kUndelete) {
      d.reset();
      continue;
    }
    const int64_t purge = (!d || !e.approval.empty()) ? e.until : std::max(d->purge_after, e.until);
    d = Deletion{i, purge};
  }
  return d;
}

}  // namespace

std::string_view OpName(Op op) { return kOpNames[static_cast<size_t>(op)]; }

std::string MarkObjectToJson(const MarkObject& m) {
  json entries = json::array();
  for (const Entry& e : m.entries) {
    json j = {{"op", OpName(e.op)}, {"at", e.at}, {"until", e.until}, {"reason", e.reason}, {"by", e.by}};
    if (!e.approval.empty()) j["approval"] = e.approval;
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
      if (je.contains("approval")) e.approval = je.at("approval").get<std::string>();
      if (!e.approval.empty() && e.op != Op::kLock && e.op != Op::kForget)
        return Status::Corruption(subject, "holds an approval on a mark that is neither a lock nor a forget");
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
    if (auto del = DeletionOf(entries_, idx)) {
      const Entry& e = entries_[del->last];
      s.deleted = true;
      s.deleted_at = e.at;
      s.purge_after = del->purge_after;
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

void State::CompactLock(const std::vector<size_t>& idx, std::vector<Entry>* out) const {
  auto l = Longest(entries_, idx);
  if (!l) return;
  // An approved reset stays, so the deciding lock still folds to the same date after it.
  auto reset = Latest(entries_, idx, [](const Entry& e) { return e.op == Op::kLock && !e.approval.empty(); });
  if (reset && *reset != *l) out->push_back(entries_[*reset]);
  out->push_back(entries_[*l]);
}

std::vector<Entry> State::Compact() const {
  std::vector<Entry> out;
  for (const auto& [backup, idx] : by_backup_) {
    if (auto del = DeletionOf(entries_, idx)) {
      Entry e = entries_[del->last];
      // The run's purge date, as one entry: the approval stays only where it decided the date.
      if (e.until != del->purge_after) e.approval.clear();
      e.until = del->purge_after;
      out.push_back(std::move(e));
    }
    std::optional<size_t> purged;
    for (size_t i : idx) {
      if (entries_[i].op == Op::kPurged && (!purged || entries_[i].at < entries_[*purged].at)) purged = i;
    }
    if (purged) out.push_back(entries_[*purged]);
    if (auto r = Latest(entries_, idx, [](const Entry& e) { return e.op == Op::kRetain; }))
      out.push_back(entries_[*r]);
    CompactLock(idx, &out);
  }
  for (const auto& [policy, idx] : by_policy_) CompactLock(idx, &out);
  return out;
}

}  // namespace cv::marks
