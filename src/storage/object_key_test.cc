#include "storage/object_key.h"

#include <gtest/gtest.h>

namespace cv::storage {
namespace {

TEST(ObjectKey, NamesTheEngineBuildsAreValid) {
  for (const char* k : {"config", "keys/0123abcd", "packs/ab/abcdef0123", "backups/20261125T141500Z-1a2b3c4d",
                        "index/ff", "probes/doctor-00", "keys/slot_1.v-2", ".cassvault-create-only-probe"}) {
    EXPECT_TRUE(IsValidObjectKey(k)) << k;
    EXPECT_TRUE(CheckObjectKey(k).ok()) << k;
  }
}

TEST(ObjectKey, NamesThatCouldLeaveTheRootOrConfuseAStoreAreNot) {
  for (std::string_view k :
       {std::string_view(""), std::string_view("/etc/shadow"), std::string_view("keys/..evil"),
        std::string_view("a/../b"), std::string_view(".."), std::string_view("a//b"),
        std::string_view("packs/"), std::string_view("a\\b"), std::string_view("a\nb"),
        std::string_view("a\x1b[31m"), std::string_view("a\0b", 3), std::string_view("a\x7f")}) {
    EXPECT_FALSE(IsValidObjectKey(k)) << PrintableKey(k);
    Status st = CheckObjectKey(k);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(st.ToString().find("not a valid vault object name"), std::string::npos);
    EXPECT_EQ(st.ToString().find('\x1b'), std::string::npos) << "a terminal escape reached a message";
    EXPECT_EQ(st.ToString().find('\n'), std::string::npos);
  }
  EXPECT_FALSE(IsValidObjectKey(std::string(kMaxObjectKeyBytes + 1, 'a')));
  EXPECT_TRUE(IsValidObjectKey(std::string(kMaxObjectKeyBytes, 'a')));
}

TEST(ObjectKey, PrintableKeyEscapesControlBytes) {
  EXPECT_EQ(PrintableKey("keys/a\x1b[0m"), "keys/a\\x1b[0m");
  EXPECT_EQ(PrintableKey(std::string(300, 'x')).size(), 203u);
}

}  // namespace
}  // namespace cv::storage
