#include "common/net_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "common/file_util.h"

namespace tcoder {
namespace {

bool Address(const std::string& host, int port, sockaddr_in& addr) {
  addr = {};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) == 1;
}

bool InternalV4(const unsigned char* b) {
  if (b[0] == 0 || b[0] == 10 || b[0] == 127) return true;
  if (b[0] == 100 && (b[1] & 0xC0) == 64) return true;        // 100.64/10 (CGNAT)
  if (b[0] == 169 && b[1] == 254) return true;                // link-local, cloud metadata
  if (b[0] == 172 && (b[1] & 0xF0) == 16) return true;        // 172.16/12
  if (b[0] == 192 && b[1] == 168) return true;                // 192.168/16
  if (b[0] == 192 && b[1] == 0 && b[2] == 0) return true;     // 192.0.0/24
  if (b[0] == 192 && b[1] == 0 && b[2] == 2) return true;     // documentation
  if (b[0] == 198 && (b[1] & 0xFE) == 18) return true;        // 198.18/15 (benchmarking)
  if (b[0] == 198 && b[1] == 51 && b[2] == 100) return true;  // documentation
  if (b[0] == 203 && b[1] == 0 && b[2] == 113) return true;   // documentation
  return b[0] >= 224;                                         // multicast, reserved, broadcast
}

bool AllZero(const unsigned char* b, int n) {
  for (int i = 0; i < n; ++i)
    if (b[i] != 0) return false;
  return true;
}

bool InternalV6(const unsigned char* b) {
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static const unsigned char kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(b, kMapped, 12) == 0 || std::memcmp(b, kNat64, 12) == 0) return InternalV4(b + 12);
  if (AllZero(b, 12)) return true;                             // ::, ::1 and IPv4-compatible ::a.b.c.d
  if (b[0] == 0x20 && b[1] == 0x02) return InternalV4(b + 2);  // 6to4 2002:a.b.c.d::/48
  if (b[0] == 0xfe && (b[1] & 0x80) == 0x80) return true;      // fe80::/10 link-local, fec0::/10 site-local
  if ((b[0] & 0xFE) == 0xfc) return true;                      // fc00::/7 unique-local
  if (b[0] == 0xff) return true;                               // multicast
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return true;  // documentation
  return false;
}

}  // namespace

bool IsInternalAddress(std::string_view ip) {
  const std::string s(ip);
  unsigned char buf[16];
  if (::inet_pton(AF_INET, s.c_str(), buf) == 1) return InternalV4(buf);
  if (::inet_pton(AF_INET6, s.c_str(), buf) == 1) return InternalV6(buf);
  return true;  // not an address: refuse
}

bool IsInternalAddress(const sockaddr* address) {
  if (address == nullptr) return true;
  if (address->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    return InternalV4(reinterpret_cast<const unsigned char*>(&in->sin_addr));
  }
  if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    return InternalV6(reinterpret_cast<const unsigned char*>(&in6->sin6_addr));
  }
  return true;
}

std::string AddressText(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address == nullptr) return "";
  if (address->sa_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text, sizeof text);
  } else if (address->sa_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text, sizeof text);
  }
  return text;
}

bool PortAccepts(const std::string& host, int port) {
  sockaddr_in addr;
  if (!Address(host, port, addr)) return false;
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  return fd.valid() && ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

bool WaitForPort(const std::string& host, int port, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (PortAccepts(host, port)) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int PickFreePort() {
  sockaddr_in addr;
  Address("127.0.0.1", 0, addr);
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid() || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return -1;
  socklen_t len = sizeof addr;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) return -1;
  return ntohs(addr.sin_port);
}

}  // namespace tcoder
