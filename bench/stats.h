/* What the benchmarks share to turn rounds into figures: medians, quantiles, flags, ratio lines. */
#ifndef KAGURA_BENCH_STATS_H
#define KAGURA_BENCH_STATS_H

#include <stdbool.h>
#include <stddef.h>

#define BENCH_MAX_ROUNDS 99 /* --rounds at most */

/* The median of the finite values among v[0..n) (n at most BENCH_MAX_ROUNDS); NAN when none. */
double bench_median(const double *v, int n);
/* The median and the 99th percentile of v[0..n) by the nearest-rank method (v sorted in place);
 * NAN when n is 0. */
void bench_p50_p99(float *v, size_t n, double *p50, double *p99);
/* The monotonic clock in seconds, and a sleep of s seconds that signals do not cut short. */
double bench_now_seconds(void);
/* User plus system CPU seconds of this process (all its threads) so far. */
double bench_self_cpu_seconds(void);
void bench_sleep_seconds(double s);
/* A --seconds value: a number from min to 600; false otherwise. */
bool bench_parse_seconds(const char *s, double min, double *out);
/* "LABEL ratio R (bar B[, at most]): meets the bar|misses the bar", LABEL padded to width. */
void bench_print_ratio(const char *label, int width, double ratio, double bar, bool at_most);

#endif
