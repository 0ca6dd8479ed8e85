"""The sandbox a grading kernel runs in: bubblewrap (`bwrap`) namespaces plus resource limits.

`command(argv, ...)` wraps a command so that it runs

- on a file system made of read-only binds: /usr, a few /etc files (dynamic linker cache,
  time zone, fonts), the Python installation (sys.base_prefix), the virtual environment
  (sys.prefix), the `grader` package (which holds no hidden data, solutions or corpus: those are
  the course's `instructor/` folder, never bound, and hidden even when it lies inside a bound
  directory), and directories the caller names (the JAX compilation cache); plus its scratch
  directory `workdir` (read-write, at the same path, the working directory) and a private,
  size-limited tmpfs on /tmp (HOME, TMPDIR and MPLCONFIGDIR point into it, see `environment`),
  and its own cgroup, read-only, at /sys/fs/cgroup (as a container sees its cgroup).
  Nothing else of the host is there: not the course directory (source/ notebooks, submitted/,
  autograded/, gradebook.db), not home directories, not the host's /tmp with other kernels'
  scratch directories;
- in new network (no network at all; unix sockets in `workdir` still work), PID (it sees only
  its own processes), IPC, UTS and cgroup namespaces. When the command's process is killed,
  bwrap's init of the PID namespace dies with it and the kernel kills every process left in the
  namespace, children that called setsid() included; the sandbox is also killed when the thread
  that started it exits (`--die-with-parent`);
- without privileges: as root, under its own unprivileged `uid` (setpriv, no capabilities, no new
  privileges), so that the uid's RLIMIT_NPROC applies (root ignores it) and nothing it writes
  belongs to root; as an ordinary user, in a user namespace (`--unshare-user`) as that user, whose
  RLIMIT_NPROC then counts the user's processes (on the Linux 6 this was tested on, only those in
  the sandbox's user namespace; older kernels count all of the user's processes);
- under the resource limits of `Limits`: per process, rlimits (address space, CPU time, open
  files, file size; processes per uid); per sandbox, where this machine allows, a cgroup of its own
  (grader.autograde.cgroups: the memory and the number of processes and threads of everything it
  runs, together; it enters the cgroup before bwrap starts, see `command`) and a size-limited /tmp
  and working directory (tmpfs: bwrap's for /tmp; for `workdir`, one the caller mounts on the host
  with `mount_workdir`, root only, so that the grader still sees the kernel's connection file and
  sockets there and can put the submission there after the kernel started).
  `missing_bounds()` says which bound over a whole sandbox cannot be set here and why.

Not limited or not protected: CPU time per sandbox (per process only) and wall-clock time (the
caller's timeouts); where `missing_bounds()` names them, the total memory (a sandbox may then hold
up to `processes` times `memory_mb`), the total number of processes (then only the uid's
RLIMIT_NPROC, which for a sandbox started without root counts the user's processes) and the total
size written in `workdir` (then any number of files of up to `file_size_mb` each, on the host's
disk); reading anything inside the binds above (every installed package, the submission's own
files); /proc and a minimal /dev; the host's kernel (an exploit of it escapes any sandbox).
Code that needs the hidden reference data must run outside the sandbox (grader.judge runs the
graded test cells' checks in the grading process); a test cell executed in the kernel finds none.
"""
from __future__ import annotations

import functools
import itertools
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import material
from . import cgroups

MiB = 1024 * 1024

# Read-only files and directories of /etc a Python/numpy/matplotlib process uses, when present.
ETC = ("/etc/ld.so.cache", "/etc/localtime", "/etc/fonts")

# Top-level directories that a merged-/usr system has as symbolic links into /usr.
USR_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")

# Uids of sandboxes started by root: UID_BASE + UIDS_PER_PROCESS * pid + a counter.
UID_BASE = 100_000
UIDS_PER_PROCESS = 64

