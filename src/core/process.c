/* process.c - process-wide settings (see process.h). */
#include "tianyan/process.h"

#include <malloc.h>

void ty_process_init(void)
{
    mallopt(M_TOP_PAD, 16 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
}
