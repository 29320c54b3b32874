#include "crypto/key_slot.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace cv::crypto {
namespace {

// Small scrypt work so the suite stays fast; the format is the same.
constexpr ScryptParams kFast{.log2_n = 10, .r = 8, .p = 1};
constexpr std::string_view kPassphrase = "correct horse battery staple";
constexpr std::string_view kDenied =
    "key slot 0123456789abcdef: the passphrase or key file does not open this vault";

MasterKey CountingKey() {
  Bytes raw(MasterKey::kSize);
  for (size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<uint8_t>(i);
  Result<MasterKey> k = MasterKey::FromBytes(raw);
  EXPECT_TRUE(k.ok());
  return std::move(k).value();
}

std::string WrapOrDie(const MasterKey& key, const KeySecret& secret,
                      std::string_view id = "0123456789abcdef") {
  Result<std::string> slot = WrapMasterKey(key, secret, id, kFast);
  EXPECT_TRUE(slot.ok()) << slot.status().ToString();
  return slot.ok() ? *slot : std::string();
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "cv_key_slot_test_XXXXXX";
    path_ = ::mkdtemp(tmpl.data()) != nullptr ? tmpl : "";
    EXPECT_FALSE(path_.empty());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string File(std::string_view name) const { return path_ + "/" + std::string(name); }
  std::string Write(std::string_view name, std::string_view contents) const {
    std::ofstream(File(name), std::ios::binary) << contents;
    std::filesystem::permissions(File(name),
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return File(name);
  }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string out(std::filesystem::file_size(path), '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  return out;
}

// ---- MasterKey ----

TEST(MasterKeyTest, DerivedKeysArePinned) {
  // Reference values from Python's `cryptography` HKDF: changing them breaks every existing vault.
  MasterKey k = CountingKey();
  EXPECT_EQ(ToHex(k.data_key().view()), "c47b370c1f70e371f4721be2d90743689b4602cf4377eeea8438102c5e07c3a1");
  EXPECT_EQ(ToHex(k.id_key().view()), "9951c44fc796b755b4392982513bf2cf92978bb38841713fa099217eef98cfd6");
}

TEST(MasterKeyTest, GenerateAndSizes) {
  Result<MasterKey> a = MasterKey::Generate();
  Result<MasterKey> b = MasterKey::Generate();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->raw().size(), 64u);
  EXPECT_EQ(a->data_key().size(), 32u);
  EXPECT_EQ(a->id_key().size(), 32u);
  EXPECT_NE(ToHex(a->raw().view()), ToHex(b->raw().view()));
  EXPECT_NE(ToHex(a->data_key().view()), ToHex(a->id_key().view()));
  EXPECT_EQ(MasterKey::FromBytes(Bytes(32, 1)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MasterKey::FromBytes(Bytes(65, 1)).status().code(), StatusCode::kInvalidArgument);
}

// ---- Wrapping ----

TEST(KeySlotTest, PassphraseRoundTripAndDocumentShape) {
  MasterKey key = CountingKey();
  std::string slot = WrapOrDie(key, PassphraseSecret(kPassphrase));
  EXPECT_EQ(slot.find(kPassphrase), std::string::npos);

  nlohmann::json doc = nlohmann::json::parse(slot);
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["id"], "0123456789abcdef");
  EXPECT_EQ(doc["kind"], "passphrase");
  EXPECT_EQ(doc["kdf"]["name"], "scrypt");
  EXPECT_EQ(doc["kdf"]["log2_n"], 10);
  EXPECT_EQ(doc["kdf"]["r"], 8);
  EXPECT_EQ(doc["kdf"]["p"], 1);
  EXPECT_EQ(Base64Decode(doc["kdf"]["salt"].get<std::string>())->size(), 16u);
  EXPECT_EQ(Base64Decode(doc["sealed_master_key"].get<std::string>())->size(), 92u);
  EXPECT_EQ(doc.size(), 5u);

  Result<MasterKey> opened = UnwrapMasterKey(slot, PassphraseSecret(kPassphrase));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(ToHex(opened->raw().view()), ToHex(key.raw().view()));
  EXPECT_EQ(ToHex(opened->data_key().view()), ToHex(key.data_key().view()));

  // A fresh salt and nonce every time.
  EXPECT_NE(WrapOrDie(key, PassphraseSecret(kPassphrase)), slot);
}

TEST(KeySlotTest, DefaultParametersAreTheDocumentedOnes) {
  Result<std::string> slot = WrapMasterKey(CountingKey(), PassphraseSecret("pw"), "abc");
  ASSERT_TRUE(slot.ok()) << slot.status().ToString();
  nlohmann::json doc = nlohmann::json::parse(*slot);
  // OWASP's N=2^17 minimum in its 64 MiB form (crypto.h).
  EXPECT_EQ(doc["kdf"]["log2_n"], 16);
  EXPECT_EQ(doc["kdf"]["r"], 8);
  EXPECT_EQ(doc["kdf"]["p"], 2);
  EXPECT_EQ(ScryptWork(ScryptForCost(kDefaultKdfCost)), uint64_t{1} << 20);  // = 2^17 * 8
  EXPECT_EQ(ScryptWork(ScryptForCost(kMaxKdfCost)), kScryptMaxWork);
  EXPECT_EQ(ScryptForCost(15).log2_n, 15);
  EXPECT_EQ(ScryptForCost(15).p, 1);
}

TEST(KeySlotTest, KeyFileRoundTrip) {
  TempDir dir;
  const std::string path = dir.File("vault.key");
  ASSERT_TRUE(WriteNewKeyFile(path).ok());
  Result<KeySecret> secret = LoadKeyFile(path);
  ASSERT_TRUE(secret.ok()) << secret.status().ToString();
  EXPECT_EQ(secret->kind, KeySlotKind::kKeyFile);
  EXPECT_EQ(secret->secret.size(), 32u);

  MasterKey key = CountingKey();
  std::string slot = WrapOrDie(key, *secret);
  EXPECT_EQ(nlohmann::json::parse(slot)["kind"], "keyfile");
  EXPECT_EQ(nlohmann::json::parse(slot)["kdf"]["name"], "hkdf-sha256");
  Result<MasterKey> opened = UnwrapMasterKey(slot, *LoadKeyFile(path));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(ToHex(opened->raw().view()), ToHex(key.raw().view()));

  // Another key file does not open it.
  ASSERT_TRUE(WriteNewKeyFile(dir.File("other.key")).ok());
  Result<MasterKey> wrong = UnwrapMasterKey(slot, *LoadKeyFile(dir.File("other.key")));
  EXPECT_EQ(wrong.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(wrong.status().message(), kDenied);
}

TEST(KeySlotTest, WrongPassphraseIsPermissionDeniedWithoutSecrets) {
  std::string slot = WrapOrDie(CountingKey(), PassphraseSecret(kPassphrase));
  const std::string wrong = "hunter2-wrong-passphrase";
  Result<MasterKey> r = UnwrapMasterKey(slot, PassphraseSecret(wrong));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(r.status().message(), kDenied);
  EXPECT_EQ(r.status().ToString().find(wrong), std::string::npos);
  EXPECT_EQ(r.status().ToString().find(kPassphrase), std::string::npos);
  EXPECT_EQ(UnwrapMasterKey(slot, PassphraseSecret("")).status().code(), StatusCode::kPermissionDenied);
}

TEST(KeySlotTest, KindMismatchIsInvalidArgument) {
  TempDir dir;
  const std::string path = dir.Write("k", std::string(40, 'x') + "!");  // raw bytes, not base64
  Result<KeySecret> file_secret = LoadKeyFile(path);
  ASSERT_TRUE(file_secret.ok()) << file_secret.status().ToString();

  std::string pass_slot = WrapOrDie(CountingKey(), PassphraseSecret(kPassphrase));
  Result<MasterKey> a = UnwrapMasterKey(pass_slot, *file_secret);
  EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(a.status().message().find("passphrase slot"), std::string::npos) << a.status().message();

  std::string file_slot = WrapOrDie(CountingKey(), *file_secret);
  Result<MasterKey> b = UnwrapMasterKey(file_slot, PassphraseSecret(kPassphrase));
  EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(b.status().message().find("key file slot"), std::string::npos) << b.status().message();
}

TEST(KeySlotTest, WrapRejectsBadInput) {
  MasterKey key = CountingKey();
  const std::string too_long(65, 'a');
  for (std::string_view id : {std::string_view(""), std::string_view("a/b"), std::string_view("a b"),
                              std::string_view("../x"), std::string_view(too_long)}) {
    EXPECT_EQ(WrapMasterKey(key, PassphraseSecret("pw"), id, kFast).status().code(),
              StatusCode::kInvalidArgument)
        << id;
  }
  EXPECT_EQ(WrapMasterKey(key, PassphraseSecret(""), "abc", kFast).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(WrapMasterKey(MasterKey(), PassphraseSecret("pw"), "abc", kFast).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(WrapMasterKey(key, PassphraseSecret("pw"), "abc", {.log2_n = 0, .r = 8, .p = 1}).status().code(),
            StatusCode::kInvalidArgument);
}

// Slots made by an independent implementation (Python `hashlib.scrypt`, `cryptography` HKDF and AESGCM)
// straight from the format description in key_slot.cc: every build must keep opening them.
constexpr std::string_view kGoldenPassphraseSlot =
    R"({"version": 1, "id": "0123456789abcdef", "kind": "passphrase", "kdf": {"name": "scrypt", "log2_n": 10, )"
    R"("r": 8, "p": 1, "salt": "EBESExQVFhcYGRobHB0eHw=="}, "sealed_master_key": )"
    R"("MDEyMzQ1Njc4OTo7jbBn5HYDojCiF0AADJX5o/chy3nmERUnE9IDI8n72FqXagyn+qEUbJxJeSb8WUhyy6XbTSn8vhv3Fm4dbwhAFqMAO+/Z19FsHb79qgcOTIY="})";
constexpr std::string_view kGoldenKeyFileSlot =
    R"({"version": 1, "id": "fedcba9876543210", "kind": "keyfile", "kdf": {"name": "hkdf-sha256", "salt": )"
    R"("QEFCQ0RFRkdISUpLTE1OTw=="}, "sealed_master_key": )"
    R"("UFFSU1RVVldYWVpbAU6thKOCrpBV0DS1iPLeDrZ6lCMcnikJ9l8h9nVr74szOGpljf0dLncpqDvq9A90uFui4k+UyB92NI8eI7zh8rRL/JMJLHqC9nASgDn4KCQ="})";

TEST(KeySlotTest, OpensIndependentlyMadeSlots) {
  Result<MasterKey> a = UnwrapMasterKey(kGoldenPassphraseSlot, PassphraseSecret(kPassphrase));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(ToHex(a->raw().view()), ToHex(CountingKey().raw().view()));

  TempDir dir;
  const std::string path = dir.Write("golden.key", "oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8=\n");
  Result<KeySecret> secret = LoadKeyFile(path);
  ASSERT_TRUE(secret.ok()) << secret.status().ToString();
  Result<MasterKey> b = UnwrapMasterKey(kGoldenKeyFileSlot, *secret);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(ToHex(b->raw().view()), ToHex(CountingKey().raw().view()));
}

TEST(KeySlotTest, SealedKeyIsBoundToItsSlotId) {
  nlohmann::json doc = nlohmann::json::parse(kGoldenPassphraseSlot);
  doc["id"] = "0123456789abcdee";
  Result<MasterKey> r = UnwrapMasterKey(doc.dump(), PassphraseSecret(kPassphrase));
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
}

TEST(KeySlotTest, MalformedSlotsAreCorruptionNamingTheSlot) {
  const nlohmann::json good = nlohmann::json::parse(kGoldenPassphraseSlot);
  auto with = [&](auto edit) {
    nlohmann::json d = good;
    edit(d);
    return d.dump();
  };
  const std::string cases[] = {
      with([](nlohmann::json& d) { d.erase("version"); }),
      with([](nlohmann::json& d) { d["version"] = "1"; }),
      with([](nlohmann::json& d) { d["version"] = 0; }),
      with([](nlohmann::json& d) { d["version"] = 1.5; }),
      with([](nlohmann::json& d) { d.erase("kind"); }),
      with([](nlohmann::json& d) { d["kind"] = 7; }),
      with([](nlohmann::json& d) { d.erase("kdf"); }),
      with([](nlohmann::json& d) { d["kdf"] = "scrypt"; }),
      with([](nlohmann::json& d) { d["kdf"]["name"] = "hkdf-sha256"; }),
      with([](nlohmann::json& d) { d["kdf"]["log2_n"] = 99; }),
      with([](nlohmann::json& d) { d["kdf"]["log2_n"] = -1; }),
      with([](nlohmann::json& d) { d["kdf"]["log2_n"] = 18446744073709551615ull; }),
      with([](nlohmann::json& d) { d["kdf"]["r"] = "8"; }),
      with([](nlohmann::json& d) { d["kdf"].erase("p"); }),
      with([](nlohmann::json& d) { d["kdf"]["log2_n"] = 24; }),  // in range, but 2 GiB of memory
      with([](nlohmann::json& d) { d["kdf"]["salt"] = "not base64!"; }),
      with([](nlohmann::json& d) { d["kdf"]["salt"] = "AAAA"; }),  // 3 bytes
      with([](nlohmann::json& d) { d.erase("sealed_master_key"); }),
      with([](nlohmann::json& d) { d["sealed_master_key"] = "AAAA"; }),
      with([](nlohmann::json& d) { d["sealed_master_key"] = nullptr; }),
  };
  for (const std::string& slot : cases) {
    Result<MasterKey> r = UnwrapMasterKey(slot, PassphraseSecret(kPassphrase));
    ASSERT_FALSE(r.ok()) << slot;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << slot << "\n" << r.status().ToString();
    EXPECT_EQ(r.status().message().rfind("key slot 0123456789abcdef: ", 0), 0u) << r.status().message();
  }

  // Without a readable id the slot can only be called "key slot"; the caller adds the object name.
  for (std::string_view slot : {"", "not json", "[1,2]", "{\"version\":1}", "{\"id\":5}", "{\"id\":\"a/b\"}",
                                "{\"version\":1,\"id\":\"abc\""}) {
    Result<MasterKey> r = UnwrapMasterKey(slot, PassphraseSecret(kPassphrase));
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << slot;
    EXPECT_EQ(r.status().message().rfind("key slot", 0), 0u) << r.status().message();
  }
}

TEST(KeySlotTest, NewerFormatsAreNotSupported) {
  nlohmann::json doc = nlohmann::json::parse(kGoldenPassphraseSlot);
  doc["version"] = 3;  // 2 is format v2's bundle slot; 3 is from a later cassvault
  EXPECT_EQ(UnwrapMasterKey(doc.dump(), PassphraseSecret(kPassphrase)).status().code(),
            StatusCode::kNotSupported);
  doc = nlohmann::json::parse(kGoldenPassphraseSlot);
  doc["kind"] = "aws-kms";  // a kind a later cassvault might write
  EXPECT_EQ(UnwrapMasterKey(doc.dump(), PassphraseSecret(kPassphrase)).status().code(),
            StatusCode::kNotSupported);
  // A Key Vault slot is known now, and exists in format v2 only: in a version 1 slot it is damage.
  doc["kind"] = "azure-key-vault";
  EXPECT_EQ(InspectKeySlot(doc.dump()).status().code(), StatusCode::kCorruption);
  // Unknown members are ignored.
  doc = nlohmann::json::parse(kGoldenPassphraseSlot);
  doc["comment"] = "added by a later minor version";
  EXPECT_TRUE(UnwrapMasterKey(doc.dump(), PassphraseSecret(kPassphrase)).ok());
}

// ---- Key files ----

TEST(KeyFileTest, NewKeyFileIsPrivateCreateOnlyBase64) {
  TempDir dir;
  const std::string path = dir.File("new.key");
  ASSERT_TRUE(WriteNewKeyFile(path).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string text = ReadFile(path);
  ASSERT_EQ(text.size(), 45u);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(Base64Decode(std::string_view(text).substr(0, 44))->size(), 32u);

  Status again = WriteNewKeyFile(path);
  EXPECT_TRUE(again.IsAlreadyExists()) << again.ToString();
  EXPECT_EQ(ReadFile(path), text);  // untouched

  EXPECT_TRUE(WriteNewKeyFile(dir.File("no/such/dir/k")).IsNotFound());
}

TEST(KeyFileTest, AcceptsBase64WithTrailingWhitespaceAndRawBinary) {
  TempDir dir;
  const std::string b64 = "oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8=";
  Result<KeySecret> plain = LoadKeyFile(dir.Write("a", b64));
  Result<KeySecret> spaced = LoadKeyFile(dir.Write("b", b64 + " \r\n\n\t"));
  ASSERT_TRUE(plain.ok() && spaced.ok());
  EXPECT_EQ(ToHex(plain->secret.view()), "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
  EXPECT_EQ(ToHex(spaced->secret.view()), ToHex(plain->secret.view()));

  // Raw binary is taken byte for byte, trailing newline included.
  std::string raw(48, '\0');
  for (size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<char>(0xf0 ^ i);
  raw.back() = '\n';
  Result<KeySecret> bin = LoadKeyFile(dir.Write("c", raw));
  ASSERT_TRUE(bin.ok()) << bin.status().ToString();
  EXPECT_EQ(bin->secret.size(), 48u);
  EXPECT_EQ(std::string(bin->secret.data(), bin->secret.data() + 48), raw);

  // Longer base64 (64 bytes) is fine too.
  Result<KeySecret> longer = LoadKeyFile(dir.Write("d", Base64Encode(Bytes(64, 7)) + "\n"));
  ASSERT_TRUE(longer.ok());
  EXPECT_EQ(longer->secret.size(), 64u);
}

TEST(KeyFileTest, ClearErrorsWithoutContents) {
  TempDir dir;
  Result<KeySecret> missing = LoadKeyFile(dir.File("missing.key"));
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find(dir.File("missing.key")), std::string::npos);

  const std::string short_raw = "sekrit-short\x01\x02";
  Result<KeySecret> r1 = LoadKeyFile(dir.Write("short", short_raw));
  EXPECT_EQ(r1.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r1.status().message().find(dir.File("short")), std::string::npos);
  EXPECT_NE(r1.status().message().find("at least 32"), std::string::npos) << r1.status().message();
  EXPECT_EQ(r1.status().message().find("sekrit"), std::string::npos);

  // Valid base64 of only 24 bytes: refused, not silently used as 33 raw bytes.
  const std::string short_b64 = Base64Encode(AsBytes("sekrit-twenty-four-bytes")) + "\n";
  Result<KeySecret> r2 = LoadKeyFile(dir.Write("short64", short_b64));
  EXPECT_EQ(r2.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r2.status().message().find("decodes to only 24 bytes"), std::string::npos)
      << r2.status().message();
  EXPECT_EQ(r2.status().message().find(short_b64.substr(0, 8)), std::string::npos);

  EXPECT_EQ(LoadKeyFile(dir.Write("empty", "")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadKeyFile(dir.Write("blank", " \n\n")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadKeyFile(dir.Write("huge", std::string((1 << 20) + 1, 'x'))).status().code(),
            StatusCode::kInvalidArgument);
  Result<KeySecret> d = LoadKeyFile(dir.File(""));  // a directory
  EXPECT_FALSE(d.ok());
}

TEST(KeyFileTest, ReadableByOthersIsRefusedWithTheFix) {
  TempDir dir;
  const std::string path = dir.Write("k", Base64Encode(Bytes(32, 9)) + "\n");
  for (auto mode : {0640, 0604, 0620, 0644}) {
    ASSERT_EQ(::chmod(path.c_str(), static_cast<mode_t>(mode)), 0);
    Result<KeySecret> k = LoadKeyFile(path);
    EXPECT_EQ(k.status().code(), StatusCode::kPermissionDenied) << mode;
    EXPECT_NE(k.status().message().find("chmod 600 " + path), std::string::npos) << k.status().message();
  }
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_TRUE(LoadKeyFile(path).ok());
}

TEST(KeyFileTest, PrintableTextThatIsNotBase64IsFlaggedWeak) {
  TempDir dir;
  Result<KeySecret> human = LoadKeyFile(dir.Write("h", "correct horse battery staple and more words\n"));
  ASSERT_TRUE(human.ok());
  EXPECT_TRUE(human->weak_text_key_file);
  Result<KeySecret> b64 = LoadKeyFile(dir.Write("b", Base64Encode(Bytes(32, 9)) + "\n"));
  ASSERT_TRUE(b64.ok());
  EXPECT_FALSE(b64->weak_text_key_file);
  std::string raw(32, '\0');
  for (size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<char>(0x80 + i);
  Result<KeySecret> bin = LoadKeyFile(dir.Write("r", raw));
  ASSERT_TRUE(bin.ok());
  EXPECT_FALSE(bin->weak_text_key_file);
}

TEST(KeySlotTest, InspectReportsCostAndRefusesSlotsCostlierThanInitCreates) {
  MasterKey key = CountingKey();
  Result<std::string> slot = WrapMasterKey(key, PassphraseSecret("pw"), "abc", kFast);
  ASSERT_TRUE(slot.ok());
  Result<KeySlotInfo> info = InspectKeySlot(*slot);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->id, "abc");
  EXPECT_EQ(info->work, (uint64_t{1} << 10) * 8);
  // The review's slow slot: log2_n 20, r 8, p 2 (1 GiB, twice the work of the costliest init slot).
  nlohmann::json doc = nlohmann::json::parse(*slot);
  doc["kdf"]["log2_n"] = 20;
  doc["kdf"]["p"] = 2;
  Result<KeySlotInfo> slow = InspectKeySlot(doc.dump());
  EXPECT_EQ(slow.status().code(), StatusCode::kCorruption) << slow.status().ToString();
  Result<MasterKey> opened = UnwrapMasterKey(doc.dump(), PassphraseSecret("pw"));
  EXPECT_EQ(opened.status().code(), StatusCode::kCorruption);
  doc["kdf"]["p"] = 1;
  EXPECT_TRUE(InspectKeySlot(doc.dump()).ok());
}

}  // namespace
}  // namespace cv::crypto
