"""The ``govern`` command. Each area contributes its commands from its own ``cli`` module;
commands are thin shells over plain functions that tests call directly."""

from __future__ import annotations

import atexit
import gc
import importlib
import sys
from functools import cached_property
from typing import TYPE_CHECKING

import click

from govern import __version__
from govern.config import ConfigError, Settings

if TYPE_CHECKING:  # SQLAlchemy is imported by the commands that use the database
    from sqlalchemy.engine import Engine

AREA_CLI_MODULES = (
    "govern.registry.cli",
    "govern.scanner.cli",
    "govern.lineage.cli",
    "govern.policies.cli",
    "govern.web.cli",
    "govern.web.ui.cli",
    "govern.demo.cli",
)
EXIT_INVALID = 2


class AppContext:
    """Settings and engine, built on first use (never at import time)."""

    def __init__(self, settings: Settings | None = None):
        self._settings = settings

    @cached_property
    def settings(self) -> Settings:
        if self._settings is not None:
            return self._settings
        try:
            return Settings.from_env()
        except ConfigError as exc:
            raise click.UsageError(str(exc)) from None

    @cached_property
    def engine(self) -> Engine:
        from govern.db import make_engine

        return make_engine(self.settings)

    def close(self) -> None:
        """Dispose of the engine, if one was made (pooled connections are closed)."""
        engine = self.__dict__.pop("engine", None)
        if engine is not None:
            engine.dispose()

    def migrated_engine(self) -> Engine:
        """The engine, after making sure the schema is current (``govern init`` semantics)."""
        from govern import schema

        if not schema.is_up_to_date(self.engine):
            schema.upgrade(self.engine)
        return self.engine


pass_app = click.make_pass_decorator(AppContext, ensure=True)


class AreaGroup(click.Group):
    """The root group: each area's commands are imported on first need.

    ``govern register`` imports only the registry's commands; ``govern --help``
    imports them all. Importing every area up front would make each command pay for
    the heaviest area's imports (graph libraries, the web UI).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pending = list(AREA_CLI_MODULES)

    def _load_next(self) -> bool:
        while self._pending:
            module_name = self._pending.pop(0)
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if not module_name.startswith(exc.name or "?"):
                    raise
                continue
            for command in getattr(module, "COMMANDS", ()):
                self.add_command(command)
            return True
        return False

    def get_command(self, ctx: click.Context, cmd_name: str):
        while cmd_name not in self.commands and self._load_next():
            pass
        return self.commands.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        while self._load_next():
            pass
        return sorted(self.commands)


@click.group(cls=AreaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="govern")
@click.pass_context
def main(ctx: click.Context) -> None:
    """govern: inventory, scan and govern shadow automations."""
    app = ctx.ensure_object(AppContext)
    ctx.call_on_close(app.close)


_exit_hooked = False


def quick_exit() -> None:
    """Let the process end without the collector's last walk over the heap.

    Python's shutdown runs the cyclic collector over every object still alive, ~0.25 s
    once SQLAlchemy and a batch are in memory, before the operating system frees it all
    anyway. At exit, what is alive is frozen first (``gc.freeze``): that walk has
    nothing to do. The price: objects still in reference cycles then are not finalised,
    so a command that asks for this closes what it opens itself (``govern register``:
    the database engine, the worker processes, its files).
    """
    global _exit_hooked
    if not _exit_hooked:
        atexit.register(gc.freeze)
        _exit_hooked = True


def run() -> None:  # pragma: no cover - thin wrapper
    sys.exit(main())
