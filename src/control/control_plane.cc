#include "control/control_plane.h"

#include <atomic>
#include <filesystem>
#include <sstream>

#include "common/crypto.h"
#include "common/log.h"
#include "control/admission.h"
#include "control/api.h"
#include "control/cf_queue_consumer.h"
#include "control/event_intake.h"
#include "control/fly_provider.h"
#include "control/job_feed.h"
#include "control/local_provider.h"
#include "control/scheduler.h"
#include "control/webhooks.h"
#include "http/curl_transport.h"
#include "state/access_check.h"
#include "state/machine_pool.h"

namespace tcoder::control {

struct ControlPlane::Parts {
  ControlOptions options;
  state::Keys keys;
  std::string instance = "cp_" + crypto::Hex(crypto::RandomBytes(4));
  Metrics metrics;
  std::unique_ptr<state::RedisPool> redis;
  std::unique_ptr<state::RedisMux> mux;  // the API's; outlives the server, whose calls it answers
  std::unique_ptr<BlockingRedis> blocking;
  std::unique_ptr<storage::S3Client> s3;
  std::unique_ptr<storage::S3Client> api_s3;
  std::unique_ptr<Webhooks> webhooks;
  std::unique_ptr<JobFeed> feed;
  ApiContext ctx;
  std::unique_ptr<http::Server> server;
  std::unique_ptr<SystemHistory> history;
  std::unique_ptr<MachineProvider> provider;
  LocalProvider* local = nullptr;  // provider, when it is the local one
  std::atomic<MachineProvider*> provider_ptr{nullptr};
  std::unique_ptr<Admitter> admitter;
  std::atomic<Admitter*> admitter_ptr{nullptr};
  std::unique_ptr<Scheduler> scheduler;
  std::atomic<Scheduler*> scheduler_ptr{nullptr};
  std::unique_ptr<EventIntake> intake;
  std::unique_ptr<CfQueueConsumer> cf_queue;
  bool stopped = false;

