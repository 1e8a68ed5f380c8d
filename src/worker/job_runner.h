// JobRunner: the media work of one claimed job, from the input object to the
// uploaded outputs: download (streamed to a file) into a job-private temp
// directory, sniff, probe, validate, transcode, upload under the attempt's
// prefix. The fenced writes to the state store are the caller's (WorkerLoop).
//
// The temp directory is removed in every outcome. Errors follow failure.h:
// kInvalidArgument/kTooLarge mean the input can never succeed (fail once, no
// retry); kCancelled means `stop` said so; anything else is retryable.
// Thread-safety: one Run() at a time per JobRunner.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "common/status.h"
#include "state/job.h"
#include "state/queue.h"
#include "storage/s3_client.h"
#include "worker/ffmpeg_plan.h"
#include "worker/validate.h"

namespace tcoder::worker {

struct JobRunnerOptions {
  std::filesystem::path work_dir;  // job temp directories are made here
  std::string output_bucket = "tcoder-output";
  Limits limits;
  PlanOptions plan;
  std::chrono::milliseconds probe_deadline{std::chrono::seconds(60)};
  // While the store cannot be reached (kUnavailable after the S3 client's own
  // retries), the download and the upload are tried again, the lease still
  // held, for up to this long before the attempt fails: an outage of the
  // store costs time, not attempts.
  std::chrono::milliseconds storage_patience{std::chrono::minutes(2)};
};

struct JobHooks {
  std::function<bool()> stop;                      // polled; true: stop now (cancel, lost lease, shutdown)
  std::function<void(int)> progress;               // 0-100, the whole job's progress
  std::chrono::steady_clock::time_point deadline;  // the job's hard wall-clock limit
};

class JobRunner {
 public:
  JobRunner(storage::S3Client& s3, JobRunnerOptions options) : s3_(s3), options_(std::move(options)) {}

  // Runs `job` for the claim `lease`; returns what Queue::Complete records.
  Result<state::Completion> Run(const state::Job& job, const state::Lease& lease, const JobHooks& hooks);
  // Deletes every object under the claim's attempt prefixes (public and
  // premium: it needs no read of the job): for an attempt that did not
  // complete (its lease lost, its completion fenced, or failed), whose
  // uploads never became the job's outputs. Returns how many went.
  Result<int> Discard(const state::Lease& lease);

 private:
  // From the input bucket, or from the job's input URL (input_fetch.h).
  Status Download(const state::Job& job, const std::filesystem::path& file, const std::function<bool()>& stop);
  // `call` again while it fails kUnavailable, with a backoff from 1 s to 8 s,
  // up to storage_patience or until `stop`.
  Status Patiently(const std::function<Status()>& call, const std::function<bool()>& stop) const;

  storage::S3Client& s3_;
  JobRunnerOptions options_;
};

}  // namespace tcoder::worker
