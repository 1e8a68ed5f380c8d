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

TEST(NetUtil, InternalAddressesAreRecognised) {
  for (const char* ip : {"127.0.0.1",
                         "10.1.2.3",
                         "172.16.0.1",
                         "172.31.255.255",
                         "192.168.1.1",
                         "169.254.169.254",
                         "100.64.0.1",
                         "0.0.0.0",
                         "255.255.255.255",
                         "224.0.0.1",
                         "::1",
                         "::",
                         "fe80::1",
                         "fd00::1",
                         "fc00::1",
                         "fd00:ec2::254",
                         "::ffff:127.0.0.1",
                         "::ffff:169.254.169.254",
                         "::127.0.0.1",
                         "64:ff9b::a9fe:a9fe",
                         "2002:7f00:1::1",
                         "2002:a9fe:a9fe::",
                         "ff02::1",
                         "bogus",
                         "",
                         "127.0.0.1:80",
                         "localhost"})
    EXPECT_TRUE(IsInternalAddress(ip)) << ip;
  for (const char* ip : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "169.255.0.1", "2606:4700::1111", "::ffff:8.8.8.8",
                         "64:ff9b::808:808", "2002:808:808::1"})
    EXPECT_FALSE(IsInternalAddress(ip)) << ip;
}

TEST(NetUtil, SocketAddressesAreCheckedTheSameWay) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  ASSERT_EQ(::inet_pton(AF_INET, "169.254.169.254", &v4.sin_addr), 1);
  EXPECT_TRUE(IsInternalAddress(reinterpret_cast<sockaddr*>(&v4)));
  EXPECT_EQ(AddressText(reinterpret_cast<sockaddr*>(&v4)), "169.254.169.254");
  ASSERT_EQ(::inet_pton(AF_INET, "93.184.216.34", &v4.sin_addr), 1);
  EXPECT_FALSE(IsInternalAddress(reinterpret_cast<sockaddr*>(&v4)));
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  ASSERT_EQ(::inet_pton(AF_INET6, "::ffff:10.0.0.1", &v6.sin6_addr), 1);
  EXPECT_TRUE(IsInternalAddress(reinterpret_cast<sockaddr*>(&v6)));
  EXPECT_EQ(AddressText(reinterpret_cast<sockaddr*>(&v6)), "::ffff:10.0.0.1");
  sockaddr other{};
  other.sa_family = AF_UNIX;
  EXPECT_TRUE(IsInternalAddress(&other));
  EXPECT_TRUE(IsInternalAddress(static_cast<const sockaddr*>(nullptr)));
}

}  // namespace
}  // namespace tcoder
