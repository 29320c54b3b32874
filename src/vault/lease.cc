#include "vault/lease.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "core/json_int.h"
#include "vault/key_slots.h"
#include "vault/signed_object.h"

namespace cv::vault {

using layout::ObjectKind;
using nlohmann::json;

namespace {

// A lease longer than a week is a mistake: a holder that dies would block maintenance that long.
constexpr int64_t kMaxTtl = int64_t{7} * 86400;

struct LeaseBody {
  std::string key, name, holder, description;
  int64_t acquired = 0, expires = 0;
};

std::string BodyToJson(const LeaseBody& b) {
  json j = {{"name", b.name},
            {"holder", b.holder},
            {"description", b.description},
            {"acquired", b.acquired},
            {"expires", b.expires}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The signed, unexpired leases of `name`. Objects that do not verify (unsigned: written with a writer
// key, or damaged) are passed over: nobody can block a lease without the admin key.
Status ValidLeases(ObjectTable& objects, const std::string& name, int64_t now, std::vector<LeaseBody>* out) {
  out->clear();
  std::vector<storage::ObjectInfo> listed;
  CV_RETURN_IF_ERROR(objects.List(ObjectKind::kLock, &listed, layout::LockPrefix(name)));
  for (const auto& o : listed) {
    auto n = layout::ParseLockKey(o.key);
    if (!n || n->name != name) continue;
    auto payload = GetSigned(objects, ObjectKind::kLock, o.key, o.size);
    if (!payload.ok()) {
      if (IsObjectProblem(payload.status())) continue;
      return payload.status();
    }
    json j = json::parse(*payload, nullptr, false);
    LeaseBody b;
    b.key = o.key;
    try {
      b.name = j.at("name").get<std::string>();
      b.holder = j.at("holder").get<std::string>();
      b.description = j.at("description").get<std::string>();
      b.acquired = json_int::At(j, "acquired");
      b.expires = json_int::At(j, "expires");
    } catch (const std::exception&) {  // json::exception, or json_int's invalid_argument
      continue;
    }
    if (b.name != name || b.holder != n->holder) continue;
    if (b.expires > now) out->push_back(std::move(b));
  }
  // The one a refusal names first: the oldest acquisition (kept across renewals), then the lower holder id.
  std::sort(out->begin(), out->end(), [](const LeaseBody& a, const LeaseBody& b) {
    return a.acquired != b.acquired ? a.acquired < b.acquired : a.holder < b.holder;
  });
  return Status::OK();
}

Status HeldBy(const std::string& name, const LeaseBody& b) {
  return Status::FailedPrecondition("lease " + name, "held by " + b.description + " (holder " + b.holder +
                                                         ") until " + layout::FormatTime(b.expires) +
                                                         "; it ends then unless renewed, or when its holder "
                                                         "releases it");
}

}  // namespace

Result<Lease> Lease::Acquire(ObjectTable& objects, const VaultKeys& keys, std::string name,
                             std::string holder_description, int64_t ttl_seconds, int64_t now) {
  const std::string subject = "lease " + name;
  if (keys.format() != 2 || keys.bundle() == nullptr)
    return Status::NotSupported(subject, "a format 1 vault has no admin key to sign leases");
  if (!keys.bundle()->AdminSigner().ok()) {
    return Status::PermissionDenied(
        subject, "needs an admin key of vault " + objects.store().Describe() + "; it was opened with a " +
                     std::string(crypto::KeyRoleName(keys.bundle()->role())) + " key. Nothing was written");
  }
  if (!layout::IsValidObjectName(name))
    return Status::InvalidArgument(subject, "a lease name is 1-48 letters, digits, '_' or '-'");
  if (ttl_seconds <= 0 || ttl_seconds > kMaxTtl)
    return Status::InvalidArgument(subject, "its duration must be 1 s to 7 days");
  if (&objects.keys() != &keys) return Status::Internal(subject, "the object table holds other keys");
  Lease l(objects);
  l.name_ = std::move(name);
  l.description_ = std::move(holder_description);
  CV_ASSIGN_OR_RETURN(l.holder_, RandomHex(8));
  l.ttl_ = ttl_seconds;
  l.acquired_ = now;
  CV_RETURN_IF_ERROR(l.Contend(now));
  return l;
}

Status Lease::Contend(int64_t now) {
  std::vector<LeaseBody> held;
  CV_RETURN_IF_ERROR(ValidLeases(*objects_, name_, now, &held));
  std::erase_if(held, [&](const LeaseBody& b) { return b.holder == holder_; });
  if (!held.empty()) return HeldBy(name_, held.front());
  const std::string old = key_;
  CV_RETURN_IF_ERROR(WriteOwn(now));
  // No compare-and-swap: a contender may have listed before our write and written since. Ours counts only
  // if, listed after our write, it is the only valid lease. "Lowest wins" would not be safe here: a
  // contender that listed before our write may already have decided it holds the lease. Two writing at
  // once both see each other and both step back; the caller tries again later.
  CV_RETURN_IF_ERROR(ValidLeases(*objects_, name_, now, &held));
  std::erase_if(held, [&](const LeaseBody& b) { return b.holder == holder_; });
  if (!held.empty()) {
    Status st = Status::OK();
    for (const std::string& k : {key_, old}) {
      if (k.empty()) continue;
      Status del = objects_->store().Delete(k);
      if (!del.ok() && !del.IsNotFound() && st.ok()) st = del;
    }
    key_.clear();
    Status lost = HeldBy(name_, held.front());
    if (!st.ok()) {
      return Status::FailedPrecondition(
          "lease " + name_, lost.message() + " (our own contending lease object could not be deleted: " +
                                st.message() + "; it ends at " + layout::FormatTime(expires_) + ")");
    }
    return lost;
  }
  return Status::OK();
}

Status Lease::WriteOwn(int64_t now) {
  // One object per second and holder: a renewal in the same second as the last write names the next second.
  const int64_t stamp = std::max(now, last_stamp_ + 1);
  const std::string key = layout::LockKey(name_, stamp, holder_);
  LeaseBody b{key, name_, holder_, description_, acquired_, now + ttl_};
  CV_RETURN_IF_ERROR(PutSigned(*objects_, ObjectKind::kLock, key, BodyToJson(b), "lease " + name_));
  key_ = key;
  last_stamp_ = stamp;
  expires_ = b.expires;
  return Status::OK();
}

Status Lease::Renew(int64_t now) {
  if (key_.empty()) return Status::FailedPrecondition("lease " + name_, "was released; acquire it again");
  // Expired: another holder may have taken it meanwhile, so this is an acquisition again (keeping our
  // holder id, our old object deleted once the new one counts).
  if (now >= expires_) {
    const std::string old = key_;
    CV_RETURN_IF_ERROR(Contend(now));
    if (old != key_) {
      Status st = objects_->store().Delete(old);
      if (!st.ok() && !st.IsNotFound()) return st;
    }
    return Status::OK();
  }
  // Unexpired: nobody else acquires it (a contender's first listing sees ours and stops).
  const std::string old = key_;
  CV_RETURN_IF_ERROR(WriteOwn(now));
  Status st = objects_->store().Delete(old);
  if (!st.ok() && !st.IsNotFound()) return st;
  return Status::OK();
}

Result<size_t> Lease::BreakStale(ObjectTable& objects, const VaultKeys& keys, const std::string& name,
                                 int64_t now, const std::function<bool(const std::string&)>& stale) {
  if (keys.format() < 2) return Status::NotSupported("lease " + name, "a format 1 vault has no leases");
  if (keys.bundle() == nullptr || !keys.bundle()->AdminSigner().ok()) {
    return Status::PermissionDenied("lease " + name, "needs the vault's admin key");
  }
  std::vector<LeaseBody> held;
  CV_RETURN_IF_ERROR(ValidLeases(objects, name, now, &held));
  size_t broken = 0;
  for (const LeaseBody& b : held) {
    if (!stale(b.description)) continue;
    Status st = objects.store().Delete(b.key);
    if (!st.ok() && !st.IsNotFound()) return st;
    ++broken;
  }
  return broken;
}

Status Lease::Release() {
  if (key_.empty()) return Status::OK();
  // Every object of ours, not only the newest: a renewal whose delete failed left an older one.
  std::vector<storage::ObjectInfo> listed;
  CV_RETURN_IF_ERROR(objects_->List(ObjectKind::kLock, &listed, layout::LockPrefix(name_)));
  for (const auto& o : listed) {
    auto n = layout::ParseLockKey(o.key);
    if (!n || n->holder != holder_) continue;
    Status st = objects_->store().Delete(o.key);
    if (!st.ok() && !st.IsNotFound()) return st;
  }
  key_.clear();
  return Status::OK();
}

}  // namespace cv::vault
