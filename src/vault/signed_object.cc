#include "vault/signed_object.h"

#include <cstdint>
#include <vector>

#include "crypto/signing_key.h"

namespace cv::vault {

namespace {
constexpr std::string_view kSignedLabel = "cassvault/v2/signed";
constexpr size_t kSignatureSize = 64;
}  // namespace

std::string SignedMessage(const VaultKeys& keys, layout::ObjectKind kind, std::string_view key,
                          std::string_view payload) {
  std::string m(kSignedLabel);
  m.push_back('\0');
  m.append(keys.vault_id());
  const auto k = static_cast<uint16_t>(kind);
  m.push_back(static_cast<char>(k >> 8));
  m.push_back(static_cast<char>(k & 0xff));
  // Names are bounded by the layout (well under 64 KiB); the length keeps name and payload apart.
  const auto n = static_cast<uint16_t>(key.size());
  m.push_back(static_cast<char>(n >> 8));
  m.push_back(static_cast<char>(n & 0xff));
  m.append(key);
  m.append(payload);
  return m;
}

Status PutSigned(ObjectTable& objects, layout::ObjectKind kind, std::string_view key,
                 std::string_view payload, std::string_view what) {
  const crypto::KeyBundle* bundle = objects.keys().bundle();
  if (bundle == nullptr) return Status::NotSupported(what, "a format 1 vault has no admin key to sign with");
  auto signer = bundle->AdminSigner();
  if (!signer.ok()) {
    return Status::PermissionDenied(
        what, "needs an admin key of vault " + objects.store().Describe() + "; it was opened with a " +
                  std::string(crypto::KeyRoleName(bundle->role())) + " key. Nothing was written");
  }
  if (key.size() > UINT16_MAX) return Status::Internal(what, "object name too long to sign");
  // What is written must be readable: the kind's read bound counts the signature and the seal too.
  if (kSignatureSize + payload.size() + kSealOverhead > layout::KindInfo(kind).max_size) {
    return Status::InvalidArgument(
        what, "is " + std::to_string(payload.size()) + " bytes encoded, more than a " +
                  std::string(layout::KindInfo(kind).name) + " can hold. Nothing was written");
  }
  const std::string message = SignedMessage(objects.keys(), kind, key, payload);
  CV_ASSIGN_OR_RETURN(crypto::Signature64 sig, (*signer)->Sign(crypto::AsBytes(message)));
  std::vector<uint8_t> plain(sig.begin(), sig.end());
  plain.insert(plain.end(), payload.begin(), payload.end());
  return objects.PutSealed(kind, key, plain);
}

Result<std::string> GetSigned(ObjectTable& objects, layout::ObjectKind kind, std::string_view key,
                              KnownSize size) {
  const crypto::KeyBundle* bundle = objects.keys().bundle();
  if (bundle == nullptr)
    return Status::NotSupported(objects.Subject(key), "a format 1 vault has no admin key to check it with");
  CV_ASSIGN_OR_RETURN(std::vector<uint8_t> plain, objects.GetSealed(kind, key, size));
  if (plain.size() < kSignatureSize)
    return Status::Corruption(objects.Subject(key), "is too short to hold an admin signature");
  std::string payload(reinterpret_cast<const char*>(plain.data()) + kSignatureSize,
                      plain.size() - kSignatureSize);
  Status st = crypto::VerifySignature(bundle->admin_public(),
                                      crypto::AsBytes(SignedMessage(objects.keys(), kind, key, payload)),
                                      crypto::ByteView(plain.data(), kSignatureSize));
  if (!st.ok()) {
    return Status::Corruption(objects.Subject(key),
                              "is not signed by this vault's admin key (or was signed for another name or "
                              "vault); ignored");
  }
  return payload;
}

}  // namespace cv::vault
