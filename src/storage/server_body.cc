#include "storage/server_body.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>

#include "common/ascii.h"
#include "common/crypto.h"
#include "storage/aws_chunked.h"
#include "storage/s3_errors.h"

namespace tcoder::storage::server {
namespace {

constexpr std::size_t kReadSize = 256 * 1024;

bool IsHexSha256(std::string_view s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

std::string Crc32Base64(std::uint32_t crc) {
  const char be[4] = {static_cast<char>(crc >> 24), static_cast<char>(crc >> 16), static_cast<char>(crc >> 8),
                      static_cast<char>(crc)};
  return crypto::Base64(std::string_view(be, 4));
}

}  // namespace

std::uint32_t Crc32(std::uint32_t crc, std::string_view data) {
  while (!data.empty()) {
    const auto n = static_cast<uInt>(std::min<std::size_t>(data.size(), 1u << 30));
    crc = static_cast<std::uint32_t>(::crc32(crc, reinterpret_cast<const Bytef*>(data.data()), n));
    data.remove_prefix(n);
  }
  return crc;
}

struct BodyReader::State {
  std::uint64_t max_size = 0;
  std::optional<AwsChunkedDecoder> decoder;
  std::string raw;
  std::uint64_t decoded = 0;
  bool ended = false;
  // What the client claimed, and the running digests to check it.
  std::string sha256_claim;  // hex
  std::optional<crypto::Hasher> sha256;
  std::string md5_claim;  // raw bytes
  std::optional<crypto::Hasher> md5;
  std::string checksum_name;   // "x-amz-checksum-crc32" or "-sha256"; empty: none
  std::string checksum_claim;  // base64; from a header, or from the trailer at the end
  std::uint32_t crc = 0;
  std::optional<crypto::Hasher> checksum_sha256;
};

BodyReader::BodyReader(http::Exchange& ex, std::unique_ptr<State> state) : ex_(ex), st_(std::move(state)) {}
BodyReader::~BodyReader() = default;

Result<std::unique_ptr<BodyReader>> BodyReader::Create(http::Exchange& ex, const sigv4::Verified& auth,
                                                       std::uint64_t max_size) {
  const http::Request& req = ex.request();
  auto st = std::make_unique<State>();
  st->max_size = max_size;
  const std::string& mode = auth.payload_hash;
  std::optional<std::uint64_t> declared = req.content_length;
  if (mode.starts_with("STREAMING-")) {
    std::optional<sigv4::ChunkChain> chain;
    if (mode == sigv4::kStreamingPayload || mode == sigv4::kStreamingPayloadTrailer) {
      chain.emplace(auth.signing_key, auth.amz_date, auth.scope, auth.seed_signature);
    } else if (mode != sigv4::kStreamingUnsignedTrailer) {
      return S3Status("InvalidArgument", "unsupported x-amz-content-sha256 value " + mode);
    }
    st->decoder.emplace(std::move(chain));
    declared.reset();
    if (auto d = req.Find("x-amz-decoded-content-length")) {
      std::uint64_t v = 0;
      if (std::sscanf(std::string(*d).c_str(), "%lu", &v) != 1) {
        return S3Status("InvalidArgument", "bad x-amz-decoded-content-length");
      }
      declared = v;
    }
  } else if (IsHexSha256(mode)) {
    st->sha256_claim = AsciiLower(mode);
    st->sha256.emplace(crypto::Hasher::Kind::kSha256);
  } else if (mode != sigv4::kUnsignedPayload) {
    return S3Status("InvalidArgument", "bad x-amz-content-sha256 value");
  }
  if (auto md5 = req.Find("content-md5")) {
    auto raw = crypto::Base64Decode(*md5);
    if (!raw || raw->size() != 16) return S3Status("InvalidDigest", "The Content-MD5 you specified was invalid.");
    st->md5_claim = *raw;
    st->md5.emplace(crypto::Hasher::Kind::kMd5);
  }
  // A checksum: as a header now, or announced in x-amz-trailer for the end.
  std::string name = AsciiLower(req.Get("x-amz-trailer"));
  for (const http::Header& h : req.headers) {
    const std::string n = AsciiLower(h.name);
    if (n.starts_with("x-amz-checksum-") && n != "x-amz-checksum-algorithm" && n != "x-amz-checksum-type") {
      name = n;
      st->checksum_claim = h.value;
    }
  }
  if (!name.empty()) {
    if (name != "x-amz-checksum-crc32" && name != "x-amz-checksum-sha256") {
      return S3Status("NotImplemented", "checksum " + name + " is not supported; use CRC32 or SHA256");
    }
    st->checksum_name = name;
    if (name == "x-amz-checksum-sha256") st->checksum_sha256.emplace(crypto::Hasher::Kind::kSha256);
  }
  if (declared && *declared > max_size) {
    return S3Status("EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.");
  }
  std::unique_ptr<BodyReader> reader(new BodyReader(ex, std::move(st)));
  reader->declared_ = declared;
  return reader;
}

http::Task<Status> BodyReader::Next(std::string& out) {
  out.clear();
  State& st = *st_;
  while (out.empty() && !st.ended) {
    st.raw.resize(kReadSize);
    auto n = co_await ex_.ReadBody(st.raw.data(), st.raw.size());
    if (!n.ok()) co_return S3Status("IncompleteBody", n.status().message());
    st.raw.resize(*n);
    if (*n == 0) {
      st.ended = true;
      break;
    }
    if (st.sha256) st.sha256->Update(st.raw);
    if (st.decoder) {
      Status s = st.decoder->Feed(st.raw, out);
      if (!s.ok()) co_return s;
    } else {
      out.swap(st.raw);
    }
  }
  if (st.ended && out.empty()) co_return Verify();
  st.decoded += out.size();
  if (st.decoded > st.max_size || (declared_ && st.decoded > *declared_)) {
    co_return S3Status("EntityTooLarge", "The body is larger than declared or allowed.");
  }
  if (st.md5) st.md5->Update(out);
  if (st.checksum_sha256) st.checksum_sha256->Update(out);
  if (st.checksum_name == "x-amz-checksum-crc32") st.crc = Crc32(st.crc, out);
  co_return Status::Ok();
}

Status BodyReader::Verify() {
  State& st = *st_;
  if (st.decoder) {
    Status s = st.decoder->Finish();
    if (!s.ok()) return s;
    for (const auto& [name, value] : st.decoder->trailers()) {
      if (name == st.checksum_name) st.checksum_claim = value;
    }
  }
  if (declared_ && st.decoded != *declared_) {
    return S3Status("IncompleteBody", "You did not provide the number of bytes specified by the Content-Length.");
  }
  if (st.sha256 && crypto::Hex(st.sha256->Final()) != st.sha256_claim) {
    return S3Status("XAmzContentSHA256Mismatch",
                    "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  if (st.md5 && !crypto::ConstantTimeEquals(st.md5->Final(), st.md5_claim)) {
    return S3Status("BadDigest", "The Content-MD5 you specified did not match what we received.");
  }
  if (!st.checksum_name.empty()) {
    const std::string actual = st.checksum_sha256 ? crypto::Base64(st.checksum_sha256->Final()) : Crc32Base64(st.crc);
    if (st.checksum_claim.empty()) return S3Status("InvalidRequest", st.checksum_name + " was announced but not sent");
    if (actual != st.checksum_claim) {
      return S3Status("BadDigest", "The " + st.checksum_name + " you specified did not match the calculated checksum.");
    }
  }
  return Status::Ok();
}

}  // namespace tcoder::storage::server
