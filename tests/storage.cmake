# The built-in S3 server (`tcoder storage`) with real clients: the aws CLI,
# curl, presigned URLs, a private redis-server; faults (SIGKILL, Redis down).
add_executable(storage_test storage_support.cc storage_cli_test.cc storage_presign_test.cc storage_fault_test.cc)
# tcoder_state only names the event stream the built-in store writes to.
target_link_libraries(storage_test PRIVATE tcoder_storage_client tcoder_state tcoder_test_support tcoder_warnings
                      nlohmann_json::nlohmann_json GTest::gtest_main)
add_dependencies(storage_test tcoder)
gtest_discover_tests(storage_test DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 900)
