// The Azure backend's pure parts, without a server: URL rules, Shared Key canonical forms (vectors
// computed independently with Python's hmac), the XML it reads, and how responses become a Status.
// The whole backend against Azurite is azure_store_test.cc, run by tests/integration/test_azurite.py.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "backends/azure/azure_location.h"
#include "backends/azure/azure_store.h"
#include "backends/azure/blob_errors.h"
#include "backends/azure/blob_xml.h"
#include "backends/azure/shared_key.h"
#include "backends/registry.h"

namespace cv::backends::azure {
namespace {

// Azurite's published development key (not a secret).
constexpr const char* kDevKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

crypto::SecretBytes DevKey() { return crypto::SecretBytes(*crypto::Base64Decode(kDevKey)); }

http::Response Resp(long status, std::vector<http::Header> headers, std::string body = {}) {
  http::Response r;
  r.status = status;
  r.headers = std::move(headers);
  r.body.assign(body.begin(), body.end());
  return r;
}

TEST(AzureUrl, ParsesAccountContainerAndPrefix) {
  auto loc = ParseAzureUrl("azure://myacct/backups/prod/cluster1/", "");
  ASSERT_TRUE(loc.ok()) << loc.status().ToString();
  EXPECT_EQ(loc->account, "myacct");
  EXPECT_EQ(loc->container, "backups");
  EXPECT_EQ(loc->prefix, "prod/cluster1/");
  EXPECT_EQ(loc->endpoint, "https://myacct.blob.core.windows.net");
  EXPECT_EQ(loc->base_path, "");
  EXPECT_EQ(loc->Describe(), "azure://myacct/backups/prod/cluster1");

  auto bare = ParseAzureUrl("azure://myacct/backups", "http://127.0.0.1:10000/devstoreaccount1/");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->prefix, "");
  EXPECT_EQ(bare->endpoint, "http://127.0.0.1:10000/devstoreaccount1");
  EXPECT_EQ(bare->base_path, "/devstoreaccount1");
  EXPECT_EQ(bare->Describe(), "azure://myacct/backups");
}

TEST(AzureUrl, RefusesWhatAzureWouldRefuseNamingTheRule) {
  for (std::string bad : {"azure://", "azure://Upper/c0ntainer", "azure://ab/container", "azure://acct",
                          "azure://acct/ab", "azure://acct/Bad_Name", "azure://acct/a--b", "azure://acct/-ab",
                          "azure://acct/cont/a//b", "azure://acct/cont/../x", "s3://bucket/x"}) {
    auto loc = ParseAzureUrl(bad, "");
    ASSERT_FALSE(loc.ok()) << bad;
    EXPECT_EQ(loc.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(loc.status().message().find(bad), std::string::npos) << loc.status().ToString();
  }
  EXPECT_FALSE(ParseAzureUrl("azure://acct/cont", "ftp://x").ok());
  EXPECT_FALSE(ParseAzureUrl("azure://acct/cont", "https://x/?sig=1").ok());
}

TEST(AzureUrl, PercentEncodesAllButUnreserved) {
  EXPECT_EQ(PercentEncode("packs/ab/x-_.~", true), "packs/ab/x-_.~");
  EXPECT_EQ(PercentEncode("a b/c", false), "a%20b%2Fc");
  EXPECT_EQ(PercentEncode("MDA=", false), "MDA%3D");
}

TEST(SharedKey, CanonicalResourceSortsDecodedQueryParameters) {
  // PUT /acct/c/b?comp=block&blockid=MDA%3D -> "/acct/c/b\nblockid:MDA=\ncomp:block".
  std::string s = StringToSign("PUT", 0, {}, "acct", "/c/b", {{"comp", "block"}, {"blockid", "MDA="}});
  EXPECT_TRUE(s.ends_with("\n/acct/c/b\nblockid:MDA=\ncomp:block")) << s;
  // Twelve lines before the resource; Content-Length empty when 0.
  EXPECT_EQ(s.rfind("PUT\n\n\n\n\n\n\n\n\n\n\n\n", 0), 0u) << s;
}

TEST(SharedKey, PutBlobVectorMatchesAnIndependentSigner) {
  std::vector<http::Header> h = {{"x-ms-version", "2025-07-05"},
                                 {"Content-Type", "application/octet-stream"},
                                 {"X-MS-Blob-Type", "BlockBlob"},
                                 {"If-None-Match", "*"},
                                 {"Content-MD5", "XUFAKrxLKna5cZ2REBfFkg=="},
                                 {"x-ms-date", "  Sun, 06 Nov 1994   08:49:37 GMT"}};
  std::string s = StringToSign("PUT", 5, h, "devstoreaccount1", "/devstoreaccount1/backups/a/b.txt", {});
  EXPECT_EQ(s,
            "PUT\n\n\n5\nXUFAKrxLKna5cZ2REBfFkg==\napplication/octet-stream\n\n\n\n*\n\n\n"
            "x-ms-blob-type:BlockBlob\nx-ms-date:Sun, 06 Nov 1994 08:49:37 GMT\nx-ms-version:2025-07-05\n"
            "/devstoreaccount1/devstoreaccount1/backups/a/b.txt");
  EXPECT_EQ(SharedKeyAuthorization("devstoreaccount1", DevKey(), s),
            "SharedKey devstoreaccount1:TusQYpEN9TwGtTYI6pECb50NgtU867DHlKIuHf9T2cY=");
}

TEST(SharedKey, ListVectorMatchesAnIndependentSigner) {
  std::vector<http::Header> h = {{"x-ms-date", "Sun, 06 Nov 1994 08:49:37 GMT"},
                                 {"x-ms-version", "2025-07-05"}};
  std::string s =
      StringToSign("GET", 0, h, "devstoreaccount1", "/devstoreaccount1/backups",
                   {{"restype", "container"}, {"comp", "list"}, {"prefix", "vault/"}, {"marker", "a b/c"}});
  EXPECT_EQ(SharedKeyAuthorization("devstoreaccount1", DevKey(), s),
            "SharedKey devstoreaccount1:CvNY++jKfQd4vVwW52/RFCZRceWXJzdogWKIR/HbVsE=");
}

TEST(SharedKey, Rfc1123DateIgnoresTheLocale) {
  EXPECT_EQ(Rfc1123Date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(Rfc1123Date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(BlobXml, ParsesAListingPage) {
  const char* xml = R"(<?xml version="1.0" encoding="utf-8"?>
<EnumerationResults ServiceEndpoint="http://127.0.0.1/devstoreaccount1" ContainerName="c"><Prefix>v/</Prefix>
<MaxResults>2</MaxResults><Blobs><Blob><Name>v/packs/a&amp;b</Name><Properties><Creation-Time>x</Creation-Time>
<Content-Length>1234</Content-Length><Content-Type>application/octet-stream</Content-Type></Properties></Blob>
<BlobPrefix><Name>v/dir/</Name></BlobPrefix>
<Blob><Name Encoded="true">v/odd%20name</Name><Properties><Content-Length>0</Content-Length></Properties></Blob>
</Blobs><NextMarker>2!84!djEvb2RkIG5hbWU-</NextMarker></EnumerationResults>)";
  auto page = ParseListBlobs(xml);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->blobs.size(), 2u);
  EXPECT_EQ(page->blobs[0].name, "v/packs/a&b");
  EXPECT_EQ(page->blobs[0].size, 1234u);
  EXPECT_EQ(page->blobs[1].name, "v/odd name");
  EXPECT_EQ(page->blobs[1].size, 0u);
  EXPECT_EQ(page->next_marker, "2!84!djEvb2RkIG5hbWU-");
}

TEST(BlobXml, LastModifiedAndVersions) {
  auto page = ParseListBlobs(
      "<EnumerationResults><Blobs><Blob><Name>a</Name><VersionId>2026-12-06T13:34:39.1234567Z</VersionId>"
      "<IsCurrentVersion>true</IsCurrentVersion><Properties><Last-Modified>Sun, 06 Dec 2026 13:34:39 GMT"
      "</Last-Modified><Content-Length>3</Content-Length></Properties></Blob><Blob><Name>a</Name><VersionId>"
      "2026-12-06T13:30:00.0000000Z</VersionId><Properties><Content-Length>4</Content-Length></Properties></"
      "Blob>"
      "<Blob><Name>b</Name><Properties><Content-Length>5</Content-Length></Properties></Blob></Blobs>"
      "<NextMarker /></EnumerationResults>");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->blobs.size(), 3u);
  EXPECT_EQ(page->blobs[0].modified, 1796564079);
  EXPECT_EQ(page->blobs[0].version_id, "2026-12-06T13:34:39.1234567Z");
  EXPECT_TRUE(page->blobs[0].current);
  EXPECT_FALSE(page->blobs[1].current);  // a previous version
  EXPECT_EQ(page->blobs[1].modified, 0);
  EXPECT_TRUE(page->blobs[2].version_id.empty());  // no versioning: no id, and it is the blob
  EXPECT_TRUE(page->blobs[2].current);
}

TEST(BlobXml, LastAndEmptyPages) {
  auto last = ParseListBlobs(
      "<EnumerationResults><Blobs><Blob><Name>x</Name><Properties><Content-Length>7"
      "</Content-Length></Properties></Blob></Blobs><NextMarker /></EnumerationResults>");
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->blobs.size(), 1u);
  EXPECT_EQ(last->next_marker, "");
  auto empty = ParseListBlobs("<EnumerationResults><Blobs /><NextMarker></NextMarker></EnumerationResults>");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->blobs.empty());
  EXPECT_EQ(empty->next_marker, "");
  EXPECT_EQ(ParseListBlobs("<Error><Code>X</Code></Error>").status().code(), StatusCode::kIOError);
  EXPECT_EQ(
      ParseListBlobs("<EnumerationResults><Blobs><Blob><Name>x</Name></Blob></Blobs></EnumerationResults>")
          .status()
          .code(),
      StatusCode::kIOError);
}

