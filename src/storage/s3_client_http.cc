// CurlTransport: one libcurl easy handle, reset per request and kept for
// keep-alive; bodies stream through pread/pwrite callbacks (see s3_client_http.h).
#include "storage/s3_client_http.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "common/file_util.h"

namespace tcoder::storage {
namespace {

constexpr std::size_t kMaxErrorBody = 64 << 10;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Owns a curl_slist.
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// The state one transfer's callbacks share.
struct Transfer {
  CURL* easy = nullptr;
  const HttpRequest* req = nullptr;
  HttpResponse* resp = nullptr;
  int body_fd = -1;
  std::uint64_t body_sent = 0;
  bool too_large = false;
  int io_errno = 0;
};

bool Is2xx(CURL* easy) {
  long code = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
  return code >= 200 && code < 300;
}

size_t OnWrite(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  if (t->req->response_fd >= 0 && Is2xx(t->easy)) {
    size_t done = 0;
    while (done < len) {
      ssize_t w =
          ::pwrite(t->req->response_fd, data + done, len - done, static_cast<off_t>(t->resp->bytes_to_fd + done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        t->io_errno = w < 0 ? errno : ENOSPC;
        return 0;
      }
      done += static_cast<size_t>(w);
    }
    t->resp->bytes_to_fd += len;
    return len;
  }
  const bool ok = Is2xx(t->easy);
  const size_t cap = ok ? t->req->max_body_bytes : kMaxErrorBody;
  if (t->resp->body.size() + len > cap) {
    if (!ok) return len;  // an error body: keep its start, drop the rest
    t->too_large = true;
    return 0;
  }
  t->resp->body.append(data, len);
  return len;
}

// Reads the next piece of the body: from memory, or from the file range.
size_t OnRead(char* buffer, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  if (t->body_fd < 0) {
    const std::string& body = t->req->body;
    const size_t len = std::min(size * n, body.size() - static_cast<size_t>(t->body_sent));
    std::memcpy(buffer, body.data() + t->body_sent, len);
    t->body_sent += len;
    return len;
  }
  const std::uint64_t left = t->req->body_length - t->body_sent;
  const size_t want = static_cast<size_t>(std::min<std::uint64_t>(left, size * n));
  if (want == 0) return 0;
  while (true) {
    ssize_t r = ::pread(t->body_fd, buffer, want, static_cast<off_t>(t->req->body_offset + t->body_sent));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      t->io_errno = r < 0 ? errno : EIO;  // the file shrank under us
      return CURL_READFUNC_ABORT;
    }
    t->body_sent += static_cast<std::uint64_t>(r);
    return static_cast<size_t>(r);
  }
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* resp = static_cast<HttpResponse*>(user);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) resp->headers.clear();  // a new response (after 100 Continue)
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  resp->headers.emplace_back(std::move(name), std::string(value));
  return size * n;
}

Status FromCurl(CURLcode rc, const Transfer& t, const char* errbuf) {
  std::string detail = std::string(curl_easy_strerror(rc)) + (errbuf[0] ? std::string(": ") + errbuf : "");
  switch (rc) {
    case CURLE_WRITE_ERROR:
      if (t.too_large) return {Code::kTooLarge, "S3 response body is larger than the allowed size"};
      return ErrnoStatus("writing the S3 response", t.io_errno);
    case CURLE_READ_ERROR:
    case CURLE_ABORTED_BY_CALLBACK:
      return ErrnoStatus("reading the upload body", t.io_errno);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return InvalidArgument("bad S3 URL: " + detail);
    default:
      return Unavailable("S3 request failed: " + detail);
  }
}

Slist BuildHeaders(const HttpHeaders& headers) {
  curl_slist* list = nullptr;
  auto add = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(list, line.c_str());
    TCODER_CHECK(next != nullptr, "curl_slist_append: out of memory");
    list = next;
  };
  for (const auto& [name, value] : headers) add(value.empty() ? name + ";" : name + ": " + value);
  add("Expect:");  // no 100-continue round trip
  return Slist(list);
}

void SetCommon(CURL* easy, const HttpRequest& req, Transfer& t, const CurlTimeouts& timeouts) {
  curl_easy_setopt(easy, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PATH_AS_IS, 1L);  // keys may hold "..", "//"
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, OnWrite);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(easy, CURLOPT_READFUNCTION, OnRead);
  curl_easy_setopt(easy, CURLOPT_READDATA, &t);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, t.resp);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeouts.connect.count()));
  if (req.streaming) {
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(timeouts.stall.count()));
  } else {
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(timeouts.request.count()));
  }
}

// Bodies always come through OnRead, for PUT (upload) and POST alike.
void SetMethod(CURL* easy, const HttpRequest& req) {
  const auto size = static_cast<curl_off_t>(req.body_file.empty() ? req.body.size() : req.body_length);
  if (req.method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else if (req.method == "PUT") {
    curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, size);
  } else if (req.method == "POST") {
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, size);
  } else if (req.method != "GET") {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
}

}  // namespace

std::string HttpResponse::Header(std::string_view lower_name) const {
  for (const auto& [n, v] : headers) {
    if (n == lower_name) return v;
  }
  return "";
}

struct CurlTransport::Handle {
  CURL* easy = nullptr;
  Handle() : easy(curl_easy_init()) { TCODER_CHECK(easy != nullptr, "curl_easy_init failed"); }
  ~Handle() { curl_easy_cleanup(easy); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
};

CurlTransport::CurlTransport(CurlTimeouts timeouts) : timeouts_(timeouts) {
  GlobalInit();
  handle_ = std::make_unique<Handle>();
}

CurlTransport::~CurlTransport() = default;

Result<HttpResponse> CurlTransport::Send(const HttpRequest& req) {
  std::lock_guard lock(mu_);
  CURL* easy = handle_->easy;
  curl_easy_reset(easy);
  HttpResponse resp;
  Transfer t{easy, &req, &resp};
  UniqueFd body_fd;
  if (!req.body_file.empty()) {
    body_fd.Reset(::open(req.body_file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!body_fd.valid()) return ErrnoStatus("open " + req.body_file.string(), errno);
    t.body_fd = body_fd.get();
  }
  char errbuf[CURL_ERROR_SIZE] = {0};
  Slist headers = BuildHeaders(req.headers);
  SetCommon(easy, req, t, timeouts_);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.get());
  SetMethod(easy, req);
  CURLcode rc = curl_easy_perform(easy);
  if (rc != CURLE_OK) return FromCurl(rc, t, errbuf);
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &resp.status);
  return resp;
}

}  // namespace tcoder::storage
