// Hashes, HMAC, encodings and randomness over OpenSSL: the one place its
// errors and types are handled.
//
// Digests come back as raw bytes in a std::string; Hex() and Base64() render
// them. Sha256 and Md5 also stream. RandomToken() uses the OS CSPRNG.
// Thread-safety: free functions are thread-safe; a hasher object is not.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tcoder::crypto {

std::string Sha256(std::string_view data);
std::string Md5(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);

std::string Hex(std::string_view bytes);  // lower case
std::string Base64(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);  // nullopt if malformed
std::string Base64Url(std::string_view bytes);                   // no padding
std::optional<std::string> Base64UrlDecode(std::string_view text);

// `n` bytes from the CSPRNG. Aborts if the CSPRNG fails (it does not).
std::string RandomBytes(std::size_t n);
// A URL-safe random token with `bytes` bytes of entropy.
std::string RandomToken(std::size_t bytes = 24);

// Comparison whose time does not depend on where the inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Incremental digests (for bodies streamed to disk).
class Hasher {
 public:
  enum class Kind { kSha256, kMd5 };
  explicit Hasher(Kind kind);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void Update(std::string_view data);
  std::string Final();  // raw digest; the hasher can't be updated after

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tcoder::crypto
