#include "edge/preconditions.h"

#include "common/ascii.h"
#include "http/http_date.h"

namespace tcoder::edge {
namespace {

std::string_view WithoutWeak(std::string_view tag) {
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  return tag;
}

// Weak comparison of each listed tag against `etag`.
bool AnyTagMatches(std::string_view list, std::string_view etag) {
  const std::string_view ours = WithoutWeak(etag);
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view item = Trim(list.substr(0, comma));
    if (item == "*" || (!ours.empty() && WithoutWeak(item) == ours)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

bool NotModified(std::string_view if_none_match, std::string_view if_modified_since, std::string_view etag,
                 std::optional<std::int64_t> last_modified) {
  if (!Trim(if_none_match).empty()) return AnyTagMatches(if_none_match, etag);
  if (Trim(if_modified_since).empty() || !last_modified) return false;
  const auto since = http::ParseHttpDate(Trim(if_modified_since));
  return since && *last_modified <= *since;
}

bool IfRangeHolds(std::string_view if_range, std::string_view etag, std::optional<std::int64_t> last_modified) {
  if_range = Trim(if_range);
  if (if_range.empty()) return true;
  if (if_range.starts_with("W/")) return false;  // weak tags never match strongly
  if (if_range.starts_with('"')) return !etag.empty() && !etag.starts_with("W/") && if_range == etag;
  const auto date = http::ParseHttpDate(if_range);
  return date && last_modified && *date == *last_modified;
}

}  // namespace tcoder::edge
