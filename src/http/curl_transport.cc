// CurlTransport: one libcurl easy handle; bodies stream through read and
// write callbacks (pread/pwrite for files), and every callback that stops a
// transfer leaves the reason in Transfer::stopped (see curl_transport.h).
#include "http/curl_transport.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "common/file_util.h"

namespace tcoder::http {
namespace {

constexpr std::size_t kMaxErrorBody = 64 << 10;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// The state one exchange's callbacks share.
struct Transfer {
  CURL* easy = nullptr;
  const HttpRequest* req = nullptr;
  HttpResponse* resp = nullptr;
  int body_fd = -1;  // the open body_file
  std::uint64_t body_sent = 0;
  Status stopped;  // why a callback stopped the transfer
  Status refused;  // check_address's last refusal
};

bool IsSuccess(CURL* easy) {
  long code = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
  return code >= 200 && code < 300;
}

std::uint64_t BodyLength(const HttpRequest& req) {
  return req.body_file.empty() && !req.body_reader ? req.body.size() : req.body_length;
}

Status WriteAll(int fd, const char* data, std::size_t len, std::uint64_t offset) {
  std::size_t done = 0;
  while (done < len) {
    ssize_t w = ::pwrite(fd, data + done, len - done, static_cast<off_t>(offset + done));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return ErrnoStatus("writing the response body", w < 0 ? errno : ENOSPC);
    done += static_cast<std::size_t>(w);
  }
  return Status::Ok();
}

Status TooLarge(std::uint64_t limit) {
  return {Code::kTooLarge, "the response body is over the limit of " + std::to_string(limit) + " bytes"};
}

// A piece of a 2xx body to wherever the request sends it.
Status Deliver(Transfer& t, const char* data, std::size_t len) {
  if (t.resp->body_bytes + len > t.req->max_body_bytes) return TooLarge(t.req->max_body_bytes);
  if (t.req->response_fd >= 0) return WriteAll(t.req->response_fd, data, len, t.resp->body_bytes);
  if (t.req->on_body) {
    if (!t.req->on_body(std::string_view(data, len))) return {Code::kCancelled, "stopped by the receiver"};
    return Status::Ok();
  }
  t.resp->body.append(data, len);
  return Status::Ok();
}

size_t OnWrite(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  if (!IsSuccess(t->easy)) {  // an error body: keep its start
    const size_t room = kMaxErrorBody - std::min(kMaxErrorBody, t->resp->body.size());
    t->resp->body.append(data, std::min(room, len));
    return len;
  }
  if (Status s = Deliver(*t, data, len); !s.ok()) {
    t->stopped = std::move(s);
    return 0;  // CURLE_WRITE_ERROR
  }
  t->resp->body_bytes += len;
  return len;
}

Result<std::size_t> ReadFileRange(Transfer& t, char* buffer, std::size_t want) {
  while (true) {
    ssize_t r = ::pread(t.body_fd, buffer, want, static_cast<off_t>(t.req->body_offset + t.body_sent));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return ErrnoStatus("reading " + t.req->body_file.string(), errno);
    return static_cast<std::size_t>(r);
  }
}

// The next piece of the request body, from the file range, the reader or memory.
Result<std::size_t> ReadBody(Transfer& t, char* buffer, std::size_t capacity) {
  const HttpRequest& req = *t.req;
  const std::uint64_t total = BodyLength(req);
  const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(total - t.body_sent, capacity));
  if (want == 0) return std::size_t{0};
  if (req.body_file.empty() && !req.body_reader) {
    std::memcpy(buffer, req.body.data() + t.body_sent, want);
    return want;
  }
  Result<std::size_t> got = t.body_fd >= 0 ? ReadFileRange(t, buffer, want) : req.body_reader(buffer, want);
  if (got.ok() && (*got == 0 || *got > want)) {
    return IOError("the request body ended after " + std::to_string(t.body_sent) + " of " + std::to_string(total) +
                   " bytes");
  }
  return got;
}

size_t OnRead(char* buffer, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  Result<std::size_t> got = ReadBody(*t, buffer, size * n);
  if (!got.ok()) {
    t->stopped = got.status();
    return CURL_READFUNC_ABORT;
  }
  t->body_sent += *got;
  return *got;
}

// A 2xx response whose Content-Length is over the limit (HEAD has no body).
bool AnnouncesTooMuch(const Transfer& t, std::string_view value) {
  if (t.req->method == "HEAD" || !IsSuccess(t.easy)) return false;
  std::uint64_t length = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
  return ec == std::errc() && end == value.data() + value.size() && length > t.req->max_body_bytes;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (after 100 Continue or a redirect)
    t->resp->headers.clear();
    t->resp->body.clear();
  }
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  if (name == "content-length" && AnnouncesTooMuch(*t, value)) {
    t->stopped = TooLarge(t->req->max_body_bytes);
    return 0;  // refused before the body is read
  }
  t->resp->headers.emplace_back(std::move(name), std::string(value));
  return size * n;
}

