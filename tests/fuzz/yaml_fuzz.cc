// libFuzzer target for the yaml front end; the checks are in fuzz_front_end.h.
#include "tests/fuzz/fuzz_front_end.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return hearth::fuzz::FuzzFrontEnd(hearth::Format::kYaml, "fuzz.yaml", false, data, size);
}
