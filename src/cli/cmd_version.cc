#include <iostream>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/version.h"

namespace tcoder::cli {

int RunVersion(int argc, char** argv) {
  FlagSet flags("version", "Print the version");
  if (auto code = flags.Parse(argc, argv)) return *code;
  std::cout << "tcoder " << kVersion << "\n";
  return 0;
}

}  // namespace tcoder::cli
