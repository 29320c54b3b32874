#include "backends/s3/s3_xml.h"

namespace cv::backends::s3 {
namespace {

using Element = wire::XmlElement;

Element Find(std::string_view xml, std::string_view tag, size_t from = 0) {
  return wire::FindXmlElement(xml, tag, from);
}

bool ParseUint(std::string_view s, uint64_t* v) {
  if (s.empty() || s.size() > 19) return false;
  *v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    *v = *v * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

std::string_view RootName(std::string_view xml) { return wire::XmlRootName(xml); }

}  // namespace

Result<ListObjectsPage> ParseListObjectsV2(std::string_view xml) {
  constexpr const char* kSubject = "ListObjectsV2 response";
  if (RootName(xml) != "ListBucketResult") {
    return Status::IOError(kSubject, "no <ListBucketResult> root element: not an object listing");
  }
  ListObjectsPage page;
  size_t last = 0;
  for (size_t pos = 0;;) {
    Element obj = Find(xml, "Contents", pos);
    if (!obj.found) break;
    pos = last = obj.end;
    Element key = Find(obj.inner, "Key");
    Element size = Find(obj.inner, "Size");
    ListedObject o;
    if (!key.found || !size.found || !ParseUint(size.inner, &o.size)) {
      return Status::IOError(kSubject, "a <Contents> without <Key> or a numeric <Size>");
    }
    o.key = XmlUnescape(key.inner);
    if (Element mod = Find(obj.inner, "LastModified"); mod.found)
      o.modified = storage::ParseIso8601(mod.inner).value_or(0);
    page.objects.push_back(std::move(o));
  }
  // The paging elements are outside every <Contents>: search the document with the listed objects cut
  // out, so that an object literally named "IsTruncated" cannot fool it.
  std::string rest(xml.substr(0, xml.find("<Contents")));
  rest += xml.substr(last);
  Element truncated = Find(rest, "IsTruncated");
  page.truncated = truncated.found && truncated.inner == "true";
  Element next = Find(rest, "NextContinuationToken");
  if (next.found) page.next_token = XmlUnescape(next.inner);
  if (page.truncated && page.next_token.empty()) {
    return Status::IOError(kSubject, "<IsTruncated> is true but there is no <NextContinuationToken>");
  }
  return page;
}

Result<ListVersionsPage> ParseListVersions(std::string_view xml) {
  constexpr const char* kSubject = "ListObjectVersions response";
  if (RootName(xml) != "ListVersionsResult") {
    return Status::IOError(kSubject, "no <ListVersionsResult> root element: not a version listing");
  }
  ListVersionsPage page;
  // Versions and delete markers interleave; take whichever of the two comes next.
  std::string rest;
  size_t pos = 0, cut = 0;
  for (;;) {
    Element v = Find(xml, "Version", pos);
    Element m = Find(xml, "DeleteMarker", pos);
    if (!v.found && !m.found) break;
    const bool marker = m.found && (!v.found || m.start < v.start);
    const Element& e = marker ? m : v;
    rest += xml.substr(cut, e.start - cut);
    pos = cut = e.end;
    Element key = Find(e.inner, "Key");
    Element id = Find(e.inner, "VersionId");
    if (!key.found || !id.found || id.inner.empty()) {
      return Status::IOError(kSubject, "a version without <Key> or <VersionId>");
    }
    Element latest = Find(e.inner, "IsLatest");
    page.versions.push_back(
        {XmlUnescape(key.inner), XmlUnescape(id.inner), marker, latest.found && latest.inner == "true"});
  }
  rest += xml.substr(cut);  // the paging elements, with every listed entry cut out
  Element truncated = Find(rest, "IsTruncated");
  page.truncated = truncated.found && truncated.inner == "true";
  if (Element k = Find(rest, "NextKeyMarker"); k.found) page.next_key_marker = XmlUnescape(k.inner);
  if (Element v = Find(rest, "NextVersionIdMarker"); v.found)
    page.next_version_id_marker = XmlUnescape(v.inner);
  if (page.truncated && page.next_key_marker.empty()) {
    return Status::IOError(kSubject, "<IsTruncated> is true but there is no <NextKeyMarker>");
  }
  return page;
}

std::string RetentionXml(std::string_view mode, std::string_view retain_until) {
  return "<Retention xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Mode>" + XmlEscape(mode) +
         "</Mode><RetainUntilDate>" + XmlEscape(retain_until) + "</RetainUntilDate></Retention>";
}

Result<Retention> ParseRetention(std::string_view xml) {
  Element until = Find(xml, "RetainUntilDate");
  auto t = until.found ? storage::ParseIso8601(XmlUnescape(until.inner)) : std::nullopt;
  if (!t) return Status::IOError("GetObjectRetention response", "no readable <RetainUntilDate>");
  Retention r;
  r.until = *t;
  if (Element mode = Find(xml, "Mode"); mode.found) r.mode = XmlUnescape(mode.inner);
  return r;
}

bool ObjectLockEnabled(std::string_view xml) {
  Element e = Find(xml, "ObjectLockEnabled");
  return e.found && e.inner == "Enabled";
}

std::string VersioningStatus(std::string_view xml) {
  Element e = Find(xml, "Status");
  return e.found ? XmlUnescape(e.inner) : std::string();
}

ErrorBody ParseErrorBody(std::string_view xml) {
  ErrorBody e;
  Element err = Find(xml, "Error");
  std::string_view scope = err.found ? err.inner : xml;
  if (Element code = Find(scope, "Code"); code.found) e.code = XmlUnescape(code.inner);
  if (Element msg = Find(scope, "Message"); msg.found) {
    std::string m = XmlUnescape(msg.inner);
    e.message = m.substr(0, m.find('\n'));
  }
  return e;
}

bool IsErrorDocument(std::string_view xml) { return RootName(xml) == "Error"; }

Result<std::string> ParseUploadId(std::string_view xml) {
  Element id = Find(xml, "UploadId");
  if (RootName(xml) != "InitiateMultipartUploadResult" || !id.found || id.inner.empty()) {
    return Status::IOError("CreateMultipartUpload response", "no <UploadId>");
  }
  return XmlUnescape(id.inner);
}

Result<std::vector<std::string>> ParseUploadsOfKey(std::string_view xml, std::string_view key) {
  if (RootName(xml) != "ListMultipartUploadsResult") {
    return Status::IOError("ListMultipartUploads response", "no <ListMultipartUploadsResult> root element");
  }
  std::vector<std::string> ids;
  for (size_t pos = 0;;) {
    Element up = Find(xml, "Upload", pos);
    if (!up.found) break;
    pos = up.end;
    Element k = Find(up.inner, "Key");
    Element id = Find(up.inner, "UploadId");
    if (k.found && id.found && !id.inner.empty() && XmlUnescape(k.inner) == key)
      ids.push_back(XmlUnescape(id.inner));
  }
  return ids;
}

std::string CompleteMultipartXml(const std::vector<std::string>& etags) {
  std::string x = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (size_t i = 0; i < etags.size(); ++i) {
    x += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + XmlEscape(etags[i]) +
         "</ETag></Part>";
  }
  return x + "</CompleteMultipartUpload>";
}

std::string CreateBucketXml(std::string_view region) {
  return "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>" +
         XmlEscape(region) + "</LocationConstraint></CreateBucketConfiguration>";
}

}  // namespace cv::backends::s3
