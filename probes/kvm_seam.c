/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The only place that touches /dev/kvm with ioctls. Kept in its own object so
 * tests can replace these with -Wl,--wrap (which only rewrites calls that
 * cross object files).
 */
#include <fcntl.h>
#include <sys/ioctl.h>

#include "host.h"

int dc_kvm_open(const dc_root *root, int *ret_fd)
{
    int fd = dc_root_open_file(root, "/dev/kvm", O_RDWR);
    if (fd < 0)
        return fd;
    *ret_fd = fd;
    return 0;
}

int dc_kvm_ioctl(int fd, unsigned long request, unsigned long arg)
{
    int r = ioctl(fd, request, arg);
    return r < 0 ? -errno : r;
}
