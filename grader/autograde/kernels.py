"""Kernels started ahead of need, in the process that executes submissions.

A notebook kernel costs a process start and `import jax` (about a second) before
the first cell runs. A `KernelPool` starts the next kernel in the background as
soon as one is taken, and has it import the course's modules silently (no name is
bound in the user namespace, the execution count and history stay untouched), so
the next submission finds it ready. Every submission still gets a fresh kernel of
its own, which is shut down after it: no state passes between students.

Each kernel runs in a new empty directory of its own (its working directory; the
submission's files are put there when it is taken) and inherits the kernel
environment of grader.kernel_env plus NBGRADER_EXECUTION=autograde, as under
nbgrader autograde. A recipe with `sandbox` limits starts its kernels in a sandbox
(grader.autograde.sandbox) that sees only that directory, the Python installation
and the grader package; where this machine allows, the sandbox gets a cgroup of its
own (grader.autograde.cgroups: total memory and processes) and its working directory
is a size-limited tmpfs.

Working directories and the kernels' stderr files go into the system's temporary
directory, or into a run's scratch directory (`use_scratch`), which `remove_scratch`
removes with the sandboxes' tmpfs and cgroups whatever ended the processes that
started them.
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import logging
import os
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass

from . import cgroups
from . import sandbox as sandboxing

log = logging.getLogger(__name__)

# Imported by a kernel while it waits: what the course's notebooks import first.
WARM_MODULES = ("jax", "jax.numpy", "numpy", "matplotlib.pyplot", "grader.checks", "grader.grading", "grader.data")


@dataclass(frozen=True)
class Recipe:
    """How to start a kernel: its kernelspec name, extra arguments, the modules to import ahead,
    and the limits of the sandbox it runs in (None: no sandbox)."""
    kernel_name: str
    extra_arguments: tuple[str, ...]
    warm_modules: tuple[str, ...] = WARM_MODULES
    sandbox: sandboxing.Limits | None = None


# XLA's CPU backend runs each operation on a pool of threads, one per core. Grading
# kernels run side by side, one per core, on tiny arrays: one thread each is faster
# (about a quarter less time per notebook with two kernels on two cores).
ONE_THREAD_XLA = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def kernel_process_env() -> dict[str, str]:
    """The environment of a grading kernel: this process's, grader.kernel_env's variables,
    XLA on one thread, NBGRADER_EXECUTION."""
    from ..kernel_env import environ
    env = environ()
    env["XLA_FLAGS"] = " ".join(filter(None, (env.get("XLA_FLAGS", ""), ONE_THREAD_XLA)))
    env["NBGRADER_EXECUTION"] = "autograde"
    return env


def sandboxed_env(env: dict[str, str], uid: int | None) -> tuple[dict[str, str], tuple[str, ...]]:
    """The environment of a sandboxed kernel (running as `uid`, None: as this user) made from `env`,
    and the host directories it may read: the JAX compilation cache, read-only, when that uid can
    read it (JAX is told never to write there, so it warns about nothing); else no cache at all."""
    env = sandboxing.environment(env)
    cache = env.get("JAX_COMPILATION_CACHE_DIR", "")
    if cache and os.path.isdir(cache) and (uid is None or os.stat(cache).st_mode & 0o005 == 0o005):
        env["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "1e12"
        return env, (os.path.realpath(cache),)
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    env["GRADER_JAX_CACHE"] = ""        # nor does a test cell's check turn one on (grader.checks.compile_cache)
    return env, ()


# Where new kernels' working directories and stderr files go (None: the system's temporary directory),
# and the run's parent cgroups their sandboxes' cgroups go under (see use_scratch).
_scratch: dict = {"directory": None, "cgroups": ()}
# The file of a scratch directory that lists its run's parent cgroups, one a line.
CGROUPS_RECORD = "cgroups"
RUN_CGROUP_PREFIX = "grader-run-"
# A kernel's sockets are <scratch>/grader-kernel-XXXXXXXX/kernel-<port>: 38 characters below the scratch
# directory, and a unix socket's path has at most 107 (Linux's sun_path).
MAX_SCRATCH_PATH = 64
_kernel_numbers = itertools.count()


def use_scratch(directory: str) -> None:
    """Put the working directories and stderr files of the kernels this process starts from now on into
    `directory` (made, mode 700, when missing), and their sandboxes' cgroups under a parent cgroup named
    after it, recorded in it. `remove_scratch(directory)` removes them all, from any process."""
    directory = os.path.realpath(directory)
    if len(directory) > MAX_SCRATCH_PATH:
        raise ValueError(f"{directory}: a scratch directory's path may have at most {MAX_SCRATCH_PATH} characters "
                         f"(the kernels' unix sockets live below it, and a socket's path at most 107)")
    os.makedirs(directory, mode=0o700, exist_ok=True)
    parents = cgroups.parent_directories(RUN_CGROUP_PREFIX + hashlib.sha256(directory.encode()).hexdigest()[:16])
    record = os.path.join(directory, CGROUPS_RECORD)
    known = _read_lines(record) if os.path.exists(record) else []
    with open(record, "a") as f:            # before they exist: a process killed now leaves nothing unrecorded
        f.writelines(p + "\n" for p in parents if p not in known)
    cgroups.make_parent(parents)
    _scratch.update(directory=directory, cgroups=parents)


def remove_scratch(directory: str) -> None:
    """Remove a scratch directory of `use_scratch` and what it holds, whatever ended the processes that
    used it: kill what still runs in its run's cgroups and remove them, unmount the working directories'
    tmpfs, then delete the files (never following a symbolic link). Nothing to do when it is gone."""
    if os.path.islink(directory) or not os.path.isdir(directory):
        if os.path.lexists(directory):
            raise ValueError(f"{directory}: not a scratch directory")
        return
    directory = os.path.realpath(directory)
    record = os.path.join(directory, CGROUPS_RECORD)
    if os.path.isfile(record) and not os.path.islink(record):
        parents = list(dict.fromkeys(os.path.normpath(p) for p in _read_lines(record)))
        strange = [p for p in parents if not os.path.basename(p).startswith(RUN_CGROUP_PREFIX)]
        if strange:
            raise ValueError(f"{record}: names cgroups that are not a run's: {strange}")
        for parent in parents:
            cgroups.remove_tree(parent)
    for point in sandboxing.mounts_under(directory):
        sandboxing.unmount(point)
    left = sandboxing.mounts_under(directory)
    if left:
        raise OSError(f"{directory}: still mounted after unmounting: {left}")
    _rmtree(directory)
    if _scratch["directory"] == directory:
        _scratch.update(directory=None, cgroups=())


def _rmtree(directory: str) -> None:
    """Remove `directory` and everything in it, symbolic links as links (never what they point to).
    Not as root, first give back to the owner the directories a submission made unreadable or unwritable
    (its sandbox ran as this user), top down, before entering them."""
    if os.geteuid() != 0:
        os.chmod(directory, 0o700)
        for root, dirs, _ in os.walk(directory):
            for name in dirs:
                path = os.path.join(root, name)
                if not os.path.islink(path):
                    os.chmod(path, 0o700)
    shutil.rmtree(directory)


def _read_lines(path: str) -> list[str]:
    with open(path) as f:
        return [line for line in f.read().split("\n") if line]


@functools.cache
def _sandboxed_manager():
    """AsyncKernelManager whose kernel command runs in a sandbox: set `sandbox` to sandbox.command's
    keyword arguments (its connection file must be in the sandbox's workdir)."""
    from jupyter_client.manager import AsyncKernelManager

    class SandboxedKernelManager(AsyncKernelManager):
        sandbox: dict = {}

        def format_kernel_cmd(self, extra_arguments=None):
            # called once the connection file is written: the sandbox's uid must read it
            sandboxing.prepare_workdir(self.sandbox["workdir"], self.sandbox["uid"])
            return sandboxing.command(super().format_kernel_cmd(extra_arguments), **self.sandbox)

    return SandboxedKernelManager


class Kernel:
    """A started kernel (an AsyncKernelManager `km`) with its sockets in its own directory `workdir`,
    which is also its working directory unless `cwd` is given; `env` replaces the grading environment.
    With `sandbox` limits (default: the recipe's) it runs in a sandbox, working in `workdir`,
    as the unprivileged `uid` when started by root (else `uid` is None), in its own `cgroup` when this
    machine has one for it (else None; also `km.cgroup`), its `workdir` a tmpfs where one can be mounted."""

    def __init__(self, recipe: Recipe, config=None, *, cwd: str | None = None, env: dict | None = None,
                 sandbox: sandboxing.Limits | None = None):
        self.recipe = recipe
        sandbox = sandbox if sandbox is not None else recipe.sandbox
        if sandbox is not None and cwd is not None:
            raise ValueError("a sandboxed kernel works in its own directory: no cwd")
        scratch = _scratch["directory"]
        self.workdir = tempfile.mkdtemp(prefix="grader-kernel-", dir=scratch)
        self._stderr = open(os.path.join(scratch or tempfile.gettempdir(),
                                         f"grader-kernel-{os.getpid()}-{id(self)}.err"), "w+b")
        self.uid = None
        self.cgroup = None
        self._mounted = False
        try:
            self._start(recipe, config, cwd, env or kernel_process_env(), sandbox)
        except BaseException:
            self._release()
            raise

    def _start(self, recipe: Recipe, config, cwd: str | None, env: dict, sandbox: sandboxing.Limits | None) -> None:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync
        # IPC sockets in the kernel's own directory: no TCP port to race for between kernels started at once
        # (a TCP port found free can be taken by another kernel before this one binds it), and nothing on the network
        if sandbox is None:
            self.km = AsyncKernelManager(kernel_name=recipe.kernel_name, config=config, transport="ipc",
                                         ip=os.path.join(self.workdir, "kernel"))
            launch = {}
        else:
            self.workdir = os.path.realpath(self.workdir)       # the same path inside the sandbox
            if sandboxing.workdir_is_bounded():
                sandboxing.mount_workdir(self.workdir, sandbox.workdir_size_mb)
                self._mounted = True
            self.cgroup = cgroups.create(f"grader-kernel-{os.getpid()}-{next(_kernel_numbers)}",
                                         sandbox.total_memory_mb, sandbox.total_processes, _scratch["cgroups"])
            self.uid = sandboxing.fresh_uid()
            env, readable = sandboxed_env(env, self.uid)
            self.km = _sandboxed_manager()(kernel_name=recipe.kernel_name, config=config, transport="ipc",
                                           ip=os.path.join(self.workdir, "kernel"),
                                           connection_file=os.path.join(self.workdir, "kernel.json"))
            self.km.sandbox = {"workdir": self.workdir, "limits": sandbox, "uid": self.uid, "readable": readable,
                               "cgroup": self.cgroup}
            # SIGINT to the kernel's process group would stop bwrap, and the sandbox with it
            self.km.kernel_spec.interrupt_mode = "message"
            # In its PID namespace the kernel's parent is pid 1, which ipykernel never watches (this process's
            # pid would be taken for a dead parent); the sandbox dies with this process (bwrap --die-with-parent).
            env["JPY_PARENT_PID"] = "1"
            launch = {"independent": True}
        self.km.cgroup = self.cgroup        # for the executor, which holds only km (judged.JudgedExecute._death)
        self.started = time.monotonic()
        self.cwd = cwd or self.workdir
        run_sync(self.km.start_kernel)(extra_arguments=list(recipe.extra_arguments), cwd=self.cwd,
                                        env=env, stderr=self._stderr, **launch)
        self._warm_up_id = None
        self._client = None
        if recipe.warm_modules:
            self._client = self.km.blocking_client()
            self._client.start_channels()
            modules = ", ".join(repr(m) for m in recipe.warm_modules)
            # a comprehension has its own scope: nothing is left in the user namespace
            self._warm_up_id = self._client.execute(f"[__import__(m) for m in ({modules},)]",
                                                    silent=True, store_history=False)

    def ready(self, timeout: float = 120) -> None:
        """Wait until the warm-up imports are done (raise RuntimeError when the kernel never answers)."""
        if self._client is None:
            return
        try:
            deadline = time.monotonic() + timeout
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"kernel {self.recipe.kernel_name} did not finish its warm-up "
                                       f"in {timeout:g} s")
                try:
                    reply = self._client.get_shell_msg(timeout=min(left, 1.0))
                except Exception:  # noqa: BLE001 (queue.Empty: no reply yet)
                    if not self.alive():
                        raise RuntimeError(f"kernel {self.recipe.kernel_name} died while starting: "
                                           f"{self.stderr_tail()}") from None
                    continue
                if reply.get("parent_header", {}).get("msg_id") == self._warm_up_id:
                    break
        finally:
            self._client.stop_channels()
            self._client = None

    def _kill(self) -> None:
        """SIGKILL the kernel's process group and reap it: jupyter_client's own kill then finds it gone
        at once, instead of polling every 0.1 s (its first poll always finds the process still there)."""
        process = kernel_process(self.km)
        if not kill_process_group(process):
            return
        try:
            process.wait(timeout=5)
        except Exception:  # noqa: BLE001 (jupyter_client's shutdown tries again)
            pass

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync
        return bool(run_sync(self.km.is_alive)())

    def put_files(self, files: dict[str, bytes]) -> None:
        """Write the submission's files (relative path -> bytes) into the kernel's working directory."""
        root = os.path.realpath(self.workdir)
        for relative, data in files.items():
            path = os.path.realpath(os.path.join(root, relative))
            if not path.startswith(root + os.sep):
                raise ValueError(f"{relative}: a file outside the submission directory")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        sandboxing.prepare_workdir(self.workdir, self.uid)

    def stderr_tail(self, limit: int = 2000) -> str:
        """The last `limit` characters the kernel process wrote to its stderr (not the notebook's)."""
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-limit:].strip()

    def shutdown(self) -> None:
        """Stop the kernel (at once) and remove its directory, its tmpfs and its cgroup."""
        from jupyter_core.utils import run_sync
        if self._client is not None:
            self._client.stop_channels()
            self._client = None
        self._kill()
        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 (already dead)
            pass
        self._release()

    def _release(self) -> None:
        """Remove the cgroup (killing what is left in it), the stderr file and the working directory
        (unmounted first). A cgroup that cannot be removed is logged and left to remove_scratch."""
        if self.cgroup is not None:
            try:
                self.cgroup.remove()
            except OSError as exc:
                log.warning("the cgroup of a kernel's sandbox could not be removed: %s", exc)
        self._stderr.close()
        os.unlink(self._stderr.name)
        if self._mounted:
            sandboxing.unmount(self.workdir)
            self._mounted = False
        shutil.rmtree(self.workdir, ignore_errors=True)


