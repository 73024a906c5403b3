"""Starts a program the way systemd starts a service with KeyringMode=private: in a fresh session keyring of
its own (holding a key, as systemd's invocation id is), then execs it. Usage: operator_launch.py PROGRAM ARGS..."""
import ctypes
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS = {"x86_64": {"add_key": 248, "keyctl": 250}, "aarch64": {"add_key": 217, "keyctl": 219}}[os.uname().machine]
KEYCTL_JOIN_SESSION_KEYRING, KEY_SPEC_SESSION_KEYRING = 1, -3

if libc.syscall(SYS["keyctl"], KEYCTL_JOIN_SESSION_KEYRING, b"cb-operator-service") < 0:
    sys.exit(f"operator_launch: cannot join a new session keyring (errno {ctypes.get_errno()})")
libc.syscall(SYS["add_key"], b"user", b"invocation_id", b"0123456789abcdef", 16, KEY_SPEC_SESSION_KEYRING)
os.execvp(sys.argv[1], sys.argv[1:])
