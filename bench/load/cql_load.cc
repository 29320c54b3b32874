// cql_load: the fixed CQL load of `bench/run --under-load` (issue 16), on the Cassandra C++ driver.
//
//   cql_load populate  --rows 200000 --value-size 1000     keyspace (RF 1) + table, then the rows
//   cql_load calibrate --inflight 64 --seconds 15          closed loop: prints the most ops/s the node gives
//   cql_load run       --rate 3000 [--seconds S]           open loop until S or SIGINT/SIGTERM
//
// The workload: 80 % single-partition reads (SELECT v WHERE k = ?) and 20 % writes (INSERT of a ~1 KB value)
// on uniformly random keys of the populated range. `run` is an open loop: op i is scheduled at
// start + i / rate whatever happens to earlier ops, and its latency is measured from that scheduled time,
// so a stalled node shows up as latency rather than as fewer requests (no coordinated omission). At most
// --inflight ops are outstanding; an op that is more than --max-lag-ms late when a slot frees is shed
// (counted, never sent), so a backlog drains within seconds once the node recovers instead of spilling
// into the next measurement window.
//
// `run` prints one JSON line per wall-clock second (by completion time) to stdout or --out:
//   {"t": <unix second>, "ops": n, "errors": n, "shed": n, "hist": [[bucket, count], ...]}
// The histogram is log-linear with 1 % precision: bucket b holds latencies in [1.01^b, 1.01^(b+1))
// microseconds, and only non-empty buckets are listed, so any set of seconds merges by adding counts.
#include <cassandra.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

struct Options {
  std::string host = "127.0.0.1";
  int port = 9042;
  std::string keyspace = "cv_load";
  std::string table = "kv";
  int64_t rows = 200000;
  int value_size = 1000;
  double read_fraction = 0.8;
  double rate = 1000;
  double seconds = 0;  // run: 0 = until a signal
  int inflight = 256;
  int io_threads = 2;
  int max_lag_ms = 10000;
  int timeout_ms = 5000;
  std::string out;
  uint64_t seed = 1;
};

// A 1 % log-linear histogram of microseconds, sparse.
int Bucket(double micros) {
  static const double kLog = std::log(1.01);
  return static_cast<int>(std::floor(std::log(std::max(micros, 1.0)) / kLog));
}

struct Interval {
  uint64_t ops = 0;
  uint64_t errors = 0;
  uint64_t shed = 0;
  std::map<int, uint64_t> hist;
};

// Per-second figures keyed by the wall-clock second an op completed (or was shed) in.
class Recorder {
 public:
  void Record(double micros, bool ok) {
    const int64_t sec = NowUnix();
    std::lock_guard<std::mutex> lock(mu_);
    Interval& iv = seconds_[sec];
    if (ok) {
      ++iv.ops;
      ++iv.hist[Bucket(micros)];
    } else {
      ++iv.errors;  // errors and timeouts are counted, not timed
    }
  }
  void Shed() {
    const int64_t sec = NowUnix();
    std::lock_guard<std::mutex> lock(mu_);
    ++seconds_[sec].shed;
  }
  // Writes every second before `before` (all of them if before == INT64_MAX).
  void Flush(FILE* out, int64_t before) {
    std::map<int64_t, Interval> done;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto end = seconds_.lower_bound(before);
      done.insert(seconds_.begin(), end);
      seconds_.erase(seconds_.begin(), end);
    }
    for (const auto& [sec, iv] : done) {
      std::string line = "{\"t\": " + std::to_string(sec) + ", \"ops\": " + std::to_string(iv.ops) +
                         ", \"errors\": " + std::to_string(iv.errors) +
                         ", \"shed\": " + std::to_string(iv.shed) + ", \"hist\": [";
      bool first = true;
      for (const auto& [b, n] : iv.hist) {
        line += (first ? "[" : ", [") + std::to_string(b) + ", " + std::to_string(n) + "]";
        first = false;
      }
      line += "]}\n";
      std::fputs(line.c_str(), out);
    }
    std::fflush(out);
  }
  static int64_t NowUnix() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

 private:
  std::mutex mu_;
  std::map<int64_t, Interval> seconds_;
};