# The sandbox's home directory (inside its /tmp, created empty), and the user name it sees. Not /tmp
# itself: IPython writes paths under HOME as "~/...", which would rewrite every traceback path of an
# installation that lives under /tmp.
HOME = "/tmp/home"
USER = "student"


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass(frozen=True)
class Limits:
    """Resource limits of a sandbox: rlimits set on its first process and inherited (per process),
    and bounds over the whole sandbox (a cgroup, a tmpfs) where this machine allows (`missing_bounds`).

    A JAX kernel of this course, whole solution notebook run with a cold compilation cache on 2 cores:
    2.5 GB address space at its peak (XLA maps ~1.5 GB at import; 1 GB resident), 33 threads,
    70 open files, 30 s CPU. XLA starts more threads on more cores (and each thread's stack is
    address space), hence the defaults that grow with the cores this process may use. Graded by
    `grader autograde` in a sandbox (the correct submission of each assignment, 2 cores, warm cache),
    a kernel's cgroup peaked at 490 MiB (s1_jax_fundamentals), 1220 MiB (s1_linear_models_to_ml) and
    618 MiB (s1_gradient_descent) of memory, 2.0-2.8 GB of address space, 32 processes and threads.
    """
    memory_mb: int = field(default_factory=lambda: 4096 + 64 * _cores())
    """address space of each process, MiB (RLIMIT_AS; a larger allocation raises MemoryError)"""
    cpu_seconds: int = 600
    """CPU time of each process, s (RLIMIT_CPU; SIGXCPU then kills it)"""
    processes: int = field(default_factory=lambda: 64 + 8 * _cores())
    """processes and threads of the sandbox's uid, together (RLIMIT_NPROC; then fork() fails)"""
    open_files: int = 1024
    """open file descriptors of each process (RLIMIT_NOFILE)"""
    file_size_mb: int = 64
    """largest file a process can write, MiB (RLIMIT_FSIZE; a write beyond fails with EFBIG)"""
    tmp_size_mb: int = 128
    """size of the private /tmp, a tmpfs held in RAM, MiB"""
    total_memory_mb: int = 2048
    """memory of everything the sandbox runs, together, MiB (a cgroup): resident memory, the tmpfs pages
    of its /tmp and working directory, page cache it reads first (reclaimed before anything is killed).
    At the bound the OOM killer kills its largest process, the kernel mostly. 1.7 times the largest peak
    above; and 2 GiB below `memory_mb`, because a kernel maps ~1.5-2 GB it never touches: memory filled
    a GiB at a time reaches this bound (a prompt kill) before an allocation fails for address space"""
    total_processes: int = field(default_factory=lambda: 66 + 8 * _cores())
    """processes and threads of everything the sandbox runs, together (a cgroup; then fork() and thread
    creation fail with EAGAIN): `processes` plus bwrap's own two, which run as root"""
    workdir_size_mb: int = 256
    """size of the working directory, the submission's files included, all together, MiB (a tmpfs
    mounted on the host, held in RAM and charged to the cgroup; a write beyond fails with ENOSPC):
    four files of `file_size_mb`"""

    def rlimits(self) -> dict[str, int]:
        """prlimit's option names and values (bytes, seconds, counts)."""
        return {"as": self.memory_mb * MiB, "cpu": self.cpu_seconds, "nproc": self.processes,
                "nofile": self.open_files, "fsize": self.file_size_mb * MiB, "core": 0}


_RESOURCES = {"as": resource.RLIMIT_AS, "cpu": resource.RLIMIT_CPU, "nproc": resource.RLIMIT_NPROC,
              "nofile": resource.RLIMIT_NOFILE, "fsize": resource.RLIMIT_FSIZE, "core": resource.RLIMIT_CORE}

_uids = itertools.count()


