"""One `newsdesk worker` process of the fault suite: started, watched, killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


def newsdesk_command() -> list[str]:
    """The installed `newsdesk` script beside this interpreter, else the module itself."""
    script = Path(sys.executable).with_name("newsdesk")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from services.cli.main import main; main()"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process, from /proc (0.0 where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Worker:
    """One `newsdesk worker STAGE...` process; its consumer name is its label."""

    label: str
    stages: tuple[str, ...]
    process: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_lines(self) -> int:
        with self.log.open("rb") as f:
            return sum(1 for _ in f)

    def started(self) -> bool:
        if not self.alive():
            tail = self.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"worker {self.label} exited at start-up:\n{tail}")
        return self.log.read_bytes().count(b"stage_started") >= len(self.stages)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def freeze(self) -> None:
        """SIGSTOP: it holds whatever it holds, and does nothing more until thawed or killed."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL: no handler finishes, nothing is acknowledged."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self, timeout_s: float = 20.0) -> None:
        if not self.alive():
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()
