#include "core/stable_name.h"

#include <gtest/gtest.h>

namespace cv {
namespace {

TEST(StableNameTest, NamesDoNotChangeBetweenBuilds) {
  // Pinned: load journals written by earlier builds are found under these names (worked by hand: the
  // basis itself for "", then one xor-and-multiply by 1099511628211 for "a").
  EXPECT_EQ(StableName(""), "14650fb0739d0383");
  EXPECT_EQ(StableName("a"), "44bd8ad473cd9906");
  EXPECT_NE(StableName(std::string("a\0b", 3)), StableName("a"));
}

}  // namespace
}  // namespace cv
