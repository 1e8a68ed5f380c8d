#include "state/keys.h"

#include "common/ascii.h"

namespace tcoder::state {

Keys::Keys(std::string_view deployment) {
  prefix_.reserve(deployment.size() + 3);
  prefix_.append(1, '{').append(deployment).append("}:");
}

Result<Keys> Keys::ForDeployment(std::string_view deployment) {
  if (!IsIdentifier(deployment, 1, 64, "_.-")) {
    return InvalidArgument("redis prefix must be 1-64 characters of A-Z a-z 0-9 _ . -");
  }
  return Keys(deployment);
}

std::string Keys::Input(std::string_view bucket, std::string_view key) const {
  return prefix_ + "input:" + std::string(bucket) + "/" + std::string(key);
}

}  // namespace tcoder::state
