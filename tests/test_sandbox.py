"""The sandbox that grading kernels run in: each test starts a real sandboxed kernel and tries one
thing hostile student code would. Skipped, saying why, where no sandbox can be started."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from jupyter_core.utils import run_sync

from grader.autograde import cgroups, kernels, sandbox
from grader.autograde.kernels import Kernel, Recipe, kernel_process_env

ROOT = Path(__file__).resolve().parent.parent

UNAVAILABLE = sandbox.unavailable_reason()
pytestmark = pytest.mark.skipif(UNAVAILABLE is not None, reason=f"no sandbox for kernels: {UNAVAILABLE}")


@dataclass
class Output:
    stdout: str
    stderr: str
    error: str          # "ExceptionName: message" of an exception the cell raised, else ""


class Sandboxed:
    """A kernel in a sandbox with `limits`, checked to be in a PID namespace of its own (so that the
    bombs below can never run on the host), and a blocking client to run code in it."""

    def __init__(self, limits: sandbox.Limits):
        self.kernel = Kernel(Recipe("python3", (), warm_modules=()), sandbox=limits)
        self.client = self.kernel.km.blocking_client()
        try:
            self.client.start_channels()
            self.client.wait_for_ready(timeout=60)
            uid, self.pid_namespace = self.json("print(json.dumps([os.getuid(), os.readlink('/proc/self/ns/pid')]))")
            assert self.pid_namespace != os.readlink("/proc/self/ns/pid"), "the kernel is not sandboxed"
            assert self.kernel.uid is None or uid == self.kernel.uid
        except BaseException:
            self.close()
            raise

    def run(self, code: str, timeout: float = 30) -> Output:
        streams = {"stdout": [], "stderr": []}
        error = []

        def collect(msg):
            content = msg["content"]
            if msg["msg_type"] == "stream":
                streams[content["name"]].append(content["text"])
            elif msg["msg_type"] == "error":
                error.append(f"{content['ename']}: {content['evalue']}")
        reply = self.client.execute_interactive(code, output_hook=collect, timeout=timeout)
        assert reply["content"]["status"] != "aborted", "the kernel aborted the request (an earlier error)"
        return Output("".join(streams["stdout"]), "".join(streams["stderr"]), "".join(error))

    def json(self, code: str):
        """The JSON the code prints (it has `json` and `os` imported)."""
        out = self.run("import json, os\n" + code)
        assert not out.error and not out.stderr, out
        return json.loads(out.stdout)

    def rlimit(self, name: str) -> list[int]:
        """The kernel's (soft, hard) limit RLIMIT_<name>: checked before a bomb, which must not run unbounded."""
        return self.json(f"import resource; print(json.dumps(resource.getrlimit(resource.RLIMIT_{name})))")

    def processes(self) -> list[int]:
        """Host pids of the processes in the sandbox's PID namespace."""
        return _namespace_processes(self.pid_namespace)

    def close(self) -> None:
        if self.client is not None:
            self.client.stop_channels()
            self.client = None
            self.kernel.shutdown()


def _pids() -> list[str]:
    return [p for p in os.listdir("/proc") if p.isdigit()]


def _readlink(path: str) -> str | None:
    try:
        return os.readlink(path)
    except OSError:
        return None


def _namespace_processes(namespace: str) -> list[int]:
    return [int(pid) for pid in _pids() if _readlink(f"/proc/{pid}/ns/pid") == namespace]


def _uid_processes(uid: int) -> list[int]:
    found = []
    for pid in _pids():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if int(status.split("Uid:")[1].split()[0]) == uid:
            found.append(int(pid))
    return found


