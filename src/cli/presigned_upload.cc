#include "cli/presigned_upload.h"

#include "http/curl_transport.h"

namespace tcoder::cli {
namespace {

// "<Code>AccessDenied</Code>" -> "AccessDenied".
std::string XmlField(const std::string& xml, const std::string& name) {
  const auto open = xml.find("<" + name + ">");
  if (open == std::string::npos) return "";
  const auto start = open + name.size() + 2;
  const auto close = xml.find("</" + name + ">", start);
  return close == std::string::npos ? "" : xml.substr(start, close - start);
}

}  // namespace

Result<PutAnswer> PutFileRange(const std::string& url, const std::filesystem::path& path, std::uint64_t offset,
                               std::uint64_t length, const std::string& content_type,
                               const UploadProgress& on_progress) {
  http::HttpRequest req{.method = "PUT", .url = url};
  if (!content_type.empty()) req.headers.emplace_back("Content-Type", content_type);
  req.body_file = path;  // streamed from disk
  req.body_offset = offset;
  req.body_length = length;
  req.timeouts.connect = std::chrono::seconds(10);
  req.on_progress = [&on_progress](const http::TransferProgress& p) {
    if (on_progress && p.upload_total > 0) on_progress(p.uploaded, p.upload_total);
    return true;
  };
  http::CurlTransport transport;
  auto response = transport.Send(req);
  if (!response.ok() && response.status().code() != Code::kUnavailable) return response.status();  // the file, the URL
  if (!response.ok()) return Unavailable("upload failed: " + response.status().message());
  PutAnswer answer{response->status, "", ""};
  if (answer.ok()) return answer;
  answer.code = XmlField(response->body, "Code");
  const std::string message = XmlField(response->body, "Message");
  answer.message = "storage refused the upload: HTTP " + std::to_string(response->status) +
                   (answer.code.empty() ? "" : " " + answer.code) + (message.empty() ? "" : ": " + message);
  return answer;
}

Status PutFile(const std::string& url, const std::filesystem::path& path, const std::string& content_type,
               const UploadProgress& on_progress) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return NotFound("cannot read " + path.string() + ": " + ec.message());
  auto answer = PutFileRange(url, path, 0, size, content_type, on_progress);
  if (!answer.ok()) return answer.status();
  if (answer->ok()) return Status::Ok();
  return Status(answer->status == 403 ? Code::kPermissionDenied : Code::kInvalidArgument, answer->message);
}

}  // namespace tcoder::cli
