"""The two commands on a fresh machine: one script, scripts/install-system.sh, installs the Debian
packages the app and its tests need — called by the Makefile (`make install`, hence `make run` and
`make test`) and by `.ci/run`. It does nothing and says nothing when everything is there, installs
exactly what is missing (as root, else through sudo), and otherwise prints the command to run.

The machine is varied as a fresh one would be: a PATH without a tool, fontconfig without fonts,
ldconfig without a library. apt-get and sudo are stand-ins that record how they were called (the
packages are already installed here); the script itself runs for real. Also here: a skipped test
fails the run (tests/no_skips.py)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "install-system.sh"
RECORDER = '#!/bin/sh\necho "$(basename "$0") $*" >> "{log}"\n'


def script_calls(text: str) -> set[str]:
    """The scripts/*.sh a shell or Makefile text runs (comments left out)."""
    code = "\n".join(line.split("#")[0] for line in text.splitlines())
    return set(re.findall(r"(?<![\w/.-])(scripts/[\w-]+\.sh)\b", code))


def test_the_makefile_and_ci_run_call_the_same_install_script():
    makefile, ci_run = (ROOT / "Makefile").read_text(), (ROOT / ".ci" / "run").read_text()
    assert script_calls(makefile) == script_calls(ci_run) == {"scripts/install-system.sh"}
    for text in (makefile, ci_run):  # no second list of packages anywhere
        assert "apt-get" not in text and "apt_install" not in text
    for target in ("install", "run", "test"):  # before anything else (dry run: nothing is executed)
        dry_run = subprocess.run(  # outside any calling make (CI runs the tests under `make test`)
            ["make", "-n", "--no-print-directory", target], cwd=ROOT, capture_output=True, text=True, check=True,
            env={k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")})
        assert dry_run.stdout.splitlines()[0] == "scripts/install-system.sh", target


class Machine:
    """A PATH of the real tools minus some, with recording apt-get (and sudo, if asked)."""

    def __init__(self, *, without: tuple[str, ...] = (), sudo: bool = False, env: dict | None = None):
        self.dir = Path(tempfile.mkdtemp(prefix="chengxin-machine-"))  # readable by `nobody` too
        self.bin, self.log = self.dir / "bin", self.dir / "calls.log"
        self.bin.mkdir()
        self.log.touch()
        for folder in (Path("/usr/bin"), Path("/usr/sbin")):
            for tool in folder.iterdir():
                if tool.name not in (*without, "apt-get", "sudo") and not (self.bin / tool.name).exists():
                    (self.bin / tool.name).symlink_to(tool)
        self.fake("apt-get", RECORDER.format(log=self.log))
        if sudo:
            self.fake("sudo", RECORDER.format(log=self.log) + 'exec "$@"\n')
        for path in (self.dir, self.bin, self.log):
            path.chmod(0o777 if path == self.log else 0o755)
        self.env = {"PATH": str(self.bin), "HOME": str(self.dir), **(env or {})}

    def fake(self, name: str, text: str) -> None:
        (self.bin / name).write_text(text)
        (self.bin / name).chmod(0o755)

    def run(self, *args: str, user: str | None = None) -> subprocess.CompletedProcess:
        command = ["bash", str(SCRIPT), *args]
        if user is not None and os.geteuid() == 0:  # runuser resets PATH: set it again inside
            command = ["runuser", "-u", user, "--", "env", *(f"{k}={v}" for k, v in self.env.items()), *command]
        return subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=60)

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines()

    def close(self):
        shutil.rmtree(self.dir)


@pytest.fixture()
def machine():
    made = []

    def make(**kwargs) -> Machine:
        made.append(Machine(**kwargs))
        return made[-1]

    yield make
    for m in made:
        m.close()


def test_a_machine_that_has_everything_runs_no_apt_and_prints_nothing(machine):
    m = machine()
    for args in ((), ("--ci",)):
        started = time.monotonic()
        result = m.run(*args)
        assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
        assert time.monotonic() - started < 5
    assert m.calls() == []  # not even apt-get update


def _empty_fontconfig(folder: Path) -> str:
    config = folder / "fonts.conf"
    config.write_text(f"<fontconfig><cachedir>{folder / 'fc-cache'}</cachedir></fontconfig>\n")
    return str(config)


def _ldconfig_without(library: str) -> str:
    return f'#!/bin/sh\n/usr/sbin/ldconfig -p | grep -v "{library}"\n'


@pytest.mark.parametrize("missing, packages", [
    ({"without": ("pdftotext",)}, "poppler-utils"),
    ({"without": ("node", "npm")}, "nodejs npm"),
    ({"without": ("make",)}, "make"),
    ({"without": ("fc-list",)}, "fontconfig fonts-noto-cjk"),
    ({"env": {"CHROMIUM_PATH": "/nonexistent/chromium"}}, "chromium"),
    ({"fontconfig": "empty"}, "fonts-noto-cjk"),
    ({"ldconfig": "libharfbuzz-subset.so.0"}, "libharfbuzz-subset0"),
    ({"ldconfig": "libpangoft2-1.0.so.0"}, "libpangoft2-1.0-0"),
])
def test_each_missing_piece_installs_its_package_and_only_that(machine, missing, packages):
    m = machine(without=(*missing.get("without", ()), "ldconfig"), env=missing.get("env"))
    m.fake("ldconfig", _ldconfig_without(missing.get("ldconfig", "^$")))
    if "fontconfig" in missing:
        m.env["FONTCONFIG_FILE"] = _empty_fontconfig(m.dir)
    result = m.run()
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"Installing system packages: {packages}\n"
    assert m.calls() == ["apt-get update -qq", f"apt-get install -y -qq {packages}"]


def test_ci_also_installs_postgresql_and_redis(machine):
    m = machine(without=("pg_isready", "redis-server"))
    assert m.run().returncode == 0 and m.calls() == []  # not needed to run or test the app
    assert m.run("--ci").returncode == 0
    assert m.calls() == ["apt-get update -qq", "apt-get install -y -qq postgresql postgresql-client redis-server"]


def test_not_root_it_goes_through_sudo(machine):
    m = machine(without=("pdftotext",), sudo=True)
    result = m.run(user="nobody")
    assert result.returncode == 0, result.stderr
    assert m.calls() == ["sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq", "apt-get update -qq",
                         "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils",
                         "apt-get install -y -qq poppler-utils"]


def test_without_root_or_sudo_it_prints_the_command_to_run_and_fails(machine):
    m = machine(without=("pdftotext", "node", "npm"))
    result = m.run(user="nobody")
    assert result.returncode == 1 and m.calls() == []
    assert "Run as root:  apt-get update && apt-get install -y nodejs npm poppler-utils" in result.stderr


def test_a_failed_install_says_what_to_run(machine):
    m = machine(without=("pdftotext",))
    m.fake("apt-get", "#!/bin/sh\nexit 100\n")
    result = m.run()
    assert result.returncode == 1
    assert "Could not install the system packages. Run as root:  apt-get update && apt-get install -y poppler-utils" \
        in result.stderr


def test_a_skipped_test_fails_the_run(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_sample.py").write_text(
        "import pytest\n\ndef test_runs():\n    pass\n\n"
        "def test_cannot_run():\n    pytest.skip('frobnicator not installed')\n")

    def pytest_run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "tests.no_skips", "-p", "no:cacheprovider",
                               "-c", str(tmp_path / "pytest.ini"), *args], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)

    skipped = pytest_run(str(tmp_path / "test_sample.py"))
    assert skipped.returncode == 1, skipped.stdout
    assert "skipped tests fail the run" in skipped.stdout
    assert "test_sample.py::test_cannot_run: frobnicator not installed" in skipped.stdout
    passing = pytest_run(str(tmp_path / "test_sample.py") + "::test_runs")
    assert passing.returncode == 0, passing.stdout


def test_no_local_environment_is_committed():
    """A clean clone creates its own virtualenv and node_modules: none is tracked (a link to a
    developer's would make `make install` skip or break on a fresh machine)."""
    tracked = subprocess.run(["git", "ls-files", "-s"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    links = [line.split("\t")[1] for line in tracked.splitlines() if line.startswith("120000")]
    assert links == []
    assert not [p for p in tracked.splitlines() if p.split("\t")[1].split("/")[0] in (".venv", "node_modules")]
