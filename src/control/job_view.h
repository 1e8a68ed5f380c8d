// The job as clients see it: GET /api/jobs/{id}'s JSON with every object key
// (outputs[].key, playlist and poster) rendered as an absolute edge URL
// (<edge-url>/<key>), so the edge can move without rewriting records, and
// `audioOnly: true` when every rendition is the "audio" one of an
// audio-only input, and `dashUrl` (cmaf) the edge URL of the DASH manifest.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "state/job.h"

namespace tcoder::control {

// "<edge>/<key>" (a key that already is an http(s) URL stays as it is).
std::string EdgeUrl(std::string_view edge_url, std::string_view key);
nlohmann::json RenderJob(const state::Job& job, std::string_view edge_url);

}  // namespace tcoder::control
