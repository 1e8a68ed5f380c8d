#include "state/queue_bench.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "common/crypto.h"
#include "common/process.h"
#include "common/temp_dir.h"
#include "state/job_store.h"
#include "state/queue.h"

namespace tcoder::state {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// A private redis-server on a unix socket, gone with this object.
struct PrivateRedis {
  TempDir dir;
  Subprocess process;
  std::string url;
};

Result<PrivateRedis> StartPrivateRedis() {
  auto dir = TempDir::Create("tcoder-bench-redis");
  if (!dir.ok()) return dir.status();
  const std::string sock = (dir->path() / "redis.sock").string();
  ProcessSpec spec;
  spec.argv = {"redis-server", "--port", "0",     "--unixsocket",      sock, "--save", "",
               "--appendonly", "no",     "--dir", dir->path().string()};
  spec.stdout_mode = StdStream::kNull;
  spec.stderr_mode = StdStream::kNull;
  auto proc = Subprocess::Spawn(spec);
  if (!proc.ok()) return proc.status().WithContext("starting redis-server");
  const std::string url = "unix://" + sock;
  for (int i = 0; i < 200; ++i) {
    if (RedisClient::Connect(url).ok()) return PrivateRedis{std::move(*dir), std::move(*proc), url};
    std::this_thread::sleep_for(milliseconds(25));
  }
  return Unavailable("private redis-server did not start");
}

JobSpec BenchSpec(int i) {
  JobSpec spec;
  spec.filename = "bench.mp4";
  spec.input_key = "bench/" + std::to_string(i);
  return spec;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const size_t idx = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[idx];
}

// One claimer waits (blocking) for each job; the main thread enqueues one job
// at a time after the claimer is blocked and records enqueue -> claim.
Result<std::vector<double>> MeasurePickup(const std::string& url, const Keys& keys, int samples) {
  auto producer = RedisClient::Connect(url);
  auto consumer = RedisClient::Connect(url);
  if (!producer.ok()) return producer.status();
  if (!consumer.ok()) return consumer.status();
  JobStore store(**producer, keys, {milliseconds(60000)});
  Queue queue(**consumer, keys, {.ended_ttl = milliseconds(60000)});
  std::mutex mu;
  std::condition_variable cv;
  Clock::time_point claimed_at;
  int claimed = 0;
  Status error;
  std::thread claimer([&] {
    for (int i = 0; i < samples; ++i) {
      auto lease = queue.Claim("", std::chrono::seconds(10));
      const auto at = Clock::now();
      Status s = !lease.ok() ? lease.status() : !*lease ? Unavailable("no job within 10 s") : Status::Ok();
      if (s.ok()) s = queue.Complete(**lease, {});
      std::lock_guard lock(mu);
      claimed_at = at;
      ++claimed;
      if (!s.ok()) error = s;
      cv.notify_one();
      if (!s.ok()) return;
    }
  });
  std::vector<double> latencies;
  for (int i = 0; i < samples && error.ok(); ++i) {
    std::this_thread::sleep_for(milliseconds(2));  // let the claimer block in BLPOP
    const auto start = Clock::now();
    if (Status s = store.Create(NewJobId(), BenchSpec(i), JobStatus::kPending); !s.ok()) error = s;
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return claimed > i || !error.ok(); });
    latencies.push_back(Ms(claimed_at - start));
  }
  claimer.join();
  if (!error.ok()) return error;
  return latencies;
}

