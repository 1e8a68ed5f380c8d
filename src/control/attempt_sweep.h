// The attempt sweep's choice: which objects of a completed job's output
// directory (<visibility>/<jobId>/) belong to an attempt other than the one
// its outputs name. Each claim uploads under its own <visibility>/<jobId>/
// <token>/ (docs/worker.md); a worker that lost its lease removes its own
// uploads when it learns so, and what one left behind (killed mid-upload) is
// found here. A completed job is never claimed again, so its directory only
// shrinks. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "state/job.h"

namespace tcoder::control {

// "public/j_x/" for the job's visibility and id.
std::string JobOutputDir(const state::Job& job);
// "public/j_x/1796…/": the prefix of the completed job's outputs; "" when the
// outputs do not all share one (then nothing may be removed).
std::string FinalAttemptPrefix(const state::Job& job);
// The keys under the job's directory that are not under its final attempt.
std::vector<std::string> SupersededObjects(const state::Job& job, const std::vector<std::string>& keys);

}  // namespace tcoder::control
