#include "core/json_int.h"

#include <gtest/gtest.h>

#include "core/backup_marks.h"

namespace cv {
namespace {

using nlohmann::json;

TEST(JsonIntTest, IntegersPassEverythingElseThrowsNamingTheField) {
  json j = json::parse(R"({"a": 7, "b": -3, "big": 18446744073709551615, "f": 3.3e125, "s": "7"})");
  EXPECT_EQ(json_int::At(j, "a"), 7);
  EXPECT_EQ(json_int::At(j, "b"), -3);
  EXPECT_EQ(json_int::Value(j, "missing", 42), 42);
  EXPECT_EQ(json_int::Value(j, "a", 42), 7);
  EXPECT_EQ(json_int::U32Value(j, "a", 0), 7u);
  for (const char* key : {"big", "f", "s"}) {
    try {
      (void)json_int::At(j, key);
      ADD_FAILURE() << key << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("'") + key + "'"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW((void)json_int::U32Value(j, "b", 0), std::invalid_argument);
  EXPECT_THROW((void)json_int::At(j, "missing"), json::out_of_range);
}

// What the fuzzer found in a gc mark, in a backup mark: a float where a date belongs is Corruption naming
// the object, not undefined behaviour.
TEST(JsonIntTest, AMarkWithAFloatDateIsCorruption) {
  auto m = marks::MarkObjectFromJson(
      R"({"written_at": 1, "supersedes": [], "entries": [{"op": "lock", "at": 1, "until": 3.3e125,
          "reason": "", "by": "x", "backup": "20261205T120000Z-0badcafe"}]})",
      "marks/x");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kCorruption);
  EXPECT_NE(m.status().ToString().find("marks/x"), std::string::npos);
}

}  // namespace
}  // namespace cv