def kernel_process(km):
    """The kernel's process (the sandbox's, when sandboxed) as jupyter_client started it: a Popen,
    or None before it started."""
    return getattr(getattr(km, "provisioner", None), "process", None)


def kill_process_group(process) -> bool:
    """SIGKILL `process` and its process group (a kernel leads a session of its own).
    False when there was nothing to kill (no process, or it has exited)."""
    if process is None or process.poll() is not None:
        return False
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        process.kill()
    return True


def self_check_kernel(directory: str) -> Kernel:
    """A fresh kernel for a student's self-check, working in `directory` (the workbook's folder),
    started now: it imports the course's modules while the caller reads the workbook.
    Plots are drawn without rendering images (nobody sees them under pytest), and the cells run
    stay out of the student's IPython history (in memory, as nbclient does for kernels it starts)."""
    from ..kernel_env import environ
    return Kernel(Recipe("python3", ("--HistoryManager.hist_file=:memory:",)), cwd=directory,
                  env=environ(MPLBACKEND="Agg"))


class KernelPool:
    """Fresh kernels, `ahead` of them started before they are asked for (ahead=0: start on demand)."""

    def __init__(self, ahead: int = 1):
        self.ahead = ahead
        self._waiting: list[Kernel] = []
        self._key = None

    def take(self, recipe: Recipe, config=None) -> Kernel:
        """A fresh kernel started with `recipe`, warmed up; the pool starts the next one(s) at once."""
        key = (recipe, repr(config))
        if key != self._key:
            self.close()
            self._key = key
        kernel = self._waiting.pop(0) if self._waiting else Kernel(recipe, config)
        try:
            kernel.ready()
        except Exception:
            kernel.shutdown()
            raise
        while len(self._waiting) < self.ahead:      # they boot while this one works
            self._waiting.append(Kernel(recipe, config))
        return kernel

    def close(self) -> None:
        """Shut down the kernels still waiting."""
        while self._waiting:
            self._waiting.pop().shutdown()


_local = threading.local()


def pool(ahead: int = 1) -> KernelPool:
    """This thread's pool (a worker process keeps it between submissions; closed at exit)."""
    found = getattr(_local, "pool", None)
    if found is None or found.ahead != ahead:
        if found is not None:
            found.close()
        import atexit
        found = _local.pool = KernelPool(ahead)
        atexit.register(found.close)
    return found
