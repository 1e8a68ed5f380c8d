// TestCerts: a throwaway certificate authority and the certificates TLS tests
// need, made with the openssl command in a temp directory: a server
// certificate for `localhost` (and, unless dns_only, 127.0.0.1), a client
// certificate from the same CA, and a second CA that signed neither. For
// tests only.
#pragma once

#include <filesystem>
#include <memory>

#include "common/status.h"
#include "common/temp_dir.h"

namespace tcoder::testing {

class TestCerts {
 public:
  static Result<std::unique_ptr<TestCerts>> Create(bool dns_only = false);

  std::filesystem::path ca() const { return dir_.path() / "ca.crt"; }
  std::filesystem::path other_ca() const { return dir_.path() / "other-ca.crt"; }
  std::filesystem::path server_cert() const { return dir_.path() / "server.crt"; }
  std::filesystem::path server_key() const { return dir_.path() / "server.key"; }
  std::filesystem::path client_cert() const { return dir_.path() / "client.crt"; }
  std::filesystem::path client_key() const { return dir_.path() / "client.key"; }

 private:
  explicit TestCerts(TempDir dir) : dir_(std::move(dir)) {}
  TempDir dir_;
};

}  // namespace tcoder::testing
