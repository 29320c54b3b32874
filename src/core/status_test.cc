#include "core/status.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "core/result.h"

namespace cv {
namespace {

TEST(StatusTest, OkIsDefaultAndCheap) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, SubjectComesFirst) {
  Status s = Status::NotFound("vault file:///tmp/v", "no config object; run `cassvault init`");
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(s.ToString(), "Not found: vault file:///tmp/v: no config object; run `cassvault init`");
  EXPECT_EQ(s.Annotate("restore").message(),
            "restore: vault file:///tmp/v: no config object; run `cassvault init`");
}

TEST(StatusTest, ErrnoMapsToCodes) {
  EXPECT_TRUE(Status::FromErrno(ENOENT, "/x").IsNotFound());
  EXPECT_EQ(Status::FromErrno(ENOSPC, "/x").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(Status::FromErrno(EACCES, "/x").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Status::FromErrno(EIO, "/x", "read").message(), "/x: read: Input/output error");
}

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("x", "odd");
  return x / 2;
}

Status Chain(int x, int* out) {
  CV_ASSIGN_OR_RETURN(*out, Half(x));
  return Status::OK();
}

TEST(ResultTest, ValueOrStatus) {
  int v = 0;
  EXPECT_TRUE(Chain(8, &v).ok());
  EXPECT_EQ(v, 4);
  Status s = Chain(3, &v);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "x: odd");
}

}  // namespace
}  // namespace cv
