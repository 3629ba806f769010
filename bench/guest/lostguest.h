/*
 * What the QEMU of a lost guest (one that stopped answering during a job) was doing when
 * the harness gave up on it, written into the configuration's -agent.log before the guest is
 * stopped: the state and wait channel of each QEMU thread (a host I/O stall shows as D, a
 * spinning vCPU as R, a guest waiting for nothing as S everywhere) and, when QEMU has a QMP
 * socket, the state of every virtqueue as QEMU sees it (x-query-virtio-queue-status:
 * requests taken but not completed, the used index and the last one signalled to the guest).
 */
#ifndef PVB_LOSTGUEST_H
#define PVB_LOSTGUEST_H

#include <stdio.h>
#include <sys/types.h>

/* The threads of process pid (who: "QEMU", ...), one line each ("tid name state wchan"). */
void lostguest_threads(FILE *out, pid_t pid, const char *who);

/*
 * Every virtio device's queues through the QMP socket at qmp_path (a few seconds at most),
 * one line each; a line saying why when QMP does not answer.
 */
void lostguest_virtqueues(FILE *out, const char *qmp_path);

#endif
