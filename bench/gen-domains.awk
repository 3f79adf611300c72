# SPDX-License-Identifier: LGPL-2.1-or-later
# awk -v n=N -v dir=DIR -f bench/gen-domains.awk: N varied domain XML files (see check-bench).

function pick(list,   a, k) { k = split(list, a, " "); return a[int(rand() * k) + 1] }
BEGIN {
    srand(20240601)
    for (i = 1; i <= n; i++) {
        f = sprintf("%s/d%05d.xml", dir, i)
        arch = "x86_64"; type = "qemu"
        r = rand()
        if (r < 0.30) { type = "kvm"; machine = pick("q35 pc-q35-7.2") }
        else if (r < 0.85) machine = pick("q35 pc pc-q35-7.2 pc-i440fx-7.2")
        else { arch = "aarch64"; machine = "virt" }
        x86 = arch == "x86_64"; q35 = machine ~ /q35/
        vcpus = int(rand() * 16) + 1
        mem = 512 * (int(rand() * 32) + 1)
        efi = rand() < 0.4 || !x86
        printf "<domain type=\047%s\047>\n  <name>vm%05d</name>\n", type, i > f
        printf "  <uuid>%08x-0000-4000-8000-%012d</uuid>\n", i, i > f
        printf "  <memory unit=\047MiB\047>%d</memory>\n", mem > f
        pin = rand() < 0.2
        printf "  <vcpu placement=\047static\047%s>%d</vcpu>\n", pin ? " cpuset=\0470-7\047" : "", vcpus > f
        if (pin) {
            printf "  <cputune>\n" > f
            for (v = 0; v < vcpus && v < 4; v++)
                printf "    <vcpupin vcpu=\047%d\047 cpuset=\047%d\047/>\n", v, rand() < 0.02 ? 12 : v > f
            printf "    <emulatorpin cpuset=\0470-1\047/>\n  </cputune>\n" > f
        }
        if (rand() < 0.15) {
            printf "  <memoryBacking>\n" > f
            if (rand() < 0.5) printf "    <hugepages>\n      <page size=\0472048\047 unit=\047KiB\047/>\n    </hugepages>\n" > f
            printf "    <source type=\047%s\047/>\n    <access mode=\047shared\047/>\n  </memoryBacking>\n", pick("memfd file anonymous") > f
        }
        if (rand() < 0.1) printf "  <numatune>\n    <memory mode=\047strict\047 nodeset=\047%s\047/>\n  </numatune>\n", pick("0 1 0-1") > f
        printf "  <os%s>\n    <type arch=\047%s\047 machine=\047%s\047>hvm</type>\n", efi ? " firmware=\047efi\047" : "", arch, machine > f
        printf "    <boot dev=\047hd\047/>\n  </os>\n" > f
        printf "  <features>\n    <acpi/>\n" > f
        if (x86) {
            printf "    <apic/>\n" > f
            if (q35 && efi && rand() < 0.5) printf "    <smm state=\047on\047/>\n" > f
            if (rand() < 0.3) printf "    <hyperv mode=\047custom\047>\n      <spinlocks state=\047on\047 retries=\0478191\047/>\n    </hyperv>\n" > f
            if (rand() < 0.3) printf "    <vmcoreinfo state=\047on\047/>\n" > f
        } else {
            printf "    <gic version=\047%s\047/>\n", (vcpus > 8 ? 3 : pick("2 3")) > f
        }
        printf "  </features>\n" > f
        if (type == "kvm") cpu = pick("host-passthrough host-model")
        else if (!x86) cpu = pick("maximum custom-cortex-a57")
        else cpu = pick("maximum custom-qemu64 custom-Skylake-Client")
        if (cpu ~ /^custom-/)
            printf "  <cpu mode=\047custom\047 match=\047exact\047>\n    <model fallback=\047forbid\047>%s</model>\n  </cpu>\n", substr(cpu, 8) > f
        else
            printf "  <cpu mode=\047%s\047/>\n", cpu > f
        printf "  <devices>\n" > f
        ndisks = int(rand() * 4) + 1
        buses = x86 ? (q35 ? "virtio virtio sata scsi nvme usb" : "virtio virtio ide scsi usb") : "virtio scsi usb"
        for (d = 0; d < ndisks; d++) {
            bus = pick(buses)
            dev = (bus == "virtio" ? "vd" : "sd") sprintf("%c", 97 + d)
            cdrom = bus != "virtio" && bus != "nvme" && rand() < 0.3
            printf "    <disk type=\047file\047 device=\047%s\047>\n", cdrom ? "cdrom" : "disk" > f
            printf "      <driver name=\047qemu\047 type=\047%s\047 cache=\047none\047/>\n", cdrom ? "raw" : "qcow2" > f
            printf "      <source file=\047/var/lib/libvirt/images/vm%05d-%d.img\047/>\n", i, d > f
            printf "      <target dev=\047%s\047 bus=\047%s\047/>\n", dev, bus > f
            if (cdrom) printf "      <readonly/>\n" > f
            printf "    </disk>\n" > f
        }
        if (buses ~ /scsi/) printf "    <controller type=\047scsi\047 model=\047virtio-scsi\047/>\n" > f
        printf "    <controller type=\047usb\047 model=\047%s\047/>\n", pick("qemu-xhci nec-xhci ehci") > f
        nnics = int(rand() * 3)
        for (k = 0; k < nnics; k++) {
            model = x86 ? pick("virtio virtio e1000 e1000e rtl8139 igb") : pick("virtio e1000e")
            printf "    <interface type=\047%s\047>\n", pick("network user bridge") > f
            printf "      <mac address=\04752:54:00:%02x:%02x:%02x\047/>\n", int(i / 256) % 256, i % 256, k > f
            printf "      <model type=\047%s\047/>\n    </interface>\n", model > f
        }
        printf "    <serial type=\047pty\047/>\n    <console type=\047pty\047/>\n" > f
        printf "    <channel type=\047unix\047>\n      <target type=\047virtio\047 name=\047org.qemu.guest_agent.0\047/>\n    </channel>\n" > f
        g = x86 ? pick("vnc spice none rdp vnc vnc spice") : pick("vnc none")
        if (g != "none") printf "    <graphics type=\047%s\047 autoport=\047yes\047/>\n", g > f
        if (g == "spice") printf "    <channel type=\047spicevmc\047>\n      <target type=\047virtio\047 name=\047com.redhat.spice.0\047/>\n    </channel>\n    <redirdev bus=\047usb\047 type=\047spicevmc\047/>\n" > f
        printf "    <video>\n      <model type=\047%s\047/>\n    </video>\n", x86 ? pick("virtio vga qxl bochs cirrus") : pick("virtio ramfb") > f
        printf "    <input type=\047tablet\047 bus=\047usb\047/>\n" > f
        if (x86 && rand() < 0.3) printf "    <sound model=\047%s\047/>\n", q35 ? "ich9" : pick("ich6 ac97") > f
        if (rand() < 0.3) printf "    <tpm model=\047%s\047>\n      <backend type=\047emulator\047 version=\0472.0\047/>\n    </tpm>\n", x86 && q35 ? "tpm-crb" : "tpm-tis" > f
        if (rand() < 0.6) printf "    <rng model=\047virtio\047>\n      <backend model=\047random\047>/dev/urandom</backend>\n    </rng>\n" > f
        if (rand() < 0.1) printf "    <hostdev mode=\047subsystem\047 type=\047usb\047 managed=\047yes\047>\n      <source>\n        <vendor id=\047%s\047/>\n        <product id=\047%s\047/>\n      </source>\n    </hostdev>\n", pick("0x0781 0x046d"), pick("0x5583 0xc52b") > f
        if (x86 && rand() < 0.2) printf "    <watchdog model=\047%s\047 action=\047reset\047/>\n", q35 ? "itco" : "i6300esb" > f
        if (rand() < 0.1) printf "    <filesystem type=\047mount\047 accessmode=\047passthrough\047>\n      <driver type=\047virtiofs\047/>\n      <source dir=\047/srv/share\047/>\n      <target dir=\047share\047/>\n    </filesystem>\n" > f
        printf "    <memballoon model=\047virtio\047/>\n  </devices>\n</domain>\n" > f
        close(f)
    }
}
