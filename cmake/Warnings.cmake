# Warnings are errors for the project's own code.
add_library(tcoder_warnings INTERFACE)
target_compile_options(tcoder_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Werror
  -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused -Woverloaded-virtual
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  -Wno-missing-field-initializers
  # GCC 12 at -O2 reports these inside libstdc++'s std::string and Boost.Asio
  # where nothing is wrong (GCC bugs 105329, 105651 and kin): not errors.
  -Wno-array-bounds -Wno-stringop-overflow -Wno-stringop-overread -Wno-restrict
  -Wno-error=maybe-uninitialized)
