// src/ops/lease_holder.h — how a process names itself in a lease it holds ("prune pid 123 on db1"), and the
// test that lets the next process take over a lease whose holder died on this host (kill -9, OOM, a crash):
// without it a killed prune would block the next one until its lease expired.
#pragma once

#include <string>
#include <string_view>

namespace cv::ops {

// "<what> pid <pid> on <host>".
std::string LeaseHolderDescription(std::string_view what);
// True when `description` names a pid on this host (LeaseHolderDescription's shape) that is not running.
// A holder on another host, or a description of another shape, is never called dead.
bool HolderIsDeadHere(const std::string& description);

}  // namespace cv::ops
