// Ladder selection: which renditions a job makes from a given source.
//
// Rules (docs/presets.md): rungs are the requested qualities (hls-adaptive, cmaf and
// web-optimized default to 360p 480p 720p 1080p); a rung's height is the
// picture's SHORT side, so portrait sources get portrait rungs; no rung is
// taller than the source; when the source is shorter than the top requested
// rung, the source's own height (rounded down to even) becomes the top rung.
// Widths keep the source's aspect ratio, rounded to even. Pure, thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "worker/presets.h"
#include "worker/probe.h"

namespace tcoder::worker {

// One rendition to encode.
struct Rung {
  std::string name;  // "720p", a source rung "600p", or "source" (preset default)
  int width = 0;     // output picture size (portrait: width < height)
  int height = 0;
  int video_kbps = 0;
  int maxrate_kbps = 0;
  int bufsize_kbps = 0;
  int audio_kbps = 0;
  std::string profile;  // libx264 -profile:v
  std::string level;    // libx264 -level:v
  bool audio = false;   // the audio-only input's one rendition: no picture
};

// The rungs for `preset` on `source`, lowest first: hls-adaptive, cmaf and
// web-optimized make every selected rung; hls makes only the top one; default
// makes one "source" rung at the source's own size. Errors: kInvalidArgument
// for an unknown quality name.
Result<std::vector<Rung>> SelectLadder(const VideoStream& source, Preset preset,
                                       const std::vector<std::string>& requested);

// `v` rounded to the nearest even number, at least 2: a picture side H.264 4:2:0 can hold.
int EvenSize(double v);

// The one rung of an audio-only input: "audio", no picture, AAC at kAudioOnlyKbps.
inline constexpr int kAudioOnlyKbps = 128;
Rung AudioRung();
// The HLS audio group's GROUP-ID when the ladder's audio is its own
// rendition (FFmpeg writes it as "group_audio").
inline constexpr char kAudioGroup[] = "audio";

// The RFC 6381 CODECS value of a rung: "avc1.4d401f" plus ",mp4a.40.2" with
// audio; "mp4a.40.2" for the audio rung.
std::string CodecsOf(const Rung& rung, bool with_audio);

}  // namespace tcoder::worker
