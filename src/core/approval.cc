#include "core/approval.h"

#include <algorithm>
#include <optional>

#include "core/vault_layout.h"

namespace cv::approval {

namespace {

bool IsOpChar(char c) { return (c >= 'a' && c <= 'z') || c == '.' || c == '-'; }
bool IsNameChar(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }
bool IsValueChar(char c) { return c > ' ' && c < 0x7f && c != '='; }

std::string Join(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

Operation Make(std::string op, std::map<std::string, std::string> params = {}) {
  return Operation{std::move(op), std::move(params)};
}

// A count rule keeps less when it is removed or lowered; one that was off cannot lower anything.
bool CountLower(const std::optional<uint32_t>& old, const std::optional<uint32_t>& next) {
  return old && (!next || *next < *old);
}

// keep_within and min_age keep less when removed or shorter.
bool FloorLower(const std::optional<int64_t>& old, const std::optional<int64_t>& next) {
  return old && (!next || *next < *old);
}

// Without any keep rule (count or keep_within) every backup is kept (docs/retention.md, "No rules at all").
bool HasKeepRule(const policy::Retention& r) {
  return r.keep_last || r.keep_hourly || r.keep_daily || r.keep_weekly || r.keep_monthly || r.keep_yearly ||
         r.keep_within_seconds;
}

}  // namespace

std::string Operation::Canonical() const {
  std::string out = op;
  for (const auto& [k, v] : params) out += " " + k + "=" + v;
  return out;
}

Result<Operation> ParseOperation(std::string_view text) {
  const std::string subject = "operation '" + std::string(text) + "'";
  if (text.empty() || text.size() > 4096) return Status::InvalidArgument(subject, "is empty or too long");
  Operation out;
  size_t pos = 0;
  bool first = true;
  std::string last_name;
  while (pos <= text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(pos, end - pos);
    if (word.empty()) {
      return Status::InvalidArgument(subject,
                                     "has an empty word (one space between words, none at the ends)");
    }
    if (first) {
      if (!std::all_of(word.begin(), word.end(), IsOpChar))
        return Status::InvalidArgument(subject, "must start with an operation of a-z, '.' and '-'");
      out.op = std::string(word);
      first = false;
    } else {
      const size_t eq = word.find('=');
      if (eq == std::string_view::npos || eq == 0 || eq + 1 == word.size())
        return Status::InvalidArgument(subject, "has a parameter that is not name=value");
      std::string name(word.substr(0, eq)), value(word.substr(eq + 1));
      if (!std::all_of(name.begin(), name.end(), IsNameChar) ||
          !std::all_of(value.begin(), value.end(), IsValueChar))
        return Status::InvalidArgument(subject,
                                       "has a parameter name or value with characters it cannot have");
      if (!last_name.empty() && name <= last_name)
        return Status::InvalidArgument(subject, "must name its parameters once each, sorted by name");
      last_name = name;
      out.params.emplace(std::move(name), std::move(value));
    }
    pos = end + 1;
  }
  return out;
}

Operation KeyRemove(std::string_view slot) { return Make("key.remove", {{"slot", std::string(slot)}}); }
Operation SoftDeleteDisable() { return Make("soft-delete.disable"); }
Operation ImmutabilityDisable() { return Make("immutability.disable"); }
Operation LockShorten(std::vector<std::string> backups, int64_t until) {
  return Make("lock.shorten", {{"backup", Join(std::move(backups))}, {"until", layout::FormatTime(until)}});
}
Operation LockRemove(std::vector<std::string> backups) {
  return Make("lock.remove", {{"backup", Join(std::move(backups))}});
}
Operation PolicyLockShorten(std::string_view policy, int64_t until) {
  return Make("lock.shorten", {{"policy", std::string(policy)}, {"until", layout::FormatTime(until)}});
}
Operation PolicyLockRemove(std::string_view policy) {
  return Make("lock.remove", {{"policy", std::string(policy)}});
}
Operation RetentionLower(std::string_view policy, std::string_view version) {
  return Make("retention.lower", {{"policy", std::string(policy)}, {"version", std::string(version)}});
}
Operation PurgeEarly(std::vector<std::string> backups) {
  return Make("purge.early", {{"backups", Join(std::move(backups))}});
}
Operation GuardianAdd(std::string_view guardian) {
  return Make("guardian.add", {{"guardian", std::string(guardian)}});
}
Operation GuardianRemove(std::string_view guardian) {
  return Make("guardian.remove", {{"guardian", std::string(guardian)}});
}

std::vector<std::string> ListParam(const Operation& op, const std::string& name) {
  std::vector<std::string> out;
  auto it = op.params.find(name);
  if (it == op.params.end()) return out;
  size_t pos = 0;
  while (pos <= it->second.size()) {
    size_t end = it->second.find(',', pos);
    if (end == std::string::npos) end = it->second.size();
    if (end > pos) out.push_back(it->second.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

bool LowersRetention(const policy::Retention& old, const policy::Retention& next) {
  // No keep rule kept everything: the first keep rule starts deleting.
  if (!HasKeepRule(old) && HasKeepRule(next)) return true;
  if (CountLower(old.keep_last, next.keep_last) || CountLower(old.keep_hourly, next.keep_hourly) ||
      CountLower(old.keep_daily, next.keep_daily) || CountLower(old.keep_weekly, next.keep_weekly) ||
      CountLower(old.keep_monthly, next.keep_monthly) || CountLower(old.keep_yearly, next.keep_yearly))
    return true;
  if (FloorLower(old.keep_within_seconds, next.keep_within_seconds) ||
      FloorLower(old.min_age_seconds, next.min_age_seconds))
    return true;
  // max_age deletes: adding one, or making it shorter, keeps less.
  if (next.max_age_seconds && (!old.max_age_seconds || *next.max_age_seconds < *old.max_age_seconds))
    return true;
  return false;
}

}  // namespace cv::approval
