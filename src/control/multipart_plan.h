// MultipartPlan: how a client's multipart upload is cut into parts and when
// the parts the store holds make the whole file (docs/api.md, "Multipart,
// resumable uploads").
//
// Part n (1-based) is the bytes [(n-1)·part_size, min(n·part_size, size)):
// every part has part_size bytes but the last. The part size is the
// configured one, raised to a whole MiB when the file would need more than
// 10,000 parts, and never under S3's 5 MiB minimum. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "control/api_error.h"
#include "storage/s3_xml.h"

namespace tcoder::control {

inline constexpr std::uint64_t kMinPartSize = 5ull << 20;
inline constexpr std::uint64_t kMaxSinglePut = 5ull << 30;  // S3's and R2's limit for one PUT
inline constexpr int kMaxParts = 10000;
inline constexpr int kMaxPartUrls = 1000;  // presigned in one answer

struct MultipartPlan {
  std::uint64_t size = 0;
  std::uint64_t part_size = 0;
  int part_count = 0;

  // The byte count part `number` must have; 0 outside 1..part_count.
  std::uint64_t PartLength(int number) const;
};

// The plan for a file of `size` bytes (at least 1) with parts of about `configured` bytes.
MultipartPlan PlanParts(std::uint64_t size, std::uint64_t configured);
// The plan with the part size a client was given.
MultipartPlan PlanWithPartSize(std::uint64_t size, std::uint64_t part_size);

// Whether POST /api/upload goes multipart: asked for (`multipart` true), or
// above the threshold unless refused (false). A refusal above kMaxSinglePut
// and a multipart request without a size are 400s.
std::variant<bool, ApiError> ChooseMultipart(std::optional<bool> multipart, std::uint64_t size,
                                             std::uint64_t threshold);

// The parts to complete the upload with, in number order, when `listed` (what
// the store holds) has every part of the plan at its length and, where the
// client gave one, its ETag (quotes ignored). Else the 400 that says what is
// missing or wrong.
std::variant<std::vector<storage::CompletedPart>, ApiError> CheckParts(const MultipartPlan& plan,
                                                                       const std::vector<storage::UploadedPart>& listed,
                                                                       const std::map<int, std::string>& client_etags);

// The part numbers of a POST /api/uploads/{id}/parts body ({"partNumbers":[…]}),
// each within the plan, at most kMaxPartUrls, no repeats; or the 400.
std::variant<std::vector<int>, ApiError> ParsePartNumbers(std::string_view body, const MultipartPlan& plan);

// The ETags of a complete body ({} or {"parts":[{"partNumber","etag"}…]}); or the 400.
std::variant<std::map<int, std::string>, ApiError> ParseCompleteBody(std::string_view body);

}  // namespace tcoder::control
