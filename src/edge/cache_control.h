// How long browsers and CDNs may keep an object, from its key alone
// (Cache-Control): segments, videos and posters are immutable, playlists are
// fresh briefly. Its Content-Type comes from common/media_type.h.
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace tcoder::edge {

enum class Freshness {
  kImmutable,  // segments, videos, posters: never change under one key
  kShort,      // playlists (live ones grow): max-age of a couple of seconds
  kDefault,    // anything else: a minute
};

Freshness FreshnessFor(std::string_view key);

// The Cache-Control value: "public, ..." normally, "private, ..." for premium
// paths (a shared cache must not hand them to someone without a token).
std::string CacheControlFor(Freshness freshness, bool premium);

}  // namespace tcoder::edge