def _eventually(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.fixture
def start():
    """start(**limits) -> a fresh Sandboxed kernel with those sandbox.Limits; all shut down after the test."""
    started = []

    def start(**limits) -> Sandboxed:
        box = Sandboxed(sandbox.Limits(**limits))
        started.append(box)
        return box
    yield start
    for box in started:
        box.close()


def test_instructor_material_is_not_there_but_public_data_is(start):
    from grader import material
    secret_dir = material.instructor_dir()
    secret = sorted(str(p) for p in secret_dir.rglob("*") if p.is_file())
    public = sorted(str(p) for p in sandbox.package_dir().glob("reference/data/*/public.*"))
    assert any(p.endswith("hidden.npz") for p in secret) and any(p.endswith(".py") for p in secret)
    assert public
    seen = start().json(f"""
def read(path):
    try:
        return len(open(path, 'rb').read())
    except OSError as e:
        return type(e).__name__
print(json.dumps({{p: read(p) for p in {secret + public!r}}}))""")
    assert {p: seen[p] for p in secret} == {p: "FileNotFoundError" for p in secret}
    assert {p: seen[p] for p in public} == {p: os.path.getsize(p) for p in public}


def test_instructor_material_inside_a_bound_folder_is_hidden(tmp_path, monkeypatch):
    """An instructor folder that lies inside a folder the sandbox binds (say the virtual environment)
    is masked: the sandbox's command hides it."""
    inside = Path(sys.prefix) / "instructor"
    monkeypatch.setenv("GRADER_INSTRUCTOR_DIR", str(inside))
    monkeypatch.setattr(sandbox.material, "instructor_dir", lambda: inside)
    argv = sandbox.command(["true"], workdir=str(tmp_path), limits=sandbox.Limits(),
                           uid=100_000 if os.geteuid() == 0 else None)
    pairs = list(zip(argv, argv[1:]))
    assert ("--tmpfs", str(Path(sys.prefix))) in pairs                 # the folder is rebuilt ...
    assert ("--ro-bind", str(Path(sys.prefix) / "bin")) in pairs        # ... from its other entries
    assert not [p for p in pairs if p[1] == str(inside)]


def test_files_outside_the_workdir_are_not_there(start, tmp_path):
    canary = tmp_path / "canary.txt"
    canary.write_text("a secret of the host")
    private = [str(canary), str(ROOT / "source"), str(ROOT / "nbgrader_config.py")]
    assert all(os.path.exists(p) for p in private)
    seen = start().json(f"print(json.dumps({{p: os.path.exists(p) for p in {private!r}}}))")
    assert seen == {p: False for p in private}


def test_cannot_write_outside_the_workdir(start, tmp_path):
    name = f"sandbox-probe-{uuid.uuid4().hex}"
    targets = [str(tmp_path / name), str(ROOT / name), str(sandbox.package_dir() / name),
               os.path.join(sys.prefix, name)]
    box = start()
    seen = box.json(f"""
def write(path):
    try:
        open(path, 'w').write('x')
        return 'written'
    except OSError as e:
        return type(e).__name__
print(json.dumps({{p: write(p) for p in {targets + [name]!r}}}))""")
    assert seen.pop(name) == "written"                                 # its own directory is writable
    assert all(result != "written" for result in seen.values()), seen
    assert not any(os.path.exists(p) for p in targets)
    assert Path(box.kernel.workdir, name).read_text() == "x"


def test_no_network(start):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.5)
        port = server.getsockname()[1]
        out = start().run(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=3)")
        assert out.error.startswith(("ConnectionRefusedError", "OSError", "TimeoutError")), out
        with pytest.raises(socket.timeout):
            server.accept()


def test_fork_bomb_is_stopped_and_leaves_nothing(start):
    box = start(processes=40)
    assert box.rlimit("NPROC") == [40, 40]
    out = box.run("""
import os, time
def bomb():
    made = 0
    while True:
        try:
            pid = os.fork()
        except OSError as e:
            return made, type(e).__name__
        if pid == 0:                 # a child: its own session, then it forks too, then it waits
            try:
                os.setsid()
                bomb()
                time.sleep(300)
            finally:
                os._exit(0)
        made += 1
print(*bomb())""", timeout=60)
    assert out.stdout.split()[1] == "BlockingIOError", out
    assert 0 < int(out.stdout.split()[0]) < 40
    assert 1 < len(box.processes()) <= 40 + 1                          # + bwrap's init (root)
    assert subprocess.run(["true"]).returncode == 0                    # the host can still start processes
    box.close()
    assert _eventually(lambda: not box.processes()), box.processes()
    if box.kernel.uid is not None:
        assert not _uid_processes(box.kernel.uid)


def test_memory_bomb_raises_memory_error(start):
    box = start(memory_mb=1024)
    assert box.rlimit("AS") == [1024 << 20, 1024 << 20]
    out = box.run("""
chunks = []
try:
    while True:
        chunks.append(b'x' * (32 << 20))
except MemoryError:
    print(len(chunks) * 32)
del chunks
huge = bytearray(8 << 30)""")
    assert out.error.startswith("MemoryError"), out
    assert 0 < int(out.stdout) < 1024
    assert box.run("print('still here')").stdout == "still here\n"


