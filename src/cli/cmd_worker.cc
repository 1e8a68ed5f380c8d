// `tcoder worker`: one compute machine. Claims jobs from the state store,
// runs FFmpeg, uploads outputs, reports to the control plane; SIGTERM or
// SIGINT stops it cleanly (the job in hand gets --stop-grace).
#include <signal.h>

#include <chrono>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/redis_flags.h"
#include "common/log.h"
#include "common/secrets.h"
#include "state/redis_client.h"
#include "worker/worker_loop.h"

namespace tcoder::cli {
namespace {

worker::StopSignal g_stop;

extern "C" void OnStopSignal(int /*sig*/) { g_stop.Request(); }

void InstallSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

struct WorkerFlags {
  std::string redis_url = "redis://127.0.0.1:6379";
  std::string s3_endpoint = "http://127.0.0.1:9000";
  std::string s3_access_key, s3_secret_key, internal_secret;
  std::string machine_id;
  std::string control_url = "http://127.0.0.1:8787";
  std::string work_dir;
  std::string region = "us-east-1";
  bool s3_path_style = true;
  Duration lease{std::chrono::seconds(30)};
  Duration job_timeout{std::chrono::hours(2)};
  Duration stop_grace{std::chrono::seconds(30)};
  Duration exit_when_idle{std::chrono::milliseconds(0)};
};

void AddFlags(FlagSet& flags, WorkerFlags& f) {
  flags.Add("redis-url", f.redis_url, "State store (redis://[:password@]host:port[/db])");
  flags.Add("s3-endpoint", f.s3_endpoint, "Object storage endpoint");
  flags.Add("s3-access-key", f.s3_access_key, "S3 access key (default: the data dir's)");
  flags.Add("s3-secret-key", f.s3_secret_key, "S3 secret key (default: the data dir's)");
  flags.Add("region", f.region, "S3 region for signing (auto for R2)");
  flags.Add("s3-path-style", f.s3_path_style, "Path-style S3 URLs (true) or virtual-hosted bucket.host ones (false)");
  flags.Add("machine-id", f.machine_id, "This machine's id in the pool (default: a new one, registered)");
  flags.Add("control-url", f.control_url, "Control plane for completion reports (empty: none)");
  flags.Add("internal-secret", f.internal_secret, "Signs completion reports (default: the data dir's)");
  flags.Add("lease", f.lease, "Job lease; heartbeats renew it (e.g. 30s)");
  flags.Add("job-timeout", f.job_timeout, "Hard wall-clock limit per job (e.g. 2h)");
  flags.Add("stop-grace", f.stop_grace, "On SIGTERM, time to finish the job in hand before handing it back");
  flags.Add("work-dir", f.work_dir, "Root of the job temp directories (default: the system temp dir)");
  flags.Add("exit-when-idle", f.exit_when_idle,
            "Leave the pool and exit after this long without a job, e.g. 10m (0: never; for cloud machines)");
}

// Fills the secrets not given as flags from the data dir.
Status FillSecrets(const std::string& data_dir, WorkerFlags& f) {
  const bool need_internal = !f.control_url.empty() && f.internal_secret.empty();
  if (!f.s3_access_key.empty() && !f.s3_secret_key.empty() && !need_internal) return Status::Ok();
  auto secrets = LoadSecrets(data_dir);
  if (!secrets.ok()) return secrets.status().WithContext("secrets not given as flags");
  if (f.s3_access_key.empty()) f.s3_access_key = secrets->s3_access_key;
  if (f.s3_secret_key.empty()) f.s3_secret_key = secrets->s3_secret_key;
  if (need_internal) f.internal_secret = secrets->internal_secret;
  return Status::Ok();
}

worker::WorkerOptions ToOptions(const WorkerFlags& f) {
  worker::WorkerOptions o;
  o.redis_url = f.redis_url;
  o.machine_id = f.machine_id;
  o.s3.endpoint = f.s3_endpoint;
  o.s3.region = f.region;
  o.s3.path_style = f.s3_path_style;
  o.s3.credentials = {f.s3_access_key, f.s3_secret_key};
  o.runner.work_dir = f.work_dir;
  o.control_url = f.control_url;
  o.internal_secret = f.internal_secret;
  o.lease = f.lease.value;
  o.job_timeout = f.job_timeout.value;
  o.stop_grace = f.stop_grace.value;
  o.exit_when_idle = f.exit_when_idle.value;
  return o;
}

}  // namespace

int RunWorker(int argc, char** argv) {
  FlagSet flags("worker", "Compute plane: claim jobs, run FFmpeg, upload outputs, report");
  WorkerFlags f;
  AddFlags(flags, f);
  state::RedisTlsOptions redis_tls;
  AddRedisTlsFlags(flags, redis_tls);
  if (auto code = flags.Parse(argc, argv)) return *code;
  if (Status s = log::Init("worker", flags.common().log_level); !s.ok()) {
    std::cerr << "tcoder worker: " << s.message() << "\n";
    return 2;
  }
  ApplyRedisTls(redis_tls);
  state::SetDefaultRedisClientName(f.machine_id.empty() ? "tcoder-worker" : "tcoder-worker-" + f.machine_id);
  if (Status s = FillSecrets(flags.common().data_dir, f); !s.ok()) {
    std::cerr << "tcoder worker: " << s.message() << " (give --s3-access-key, --s3-secret-key, --internal-secret)\n";
    return 2;
  }
  InstallSignalHandlers();
  auto loop = worker::WorkerLoop::Create(ToOptions(f), g_stop);
  if (!loop.ok()) {
    std::cerr << "tcoder worker: " << loop.status().ToString() << "\n";
    return 1;
  }
  if (Status s = (*loop)->Run(); !s.ok()) {
    log::Error("worker failed", {{"error", s.ToString()}});
    return 1;
  }
  return 0;
}

}  // namespace tcoder::cli
