#include "http/fake_transport.h"

#include <fcntl.h>
#include <strings.h>
#include <unistd.h>

#include <cerrno>

#include "common/file_util.h"

namespace tcoder::http {
namespace {

Result<std::string> ReadFileRange(const HttpRequest& req) {
  UniqueFd fd(::open(req.body_file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus("open " + req.body_file.string(), errno);
  std::string out(req.body_length, '\0');
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t r = ::pread(fd.get(), out.data() + done, out.size() - done, static_cast<off_t>(req.body_offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return ErrnoStatus("reading " + req.body_file.string(), errno);
    if (r == 0) return IOError("the request body ended early");
    done += static_cast<std::size_t>(r);
  }
  return out;
}

Result<std::string> ReadReader(const HttpRequest& req) {
  std::string out;
  char buffer[16 << 10];
  while (out.size() < req.body_length) {
    Result<std::size_t> got =
        req.body_reader(buffer, std::min<std::uint64_t>(sizeof buffer, req.body_length - out.size()));
    if (!got.ok()) return got.status();
    if (*got == 0) return IOError("the request body ended early");
    out.append(buffer, *got);
  }
  return out;
}

// The body the request sends, whatever its source.
Result<std::string> BodyOf(const HttpRequest& req) {
  if (!req.body_file.empty()) return ReadFileRange(req);
  if (req.body_reader) return ReadReader(req);
  return req.body;
}

// Hands a reply's body to the request's sink, as CurlTransport does.
Status Deliver(const HttpRequest& req, HttpResponse& resp) {
  if (!resp.ok()) {
    if (resp.body.size() > (64 << 10)) resp.body.resize(64 << 10);
    return Status::Ok();
  }
  resp.body_bytes = resp.body.size();
  if (resp.body.size() > req.max_body_bytes) return {Code::kTooLarge, "the response body is over the limit"};
  if (req.response_fd >= 0) {
    if (::pwrite(req.response_fd, resp.body.data(), resp.body.size(), 0) != static_cast<ssize_t>(resp.body.size()))
      return ErrnoStatus("writing the response body", errno);
    resp.body.clear();
  } else if (req.on_body) {
    const bool go_on = resp.body.empty() || req.on_body(resp.body);
    resp.body.clear();
    if (!go_on) return {Code::kCancelled, "stopped by the receiver"};
  }
  return Status::Ok();
}

}  // namespace

std::string SentRequest::Header(std::string_view name) const {
  for (const auto& [n, v] : request.headers) {
    if (n.size() == name.size() && ::strncasecmp(n.data(), name.data(), n.size()) == 0) return v;
  }
  return "";
}

void FakeTransport::Reply(long status, std::string body, HttpHeaders headers) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  std::lock_guard lock(mu_);
  replies_.emplace_back(std::move(r));
}

void FakeTransport::Fail(Status error) {
  std::lock_guard lock(mu_);
  replies_.emplace_back(std::move(error));
}

void FakeTransport::SetHandler(Handler handler) {
  std::lock_guard lock(mu_);
  handler_ = std::move(handler);
}

Result<HttpResponse> FakeTransport::Next(const HttpRequest& request) {
  Handler handler;
  {
    std::lock_guard lock(mu_);
    if (!replies_.empty()) {
      Result<HttpResponse> next = std::move(replies_.front());
      replies_.pop_front();
      return next;
    }
    handler = handler_;
  }
  if (handler) return handler(request);
  return Internal("FakeTransport: no reply queued for " + request.method + " " + request.url);
}

Result<HttpResponse> FakeTransport::Send(const HttpRequest& request) {
  Result<std::string> body = BodyOf(request);
  if (!body.ok()) return body.status();
  {
    std::lock_guard lock(mu_);
    sent_.push_back({request, *body});
  }
  Result<HttpResponse> reply = Next(request);
  if (!reply.ok()) return reply;
  const TransferProgress progress{body->size(), body->size(), 0, 0};
  if (request.on_progress && !request.on_progress(progress)) return Status(Code::kCancelled, "cancelled");
  if (Status s = Deliver(request, *reply); !s.ok()) return s;
  return reply;
}

std::vector<SentRequest> FakeTransport::requests() const {
  std::lock_guard lock(mu_);
  return sent_;
}

std::size_t FakeTransport::count() const {
  std::lock_guard lock(mu_);
  return sent_.size();
}

}  // namespace tcoder::http
