// The S3 backend's pure parts, without a server: URL and bucket rules, vault.s3 settings, the XML it
// reads and writes, and how responses become a Status. The whole backend against a real S3 server is
// s3_store_test.cc, run by tests/integration/test_s3.py.
#include <gtest/gtest.h>

#include <cstdlib>

#include "backends/registry.h"
#include "backends/s3/s3_errors.h"
#include "backends/s3/s3_location.h"
#include "backends/s3/s3_multipart.h"
#include "backends/s3/s3_store.h"
#include "backends/s3/s3_xml.h"

namespace cv::backends::s3 {
namespace {

http::Response Resp(long status, std::string body = {}, std::vector<http::Header> headers = {}) {
  http::Response r;
  r.status = status;
  r.headers = std::move(headers);
  r.body.assign(body.begin(), body.end());
  return r;
}

std::string ErrorXml(std::string_view code, std::string_view message = "m") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + std::string(code) +
         "</Code><Message>" + std::string(message) + "</Message><RequestId>r</RequestId></Error>";
}

TEST(S3Url, ParsesBucketAndPrefixForAwsAndForAnEndpoint) {
  auto aws = ParseS3Url("s3://my-bucket/prod/cluster1/", "eu-west-1", "", false);
  ASSERT_TRUE(aws.ok()) << aws.status().ToString();
  EXPECT_EQ(aws->bucket, "my-bucket");
  EXPECT_EQ(aws->prefix, "prod/cluster1/");
  EXPECT_EQ(aws->host, "my-bucket.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(aws->scheme, "https");
  EXPECT_EQ(aws->Path("packs/a b"), "/packs/a%20b");
  EXPECT_EQ(aws->Path(""), "/");
  EXPECT_EQ(aws->Describe(), "s3://my-bucket/prod/cluster1");

  auto local = ParseS3Url("s3://vault.bucket", "us-east-1", "http://127.0.0.1:7070/", true);
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  EXPECT_EQ(local->prefix, "");
  EXPECT_EQ(local->host, "127.0.0.1:7070");
  EXPECT_EQ(local->scheme, "http");
  EXPECT_EQ(local->Path("config"), "/vault.bucket/config");
  EXPECT_EQ(local->Describe(), "s3://vault.bucket");

  auto sub = ParseS3Url("s3://b12/x", "us-east-1", "https://gw.example/s3", true);
  ASSERT_TRUE(sub.ok());
  EXPECT_EQ(sub->Path("k"), "/s3/b12/k");
  auto vhost = ParseS3Url("s3://b12/x", "us-east-1", "https://gw.example", false);
  ASSERT_TRUE(vhost.ok());
  EXPECT_EQ(vhost->host, "b12.gw.example");
}

TEST(S3Url, PathStyleByDefaultForEndpointsAndDottedAwsBuckets) {
  EXPECT_TRUE(DefaultPathStyle("bucket", "http://127.0.0.1:7070"));
  EXPECT_TRUE(DefaultPathStyle("my.bucket", ""));
  EXPECT_FALSE(DefaultPathStyle("my-bucket", ""));
}

TEST(S3Url, RefusesWhatS3WouldRefuseNamingTheRule) {
  for (const std::string& bad : std::vector<std::string>{
           "s3://", "s3://ab", "s3://Upper", "s3://a_b", "s3://-ab", "s3://ab-", "s3://a..b",
           "s3://192.168.1.1", "s3://bucket/a//b", "s3://bucket/../x", "s3://bucket/x?y", "azure://acct/c",
           std::string("s3://") + std::string(64, 'a')}) {
    auto loc = ParseS3Url(bad, "us-east-1", "", false);
    ASSERT_FALSE(loc.ok()) << bad;
    EXPECT_EQ(loc.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(loc.status().message().find(bad), std::string::npos) << loc.status().ToString();
  }
  EXPECT_TRUE(ValidBucketName("abc"));
  EXPECT_TRUE(ValidBucketName("my.bucket-1"));
  EXPECT_FALSE(ParseS3Url("s3://bucket", "us-east-1", "ftp://x", true).ok());
  EXPECT_FALSE(ParseS3Url("s3://bucket", "us-east-1", "https://user@x", true).ok());
}

StoreSettings Settings(std::map<std::string, std::string> s3) {
  StoreSettings s;
  s.config_path = "/etc/cassvault/cassvault.yaml";
  s.s3 = std::move(s3);
  return s;
}

TEST(S3Settings, DefaultsAndValues) {
  ::unsetenv("AWS_REGION");
  ::setenv("AWS_DEFAULT_REGION", "ap-south-1", 1);
  auto d = S3OptionsFromSettings(Settings({}));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->region, "ap-south-1");
  ::setenv("AWS_REGION", "eu-central-1", 1);
  EXPECT_EQ(S3OptionsFromSettings(Settings({}))->region, "eu-central-1");
  ::unsetenv("AWS_REGION");
  ::unsetenv("AWS_DEFAULT_REGION");
  EXPECT_EQ(S3OptionsFromSettings(Settings({}))->region, "us-east-1");
  EXPECT_EQ(d->create_only, S3CreateOnly::kAuto);
  EXPECT_FALSE(d->path_style.has_value());

  auto o = S3OptionsFromSettings(Settings({{"region", "eu-west-1"},
                                           {"endpoint", "http://127.0.0.1:7070"},
                                           {"path_style", "false"},
                                           {"storage_class", "STANDARD_IA"},
                                           {"create_only", "check-then-put"},
                                           {"access_key_id", "AKIDEXAMPLE"},
                                           {"secret_access_key_env", "MY_S3_SECRET"},
                                           {"profile", "backup"}}));
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->region, "eu-west-1");
  EXPECT_EQ(o->endpoint, "http://127.0.0.1:7070");
  EXPECT_EQ(o->path_style, false);
  EXPECT_EQ(o->storage_class, "STANDARD_IA");
  EXPECT_EQ(o->create_only, S3CreateOnly::kCheckThenPut);
  EXPECT_EQ(o->credentials.access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(o->credentials.secret_access_key_env, "MY_S3_SECRET");
  EXPECT_EQ(o->credentials.profile, "backup");
}

TEST(S3Settings, ErrorsNameTheFileAndTheKey) {
  struct Case {
    std::map<std::string, std::string> s3;
    std::string key, says;
  };
  const std::vector<Case> cases = {
      {{{"regoin", "x"}}, "vault.s3.regoin", "unknown key"},
      {{{"secret_access_key", "wJalr"}},
       "vault.s3.secret_access_key",
       "secrets never go into cassvault.yaml"},
      {{{"session_token", "tok"}}, "vault.s3.session_token", "session_token_env"},
      {{{"region", "EU West"}}, "vault.s3.region", "not a region name"},
      {{{"endpoint", "127.0.0.1:7070"}}, "vault.s3.endpoint", "https://"},
      {{{"path_style", "maybe"}}, "vault.s3.path_style", "true or false"},
      {{{"storage_class", "cheap"}}, "vault.s3.storage_class", "STANDARD"},
      {{{"create_only", "yes"}}, "vault.s3.create_only", "auto, native or check-then-put"},
      {{{"access_key_id", "AKID"}}, "vault.s3.secret_access_key_env", "environment variable"},
      {{{"secret_access_key_env", "X"}}, "vault.s3.access_key_id", "required"},
      {{{"access_key_id", "AKID"}, {"secret_access_key_env", "wJalr/K7+X"}},
       "vault.s3.secret_access_key_env",
       "NAME of an environment variable"},
  };
  for (const auto& c : cases) {
    auto o = S3OptionsFromSettings(Settings(c.s3));
    ASSERT_FALSE(o.ok()) << c.key;
    const std::string& m = o.status().message();
    EXPECT_EQ(o.status().code(), StatusCode::kInvalidArgument) << m;
    EXPECT_EQ(m.rfind("/etc/cassvault/cassvault.yaml: key '" + c.key + "'", 0), 0u) << m;
    EXPECT_NE(m.find(c.says), std::string::npos) << m;
  }
  // The value of a secret written into the yaml by mistake is not repeated back.
  auto leaked = S3OptionsFromSettings(Settings({{"secret_access_key", "wJalrXUtnFEMI"}}));
  EXPECT_EQ(leaked.status().message().find("wJalrXUtnFEMI"), std::string::npos);
}

TEST(S3Registry, S3UrlsReachTheBackendAndBadSettingsStopThere) {
  auto bad = OpenStore("s3://bucket/v", Settings({{"create_only", "never"}}), false);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("vault.s3.create_only"), std::string::npos);
  auto unknown = OpenStore("gs://bucket/v", Settings({}), false);
  EXPECT_NE(unknown.status().message().find("s3://BUCKET/PREFIX"), std::string::npos);
  // Opening makes no request and resolves no credentials yet.
  auto ok = OpenStore("s3://bucket/v", Settings({{"endpoint", "http://127.0.0.1:9"}}), false);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)->Describe(), "s3://bucket/v");
}

