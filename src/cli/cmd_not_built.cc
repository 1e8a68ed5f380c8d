#include <iostream>

#include "cli/commands.h"

namespace tcoder::cli {

// The entry for a command whose component is not built yet: it says so plainly
// and fails, so no script mistakes it for working.
int RunNotBuilt(int /*argc*/, char** argv) {
  std::cerr << "tcoder " << argv[0] << ": not built yet in this version of tcoder\n";
  return 2;
}

}  // namespace tcoder::cli
