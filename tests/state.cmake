# The state store against a real redis-server: queue, leases, fencing, reaper,
# jobs, events, machine pool, durability across a restart, webhook deliveries,
# liveness keys.
add_executable(state_integration_test
  ${CMAKE_CURRENT_LIST_DIR}/state_queue_test.cc ${CMAKE_CURRENT_LIST_DIR}/state_jobs_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/state_machines_test.cc ${CMAKE_CURRENT_LIST_DIR}/state_durability_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/state_bench_test.cc ${CMAKE_CURRENT_LIST_DIR}/state_job_events_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/state_job_store_test.cc ${CMAKE_CURRENT_LIST_DIR}/state_liveness_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/state_webhook_outbox_test.cc)
target_link_libraries(state_integration_test PRIVATE tcoder_state tcoder_test_support tcoder_warnings
                      GTest::gtest_main)
gtest_discover_tests(state_integration_test DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 600)

# The Redis client itself against real servers: TLS, ACL users, unix sockets;
# the mux that coroutines share.
add_executable(redis_client_test ${CMAKE_CURRENT_LIST_DIR}/state_redis_client_test.cc
                                 ${CMAKE_CURRENT_LIST_DIR}/state_redis_mux_test.cc)
target_link_libraries(redis_client_test PRIVATE tcoder_state tcoder_test_support tcoder_warnings GTest::gtest_main)
gtest_discover_tests(redis_client_test DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 300)
