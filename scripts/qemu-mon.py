#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send human-monitor commands to a QEMU started with
-monitor unix:SOCKET,server=on,wait=off and print the replies.

    qemu-mon.py SOCKET 'cmd' ['sleep:SECONDS' | 'cmd']...

run-qemu.sh uses it when a guest hangs, to get the state of the vCPUs
into the log before stopping QEMU."""

import socket
import sys
import time


def drain(s, wait):
    out = b""
    end = time.time() + wait
    while time.time() < end:
        s.settimeout(max(0.05, end - time.time()))
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        out += chunk
    return out.decode(errors="replace").replace("\r", "")


def main():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    drain(s, 0.5)                       # banner
    for cmd in sys.argv[2:]:
        if cmd.startswith("sleep:"):
            time.sleep(float(cmd[6:]))
            continue
        s.sendall(cmd.encode() + b"\n")
        print("(qemu) " + cmd)
        # The monitor echoes the command with line-editing escapes.
        reply = [l for l in drain(s, 2.0).split("\n")
                 if "\x1b[" not in l and l.strip() not in ("", "(qemu)")]
        if reply:
            print("\n".join(reply))
    s.close()


if __name__ == "__main__":
    try:
        main()
    except OSError as e:
        print("qemu-mon.py: %s" % e)
