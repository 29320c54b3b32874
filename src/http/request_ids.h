// src/http/request_ids.h — who the cloud saw and which requests it logged, for the audit trail: the request
// ids storage services return (x-ms-request-id, x-amz-request-id, and x-ms-client-request-id when one was
// sent), so an audit record can be matched with the cloud's own logs, and the caller's Entra identity (object
// id, app id, tenant) as a backend read it from its token's claims. Neither is a secret: request ids are
// printed in every service's error messages, and claims name an identity, never grant one.
//
// Bounded: the collector keeps the last kKeptRequestIds ids of the process; a reader remembers a mark and
// asks for the ids noted since, at most a few. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cv::http {

struct Response;

inline constexpr size_t kKeptRequestIds = 256;

// Notes the request ids of a response (Client::Send calls it for every response).
void NoteRequestIds(const Response& response);
// The collector's position now: ids noted later are "since" it.
uint64_t RequestIdMark();
// Up to `max` of the ids noted after `mark`, the most recent ones, oldest first ("x-ms-request-id=<id>").
std::vector<std::string> RequestIdsSince(uint64_t mark, size_t max);

// The identity a backend authenticated as, from its access token's claims (attribution only: the token is
// not verified here, the service does that).
struct CallerIdentity {
  std::string object_id, app_id, tenant_id;
};
void NoteCallerIdentity(const CallerIdentity& who);
std::optional<CallerIdentity> LastCallerIdentity();

}  // namespace cv::http
