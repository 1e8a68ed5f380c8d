#include "worker/sniff.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <optional>

#include "common/file_util.h"

namespace tcoder::worker {
namespace {

struct Magic {
  std::size_t offset;
  std::string_view bytes;
  std::string_view what;
};

// Binary formats that are not video containers, found by their magic bytes.
constexpr std::array kRefused{
    Magic{0, "\xFF\xD8\xFF", "a JPEG image"},
    Magic{0, "\x89PNG\r\n\x1A\n", "a PNG image"},
    Magic{0, "GIF87a", "a GIF image"},
    Magic{0, "GIF89a", "a GIF image"},
    Magic{0, "BM", "a BMP image"},
    Magic{0, std::string_view("II*\0", 4), "a TIFF image"},
    Magic{0, std::string_view("MM\0*", 4), "a TIFF image"},
    Magic{0, std::string_view("\0\0\1\0", 4), "an ICO image"},
    Magic{0, "PK\x03\x04", "a ZIP archive"},
    Magic{0, "PK\x05\x06", "a ZIP archive"},
    Magic{0, "\x1F\x8B", "a gzip archive"},
    Magic{0, "BZh", "a bzip2 archive"},
    Magic{0,
          std::string_view("\xFD"
                           "7zXZ\0",
                           6),
          "an xz archive"},
    Magic{0, "7z\xBC\xAF\x27\x1C", "a 7-Zip archive"},
    Magic{0, "Rar!\x1A\x07", "a RAR archive"},
    Magic{0, "\x28\xB5\x2F\xFD", "a zstd archive"},
    Magic{257, "ustar", "a tar archive"},
    Magic{0, "%PDF", "a PDF document"},
    Magic{0,
          "\x7F"
          "ELF",
          "an executable (ELF)"},
    Magic{0, "#!AMR", "an audio file (AMR)"},
    Magic{0, "\xD0\xCF\x11\xE0", "an Office document"},
    Magic{0, "SQLite format 3", "a SQLite database"},
};

// Text formats FFmpeg could follow (playlists, lists, manifests), by their first line.
constexpr std::array kTextKinds{
    Magic{0, "#EXTM3U", "an HLS playlist (text)"},
    Magic{0, "ffconcat version", "an ffconcat list (text)"},
    Magic{0, "file ", "a concat file list (text)"},
    Magic{0, "file\t", "a concat file list (text)"},
    Magic{0, "v=0", "an SDP description (text)"},
    Magic{0, "<?xml", "an XML document (text)"},
    Magic{0, "<MPD", "a DASH manifest (text)"},
    Magic{0, "<!DOCTYPE", "an HTML or XML document (text)"},
    Magic{0, "<!doctype", "an HTML document (text)"},
    Magic{0, "<html", "an HTML document (text)"},
    Magic{0, "<HTML", "an HTML document (text)"},
    Magic{0, "<", "an XML or HTML document (text)"},
    Magic{0, "{", "a JSON document (text)"},
    Magic{0, "[Script Info]", "an ASS/SSA subtitle file (text)"},
    Magic{0, "[", "a JSON document (text)"},
    Magic{0, "WEBVTT", "a WebVTT subtitle file (text)"},
    Magic{0, "#!", "a script (text)"},
};

bool At(std::string_view head, std::size_t offset, std::string_view bytes) {
  return head.size() >= offset + bytes.size() && head.substr(offset, bytes.size()) == bytes;
}

std::uint32_t Be32(std::string_view s, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

// ISO BMFF / QuickTime: a plausible first box of a known type. Image brands
// (HEIF, AVIF) are refused before this is asked.
bool IsIsoBmff(std::string_view head) {
  if (head.size() < 12) return false;
  const std::uint32_t size = Be32(head, 0);
  if (size != 1 && size < 8) return false;
  for (std::string_view box : {"ftyp", "moov", "mdat", "free", "wide", "skip", "pnot"}) {
    if (At(head, 4, box)) return true;
  }
  return false;
}

std::optional<std::string_view> HeifBrand(std::string_view head) {
  if (!At(head, 4, "ftyp") || head.size() < 12) return std::nullopt;
  const std::string_view brand = head.substr(8, 4);
  for (std::string_view b : {"heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif", "avis"}) {
    if (brand == b) return b;
  }
  return std::nullopt;
}

// MPEG-TS: 0x47 every `packet` bytes from `start`, over every whole packet in
// `head` (at least three).
bool IsTransportStream(std::string_view head, std::size_t packet, std::size_t start) {
  std::size_t count = 0;
  for (std::size_t at = start; at < head.size(); at += packet, ++count) {
    if (head[at] != '\x47') return false;
  }
  return count >= 3;
}

// Audio-only files: MP3 (ID3 tag or MPEG audio frame sync), ADTS AAC, FLAC, WAV.
std::optional<std::string> AudioContainer(std::string_view head) {
  if (At(head, 0, "ID3")) return "mp3";
  if (At(head, 0, "fLaC")) return "flac";
  if (At(head, 0, "RIFF") && At(head, 8, "WAVE")) return "wav";
  if (head.size() < 2 || head[0] != '\xFF') return std::nullopt;
  const auto b1 = static_cast<unsigned char>(head[1]);
  if ((b1 & 0xF6) == 0xF0) return "aac";                      // ADTS: 12-bit sync, layer 00
  if ((b1 & 0xE0) == 0xE0 && (b1 & 0x06) != 0) return "mp3";  // 11-bit sync, layer I-III
  return std::nullopt;
}

std::optional<std::string> Container(std::string_view head) {
  if (IsIsoBmff(head)) return "mp4";
  if (At(head, 0, "\x1A\x45\xDF\xA3")) return "matroska";
  if (At(head, 0, "RIFF") && At(head, 8, "AVI ")) return "avi";
  if (IsTransportStream(head, 188, 0)) return "mpegts";
  if (IsTransportStream(head, 192, 4)) return "mpegts";  // M2TS: 4-byte timestamp + TS packet
  if (At(head, 0, std::string_view("\0\0\1\xBA", 4))) return "mpeg";
  if (At(head, 0, "FLV\x01")) return "flv";
  if (At(head, 0, "OggS")) return "ogg";
  if (At(head, 0, "\x06\x0E\x2B\x34\x02\x05\x01\x01\x0D\x01\x02")) return "mxf";
  return AudioContainer(head);
}

std::optional<std::string_view> RefusedBinary(std::string_view head) {
  if (At(head, 0, "RIFF") && At(head, 8, "WEBP")) return "a WebP image";
  if (At(head, 0, std::string_view("\0\0\1\xB3", 4))) return "a raw MPEG video stream";
  for (const Magic& m : kRefused) {
    if (At(head, m.offset, m.bytes)) return m.what;
  }
  return std::nullopt;
}

// True when `head` looks like text: no NUL and few control bytes.
bool LooksLikeText(std::string_view head) {
  std::size_t control = 0;
  for (unsigned char c : head) {
    if (c == 0) return false;
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f') ++control;
  }
  return control * 100 <= head.size();
}

std::string_view SkipBomAndSpace(std::string_view s) {
  if (At(s, 0, "\xEF\xBB\xBF")) s.remove_prefix(3);
  while (!s.empty() && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n')) s.remove_prefix(1);
  return s;
}

bool LooksLikeSrt(std::string_view text) {
  const bool digit_first = !text.empty() && std::isdigit(static_cast<unsigned char>(text[0])) != 0;
  return digit_first && text.substr(0, 64).find("-->") != std::string_view::npos;
}

std::string_view TextKind(std::string_view head) {
  const std::string_view text = SkipBomAndSpace(head);
  for (const Magic& m : kTextKinds) {
    if (At(text, 0, m.bytes)) return m.what;
  }
  if (LooksLikeSrt(text)) return "a SubRip subtitle file (text)";
  return "a text file";
}

Status NotVideo(std::string_view what) {
  return InvalidArgument("input is " + std::string(what) + ", not a video container");
}

std::string HexPrefix(std::string_view head) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < head.size() && i < 8; ++i) {
    const auto c = static_cast<unsigned char>(head[i]);
    if (i) out += ' ';
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace

Result<std::string> SniffBytes(std::string_view head) {
  if (head.empty()) return InvalidArgument("input is empty (0 bytes), not a video container");
  if (HeifBrand(head)) return NotVideo("an image (HEIF/AVIF)");
  if (auto container = Container(head)) return *container;
  if (auto refused = RefusedBinary(head)) return NotVideo(*refused);
  if (LooksLikeText(head)) return NotVideo(TextKind(head));
  return InvalidArgument("input is not a recognised video container (first bytes: " + HexPrefix(head) + ")");
}

Result<std::string> SniffFile(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) return ErrnoStatus("open " + path.string(), errno);
  std::string head(kSniffBytes, '\0');
  std::size_t got = 0;
  while (got < head.size()) {
    const ssize_t n = ::read(fd.get(), head.data() + got, head.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("read " + path.string(), errno);
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  head.resize(got);
  return SniffBytes(head);
}

}  // namespace tcoder::worker