def test_cpu_time_is_capped(start):
    box = start(cpu_seconds=3)
    box.client.execute("while True: pass")
    assert _eventually(lambda: not box.kernel.alive(), 15), "the kernel outlived its CPU time"


def test_open_files_are_capped(start):
    out = start(open_files=128).run("""
files = []
try:
    while True:
        files.append(open('/dev/null'))
except OSError as e:
    for f in files:                  # at once: the kernel's own threads need descriptors too
        f.close()
    print(len(files), e.errno)""")
    opened, errno = map(int, out.stdout.split()[-2:])
    assert 0 < opened < 128 and errno == 24, out                       # EMFILE


def test_file_size_is_capped(start):
    box = start(file_size_mb=1)
    out = box.run("open('big', 'wb').write(b'x' * (2 << 20))")
    assert out.error.startswith("OSError: [Errno 27]"), out            # EFBIG
    assert os.path.getsize(os.path.join(box.kernel.workdir, "big")) <= 1 << 20


def test_tmp_is_capped(start):
    out = start(file_size_mb=64, tmp_size_mb=2).run("open('/tmp/big', 'wb').write(b'x' * (4 << 20))")
    assert out.error.startswith("OSError: [Errno 28]"), out            # ENOSPC


def test_home_is_writable_and_holds_no_installed_path(start):
    """IPython writes paths under HOME as "~/..." in tracebacks: HOME must not contain the working
    directory or the installation (both may live under /tmp), and must be writable."""
    seen = start().json("import sys; home = os.path.expanduser('~'); "
                        "print(json.dumps([home, os.access(home, os.W_OK), os.getcwd(), sys.prefix]))")
    home, writable, *paths = seen
    assert writable, seen
    assert not any(os.path.commonpath([home, p]) == home for p in paths), seen


def test_exit_kills_only_its_kernel(start):
    dying, neighbour = start(), start()
    dying.client.execute("import os; os._exit(1)")
    assert _eventually(lambda: not dying.kernel.alive()), "os._exit did not end the kernel"
    assert neighbour.run("print('still here')").stdout == "still here\n"
    assert _eventually(lambda: not dying.processes())


def test_jax_jit_runs_without_stderr(start, tmp_path, monkeypatch):
    cache = tmp_path / "jax-cache"
    cache.mkdir(mode=0o755)
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", str(cache))   # read-only in the sandbox
    jit_twice = "print(jax.jit(lambda x: x * 2)(jnp.ones(3)))"
    subprocess.run([sys.executable, "-c", "import jax, jax.numpy as jnp\n"
                    "jax.config.update('jax_persistent_cache_min_compile_time_secs', 0)\n" + jit_twice],
                   check=True, capture_output=True, env=kernel_process_env())  # on the host: a warm cache
    cached = sorted(cache.iterdir())
    assert cached
    out = start().run(f"""
import jax, jax.numpy as jnp, jax.monitoring
import matplotlib.pyplot as plt
hits = []
jax.monitoring.register_event_listener(lambda event, **kw: hits.append(event.endswith('cache_hits')))
{jit_twice}
print(jax.jit(lambda x: x * 3)(jnp.ones(3)))
print(any(hits))""", timeout=60)
    assert (out.stdout, out.stderr, out.error) == ("[2. 2. 2.]\n[3. 3. 3.]\nTrue\n", "", "")
    assert sorted(cache.iterdir()) == cached                            # nothing written by the sandbox


def test_interrupt_stops_a_busy_cell(start):
    box = start()
    # stop_on_error=False, as nbclient sends it when errors are allowed: otherwise the kernel aborts
    # requests that arrive soon after the interrupted one (the next run() was, once on a loaded machine)
    msg_id = box.client.execute("print('looping', flush=True)\nwhile True: pass", stop_on_error=False)
    while True:             # until the loop runs (an interrupt landing earlier, in ipykernel's own code, is no test)
        msg = box.client.get_iopub_msg(timeout=30)
        if msg["parent_header"].get("msg_id") == msg_id and msg["content"].get("text") == "looping\n":
            break
    time.sleep(0.2)
    run_sync(box.kernel.km.interrupt_kernel)()
    reply = box.client.get_shell_msg(timeout=10)
    while reply["parent_header"].get("msg_id") != msg_id:       # e.g. a late kernel_info_reply
        reply = box.client.get_shell_msg(timeout=10)
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"
    out = box.run("print('still here')")
    assert out.stdout == "still here\n", out


