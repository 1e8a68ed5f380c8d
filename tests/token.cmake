# `tcoder token`: the built binary mints tokens that the edge's rule accepts.
add_executable(token_test token_test.cc)
target_link_libraries(token_test PRIVATE tcoder_edge tcoder_test_support tcoder_warnings GTest::gtest_main)
add_dependencies(token_test tcoder)
gtest_discover_tests(token_test DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 120)
