# The HTTP client: the transport interface, its libcurl implementation and
# libcurl's URL parser (tcoder_http_client, no Boost); a fake transport for
# unit tests (tcoder_http_fake). Every outbound HTTP request goes through it.
add_library(tcoder_http_client STATIC curl_transport.cc transport.cc url_parts.cc)
target_include_directories(tcoder_http_client PUBLIC ${CMAKE_SOURCE_DIR}/src)
target_link_libraries(tcoder_http_client PUBLIC tcoder_common PRIVATE tcoder_warnings CURL::libcurl)

if(TCODER_TESTS)
  add_library(tcoder_http_fake STATIC fake_transport.cc)
  target_link_libraries(tcoder_http_fake PUBLIC tcoder_http_client PRIVATE tcoder_warnings)

  add_executable(http_client_test curl_transport_test.cc fake_transport_test.cc url_parts_test.cc)
  target_link_libraries(http_client_test PRIVATE tcoder_http_client tcoder_http_fake tcoder_http tcoder_boost
                        tcoder_test_support tcoder_warnings GTest::gtest_main)
  target_compile_options(http_client_test PRIVATE -Wno-mismatched-new-delete)
  gtest_discover_tests(http_client_test DISCOVERY_MODE PRE_TEST)
endif()
