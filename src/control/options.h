// ControlOptions: every setting of the control plane (`tcoder control`), as
// the command line, TCODER_* variables and the config file give them.
//
// Thread-safety: a plain value, copied into each component at start.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tcoder::control {

struct ControlOptions {
  // HTTP API.
  std::string bind = "127.0.0.1";
  int port = 8787;
  int threads = 4;  // HTTP io threads
  std::string api_key;
  std::string events_token;  // POST /api/events/s3; empty: the API key
  // A Cloudflare Queue of R2 event notifications to pull ("ACCOUNT_ID/QUEUE_ID"; empty: none).
  std::string events_cf_queue;
  std::string cf_api_token;  // Queues read and write
  std::string cf_api_url = "https://api.cloudflare.com";
  std::chrono::milliseconds cf_visibility_timeout{std::chrono::seconds(60)};
  std::string web_dir;  // serve the web page from here; empty: the one built into the binary
  std::string edge_url = "http://127.0.0.1:8788";

  // State store and object storage.
  std::string redis_url = "redis://127.0.0.1:6379";
  std::string s3_endpoint = "http://127.0.0.1:9000";
  std::string s3_public_endpoint;  // for URLs handed to clients; empty: s3_endpoint
  std::string s3_access_key;
  std::string s3_secret_key;
  std::string region = "us-east-1";  // "auto" for R2
  bool s3_path_style = true;         // http://host/bucket/key; false: http://bucket.host/key (virtual-hosted)
  std::string input_bucket = "tcoder-input";
  std::string output_bucket = "tcoder-output";  // where workers put outputs (the attempt sweep looks there)

  // Secrets.
  std::string webhook_secret;
  std::string internal_secret;

  // Limits.
  std::uint64_t max_upload_size = 10ull << 30;
  int max_pending = 10'000;
  std::chrono::seconds upload_expiry{3600};
  std::chrono::milliseconds upload_grace{std::chrono::minutes(5)};         // after the URL expired
  std::chrono::milliseconds upload_check_after{std::chrono::seconds(30)};  // before the sweep HEADs an input
  std::chrono::milliseconds upload_check_every{std::chrono::seconds(5)};   // then again this often, while absent
  // Objects of a completed job's superseded attempts are removed this long
  // after it completed (late writers have given up by then), by a pass run
  // this often.
  std::chrono::milliseconds attempt_sweep_after{std::chrono::minutes(10)};
  std::chrono::milliseconds attempt_sweep_every{std::chrono::seconds(30)};
  std::uint64_t multipart_threshold = 100ull << 20;  // larger uploads go in parts (docs/api.md)
  std::uint64_t multipart_part_size = 16ull << 20;

  // Machines.
  std::string provider = "local";
  int max_machines = 4;
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds boot_timeout{std::chrono::seconds(30)};
  // A running machine that has not heartbeated this long, whose job lease is
  // gone, is dead (the worker's lease is 30 s and it heartbeats every 10 s).
  std::chrono::milliseconds machine_stale{std::chrono::seconds(90)};
  double provider_rate = 5;  // provider calls per second (token bucket)
  int provider_burst = 10;
  std::string worker_binary;  // local provider: empty means /proc/self/exe
  std::string data_dir = "./.tcoder";
  std::string control_url;  // handed to workers; empty: http://127.0.0.1:<port>
  std::string worker_log_level = "info";

  // --provider fly: the Fly.io Machines API (control/fly_provider.h).
  std::string fly_api_url = "https://api.machines.dev";
  std::string fly_app;
  std::string fly_api_token;  // FLY_API_TOKEN; never logged or sent to machines
  std::string fly_image;
  std::string fly_regions;                  // "iad,ord": tried in order when one has no capacity
  std::string fly_guest = "shared:2:2048";  // cpu kind:cpus:memory MB
  // Fly machines leave the pool and exit after this long without a job
  // (`tcoder worker --exit-when-idle`), should the control planes be gone.
  std::chrono::milliseconds fly_exit_when_idle{std::chrono::minutes(30)};

  // Scheduler and webhooks.
  std::chrono::milliseconds tick{std::chrono::seconds(1)};
  // While nothing is due, the scheduler and the admitter look again at least
  // this often (the command budget of an idle stack).
  std::chrono::milliseconds idle_tick{std::chrono::seconds(60)};
  bool webhook_allow_private = false;
  bool input_url_allow_private = false;  // POST /api/jobs inputUrl may reach internal addresses
  std::chrono::milliseconds webhook_backoff{std::chrono::seconds(5)};
  std::chrono::milliseconds webhook_max_age{std::chrono::hours(24)};
  std::chrono::milliseconds webhook_timeout{std::chrono::seconds(10)};
};

}  // namespace tcoder::control
