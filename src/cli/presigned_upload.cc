#include "cli/presigned_upload.h"

#include <curl/curl.h>

#include <cstdio>
#include <memory>

namespace tcoder::cli {
namespace {

size_t Collect(char* data, size_t size, size_t n, void* out) {
  auto* s = static_cast<std::string*>(out);
  if (s->size() < 64 * 1024) s->append(data, size * n);
  return size * n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t total, curl_off_t sent) {
  const auto* cb = static_cast<const UploadProgress*>(user);
  if (*cb && total > 0) (*cb)(static_cast<std::uint64_t>(sent), static_cast<std::uint64_t>(total));
  return 0;
}

// "<Code>AccessDenied</Code>" -> "AccessDenied".
std::string XmlField(const std::string& xml, const std::string& name) {
  const auto open = xml.find("<" + name + ">");
  if (open == std::string::npos) return "";
  const auto start = open + name.size() + 2;
  const auto close = xml.find("</" + name + ">", start);
  return close == std::string::npos ? "" : xml.substr(start, close - start);
}

}  // namespace

Status PutFile(const std::string& url, const std::filesystem::path& path, const std::string& content_type,
               const UploadProgress& on_progress) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return NotFound("cannot read " + path.string() + ": " + ec.message());
  std::unique_ptr<std::FILE, decltype(&std::fclose)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file) return NotFound("cannot open " + path.string());
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Internal("curl_easy_init failed");
  CURL* c = curl.get();
  curl_slist* headers = nullptr;
  if (!content_type.empty()) headers = curl_slist_append(headers, ("Content-Type: " + content_type).c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  std::string body;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READDATA, file.get());  // libcurl fread()s it
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &on_progress);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, 512L * 1024);
  const CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) return Unavailable(std::string("upload failed: ") + curl_easy_strerror(rc));
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300) return Status::Ok();
  const std::string code = XmlField(body, "Code");
  const std::string message = XmlField(body, "Message");
  return Status(status == 403 ? Code::kPermissionDenied : Code::kInvalidArgument,
                "storage refused the upload: HTTP " + std::to_string(status) + (code.empty() ? "" : " " + code) +
                    (message.empty() ? "" : ": " + message));
}

}  // namespace tcoder::cli
