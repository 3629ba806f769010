/*
 * The serving side of the network peer (peer_serve.c): the far end of every network
 * workload, one job at a time (a TCP job may have several streams), over a control channel.
 * It runs in two places: the host peer, a child of the harness inside the run's network
 * namespace (bench/net/peer.h), and the agent of a peer guest, the far end beside the guest
 * under test on a host that the harness reaches only through libvirt (the control channel is
 * then that guest's ttyS1, carried by a libvirt stream). No external server.
 *
 * Control channel (one line per message, at most PEER_LINE_MAX):
 *   harness -> peer   JOB id=N workload=tcp_tx|tcp_rx|tcp_rr|udp_pps port=P
 *                         runtime_ms=R warmup_ms=W life_ms=L [streams=S]
 *                     END id=N      the agent answered: finish (short grace) and report
 *                     ABORT id=N    the agent failed: stop now and report
 *                     QUIT
 *   peer -> harness   READY id=N    listening: the agent may be told to start
 *                     DONE id=N window_s=S window_bytes=B window_packets=K
 *                         total_bytes=B total_packets=K max_seq=Q
 *                     FAIL id=N reason=free text to the end of the line
 * The data plane (hello, stop, datagram header) is common/protocol.h's.
 *
 * Every socket operation of the peer has a deadline: the job's life_ms, which
 * the harness sets a little longer than the agent's own deadline. A guest that
 * never connects, resets, stalls or breaks the framing makes the job FAIL with a
 * reason; the peer then serves the next job.
 */
#ifndef PVB_PEER_SERVE_H
#define PVB_PEER_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

#define PEER_LINE_MAX 512
#define PEER_REASON_MAX 256
/* After END, how long a job that has not finished yet may still take. */
#define PEER_END_GRACE_MS 2000u

struct peer_job {
    unsigned id;
    enum pvb_net_workload workload;
    unsigned port;
    unsigned runtime_ms;
    unsigned warmup_ms;
    unsigned life_ms; /* every wait of the job ends by then */
    unsigned streams; /* TCP connections of the job (0 or 1: one) */
};

/* What the peer measured in one job. */
struct peer_report {
    unsigned id;
    int ok;                  /* DONE (1) or FAIL (0) */
    char reason[PEER_REASON_MAX];
    double window_s;         /* the peer's measured interval (it received: tcp_tx, udp_pps) */
    uint64_t window_bytes;   /* payload bytes received in it */
    uint64_t window_packets; /* datagrams (udp_pps) or reads (tcp_tx) in it */
    uint64_t total_bytes;    /* payload received (tcp_tx, udp_pps), sent (tcp_rx), echoed (rr) */
    uint64_t total_packets;  /* datagrams received (udp_pps), transactions answered (tcp_rr) */
    uint64_t max_seq;        /* udp_pps: highest sequence number + 1 (0: none) */
};

/* ---- control lines (pure) ---------------------------------------------------------------- */

const char *peer_workload_name(enum pvb_net_workload w);
/* From the workload table's rw ("tcp_tx", ...). 0 if unknown. */
enum pvb_net_workload peer_workload_parse(const char *name);

int peer_format_job(char *buf, size_t len, const struct peer_job *j);
int peer_format_report(char *buf, size_t len, const struct peer_report *r);
/* Parse a JOB line (without '\n'). 0, or -1 with err. */
int peer_parse_job(const char *line, struct peer_job *j, char *err, size_t errlen);
/* Parse a DONE or FAIL line. 0, or -1 with err. */
int peer_parse_report(const char *line, struct peer_report *r, char *err, size_t errlen);
/* 1 if line is word alone or word followed by a space. */
int peer_word(const char *line, const char *word);
/* The unsigned value of key= in line, at most max. 0, or -1 (absent, bad). */
int peer_uint(const char *line, const char *key, unsigned max, unsigned *out);
/* Write one whole line to fd (bounded wait). 0, or -1. */
int peer_send_line(int fd, const char *line);

/* ---- serving ------------------------------------------------------------------------------ */

/*
 * The peer's main loop over an open control fd: serve jobs on addr until QUIT or
 * EOF. Returns 0 (QUIT/EOF) or -1.
 */
int peer_serve(int ctl, const char *addr);

#endif
