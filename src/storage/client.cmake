# SigV4, presigning and the S3 client: tcoder_storage_client and its unit tests.
find_package(pugixml REQUIRED)  # libpugixml-dev: S3 XML documents

add_library(tcoder_storage_client STATIC)
target_sources(tcoder_storage_client PRIVATE
  presign.cc s3_client.cc s3_client_ops.cc s3_xml.cc sigv4.cc sigv4_canonical.cc
  sigv4_verify.cc)
target_include_directories(tcoder_storage_client PUBLIC ${CMAKE_SOURCE_DIR}/src)
target_link_libraries(tcoder_storage_client
  PUBLIC tcoder_common tcoder_http_client
  PRIVATE tcoder_warnings OpenSSL::Crypto pugixml::pugixml)

if(TCODER_TESTS)
  add_executable(storage_client_test presign_test.cc s3_client_test.cc s3_xml_test.cc sigv4_test.cc sigv4_verify_test.cc)
  target_link_libraries(storage_client_test PRIVATE tcoder_storage_client tcoder_http_fake tcoder_test_support tcoder_warnings
                        nlohmann_json::nlohmann_json GTest::gtest_main)
  gtest_discover_tests(storage_client_test DISCOVERY_MODE PRE_TEST)
endif()
