#include "worker_report_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

namespace tcoder::testing {
namespace {

// Reads one HTTP/1.1 request with a Content-Length body from `fd`.
bool ReadRequest(int fd, ReceivedRequest* out) {
  std::string data;
  char buf[4096];
  std::size_t header_end = std::string::npos;
  std::size_t length = 0;
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return false;
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    data.append(buf, static_cast<std::size_t>(n));
    if (header_end == std::string::npos && (header_end = data.find("\r\n\r\n")) != std::string::npos) {
      std::size_t pos = data.find("\r\n");
      out->request_line = data.substr(0, pos);
      while (pos < header_end) {
        const std::size_t next = data.find("\r\n", pos + 2);
        const std::string line = data.substr(pos + 2, next - pos - 2);
        const std::size_t colon = line.find(':');
        if (colon != std::string::npos) {
          std::string name = line.substr(0, colon);
          std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
          out->headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
        }
        pos = next;
      }
      length = std::stoul(out->headers.count("content-length") ? out->headers["content-length"] : "0");
    }
    if (header_end != std::string::npos && data.size() >= header_end + 4 + length) {
      out->body = data.substr(header_end + 4, length);
      return true;
    }
  }
}

}  // namespace

ReportReceiver::ReportReceiver() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::listen(listen_fd_, 8) == 0 &&
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port_ = ntohs(addr.sin_port);
  }
  thread_ = std::thread([this] { Serve(); });
}

ReportReceiver::~ReportReceiver() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

void ReportReceiver::Serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ReceivedRequest req;
    if (ReadRequest(fd, &req)) {
      const char kOk[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      [[maybe_unused]] ssize_t w = ::write(fd, kOk, sizeof kOk - 1);
      std::lock_guard lock(mu_);
      if (!got_) request_ = std::move(req);
      got_ = true;
    }
    ::close(fd);
  }
}

bool ReportReceiver::Wait(std::chrono::milliseconds timeout, ReceivedRequest* out) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    {
      std::lock_guard lock(mu_);
      if (got_) {
        *out = request_;
        return true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace tcoder::testing
