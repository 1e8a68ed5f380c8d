#include "control/multipart_plan.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

namespace tcoder::control {
namespace {

constexpr std::uint64_t kMiB = 1ull << 20;
constexpr std::size_t kMaxMissingListed = 100;

std::string Unquoted(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

std::optional<nlohmann::json> ParseObject(std::string_view body) {
  if (body.empty()) return nlohmann::json::object();
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  return doc;
}

}  // namespace

std::uint64_t MultipartPlan::PartLength(int number) const {
  if (number < 1 || number > part_count) return 0;
  const std::uint64_t first = static_cast<std::uint64_t>(number - 1) * part_size;
  return std::min(part_size, size - first);
}

MultipartPlan PlanParts(std::uint64_t size, std::uint64_t configured) {
  std::uint64_t part = std::max(configured, kMinPartSize);
  const std::uint64_t needed = (size + kMaxParts - 1) / kMaxParts;
  if (part < needed) part = (needed + kMiB - 1) / kMiB * kMiB;
  return PlanWithPartSize(size, part);
}

MultipartPlan PlanWithPartSize(std::uint64_t size, std::uint64_t part_size) {
  part_size = std::max<std::uint64_t>(part_size, 1);
  return {size, part_size, static_cast<int>(std::max<std::uint64_t>(1, (size + part_size - 1) / part_size))};
}

std::variant<bool, ApiError> ChooseMultipart(std::optional<bool> multipart, std::uint64_t size,
                                             std::uint64_t threshold) {
  if (multipart == false && size > kMaxSinglePut)
    return BadRequest("a single PUT is at most 5 GiB: upload this file in parts (leave out \"multipart\")",
                      {{"field", "multipart"}, {"limit", kMaxSinglePut}});
  const bool chosen = multipart.value_or(size > threshold || size > kMaxSinglePut);
  if (chosen && size == 0) return BadRequest("a multipart upload needs the file's size", {{"field", "size"}});
  return chosen;
}

std::variant<std::vector<storage::CompletedPart>, ApiError> CheckParts(const MultipartPlan& plan,
                                                                       const std::vector<storage::UploadedPart>& listed,
                                                                       const std::map<int, std::string>& client_etags) {
  std::map<int, const storage::UploadedPart*> by_number;
  for (const storage::UploadedPart& p : listed) by_number[p.number] = &p;
  std::vector<int> missing;
  for (int n = 1; n <= plan.part_count; ++n)
    if (!by_number.count(n)) missing.push_back(n);
  if (!missing.empty()) {
    const std::size_t count = missing.size();
    if (missing.size() > kMaxMissingListed) missing.resize(kMaxMissingListed);
    return BadRequest(std::to_string(count) + (count == 1 ? " part" : " parts") + " missing",
                      {{"missing", missing}, {"partCount", plan.part_count}});
  }
  std::vector<storage::CompletedPart> parts;
  for (int n = 1; n <= plan.part_count; ++n) {
    const storage::UploadedPart& p = *by_number[n];
    if (p.size != plan.PartLength(n))
      return BadRequest("part " + std::to_string(n) + " has " + std::to_string(p.size) + " bytes, expected " +
                            std::to_string(plan.PartLength(n)),
                        {{"partNumber", n}, {"size", p.size}, {"expected", plan.PartLength(n)}});
    auto given = client_etags.find(n);
    if (given != client_etags.end() && Unquoted(given->second) != Unquoted(p.etag))
      return BadRequest("part " + std::to_string(n) + " has ETag " + p.etag + " in the store, not " + given->second,
                        {{"partNumber", n}});
    parts.push_back({n, p.etag});
  }
  return parts;
}

std::variant<std::vector<int>, ApiError> ParsePartNumbers(std::string_view body, const MultipartPlan& plan) {
  auto doc = ParseObject(body);
  if (!doc) return BadRequest("the body must be a JSON object");
  auto it = doc->find("partNumbers");
  if (it == doc->end() || !it->is_array() || it->empty() || it->size() > static_cast<std::size_t>(kMaxPartUrls))
    return BadRequest("partNumbers must be an array of 1-1000 part numbers", {{"field", "partNumbers"}});
  std::vector<int> numbers;
  std::set<int> seen;
  for (const nlohmann::json& v : *it) {
    if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > plan.part_count)
      return BadRequest("part numbers are 1-" + std::to_string(plan.part_count),
                        {{"field", "partNumbers"}, {"partCount", plan.part_count}});
    const int n = v.get<int>();
    if (!seen.insert(n).second)
      return BadRequest("part " + std::to_string(n) + " asked twice", {{"field", "partNumbers"}});
    numbers.push_back(n);
  }
  return numbers;
}

std::variant<std::map<int, std::string>, ApiError> ParseCompleteBody(std::string_view body) {
  auto doc = ParseObject(body);
  if (!doc) return BadRequest("the body must be a JSON object");
  std::map<int, std::string> etags;
  auto it = doc->find("parts");
  if (it == doc->end() || it->is_null()) return etags;
  if (!it->is_array() || it->size() > static_cast<std::size_t>(kMaxParts))
    return BadRequest("parts must be an array of {partNumber, etag}", {{"field", "parts"}});
  for (const nlohmann::json& p : *it) {
    const bool ok = p.is_object() && p.contains("partNumber") && p["partNumber"].is_number_integer() &&
                    p.contains("etag") && p["etag"].is_string() && p["partNumber"].get<long long>() >= 1 &&
                    p["partNumber"].get<long long>() <= kMaxParts;
    if (!ok) return BadRequest("parts must be an array of {partNumber, etag}", {{"field", "parts"}});
    etags[p["partNumber"].get<int>()] = p["etag"].get<std::string>();
  }
  return etags;
}

}  // namespace tcoder::control
