#include "state/redis_url.h"

#include <charconv>
#include <optional>

#include "common/percent_decode.h"

namespace tcoder::state {
namespace {

std::optional<int> ParseInt(std::string_view s, int lo, int hi) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

// Takes "[user][:password]@" off the front of `rest` into `ep`. Without a
// colon the whole user info is the password (redis://secret@host).
Status TakeUserInfo(std::string_view& rest, RedisEndpoint& ep) {
  const auto at = rest.rfind('@');
  if (at == std::string_view::npos) return Status::Ok();
  const std::string_view userinfo = rest.substr(0, at);
  rest.remove_prefix(at + 1);
  const auto colon = userinfo.find(':');
  auto user = PercentDecode(colon == std::string_view::npos ? std::string_view() : userinfo.substr(0, colon));
  auto password = PercentDecode(colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1));
  if (!user || !password) return InvalidArgument("redis url: bad %-escape in the user or password");
  ep.user = std::move(*user);
  ep.password = std::move(*password);
  if (!ep.user.empty() && ep.password.empty()) return InvalidArgument("redis url: a user needs a password");
  return Status::Ok();
}

Result<RedisEndpoint> ParseUnix(std::string_view rest) {
  RedisEndpoint ep;
  if (Status s = TakeUserInfo(rest, ep); !s.ok()) return s;
  const auto q = rest.find('?');
  if (q != std::string_view::npos) {
    std::string_view query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    if (!query.starts_with("db=")) return InvalidArgument("redis url: only ?db=N is understood after a socket path");
    auto db = ParseInt(query.substr(3), 0, 1 << 20);
    if (!db) return InvalidArgument("redis url: bad database number");
    ep.db = *db;
  }
  if (!rest.starts_with('/')) return InvalidArgument("redis url: unix:// needs an absolute socket path");
  ep.unix_path = std::string(rest);
  return ep;
}

// "host[:port]" or "[v6]:port" into host_out and port_out (kept when absent).
Status ParseHostPort(std::string_view rest, std::string& host_out, int& port_out) {
  std::string_view host = rest;
  if (rest.starts_with('[')) {  // [ipv6]:port
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return InvalidArgument("redis url: unclosed [ in host");
    host = rest.substr(1, close - 1);
    rest.remove_prefix(close + 1);
  } else {
    const auto colon = rest.rfind(':');
    host = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon);
  }
  if (!rest.empty()) {
    if (!rest.starts_with(':')) return InvalidArgument("redis url: unexpected text after the host");
    auto port = ParseInt(rest.substr(1), 1, 65535);
    if (!port) return InvalidArgument("redis url: bad port");
    port_out = *port;
  }
  if (host.empty()) return InvalidArgument("redis url: missing host");
  host_out = std::string(host);
  return Status::Ok();
}

Status ParseDb(std::string_view db, RedisEndpoint& ep) {
  if (db.empty()) return Status::Ok();
  auto n = ParseInt(db, 0, 1 << 20);
  if (!n) return InvalidArgument("redis url: bad database number");
  ep.db = *n;
  return Status::Ok();
}

Result<RedisEndpoint> ParseTcp(std::string_view rest, bool tls) {
  RedisEndpoint ep;
  ep.tls = tls;
  const auto slash = rest.find('/');
  std::string_view db;
  if (slash != std::string_view::npos) {
    db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (Status s = TakeUserInfo(rest, ep); !s.ok()) return s;
  if (Status s = ParseHostPort(rest, ep.host, ep.port); !s.ok()) return s;
  if (Status s = ParseDb(db, ep); !s.ok()) return s;
  return ep;
}

// host1:port1,host2:port2/MASTER[/db]
Result<RedisEndpoint> ParseSentinel(std::string_view rest, bool tls) {
  RedisEndpoint ep;
  ep.tls = tls;
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return InvalidArgument("redis url: Sentinel needs /MASTER_NAME after the hosts");
  std::string_view path = rest.substr(slash + 1);
  rest = rest.substr(0, slash);
  if (Status s = TakeUserInfo(rest, ep); !s.ok()) return s;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    RedisEndpoint::HostPort hp;
    if (Status s = ParseHostPort(rest.substr(0, comma), hp.host, hp.port); !s.ok()) return s;
    ep.sentinels.push_back(std::move(hp));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  if (ep.sentinels.empty()) return InvalidArgument("redis url: no sentinel host");
  const auto db_slash = path.find('/');
  ep.master_name = std::string(path.substr(0, db_slash));
  if (ep.master_name.empty()) return InvalidArgument("redis url: empty master name");
  if (db_slash != std::string_view::npos) {
    if (Status s = ParseDb(path.substr(db_slash + 1), ep); !s.ok()) return s;
  }
  return ep;
}

}  // namespace

std::string RedisEndpoint::Describe() const {
  if (!sentinels.empty()) {
    std::string via;
    for (const HostPort& s : sentinels) via += (via.empty() ? "" : ",") + s.host + ":" + std::to_string(s.port);
    return "master " + master_name + (host.empty() ? "" : " (" + host + ":" + std::to_string(port) + ")") + " via " +
           via;
  }
  return unix_path.empty() ? host + ":" + std::to_string(port) : unix_path;
}

Result<RedisEndpoint> ParseRedisUrl(std::string_view url) {
  if (url.starts_with("redis://")) return ParseTcp(url.substr(8), false);
  if (url.starts_with("rediss://")) return ParseTcp(url.substr(9), true);
  if (url.starts_with("unix://")) return ParseUnix(url.substr(7));
  if (url.starts_with("redis+sentinel://")) return ParseSentinel(url.substr(17), false);
  if (url.starts_with("rediss+sentinel://")) return ParseSentinel(url.substr(18), true);
  return InvalidArgument("redis url: expected redis://host[:port][/db], rediss://… or unix:///path");
}

}  // namespace tcoder::state
