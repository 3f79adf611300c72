/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "domcaps/hostinfo.h"

/*
 * Lists the USB devices through libusb. Returns 0 and the devices (possibly
 * none: a host without USB is not an error), or -errno with a message.
 */
int dc_usb_list_devices(dc_usb_device **ret, size_t *ret_n, dc_error *err);
