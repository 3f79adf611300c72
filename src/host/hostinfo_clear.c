/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Freeing what a dc_hostinfo holds (the host probes and the report reader fill one). */
#include "domcaps/hostinfo.h"
#include "util.h"

static void free_strs(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

void dc_hostinfo_clear(dc_hostinfo *h)
{
    free(h->cpu.arch);
    free(h->cpu.vendor);
    free(h->cpu.model_name);
    free(h->cpu.microcode);
    free_strs(h->cpu.flags);
    free(h->kvm.reason);
    free(h->kvm.module);
    for (size_t i = 0; i < h->numa.ncells; i++) {
        dc_numa_cell *c = &h->numa.cells[i];
        free(c->pages);
        free(c->distances);
        for (size_t j = 0; j < c->ncpus; j++)
            free(c->cpus[j].siblings);
        free(c->cpus);
    }
    free(h->numa.cells);
    for (size_t i = 0; i < h->npci; i++) {
        dc_pci_device *d = &h->pci[i];
        free(d->address);
        free(d->vendor_name);
        free(d->device_name);
        free(d->class_name);
        free(d->driver);
        free(d->physfn);
    }
    free(h->pci);
    for (size_t i = 0; i < h->vfio.ngroups; i++) {
        free_strs(h->vfio.groups[i].devices);
        free_strs(h->vfio.groups[i].culprits);
    }
    free(h->vfio.groups);
    for (size_t i = 0; i < h->nusb; i++) {
        free(h->usb[i].port_path);
        free(h->usb[i].speed);
        free(h->usb[i].manufacturer);
        free(h->usb[i].product);
    }
    free(h->usb);
    for (size_t i = 0; i < h->nifaces; i++)
        free(h->ifaces[i].name);
    free(h->ifaces);
    for (size_t i = 0; i < h->ndiags; i++) {
        free(h->diags[i].probe);
        free(h->diags[i].message);
    }
    free(h->diags);
    *h = (dc_hostinfo){0};
}
