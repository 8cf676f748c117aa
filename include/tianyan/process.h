/*
 * process.h - process-wide settings a program using Tianyan applies once at
 * start (the CLI, the benchmarks, later the server).
 */
#ifndef TIANYAN_PROCESS_H
#define TIANYAN_PROCESS_H

/*
 * Tunes the C allocator for a long-running writer: the heap grows in 16 MiB
 * steps and is not trimmed below 128 MiB of free top space. The writer
 * thread's SQLite connection frees and re-allocates memory around every
 * commit; with glibc's defaults its heap shrank and regrew each time
 * (thousands of mprotect calls and page faults per million events) and ingest
 * ran about 12% slower. Call before starting threads.
 */
void ty_process_init(void);

#endif
