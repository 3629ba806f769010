/* The backend interface's own checks (backend_ops.h). */
#include "backend_ops.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "log.h"

int backend_check_ops(const struct backend_ops *ops)
{
    const char *name = ops->name ? ops->name : "?";
    const char *missing = NULL;

    if (!ops->name || !ops->process_name) {
        missing = "name or process_name";
    } else if (!ops->start || !ops->cpu_seconds || !ops->alive || !ops->stop) {
        missing = "start, cpu_seconds, alive or stop";
    } else if ((ops->caps & BACKEND_CAP_COUNTERS) && !ops->counters) {
        missing = "counters";
    } else if ((ops->caps & BACKEND_CAP_MONITOR) && !ops->monitor) {
        missing = "monitor";
    } else if ((ops->caps & BACKEND_CAP_KVM_STATS) && !ops->kvm_stats) {
        missing = "kvm_stats";
    } else if ((ops->caps & BACKEND_CAP_THREADS) && !ops->local_pid) {
        missing = "local_pid";
    } else if ((ops->caps & BACKEND_CAP_REMOTE_STORAGE) &&
               (!ops->scratch_volume || !ops->volume_delete)) {
        missing = "scratch_volume or volume_delete";
    } else if ((ops->caps & BACKEND_CAP_HOSTS) &&
               (!ops->connect || !ops->disconnect || !ops->host_info || !ops->stage_image ||
                !ops->storage_pool || !ops->storage_release || !ops->network_add ||
                !ops->network_remove)) {
        missing = "a host op";
    }
    if (missing) {
        log_err("backend %s: incomplete ops table (%s)", name, missing);
        return -1;
    }
    return 0;
}

int backend_can(const struct backend_ops *ops, unsigned caps)
{
    return ops && (ops->caps & caps) == caps;
}

void backend_describe_exit(int status, char *buf, size_t len)
{
    if (WIFEXITED(status)) {
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
        snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    } else {
        snprintf(buf, len, "ended (status 0x%x)", status);
    }
}
