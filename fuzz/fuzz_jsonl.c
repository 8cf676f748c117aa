/* fuzz_jsonl.c - libFuzzer target for the jsonl decoder (see fuzz_decoder.h). */
#include "fuzz_decoder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_decode(TY_FMT_JSONL, data, size);
}
