#include "edge/content_type.h"

#include <array>
#include <cctype>
#include <utility>

namespace tcoder::edge {
namespace {

struct TypeRule {
  std::string_view ext;
  std::string_view type;
  Freshness freshness;
};

constexpr std::array<TypeRule, 18> kRules{{
    {"m3u8", "application/vnd.apple.mpegurl", Freshness::kShort},
    {"mpd", "application/dash+xml", Freshness::kShort},
    {"ts", "video/mp2t", Freshness::kImmutable},
    {"m4s", "video/iso.segment", Freshness::kImmutable},
    {"mp4", "video/mp4", Freshness::kImmutable},
    {"m4v", "video/mp4", Freshness::kImmutable},
    {"m4a", "audio/mp4", Freshness::kImmutable},
    {"aac", "audio/aac", Freshness::kImmutable},
    {"mp3", "audio/mpeg", Freshness::kImmutable},
    {"webm", "video/webm", Freshness::kImmutable},
    {"jpg", "image/jpeg", Freshness::kImmutable},
    {"jpeg", "image/jpeg", Freshness::kImmutable},
    {"png", "image/png", Freshness::kImmutable},
    {"webp", "image/webp", Freshness::kImmutable},
    {"vtt", "text/vtt; charset=utf-8", Freshness::kImmutable},
    {"json", "application/json", Freshness::kDefault},
    {"txt", "text/plain; charset=utf-8", Freshness::kDefault},
    {"xml", "application/xml", Freshness::kDefault},
}};

// The extension after the last '.' of the last path segment, lower-cased.
std::string Extension(std::string_view key) {
  const std::size_t slash = key.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? key : key.substr(slash + 1);
  const std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot + 1 >= name.size() || name.size() - dot > 8) return "";
  std::string ext(name.substr(dot + 1));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

const TypeRule* RuleFor(std::string_view key) {
  const std::string ext = Extension(key);
  for (const TypeRule& rule : kRules) {
    if (rule.ext == ext) return &rule;
  }
  return nullptr;
}

}  // namespace

std::string_view ContentTypeFor(std::string_view key) {
  const TypeRule* rule = RuleFor(key);
  return rule ? rule->type : std::string_view{};
}

Freshness FreshnessFor(std::string_view key) {
  const TypeRule* rule = RuleFor(key);
  return rule ? rule->freshness : Freshness::kDefault;
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