TEST(S3Xml, ParsesAListObjectsV2Page) {
  const char* xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>v/</Prefix>
<KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>
<Contents><Key>v/packs/a&amp;b</Key><LastModified>2026-11-25T00:00:00.000Z</LastModified>
<ETag>&quot;abc&quot;</ETag><Size>1234</Size><StorageClass>STANDARD</StorageClass></Contents>
<Contents><Key>v/IsTruncated</Key><Size>0</Size></Contents>
<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken></ListBucketResult>)";
  auto page = ParseListObjectsV2(xml);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "v/packs/a&b");
  EXPECT_EQ(page->objects[0].size, 1234u);
  EXPECT_EQ(page->objects[1].key, "v/IsTruncated");
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");

  auto last = ParseListObjectsV2("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->objects.empty());
  EXPECT_FALSE(last->truncated);
  EXPECT_FALSE(ParseListObjectsV2(ErrorXml("NoSuchBucket")).ok());
  EXPECT_FALSE(
      ParseListObjectsV2("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>").ok())
      << "a truncated page without a token would loop forever";
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><Contents><Key>k</Key><Size>x</Size></Contents>"
                                  "</ListBucketResult>")
                   .ok());
}

// ListMultipartUploads under a prefix also lists longer keys: only the exact key's uploads are ours.
TEST(S3Xml, LastModifiedVersionsAndRetention) {
  auto page = ParseListObjectsV2(
      "<ListBucketResult><Contents><Key>a</Key><LastModified>2026-12-06T13:34:39.000Z</LastModified>"
      "<Size>1</Size></Contents><Contents><Key>b</Key><Size>2</Size></Contents></ListBucketResult>");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->objects[0].modified, 1796564079);
  EXPECT_EQ(page->objects[1].modified, 0);  // absent: unknown, not an error

  // Versions and delete markers interleaved as versitygw writes them (markers first, nanoseconds).
  auto v = ParseListVersions(
      "<ListVersionsResult><DeleteMarker><IsLatest>true</IsLatest><Key>k</"
      "Key><LastModified>2026-12-06T13:36:42."
      "254861345Z</LastModified><VersionId>m1</VersionId></DeleteMarker><IsTruncated>false</IsTruncated>"
      "<Version><IsLatest>false</IsLatest><Key>k</Key><Size>5</Size><VersionId>v2</VersionId></Version>"
      "<Version><Key>kk</Key><VersionId>null</VersionId></Version></ListVersionsResult>");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_EQ(v->versions.size(), 3u);
  EXPECT_TRUE(v->versions[0].delete_marker);
  EXPECT_TRUE(v->versions[0].latest);
  EXPECT_EQ(v->versions[1].version_id, "v2");
  EXPECT_FALSE(v->versions[1].delete_marker);
  EXPECT_EQ(v->versions[2].key, "kk");
  EXPECT_FALSE(v->truncated);
  EXPECT_FALSE(
      ParseListVersions("<ListVersionsResult><IsTruncated>true</IsTruncated></ListVersionsResult>").ok());
  EXPECT_FALSE(ParseListVersions(ErrorXml("AccessDenied")).ok());

  EXPECT_EQ(RetentionXml("COMPLIANCE", "2027-01-01T00:00:00Z"),
            "<Retention xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Mode>COMPLIANCE</Mode>"
            "<RetainUntilDate>2027-01-01T00:00:00Z</RetainUntilDate></Retention>");
  auto r = ParseRetention(
      "<ObjectLockRetention><Mode>GOVERNANCE</Mode><RetainUntilDate>2027-01-01T00:00:00Z</RetainUntilDate>"
      "</ObjectLockRetention>");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->mode, "GOVERNANCE");
  EXPECT_EQ(r->until, 1798761600);
  EXPECT_FALSE(ParseRetention("<Retention><Mode>GOVERNANCE</Mode></Retention>").ok());
  EXPECT_TRUE(
      ObjectLockEnabled("<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled>"
                        "</ObjectLockConfiguration>"));
  EXPECT_FALSE(ObjectLockEnabled("<ObjectLockConfiguration></ObjectLockConfiguration>"));
  EXPECT_EQ(VersioningStatus("<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"),
            "Enabled");
  EXPECT_EQ(VersioningStatus("<VersioningConfiguration></VersioningConfiguration>"), "");
}

