# Third-party libraries, all from Debian packages (scripts/deps.sh installs them).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(CURL REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(Boost 1.74 REQUIRED)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
pkg_check_modules(LIBJWT REQUIRED IMPORTED_TARGET libjwt)
if(TCODER_TESTS)
  find_package(GTest REQUIRED)
endif()

# Boost.Asio/Beast: header-only, C++20 coroutines. Timers without timerfd: the
# reactor then sets epoll_wait's timeout instead of making a timerfd_settime
# call whenever the earliest deadline moves (every read and write has one).
add_library(tcoder_boost INTERFACE)
target_link_libraries(tcoder_boost INTERFACE Boost::boost Threads::Threads)
target_compile_definitions(tcoder_boost INTERFACE
  BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW
  BOOST_ERROR_CODE_HEADER_ONLY BOOST_ASIO_DISABLE_TIMERFD)
