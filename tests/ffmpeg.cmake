# The worker's media side against real ffmpeg/ffprobe: transcodes, hostile inputs,
# the kinds of real uploads (HDR, interlaced, anamorphic, audio-only).
if(TARGET tcoder_worker)
  add_executable(ffmpeg_test ffmpeg_support.cc ffmpeg_transcode_test.cc ffmpeg_input_test.cc
    ffmpeg_media_kinds_test.cc)
  target_link_libraries(ffmpeg_test PRIVATE tcoder_worker tcoder_test_support tcoder_warnings GTest::gtest_main)
  gtest_discover_tests(ffmpeg_test DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 300)
endif()
