#include "edge/cache_control.h"

#include "common/media_type.h"

namespace tcoder::edge {

Freshness FreshnessFor(std::string_view key) {
  const std::string_view type = MediaTypeFor(key);
  if (IsPlaylistType(type)) return Freshness::kShort;
  const bool media = type.starts_with("video/") || type.starts_with("audio/") || type.starts_with("image/") ||
                     type.starts_with("text/vtt");
  return media ? Freshness::kImmutable : Freshness::kDefault;
}

std::string CacheControlFor(Freshness freshness, bool premium) {
  std::string out = premium ? "private, " : "public, ";
  switch (freshness) {
    case Freshness::kImmutable:
      return out + "max-age=31536000, immutable";
    case Freshness::kShort:
      return out + "max-age=2";
    case Freshness::kDefault:
      break;
  }
  return out + "max-age=60";
}

}  // namespace tcoder::edge
