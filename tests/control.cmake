# The control plane end to end: real redis-server, the built-in store
# (`tcoder storage`), real `tcoder control` processes, libcurl as the client.
add_library(control_test_support STATIC ${CMAKE_CURRENT_LIST_DIR}/control_support.cc)
target_link_libraries(control_test_support PUBLIC tcoder_state tcoder_test_support CURL::libcurl GTest::gtest
                      PRIVATE tcoder_warnings)
add_executable(control_integration_test ${CMAKE_CURRENT_LIST_DIR}/control_api_test.cc
                                        ${CMAKE_CURRENT_LIST_DIR}/control_flow_test.cc)
target_link_libraries(control_integration_test PRIVATE control_test_support tcoder_warnings GTest::gtest_main)
add_dependencies(control_integration_test tcoder)
gtest_discover_tests(control_integration_test DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 300)
add_executable(control_uploads_test ${CMAKE_CURRENT_LIST_DIR}/control_uploads_test.cc)
target_link_libraries(control_uploads_test PRIVATE control_test_support tcoder_storage_client tcoder_warnings
                      GTest::gtest_main)
add_dependencies(control_uploads_test tcoder)
gtest_discover_tests(control_uploads_test DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 300)
