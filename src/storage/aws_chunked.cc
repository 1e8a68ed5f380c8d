#include "storage/aws_chunked.h"

#include <algorithm>
#include <cctype>

#include "common/ascii.h"
#include "storage/s3_errors.h"

namespace tcoder::storage::server {
namespace {

constexpr std::size_t kMaxLine = 4096;

Status Framing(std::string_view why) {
  return S3Status("IncompleteBody", "malformed aws-chunked body: " + std::string(why));
}

}  // namespace

std::size_t AwsChunkedDecoder::TakeLine(std::string_view in, bool& complete) {
  const auto nl = in.find('\n');
  const std::size_t take = nl == std::string_view::npos ? in.size() : nl + 1;
  line_.append(in.substr(0, take));
  complete = nl != std::string_view::npos;
  return take;
}

Status AwsChunkedDecoder::Feed(std::string_view in, std::string& out) {
  while (!in.empty()) {
    switch (state_) {
      case State::kSize:
      case State::kTrailer: {
        bool complete = false;
        in.remove_prefix(TakeLine(in, complete));
        if (line_.size() > kMaxLine) return Framing("line too long");
        if (!complete) break;
        if (line_.size() < 2 || line_[line_.size() - 2] != '\r') return Framing("line without CRLF");
        const std::string line = line_.substr(0, line_.size() - 2);
        line_.clear();
        Status s = state_ == State::kSize ? OnSizeLine(line) : OnTrailerLine(line);
        if (!s.ok()) return s;
        break;
      }
      case State::kData: {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, in.size()));
        out.append(in.substr(0, n));
        if (chunk_hash_) chunk_hash_->Update(in.substr(0, n));
        remaining_ -= n;
        in.remove_prefix(n);
        if (remaining_ == 0) state_ = State::kDataEnd;
        break;
      }
      case State::kDataEnd: {
        line_ += in.front();
        in.remove_prefix(1);
        if (line_.size() < 2) break;
        if (line_ != "\r\n") return Framing("chunk not followed by CRLF");
        line_.clear();
        Status s = EndChunk();
        if (!s.ok()) return s;
        state_ = State::kSize;
        break;
      }
      case State::kDone:
        if (in.find_first_not_of("\r\n") != std::string_view::npos) return Framing("data after the last chunk");
        in = {};
        break;
    }
  }
  return Status::Ok();
}

Status AwsChunkedDecoder::OnSizeLine(std::string_view line) {
  const auto semi = line.find(';');
  const std::string_view hex = Trim(line.substr(0, semi));
  if (hex.empty() || hex.size() > 15) return Framing("bad chunk size");
  std::uint64_t size = 0;
  for (const char c : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return Framing("bad chunk size");
    size = size * 16 +
           static_cast<std::uint64_t>(std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  chunk_signature_.clear();
  if (semi != std::string_view::npos) {
    const std::string_view ext = Trim(line.substr(semi + 1));
    constexpr std::string_view kSig = "chunk-signature=";
    if (ext.starts_with(kSig)) chunk_signature_ = std::string(ext.substr(kSig.size()));
  }
  if (chain_ && chunk_signature_.empty()) return S3Status("SignatureDoesNotMatch", "a chunk has no signature");
  if (chain_) chunk_hash_.emplace(crypto::Hasher::Kind::kSha256);
  remaining_ = size;
  if (size > 0) {
    state_ = State::kData;
    return Status::Ok();
  }
  Status s = EndChunk();  // the final, empty chunk is signed too
  state_ = State::kTrailer;
  return s;
}

Status AwsChunkedDecoder::EndChunk() {
  if (!chain_) return Status::Ok();
  const std::string digest = crypto::Hex(chunk_hash_->Final());
  chunk_hash_.reset();
  if (!chain_->Next(digest, chunk_signature_)) {
    return S3Status("SignatureDoesNotMatch", "a chunk signature does not match");
  }
  return Status::Ok();
}

Status AwsChunkedDecoder::OnTrailerLine(std::string_view line) {
  if (line.empty()) {
    state_ = State::kDone;
    return Status::Ok();
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return Framing("bad trailer");
  std::string name(Trim(line.substr(0, colon)));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  const std::string value(Trim(line.substr(colon + 1)));
  if (name == "x-amz-trailer-signature") {
    if (chain_ && !chain_->Trailer(canonical_trailers_, value)) {
      return S3Status("SignatureDoesNotMatch", "the trailer signature does not match");
    }
    return Status::Ok();
  }
  canonical_trailers_ += name + ":" + value + "\n";
  trailers_.emplace_back(std::move(name), value);
  return Status::Ok();
}

Status AwsChunkedDecoder::Finish() const {
  // Some clients end the body right after the trailer lines, without the blank line.
  if (state_ == State::kDone || (state_ == State::kTrailer && line_.empty())) return Status::Ok();
  return S3Status("IncompleteBody", "The request body ended before the last chunk.");
}

}  // namespace tcoder::storage::server
