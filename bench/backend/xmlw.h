/*
 * Thin xmlTextWriter wrappers, shared by the domain XML (domxml.c) and the buses
 * (devbus.c): each returns 0, or -1 when libxml2 failed; callers OR the results and
 * check once.
 */
#ifndef PVB_XMLW_H
#define PVB_XMLW_H

#include <libxml/xmlwriter.h>

#include "log.h"

/* User alias of the device under test: libvirt requires the "ua-" prefix. */
#define DOMXML_DUT_ALIAS "ua-dut"

int xmlw_start(xmlTextWriterPtr w, const char *name);
int xmlw_end(xmlTextWriterPtr w);
int xmlw_attr(xmlTextWriterPtr w, const char *name, const char *value);
int xmlw_attrf(xmlTextWriterPtr w, const char *name, const char *fmt, ...) PVB_PRINTF(3, 4);
/* <name>text</name>, text escaped by libxml2. */
int xmlw_elem(xmlTextWriterPtr w, const char *name, const char *text);
/* An empty element with one attribute: <name attr='value'/>. */
int xmlw_empty1(xmlTextWriterPtr w, const char *name, const char *attr, const char *value);
/* <address type='pci'> on the root bus, function 0. */
int xmlw_pci_address(xmlTextWriterPtr w, unsigned slot);

#endif
