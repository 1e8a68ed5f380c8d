// Small TCP helpers for supervisors and tests: is a local port accepting, and
// waiting until it is.
//
// Thread-safe free functions.
#pragma once

#include <chrono>
#include <string>

namespace tcoder {

// True when host:port accepts a TCP connection now (host is an IPv4 literal).
bool PortAccepts(const std::string& host, int port);
// Polls PortAccepts until it is true or `timeout` passes.
bool WaitForPort(const std::string& host, int port, std::chrono::milliseconds timeout);
// A TCP port on 127.0.0.1 that was free a moment ago; -1 on error.
int PickFreePort();

}  // namespace tcoder
