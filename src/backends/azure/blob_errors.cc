#include "backends/azure/blob_errors.h"

#include <string>

#include "backends/azure/blob_xml.h"

namespace cv::backends::azure {
namespace {

// What a 403 on this operation means the identity lacks: SAS letters and the built-in RBAC role.
std::string MissingPermission(BlobOp op, std::string_view container) {
  std::string c = "container '" + std::string(container) + "'";
  switch (op) {
    case BlobOp::kPutBlob:
    case BlobOp::kPutBlock:
    case BlobOp::kPutBlockList:
      return "needs Create and Write on " + c +
             " (SAS permissions c and w; role Storage Blob Data Contributor)";
    case BlobOp::kGetBlob:
    case BlobOp::kGetProperties:
      return "needs Read on " + c + " (SAS permission r; role Storage Blob Data Reader)";
    case BlobOp::kListBlobs:
      return "needs List on " + c + " (SAS permission l; role Storage Blob Data Reader)";
    case BlobOp::kDeleteBlob:
      return "needs Delete on " + c + " (SAS permission d; role Storage Blob Data Contributor)";
    case BlobOp::kSetImmutabilityPolicy:
    case BlobOp::kDeleteImmutabilityPolicy:
      return "needs the right to set immutability policies on " + c + " (SAS permission i)";
    case BlobOp::kCreateContainer:
      return "needs permission to create " + c +
             " (role Storage Blob Data Contributor on the account, or an account SAS with srt=c and sp=c); "
             "or "
             "create the container beforehand";
  }
  return {};
}

}  // namespace

std::string_view BlobOpName(BlobOp op) {
  switch (op) {
    case BlobOp::kPutBlob:
      return "Put Blob";
    case BlobOp::kPutBlock:
      return "Put Block";
    case BlobOp::kPutBlockList:
      return "Put Block List";
    case BlobOp::kGetBlob:
      return "Get Blob";
    case BlobOp::kGetProperties:
      return "Get Blob Properties";
    case BlobOp::kListBlobs:
      return "List Blobs";
    case BlobOp::kDeleteBlob:
      return "Delete Blob";
    case BlobOp::kCreateContainer:
      return "Create Container";
    case BlobOp::kSetImmutabilityPolicy:
      return "Set Blob Immutability Policy";
    case BlobOp::kDeleteImmutabilityPolicy:
      return "Delete Blob Immutability Policy";
  }
  return "request";
}

Status BlobError(BlobOp op, std::string_view subject, std::string_view account, std::string_view container,
                 const http::Response& response, std::string_view check_hint) {
  const long status = response.status;
  ErrorBody body = ParseErrorBody(response.BodyText());
  std::string code(response.Find("x-ms-error-code"));
  if (code.empty()) code = body.code;

  std::string detail = std::string(BlobOpName(op)) + " failed: HTTP " + std::to_string(status);
  if (!code.empty()) detail += " " + code;
  if (auto id = response.Find("x-ms-request-id"); !id.empty())
    detail += " (request id " + std::string(id) + ")";
  auto with = [&detail](std::string_view hint) { return detail + ": " + std::string(hint); };
  const std::string check = check_hint.empty()
                                ? "AZURE_STORAGE_KEY is a key of storage account '" + std::string(account) +
                                      "' and that this machine's clock is within 15 minutes"
                                : std::string(check_hint);

  if (status == 401) {
    return Status(StatusCode::kUnauthenticated, subject,
                  with("the credential was refused: check that " + check));
  }
  if (status == 403) {
    if (code == "AuthenticationFailed") {
      return Status::PermissionDenied(subject,
                                      with("the request's credential was rejected: check that " + check));
    }
    if (code == "AuthorizationFailure") {
      // Ambiguous by design: Azure uses it for network rules, Azurite for a wrong Shared Key (a key grants
      // every permission, so with Shared Key it never means a missing one).
      return Status::PermissionDenied(
          subject, with("the request was not authorized: check that " + check +
                        ", and that the account's network rules admit this client; the operation " +
                        MissingPermission(op, container)));
    }
    if (code == "AuthorizationSourceIPMismatch" || code == "AuthorizationProtocolMismatch") {
      return Status::PermissionDenied(subject,
                                      with("the account's network or protocol rules refuse this client"));
    }
    return Status::PermissionDenied(subject, with("the identity " + MissingPermission(op, container)));
  }
  if (status == 404) {
    if (code == "ContainerNotFound") {
      return Status::NotFound(subject, with("container '" + std::string(container) +
                                            "' does not exist: create it, or run `cassvault init`"));
    }
    return Status::NotFound(subject, detail);
  }
  if (status == 408) return Status(StatusCode::kDeadlineExceeded, subject, detail);
  if (status == 409 && (code == "BlobAlreadyExists" || code == "ContainerAlreadyExists")) {
    return Status::AlreadyExists(subject, detail);
  }
  if (status == 429) return Status::ResourceExhausted(subject, with("throttled by the service; retry later"));
  if (status >= 500) return Status::Unavailable(subject, detail);
  if (status == 400 && (code == "Md5Mismatch" || code == "Crc64Mismatch")) {
    return Status::Unavailable(subject,
                               with("the body was damaged on the way; sending it again should succeed"));
  }
  if (status == 400 || status == 413 || status == 414) {
    return Status::InvalidArgument(subject, body.message.empty() ? detail : with(body.message));
  }
  if (status == 409 || status == 412) return Status::FailedPrecondition(subject, detail);
  return Status::IOError(subject, detail);
}

}  // namespace cv::backends::azure
