/* fuzz_csv.c - libFuzzer target for the csv decoder (see fuzz_decoder.h). */
#include "fuzz_decoder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_decode(TY_FMT_CSV, data, size);
}
