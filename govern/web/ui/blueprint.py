"""The UI blueprint (its own module so view modules can import it without cycles)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ui", __name__)
