#include "control/job_request.h"

#include <algorithm>
#include <array>
#include <optional>

#include "common/ascii.h"
#include "common/json_text.h"
#include "http/url_parts.h"

namespace tcoder::control {
namespace {

using nlohmann::json;

constexpr std::array kPresets = {"default", "web-optimized", "hls", "hls-adaptive", "cmaf"};
constexpr std::array kQualities = {"144p", "240p", "360p", "480p", "720p", "1080p", "1440p", "2160p"};

template <typename Array>
bool Contains(const Array& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

ApiError FieldError(std::string field, std::string reason) {
  return BadRequest("invalid " + field + ": " + reason, {{"field", field}, {"reason", reason}});
}

bool HasControlChars(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

std::optional<ApiError> CheckFilename(const std::string& name, const RequestLimits& limits) {
  if (name.empty()) return FieldError("filename", "must not be empty");
  if (name.size() > limits.max_filename)
    return FieldError("filename", "longer than " + std::to_string(limits.max_filename) + " bytes");
  if (HasControlChars(name)) return FieldError("filename", "contains control characters");
  if (name.find('/') != std::string::npos || name.find('\\') != std::string::npos)
    return FieldError("filename", "must be a plain file name (no '/', '\\' or '..')");
  if (name == "." || name == "..") return FieldError("filename", "must be a plain file name (no '/', '\\' or '..')");
  return std::nullopt;
}

// Optional string field; error when present with another type.
std::optional<ApiError> GetString(const json& body, const char* field, std::string& out) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) return FieldError(field, "must be a string");
  out = it->get<std::string>();
  return std::nullopt;
}

std::optional<ApiError> ParseSize(const json& body, JobRequest& req, const RequestLimits& limits) {
  auto it = body.find("size");
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer() || (it->is_number_integer() && !it->is_number_unsigned() && it->get<long long>() < 0))
    return FieldError("size", "must be a non-negative integer (bytes)");
  std::uint64_t size = it->get<std::uint64_t>();
  if (size > limits.max_upload_size) {
    ApiError e{
        413,
        "file too large: " + std::to_string(size) + " bytes, the limit is " + std::to_string(limits.max_upload_size),
        {{"field", "size"}, {"limit", limits.max_upload_size}}};
    return e;
  }
  req.spec.size = size;
  return std::nullopt;
}

std::optional<ApiError> ParseQualities(const json& body, JobRequest& req) {
  auto it = body.find("outputQualities");
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_array()) return FieldError("outputQualities", "must be an array of qualities");
  if (it->empty() || it->size() > kQualities.size()) return FieldError("outputQualities", "must list 1 to 8 qualities");
  for (const json& q : *it) {
    if (!q.is_string() || !Contains(kQualities, q.get<std::string>())) {
      return BadRequest("unknown quality " + JsonText(q) + " (known: 144p 240p 360p 480p 720p 1080p 1440p 2160p)",
                        {{"field", "outputQualities"}, {"value", q}});
    }
    std::string name = q.get<std::string>();
    auto& list = req.spec.output_qualities;
    if (std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);
  }
  return std::nullopt;
}

