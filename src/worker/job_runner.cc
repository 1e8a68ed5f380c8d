#include "worker/job_runner.h"

#include <algorithm>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "common/temp_dir.h"
#include "worker/input_fetch.h"
#include "worker/interlace.h"
#include "worker/output_uploader.h"
#include "worker/probe.h"
#include "worker/sniff.h"
#include "worker/transcoder.h"

namespace tcoder::worker {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Progress milestones of the whole job: the transcode runs from kDownloaded
// to kTranscoded, the upload from there to kUploaded; Complete() sets 100.
constexpr int kDownloaded = 2;
constexpr int kTranscoded = 90;
constexpr int kUploaded = 99;

Status Stopped() { return Status(Code::kCancelled, "stopped"); }

milliseconds Left(Clock::time_point deadline) {
  return std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
}

// What the job asks of the transcode. Errors: kInvalidArgument (permanent).
Result<TranscodeSpec> TranscodeSpecOf(const state::JobSpec& spec) {
  auto preset = ParsePreset(spec.preset);
  if (!preset.ok()) return preset.status();
  if (Status s = CheckQualities(spec.output_qualities); !s.ok()) return s;
  if (Status s = CheckDownload(spec.download); !s.ok()) return s;
  return TranscodeSpec{*preset, spec.output_qualities, spec.download};
}

// Milliseconds spent in each stage of a job, for the log.
class StageClock {
 public:
  void Lap(const char* stage) {
    const auto now = Clock::now();
    laps_[stage] = std::chrono::duration_cast<milliseconds>(now - last_).count();
    last_ = now;
  }
  const nlohmann::json& laps() const { return laps_; }

 private:
  Clock::time_point last_ = Clock::now();
  nlohmann::json laps_ = nlohmann::json::object();
};

// An S3 error while moving the job's files is an outage, never bad input.
Status Retryable(const Status& s, const std::string& what) { return Unavailable(what + ": " + s.ToString()); }

}  // namespace

