#!/bin/sh
# Never answers the handshake.
exec sleep 30
