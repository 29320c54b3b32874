#include "backends/s3/s3_xml.h"

namespace cv::backends::s3 {
namespace {

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

struct Element {
  bool found = false;
  std::string_view inner;
  size_t start = 0;  // offset of '<'
  size_t end = 0;    // offset just past the element
};

// The first <tag ...>...</tag> or <tag .../> at or after `from`, matching the whole tag name.
Element Find(std::string_view xml, std::string_view tag, size_t from = 0) {
  Element e;
  std::string open = "<" + std::string(tag);
  for (size_t pos = xml.find(open, from); pos != std::string_view::npos; pos = xml.find(open, pos + 1)) {
    size_t after = pos + open.size();
    if (after >= xml.size()) return e;
    char c = xml[after];
    if (c != '>' && c != ' ' && c != '/' && c != '\t' && c != '\r' && c != '\n') continue;
    size_t close = xml.find('>', after);
    if (close == std::string_view::npos) return e;
    e.start = pos;
    if (xml[close - 1] == '/') {
      e.found = true;
      e.end = close + 1;
      return e;
    }
    std::string end_tag = "</" + std::string(tag) + ">";
    size_t end = xml.find(end_tag, close + 1);
    if (end == std::string_view::npos) return e;
    e.found = true;
    e.inner = xml.substr(close + 1, end - close - 1);
    e.end = end + end_tag.size();
    return e;
  }
  return e;
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

// The first element's name after the prolog and comments.
std::string_view RootName(std::string_view xml) {
  size_t pos = 0;
  while ((pos = xml.find('<', pos)) != std::string_view::npos) {
    if (pos + 1 < xml.size() && (xml[pos + 1] == '?' || xml[pos + 1] == '!')) {
      ++pos;
      continue;
    }
    size_t end = xml.find_first_of(" \t\r\n/>", pos + 1);
    if (end == std::string_view::npos) return {};
    return xml.substr(pos + 1, end - pos - 1);
  }
  return {};
}

}  // namespace

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string XmlUnescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    size_t semi = s[i] == '&' ? s.find(';', i) : std::string_view::npos;
    if (semi == std::string_view::npos || semi - i > 10) {
      out += s[i];
      continue;
    }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp") {
      out += '&';
    } else if (ent == "lt") {
      out += '<';
    } else if (ent == "gt") {
      out += '>';
    } else if (ent == "quot") {
      out += '"';
    } else if (ent == "apos") {
      out += '\'';
    } else if (ent.size() > 1 && ent[0] == '#') {
      const bool hex = ent[1] == 'x' || ent[1] == 'X';
      std::string_view digits = ent.substr(hex ? 2 : 1);
      uint32_t cp = 0;
      bool ok = !digits.empty();
      for (char c : digits) {
        int d = -1;
        if (c >= '0' && c <= '9') d = c - '0';
        if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
        if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
        if (d < 0 || cp > 0x10FFFF) {
          ok = false;
          break;
        }
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
      }
      if (ok && cp <= 0x10FFFF) {
        AppendUtf8(cp, &out);
      } else {
        out += s.substr(i, semi - i + 1);
      }
    } else {
      out += s.substr(i, semi - i + 1);  // unknown entity: kept as is
    }
    i = semi;
  }
  return out;
}

Result<ListObjectsPage> ParseListObjectsV2(std::string_view xml) {
  const char* kSubject = "ListObjectsV2 response";
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
