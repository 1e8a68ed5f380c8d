// `tcoder control`: the control plane (HTTP API, event intake, admission and
// machines, scheduler, webhooks) until SIGINT or SIGTERM.
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/redis_flags.h"
#include "cli/stop_signals.h"
#include "common/duration.h"
#include "common/log.h"
#include "common/secrets.h"
#include "control/control_plane.h"
#include "state/redis_client.h"

namespace tcoder::cli {
namespace {

struct ControlFlags {
  control::ControlOptions o;
  Secrets given;
  Duration idle_timeout{std::chrono::minutes(5)};
  Duration boot_timeout{std::chrono::seconds(30)};
  Duration upload_expiry{std::chrono::hours(1)};
  Duration upload_grace{std::chrono::minutes(5)};
  Duration upload_check_after{std::chrono::seconds(30)};
  Duration upload_check_every{std::chrono::seconds(5)};
  Duration tick{std::chrono::seconds(1)};
  Duration webhook_backoff{std::chrono::seconds(5)};
  Duration fly_exit_when_idle{std::chrono::minutes(30)};
  Duration cf_visibility_timeout{std::chrono::seconds(60)};
  Duration attempt_sweep_after{std::chrono::minutes(10)};
  Duration attempt_sweep_every{std::chrono::seconds(30)};
  std::string max_upload_size = "10GiB";
  std::string multipart_threshold = "100MiB";
  std::string multipart_part_size = "16MiB";
};

void AddFlags(FlagSet& f, ControlFlags& c) {
  control::ControlOptions& o = c.o;
  f.Add("port", o.port, "API port");
  f.Add("bind", o.bind, "Address to listen on");
  f.Add("threads", o.threads, "HTTP io threads (handlers await Redis; they never block on it)");
  f.Add("redis-url", o.redis_url, "Redis URL (redis://[:password@]host:port[/db])");
  f.Add("s3-endpoint", o.s3_endpoint, "S3 endpoint the control plane and workers use");
  f.Add("s3-public-endpoint", o.s3_public_endpoint,
        "S3 endpoint in presigned URLs for clients (default: --s3-endpoint)");
  f.Add("s3-access-key", c.given.s3_access_key, "S3 access key (default: the data dir's)");
  f.Add("s3-secret-key", c.given.s3_secret_key, "S3 secret key (default: the data dir's)");
  f.Add("region", o.region, "S3 region for signing (auto for R2)");
  f.Add("s3-path-style", o.s3_path_style, "Path-style S3 URLs (true) or virtual-hosted bucket.host ones (false)");
  f.Add("api-key", c.given.api_key, "API key for /api/* (default: the data dir's)");
  f.Add("webhook-secret", c.given.webhook_secret, "Client webhook signing secret, whsec_... (default: the data dir's)");
  f.Add("internal-secret", c.given.internal_secret, "Workers' completion report secret (default: the data dir's)");
  f.Add("events-token", o.events_token, "Token for POST /api/events/s3 (default: the API key)");
  f.Add("events-cf-queue", o.events_cf_queue,
        "Pull R2 event notifications from this Cloudflare Queue: ACCOUNT_ID/QUEUE_ID");
  f.Add("cf-api-token", o.cf_api_token, "Cloudflare API token with Queues read and write (for --events-cf-queue)");
  f.Add("cf-api-url", o.cf_api_url, "Cloudflare API base URL");
  f.Add("cf-visibility-timeout", c.cf_visibility_timeout, "A pulled message comes back after this unless acked");
  f.Add("edge-url", o.edge_url, "Base URL of the edge, for output URLs");
  f.Add("web-dir", o.web_dir, "Serve the web page from this directory (default: the page built into tcoder)");
  f.Add("max-machines", o.max_machines, "Most machines in the pool");
  f.Add("idle-timeout", c.idle_timeout, "Stop machines idle this long");
  f.Add("boot-timeout", c.boot_timeout, "Replace machines not up within this");
  f.Add("provider", o.provider, "Machine provider: local (child processes) or fly (Fly.io Machines)");
  f.Add("fly-app", o.fly_app, "fly: the Fly app the worker machines belong to");
  f.Add("fly-api-token", o.fly_api_token, "fly: Machines API token (default: $FLY_API_TOKEN)");
  f.Add("fly-image", o.fly_image, "fly: the worker image (deploy/fly/Dockerfile), e.g. registry.fly.io/app:tag");
  f.Add("fly-regions", o.fly_regions, "fly: regions in order of preference, e.g. iad,ord (default: Fly's choice)");
  f.Add("fly-guest", o.fly_guest, "fly: machine size, <cpu kind>:<cpus>:<memory MB>");
  f.Add("fly-api-url", o.fly_api_url, "fly: Machines API base URL");
  f.Add("fly-exit-when-idle", c.fly_exit_when_idle, "fly: machines exit after this long without a job");
  f.Add("provider-rate", o.provider_rate, "Provider calls per second");
  f.Add("max-pending", o.max_pending, "Pending jobs before new ones get 429");
  f.Add("max-upload-size", c.max_upload_size, "Largest upload (e.g. 10GiB)");
  f.Add("multipart-threshold", c.multipart_threshold, "Uploads larger than this go up in parts (multipart)");
  f.Add("multipart-part-size", c.multipart_part_size, "Part size of multipart uploads (at least 5MiB)");
  f.Add("upload-expiry", c.upload_expiry, "Presigned upload URLs are valid this long");
  f.Add("upload-grace", c.upload_grace, "After the URL expired, an upload that never came fails");
  f.Add("upload-check-after", c.upload_check_after, "Age before the sweep checks an upload's object");
  f.Add("upload-check-every", c.upload_check_every, "Then how often the sweep checks again while it is absent");
  f.Add("tick", c.tick, "Scheduler period");
  f.Add("attempt-sweep-after", c.attempt_sweep_after,
        "Remove a completed job's outputs of superseded attempts this long after it completed");
  f.Add("attempt-sweep-every", c.attempt_sweep_every, "How often that sweep runs");
  f.AddFlag("webhook-allow-private", o.webhook_allow_private, "Allow webhooks to private and loopback addresses");
  f.AddFlag("input-url-allow-private", o.input_url_allow_private,
            "Allow job input URLs on private and loopback addresses");
  f.Add("webhook-backoff", c.webhook_backoff, "First webhook retry delay (doubles each time)");
  f.Add("control-url", o.control_url, "URL workers report to (default: http://127.0.0.1:<port>)");
  f.Add("worker-log-level", o.worker_log_level, "Log level of local workers");
}

Status Finish(ControlFlags& c, const CommonFlags& common) {
  control::ControlOptions& o = c.o;
  auto secrets = LoadOrCreateSecrets(common.data_dir);
  if (!secrets.ok()) return secrets.status().WithContext("secrets in " + common.data_dir);
  Secrets s = WithOverrides(*secrets, c.given);
  o.api_key = s.api_key;
  o.s3_access_key = s.s3_access_key;
  o.s3_secret_key = s.s3_secret_key;
  o.webhook_secret = s.webhook_secret;
  o.internal_secret = s.internal_secret;
  o.data_dir = common.data_dir;
  o.idle_timeout = c.idle_timeout.value;
  o.boot_timeout = c.boot_timeout.value;
  o.upload_expiry = c.upload_expiry.seconds();
  o.upload_grace = c.upload_grace.value;
  o.upload_check_after = c.upload_check_after.value;
  o.upload_check_every = std::max(c.upload_check_every.value, std::chrono::milliseconds(100));
  o.tick = std::max(c.tick.value, std::chrono::milliseconds(50));
  o.attempt_sweep_after = c.attempt_sweep_after.value;
  o.attempt_sweep_every = std::max(c.attempt_sweep_every.value, std::chrono::milliseconds(100));
  o.webhook_backoff = std::max(c.webhook_backoff.value, std::chrono::milliseconds(10));
  o.worker_log_level = o.worker_log_level.empty() ? common.log_level : o.worker_log_level;
  o.fly_exit_when_idle = c.fly_exit_when_idle.value;
  o.cf_visibility_timeout = c.cf_visibility_timeout.value;
  if (o.fly_api_token.empty()) {
    if (const char* token = std::getenv("FLY_API_TOKEN")) o.fly_api_token = token;
  }
  auto size = ParseSize(c.max_upload_size);
  if (!size.ok()) return size.status().WithContext("--max-upload-size");
  o.max_upload_size = *size;
  auto threshold = ParseSize(c.multipart_threshold);
  if (!threshold.ok()) return threshold.status().WithContext("--multipart-threshold");
  o.multipart_threshold = *threshold;
  auto part_size = ParseSize(c.multipart_part_size);
  if (!part_size.ok()) return part_size.status().WithContext("--multipart-part-size");
  if (*part_size < (5ull << 20) || *part_size > (5ull << 30))
    return InvalidArgument("--multipart-part-size must be 5MiB-5GiB (S3's part limits)");
  o.multipart_part_size = *part_size;
  return Status::Ok();
}

}  // namespace

int RunControl(int argc, char** argv) {
  FlagSet flags("control", "Control plane: HTTP API, admission, machines, event intake, scheduler");
  ControlFlags c;
  AddFlags(flags, c);
  state::RedisTlsOptions redis_tls;
  AddRedisTlsFlags(flags, redis_tls);
  if (auto code = flags.Parse(argc, argv)) return *code;
  if (Status s = log::Init("control", flags.common().log_level); !s.ok()) {
    std::cerr << "tcoder control: " << s.message() << "\n";
    return 2;
  }
  ApplyRedisTls(redis_tls);
  state::SetDefaultRedisClientName("tcoder-control");
  if (Status s = Finish(c, flags.common()); !s.ok()) {
    std::cerr << "tcoder control: " << s.message() << "\n";
    return 2;
  }
  const sigset_t stop_signals = BlockStopSignals();
  auto plane = control::ControlPlane::Start(c.o);
  if (!plane.ok()) {
    log::Error("control plane failed to start", {{"error", plane.status().ToString()}});
    std::cerr << "tcoder control: " << plane.status().message() << "\n";
    return plane.status().code() == Code::kInvalidArgument ? 2 : 1;
  }
  WaitForStopSignal(stop_signals);
  (*plane)->Stop();
  return 0;
}

}  // namespace tcoder::cli
