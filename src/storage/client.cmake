# SigV4, presigning and the S3 client: tcoder_storage_client and its unit tests.
add_library(tcoder_storage_client STATIC)
target_sources(tcoder_storage_client PRIVATE sigv4.cc)
target_include_directories(tcoder_storage_client PUBLIC ${CMAKE_SOURCE_DIR}/src)
target_link_libraries(tcoder_storage_client PUBLIC tcoder_common PRIVATE tcoder_warnings CURL::libcurl OpenSSL::Crypto)
