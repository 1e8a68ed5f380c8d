// Failure classes for the worker's media steps: whether a job that failed
// with a Status can ever succeed if it is tried again.
//
// Bad input (kInvalidArgument, kTooLarge) is permanent: the job fails once with
// the reason. Everything else (tools missing, timeouts, I/O) is retryable.
// Pure function, thread-safe.
#pragma once

#include "common/status.h"

namespace tcoder::worker {

inline bool IsPermanentFailure(const Status& status) {
  return status.code() == Code::kInvalidArgument || status.code() == Code::kTooLarge;
}

}  // namespace tcoder::worker
