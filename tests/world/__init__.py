"""The offline test world: host images, systemd host containers, package mirror, emulator.

One implementation used by molecule's create/destroy, ``make demo`` and the benchmarks:
``python -m tests.world up|down|images|mirror`` (see ``__main__.py``).
"""