std::optional<ApiError> ParseOptions(const json& body, JobRequest& req, const RequestLimits& limits) {
  state::JobSpec& s = req.spec;
  if (auto e = GetString(body, "contentType", s.content_type)) return e;
  if (s.content_type.size() > 255 || HasControlChars(s.content_type))
    return FieldError("contentType", "must be a media type of at most 255 printable bytes");
  if (auto e = ParseSize(body, req, limits)) return e;
  if (auto e = GetString(body, "preset", s.preset)) return e;
  if (!Contains(kPresets, s.preset))
    return BadRequest("unknown preset \"" + s.preset + "\" (known: default web-optimized hls hls-adaptive cmaf)",
                      {{"field", "preset"}, {"value", s.preset}});
  if (auto e = ParseQualities(body, req)) return e;
  if (auto e = GetString(body, "download", s.download)) return e;
  if (!s.download.empty() && s.download != "top" && !Contains(kQualities, s.download))
    return BadRequest("unknown download \"" + s.download + "\" (a quality such as 720p, or top)",
                      {{"field", "download"}, {"value", s.download}});
  if (auto e = GetString(body, "webhookUrl", s.webhook_url)) return e;
  if (!s.webhook_url.empty() && !IsValidWebhookUrl(s.webhook_url, limits.max_webhook_url))
    return FieldError("webhookUrl", "must be an absolute http or https URL of at most 2048 bytes");
  if (auto e = GetString(body, "visibility", s.visibility)) return e;
  if (s.visibility != "public" && s.visibility != "premium")
    return FieldError("visibility", "must be \"public\" or \"premium\"");
  if (auto it = body.find("priority"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer()) return FieldError("priority", "must be an integer");
    long long p = it->get<long long>();
    if (p < state::kMinPriority || p > state::kMaxPriority)
      return FieldError("priority", "must be between -1000 and 1000 (lower runs first)");
    s.priority = static_cast<int>(p);
  }
  if (auto it = body.find("metadata"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return FieldError("metadata", "must be a JSON object");
    if (JsonText(*it).size() > limits.max_metadata)
      return FieldError("metadata", "larger than " + std::to_string(limits.max_metadata) + " bytes");
    s.metadata = *it;
  }
  return std::nullopt;
}

std::optional<ApiError> ParseInput(const json& body, JobRequest& req, RequestKind kind, const RequestLimits& limits) {
  if (kind == RequestKind::kUpload) {
    auto it = body.find("filename");
    if (it == body.end() || !it->is_string()) return FieldError("filename", "is required (a string)");
    req.spec.filename = it->get<std::string>();
    if (auto m = body.find("multipart"); m != body.end() && !m->is_null()) {
      if (!m->is_boolean()) return FieldError("multipart", "must be true or false");
      req.multipart = m->get<bool>();
    }
    return CheckFilename(req.spec.filename, limits);
  }
  if (auto e = GetString(body, "inputKey", req.spec.input_key)) return e;
  if (auto e = GetString(body, "inputUrl", req.input_url)) return e;
  if (req.spec.input_key.empty() == req.input_url.empty())
    return BadRequest("give exactly one of inputKey or inputUrl", {{"field", "inputKey"}});
  if (!req.spec.input_key.empty()) {
    const std::string& key = req.spec.input_key;
    if (key.size() > 1024 || key.find('\0') != std::string::npos || HasControlChars(key))
      return FieldError("inputKey", "must be 1-1024 bytes without control characters");
  } else if (!IsValidWebhookUrl(req.input_url, 4096)) {
    return FieldError("inputUrl", "must be an absolute http or https URL");
  }
  std::string filename;
  if (auto e = GetString(body, "filename", filename)) return e;
  if (filename.empty()) {
    std::string_view from = req.spec.input_key.empty() ? std::string_view(req.input_url) : req.spec.input_key;
    from = from.substr(0, from.find('?'));
    filename = std::string(from.substr(from.rfind('/') + 1));
    if (filename.empty()) filename = "input";
    if (filename.size() > limits.max_filename) filename.resize(limits.max_filename);
  }
  req.spec.filename = filename;
  return CheckFilename(req.spec.filename, limits);
}

}  // namespace

std::variant<JobRequest, ApiError> ParseJobRequest(std::string_view body, RequestKind kind,
                                                   const RequestLimits& limits) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return BadRequest("malformed JSON body", {{"reason", "the body does not parse as JSON"}});
  if (!doc.is_object()) return BadRequest("the body must be a JSON object");
  JobRequest req;
  if (auto e = ParseInput(doc, req, kind, limits)) return *e;
  if (auto e = ParseOptions(doc, req, limits)) return *e;
  return req;
}

std::string SanitizeFilename(std::string_view filename) {
  std::string out;
  for (char c : filename) {
    out.push_back(IsAsciiAlnum(c) || c == '.' || c == '-' || c == '_' ? c : '_');
  }
  if (out.empty() || out.find_first_not_of('.') == std::string::npos) out = "input";
  return out;
}

std::string UploadKey(std::string_view job_id, std::string_view filename) {
  return "uploads/" + std::string(job_id) + "/" + SanitizeFilename(filename);
}

bool IsValidWebhookUrl(std::string_view url, std::size_t max_length) {
  if (url.empty() || url.size() > max_length) return false;
  if (std::any_of(url.begin(), url.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }))
    return false;
  auto parts = http::ParseUrl(url);
  return parts.ok() && (parts->scheme == "http" || parts->scheme == "https") && !parts->host.empty();
}

}  // namespace tcoder::control
