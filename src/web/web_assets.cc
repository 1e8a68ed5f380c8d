#include "web/web_assets.h"

#include <array>

// Start and end of each file, from web_assets.S.
#define TCODER_WEB_SYMBOLS(name) extern "C" const char tcoder_web_##name[], tcoder_web_##name##_end[];
TCODER_WEB_SYMBOLS(index_html)
TCODER_WEB_SYMBOLS(app_js)
TCODER_WEB_SYMBOLS(upload_js)
TCODER_WEB_SYMBOLS(system_js)
TCODER_WEB_SYMBOLS(style_css)
TCODER_WEB_SYMBOLS(favicon_svg)
TCODER_WEB_SYMBOLS(favicon_ico)
TCODER_WEB_SYMBOLS(hls_min_js)
#undef TCODER_WEB_SYMBOLS

namespace tcoder::web {
namespace {

std::string_view Bytes(const char* start, const char* end) { return {start, static_cast<std::size_t>(end - start)}; }

#define TCODER_WEB_BYTES(name) Bytes(tcoder_web_##name, tcoder_web_##name##_end)

const std::array<WebAsset, 8> kAssets{{
    {"/index.html", "index.html", "text/html; charset=utf-8", TCODER_WEB_BYTES(index_html)},
    {"/app.js", "app.js", "text/javascript; charset=utf-8", TCODER_WEB_BYTES(app_js)},
    {"/upload.js", "upload.js", "text/javascript; charset=utf-8", TCODER_WEB_BYTES(upload_js)},
    {"/system.js", "system.js", "text/javascript; charset=utf-8", TCODER_WEB_BYTES(system_js)},
    {"/style.css", "style.css", "text/css; charset=utf-8", TCODER_WEB_BYTES(style_css)},
    {"/favicon.svg", "favicon.svg", "image/svg+xml", TCODER_WEB_BYTES(favicon_svg)},
    {"/favicon.ico", "favicon.ico", "image/x-icon", TCODER_WEB_BYTES(favicon_ico)},
    {"/hls.min.js", "node_modules/hls.js/dist/hls.min.js", "text/javascript; charset=utf-8",
     TCODER_WEB_BYTES(hls_min_js)},
}};

#undef TCODER_WEB_BYTES

}  // namespace

std::span<const WebAsset> WebAssets() { return kAssets; }

const WebAsset* FindWebAsset(std::string_view path) {
  for (const WebAsset& a : kAssets) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

}  // namespace tcoder::web
