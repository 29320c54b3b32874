#include "backends/s3/s3_client.h"

#include <chrono>

#include "backends/s3/s3_xml.h"
#include "http/retry.h"

namespace cv::backends::s3 {

S3Client::S3Client(S3Location location, std::unique_ptr<CredentialChain> credentials,
                   std::unique_ptr<http::Client> http, int max_attempts)
    : location_(std::move(location)),
      credentials_(std::move(credentials)),
      http_(std::move(http)),
      max_attempts_(max_attempts) {}

std::string S3Client::CredentialSource() {
  auto c = credentials_->Get();
  return c.ok() ? c->source : std::string();
}

Result<http::Response> S3Client::Send(const S3Request& request, int* attempts) {
  const std::string payload_hash = crypto::ToHex(crypto::Sha256(request.body));
  http::RetryPolicy policy;
  policy.max_attempts = max_attempts_;
  return http::SendWithRetry(
      policy, [&] { return SendOnce(request, payload_hash); }, attempts);
}

Result<http::Response> S3Client::SendOnce(const S3Request& request, const std::string& payload_hash) {
  CV_ASSIGN_OR_RETURN(Credentials creds, credentials_->Get());
  const std::string path = location_.Path(request.key);
  std::string url = location_.scheme + "://" + location_.host + path;
  for (size_t i = 0; i < request.query.size(); ++i) {
    const auto& [k, v] = request.query[i];
    url += (i == 0 ? "?" : "&") + PercentEncode(k, false);
    if (!v.empty()) url += "=" + PercentEncode(v, false);
  }

  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  const std::string amz_date = AmzDate(now.count());
  std::vector<http::Header> headers = request.headers;
  // Host is sent explicitly so that what is signed is exactly what goes on the wire.
  headers.push_back({"Host", location_.host});
  headers.push_back({"x-amz-date", amz_date});
  headers.push_back({"x-amz-content-sha256", payload_hash});
  if (!creds.session_token.empty()) headers.push_back({"x-amz-security-token", creds.session_token});
  SignedRequest signed_request{.method = request.method,
                               .path = path,
                               .query = &request.query,
                               .headers = &headers,
                               .payload_hash = payload_hash};
  std::string authorization = Authorization(signed_request, creds.access_key_id, creds.secret_access_key,
                                            amz_date, location_.region, "s3");
  headers.push_back({"Authorization", std::move(authorization)});

  http::Request req;
  req.method = request.method;
  req.url = std::move(url);
  req.headers = std::move(headers);
  req.body = request.body;
  req.max_body = request.max_body;
  CV_ASSIGN_OR_RETURN(http::Response r, http_->Send(req));
  // S3's answer to two conditional writes of one key at the same moment: the other one is in progress,
  // try again. A retryable failure, so that SendWithRetry does; the next attempt sees 412 or succeeds.
  if (r.status == 409 && ParseErrorBody(r.BodyText()).code == "ConditionalRequestConflict") {
    return Status::Unavailable(request.method + " " + location_.scheme + "://" + location_.host + path,
                               "HTTP 409 ConditionalRequestConflict: a concurrent conditional write");
  }
  return r;
}

}  // namespace cv::backends::s3
