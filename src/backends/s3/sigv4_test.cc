// SigV4 against AWS's published examples, signature for signature: the SigV4 test suite's get-vanilla
// and post-x-www-form-urlencoded (service "service", AKIDEXAMPLE), and the S3 SigV4 documentation's
// examples (GET /test.txt with a Range, PUT test$file.text, GET ?lifecycle, GET ?max-keys=2&prefix=J,
// with AKIAIOSFODNN7EXAMPLE). None of these keys is a secret: AWS publishes them as examples.
#include "backends/s3/sigv4.h"

#include <gtest/gtest.h>

namespace cv::backends::s3 {
namespace {

constexpr std::string_view kSuiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kS3Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kS3Date = "20130524T000000Z";

std::string Hex(std::string_view s) { return crypto::ToHex(crypto::Sha256(crypto::AsBytes(s))); }

std::string SignatureOf(const std::string& authorization) {
  return authorization.substr(authorization.find("Signature=") + 10);
}

TEST(SigV4, GetVanilla) {
  std::vector<http::Header> h = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  SignedRequest r{
      .method = "GET", .path = "/", .query = nullptr, .headers = &h, .payload_hash = kEmptyPayloadHash};
  EXPECT_EQ(CanonicalRequest(r),
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Authorization(r, "AKIDEXAMPLE", kSuiteSecret, "20150830T123600Z", "us-east-1", "service"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4, PostXWwwFormUrlencoded) {
  std::vector<http::Header> h = {{"Content-Type", "application/x-www-form-urlencoded"},
                                 {"Host", "example.amazonaws.com"},
                                 {"X-Amz-Date", "20150830T123600Z"}};
  const std::string payload = Hex("Param1=value1");
  SignedRequest r{.method = "POST", .path = "/", .query = nullptr, .headers = &h, .payload_hash = payload};
  EXPECT_EQ(
      SignatureOf(Authorization(r, "AKIDEXAMPLE", kSuiteSecret, "20150830T123600Z", "us-east-1", "service")),
      "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST(SigV4, S3GetObjectWithRange) {
  std::vector<http::Header> h = {{"Host", "examplebucket.s3.amazonaws.com"},
                                 {"Range", "bytes=0-9"},
                                 {"x-amz-content-sha256", std::string(kEmptyPayloadHash)},
                                 {"x-amz-date", std::string(kS3Date)}};
  SignedRequest r{.method = "GET",
                  .path = "/test.txt",
                  .query = nullptr,
                  .headers = &h,
                  .payload_hash = kEmptyPayloadHash};
  const std::string canonical = CanonicalRequest(r);
  EXPECT_EQ(Hex(canonical), "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(StringToSign(kS3Date, CredentialScope(kS3Date, "us-east-1", "s3"), canonical),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(Authorization(r, "AKIAIOSFODNN7EXAMPLE", kS3Secret, kS3Date, "us-east-1", "s3"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, S3PutObjectEncodesThePathOnce) {
  const std::string payload = Hex("Welcome to Amazon S3.");
  std::vector<http::Header> h = {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                                 {"Host", "examplebucket.s3.amazonaws.com"},
                                 {"x-amz-date", std::string(kS3Date)},
                                 {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                                 {"x-amz-content-sha256", payload}};
  const std::string path = "/" + PercentEncode("test$file.text", true);
  EXPECT_EQ(path, "/test%24file.text");
  SignedRequest r{.method = "PUT", .path = path, .query = nullptr, .headers = &h, .payload_hash = payload};
  EXPECT_EQ(SignatureOf(Authorization(r, "AKIAIOSFODNN7EXAMPLE", kS3Secret, kS3Date, "us-east-1", "s3")),
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4, S3QueryWithoutValueAndSortedParameters) {
  std::vector<http::Header> h = {{"Host", "examplebucket.s3.amazonaws.com"},
                                 {"x-amz-date", std::string(kS3Date)},
                                 {"x-amz-content-sha256", std::string(kEmptyPayloadHash)}};
  QueryParams lifecycle = {{"lifecycle", ""}};
  SignedRequest r{
      .method = "GET", .path = "/", .query = &lifecycle, .headers = &h, .payload_hash = kEmptyPayloadHash};
  EXPECT_NE(CanonicalRequest(r).find("\nlifecycle=\n"), std::string::npos);
  EXPECT_EQ(SignatureOf(Authorization(r, "AKIAIOSFODNN7EXAMPLE", kS3Secret, kS3Date, "us-east-1", "s3")),
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
  QueryParams list = {{"prefix", "J"}, {"max-keys", "2"}};  // given unsorted: the signer sorts
  r.query = &list;
  EXPECT_EQ(SignatureOf(Authorization(r, "AKIAIOSFODNN7EXAMPLE", kS3Secret, kS3Date, "us-east-1", "s3")),
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, CanonicalFormsFoldSpacesAndEncodeQueries) {
  std::vector<http::Header> h = {{"Host", "h"}, {"X-Amz-Meta-A", "  a   b  "}};
  QueryParams q = {{"continuation-token", "1/a+b=="}, {"uploads", ""}};
  SignedRequest r{
      .method = "GET", .path = "/k", .query = &q, .headers = &h, .payload_hash = "UNSIGNED-PAYLOAD"};
  std::string signed_headers;
  EXPECT_EQ(
      CanonicalRequest(r, &signed_headers),
      "GET\n/k\ncontinuation-token=1%2Fa%2Bb%3D%3D&uploads=\nhost:h\nx-amz-meta-a:a b\n\nhost;x-amz-meta-a\n"
      "UNSIGNED-PAYLOAD");
  EXPECT_EQ(signed_headers, "host;x-amz-meta-a");
}

TEST(SigV4, AmzDateIsUtc) {
  EXPECT_EQ(AmzDate(1369353600), "20130524T000000Z");
  EXPECT_EQ(AmzDate(0), "19700101T000000Z");
}

}  // namespace
}  // namespace cv::backends::s3
