/* floor-init: the smallest useful guest /init.  It powers the VM off at once, so that
 * scripts/measure-boot can time the bare cost of booting the kernel ("the floor") under an
 * accelerator, with nothing of pvbench's own in the way.
 *
 * Build: cc -static -O2 -o floor-init scripts/floor-init.c
 */
#include <sys/reboot.h>
#include <unistd.h>

int main(void)
{
    /* Nothing is mounted and nothing was written: no sync needed.  Under QEMU's pc machine
     * this is an ACPI power-off, which ends the QEMU process. */
    reboot(RB_POWER_OFF);
    /* Only reached if power-off failed (e.g. no ACPI): exiting makes the kernel panic, and
     * with panic=-1 plus -no-reboot QEMU exits all the same. */
    return 1;
}