def test_sandbox_dies_with_the_process_that_started_it_and_remove_scratch_leaves_nothing():
    """A grading process started a kernel in a run's scratch directory (kernels.use_scratch), then was
    killed with SIGKILL: the sandbox dies with it, and kernels.remove_scratch removes the kernel's working
    directory (unmounting its tmpfs), its stderr file and its cgroup. Where this machine has no cgroup or
    tmpfs for sandboxes (sandbox.missing_bounds), there is none to remove. The scratch directory is made
    where runs make theirs (a short path: the kernels' unix sockets live in it)."""
    scratch = Path(tempfile.mkdtemp(prefix="grader-run-test-"))
    grader = subprocess.Popen([sys.executable, "-c", f"""
import json, sys, time
sys.path.insert(0, {str(Path(__file__).parent)!r})
from grader.autograde import kernels
kernels.use_scratch({str(scratch)!r})
from test_sandbox import Sandboxed, sandbox
box = Sandboxed(sandbox.Limits())
box.kernel.put_files({{"submission.ipynb": b"{{}}"}})
box.run("import os, time\\nif os.fork() == 0:\\n    os.setsid(); time.sleep(300)")
cgroup = box.kernel.cgroup.directories() if box.kernel.cgroup is not None else []
print(json.dumps([box.pid_namespace, box.kernel.workdir, cgroup]), flush=True)
time.sleep(300)"""], stdout=subprocess.PIPE, text=True, env=kernel_process_env())
    try:
        namespace, workdir, cgroup_dirs = json.loads(grader.stdout.readline())
        assert len(_namespace_processes(namespace)) >= 3                 # bwrap's init, the kernel, its child
        assert Path(workdir, "submission.ipynb").is_file() and Path(workdir).parent == scratch
        assert list(scratch.glob("*.err"))
        assert bool(sandbox.mounts_under(workdir)) == sandbox.workdir_is_bounded()
        assert bool(cgroup_dirs) == (set(cgroups.unavailable()) != {"memory", "pids"})
        assert all(os.path.isdir(d) for d in cgroup_dirs)
        parents = [os.path.dirname(d) for d in cgroup_dirs]
    finally:
        grader.kill()
        grader.wait()
    assert _eventually(lambda: not _namespace_processes(namespace)), _namespace_processes(namespace)
    kernels.remove_scratch(str(scratch))
    assert not scratch.exists()
    assert not [line for line in Path("/proc/self/mounts").read_text().splitlines() if str(scratch) in line]
    assert not [d for d in cgroup_dirs + parents if os.path.exists(d)]


def test_remove_scratch_removes_only_run_cgroups(tmp_path):
    """The parent cgroups a scratch directory records are removed only when they are a run's (named
    grader-run-*) inside a cgroup hierarchy: a record naming anything else is refused, nothing removed."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / kernels.CGROUPS_RECORD).write_text(f"{tmp_path}/grader-run-0\n")
    with pytest.raises(ValueError):
        kernels.remove_scratch(str(scratch))
    assert scratch.is_dir()
    if set(cgroups.unavailable()) == {"memory", "pids"}:
        pytest.skip(f"no cgroup for sandboxes here: {cgroups.unavailable()}")
    other = cgroups.create(f"grader-test-{os.getpid()}", 512, 40)
    try:
        for directory in other.directories():
            (scratch / kernels.CGROUPS_RECORD).write_text(directory + "\n")
            with pytest.raises(ValueError):
                kernels.remove_scratch(str(scratch))
            assert os.path.isdir(directory) and scratch.is_dir()
    finally:
        other.remove()


# --- bounds over a whole sandbox (a cgroup, a tmpfs working directory) ---------------------------

def _needs(bound: str) -> None:
    """Skip, saying why, when this machine cannot set `bound` over a sandbox (see sandbox.missing_bounds)."""
    for line in sandbox.missing_bounds():
        if line.startswith(bound):
            pytest.skip(f"not bounded here: {line}")


def test_processes_together_cannot_exceed_the_total_memory(start):
    """Four processes in one sandbox each allocate and touch 40% of its total memory: they cannot all
    hold it; the OOM killer kills some and the cgroup reports it; the kernel itself lives on."""
    _needs("total memory")
    box = start(total_memory_mb=512)
    share = 512 * 4 // 10 << 20
    seen = box.json(f"""