def fresh_uid() -> int | None:
    """A uid for the next sandbox of this process (None when not root: the sandbox runs as the user).
    Each sandbox alive at a time gets its own, so a fork bomb in one does not starve another."""
    if os.geteuid() != 0:
        return None
    return UID_BASE + UIDS_PER_PROCESS * os.getpid() + next(_uids) % UIDS_PER_PROCESS


def prepare_workdir(workdir: str, uid: int | None) -> None:
    """Give `workdir` and everything in it to `uid`, so the sandboxed process can write there."""
    if uid is None:
        return
    for root, dirs, files in os.walk(workdir):
        for name in (root, *(os.path.join(root, n) for n in dirs + files)):
            os.lchown(name, uid, uid)


def environment(env: dict[str, str]) -> dict[str, str]:
    """The variables of `env` that a sandboxed process may see (none that could carry the host's
    secrets or paths), with HOME, TMPDIR, MPLCONFIGDIR and XDG_CACHE_HOME inside its /tmp, USER set."""
    kept = ("PATH", "LANG", "LANGUAGE", "TZ", "TERM")
    prefixes = ("LC_", "JAX_", "XLA_", "JPY_", "NBGRADER_", "MPL", "PYTHON", "OMP_", "OPENBLAS_", "MKL_")
    clean = {k: v for k, v in env.items() if k in kept or k.startswith(prefixes)}
    clean.update(HOME=HOME, TMPDIR="/tmp", MPLCONFIGDIR=f"{HOME}/matplotlib", XDG_CACHE_HOME=f"{HOME}/.cache",
                 USER=USER, LOGNAME=USER)   # the uid has no entry in /etc/passwd (there is none)
    return clean


