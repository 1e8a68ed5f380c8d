# The S3 client and presigned URLs against the built `tcoder storage` server (and curl).
add_executable(s3_client_test s3_client_test.cc)
target_link_libraries(s3_client_test PRIVATE tcoder_storage_client tcoder_test_support tcoder_warnings
                      GTest::gtest_main)
add_dependencies(s3_client_test tcoder)
gtest_discover_tests(s3_client_test DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 300)
