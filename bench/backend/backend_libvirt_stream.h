/*
 * A guest's serial ports through libvirt streams, for a host that shares nothing with the
 * harness but its URI. The session reads the agent's channel from the Unix socket it listens
 * on (chan.h), as for a local guest: here the harness itself connects to that socket and a
 * pump, run by libvirt's event loop thread, copies bytes both ways between it and the
 * stream of serial1. serial0 (the console) is copied into the harness's console log.
 *
 * A broken connection fires no stream callback; backend_libvirt_stream_conn_closed(), called
 * from the connection's close callback, shuts the socket, so the session reads EOF at once
 * and the job is lost as when a guest dies.
 */
#ifndef PVB_BACKEND_LIBVIRT_STREAM_H
#define PVB_BACKEND_LIBVIRT_STREAM_H

#include <stddef.h>

#include <libvirt/libvirt.h>

struct lv_ports;

/*
 * Open serial0 and serial1 of the (paused) domain dom: the console appended to console_log
 * (a harness file; NULL: discarded), the agent to the Unix socket at sock_path, which the
 * session listens on. Needs a running libvirt event loop. 0 with *out, or -1 with err.
 */
int backend_libvirt_stream_open(virConnectPtr conn, virDomainPtr dom, const char *sock_path,
                                const char *console_log, struct lv_ports **out, char *err,
                                size_t errlen) __attribute__((warn_unused_result));

/* Stop both pumps, close the streams and the socket; p is freed (NULL: nothing). */
void backend_libvirt_stream_close(struct lv_ports *p);

/* conn was closed (libvirtd gone, transport dead): shut every socket pumped through it. */
void backend_libvirt_stream_conn_closed(virConnectPtr conn);

/* Bytes copied so far: guest to harness on the agent's port, and console bytes. */
void backend_libvirt_stream_counts(const struct lv_ports *p, unsigned long long *agent_in,
                                   unsigned long long *console_in);

#endif
