#!/bin/sh
# Floods stderr and never answers.
while :; do echo "flood flood flood flood flood flood flood flood"; done >&2
