// Micro-benchmarks of the per-byte primitives of vault formats v1 and v2, to compare them on this machine:
//   cmake --preset release -DCASSVAULT_BENCH=ON && cmake --build --preset release --target crypto_bench
//   build/release/bench/micro/crypto_bench
// bench/run stays the record for whole backups against the peers.
#include <benchmark/benchmark.h>

#include "crypto/blake3_hash.h"
#include "crypto/crypto.h"
#include "crypto/object_sealer.h"

namespace cv::crypto {
namespace {

Bytes Data(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 2654435761u >> 13);
  return b;
}

void BM_HmacSha256(benchmark::State& state) {  // v1 blob id
  const Bytes data = Data(static_cast<size_t>(state.range(0)));
  HmacSha256 h(Bytes(32, 1));
  for (auto _ : state) benchmark::DoNotOptimize(h.Compute(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void BM_Sha256(benchmark::State& state) {  // v1 pack name
  const Bytes data = Data(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(Sha256(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void BM_Blake3Keyed(benchmark::State& state) {  // v2 blob id
  const Bytes data = Data(static_cast<size_t>(state.range(0)));
  Hash32 key{};
  Blake3 h(key);
  for (auto _ : state) {
    h.Update(data);
    benchmark::DoNotOptimize(h.Finish());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void BM_AeadSeal(benchmark::State& state) {  // v1 sealing
  const Bytes data = Data(static_cast<size_t>(state.range(0)));
  Aead aead(Bytes(32, 2));
  Bytes out;
  for (auto _ : state) benchmark::DoNotOptimize(aead.Seal(data, {}, &out));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void BM_ObjectSealerSeal(benchmark::State& state) {  // v2 sealing: a subkey per message
  const Bytes data = Data(static_cast<size_t>(state.range(0)));
  ObjectSealer sealer(Bytes(32, 3));
  Bytes out;
  for (auto _ : state) benchmark::DoNotOptimize(sealer.Seal(data, {}, &out));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

BENCHMARK(BM_HmacSha256)->Arg(4 << 20);
BENCHMARK(BM_Sha256)->Arg(4 << 20);
BENCHMARK(BM_Blake3Keyed)->Arg(4 << 20)->Arg(4 << 10);
BENCHMARK(BM_AeadSeal)->Arg(4 << 20)->Arg(4 << 10);
BENCHMARK(BM_ObjectSealerSeal)->Arg(4 << 20)->Arg(4 << 10)->Arg(64);

}  // namespace
}  // namespace cv::crypto

BENCHMARK_MAIN();
