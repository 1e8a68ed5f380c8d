#include "worker/sniff.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/temp_dir.h"

namespace tcoder::worker {
namespace {

using namespace std::literals;

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s += static_cast<char>(c);
  return s;
}

std::string Box(std::string_view type, std::string_view payload) {
  const std::size_t n = 8 + payload.size();
  return Bytes({0, 0, static_cast<int>(n >> 8), static_cast<int>(n & 255)}) + std::string(type) + std::string(payload);
}

void ExpectRefused(std::string_view head, std::string_view reason_part) {
  auto r = SniffBytes(head);
  ASSERT_FALSE(r.ok()) << "accepted as " << *r;
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find(reason_part), std::string::npos) << r.status().message();
}

void ExpectContainer(std::string_view head, std::string_view container) {
  auto r = SniffBytes(head);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, container);
}

TEST(Sniff, SniffAcceptsVideoContainers) {
  ExpectContainer(Box("ftyp", "isom\0\0\2\0isomiso2avc1mp41"sv) + Box("free", ""), "mp4");
  ExpectContainer(Box("moov", std::string(32, 'x')), "mp4");
  ExpectContainer(Box("mdat", std::string(32, 'x')), "mp4");
  ExpectContainer(Bytes({0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81}), "matroska");
  ExpectContainer(std::string("RIFF\x10\0\0\0AVI LIST", 16), "avi");
  std::string ts(188 * 4, '\xFF');
  for (int i = 0; i < 4; ++i) ts[188 * i] = '\x47';
  ExpectContainer(ts, "mpegts");
  std::string m2ts(192 * 4, '\0');
  for (int i = 0; i < 4; ++i) m2ts[192 * i + 4] = '\x47';
  ExpectContainer(m2ts, "mpegts");
  ExpectContainer(Bytes({0, 0, 1, 0xBA, 0x44, 0, 4}), "mpeg");
  ExpectContainer(std::string("FLV\x01\x05\0\0\0\x09", 9), "flv");
  ExpectContainer(std::string("OggS\0\x02", 6), "ogg");
}

TEST(Sniff, SniffAcceptsAudioOnlyFiles) {
  ExpectContainer(std::string("RIFF\x10\0\0\0WAVEfmt ", 16), "wav");
  ExpectContainer("ID3\x04\0\0\0\0", "mp3");
  ExpectContainer(Bytes({0xFF, 0xFB, 0x90, 0x64}), "mp3");  // MPEG-1 layer III frame, no tag
  ExpectContainer(Bytes({0xFF, 0xF1, 0x50, 0x80}), "aac");  // ADTS
  ExpectContainer("fLaC\0\0\0\x22", "flac");
  ExpectContainer(Box("ftyp", "M4A \0\0\0\0M4A mp42isom"sv), "mp4");
  ExpectRefused("#!AMR\n", "AMR");
}

TEST(Sniff, SniffRefusesTextNamingTheFormat) {
  ExpectRefused("#EXTM3U\n#EXTINF:10,\n/etc/passwd\n", "HLS playlist (text)");
  ExpectRefused("\xEF\xBB\xBF  #EXTM3U\n", "HLS playlist");
  ExpectRefused("ffconcat version 1.0\nfile '/etc/passwd'\n", "ffconcat list");
  ExpectRefused("file '/tmp/secret.mp4'\n", "concat file list");
  ExpectRefused("v=0\no=- 0 0 IN IP4 127.0.0.1\n", "SDP");
  ExpectRefused("<?xml version=\"1.0\"?><MPD>", "XML");
  ExpectRefused("<MPD xmlns=\"urn:mpeg:dash\">", "DASH manifest");
  ExpectRefused("<!doctype html><html>", "HTML");
  ExpectRefused("{\"a\": 1}", "JSON");
  ExpectRefused("WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n", "WebVTT");
  ExpectRefused("1\n00:00:01,000 --> 00:00:02,000\nhello\n", "SubRip");
  ExpectRefused("[Script Info]\nTitle: x\n", "ASS/SSA");
  ExpectRefused("just some words\n", "text file");
}

TEST(Sniff, SniffRefusesImagesAndArchives) {
  ExpectRefused(Bytes({0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'}), "JPEG image");
  ExpectRefused("\x89PNG\r\n\x1A\n\0\0\0\rIHDR", "PNG image");
  ExpectRefused("GIF89a\x01\0\x01\0", "GIF image");
  ExpectRefused(std::string("RIFF\x10\0\0\0WEBPVP8 ", 16), "WebP image");
  ExpectRefused(std::string("BM\x36\0\0\0\0\0", 8), "BMP image");
  ExpectRefused(std::string("II*\0\x08\0\0\0", 8), "TIFF image");
  ExpectRefused(Box("ftyp", "heic\0\0\0\0mif1heic"sv), "HEIF/AVIF");
  ExpectRefused(Box("ftyp", "avif\0\0\0\0avifmif1"sv), "HEIF/AVIF");
  ExpectRefused("PK\x03\x04\x14\0\0\0", "ZIP archive");
  ExpectRefused("\x1F\x8B\x08\0\0\0", "gzip archive");
  std::string tar(600, '\0');
  tar.replace(257, 5, "ustar");
  ExpectRefused(tar, "tar archive");
}

TEST(Sniff, SniffRefusesEmptyAndRandomBytes) {
  ExpectRefused("", "empty");
  std::string noise;
  unsigned x = 12345;
  for (int i = 0; i < 4096; ++i) {
    x = x * 1103515245 + 12345;
    noise += static_cast<char>((x >> 16) & 0xFF);
  }
  noise[0] = '\x01';  // no accidental magic
  noise[1] = '\x02';
  ExpectRefused(noise, "not a recognised video container");
  ExpectRefused(std::string(100, '\0'), "not a recognised video container");
  std::string short_ts(188 * 2, '\0');  // too few packets to tell
  short_ts[0] = short_ts[188] = '\x47';
  ExpectRefused(short_ts, "not a recognised");
}

TEST(Sniff, SniffFileReadsTheHeadAndReportsMissingFiles) {
  auto dir = TempDir::Create("sniff");
  ASSERT_TRUE(dir.ok());
  const auto path = dir->path() / "video.mp4";
  std::ofstream(path) << "#EXTM3U\n#EXTINF:1,\nsecret.txt\n";
  auto r = SniffFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("HLS playlist"), std::string::npos);
  std::ofstream(dir->path() / "empty.mp4").flush();
  EXPECT_NE(SniffFile(dir->path() / "empty.mp4").status().message().find("empty"), std::string::npos);
  EXPECT_EQ(SniffFile(dir->path() / "missing.mp4").status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace tcoder::worker
