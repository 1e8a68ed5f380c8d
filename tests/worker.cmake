# `tcoder worker` end to end: real redis-server, `tcoder storage`, ffmpeg and
# worker processes — a job to playable outputs, bad inputs, a killed worker,
# cancel, SIGTERM.
if(TARGET tcoder_worker)
  add_executable(worker_e2e_test ${CMAKE_CURRENT_LIST_DIR}/worker_fixture.cc ${CMAKE_CURRENT_LIST_DIR}/worker_jobs_test.cc
                 ${CMAKE_CURRENT_LIST_DIR}/worker_faults_test.cc ${CMAKE_CURRENT_LIST_DIR}/worker_sigterm_test.cc
                 ${CMAKE_CURRENT_LIST_DIR}/worker_report_receiver.cc
                 ${CMAKE_CURRENT_LIST_DIR}/ffmpeg_support.cc)
  target_link_libraries(worker_e2e_test PRIVATE tcoder_worker tcoder_test_support tcoder_warnings GTest::gtest_main)
  add_dependencies(worker_e2e_test tcoder)
  gtest_discover_tests(worker_e2e_test DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 600)
endif()
