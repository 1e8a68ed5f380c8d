// Test support: paths of the built binary and the shared vectors, free
// loopback ports, and waiting for a server to listen.
//
// For tests only. Functions are thread-safe.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "common/file_util.h"

namespace tcoder::testing {

std::filesystem::path TcoderBinary();  // $TCODER_TEST_BINARY, else build/.../tcoder of this build
std::filesystem::path SourceDir();     // the repository root
std::filesystem::path SharedDir();     // ../shared beside the repository (the vectors)

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();
// True once 127.0.0.1:port accepts connections.
bool WaitForPort(int port, std::chrono::milliseconds timeout);
// A blocking TCP connection to 127.0.0.1:port whose reads give up after
// `read_timeout`; an invalid fd when the connect fails.
UniqueFd ConnectLoopback(int port, std::chrono::seconds read_timeout);

}  // namespace tcoder::testing
