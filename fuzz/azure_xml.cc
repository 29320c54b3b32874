// fuzz/azure_xml.cc — what an Azure Blob endpoint (or anyone answering in its place) sends back: a List
// Blobs page and an error body, read by backends/azure/blob_xml and turned into a Status by BlobError.
// The first byte picks the HTTP status of the error response.
#include "backends/azure/blob_errors.h"
#include "backends/azure/blob_xml.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = cv::fuzz::Bytes(data, size);
  static constexpr long kStatuses[] = {200, 201, 304, 400, 401, 403, 404, 409, 412, 416, 429, 500, 503};
  long status = kStatuses[cv::fuzz::TakeSelector(&in) % std::size(kStatuses)];
  std::string_view xml = cv::fuzz::Text(in);
  (void)cv::backends::azure::ParseListBlobs(xml);
  (void)cv::backends::azure::ParseErrorBody(xml);
  (void)cv::backends::azure::XmlUnescape(xml);
  cv::http::Response response;
  response.status = status;
  response.headers = {{"x-ms-error-code", "FuzzCode"}};
  response.body.assign(in.begin(), in.end());
  (void)cv::backends::azure::BlobError(cv::backends::azure::BlobOp::kGetBlob, "azure://acct/c/p/key", "acct",
                                       "c", response);
  (void)cv::backends::azure::BlobError(cv::backends::azure::BlobOp::kListBlobs, "azure://acct/c/p", "acct",
                                       "c", response, "the SAS grants list");
  return 0;
}