  void Admit() {
    if (Admitter* a = admitter_ptr.load()) a->Kick();
  }
};

namespace {

Status CheckOptions(const ControlOptions& o) {
  if (o.api_key.size() < 16) return InvalidArgument("--api-key must be at least 16 characters");
  if (o.s3_access_key.empty() || o.s3_secret_key.empty()) return InvalidArgument("S3 keys are required");
  if (o.max_machines < 0 || o.max_machines > 1000) return InvalidArgument("--max-machines must be 0-1000");
  if (o.provider != "local" && o.provider != "fly")
    return InvalidArgument("unknown --provider \"" + o.provider + "\" (known: local, fly)");
  if (!o.events_cf_queue.empty()) {
    CfQueueOptions q;
    if (Status s = ParseQueueName(o.events_cf_queue, q); !s.ok()) return s;
    if (o.cf_api_token.empty()) return InvalidArgument("--events-cf-queue needs --cf-api-token");
  }
  if (o.provider == "fly") {
    if (o.fly_app.empty() || o.fly_image.empty())
      return InvalidArgument("--provider fly needs --fly-app and --fly-image");
    if (o.fly_api_token.empty()) return InvalidArgument("--provider fly needs --fly-api-token (or FLY_API_TOKEN)");
    if (auto guest = ParseFlyGuest(o.fly_guest); !guest.ok()) return guest.status();
  }
  if (o.max_pending < 1) return InvalidArgument("--max-pending must be at least 1");
  return Status::Ok();
}

// Job messages worth a look: claims (a new lease for the reaper, pickup
// latency for the webhook thread), endings (webhooks), new uploads (the
// sweep), jobs back to pending (a backoff for the reaper, admission), and
// endings again (their machine is idle: the machine pass).
void ObserveMessage(ControlPlane::Parts& p, const nlohmann::json& m) {
  std::string status = m.value("status", "");
  bool claimed = status == "running" && m.value("progress", 0) == 0;
  bool ended = status == "completed" || status == "failed" || status == "cancelled";
  if ((claimed || ended) && p.webhooks) p.webhooks->OnJobMessage(m);
  Scheduler* scheduler = p.scheduler_ptr.load();
  if (scheduler == nullptr) return;
  if (claimed || (status == "pending" && m.value("attempts", 0) > 0)) scheduler->KickReap();
  if (status == "uploading") scheduler->KickUploads();
  if (ended) scheduler->MachineWentIdle();
  if (status == "pending") {
    scheduler->WorkArrived();
    p.Admit();
  }
}

Result<std::unique_ptr<LocalProvider>> MakeLocalProvider(ControlPlane::Parts& p, int port) {
  const ControlOptions& o = p.options;
  LocalProviderOptions lo;
  lo.binary = o.worker_binary;
  if (lo.binary.empty()) {
    std::error_code ec;
    lo.binary = std::filesystem::read_symlink("/proc/self/exe", ec).string();
    if (ec) return Internal("cannot find this executable: " + ec.message());
  }
  std::string control_url = o.control_url.empty() ? "http://127.0.0.1:" + std::to_string(port) : o.control_url;
  lo.args = {"--redis-url",   o.redis_url,        "--s3-endpoint",   o.s3_endpoint,
             "--control-url", control_url,        "--data-dir",      o.data_dir,
             "--log-level",   o.worker_log_level, "--s3-path-style", o.s3_path_style ? "true" : "false"};
  lo.env = {{"TCODER_S3_ACCESS_KEY", o.s3_access_key},
            {"TCODER_S3_SECRET_KEY", o.s3_secret_key},
            {"TCODER_INTERNAL_SECRET", o.internal_secret},
            {"TCODER_REGION", o.region}};
  lo.scope = p.instance;
  state::RedisPool* redis = p.redis.get();
  state::Keys keys = p.keys;
  auto on_exit = [redis, keys](const std::string& id, const ExitStatus&) {
    auto client = redis->Acquire();
    if (!client.ok()) return;
    state::MachinePool pool(**client, keys);
    (void)pool.SetState(id, state::MachineState::kStopped);  // already stopped by the worker: a conflict, fine
  };
  return std::make_unique<LocalProvider>(std::move(lo), on_exit);
}

// The Fly provider: machines get the non-secret settings in their
// config.env; the secrets (Redis URL, S3 keys, the internal secret) are the
// Fly app's secrets (docs/deploy.md).
std::unique_ptr<FlyProvider> MakeFlyProvider(ControlPlane::Parts& p, int port) {
  const ControlOptions& o = p.options;
  FlyProviderOptions fo;
  fo.api.api_url = o.fly_api_url;
  fo.api.app = o.fly_app;
  fo.api.token = o.fly_api_token;
  fo.image = o.fly_image;
  std::stringstream regions(o.fly_regions);
  for (std::string r; std::getline(regions, r, ',');)
    if (!r.empty()) fo.regions.push_back(r);
  fo.guest = *ParseFlyGuest(o.fly_guest);  // checked by CheckOptions
  fo.prefix = p.keys.prefix();
  const std::string control_url = o.control_url.empty() ? "http://127.0.0.1:" + std::to_string(port) : o.control_url;
  fo.env = {{"TCODER_S3_ENDPOINT", o.s3_endpoint},
            {"TCODER_REGION", o.region},
            {"TCODER_S3_PATH_STYLE", o.s3_path_style ? "true" : "false"},
            {"TCODER_CONTROL_URL", control_url},
            {"TCODER_LOG_LEVEL", o.worker_log_level},
            {"TCODER_EXIT_WHEN_IDLE", std::to_string(o.fly_exit_when_idle.count()) + "ms"}};
  return std::make_unique<FlyProvider>(std::move(fo), std::make_shared<http::CurlTransport>());
}

// The pull consumer of --events-cf-queue: each message's events through the
// same idempotent intake as the built-in store's.
std::unique_ptr<CfQueueConsumer> MakeCfQueueConsumer(ControlPlane::Parts& p) {
  const ControlOptions& o = p.options;
  CfQueueOptions q;
  (void)ParseQueueName(o.events_cf_queue, q);  // checked by CheckOptions
  q.api_url = o.cf_api_url;
  q.token = o.cf_api_token;
  q.visibility_timeout = o.cf_visibility_timeout;
  auto ingest = [&p](const ParsedEvents& events) -> Status {
    auto redis = p.redis->Acquire();
    if (!redis.ok()) return redis.status();
    for (const state::ObjectEvent& e : events.created) {
      auto r = IngestEvent(**redis, p.keys, e, p.metrics, [&p] { p.Admit(); });
      if (!r.ok()) return r.status();
    }
    return Status::Ok();
  };
  return std::make_unique<CfQueueConsumer>(std::move(q), std::make_shared<http::CurlTransport>(), ingest);
}

Status StartParts(ControlPlane::Parts& p) {
  const ControlOptions& o = p.options;
  p.redis = std::make_unique<state::RedisPool>(o.redis_url);
  auto probe = p.redis->Acquire();
  if (!probe.ok()) return probe.status().WithContext("connecting to Redis");
  if (Status s = state::CheckAccess(**probe, p.keys); !s.ok()) return s;
  storage::S3ClientConfig s3c;
  s3c.endpoint = o.s3_endpoint;
  s3c.region = o.region;
  s3c.path_style = o.s3_path_style;
  s3c.credentials = {o.s3_access_key, o.s3_secret_key, ""};
  s3c.max_attempts = 2;
  auto s3 = storage::S3Client::Create(s3c);
  if (!s3.ok()) return s3.status().WithContext("--s3-endpoint");
  p.s3 = std::move(*s3);
  // The API's own client: its calls (a multipart completion can take a while)
  // never wait behind the scheduler's, nor the scheduler's behind them.
  auto api_s3 = storage::S3Client::Create(s3c);
  if (!api_s3.ok()) return api_s3.status().WithContext("--s3-endpoint");
  p.api_s3 = std::move(*api_s3);
  auto webhook_signer = WebhookSigner::FromSecret(o.webhook_secret);
  if (!webhook_signer.ok()) return webhook_signer.status().WithContext("--webhook-secret");
  p.webhooks = std::make_unique<Webhooks>(*p.redis, p.keys, o, p.metrics, std::move(*webhook_signer));
  p.feed = std::make_unique<JobFeed>(*p.redis, p.keys, [&p](const nlohmann::json& m) { ObserveMessage(p, m); });
  p.ctx = ApiContext{o,          p.keys,         p.feed.get(), p.webhooks.get(),
                     &p.metrics, p.api_s3.get(), std::nullopt, [&p] { p.Admit(); }};
  p.mux = std::make_unique<state::RedisMux>(o.redis_url);
  p.ctx.mux = p.mux.get();
  p.blocking = std::make_unique<BlockingRedis>(*p.redis, std::max(2, o.threads));
  p.ctx.blocking = p.blocking.get();
  p.ctx.provider = [&p] { return p.provider_ptr.load(); };
  p.history = std::make_unique<SystemHistory>(*p.redis, p.keys);
  p.ctx.history = p.history.get();
  if (!o.internal_secret.empty()) {
    auto internal = WebhookSigner::FromSecret(o.internal_secret);
    if (!internal.ok()) return internal.status().WithContext("--internal-secret");
    p.ctx.internal_signer = std::move(*internal);
  }
  p.webhooks->Start();
  p.feed->Start();
  p.feed->WaitUntilSubscribed(std::chrono::seconds(5));
  p.history->Start();

  http::ServerOptions so;
  so.bind = o.bind;
  so.port = o.port;
  so.threads = std::max(1, o.threads);
  auto server = http::Server::Start(so, [&p](http::Exchange& ex) { return HandleApi(p.ctx, ex); });
  if (!server.ok()) return server.status().WithContext("listening on " + o.bind + ":" + std::to_string(o.port));
  p.server = std::move(*server);

  if (o.provider == "fly") {
    p.provider = MakeFlyProvider(p, p.server->port());
  } else {
    auto local = MakeLocalProvider(p, p.server->port());
    if (!local.ok()) return local.status();
    p.local = local->get();
    p.provider = std::move(*local);
  }
  p.provider_ptr = p.provider.get();
  p.scheduler = std::make_unique<Scheduler>(*p.redis, p.keys, o, *p.provider, *p.s3, p.metrics, [&p] { p.Admit(); });
  p.scheduler->Start();
  p.scheduler_ptr = p.scheduler.get();
  p.admitter = std::make_unique<Admitter>(*p.redis, p.keys, *p.provider, o, p.metrics);
  p.admitter->Start();
  p.admitter_ptr = p.admitter.get();
  p.intake = std::make_unique<EventIntake>(*p.redis, p.keys, "control-" + p.instance, p.metrics, [&p] { p.Admit(); });
  p.intake->Start();
  if (!o.events_cf_queue.empty()) {
    p.cf_queue = MakeCfQueueConsumer(p);
    p.cf_queue->Start();
  }
  p.Admit();
  return Status::Ok();
}

}  // namespace

ControlPlane::ControlPlane(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

ControlPlane::~ControlPlane() { Stop(); }

Result<std::unique_ptr<ControlPlane>> ControlPlane::Start(ControlOptions options) {
  if (Status s = CheckOptions(options); !s.ok()) return s;
  auto parts = std::make_unique<Parts>();
  parts->options = std::move(options);
  std::unique_ptr<ControlPlane> plane(new ControlPlane(std::move(parts)));
  if (Status s = StartParts(*plane->parts_); !s.ok()) return s;  // ~ControlPlane stops what started
  log::Info("control plane listening", {{"port", plane->port()},
                                        {"instance", plane->parts_->instance},
                                        {"maxMachines", plane->parts_->options.max_machines}});
  return plane;
}

int ControlPlane::port() const { return parts_->server ? parts_->server->port() : 0; }

void ControlPlane::Stop() {
  Parts& p = *parts_;
  if (p.stopped) return;
  p.stopped = true;
  if (p.server) p.server->Stop();
  if (p.intake) p.intake->Stop();
  if (p.cf_queue) p.cf_queue->Stop();
  p.admitter_ptr = nullptr;
  p.provider_ptr = nullptr;
  // Workers first, while the threads that started them still run: a local
  // worker dies with the thread that spawned it (PR_SET_PDEATHSIG), and it
  // should get its SIGTERM and stop grace instead.
  if (p.local) p.local->Shutdown();
  if (p.scheduler) p.scheduler->Stop();
  if (p.admitter) p.admitter->Stop();
  if (p.feed) p.feed->Stop();
  if (p.history) p.history->Stop();
  if (p.webhooks) p.webhooks->Stop();
  log::Info("control plane stopped");
}

}  // namespace tcoder::control