// Every connection libcurl opens, after name resolution and for each
// redirect: the one place the peer's address is known for sure.
curl_socket_t OnOpenSocket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  if (Status s = t->req->check_address(&address->addr); !s.ok()) {
    t->refused = std::move(s);
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

int OnProgress(void* user, curl_off_t dl_total, curl_off_t dl_now, curl_off_t ul_total, curl_off_t ul_now) {
  auto* t = static_cast<Transfer*>(user);
  const TransferProgress p{static_cast<std::uint64_t>(ul_now), static_cast<std::uint64_t>(ul_total),
                           static_cast<std::uint64_t>(dl_now), static_cast<std::uint64_t>(dl_total)};
  if (t->req->on_progress(p)) return 0;
  t->stopped = Status(Code::kCancelled, "cancelled");
  return 1;
}

Status FromCurl(CURLcode rc, const Transfer& t, const char* errbuf) {
  if (!t.stopped.ok()) return t.stopped;
  if (rc == CURLE_COULDNT_CONNECT && !t.refused.ok()) return t.refused;
  const std::string detail = std::string(curl_easy_strerror(rc)) + (errbuf[0] ? std::string(": ") + errbuf : "");
  switch (rc) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_TOO_MANY_REDIRECTS:
      return InvalidArgument(detail);
    default:
      return Unavailable(detail);
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

void SetCallbacks(CURL* easy, Transfer& t) {
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, OnWrite);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(easy, CURLOPT_READFUNCTION, OnRead);
  curl_easy_setopt(easy, CURLOPT_READDATA, &t);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &t);
  if (t.req->on_progress) {
    curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(easy, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
  }
  if (t.req->check_address) {
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, OnOpenSocket);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, &t);
    curl_easy_setopt(easy, CURLOPT_PROXY, "");  // no proxy from the environment: check the real peer
  }
}

void SetTimeouts(CURL* easy, const HttpTimeouts& timeouts) {
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeouts.connect.count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(timeouts.total.count()));
  if (timeouts.low_speed_time.count() > 0) {
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, timeouts.low_speed_bytes);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(timeouts.low_speed_time.count()));
  }
}

void SetConnection(CURL* easy, const HttpRequest& req) {
  curl_easy_setopt(easy, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PATH_AS_IS, 1L);  // S3 keys may hold "..", "//"
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  if (req.max_redirects > 0) {
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(easy, CURLOPT_MAXREDIRS, static_cast<long>(req.max_redirects));
    curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  }
  if (!req.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, req.ca_file.c_str());
  if (!req.verify_tls) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }
}

// Bodies always come through OnRead: PUT and other methods as an upload,
// POST as a post of a known size.
void SetMethod(CURL* easy, const HttpRequest& req) {
  const auto size = static_cast<curl_off_t>(BodyLength(req));
  const bool has_body = size > 0 || !req.body_file.empty() || req.body_reader;
  if (req.method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else if (req.method == "POST") {
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, size);
  } else if (req.method == "PUT" || (req.method != "GET" && has_body)) {
    curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, size);
  }
  if (!req.body_file.empty() || req.body_reader) curl_easy_setopt(easy, CURLOPT_UPLOAD_BUFFERSIZE, 512L << 10);
  if (req.method != "GET" && req.method != "HEAD" && req.method != "POST" && req.method != "PUT") {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
}

}  // namespace

struct CurlTransport::Handle {
  CURL* easy = nullptr;
  Handle() : easy(curl_easy_init()) { TCODER_CHECK(easy != nullptr, "curl_easy_init failed"); }
  ~Handle() { curl_easy_cleanup(easy); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
};

CurlTransport::CurlTransport() {
  GlobalInit();
  handle_ = std::make_unique<Handle>();
}

CurlTransport::~CurlTransport() = default;

Result<HttpResponse> CurlTransport::Send(const HttpRequest& req) {
  std::lock_guard lock(mu_);
  // A checked request gets a handle of its own: no connection kept from an
  // earlier exchange can skip the check (CURLOPT_FRESH_CONNECT does not hold
  // for redirects).
  std::unique_ptr<Handle> own = req.check_address ? std::make_unique<Handle>() : nullptr;
  CURL* easy = own ? own->easy : handle_->easy;
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
  SetConnection(easy, req);
  SetTimeouts(easy, req.timeouts);
  SetCallbacks(easy, t);
  SetMethod(easy, req);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.get());
  const CURLcode rc = curl_easy_perform(easy);
  if (rc != CURLE_OK) return FromCurl(rc, t, errbuf);
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &resp.status);
  return resp;
}

}  // namespace tcoder::http
