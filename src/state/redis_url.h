// RedisEndpoint: where a Redis server is, parsed from a URL.
//
// Accepted forms: redis://[[user]:password@]host[:port][/db], the same with
// rediss:// for TLS, and unix:///path/to/socket[?db=N] (also with
// [user]:password@ before the path). User and password are percent-decoded
// ("p%40ss" is "p@ss").
// Thread-safety: plain values and a pure function.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace tcoder::state {

struct RedisEndpoint {
  std::string host;  // empty for a unix socket
  int port = 6379;
  std::string unix_path;  // set for unix:// URLs
  bool tls = false;       // rediss://
  std::string user;       // empty with a password: AUTH password (the default user)
  std::string password;   // empty: no AUTH
  int db = 0;
  // "host:port" or the socket path; never the password.
  std::string Describe() const;
};

// kInvalidArgument with the reason when `url` is not one of the forms above.
Result<RedisEndpoint> ParseRedisUrl(std::string_view url);

}  // namespace tcoder::state
