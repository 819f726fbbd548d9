#!/usr/bin/python3
"""
Size of the linked firmware image (firmware/microbit, obol-rs.elf), from
its sections and its linker map: flash (everything stored in flash:
.text with .rodata and the vectors, .ARM.exidx, .data's initial values,
the provisioning page's content), static RAM (.data + .bss), and the flash
and RAM per module (the input sections the linker kept, by object file;
unused functions were collected by --gc-sections). With --stack N (the
peak stack measured in QEMU by stack painting), checks the budgets of
BRIEF.md 3: flash <= 32 KiB, static RAM + peak stack <= 6 KiB.

usage: fw_size.py ELF MAP [--stack BYTES]   (exit 1 over budget)
"""
import re
import subprocess
import sys

FLASH_MAX = 32768
RAM_MAX = 6144

elf, mapf = sys.argv[1], sys.argv[2]
stack = int(sys.argv[sys.argv.index("--stack") + 1]) if "--stack" in sys.argv else None

sec = {}
for line in subprocess.run(["arm-none-eabi-size", "-A", elf], capture_output=True,
                           text=True, check=True).stdout.splitlines():
    f = line.split()
    if len(f) == 3 and f[1].isdigit():
        sec[f[0]] = int(f[1])
flash = sec.get(".text", 0) + sec.get(".ARM.exidx", 0) + sec.get(".data", 0) + sec.get(".provision", 0)
ram = sec.get(".data", 0) + sec.get(".bss", 0)


def module(obj):
    n = obj.rsplit("/", 1)[-1]
    if n.startswith("lib") or "(" in obj:
        return "libc + libgcc (mem*, str*, division)"
    n = re.sub(r"\.o$", "", n)
    if n.startswith("src_crypto_tiny_"):
        return "crypto (tiny)"
    n = n.replace("src_core_", "")
    for pre, name in (("cbor", "CBOR"), ("cose", "COSE"), ("cwt", "CWT"), ("aif", "AIF"),
                      ("coap", "CoAP"), ("oscore", "OSCORE"), ("rs", "RS engine"),
                      ("ace", "ACE profile"), ("slip", "SLIP"), ("ct", "support (ct)"),
                      ("err", "support (err)")):
        if n == pre or n.startswith(pre + "_") or (pre not in ("rs", "ct", "err") and n.startswith(pre)):
            return name
    if n.startswith("firmware_microbit_") or n == "provision":
        return "board (" + n.replace("firmware_microbit_", "") + ")"
    if n == "src_rs_demo":
        return "app (demo.c)"
    return n


# Map file: "Linker script and memory map" part; an input section is a
# line " .text.name 0xADDR 0xSIZE obj" (or the name alone on its line,
# address/size/obj on the next).
text = open(mapf).read()
text = text[text.find("Linker script and memory map"):]
rows = {}
pending = None
out_sec = None
for line in text.splitlines():
    m = re.match(r"^(\.\S+)", line)
    if m:
        out_sec = m.group(1)
    m = re.match(r"^ (\.\S+|COMMON)\s*$", line)
    if m:
        pending = m.group(1)
        continue
    m = re.match(r"^ (\.\S+|COMMON)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
    if m:
        name = m.group(1) or pending
        pending = None
        if name is None or out_sec in (None, ".ssn", ".debug_info") or out_sec.startswith(".debug") \
                or out_sec.startswith(".comment") or out_sec.startswith(".ARM.attributes"):
            continue
        size = int(m.group(3), 16)
        if size == 0:
            continue
        kind = "ram" if out_sec in (".bss",) else ("both" if out_sec == ".data" else "flash")
        mod = module(m.group(4).strip())
        r = rows.setdefault(mod, [0, 0])
        if kind in ("flash", "both"):
            r[0] += size
        if kind in ("ram", "both"):
            r[1] += size
    else:
        pending = None if not line.startswith(" ") or line.strip() == "" else pending

print("firmware image %s (arm-none-eabi-gcc -mcpu=cortex-m0 -mthumb -Os, gc-sections):" % elf)
print("  %-30s %7s %7s" % ("module", "flash", "ram"))
for mod, (f, r) in sorted(rows.items(), key=lambda kv: -kv[1][0]):
    print("  %-30s %7d %7d" % (mod, f, r))
print("  %-30s %7d %7d" % ("total (map)", sum(v[0] for v in rows.values()),
                            sum(v[1] for v in rows.values())))
print("  sections: .text %d, .data %d, .bss %d, .provision %d" % (
    sec.get(".text", 0), sec.get(".data", 0), sec.get(".bss", 0), sec.get(".provision", 0)))
status = 0
print("firmware flash (text+data): %d / %d B" % (flash, FLASH_MAX))
if flash > FLASH_MAX:
    print("fw_size: flash %d B exceeds the budget of %d B" % (flash, FLASH_MAX), file=sys.stderr)
    status = 1
if stack is None:
    print("firmware static RAM (data+bss): %d B; peak stack not measured" % ram)
else:
    print("firmware RAM: static %d + peak stack %d = %d / %d B" % (ram, stack, ram + stack, RAM_MAX))
    if ram + stack > RAM_MAX:
        print("fw_size: RAM %d B exceeds the budget of %d B" % (ram + stack, RAM_MAX), file=sys.stderr)
        status = 1
sys.exit(status)
