# `tcoder edge` with the built-in S3 server and real clients (curl, ffprobe,
# ffmpeg): the /premium/ rule over HTTP, Range, caching headers, HLS playback.
add_executable(edge_integration_test edge_support.cc storage_support.cc edge_http_test.cc edge_hls_test.cc)
target_link_libraries(edge_integration_test PRIVATE tcoder_edge tcoder_storage_client tcoder_test_support tcoder_warnings
                      nlohmann_json::nlohmann_json GTest::gtest_main)
add_dependencies(edge_integration_test tcoder)
gtest_discover_tests(edge_integration_test DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 120)
