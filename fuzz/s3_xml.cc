// fuzz/s3_xml.cc — what an S3 endpoint sends back: a ListObjectsV2 page, an Error document, a
// CreateMultipartUpload result (backends/s3/s3_xml), and the Status S3Error makes of an error response.
// The first byte picks the HTTP status of the error response.
#include "backends/s3/s3_xml.h"

#include "backends/s3/s3_errors.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = cv::fuzz::Bytes(data, size);
  static constexpr long kStatuses[] = {200, 301, 307, 400, 401, 403, 404, 409, 412, 416, 429, 500, 503};
  long status = kStatuses[cv::fuzz::TakeSelector(&in) % std::size(kStatuses)];
  std::string_view xml = cv::fuzz::Text(in);
  (void)cv::backends::s3::ParseListObjectsV2(xml);
  (void)cv::backends::s3::ParseErrorBody(xml);
  (void)cv::backends::s3::IsErrorDocument(xml);
  (void)cv::backends::s3::ParseUploadId(xml);
  cv::http::Response response;
  response.status = status;
  response.headers = {{"x-amz-bucket-region", "eu-west-1"}};
  response.body.assign(in.begin(), in.end());
  cv::backends::s3::ErrorContext ctx{"bucket", "us-east-1", "environment"};
  (void)cv::backends::s3::S3Error(cv::backends::s3::S3Op::kGetObject, "s3://bucket/p/key", ctx, response);
  (void)cv::backends::s3::S3Error(cv::backends::s3::S3Op::kCompleteMultipartUpload, "s3://bucket/p/key", ctx,
                                  response);
  return 0;
}
