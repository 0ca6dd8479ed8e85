"""Requests to a student's kernel over its shell channel, each answered within a time limit.

A request is a silent execution of empty code with one user expression; the
kernel evaluates the expression (to `wire.reply` text: base64) and the reply
carries its `repr`, which `wire.read_reply` checks character by character and
decodes (never `eval`, nor `ast.literal_eval`, which holds ~300 bytes per byte
of a crafted literal). The sockets refuse a message larger than a reply may be.
"""
from __future__ import annotations

import time
from typing import Callable

from .wire import MAX_REPLY_BYTES, read_reply

INTERRUPT_GRACE = 10.0   # seconds a kernel gets to stop a call after being interrupted


class KernelGone(BaseException):
    """The kernel died, or could not be stopped: nothing more can run in it.

    A BaseException, like KeyboardInterrupt: it must pass through the checks'
    `except Exception` (which turn a student's error into a failed check) and
    stop the whole test cell."""


class TooSlow(Exception):
    """The request did not finish in time; the kernel was interrupted and is usable again."""


class KernelChannel:
    """One client of a running kernel (a jupyter_client KernelManager `km`) for the grader's requests.

    alive() says whether the kernel process still runs; stop(reason) kills it.
    """

    def __init__(self, km, alive: Callable[[], bool], stop: Callable[[str], None]):
        import zmq
        from jupyter_client.session import Session
        info = km.get_connection_info(session=True)
        # a session of its own: message ids are "<session>_<pid>_<count>", so sharing the kernel
        # manager's session with the notebook's client would make ids collide
        self.session = Session(key=info["session"].key, signature_scheme=info["session"].signature_scheme)
        self._context = zmq.Context()      # synchronous sockets of its own: usable from any one thread
        self.shell = self._socket(zmq, info, "shell")
        self.control = self._socket(zmq, info, "control")
        self.alive = alive
        self.stop = stop

    def _socket(self, zmq, info: dict, channel: str):
        socket = self._context.socket(zmq.DEALER)
        socket.linger = 0
        socket.setsockopt(zmq.MAXMSGSIZE, 2 * MAX_REPLY_BYTES)    # a larger message drops the connection
        address = info["ip"]
        port = info[f"{channel}_port"]
        socket.connect(f"ipc://{address}-{port}" if info["transport"] == "ipc" else f"tcp://{address}:{port}")
        return socket

    def close(self) -> None:
        self._context.destroy(linger=0)

    def evaluate(self, expression: str, deadline: float) -> str:
        """The string `expression` evaluates to in the kernel, by `deadline` (time.monotonic()).

        Raises TooSlow when it did not (the kernel was interrupted), KernelGone when the
        kernel died or did not stop after the interrupt, RuntimeError when the expression raised.
        """
        request = self.session.msg("execute_request", {
            "code": "", "silent": True, "store_history": False, "allow_stdin": False,
            "stop_on_error": False, "user_expressions": {"r": expression}})
        self.session.send(self.shell, request)
        msg_id = request["header"]["msg_id"]
        reply = self._reply(msg_id, deadline)
        if reply is None:
            self.session.send(self.control, self.session.msg("interrupt_request", {}))
            reply = self._reply(msg_id, time.monotonic() + INTERRUPT_GRACE)
            if reply is None:
                self.stop(f"a call of the student's function did not stop {INTERRUPT_GRACE:g} s after "
                          f"being interrupted")
                raise KernelGone("the kernel did not stop the call after being interrupted")
            raise TooSlow()
        result = reply["content"].get("user_expressions", {}).get("r", {})
        if reply["content"].get("status") != "ok" or result.get("status") != "ok":
            error = result if result.get("status") == "error" else reply["content"]
            raise RuntimeError(f"{error.get('ename', 'Error')}: {error.get('evalue', '')}")
        try:
            return read_reply(result.get("data", {}).get("text/plain", ""))
        except ValueError as exc:
            raise RuntimeError(str(exc)) from None

    def _reply(self, msg_id: str, deadline: float) -> dict | None:
        """The shell reply to `msg_id`, or None at the deadline (KernelGone when the kernel died)."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if not self.shell.poll(int(min(left, 1.0) * 1000)):
                if not self.alive():
                    raise KernelGone("the kernel died")
                continue
            _, msg = self.session.recv(self.shell)
            if msg is not None and msg.get("parent_header", {}).get("msg_id") == msg_id:
                return msg
