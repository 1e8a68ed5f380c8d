#include "common/media_type.h"

#include <array>
#include <cctype>
#include <utility>

namespace tcoder {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 21> kTypes{{
    {"m3u8", "application/vnd.apple.mpegurl"},
    {"mpd", "application/dash+xml"},
    {"ts", "video/mp2t"},
    {"m4s", "video/iso.segment"},
    {"mp4", "video/mp4"},
    {"m4v", "video/mp4"},
    {"m4a", "audio/mp4"},
    {"aac", "audio/aac"},
    {"mp3", "audio/mpeg"},
    {"webm", "video/webm"},
    {"mov", "video/quicktime"},
    {"mkv", "video/x-matroska"},
    {"avi", "video/x-msvideo"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"png", "image/png"},
    {"webp", "image/webp"},
    {"vtt", "text/vtt; charset=utf-8"},
    {"json", "application/json"},
    {"txt", "text/plain; charset=utf-8"},
    {"xml", "application/xml"},
}};

// The extension after the last '.' of the last path segment, lower-cased.
std::string Extension(std::string_view name) {
  const std::size_t slash = name.rfind('/');
  const std::string_view file = slash == std::string_view::npos ? name : name.substr(slash + 1);
  const std::size_t dot = file.rfind('.');
  if (dot == std::string_view::npos || dot + 1 >= file.size() || file.size() - dot > 8) return "";
  std::string ext(file.substr(dot + 1));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

}  // namespace

std::string_view MediaTypeFor(std::string_view name) {
  const std::string ext = Extension(name);
  for (const auto& [e, type] : kTypes) {
    if (e == ext) return type;
  }
  return {};
}

bool IsPlaylistType(std::string_view media_type) {
  return media_type == "application/vnd.apple.mpegurl" || media_type == "application/dash+xml";
}

}  // namespace tcoder