// Enqueues `jobs`, then `concurrency` claimers claim and complete them all.
Result<double> MeasureThroughput(const std::string& url, const Keys& keys, int jobs, int concurrency) {
  auto producer = RedisClient::Connect(url);
  if (!producer.ok()) return producer.status();
  JobStore store(**producer, keys, {milliseconds(60000)});
  for (int i = 0; i < jobs; ++i) {
    if (Status s = store.Create(NewJobId(), BenchSpec(i), JobStatus::kPending); !s.ok()) return s;
  }
  std::atomic<int> done{0};
  std::mutex mu;
  Status error;
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&] {
      auto client = RedisClient::Connect(url);
      Status s = client.ok() ? Status::Ok() : client.status();
      std::optional<Queue> queue;
      if (s.ok()) queue.emplace(**client, keys, QueueOptions{.ended_ttl = milliseconds(60000)});
      // As a busy worker runs: claim, then each completion claims the next.
      Result<std::optional<Lease>> lease = s.ok() ? queue->TryClaim("") : Result<std::optional<Lease>>(s);
      while (lease.ok() && *lease) {
        lease = queue->CompleteAndClaim(**lease, {}, "");
        if (lease.ok()) done.fetch_add(1);
      }
      if (s.ok() && !lease.ok()) s = lease.status();
      std::lock_guard lock(mu);
      if (!s.ok()) error = s;
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = Ms(Clock::now() - start) / 1000.0;
  if (!error.ok()) return error;
  if (done.load() != jobs)
    return Internal("bench: completed " + std::to_string(done.load()) + " of " + std::to_string(jobs) + " jobs");
  return done.load() / seconds;
}

// Deletes the bench's keys (its prefix is private to this run).
Status Cleanup(const std::string& url, const Keys& keys) {
  auto client = RedisClient::Connect(url);
  if (!client.ok()) return client.status();
  std::string cursor = "0";
  do {
    auto r = (*client)->Command({"SCAN", cursor, "MATCH", keys.prefix() + "*", "COUNT", "1000"});
    if (!r.ok()) return r.status();
    cursor = r->elements[0].str;
    Argv del{"UNLINK"};
    for (const RedisValue& k : r->elements[1].elements) del.push_back(k.str);
    if (del.size() > 1) {
      if (auto d = (*client)->Command(del); !d.ok()) return d.status();
    }
  } while (cursor != "0");
  return Status::Ok();
}

}  // namespace

Result<QueueBenchResult> RunQueueBench(const QueueBenchOptions& options, std::ostream& out) {
  if (options.jobs < 1 || options.concurrency < 1 || options.latency_samples < 1) {
    return InvalidArgument("jobs, concurrency and samples must be positive");
  }
  std::optional<PrivateRedis> private_redis;
  std::string url = options.redis_url;
  if (url.empty()) {
    auto started = StartPrivateRedis();
    if (!started.ok()) return started.status();
    private_redis.emplace(std::move(*started));
    url = private_redis->url;
  }
  auto keys = Keys::ForDeployment("bench-" + crypto::Hex(crypto::RandomBytes(6)));
  if (!keys.ok()) return keys.status();
  const int samples = std::min(options.latency_samples, options.jobs);
  out << "method: redis " << (private_redis ? "private redis-server on a unix socket" : url) << "\n"
      << "method: pickup = enqueue (create pending job) -> Claim() returns in a claimer blocked in BLPOP; " << samples
      << " jobs one at a time, 2 ms apart\n"
      << "method: throughput = " << options.jobs << " jobs enqueued first, then " << options.concurrency
      << " threads (one connection each) claim, then complete-and-claim-next (one script) with no work until the queue "
         "is empty\n";
  auto latencies = MeasurePickup(url, *keys, samples);
  if (!latencies.ok()) return latencies.status();
  auto rate = MeasureThroughput(url, *keys, options.jobs, options.concurrency);
  if (!rate.ok()) return rate.status();
  if (Status s = Cleanup(url, *keys); !s.ok()) out << "warning: cleanup failed: " << s.ToString() << "\n";
  QueueBenchResult result{Percentile(*latencies, 0.50), Percentile(*latencies, 0.99), *rate};
  out << "pickup: p50 " << result.pickup_p50_ms << " ms, p99 " << result.pickup_p99_ms << " ms over " << samples
      << " jobs\nthroughput: " << result.jobs_per_s << " jobs/s with " << options.concurrency << " claimers\n";
  return result;
}

}  // namespace tcoder::state
