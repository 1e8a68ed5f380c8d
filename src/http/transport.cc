#include "http/transport.h"

namespace tcoder::http {

std::string HttpResponse::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return "";
}

}  // namespace tcoder::http