import subprocess, sys
child = "import sys; hold = b'\\\\x01' * {share}; print('held', flush=True); sys.stdin.read()"
children = [subprocess.Popen([sys.executable, '-c', child], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            for _ in range(4)]
said = [c.stdout.readline().strip() for c in children]     # 'held', or '' when it was killed first
for c in children:
    c.stdin.close()                                          # the ones still holding then exit, status 0
print(json.dumps([said, [c.wait() for c in children]]))""")
    said, codes = seen
    held_to_the_end = sum(s == "held" and c == 0 for s, c in zip(said, codes))
    assert held_to_the_end <= 2 and -9 in codes, seen
    assert box.kernel.cgroup.oom_killed()
    assert box.run("print('still here')").stdout == "still here\n"


def test_a_memory_bomb_is_killed_at_the_total_memory_and_recorded_so(start):
    """A kernel filling memory is killed at its sandbox's bound (well below its address-space limit,
    so no allocation fails first), and the grader records it as a memory kill."""
    from grader.autograde.judged import JudgedExecute
    _needs("total memory")
    box = start(total_memory_mb=512)
    assert box.rlimit("AS")[0] > 2 * (512 << 20)
    box.client.execute("hoard = []\nwhile True:\n    hoard.append(b'\\x01' * (64 << 20))")
    assert _eventually(lambda: not box.kernel.alive(), 60), "the bomb was not killed"
    assert box.kernel.cgroup.oom_killed()
    execute = JudgedExecute()
    execute.km = box.kernel.km
    assert execute._death() == "the kernel died: killed for memory (the sandbox's 512 MB bound)"


def test_processes_together_cannot_exceed_the_total_count(start):
    """A fork bomb under a per-uid process limit (RLIMIT_NPROC) of 200 stops at the sandbox's total of 40
    processes and threads (its cgroup), with EAGAIN."""
    _needs("total processes")
    box = start(processes=200, total_processes=40)
    assert box.rlimit("NPROC") == [200, 200] or box.kernel.uid is None
    out = box.run("""
import os, time
made = 0
while made < 300:
    try:
        pid = os.fork()
    except OSError as e:
        print(made, type(e).__name__)
        break
    if pid == 0:
        os.setsid()
        time.sleep(300)
        os._exit(0)
    made += 1""", timeout=60)
    made, error = out.stdout.split()
    assert error == "BlockingIOError" and 0 < int(made) < 40, out
    assert int(Path(box.kernel.cgroup.pids, "pids.current").read_text()) <= 40
    assert len(box.processes()) <= 40


def test_files_together_cannot_exceed_the_workdir_size(start):
    """Many files, each under the file size limit, cannot together fill more than the working directory's
    size (a tmpfs): a write beyond fails with ENOSPC."""
    _needs("total size")
    box = start(workdir_size_mb=8, file_size_mb=2)
    out = box.run("""
written, errno = 0, 0
try:
    for i in range(64):
        with open(f'file-{i}', 'wb') as f:
            f.write(b'x' * (2 << 20))
        written += 2 << 20
except OSError as e:
    errno = e.errno
print(written, errno)""")
    written, errno = map(int, out.stdout.split())
    assert errno == 28 and 0 < written <= 8 << 20, out                # ENOSPC
    total = sum(p.stat().st_size for p in Path(box.kernel.workdir).glob("file-*"))
    assert total <= 8 << 20


def test_oom_kills_are_read_from_cgroup_v1_and_v2_files(tmp_path):
    """Group.oom_killed reads v2 memory.events, v1 memory.oom_control, and v1's memory.failcnt where the
    kernel counts no kills (made-up files: no cgroup needed)."""
    def group(files: dict[str, str]) -> cgroups.Group:
        directory = tmp_path / str(len(list(tmp_path.iterdir())))
        directory.mkdir()
        for name, text in files.items():
            (directory / name).write_text(text)
        return cgroups.Group(str(directory), None, 512, 40)
    assert group({"memory.events": "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n"}).oom_killed()
    assert not group({"memory.events": "low 0\nhigh 0\nmax 12\noom 0\noom_kill 0\n"}).oom_killed()
    assert group({"memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"}).oom_killed()
    assert not group({"memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
                      "memory.failcnt": "7\n"}).oom_killed()
    assert group({"memory.oom_control": "oom_kill_disable 0\nunder_oom 0\n", "memory.failcnt": "7\n"}).oom_killed()
