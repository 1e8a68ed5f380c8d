// Small TCP helpers: is a local port accepting (and waiting until it is), and
// whether an address is internal (not on the public internet), the one check
// that outbound requests to user-given URLs (webhooks, input URLs) share.
//
// Thread-safe free functions.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

struct sockaddr;

namespace tcoder {

// True when host:port accepts a TCP connection now (host is an IPv4 literal).
bool PortAccepts(const std::string& host, int port);
// Polls PortAccepts until it is true or `timeout` passes.
bool WaitForPort(const std::string& host, int port, std::chrono::milliseconds timeout);
// A TCP port on 127.0.0.1 that was free a moment ago; -1 on error.
int PickFreePort();

// True for addresses that are not on the public internet: unspecified,
// loopback, RFC 1918, CGNAT, link-local (169.254/16: cloud metadata),
// multicast, reserved, IPv6 unique-local and link-local, and IPv6 forms that
// embed an IPv4 address (mapped, compatible, NAT64, 6to4) of those. Anything
// that does not parse as an IP address counts as internal.
bool IsInternalAddress(std::string_view ip);
// The same for a socket address (AF_INET or AF_INET6; other families: true).
bool IsInternalAddress(const sockaddr* address);
// "1.2.3.4" or "2001:db8::1" of an AF_INET/AF_INET6 address; "" otherwise.
std::string AddressText(const sockaddr* address);

}  // namespace tcoder
