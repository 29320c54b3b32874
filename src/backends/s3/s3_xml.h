// src/backends/s3/s3_xml.h — the few XML documents of the S3 API we read and write, by hand.
//
// The responses are flat and machine-written (ListBucketResult, Error, InitiateMultipartUploadResult,
// CompleteMultipartUploadResult), so a full XML parser would be a dependency for nothing. Handled, as
// in the Azure backend's blob_xml.cc: the predefined entities and numeric references, self-closing
// empty elements, attributes (xmlns) on an element, and whole-name matching (<Key> is not <KeyCount>).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "backends/wire/xml_scan.h"
#include "core/result.h"
#include "storage/utc_time.h"

namespace cv::backends::s3 {

struct ListedObject {
  std::string key;
  uint64_t size = 0;
  int64_t modified = 0;  // <LastModified>, unix seconds; 0 if absent or unreadable
};

struct ListObjectsPage {
  std::vector<ListedObject> objects;
  bool truncated = false;
  std::string next_token;  // NextContinuationToken; set when truncated
};

// IOError naming what is missing if the document is not a ListObjectsV2 result, or claims more pages
// without a continuation token (which would loop forever).
Result<ListObjectsPage> ParseListObjectsV2(std::string_view xml);

// One entry of ListObjectVersions: an object version or a delete marker.
struct ListedVersion {
  std::string key;
  std::string version_id;
  bool delete_marker = false;
  bool latest = false;
};
struct ListVersionsPage {
  std::vector<ListedVersion> versions;  // in the document's order (newest first per key)
  bool truncated = false;
  std::string next_key_marker, next_version_id_marker;  // set when truncated
};
// IOError if the document is not a ListVersionsResult, or claims more without both markers.
Result<ListVersionsPage> ParseListVersions(std::string_view xml);

// PutObjectRetention's body: <Retention><Mode>GOVERNANCE|COMPLIANCE</Mode><RetainUntilDate>...</...>.
std::string RetentionXml(std::string_view mode, std::string_view retain_until);
struct Retention {
  std::string mode;   // as the server wrote it
  int64_t until = 0;  // unix seconds
};
// GetObjectRetention's <Retention> (AWS) or <ObjectLockRetention> (versitygw): IOError if it has no
// readable <RetainUntilDate>.
Result<Retention> ParseRetention(std::string_view xml);
// GetObjectLockConfiguration: true if <ObjectLockEnabled>Enabled</...>.
bool ObjectLockEnabled(std::string_view xml);
// GetBucketVersioning's <Status> ("Enabled", "Suspended", or "" for a bucket that never had versioning).
std::string VersioningStatus(std::string_view xml);

// <Error><Code>, and the first line of <Message>; empty strings if absent.
struct ErrorBody {
  std::string code;
  std::string message;
};
ErrorBody ParseErrorBody(std::string_view xml);

// True if the document's root element is <Error> (CompleteMultipartUpload may answer 200 with one).
bool IsErrorDocument(std::string_view xml);

// InitiateMultipartUploadResult's <UploadId>; IOError if absent.
Result<std::string> ParseUploadId(std::string_view xml);

// ListMultipartUploads' uploads of exactly `key` (other keys under the same prefix are left out): their
// upload ids. IOError if the document is not such a listing.
Result<std::vector<std::string>> ParseUploadsOfKey(std::string_view xml, std::string_view key);

// CompleteMultipartUpload's body: parts in ascending order, ETags as the server returned them.
std::string CompleteMultipartXml(const std::vector<std::string>& etags);

// CreateBucketConfiguration naming `region` (for any region but us-east-1).
std::string CreateBucketXml(std::string_view region);

using wire::XmlEscape;
using wire::XmlUnescape;

}  // namespace cv::backends::s3
