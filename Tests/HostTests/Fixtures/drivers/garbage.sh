#!/bin/sh
# Prints something that is not protocol on stdout instead of answering the handshake.
echo "hello, I am not JSON"
exec sleep 30
