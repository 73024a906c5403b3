// The system layer (fds, threads, clock, spawner, process runs) is part of what every driver builds on.
@_exported import LinuxSystem
