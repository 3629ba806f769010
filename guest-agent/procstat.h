/*
 * /proc/stat and /proc/interrupts: pure parsers over text (host-testable) and
 * thin readers of the live files.
 */
#ifndef PVB_PROCSTAT_H
#define PVB_PROCSTAT_H

#include <stddef.h>
#include <stdint.h>

/* The aggregate "cpu " line of /proc/stat, in USER_HZ ticks. */
struct procstat_cpu {
    uint64_t user, nice, system, idle, iowait, irq, softirq, steal;
};

/* Share of CPU time over an interval, in percent; the fields sum to 100. */
struct procstat_pct {
    double user, nice, system, idle, iowait, irq, softirq, steal;
};

/*
 * Parse the "cpu " line of /proc/stat text. Fields a kernel does not print
 * (older kernels have fewer) are 0. Returns 0, or -EINVAL without such a line.
 */
int procstat_parse_cpu(const char *text, struct procstat_cpu *out);

/*
 * CPU split between two snapshots. A counter that went backwards (iowait can)
 * counts as 0. Returns 0, or -ERANGE with all shares 0 when no tick elapsed.
 */
int procstat_cpu_pct(const struct procstat_cpu *before, const struct procstat_cpu *after,
                     struct procstat_pct *out);

/*
 * Sum, over all CPUs, the counts of every /proc/interrupts line whose
 * description (the text after the per-CPU columns) contains needle. Lines
 * without per-CPU columns (ERR:, MIS:) take part like any other. Returns the
 * number of matching lines (>= 0) and the sum in *sum, or -EINVAL when the
 * text has no "CPU" header or needle is empty.
 */
int procstat_parse_irqs(const char *text, const char *needle, uint64_t *sum);

/*
 * Read a whole (proc) file into buf as a NUL-terminated string. Returns the
 * length, or -errno; -EFBIG when the file does not fit.
 */
int procstat_read_file(const char *path, char *buf, size_t size);

/* Snapshot the live /proc/stat and /proc/interrupts. Same returns as the parsers. */
int procstat_read_cpu(struct procstat_cpu *out);
int procstat_read_irqs(const char *needle, uint64_t *sum);

#endif
