"""Node identifiers: ``automation:ns/name``, ``asset:<asset key>``, ``person:<email>``.

One place turns what a user typed (a bare automation key, an asset URI, an email)
into the typed id the graph uses, so the API, CLI and policy engine agree.
"""

from __future__ import annotations

from govern.registry.manifest import normalise_asset_key

AUTOMATION = "automation"
ASSET = "asset"
PERSON = "person"
NODE_TYPES = (AUTOMATION, ASSET, PERSON)


def automation_node(key: str) -> str:
    return f"automation:{key}"


def asset_node(key: str) -> str:
    return f"asset:{key}"


def person_node(email: str) -> str:
    return f"person:{email.lower()}"


def node_type(node: str) -> str:
    return node.partition(":")[0]


def node_key(node: str) -> str:
    """The registry key behind a node id (automation key, asset key or email)."""
    return node.partition(":")[2]


def parse_node(text: str) -> str:
    """A typed node id from user input.

    ``automation:finance/x``, ``asset:https://api.openai.com`` and ``person:a@b.c`` are
    taken as they are; a bare ``scheme://...`` is an asset, ``a@b`` a person and
    ``namespace/name`` an automation.
    """
    text = text.strip()
    if not text:
        raise ValueError("node: give a node id such as automation:finance/monthly-close")
    prefix, sep, rest = text.partition(":")
    if sep and prefix in NODE_TYPES and not rest.startswith("//"):
        if prefix == ASSET:
            return asset_node(normalise_asset_key(rest))
        if prefix == PERSON:
            return person_node(rest)
        return automation_node(rest)
    if "://" in text:
        return asset_node(normalise_asset_key(text))
    if "@" in text:
        return person_node(text)
    if "/" in text:
        return automation_node(text)
    raise ValueError(
        f"node {text!r} is not recognised; write automation:namespace/name, "
        "asset:scheme://authority/name or person:email"
    )