def command(argv: list[str], *, workdir: str, limits: Limits, uid: int | None,
            readable: tuple[str, ...] = (), cgroup: cgroups.Group | None = None) -> list[str]:
    """`argv` run in a sandbox with `limits`, working in `workdir` (read-write, same path),
    as `uid` (root only; None: as the current user). `readable`: host directories to bind read-only.
    `cgroup`: the command's first process enters it before anything else runs (a failure to enter
    stops the command, status 125); the sandbox sees it read-only at /sys/fs/cgroup (see `_cgroup_binds`)."""
    as_root = os.geteuid() == 0
    workdir = os.path.realpath(workdir)
    if as_root != (uid is not None):
        raise ValueError("a sandbox runs as its own uid exactly when started by root")
    binds = _Binds()
    binds.args += ["--proc", "/proc", "--dev", "/dev",    # first: binds below /tmp go into the tmpfs
                   "--perms", "1777", "--size", str(limits.tmp_size_mb * MiB), "--tmpfs", "/tmp",
                   "--perms", "1777", "--dir", HOME]
    binds.known.update({"/proc", "/dev", "/tmp", HOME})
    binds.read_only("/usr", *USR_LINKS, *ETC)
    binds.read_only(sys.base_prefix, sys.prefix, str(package_dir()))
    binds.read_only(*readable)
    binds.hide(*[p for p in _instructor_material() if binds.covered(p)])
    binds.writable(workdir)
    if cgroup is not None:
        for source, target in _cgroup_binds(cgroup):
            binds.read_only_at(source, target)
    namespaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if not as_root:
        namespaces.insert(0, "--unshare-user")
    wrapped = [_tool("bwrap"), *binds.args, *namespaces, "--die-with-parent", "--chdir", workdir, "--",
               _tool("prlimit"), *_rlimit_options(limits, as_root), "--"]
    if as_root:
        wrapped += [_tool("setpriv"), f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs", "--"]
    if cgroup is not None:
        wrapped = [_tool("sh"), "-c", _ENTER_CGROUP, "enter-cgroup", *cgroup.procs_files(), "--", *wrapped]
    return wrapped + list(argv)


# sh -c script: write the shell's pid to each file argument up to "--", then exec the rest.
_ENTER_CGROUP = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"'


def _cgroup_binds(cgroup: cgroups.Group) -> list[tuple[str, str]]:
    """(host directory, path in the sandbox) of the sandbox's own cgroup, laid out as a container sees
    its cgroups: v2 at /sys/fs/cgroup, v1 at /sys/fs/cgroup/<controller>."""
    if len(cgroup.directories()) == 1 and os.path.exists(os.path.join(cgroup.directories()[0], "cgroup.controllers")):
        return [(cgroup.directories()[0], "/sys/fs/cgroup")]
    return [(directory, f"/sys/fs/cgroup/{name}") for name, directory in (("memory", cgroup.memory),
                                                                          ("pids", cgroup.pids)) if directory]


@functools.cache
def _workdir_mount_unavailable() -> str | None:
    """None when a size-limited tmpfs can be mounted here (tried once per process); else why not."""
    if os.geteuid() != 0:
        return "not root, so no tmpfs can be mounted on the working directory"
    if shutil.which("mount") is None or shutil.which("umount") is None:
        return "mount or umount not found (Debian's mount package)"
    directory = tempfile.mkdtemp(prefix="grader-mount-probe-")
    try:
        mount_workdir(directory, 1)
        unmount(directory)
        return None
    except OSError as exc:
        return f"cannot mount a tmpfs: {exc}"
    finally:
        os.rmdir(directory)


def mount_workdir(directory: str, size_mb: int) -> None:
    """Mount a tmpfs of `size_mb` MiB on `directory` (host side, root only; OSError when it fails)."""
    done = subprocess.run([_tool("mount"), "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0700,nosuid,nodev",
                           "grader-workdir", directory], capture_output=True, text=True)
    if done.returncode != 0:
        raise OSError(f"mount -t tmpfs on {directory}: {done.stderr.strip() or f'status {done.returncode}'}")


def unmount(directory: str) -> None:
    """Detach the file system mounted on `directory` (lazily: a sandbox still using it keeps it until it
    ends); OSError when it fails."""
    done = subprocess.run([_tool("umount"), "--lazy", directory], capture_output=True, text=True)
    if done.returncode != 0:
        raise OSError(f"umount {directory}: {done.stderr.strip() or f'status {done.returncode}'}")


def mounts_under(directory: str) -> list[str]:
    """Mount points at or under `directory` in this process's mount namespace, the deepest first."""
    directory = os.path.abspath(directory)
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = cgroups.unescape_mount_path(line.split()[4])
            if point == directory or point.startswith(directory + "/"):
                found.append(point)
    return sorted(found, key=lambda p: p.count("/"), reverse=True)


def workdir_is_bounded() -> bool:
    """True when kernels' working directories are size-limited tmpfs here (see `missing_bounds`)."""
    return _workdir_mount_unavailable() is None


@functools.cache
def _missing_bounds() -> tuple[str, ...]:
    why = cgroups.unavailable()
    missing = []
    if "memory" in why:
        missing.append(f"total memory of a sandbox (Limits.total_memory_mb): {why['memory']}")
    if "pids" in why:
        missing.append(f"total processes of a sandbox (Limits.total_processes): {why['pids']}")
    if _workdir_mount_unavailable() is not None:
        missing.append(f"total size of a sandbox's working directory (Limits.workdir_size_mb): "
                       f"{_workdir_mount_unavailable()}")
    return tuple(missing)


def missing_bounds() -> list[str]:
    """Each bound over a whole sandbox that cannot be set here, one line naming it and why (found once per
    process). Without it the per-process limits still apply (a sandbox may then hold up to `processes`
    times `memory_mb`; its working directory, any number of `file_size_mb` files)."""
    return list(_missing_bounds())


def package_dir() -> Path:
    """The directory of the `grader` package (this module is grader/autograde/sandbox.py)."""
    return Path(__file__).resolve().parents[1]


@functools.cache
def unavailable_reason() -> str | None:
    """None when a sandbox can be started here; else why not, in one line (tried once per process)."""
    tools = {"bwrap": "bubblewrap", "prlimit": "util-linux"}
    if os.geteuid() == 0:
        tools["setpriv"] = "util-linux"
    for tool, package in tools.items():
        if shutil.which(tool) is None:
            return f"{tool} not found: install Debian's {package}"
    workdir = os.path.realpath(tempfile.mkdtemp(prefix="grader-sandbox-probe-"))
    probe = "import os, grader.autograde.sandbox; open('probe', 'w').write(os.getcwd())"
    try:
        uid = fresh_uid()
        prepare_workdir(workdir, uid)
        done = subprocess.run(command([sys.executable, "-c", probe], workdir=workdir, limits=Limits(), uid=uid),
                              capture_output=True, text=True, timeout=60, env=environment(dict(os.environ)))
        if done.returncode != 0 or Path(workdir, "probe").read_text() != workdir:
            lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
            return f"bwrap cannot start a sandbox here: {lines[-1]}"
        return None
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap cannot start a sandbox here: {exc}"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


class _Binds:
    """bwrap's file-system arguments, creating each missing parent directory (mode 755) once."""

    def __init__(self):
        self.args: list[str] = []
        self.known = {"/"}      # directories there are in the sandbox
        self.bound: set[str] = set()

    def read_only(self, *paths: str) -> None:
        """Host paths, at the same place, read-only; a symbolic link (or a path through one) stays a link."""
        for path in paths:
            if not os.path.lexists(path) or self._covered(path):
                continue
            self._parents(path)
            real = os.path.realpath(path)
            self.bound.add(path)
            if real == os.path.abspath(path):
                self.args += ["--ro-bind", path, path]
                self.known.add(path)
            else:
                self.args += ["--symlink", os.readlink(path) if os.path.islink(path) else real, path]
                self.read_only(real)

    def read_only_at(self, source: str, target: str) -> None:
        """A host directory `source`, read-only, at `target`."""
        self._parents(target)
        self.args += ["--ro-bind", source, target]
        self.known.add(target)

    def writable(self, path: str) -> None:
        """A host directory, at the same place, read-write."""
        self._parents(path)
        self.args += ["--bind", path, path]
        self.known.add(path)

    def hide(self, *paths: str) -> None:
        """Files that are not there: their directory becomes a read-only tmpfs holding only its other entries."""
        for directory in sorted({os.path.dirname(p) for p in paths}):
            self.args += ["--tmpfs", directory]
            for entry in sorted(os.listdir(directory)):
                if os.path.join(directory, entry) not in paths:
                    self.args += ["--ro-bind", os.path.join(directory, entry), os.path.join(directory, entry)]
            self.args += ["--remount-ro", directory]

    def covered(self, path: str) -> bool:
        """True when `path` lies inside a directory bound read-only."""
        return self._covered(path)

    def _covered(self, path: str) -> bool:
        return any(path == b or path.startswith(b + "/") for b in self.bound)

    def _parents(self, path: str) -> None:
        missing = []
        parent = os.path.dirname(path)
        while parent not in self.known and parent != "/":
            missing.append(parent)
            parent = os.path.dirname(parent)
        for directory in reversed(missing):
            self.args += ["--perms", "0755", "--dir", directory]
            self.known.add(directory)


def _instructor_material() -> list[str]:
    """The course's instructor-only folder (hidden data, corpus), when there is one here."""
    try:
        return [str(material.instructor_dir().resolve())]
    except material.InstructorMaterialMissing:
        return []


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found (see sandbox.unavailable_reason())")
    return found


def _rlimit_options(limits: Limits, as_root: bool) -> list[str]:
    """prlimit's options; without root, no limit above the current hard limit (it cannot be raised)."""
    options = []
    for name, value in limits.rlimits().items():
        hard = resource.getrlimit(_RESOURCES[name])[1]
        if not as_root and hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        options.append(f"--{name}={value}")
    return options
