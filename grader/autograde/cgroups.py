"""A cgroup per sandbox: one bound on the memory and one on the number of processes of everything
a sandbox starts, together.

The machine's cgroups are cgroup v2 (one unified hierarchy, the controllers listed in
`cgroup.controllers`) or v1 (a hierarchy per controller); each of the two controllers used here,
`memory` and `pids`, is taken from a v1 hierarchy when one holds it, else from the v2 one. A
sandbox's cgroup is made under a `base` cgroup per controller: the cgroup this process is in, or,
on v2 where that cgroup holds processes (so it cannot hand controllers to sub-cgroups) and this
process is root, the hierarchy's root. `unavailable()` says which controller cannot be used and why
(no hierarchy holds it, not writable, ...), found by making a probe cgroup once per process.

A run's cgroups can be grouped under a parent (`parent_directories`, `make_parent`) that
`remove_tree` removes with everything under it, killing what still runs there: the cgroups of
sandboxes whose grading process was killed are removed that way.

The memory bound counts what Linux charges to the cgroup: the processes' resident memory, the tmpfs
pages they write, page cache they read first (reclaimed before anything is killed). At the bound
Linux's OOM killer kills the largest process of the cgroup (`Group.oom_killed` says it did). Swap
adds nothing to it (v1: memory and swap together, `memory.memsw.limit_in_bytes`, get the same
bound; v2: `memory.swap.max` is 0). The process bound counts processes and threads; at it fork()
and thread creation fail with EAGAIN.
"""
from __future__ import annotations

import errno
import functools
import os
import signal
import time
from dataclasses import dataclass

CONTROLLERS = ("memory", "pids")
MiB = 1024 * 1024


@dataclass(frozen=True)
class _Mount:
    point: str                  # where the hierarchy is mounted
    root: str                   # the cgroup mounted there (a cgroup namespace's root, "/" mostly)
    controllers: frozenset      # v1: the controllers of this hierarchy; v2: empty (see cgroup.controllers)
    v2: bool


def unescape_mount_path(field: str) -> str:
    """A path of /proc/self/mountinfo (space, tab, newline and backslash written in octal)."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def _mounts() -> list[_Mount]:
    """The cgroup hierarchies mounted in this process's mount namespace."""
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            dash = fields.index("-")
            fstype, options = fields[dash + 1], fields[dash + 3].split(",")
            if fstype in ("cgroup", "cgroup2"):
                found.append(_Mount(unescape_mount_path(fields[4]), unescape_mount_path(fields[3]),
                                    frozenset(options) & set(CONTROLLERS), fstype == "cgroup2"))
    return found


def _own_cgroups() -> dict[str, str]:
    """This process's cgroup per hierarchy: controller name (v1) or "" (v2) -> cgroup path."""
    own = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for name in controllers.split(",") if controllers else [""]:
                own[name] = path
    return own


def _directory(mount: _Mount, path: str) -> str | None:
    """The directory of cgroup `path` under `mount` (None when the mount does not show it)."""
    root = mount.root.rstrip("/")
    if path != root and not path.startswith(root + "/"):
        return None
    return os.path.normpath(mount.point + "/" + path[len(root):])


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _delegate(directory: str) -> None:
    """v2: give the sub-cgroups of `directory` its memory and pids controllers (OSError when it cannot)."""
    available = _read(os.path.join(directory, "cgroup.controllers")).split()
    enabled = _read(os.path.join(directory, "cgroup.subtree_control")).split()
    missing = [c for c in CONTROLLERS if c in available and c not in enabled]
    if missing:
        _write(os.path.join(directory, "cgroup.subtree_control"), " ".join("+" + c for c in missing))


def _probe(base: str, controller: str) -> None:
    """Make a cgroup under `base`, bound it with `controller`, remove it (OSError when something fails)."""
    probe = os.path.join(base, f"grader-probe-{os.getpid()}")
    os.mkdir(probe)
    try:
        _limit(probe, controller, 64 * MiB if controller == "memory" else 64)
    finally:
        os.rmdir(probe)


@functools.cache
def _found() -> tuple[dict[str, str], dict[str, str]]:
    """(controller -> its base directory, for those usable here; controller -> why not, for the others)."""
    bases, why = {}, {}
    try:
        mounts, own = _mounts(), _own_cgroups()
    except OSError as exc:
        return {}, {c: f"cannot read this process's cgroups: {exc}" for c in CONTROLLERS}
    for controller in CONTROLLERS:
        v1 = [m for m in mounts if controller in m.controllers]
        v2 = [m for m in mounts if m.v2]
        if v1:
            candidates = [_directory(v1[0], own.get(controller, "/"))]
        elif v2 and os.path.exists(os.path.join(v2[0].point, "cgroup.controllers")):
            candidates = [_directory(v2[0], own.get("", "/"))]
            if os.geteuid() == 0:
                candidates.append(v2[0].point)         # the root may always hand controllers down
        else:
            why[controller] = f"no cgroup hierarchy with the {controller} controller is mounted"
            continue
        errors = []
        for base in dict.fromkeys(candidates):
            if base is None:
                errors.append("this process's cgroup is outside the mounted hierarchy")
                continue
            try:
                if not v1:
                    if controller not in _read(os.path.join(base, "cgroup.controllers")).split():
                        raise OSError(f"{base}: the {controller} controller is not enabled for this cgroup")
                    _delegate(base)
                _probe(base, controller)
            except OSError as exc:
                hint = (" (cgroup v2 hands controllers down only from a cgroup without processes of its own)"
                        if exc.errno == errno.EBUSY else "")
                errors.append(f"{exc}{hint}")
                continue
            bases[controller] = base
            break
        else:
            why[controller] = f"cannot make a {controller} cgroup: " + "; ".join(errors)
    return bases, why