TEST(S3Xml, UploadsOfExactlyOneKey) {
  auto ids = ParseUploadsOfKey(
      "<?xml version=\"1.0\"?><ListMultipartUploadsResult><Bucket>b</Bucket>"
      "<Upload><Key>v/packs/ab/k</Key><UploadId>one</UploadId></Upload>"
      "<Upload><Key>v/packs/ab/k2</Key><UploadId>other-key</UploadId></Upload>"
      "<Upload><Key>v/packs/ab/k</Key><UploadId>t&amp;wo</UploadId></Upload>"
      "</ListMultipartUploadsResult>",
      "v/packs/ab/k");
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  EXPECT_EQ(*ids, (std::vector<std::string>{"one", "t&wo"}));
  EXPECT_FALSE(ParseUploadsOfKey(ErrorXml("AccessDenied"), "k").ok());
}

TEST(S3Xml, ErrorInitiateAndCompleteDocuments) {
  ErrorBody e = ParseErrorBody(ErrorXml("NoSuchKey", "The specified key does not exist.\nmore"));
  EXPECT_EQ(e.code, "NoSuchKey");
  EXPECT_EQ(e.message, "The specified key does not exist.");
  EXPECT_TRUE(IsErrorDocument(ErrorXml("InternalError")));
  EXPECT_FALSE(
      IsErrorDocument("<?xml version=\"1.0\"?><CompleteMultipartUploadResult><ETag>x</ETag>"
                      "</CompleteMultipartUploadResult>"));
  auto id = ParseUploadId(R"(<?xml version="1.0" encoding="UTF-8"?>
<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>b</Bucket><Key>k</Key>
<UploadId>VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId></InitiateMultipartUploadResult>)");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(*id, "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA");
  EXPECT_FALSE(ParseUploadId(ErrorXml("AccessDenied")).ok());
  EXPECT_EQ(
      CompleteMultipartXml({"\"a1\"", "\"b&2\""}),
      "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Part><PartNumber>1</PartNumber><ETag>&quot;a1&quot;</ETag></Part>"
      "<Part><PartNumber>2</PartNumber><ETag>&quot;b&amp;2&quot;</ETag></Part></CompleteMultipartUpload>");
  EXPECT_NE(CreateBucketXml("eu-west-1").find("<LocationConstraint>eu-west-1</LocationConstraint>"),
            std::string::npos);
  EXPECT_EQ(XmlUnescape("a&#x41;&#66;&lt;&unknown;"), "aAB<&unknown;");
}