Status JobRunner::Patiently(const std::function<Status()>& call, const std::function<bool()>& stop) const {
  const auto give_up = std::chrono::steady_clock::now() + options_.storage_patience;
  std::chrono::milliseconds wait{1000};
  for (;;) {
    Status s = call();
    if (s.code() != Code::kUnavailable || std::chrono::steady_clock::now() + wait > give_up) return s;
    log::Warn("the store is unreachable; trying again", {{"error", s.ToString()}, {"inMs", wait.count()}});
    for (auto until = std::chrono::steady_clock::now() + wait; std::chrono::steady_clock::now() < until;) {
      if (stop()) return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    wait = std::min(wait * 2, std::chrono::milliseconds(8000));
  }
}

Status JobRunner::Download(const state::Job& job, const fs::path& file, const std::function<bool()>& stop) {
  if (!job.spec.input_url.empty()) {
    std::uint64_t limit = options_.limits.max_size_bytes;
    if (job.spec.input_url_max_bytes > 0) limit = std::min(limit, job.spec.input_url_max_bytes);  // the plane's
    InputFetchOptions fetch{.max_bytes = limit, .allow_private = job.spec.input_url_allow_private, .stop = stop};
    return FetchInput(job.spec.input_url, file, fetch);
  }
  const std::string& bucket = job.spec.input_bucket;
  const std::string& key = job.spec.input_key;
  Result<storage::ObjectInfo> head = Unavailable("not asked");
  (void)Patiently([&] { return (head = s3_.HeadObject(bucket, key)).status(); }, stop);
  if (!head.ok() && head.status().code() == Code::kNotFound) {
    return InvalidArgument("the input object " + bucket + "/" + key + " does not exist");
  }
  if (!head.ok()) return Retryable(head.status(), "reading the input's size");
  if (head->size > options_.limits.max_size_bytes) {
    return Status(Code::kTooLarge, "input is " + std::to_string(head->size) + " bytes, over the limit of " +
                                       std::to_string(options_.limits.max_size_bytes));
  }
  Result<std::uint64_t> got = Unavailable("not asked");
  (void)Patiently([&] { return (got = s3_.GetObject(bucket, key, file)).status(); }, stop);
  if (!got.ok() && got.status().code() == Code::kNotFound) {
    return InvalidArgument("the input object " + bucket + "/" + key + " does not exist");
  }
  if (!got.ok()) return Retryable(got.status(), "downloading the input");
  return Status::Ok();
}

Result<int> JobRunner::Discard(const state::Lease& lease) {
  int deleted = 0;
  for (const char* visibility : {"public", "premium"}) {
    auto prefix = AttemptPrefix(visibility, lease.job_id, lease.token);
    if (!prefix.ok()) return prefix.status();
    auto listed = s3_.ListAll(options_.output_bucket, *prefix + "/");
    if (!listed.ok()) return listed.status();
    for (const auto& o : *listed) {
      if (Status s = s3_.DeleteObject(options_.output_bucket, o.key); !s.ok()) return s;
      ++deleted;
    }
  }
  return deleted;
}

Result<state::Completion> JobRunner::Run(const state::Job& job, const state::Lease& lease, const JobHooks& hooks) {
  auto prefix = AttemptPrefix(job.spec.visibility, job.id, lease.token);
  if (!prefix.ok()) return prefix.status();
  auto spec = TranscodeSpecOf(job.spec);
  if (!spec.ok()) return spec.status();
  auto dir = TempDir::Create("job-" + job.id + "-", options_.work_dir);
  if (!dir.ok()) return Unavailable("creating the job's temp directory: " + dir.status().ToString());
  const fs::path input = dir->path() / "input";

  StageClock clock;
  if (Status s = Download(job, input, hooks.stop); !s.ok()) return s;
  clock.Lap("downloadMs");
  if (hooks.stop()) return Stopped();
  hooks.progress(kDownloaded);

  if (auto container = SniffFile(input); !container.ok()) return container.status();
  ProbeOptions probe{.deadline = std::min(options_.probe_deadline, Left(hooks.deadline))};
  if (probe.deadline.count() <= 0) return Status(Code::kDeadlineExceeded, "the job ran past its time limit");
  auto info = Probe(input, probe);
  if (!info.ok()) return info.status();
  if (Status s = Validate(*info, options_.limits); !s.ok()) return s;
  if (Status s = SettleInterlacing(input, *info, options_.plan, Left(hooks.deadline), hooks.stop); !s.ok()) return s;
  if (hooks.stop()) return Stopped();
  clock.Lap("probeMs");

  TranscodeOptions t{.plan = options_.plan, .deadline = Left(hooks.deadline), .cancelled = hooks.stop};
  t.on_progress = [&](const Progress& p) {
    hooks.progress(kDownloaded + static_cast<int>(p.percent * (kTranscoded - kDownloaded) / 100.0));
  };
  if (t.deadline.count() <= 0) return Status(Code::kDeadlineExceeded, "the job ran past its time limit");
  auto result = Transcode(input, *info, *spec, dir->path() / "out", t);
  if (!result.ok()) return result.status();
  hooks.progress(kTranscoded);
  clock.Lap("transcodeMs");

  const UploadTarget target{options_.output_bucket, *prefix};
  auto on_file = [&](size_t done, size_t total) {
    hooks.progress(kTranscoded + static_cast<int>((kUploaded - kTranscoded) * done / std::max<size_t>(total, 1)));
  };
  Status up = Patiently([&] { return UploadOutputs(s3_, target, dir->path() / "out", *result, hooks.stop, on_file); },
                        hooks.stop);
  if (up.code() == Code::kCancelled) return up;
  if (!up.ok()) return Retryable(up, "uploading outputs");
  clock.Lap("uploadMs");
  log::Info("outputs uploaded",
            {{"jobId", job.id}, {"prefix", *prefix}, {"files", result->outputs.size()}, {"stages", clock.laps()}});
  return BuildCompletion(*result, *prefix, info->has_audio());
}

}  // namespace tcoder::worker