def unavailable() -> dict[str, str]:
    """controller ("memory", "pids") -> why sandboxes cannot be bounded with it here (tried once per process)."""
    return dict(_found()[1])


def _limit(directory: str, controller: str, value: int) -> None:
    """Bound cgroup `directory`: memory in bytes (no swap beyond it) or a number of processes and threads."""
    def path(name):
        return os.path.join(directory, name)
    if controller == "pids":
        _write(path("pids.max"), str(value))
    elif os.path.exists(path("memory.max")):                       # v2
        _write(path("memory.max"), str(value))
        if os.path.exists(path("memory.swap.max")):
            _write(path("memory.swap.max"), "0")
    else:                                                          # v1: memory first, then memory + swap
        _write(path("memory.limit_in_bytes"), str(value))
        if os.path.exists(path("memory.memsw.limit_in_bytes")):
            _write(path("memory.memsw.limit_in_bytes"), str(value))


def _parent_of(controller: str, parents: tuple[str, ...]) -> str:
    """The directory of `parents` in `controller`'s hierarchy, else that hierarchy's base."""
    base = _found()[0][controller]
    return next((p for p in parents if p.startswith(base + "/")), base)


def parent_directories(name: str) -> tuple[str, ...]:
    """The directories of a parent cgroup `name`, one under each usable base (nothing is made)."""
    return tuple(dict.fromkeys(os.path.join(base, name) for base in _found()[0].values()))


def make_parent(directories: tuple[str, ...]) -> None:
    """Make the parent cgroup of `parent_directories` where missing (v2: its sub-cgroups get the
    controllers); pass the directories to `create`, and at the end to `remove_tree`."""
    for directory in directories:
        os.makedirs(directory, exist_ok=True)
        if os.path.exists(os.path.join(directory, "cgroup.controllers")):
            _delegate(directory)


@dataclass(frozen=True)
class Group:
    """A sandbox's cgroup: its directory in the hierarchy of each controller (None: not bounded),
    and its bounds (MiB; processes and threads)."""
    memory: str | None
    pids: str | None
    memory_mb: int
    processes: int

    def directories(self) -> list[str]:
        return list(dict.fromkeys(d for d in (self.memory, self.pids) if d is not None))

    def procs_files(self) -> list[str]:
        """The files a process writes its pid to, to enter this cgroup (one per hierarchy)."""
        return [os.path.join(d, "cgroup.procs") for d in self.directories()]

    def oom_killed(self) -> bool:
        """True when the OOM killer killed a process of the cgroup at its memory bound (v2
        memory.events; v1 memory.oom_control, or memory.failcnt where the kernel counts no kills)."""
        if self.memory is None:
            return False
        events = os.path.join(self.memory, "memory.events")
        text = _read(events if os.path.exists(events) else os.path.join(self.memory, "memory.oom_control"))
        counts = dict(line.split() for line in text.splitlines() if len(line.split()) == 2)
        if "oom_kill" in counts:
            return int(counts["oom_kill"]) > 0
        return int(_read(os.path.join(self.memory, "memory.failcnt"))) > 0

    def remove(self) -> None:
        """Kill what still runs in the cgroup and remove it (OSError when it cannot be removed)."""
        for directory in self.directories():
            _remove(directory)


def create(name: str, memory_mb: int, processes: int, parents: tuple[str, ...] = ()) -> Group | None:
    """A new cgroup `name` bounded to `memory_mb` MiB and `processes` processes and threads, under
    `parents` (from make_parent) or the bases; None when no controller is usable here."""
    bases = _found()[0]
    if not bases:
        return None
    made: dict[str, str] = {}
    try:
        for controller in bases:
            directory = os.path.join(_parent_of(controller, parents), name)
            if directory not in made.values():
                os.mkdir(directory)
            made[controller] = directory
            _limit(directory, controller, memory_mb * MiB if controller == "memory" else processes)
    except OSError:
        for directory in dict.fromkeys(made.values()):
            os.rmdir(directory)
        raise
    return Group(made.get("memory"), made.get("pids"), memory_mb, processes)


def _hierarchy_points() -> list[str]:
    return [m.point.rstrip("/") for m in _mounts()]


def remove_tree(directory: str) -> None:
    """Remove cgroup `directory` and every cgroup under it, killing the processes still in them.
    Refuses (ValueError) a directory that is not strictly inside a mounted cgroup hierarchy."""
    directory = os.path.normpath(directory)
    if not any(directory.startswith(point + "/") for point in _hierarchy_points()):
        raise ValueError(f"{directory}: not a cgroup under a mounted cgroup hierarchy")
    if not os.path.isdir(directory):
        return
    below = [root for root, _, _ in os.walk(directory, followlinks=False)]
    for cgroup in reversed(below):                     # the deepest first
        _remove(cgroup)


def _remove(directory: str, seconds: float = 10) -> None:
    """Kill the processes of cgroup `directory` (it has no sub-cgroups) and remove it."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            pids = _read(os.path.join(directory, "cgroup.procs")).split()
        except FileNotFoundError:
            return
        if not pids:
            try:
                os.rmdir(directory)
                return
            except FileNotFoundError:
                return
            except OSError as exc:
                if exc.errno != errno.EBUSY or time.monotonic() > deadline:
                    raise
        elif time.monotonic() > deadline:
            raise OSError(errno.EBUSY, f"processes {' '.join(pids)} are still there after SIGKILL", directory)
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.02)
