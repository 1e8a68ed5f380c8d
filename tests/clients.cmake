# The clients against one live stack (`tcoder up`): the CLI, the web page in
# headless Chromium (node + playwright-core) and the TypeScript SDK's live
# tests. One process for the whole suite, so the stack starts once.
add_executable(clients_test ${CMAKE_CURRENT_LIST_DIR}/stack_support.cc ${CMAKE_CURRENT_LIST_DIR}/clients_test.cc)
target_link_libraries(clients_test PRIVATE tcoder_test_support tcoder_warnings nlohmann_json::nlohmann_json
                      GTest::gtest_main)
add_dependencies(clients_test tcoder)
add_test(NAME clients_test COMMAND clients_test)
set_tests_properties(clients_test PROPERTIES TIMEOUT 900)