TEST(BlobXml, UnescapesEntitiesAndBuildsBlockLists) {
  EXPECT_EQ(XmlUnescape("a&lt;b&gt;&quot;&apos;&#65;&#x42;&#xe9;&unknown;&"), "a<b>\"'AB\xC3\xA9&unknown;&");
  EXPECT_EQ(BlockListXml({"AAA=", "AAE="}),
            "<?xml version=\"1.0\" "
            "encoding=\"utf-8\"?><BlockList><Latest>AAA=</Latest><Latest>AAE=</Latest></BlockList>");
  auto e = ParseErrorBody(
      "<?xml version=\"1.0\"?><Error><Code>BlobAlreadyExists</Code><Message>The specified blob "
      "already exists.\nRequestId:1\nTime:2</Message></Error>");
  EXPECT_EQ(e.code, "BlobAlreadyExists");
  EXPECT_EQ(e.message, "The specified blob already exists.");
}

TEST(BlobErrors, CodesFollowWhatTheCallerDoesNext) {
  auto st = [](BlobOp op, long status, const std::string& code, std::string body = {}) {
    std::vector<http::Header> h;
    if (!code.empty()) h.push_back({"x-ms-error-code", code});
    h.push_back({"x-ms-request-id", "rid-1"});
    return BlobError(op, "azure://a/c/k", "acct", "cont", Resp(status, h, std::move(body)));
  };
  EXPECT_EQ(st(BlobOp::kPutBlob, 409, "BlobAlreadyExists").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(st(BlobOp::kGetBlob, 404, "BlobNotFound").code(), StatusCode::kNotFound);
  EXPECT_EQ(st(BlobOp::kGetProperties, 404, "").code(), StatusCode::kNotFound);  // HEAD: no body
  EXPECT_EQ(st(BlobOp::kGetBlob, 503, "ServerBusy").code(), StatusCode::kUnavailable);
  EXPECT_EQ(st(BlobOp::kGetBlob, 500, "InternalError").code(), StatusCode::kUnavailable);
  EXPECT_EQ(st(BlobOp::kGetBlob, 429, "").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(st(BlobOp::kGetBlob, 408, "").code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(st(BlobOp::kPutBlob, 400, "Md5Mismatch").code(), StatusCode::kUnavailable);
  EXPECT_EQ(st(BlobOp::kPutBlob, 401, "").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(st(BlobOp::kGetBlob, 409, "BlobArchived").code(), StatusCode::kFailedPrecondition);
  for (long s : {503L, 500L, 429L, 408L}) EXPECT_TRUE(st(BlobOp::kGetBlob, s, "").IsRetryable()) << s;
  EXPECT_FALSE(st(BlobOp::kGetBlob, 403, "AuthorizationPermissionMismatch").IsRetryable());

  Status nf = st(BlobOp::kListBlobs, 404, "ContainerNotFound");
  EXPECT_EQ(nf.message(),
            "azure://a/c/k: List Blobs failed: HTTP 404 ContainerNotFound (request id rid-1): "
            "container 'cont' does not exist: create it, or run `cassvault init`");
  Status bad =
      st(BlobOp::kPutBlob, 400, "InvalidHeaderValue",
         "<Error><Code>InvalidHeaderValue</Code><Message>The value for one of the HTTP headers is not in "
         "the correct format.\nRequestId:x</Message></Error>");
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("not in the correct format"), std::string::npos) << bad.message();
}

TEST(BlobErrors, ForbiddenSaysWhichPermissionIsMissing) {
  auto forbidden = [](BlobOp op) {
    return BlobError(op, "azure://a/c/k", "acct", "cont",
                     Resp(403, {{"x-ms-error-code", "AuthorizationPermissionMismatch"}}));
  };
  Status put = forbidden(BlobOp::kPutBlockList);
  EXPECT_EQ(put.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(put.message().rfind(
                "azure://a/c/k: Put Block List failed: HTTP 403 AuthorizationPermissionMismatch", 0),
            0u)
      << put.message();
  EXPECT_NE(put.message().find("needs Create and Write on container 'cont'"), std::string::npos)
      << put.message();
  EXPECT_NE(forbidden(BlobOp::kGetBlob).message().find("needs Read"), std::string::npos);
  EXPECT_NE(forbidden(BlobOp::kListBlobs).message().find("needs List"), std::string::npos);
  EXPECT_NE(forbidden(BlobOp::kDeleteBlob).message().find("needs Delete"), std::string::npos);
  // Azurite's answer to a wrong Shared Key (Azure's to a network rule): the key comes first in the hint.
  Status vague = BlobError(BlobOp::kPutBlob, "azure://a/c/k", "acct", "cont",
                           Resp(403, {{"x-ms-error-code", "AuthorizationFailure"}}));
  EXPECT_EQ(vague.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(vague.message().find("AZURE_STORAGE_KEY is a key of storage account 'acct'"), std::string::npos)
      << vague.message();
  EXPECT_NE(vague.message().find("needs Create and Write"), std::string::npos) << vague.message();
}

TEST(BlobErrors, AuthenticationFailureNeverEchoesTheSignature) {
  // What Azure sends back: the server's string to sign and the request's MAC. Neither may reach a log.
  std::string body =
      "<Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request."
      "</Message><AuthenticationErrorDetail>The MAC signature found in the HTTP request "
      "'SIGNATUREabc=' is not the same as any computed signature.</AuthenticationErrorDetail></Error>";
  Status st = BlobError(BlobOp::kPutBlob, "azure://a/c/k", "acct", "cont",
                        Resp(403, {{"x-ms-error-code", "AuthenticationFailed"}}, body));
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(st.message().find("SIGNATURE"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("AZURE_STORAGE_KEY"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("'acct'"), std::string::npos) << st.message();
}

// A loopback port nobody listens on.
int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(AzureStore, UnreachableEndpointIsUnavailableAndTheKeyNeverShows) {
  AzureOptions o;
  o.auth.account_key = kDevKey;
  o.endpoint = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/devstoreaccount1";
  auto store = OpenAzureStore("azure://devstoreaccount1/backups/v1", o, false);
  ASSERT_TRUE(store.ok()) << store.status().ToString();  // no request without `create`
  Status st = (*store)->Put("config", crypto::AsBytes("x"));
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_EQ(st.message().find(kDevKey), std::string::npos);
  EXPECT_EQ(st.message().find("SharedKey"), std::string::npos);
  EXPECT_EQ((*store)->Describe(), "azure://devstoreaccount1/backups/v1");
}

TEST(AzureStore, BadKeyIsRefusedWithoutEchoingIt) {
  AzureOptions o;
  o.auth.account_key = "not base64 at all: s3cr3t!";
  auto store = OpenAzureStore("azure://devstoreaccount1/backups", o, false);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store.status().message().find("s3cr3t"), std::string::npos) << store.status().message();
}

TEST(AzureRegistry, AzureUrlsNeedTheKeyFromTheEnvironment) {
  const char* saved = std::getenv("AZURE_STORAGE_KEY");
  std::string keep = saved ? saved : "";
  ::unsetenv("AZURE_STORAGE_KEY");
  StoreSettings shared_key;
  shared_key.azure["auth"] = "shared-key";
  auto none = OpenStore("azure://devstoreaccount1/backups", shared_key, false);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(none.status().message().find("AZURE_STORAGE_KEY"), std::string::npos);

  ::setenv("AZURE_STORAGE_KEY", kDevKey, 1);
  ::setenv("CASSVAULT_AZURE_ENDPOINT", "http://127.0.0.1:1/devstoreaccount1", 1);
  auto ok = OpenStore("azure://devstoreaccount1/backups/p", {}, false);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)->Describe(), "azure://devstoreaccount1/backups/p");
  EXPECT_EQ(OpenStore("azure://devstoreaccount1/B", {}, false).status().code(), StatusCode::kInvalidArgument);
  ::unsetenv("CASSVAULT_AZURE_ENDPOINT");
  if (saved) {
    ::setenv("AZURE_STORAGE_KEY", keep.c_str(), 1);
  } else {
    ::unsetenv("AZURE_STORAGE_KEY");
  }
}

}  // namespace
}  // namespace cv::backends::azure