TEST(S3Errors, CodesFollowWhatTheCallerDoesNext) {
  const ErrorContext ctx{
      .bucket = "vault", .region = "eu-west-1", .credential_source = "environment (AWS_ACCESS_KEY_ID)"};
  auto map = [&](S3Op op, long status, std::string body, std::vector<http::Header> h = {}) {
    return S3Error(op, "s3://vault/v/config", ctx, Resp(status, std::move(body), std::move(h)));
  };
  Status denied = map(S3Op::kPutObject, 403, ErrorXml("AccessDenied"), {{"x-amz-request-id", "R1"}});
  EXPECT_EQ(denied.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(
      denied.message(),
      "s3://vault/v/config: PutObject failed: HTTP 403 AccessDenied (request id R1): the identity (the "
      "credentials from environment (AWS_ACCESS_KEY_ID)) probably lacks s3:PutObject on bucket 'vault'");
  EXPECT_NE(map(S3Op::kListObjectsV2, 403, "").message().find("s3:ListBucket"), std::string::npos);
  EXPECT_NE(map(S3Op::kGetObject, 403, "").message().find("s3:GetObject"), std::string::npos);
  EXPECT_NE(map(S3Op::kDeleteObject, 403, "").message().find("s3:DeleteObject"), std::string::npos);

  // The body of a signature error quotes the string to sign and the key id: only the code is kept.
  Status sig = map(S3Op::kGetObject, 403,
                   ErrorXml("SignatureDoesNotMatch", "AWSAccessKeyId AKIDSECRETISH StringToSign AWS4-HMAC"));
  EXPECT_EQ(sig.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(sig.message().find("SignatureDoesNotMatch"), std::string::npos);
  EXPECT_NE(sig.message().find("secret access key does not match"), std::string::npos);
  EXPECT_EQ(sig.message().find("AKIDSECRETISH"), std::string::npos) << sig.message();
  EXPECT_EQ(sig.message().find("AWS4-HMAC"), std::string::npos) << sig.message();

  Status nobucket = map(S3Op::kListObjectsV2, 404, ErrorXml("NoSuchBucket"));
  EXPECT_TRUE(nobucket.IsNotFound());
  EXPECT_NE(nobucket.message().find("bucket 'vault' does not exist: create it, or run `cassvault init`"),
            std::string::npos);
  EXPECT_TRUE(map(S3Op::kGetObject, 404, ErrorXml("NoSuchKey")).IsNotFound());
  EXPECT_EQ(map(S3Op::kGetObject, 400, ErrorXml("ExpiredToken")).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(map(S3Op::kGetObject, 403, ErrorXml("InvalidAccessKeyId")).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(map(S3Op::kGetObject, 403, ErrorXml("RequestTimeTooSkewed")).code(),
            StatusCode::kFailedPrecondition);
  Status region = map(S3Op::kGetObject, 301, "", {{"x-amz-bucket-region", "us-west-2"}});
  EXPECT_EQ(region.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(region.message().find("but in 'us-west-2': set vault.s3.region"), std::string::npos)
      << region.message();
  EXPECT_TRUE(map(S3Op::kPutObject, 409, ErrorXml("ConditionalRequestConflict")).IsRetryable());
  EXPECT_TRUE(map(S3Op::kPutObject, 400, ErrorXml("XAmzContentSHA256Mismatch")).IsRetryable());
  EXPECT_EQ(map(S3Op::kPutObject, 503, ErrorXml("SlowDown")).code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(map(S3Op::kPutObject, 500, ErrorXml("InternalError")).IsRetryable());
  EXPECT_EQ(map(S3Op::kPutObject, 501, ErrorXml("NotImplemented")).code(), StatusCode::kNotSupported);
  EXPECT_TRUE(map(S3Op::kCreateBucket, 409, ErrorXml("BucketAlreadyOwnedByYou")).IsAlreadyExists());
  Status bad = map(S3Op::kPutObject, 400, ErrorXml("EntityTooSmall", "Your proposed upload is smaller"));
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("Your proposed upload is smaller"), std::string::npos);
}

TEST(S3Multipart, PartSizeGrowsToStayWithinTenThousandParts) {
  EXPECT_EQ(PartSizeFor(100ull << 20, 16ull << 20), 16ull << 20);
  EXPECT_EQ(PartSizeFor(100ull << 20, 1ull << 20), 5ull << 20) << "S3's minimum part size";
  const uint64_t huge = 400ull << 30;  // 400 GiB: 16 MiB parts would be 25,600
  const uint64_t part = PartSizeFor(huge, 16ull << 20);
  EXPECT_LE((huge + part - 1) / part, 10000u);
  EXPECT_EQ(part % (1ull << 20), 0u);
}

}  // namespace
}  // namespace cv::backends::s3
