#!/bin/sh
# Exits before the handshake.
exit 3
