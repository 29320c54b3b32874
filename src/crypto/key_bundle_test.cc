#include "crypto/key_bundle.h"

#include <gtest/gtest.h>

#include "crypto/blake3_hash.h"

namespace cv::crypto {
namespace {

TEST(KeyBundle, GeneratedBundleRoundTripsAndDerivesDistinctKeys) {
  auto b = KeyBundle::Generate();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->role(), KeyRole::kAdmin);
  auto again = KeyBundle::Parse(b->Serialize().view());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(std::equal(again->blob_id_key().begin(), again->blob_id_key().end(), b->blob_id_key().begin()));
  EXPECT_EQ(again->current_reader().public_key, b->current_reader().public_key);
  EXPECT_EQ(again->admin_public(), b->admin_public());
  const Bytes id(b->blob_id_key().begin(), b->blob_id_key().end());
  const Bytes meta(b->metadata_root().begin(), b->metadata_root().end());
  const Bytes conf(b->config_key().begin(), b->config_key().end());
  EXPECT_NE(id, meta);
  EXPECT_NE(meta, conf);
  EXPECT_NE(id, conf);
}

TEST(KeyBundle, WriterHoldsNoPrivateKeyButNamesBlobsTheSame) {
  auto admin = KeyBundle::Generate();
  ASSERT_TRUE(admin.ok());
  auto writer = admin->ForRole(KeyRole::kWriter);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  // What a node holds, after a trip through the slot's bytes.
  auto node = KeyBundle::Parse(writer->Serialize().view());
  ASSERT_TRUE(node.ok()) << node.status().ToString();
  EXPECT_EQ(node->role(), KeyRole::kWriter);
  Blake3 a(admin->blob_id_key()), w(node->blob_id_key());
  a.Update(AsBytes("part"));
  w.Update(AsBytes("part"));
  EXPECT_EQ(a.Finish(), w.Finish());  // dedup works across roles
  EXPECT_EQ(node->current_reader().public_key, admin->current_reader().public_key);
  auto priv = node->ReaderPrivate(node->current_reader().id);
  EXPECT_EQ(priv.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(priv.status().ToString().find("needs a reader or admin key"), std::string::npos);
  EXPECT_EQ(node->AdminSigner().status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(node->ForRole(KeyRole::kReader).status().code(), StatusCode::kInvalidArgument);
}

TEST(KeyBundle, ReaderOpensBoxesSealedToEveryReaderKeyAfterRotation) {
  auto admin = KeyBundle::Generate();
  ASSERT_TRUE(admin.ok());
  const ReaderKey first = {admin->current_reader().id, admin->current_reader().public_key, std::nullopt};
  auto old_box = SealToPublicKey(first.public_key, AsBytes("old content key"), {});
  ASSERT_TRUE(admin->AddReaderKey().ok());
  EXPECT_EQ(admin->current_reader().id, first.id + 1);
  auto new_box = SealToPublicKey(admin->current_reader().public_key, AsBytes("new content key"), {});
  auto reader = admin->ForRole(KeyRole::kReader);
  ASSERT_TRUE(reader.ok() && old_box.ok() && new_box.ok());
  EXPECT_EQ(reader->AdminSigner().status().code(), StatusCode::kPermissionDenied);
  auto k1 = reader->ReaderPrivate(first.id);
  auto k2 = reader->ReaderPrivate(reader->current_reader().id);
  ASSERT_TRUE(k1.ok() && k2.ok());
  EXPECT_TRUE(OpenSealedBox(**k1, *old_box, {}).ok());
  EXPECT_TRUE(OpenSealedBox(**k2, *new_box, {}).ok());
  EXPECT_EQ(reader->ReaderPrivate(99).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(reader->AddReaderKey().code(), StatusCode::kPermissionDenied);
}

TEST(KeyBundle, MalformedOrInconsistentBundlesAreCorruption) {
  auto admin = KeyBundle::Generate();
  ASSERT_TRUE(admin.ok());
  const SecretBytes good = admin->Serialize();
  const Bytes bytes(good.view().begin(), good.view().end());
  auto parse = [](Bytes b) { return KeyBundle::Parse(b).status(); };
  EXPECT_EQ(parse(Bytes(bytes.begin(), bytes.end() - 1)).code(), StatusCode::kCorruption);  // truncated
  Bytes trailing = bytes;
  trailing.push_back(0);
  EXPECT_EQ(parse(trailing).code(), StatusCode::kCorruption);
  Bytes role = bytes;
  role[5] = 1;  // says writer, carries private keys
  EXPECT_EQ(parse(role).code(), StatusCode::kCorruption);
  Bytes pub = bytes;
  pub[6 + 32] ^= 1;  // admin public key no longer matches the seed
  Status s = parse(pub);
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.ToString().find("does not match its public key"), std::string::npos) << s.ToString();
  EXPECT_EQ(parse(Bytes{'X', 'V', 'K', 'B', 1, 3}).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace cv::crypto
