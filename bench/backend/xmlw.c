/* Thin xmlTextWriter wrappers for the domain XML (domxml.c) and the buses (devbus.c). */
#include "xmlw.h"

#include <stdarg.h>
#include <stdio.h>

#include <libxml/xmlstring.h>

int xmlw_start(xmlTextWriterPtr w, const char *name)
{
    return xmlTextWriterStartElement(w, BAD_CAST name) < 0 ? -1 : 0;
}

int xmlw_end(xmlTextWriterPtr w)
{
    return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

int xmlw_attr(xmlTextWriterPtr w, const char *name, const char *value)
{
    return xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST value) < 0 ? -1 : 0;
}

int xmlw_attrf(xmlTextWriterPtr w, const char *name, const char *fmt, ...)
{
    char buf[64];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(buf)) {
        return -1;
    }
    return xmlw_attr(w, name, buf);
}

/* <name>text</name>, text escaped by libxml2. */
int xmlw_elem(xmlTextWriterPtr w, const char *name, const char *text)
{
    return xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST text) < 0 ? -1 : 0;
}

/* An empty element with one attribute: <name attr='value'/>. */
int xmlw_empty1(xmlTextWriterPtr w, const char *name, const char *attr, const char *value)
{
    int rc = 0;

    rc |= xmlw_start(w, name);
    rc |= xmlw_attr(w, attr, value);
    rc |= xmlw_end(w);
    return rc;
}

/* <address type='pci'> on the root bus, function 0. */
int xmlw_pci_address(xmlTextWriterPtr w, unsigned slot)
{
    int rc = 0;

    rc |= xmlw_start(w, "address");
    rc |= xmlw_attr(w, "type", "pci");
    rc |= xmlw_attr(w, "domain", "0x0000");
    rc |= xmlw_attr(w, "bus", "0x00");
    rc |= xmlw_attrf(w, "slot", "0x%02x", slot);
    rc |= xmlw_attr(w, "function", "0x0");
    rc |= xmlw_end(w);
    return rc;
}