struct Session {
  CassCluster* cluster = nullptr;
  CassSession* session = nullptr;
  ~Session() {
    if (session) {
      CassFuture* f = cass_session_close(session);
      cass_future_wait(f);
      cass_future_free(f);
      cass_session_free(session);
    }
    if (cluster) cass_cluster_free(cluster);
  }
};

std::string FutureError(CassFuture* f) {
  const char* msg = nullptr;
  size_t len = 0;
  cass_future_error_message(f, &msg, &len);
  return std::string(msg, len);
}

bool Connect(const Options& o, Session& s) {
  s.cluster = cass_cluster_new();
  cass_cluster_set_contact_points(s.cluster, o.host.c_str());
  cass_cluster_set_port(s.cluster, o.port);
  cass_cluster_set_num_threads_io(s.cluster, static_cast<unsigned>(o.io_threads));
  cass_cluster_set_request_timeout(s.cluster, static_cast<unsigned>(o.timeout_ms));
  cass_cluster_set_core_connections_per_host(s.cluster, 1);
  // The default queue (8192) must hold every op we may have outstanding.
  cass_cluster_set_queue_size_io(s.cluster, static_cast<unsigned>(std::max(8192, o.inflight * 2)));
  cass_log_set_level(CASS_LOG_ERROR);
  s.session = cass_session_new();
  CassFuture* f = cass_session_connect(s.session, s.cluster);
  const bool ok = cass_future_error_code(f) == CASS_OK;
  if (!ok)
    std::fprintf(stderr, "cql_load: cannot connect to %s:%d: %s\n", o.host.c_str(), o.port,
                 FutureError(f).c_str());
  cass_future_free(f);
  return ok;
}

bool Execute(CassSession* session, const std::string& cql) {
  CassStatement* st = cass_statement_new(cql.c_str(), 0);
  CassFuture* f = cass_session_execute(session, st);
  const bool ok = cass_future_error_code(f) == CASS_OK;
  if (!ok) std::fprintf(stderr, "cql_load: %s: %s\n", cql.c_str(), FutureError(f).c_str());
  cass_future_free(f);
  cass_statement_free(st);
  return ok;
}

const CassPrepared* Prepare(CassSession* session, const std::string& cql) {
  CassFuture* f = cass_session_prepare(session, cql.c_str());
  const CassPrepared* p = nullptr;
  if (cass_future_error_code(f) == CASS_OK) {
    p = cass_future_get_prepared(f);
  } else {
    std::fprintf(stderr, "cql_load: prepare %s: %s\n", cql.c_str(), FutureError(f).c_str());
  }
  cass_future_free(f);
  return p;
}

// The load itself: prepared statements, a random-bytes pool values are sliced from, an in-flight count.
class Load {
 public:
  Load(const Options& o, CassSession* session) : o_(o), session_(session), rng_(o.seed) {
    pool_.resize(1 << 20);
    for (auto& c : pool_) c = static_cast<cass_byte_t>(rng_());
  }
  ~Load() {
    if (read_) cass_prepared_free(read_);
    if (write_) cass_prepared_free(write_);
  }
  bool Prepare() {
    const std::string t = o_.keyspace + "." + o_.table;
    read_ = ::Prepare(session_, "SELECT v FROM " + t + " WHERE k = ?");
    write_ = ::Prepare(session_, "INSERT INTO " + t + " (k, v) VALUES (?, ?)");
    return read_ && write_;
  }

  struct Op {
    Load* load;
    Clock::time_point scheduled;
  };

  // Sends one op (a write if `write`, else a read) of a random key; `scheduled` is when it was due.
  void Issue(bool write, int64_t key, Clock::time_point scheduled) {
    CassStatement* st = cass_prepared_bind(write ? write_ : read_);
    cass_statement_bind_int64(st, 0, key);
    if (write) {
      const size_t off =
          static_cast<size_t>(key * 7919) % (pool_.size() - static_cast<size_t>(o_.value_size));
      cass_statement_bind_bytes(st, 1, pool_.data() + off, static_cast<size_t>(o_.value_size));
    }
    inflight_.fetch_add(1);
    CassFuture* f = cass_session_execute(session_, st);
    cass_statement_free(st);
    cass_future_set_callback(f, &Load::Done, new Op{this, scheduled});
    cass_future_free(f);
  }

