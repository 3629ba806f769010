/*
 * The libvirt domain XML of a guest, written with libxml2's xmlTextWriter (escaping is
 * libxml2's job). The guest it describes is the one backend_qemu_build_argv() describes,
 * device for device; bench/tests/test_domxml.c checks that for every device model.
 */
#ifndef PVB_DOMXML_H
#define PVB_DOMXML_H

#include <stddef.h>

#include <libxml/tree.h>

#include "backend.h"
#include "xmlw.h"


/*
 * Append the domain XML of spec to out (created by the caller with xmlBufferCreate()).
 * 0, or -1 with a message in err: a name libvirt would reject, a relative or
 * non-printable path, a device model this writer does not know.
 */
int domxml_write(const struct guest_spec *spec, xmlBufferPtr out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * The same domain with both serial ports as ptys, which the harness opens as libvirt streams
 * (a host that cannot see the harness's files): spec's console_log and control_sock are then
 * unused. console_log, when not NULL, is a file on the host's side that also receives ttyS0.
 */
int domxml_write_pty(const struct guest_spec *spec, const char *console_log, xmlBufferPtr out,
                     char *err, size_t errlen) __attribute__((warn_unused_result));

/* The <target dev=> given to the disk under test ("hda", "sda", "vda"), NULL if not a disk. */
const char *domxml_dut_target_dev(const struct devmodel *m);

/*
 * The element of a domain XML (as written here or as libvirt returns it) that chooses the
 * device under test, as a student writes it: the DUT disk's <target dev='vda' bus='virtio'/>
 * or the DUT NIC's <model type='virtio'/>, attributes in the document's order. The DUT is the
 * device with the alias DOMXML_DUT_ALIAS. 0, or -1 ("" in out) when the document has none.
 */
int domxml_dut_line(xmlDocPtr doc, char *out, size_t len);

/*
 * domxml_dut_line() of the domain XML the libvirt backend writes for spec (its paths do not
 * matter). 0, or -1 ("" in out) when libvirt cannot express the device (the bus refuses it).
 */
int domxml_spec_dut_line(const struct guest_spec *spec, char *out, size_t len);

/* 1 if libvirt accepts name as a domain name (and pvbench can register it), else 0. */
int domxml_name_ok(const char *name);

#endif
