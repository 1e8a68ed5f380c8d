# The built-in S3 server (`tcoder storage`): tcoder_storage_server and its unit tests.
find_package(ZLIB REQUIRED)
find_package(pugixml REQUIRED)
add_library(tcoder_storage_server STATIC)
target_sources(tcoder_storage_server PRIVATE
  aws_chunked.cc event_spool.cc multipart.cc object_store.cc s3_errors.cc server.cc server_body.cc
  server_buckets.cc server_call.cc server_multipart.cc server_objects.cc server_xml.cc)
target_include_directories(tcoder_storage_server PUBLIC ${CMAKE_SOURCE_DIR}/src)
target_link_libraries(tcoder_storage_server
  PUBLIC tcoder_common tcoder_storage_client tcoder_http
  PRIVATE tcoder_warnings ZLIB::ZLIB pugixml::pugixml)
# GCC 12 misreports asio's coroutine frame allocator as mismatched new/delete.
target_compile_options(tcoder_storage_server PRIVATE -Wno-mismatched-new-delete)
target_precompile_headers(tcoder_storage_server PRIVATE <utility> <boost/asio/awaitable.hpp> <nlohmann/json.hpp>)

if(TCODER_TESTS)
  add_executable(storage_server_test
    aws_chunked_test.cc event_spool_test.cc object_store_test.cc server_body_test.cc)
  target_link_libraries(storage_server_test PRIVATE tcoder_storage_server tcoder_test_support tcoder_warnings
                        GTest::gtest_main)
  gtest_discover_tests(storage_server_test DISCOVERY_MODE PRE_TEST)
endif()
