// Only what needs no node: the integration tests exercise CQL against a live Cassandra.
#include "cassandra/cql_session.h"

#include <gtest/gtest.h>

namespace cv::cassandra {
namespace {

TEST(CqlSessionTest, ConnectionRefusedIsUnavailable) {
  CqlOptions options;
  options.host = "127.0.0.1";
  options.port = 1;  // nothing listens there
  options.username = "cassandra";
  options.password = "s3cret-pw";
  options.connect_timeout_ms = 2000;
  Result<std::unique_ptr<CqlSession>> s = CqlSession::Connect(options);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnavailable) << s.status().ToString();
  EXPECT_EQ(s.status().message().rfind("cql 127.0.0.1:1: ", 0), 0u) << s.status().message();
  EXPECT_EQ(s.status().message().find("s3cret-pw"), std::string::npos);
}

// TLS never falls back to an unverified connection: without a usable CA nothing is attempted.
TEST(CqlSessionTest, TlsWithoutAUsableCaIsRefusedBeforeConnecting) {
  CqlOptions options;
  options.port = 1;
  options.tls = true;
  Result<std::unique_ptr<CqlSession>> s = CqlSession::Connect(options);
  ASSERT_EQ(s.status().code(), StatusCode::kInvalidArgument) << s.status().ToString();
  options.tls_ca_pem = "not a certificate";
  s = CqlSession::Connect(options);
  ASSERT_EQ(s.status().code(), StatusCode::kInvalidArgument) << s.status().ToString();
  EXPECT_EQ(s.status().message(), "cql 127.0.0.1:1: node.cql.tls.ca_file holds no PEM certificate");
  options.tls_ca_pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  s = CqlSession::Connect(options);
  ASSERT_EQ(s.status().code(), StatusCode::kInvalidArgument) << s.status().ToString();
  EXPECT_EQ(s.status().message(),
            "cql 127.0.0.1:1: node.cql.tls.ca_file holds a certificate that does not parse");
}

}  // namespace
}  // namespace cv::cassandra
