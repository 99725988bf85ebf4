"""Per-app services (settings, database engine) and per-request unit-of-work helpers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy.engine import Engine
from sqlmodel import Session

from govern import db
from govern.config import Settings


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


@contextmanager
def writing() -> Iterator[Session]:
    with db.write_session(Services.current().engine) as session:
        yield session
