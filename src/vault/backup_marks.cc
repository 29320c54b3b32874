#include "vault/backup_marks.h"

#include <algorithm>
#include <array>
#include <optional>
#include <set>

#include "core/vault_layout.h"
#include "crypto/crypto.h"
#include "vault/approvals.h"
#include "vault/signed_object.h"
#include "vault/vault_settings.h"

namespace cv::vault {

using layout::ObjectKind;

BackupMarks::BackupMarks(ObjectTable& objects, const VaultKeys& keys, ProblemLog& problems)
    : objects_(objects), keys_(keys), problems_(problems) {}

Status BackupMarks::CheckFormat() const {
  if (keys_.format() == 2) return Status::OK();
  return Status::NotSupported("backup marks in vault " + objects_.store().Describe(),
                              "a format 1 vault has no admin key to sign them; forget, undelete, retain and "
                              "lock need a format 2 vault");
}

Result<marks::State> BackupMarks::Load() {
  CV_RETURN_IF_ERROR(CheckFormat());
  last_read_.clear();
  last_superseded_.clear();
  std::vector<storage::ObjectInfo> listed;
  CV_RETURN_IF_ERROR(objects_.List(ObjectKind::kBackupMark, &listed));
  std::vector<std::pair<std::string, marks::MarkObject>> read;
  std::set<std::string> superseded;
  for (const auto& o : listed) {
    if (!layout::IsNameOf(ObjectKind::kBackupMark, o.key)) {  // strays are reported: only marks live here
      problems_.Add(o.key, "not a backup mark name; ignored");
      continue;
    }
    auto payload = GetSigned(objects_, ObjectKind::kBackupMark, o.key, o.size);
    Result<marks::MarkObject> m = payload.ok() ? marks::MarkObjectFromJson(*payload, objects_.Subject(o.key))
                                               : Result<marks::MarkObject>(payload.status());
    if (!m.ok()) {
      if (!IsObjectProblem(m.status())) return m.status();
      problems_.Add(o.key, "backup mark skipped: " + m.status().message(), true);
      continue;
    }
    superseded.insert(m->supersedes.begin(), m->supersedes.end());
    read.emplace_back(o.key, std::move(m).value());
  }
  marks::State state;
  std::optional<std::vector<Guardian>> guardians;  // read once, only when an entry carries an approval
  for (auto& [key, m] : read) {
    if (superseded.contains(key)) {  // folded into a compaction already (killed before deleting it)
      last_superseded_.push_back(key);
      continue;
    }
    last_read_.push_back(key);
    for (marks::Entry& e : m.entries) {
      // Only an approval that verifies now lets an entry lower a lock or a purge date (core/backup_marks.h);
      // otherwise the entry counts as an ordinary one, which cannot.
      if (!e.approval.empty()) {
        if (!guardians) {  // (assigning through * into an empty optional would write into no object)
          CV_ASSIGN_OR_RETURN(auto every, EveryGuardian());
          guardians = std::move(every);
        }
        Status st = Approvals(objects_, keys_, problems_).CheckMark(e, *guardians);
        if (!st.ok()) {
          if (!IsObjectProblem(st) && st.code() != StatusCode::kFailedPrecondition) return st;
          problems_.Add(key, "approval " + e.approval + " on a " + std::string(marks::OpName(e.op)) +
                                 " mark ignored: " + st.message());
          e.approval.clear();
        }
      }
      state.Add(e);
    }
  }
  return state;
}

Result<std::vector<Guardian>> BackupMarks::EveryGuardian() {
  // Every guardian of any valid settings version: an approval stays valid for the mark it allowed after
  // its guardian is replaced.
  VaultSettingsStore settings(objects_, keys_, problems_);
  CV_ASSIGN_OR_RETURN(std::vector<VaultSettings> history, settings.History());
  std::vector<Guardian> out;
  for (const VaultSettings& v : history) {
    for (const Guardian& g : v.guardians) {
      if (std::none_of(out.begin(), out.end(), [&](const Guardian& x) { return x.id == g.id; }))
        out.push_back(g);
    }
  }
  return out;
}

Status BackupMarks::Write(marks::MarkObject m, int64_t now, std::string* key) {
  m.written_at = now;
  std::array<uint8_t, 8> rnd{};
  CV_RETURN_IF_ERROR(crypto::RandomBytes(rnd));
  *key = std::string(layout::KindInfo(ObjectKind::kBackupMark).prefix) + layout::TimeStamp(now) + "-" +
         crypto::ToHex(rnd);
  return PutSigned(objects_, ObjectKind::kBackupMark, *key, marks::MarkObjectToJson(m), "backup mark");
}

Status BackupMarks::Append(std::vector<marks::Entry> entries, int64_t now) {
  CV_RETURN_IF_ERROR(CheckFormat());
  if (entries.empty()) return Status::OK();
  marks::MarkObject m;
  m.entries = std::move(entries);
  // What is written must read back: the same checks as a reader makes, before anything is written.
  if (auto back = marks::MarkObjectFromJson(marks::MarkObjectToJson(m), "backup mark"); !back.ok())
    return Status::InvalidArgument("backup mark", back.status().message() + "; nothing was written");
  std::string key;
  return Write(std::move(m), now, &key);
}

Status BackupMarks::Compact(int64_t now) {
  CV_ASSIGN_OR_RETURN(marks::State state, Load());
  std::vector<std::string> read = last_read_;
  if (read.size() <= 1 && last_superseded_.empty()) return Status::OK();
  // Leftovers of an earlier compaction are superseded again: once the object that superseded them is
  // deleted, nothing else would keep them from counting twice.
  read.insert(read.end(), last_superseded_.begin(), last_superseded_.end());
  marks::MarkObject m;
  m.entries = state.Compact();
  m.supersedes = read;
  std::string key;
  CV_RETURN_IF_ERROR(Write(std::move(m), now, &key));
  for (const std::string& old : read) {
    Status st = objects_.store().Delete(old);
    if (!st.ok() && !st.IsNotFound()) return st.Annotate("backup mark compaction wrote " + key);
  }
  last_read_ = {key};
  last_superseded_.clear();
  return Status::OK();
}

}  // namespace cv::vault
