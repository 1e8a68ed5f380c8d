# tcoder across hosts: network namespaces on one test-only bridge
# (tests/cluster/), real components on each; needs root, skips without it.
add_library(cluster_test_support STATIC ${CMAKE_CURRENT_LIST_DIR}/cluster/netns_cluster.cc
                                        ${CMAKE_CURRENT_LIST_DIR}/cluster/cluster_stack.cc
                                        ${CMAKE_CURRENT_LIST_DIR}/cluster/job_history.cc)
target_link_libraries(cluster_test_support PUBLIC control_test_support tcoder_storage_client PRIVATE tcoder_warnings)
add_executable(cluster_test ${CMAKE_CURRENT_LIST_DIR}/cluster/cluster_faults_test.cc)
target_link_libraries(cluster_test PRIVATE cluster_test_support tcoder_warnings GTest::gtest_main)
add_dependencies(cluster_test tcoder)
gtest_discover_tests(cluster_test DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 400 RUN_SERIAL TRUE)
