# Every method on every route and near-miss route of a live stack's control
# plane, edge and store: each answers, none exits. Run against this build and
# against the release binary (scripts/build.sh release), whose optimization
# level may miscompile what this one does not.
set(TCODER_RELEASE_BINARY ${CMAKE_SOURCE_DIR}/build/tcoder CACHE FILEPATH "The release tcoder the route matrix also runs")
add_executable(route_matrix_test ${CMAKE_CURRENT_LIST_DIR}/route_matrix_test.cc ${CMAKE_CURRENT_LIST_DIR}/stack_support.cc)
target_link_libraries(route_matrix_test PRIVATE tcoder_storage_client tcoder_test_support tcoder_warnings
                      nlohmann_json::nlohmann_json GTest::gtest_main)
add_dependencies(route_matrix_test tcoder)
gtest_discover_tests(route_matrix_test DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 600)
gtest_discover_tests(route_matrix_test DISCOVERY_MODE PRE_TEST TEST_PREFIX release.
                     PROPERTIES TIMEOUT 600 ENVIRONMENT TCODER_TEST_BINARY=${TCODER_RELEASE_BINARY})

# A foreground `tcoder up` with each component SIGKILLed once: all come back and a job completes.
add_executable(stack_supervision_test ${CMAKE_CURRENT_LIST_DIR}/stack_supervision_test.cc
               ${CMAKE_CURRENT_LIST_DIR}/stack_support.cc ${CMAKE_CURRENT_LIST_DIR}/ffmpeg_support.cc)
target_link_libraries(stack_supervision_test PRIVATE tcoder_test_support tcoder_warnings nlohmann_json::nlohmann_json
                      GTest::gtest_main)
add_dependencies(stack_supervision_test tcoder)
gtest_discover_tests(stack_supervision_test DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 600)

# `tcoder up` over TLS as the least-privilege ACL user of docs/operations.md.
add_executable(state_redis_pipeline_test ${CMAKE_CURRENT_LIST_DIR}/state_redis_pipeline_test.cc ${CMAKE_CURRENT_LIST_DIR}/stack_support.cc
               ${CMAKE_CURRENT_LIST_DIR}/ffmpeg_support.cc)
target_link_libraries(state_redis_pipeline_test PRIVATE tcoder_state tcoder_test_support tcoder_warnings
                      nlohmann_json::nlohmann_json GTest::gtest_main)
add_dependencies(state_redis_pipeline_test tcoder)
gtest_discover_tests(state_redis_pipeline_test DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 600)

# Metrics that are true after real jobs, and a dashboard that uses only served metrics.
add_executable(metrics_test ${CMAKE_CURRENT_LIST_DIR}/metrics_test.cc ${CMAKE_CURRENT_LIST_DIR}/stack_support.cc
               ${CMAKE_CURRENT_LIST_DIR}/ffmpeg_support.cc)
target_link_libraries(metrics_test PRIVATE tcoder_test_support tcoder_warnings nlohmann_json::nlohmann_json
                      GTest::gtest_main)
add_dependencies(metrics_test tcoder)
gtest_discover_tests(metrics_test DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 600)
