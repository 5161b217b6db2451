// Small file-system questions the runtime asks before handing paths to ONNX Runtime.
#pragma once

#include <sys/stat.h>

#include <string>

namespace crossrank {

inline bool IsRegularFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace crossrank
