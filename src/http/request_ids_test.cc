// The request-id collector the audit trail reads (http/request_ids.h): bounded, "since a mark", and only
// id-shaped text kept from what a server sends.
#include "http/request_ids.h"

#include <gtest/gtest.h>

#include "http/http_client.h"

namespace cv::http {
namespace {

Response WithIds(std::string ms, std::string amz) {
  Response r;
  if (!ms.empty()) r.headers.push_back({"x-ms-request-id", std::move(ms)});
  if (!amz.empty()) r.headers.push_back({"X-Amz-Request-Id", std::move(amz)});
  return r;
}

TEST(RequestIdsTest, ReturnsTheNewestIdsSinceAMarkBounded) {
  const uint64_t mark = RequestIdMark();
  NoteRequestIds(WithIds("a1b2c3d4-0000-1111-2222-333344445555", ""));
  NoteRequestIds(WithIds("", "4442587FB7D0A2F9"));
  NoteRequestIds(Response{});  // a response without ids notes nothing
  EXPECT_EQ(RequestIdsSince(mark, 16),
            (std::vector<std::string>{"x-ms-request-id=a1b2c3d4-0000-1111-2222-333344445555",
                                      "x-amz-request-id=4442587FB7D0A2F9"}));
  for (int i = 0; i < 1000; ++i) NoteRequestIds(WithIds("id" + std::to_string(i), ""));
  auto last = RequestIdsSince(mark, 3);
  EXPECT_EQ(last, (std::vector<std::string>{"x-ms-request-id=id997", "x-ms-request-id=id998",
                                            "x-ms-request-id=id999"}));
  EXPECT_EQ(RequestIdsSince(mark, 100000).size(), kKeptRequestIds);
  EXPECT_TRUE(RequestIdsSince(RequestIdMark(), 16).empty());
}

TEST(RequestIdsTest, KeepsOnlyIdShapedTextFromTheServer) {
  const uint64_t mark = RequestIdMark();
  NoteRequestIds(WithIds("abc\"},{\"op\":\"forged\n" + std::string(500, 'x'), ""));
  auto ids = RequestIdsSince(mark, 16);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids[0].find('"'), std::string::npos);
  EXPECT_EQ(ids[0].find('\n'), std::string::npos);
  EXPECT_LE(ids[0].size(), std::string("x-ms-request-id=").size() + 128);
}

}  // namespace
}  // namespace cv::http
