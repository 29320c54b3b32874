// src/vault/crash_point.h — named points where tests kill the process (kill -9 semantics), to prove
// that a crash anywhere leaves the vault consistent. Armed only by the environment variable
// CASSVAULT_TEST_CRASH_AT=<name>[:<nth hit>]; a no-op otherwise, and always a no-op in a build without
// tests (CMake option CASSVAULT_CRASH_POINTS, on when CASSVAULT_TESTS is).
#pragma once

#include <string_view>

namespace cv::vault {

void CrashPoint(std::string_view name);

// Unit tests in one process (a forked child): arms `spec` ("<name>[:<nth hit>]") as the environment variable
// would, overriding it; "" disarms. A no-op in a build without crash points.
void ArmCrashPointForTest(std::string_view spec);

}  // namespace cv::vault
