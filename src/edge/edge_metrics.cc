#include "edge/edge_metrics.h"

namespace tcoder::edge {
namespace {

void Head(std::string& out, const char* name, const char* type, const char* help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name).append(" ");
  out.append(type).append("\n");
}

}  // namespace

void EdgeMetrics::CountResponse(int status, double seconds) {
  const int cls = status / 100;
  if (cls >= 1 && cls <= 5) responses[static_cast<size_t>(cls)].fetch_add(1, std::memory_order_relaxed);
  response_time.Observe(seconds);
}

std::string EdgeMetrics::Render() const {
  std::string out;
  Head(out, "tcoder_edge_responses_total", "counter", "Responses of the edge by status class.");
  for (int cls = 1; cls <= 5; ++cls) {
    out.append("tcoder_edge_responses_total{code=\"").append(std::to_string(cls)).append("xx\"} ");
    out.append(std::to_string(responses[static_cast<size_t>(cls)].load())).append("\n");
  }
  Head(out, "tcoder_bytes_out_total", "counter", "Object body bytes the edge sent to viewers.");
  out.append("tcoder_bytes_out_total ").append(std::to_string(bytes_out.load())).append("\n");
  Head(out, "tcoder_edge_cache_requests_total", "counter", "Object lookups by cache result.");
  out.append("tcoder_edge_cache_requests_total{result=\"hit\"} ").append(std::to_string(cache_hits.load()));
  out.append("\ntcoder_edge_cache_requests_total{result=\"miss\"} ").append(std::to_string(cache_misses.load()));
  out.append("\n");
  Head(out, "tcoder_edge_response_seconds", "histogram", "Time to serve a response, body included.");
  response_time.Render(out, "tcoder_edge_response_seconds", "");
  return out;
}

}  // namespace tcoder::edge
