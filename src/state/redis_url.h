// RedisEndpoint: where a Redis server is, parsed from a URL.
//
// Accepted forms: redis://[[user]:password@]host[:port][/db], the same with
// rediss:// for TLS, and unix:///path/to/socket[?db=N] (also with
// [user]:password@ before the path), and Sentinel:
// redis+sentinel://[user:password@]host1[:26379],host2[:26379]/MASTER[/db]
// (rediss+sentinel:// for TLS to sentinels and master alike), where the
// master's address is asked of the sentinels at each connect and the user
// and password are the master's. User and password are percent-decoded
// ("p%40ss" is "p@ss").
// Thread-safety: plain values and a pure function.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace tcoder::state {

struct RedisEndpoint {
  std::string host;  // empty for a unix socket
  int port = 6379;
  std::string unix_path;  // set for unix:// URLs
  bool tls = false;       // rediss://
  struct HostPort {
    std::string host;
    int port = 26379;
  };
  std::vector<HostPort> sentinels;  // set for redis+sentinel:// URLs (host and port: the master, once found)
  std::string master_name;
  std::string user;      // empty with a password: AUTH password (the default user)
  std::string password;  // empty: no AUTH
  int db = 0;
  // "host:port", the socket path, or "master NAME via h1:p1,h2:p2"; never the password.
  std::string Describe() const;
};

// kInvalidArgument with the reason when `url` is not one of the forms above.
Result<RedisEndpoint> ParseRedisUrl(std::string_view url);

}  // namespace tcoder::state