  // A random op from the mix, for the run and calibrate loops (one caller thread at a time).
  void IssueRandom(Clock::time_point scheduled) {
    bool write = false;
    int64_t key = 0;
    {
      std::lock_guard<std::mutex> lock(rng_mu_);
      write = std::uniform_real_distribution<double>(0, 1)(rng_) >= o_.read_fraction;
      key = std::uniform_int_distribution<int64_t>(0, o_.rows - 1)(rng_);
    }
    Issue(write, key, scheduled);
  }

  int Inflight() const { return inflight_.load(); }
  void WaitBelow(int limit) {
    std::unique_lock<std::mutex> lock(cv_mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(50), [&] { return inflight_.load() < limit; });
  }
  void Drain(std::chrono::milliseconds max) {
    const auto until = Clock::now() + max;
    while (inflight_.load() > 0 && Clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  Recorder recorder;
  // Closed loop (calibrate): each completion sends the next op while this is set.
  std::atomic<bool> closed_loop{false};
  std::atomic<uint64_t> completed{0};
  std::atomic<uint64_t> failed{0};

 private:
  static void Done(CassFuture* f, void* data) {
    std::unique_ptr<Op> op(static_cast<Op*>(data));
    const bool ok = cass_future_error_code(f) == CASS_OK;
    const double micros = std::chrono::duration<double, std::micro>(Clock::now() - op->scheduled).count();
    Load* self = op->load;
    self->recorder.Record(micros, ok);
    (ok ? self->completed : self->failed).fetch_add(1);
    if (self->closed_loop.load() && !g_stop.load()) {
      self->IssueRandom(Clock::now());  // before releasing the slot: the in-flight count stays constant
    }
    self->inflight_.fetch_sub(1);
    self->cv_.notify_one();
  }

  const Options& o_;
  CassSession* session_;
  const CassPrepared* read_ = nullptr;
  const CassPrepared* write_ = nullptr;
  std::mt19937_64 rng_;
  std::mutex rng_mu_;
  std::vector<cass_byte_t> pool_;
  std::atomic<int> inflight_{0};
  std::mutex cv_mu_;
  std::condition_variable cv_;
};

int Populate(const Options& o, CassSession* s) {
  if (!Execute(s, "CREATE KEYSPACE IF NOT EXISTS " + o.keyspace +
                      " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}") ||
      !Execute(s, "CREATE TABLE IF NOT EXISTS " + o.keyspace + "." + o.table +
                      " (k bigint PRIMARY KEY, v blob)")) {
    return 1;
  }
  Load load(o, s);
  if (!load.Prepare()) return 1;
  const auto t0 = Clock::now();
  for (int64_t k = 0; k < o.rows && !g_stop.load(); ++k) {
    while (load.Inflight() >= o.inflight) load.WaitBelow(o.inflight);
    load.Issue(true, k, Clock::now());
  }
  load.Drain(std::chrono::milliseconds(60000));
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const uint64_t bad = load.failed.load();
  std::printf("{\"populated\": %lld, \"errors\": %llu, \"seconds\": %.2f}\n", static_cast<long long>(o.rows),
              static_cast<unsigned long long>(bad), secs);
  if (bad > 0) std::fprintf(stderr, "cql_load: %llu inserts failed\n", static_cast<unsigned long long>(bad));
  return bad > 0 ? 1 : 0;
}

int Calibrate(const Options& o, CassSession* s) {
  Load load(o, s);
  if (!load.Prepare()) return 1;
  load.closed_loop.store(true);
  const auto t0 = Clock::now();
  for (int i = 0; i < o.inflight; ++i) load.IssueRandom(Clock::now());
  const auto end = t0 + std::chrono::duration<double>(o.seconds > 0 ? o.seconds : 15);
  while (Clock::now() < end && !g_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const uint64_t done = load.completed.load() + load.failed.load();
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  load.closed_loop.store(false);
  load.Drain(std::chrono::milliseconds(10000));
  std::printf(
      "{\"calibrate\": {\"ops_per_s\": %.1f, \"inflight\": %d, \"seconds\": %.2f, \"errors\": %llu}}\n",
      static_cast<double>(done) / secs, o.inflight, secs,
      static_cast<unsigned long long>(load.failed.load()));
  return 0;
}

int Run(const Options& o, CassSession* s) {
  FILE* out = stdout;
  if (!o.out.empty()) {
    out = std::fopen(o.out.c_str(), "a");
    if (!out) {
      std::fprintf(stderr, "cql_load: cannot open %s: %s\n", o.out.c_str(), std::strerror(errno));
      return 1;
    }
  }
  Load load(o, s);
  if (!load.Prepare()) return 1;
  // The reporter writes each second once it is over (plus a little slack for callbacks in flight).
  std::thread reporter([&] {
    while (!g_stop.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      load.recorder.Flush(out, Recorder::NowUnix() - 1);
    }
  });
  const auto t0 = Clock::now();
  const auto period = std::chrono::duration<double>(1.0 / o.rate);
  const auto max_lag = std::chrono::milliseconds(o.max_lag_ms);
  const auto end =
      o.seconds > 0
          ? t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds))
          : Clock::time_point::max();
  uint64_t i = 0;
  while (!g_stop.load()) {
    const auto due = t0 + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(i));
    if (due >= end) break;
    auto now = Clock::now();
    if (due > now) {
      std::this_thread::sleep_until(due);
      now = due;
    }
    while (load.Inflight() >= o.inflight && !g_stop.load()) load.WaitBelow(o.inflight);
    if (Clock::now() - due > max_lag) {
      load.recorder.Shed();
    } else {
      load.IssueRandom(due);
    }
    ++i;
  }
  load.Drain(std::chrono::milliseconds(o.timeout_ms + 1000));
  g_stop.store(true);
  reporter.join();
  load.recorder.Flush(out, INT64_MAX);
  if (out != stdout) std::fclose(out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"cql_load: the fixed CQL load of bench/run --under-load (issue 16)"};
  app.require_subcommand(1);
  auto common = [&](CLI::App* c) {
    c->add_option("--host", o.host, "contact point");
    c->add_option("--port", o.port, "CQL port");
    c->add_option("--keyspace", o.keyspace, "the load's own keyspace (RF 1)");
    c->add_option("--table", o.table, "the load table");
    c->add_option("--rows", o.rows,
                  "keys 0..rows-1 (populate writes them all; reads and writes pick uniformly)");
    c->add_option("--value-size", o.value_size, "bytes per written value");
    c->add_option("--read-fraction", o.read_fraction, "share of reads in the mix");
    c->add_option("--inflight", o.inflight, "most ops outstanding (calibrate: exactly this many)");
    c->add_option("--io-threads", o.io_threads, "driver I/O threads");
    c->add_option("--timeout-ms", o.timeout_ms, "request timeout (a timeout counts as an error)");
    c->add_option("--seed", o.seed, "random seed");
  };
  CLI::App* populate = app.add_subcommand("populate", "create the keyspace and table, write every row");
  CLI::App* calibrate = app.add_subcommand("calibrate", "closed loop: the most ops/s the node serves");
  CLI::App* run = app.add_subcommand("run", "open loop at --rate, one JSON line per second");
  for (CLI::App* c : {populate, calibrate, run}) common(c);
  calibrate->add_option("--seconds", o.seconds, "how long (default 15)");
  run->add_option("--rate", o.rate, "target ops/s")->required();
  run->add_option("--seconds", o.seconds, "how long (default: until SIGINT/SIGTERM)");
  run->add_option("--max-lag-ms", o.max_lag_ms, "shed an op this late when a slot frees");
  run->add_option("--out", o.out, "append the per-second lines here (default stdout)");
  CLI11_PARSE(app, argc, argv);
  if (o.rows < 1 || o.value_size < 1 || o.value_size > (1 << 19) || o.inflight < 1 || o.rate <= 0) {
    std::fprintf(stderr,
                 "cql_load: --rows, --value-size (<= 512 KiB), --inflight and --rate must be positive\n");
    return 2;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  Session s;
  if (!Connect(o, s)) return 1;
  if (*populate) return Populate(o, s.session);
  if (*calibrate) return Calibrate(o, s.session);
  return Run(o, s.session);
}
