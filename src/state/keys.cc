#include "state/keys.h"

#include <algorithm>

namespace tcoder::state {

Keys::Keys(std::string_view deployment) {
  prefix_.reserve(deployment.size() + 3);
  prefix_.append(1, '{').append(deployment).append("}:");
}

Result<Keys> Keys::ForDeployment(std::string_view deployment) {
  const bool ok_chars = std::all_of(deployment.begin(), deployment.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
  if (deployment.empty() || deployment.size() > 64 || !ok_chars) {
    return InvalidArgument("redis prefix must be 1-64 characters of A-Z a-z 0-9 _ . -");
  }
  return Keys(deployment);
}

std::string Keys::Input(std::string_view bucket, std::string_view key) const {
  return prefix_ + "input:" + std::string(bucket) + "/" + std::string(key);
}

}  // namespace tcoder::state
