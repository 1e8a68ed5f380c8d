# The control plane with real jobs: machine reconciliation by the scheduler on
# a real redis-server (fake provider), and jobs run by local workers with
# ffmpeg — an input URL served by a local file server, internal input URLs
# refused, a job followed over Server-Sent Events with curl -N.
add_executable(control_machines_test ${CMAKE_CURRENT_LIST_DIR}/control_machines_test.cc)
target_link_libraries(control_machines_test PRIVATE tcoder_control tcoder_test_support tcoder_warnings
                      GTest::gtest_main)
gtest_discover_tests(control_machines_test DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 120)

add_executable(control_jobs_test ${CMAKE_CURRENT_LIST_DIR}/control_jobs_test.cc ${CMAKE_CURRENT_LIST_DIR}/ffmpeg_support.cc)
target_link_libraries(control_jobs_test PRIVATE control_test_support tcoder_warnings GTest::gtest_main)
add_dependencies(control_jobs_test tcoder)
gtest_discover_tests(control_jobs_test DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 400)

# --provider fly against the stand-in Machines API (tests/fly/fake-machines.mjs,
# node), whose machines are real `tcoder worker` processes started with the
# worker image's command line (deploy/fly/Dockerfile).
add_executable(control_fly_test ${CMAKE_CURRENT_LIST_DIR}/control_fly_test.cc ${CMAKE_CURRENT_LIST_DIR}/ffmpeg_support.cc)
target_link_libraries(control_fly_test PRIVATE control_test_support tcoder_warnings GTest::gtest_main)
add_dependencies(control_fly_test tcoder)
gtest_discover_tests(control_fly_test DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 500)

# --events-cf-queue against the stand-in Cloudflare Queues API (tests/cfqueues/fake-queues.mjs, node).
add_executable(control_cfqueue_test ${CMAKE_CURRENT_LIST_DIR}/control_cfqueue_test.cc)
target_link_libraries(control_cfqueue_test PRIVATE control_test_support tcoder_warnings GTest::gtest_main)
add_dependencies(control_cfqueue_test tcoder)
gtest_discover_tests(control_cfqueue_test DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 300)

# The pipeline on s3rver (npm, tests/s3rver/): another S3 implementation as the store.
add_executable(control_s3rver_test ${CMAKE_CURRENT_LIST_DIR}/control_s3rver_test.cc ${CMAKE_CURRENT_LIST_DIR}/ffmpeg_support.cc)
target_link_libraries(control_s3rver_test PRIVATE control_test_support tcoder_warnings GTest::gtest_main)
add_dependencies(control_s3rver_test tcoder)
gtest_discover_tests(control_s3rver_test DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 400)
