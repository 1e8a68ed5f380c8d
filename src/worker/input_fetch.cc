#include "worker/input_fetch.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include <curl/curl.h>

#include "common/file_util.h"
#include "common/net_util.h"

namespace tcoder::worker {
namespace {

struct Transfer {
  const InputFetchOptions& options;
  UniqueFd fd;
  std::uint64_t written = 0;
  bool too_large = false;
  std::string refused;  // an internal address we would not connect to
  Status write_error;
};

// Called for every connection libcurl opens, after name resolution and for
// each redirect: the one place the address is known for sure.
curl_socket_t OpenSocket(void* data, curlsocktype purpose, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(data);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  const sockaddr* sa = &address->addr;
  if (!t->options.allow_private && IsInternalAddress(sa)) {
    t->refused = AddressText(sa);
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

size_t Write(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  if (t->written + len > t->options.max_bytes) {
    t->too_large = true;
    return 0;  // CURLE_WRITE_ERROR
  }
  size_t done = 0;
  while (done < len) {
    const ssize_t w = ::write(t->fd.get(), data + done, len - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      t->write_error = ErrnoStatus("writing the input file", errno);
      return 0;
    }
    done += static_cast<size_t>(w);
  }
  t->written += len;
  return len;
}

int Progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return t->options.stop && t->options.stop() ? 1 : 0;
}

void SetOptions(CURL* c, const std::string& url, Transfer& t) {
  const InputFetchOptions& o = t.options;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, static_cast<long>(o.max_redirects));
  curl_easy_setopt(c, CURLOPT_PROXY, "");  // no proxy from the environment: we check the real peer
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "tcoder-worker/1");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout.count()));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(o.stall_timeout.count()));
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(o.max_bytes));
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, OpenSocket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, Progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
}

Status FromHttpCode(long code, const std::string& shown) {
  const std::string what = "the input URL " + shown + " answered HTTP " + std::to_string(code);
  if (code >= 200 && code < 300) return Status::Ok();
  if (code == 408 || code == 429 || code >= 500) return Unavailable(what);
  return InvalidArgument(what);  // 4xx, or a 3xx without a usable Location
}

Status FromCurl(CURLcode rc, const Transfer& t, const std::string& shown) {
  if (!t.refused.empty()) {
    return InvalidArgument("input URL refused: " + shown + " connects to " + t.refused +
                           ", an internal address (private targets are not allowed)");
  }
  if (t.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
    return Status(Code::kTooLarge,
                  "the input at " + shown + " is over the limit of " + std::to_string(t.options.max_bytes) + " bytes");
  }
  if (!t.write_error.ok()) return Unavailable(t.write_error.ToString());
  const std::string why = std::string(curl_easy_strerror(rc));
  switch (rc) {
    case CURLE_ABORTED_BY_CALLBACK:
      return Status(Code::kCancelled, "stopped");
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_TOO_MANY_REDIRECTS:
      return InvalidArgument("input URL " + shown + ": " + why + " (only http and https, at most " +
                             std::to_string(t.options.max_redirects) + " redirects)");
    default:
      return Unavailable("fetching the input URL " + shown + ": " + why);
  }
}

}  // namespace

Status FetchInput(const std::string& url, const std::filesystem::path& file, const InputFetchOptions& options) {
  const std::string shown = RedactUrl(url);
  Transfer t{options,     UniqueFd(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)), 0, false, "",
             Status::Ok()};
  if (!t.fd.valid()) return Unavailable(ErrnoStatus("creating " + file.string(), errno).ToString());
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Unavailable("curl_easy_init failed");
  SetOptions(curl.get(), url, t);
  const CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) return FromCurl(rc, t, shown);
  long code = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &code);
  if (Status s = FromHttpCode(code, shown); !s.ok()) return s;
  if (::fsync(t.fd.get()) != 0) return Unavailable(ErrnoStatus("writing the input file", errno).ToString());
  return Status::Ok();
}

std::string RedactUrl(std::string_view url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> h(curl_url(), curl_url_cleanup);
  const std::string copy(url);
  if (curl_url_set(h.get(), CURLUPART_URL, copy.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) return "(bad URL)";
  curl_url_set(h.get(), CURLUPART_USER, nullptr, 0);
  curl_url_set(h.get(), CURLUPART_PASSWORD, nullptr, 0);
  curl_url_set(h.get(), CURLUPART_QUERY, nullptr, 0);
  curl_url_set(h.get(), CURLUPART_FRAGMENT, nullptr, 0);
  char* out = nullptr;
  if (curl_url_get(h.get(), CURLUPART_URL, &out, 0) != CURLUE_OK) return "(bad URL)";
  std::string result(out);
  curl_free(out);
  return result;
}

}  // namespace tcoder::worker
