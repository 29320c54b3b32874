// fuzz/token_json.cc — token responses: an Entra ID / IMDS token endpoint's JSON (ParseTokenResponse),
// its error answer (TokenEndpointError), `az account get-access-token` output (ParseAzCliOutput), and the
// AWS IMDS Expiration time (ParseIso8601Utc). The AWS IMDS credentials JSON itself is parsed inside the
// fetcher (backends/s3/imds.cc, behind HTTP); only its time field is reachable without I/O.
#include "backends/azure/identity/azure_cli_credential.h"
#include "backends/azure/identity/token_endpoint.h"
#include "backends/s3/imds.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = cv::fuzz::Bytes(data, size);
  static constexpr long kStatuses[] = {400, 401, 403, 404, 408, 429, 500, 503};
  long status = kStatuses[cv::fuzz::TakeSelector(&in) % std::size(kStatuses)];
  std::string_view body = cv::fuzz::Text(in);
  namespace id = cv::backends::azure::identity;
  (void)id::ParseTokenResponse(body, 1764936000, "fuzz identity");
  (void)id::ParseAzCliOutput(body, "Azure CLI");
  cv::http::Response response;
  response.status = status;
  response.body.assign(in.begin(), in.end());
  (void)id::TokenEndpointError("fuzz identity", response);
  (void)cv::backends::s3::ParseIso8601Utc(body);
  return 0;
}
