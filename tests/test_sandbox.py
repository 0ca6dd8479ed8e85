"""The sandbox that grading kernels run in: each test starts a real sandboxed kernel and tries one
thing hostile student code would. Skipped, saying why, where no sandbox can be started."""
from __future__ import annotations

import json
import os
import shutil
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

from grader.autograde import sandbox
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
        self.client.execute_interactive(code, output_hook=collect, timeout=timeout)
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
    msg_id = box.client.execute("print('looping', flush=True)\nwhile True: pass")
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


def test_sandbox_dies_with_the_process_that_started_it():
    grader = subprocess.Popen([sys.executable, "-c", f"""
import sys, time
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_sandbox import Sandboxed, sandbox
box = Sandboxed(sandbox.Limits())
box.run("import os, time\\nif os.fork() == 0:\\n    os.setsid(); time.sleep(300)")
print(box.pid_namespace, box.kernel.workdir, flush=True)
time.sleep(300)"""], stdout=subprocess.PIPE, text=True, env=kernel_process_env())
    try:
        namespace, workdir = grader.stdout.readline().split()
        assert len(_namespace_processes(namespace)) >= 3                 # bwrap's init, the kernel, its child
    finally:
        grader.kill()
        grader.wait()
    assert _eventually(lambda: not _namespace_processes(namespace)), _namespace_processes(namespace)
    shutil.rmtree(workdir, ignore_errors=True)
    for stderr in Path(tempfile.gettempdir()).glob(f"grader-kernel-{grader.pid}-*.err"):
        stderr.unlink()
