// The web page's files as built into the binary (src/web/CMakeLists.txt):
// web/index.html, app.js, system.js, style.css, the favicons and hls.js, each
// with its URL path and Content-Type. The control plane serves these unless
// `--web-dir` names a directory to serve instead (for working on the page).
//
// Thread-safety: immutable data.
#pragma once

#include <span>
#include <string_view>

namespace tcoder::web {

struct WebAsset {
  std::string_view path;  // "/app.js"
  std::string_view file;  // relative to web/: "app.js", "node_modules/hls.js/dist/hls.min.js"
  std::string_view type;  // "text/javascript; charset=utf-8"
  std::string_view data;  // the file as it was at build time (empty: it was missing)
};

// Every file of the page; the first is index.html.
std::span<const WebAsset> WebAssets();
// The asset served at `path`, or nullptr.
const WebAsset* FindWebAsset(std::string_view path);

}  // namespace tcoder::web
