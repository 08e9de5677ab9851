#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#define SECONDS_MAX 600.0 /* a round longer than ten minutes is a typo */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double bench_median(const double *v, int n)
{
	double s[BENCH_MAX_ROUNDS];
	int m = 0;

	for (int i = 0; i < n && m < BENCH_MAX_ROUNDS; i++)
		if (isfinite(v[i]))
			s[m++] = v[i];
	if (m == 0)
		return NAN;
	qsort(s, (size_t)m, sizeof(*s), cmp_double);
	return m % 2 ? s[m / 2] : (s[m / 2 - 1] + s[m / 2]) / 2;
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* The q-quantile of sorted by the nearest-rank method. */
static double quantile(const float *sorted, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * (double)n);

	return n == 0 ? NAN : sorted[rank == 0 ? 0 : rank - 1];
}

void bench_p50_p99(float *v, size_t n, double *p50, double *p99)
{
	qsort(v, n, sizeof(*v), cmp_float);
	*p50 = quantile(v, n, 0.50);
	*p99 = quantile(v, n, 0.99);
}

double bench_now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_sleep_seconds(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};

	while (nanosleep(&ts, &ts) != 0)
		;
}

bool bench_parse_seconds(const char *s, double min, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v >= min) || v > SECONDS_MAX)
		return false;
	*out = v;
	return true;
}

void bench_print_ratio(const char *label, int width, double ratio, double bar, bool at_most)
{
	bool meets = at_most ? ratio <= bar : ratio >= bar;

	if (!isfinite(ratio)) {
		printf("%-*s ratio  -   (bar %.2f%s): not measured\n", width, label, bar,
		       at_most ? ", at most" : "");
		return;
	}
	printf("%-*s ratio %.2f (bar %.2f%s): %s\n", width, label, ratio, bar,
	       at_most ? ", at most" : "", meets ? "meets the bar" : "misses the bar");
}

double bench_self_cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}
