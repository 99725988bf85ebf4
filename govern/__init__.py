"""govern: governance and observability for shadow automations."""

__version__ = "0.1.0"
