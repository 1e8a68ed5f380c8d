#include "common/net_util.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tcoder {
namespace {

TEST(NetUtil, FreePortThenListeningPortAccepts) {
  const int port = PickFreePort();
  ASSERT_GT(port, 0);
  EXPECT_FALSE(PortAccepts("127.0.0.1", port));
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  EXPECT_TRUE(WaitForPort("127.0.0.1", port, std::chrono::seconds(2)));
  ::close(fd);
}

TEST(NetUtil, BadHostIsFalse) {
  EXPECT_FALSE(PortAccepts("not-an-address", 80));
  EXPECT_FALSE(WaitForPort("not-an-address", 80, std::chrono::milliseconds(50)));
}

}  // namespace
}  // namespace tcoder
