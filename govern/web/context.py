"""Per-app services (settings, database engine) and per-request unit-of-work helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, current_app
from sqlalchemy.engine import Engine
from sqlmodel import Session

from govern import db
from govern.config import Settings

T = TypeVar("T")


@dataclass
class Services:
    settings: Settings
    engine: Engine

    @classmethod
    def init_app(cls, app: Flask, settings: Settings) -> Services:
        services = cls(settings=settings, engine=db.make_engine(settings))
        app.extensions["govern"] = services
        return services

    @classmethod
    def current(cls) -> Services:
        return current_app.extensions["govern"]


@contextmanager
def reading() -> Iterator[Session]:
    with db.read_session(Services.current().engine) as session:
        yield session


def write_retrying(work: Callable[[Session], T]) -> T:
    """``work`` in a write transaction, re-run if a concurrent writer won a unique race."""
    return db.retrying(Services.current().engine, work)


@contextmanager
def writing() -> Iterator[Session]:
    with db.write_session(Services.current().engine) as session:
        yield session
