"""Developer sessions: `nox -s tests|lint|typecheck|openapi|bench|build` (`nox -l` lists them).

Plain `venv` virtualenvs under .nox/, reused between runs; the project is installed
into a session's virtualenv again only when pyproject.toml or sdk/pyproject.toml
changed, so a repeated session starts in seconds. Arguments after `--` go to the tool,
e.g. `nox -s tests -- -k revision -x`.
"""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

import nox

ROOT = Path(__file__).parent
nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["lint", "typecheck", "openapi", "tests"]


def _install_project(session: nox.Session) -> None:
    """pip install -e ./sdk -e '.[dev]', skipped when nothing it depends on changed."""
    venv = session.virtualenv.location
    stamp = Path(venv) / ".ronghub-installed" if venv else None
    want = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + (ROOT / "sdk" / "pyproject.toml").read_bytes()
    ).hexdigest()
    if stamp is not None and stamp.exists() and stamp.read_text() == want:
        return
    session.install("-e", "./sdk", "-e", ".[dev]")
    if stamp is not None:
        stamp.write_text(want)


def _dev_requirement(name: str) -> str:
    """The dev extra's pin for one tool, so lint uses the same ruff as everyone else."""
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"][
        "dev"
    ]
    return next(req for req in dev if req.lower().startswith(name))


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite (embedded store, real HTTP server)."""
    _install_project(session)
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check with the configuration in pyproject.toml."""
    session.install(_dev_requirement("ruff"))
    session.run("ruff", "check", *(session.posargs or ["."]))
    session.run("ruff", "format", "--check", *(session.posargs or ["."]))


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy over the packages listed in pyproject.toml ([tool.mypy])."""
    _install_project(session)
    session.run("mypy", *session.posargs)


@nox.session
def openapi(session: nox.Session) -> None:
    """Fail if openapi/openapi.json or openapi/schema.graphql drifted from the code."""
    _install_project(session)
    session.run("ronghub", "openapi", "--check")


@nox.session
def bench(session: nox.Session) -> None:
    """Every benchmark (`python -m bench.run`: read path, fan-out, search, partner feeds and webhooks, concurrent writers); results go to .bench/."""
    if not (
        (ROOT / "bench" / "run.py").exists() or (ROOT / "bench" / "run" / "__init__.py").exists()
    ):
        session.skip("no benchmarks yet: bench/run.py does not exist in this checkout")
    _install_project(session)
    session.run("python", "-m", "bench.run", *session.posargs)


@nox.session(name="search-eval")
def search_eval(session: nox.Session) -> None:
    """Search relevance: MRR and nDCG@5 per query class over the judged queries in bench/search_eval.toml (demo stories + seed articles)."""
    _install_project(session)
    session.run("python", "-m", "bench.search_eval", *session.posargs)


@nox.session
def build(session: nox.Session) -> None:
    """Wheels of both distributions, ronghub-sdk (sdk/) and ronghub (.), into dist/.

    Then `pip install --find-links dist ronghub-sdk` (plugin authors, partners) or
    `pip install --find-links dist ronghub` (the hub, which pulls in the SDK)."""
    out = str(ROOT / "dist")
    session.run(
        "python",
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--wheel-dir",
        out,
        str(ROOT / "sdk"),
        str(ROOT),
    )
