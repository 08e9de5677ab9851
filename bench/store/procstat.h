/* A process's memory as the kernel counts it (/proc/PID/status). */
#ifndef KAGURA_BENCH_STORE_PROCSTAT_H
#define KAGURA_BENCH_STORE_PROCSTAT_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct bs_memory {
	long rss_kib;  /* VmRSS: resident now */
	long peak_kib; /* VmHWM: the most it was resident since it started */
} bs_memory;

/* False when the process is gone or its status has no such lines. */
bool bs_memory_of(pid_t pid, bs_memory *out);

#endif
