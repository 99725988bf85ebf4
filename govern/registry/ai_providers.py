"""Known AI service endpoints, so an asset or a scanned URL can be named as an AI provider.

Shared by the registry (classifying declared assets) and the scanner (classifying
what it finds). Hosts are matched by suffix.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

AI_HOST_SUFFIXES: dict[str, str] = {
    "api.openai.com": "openai",
    "openai.azure.com": "azure-openai",
    "cognitiveservices.azure.com": "azure-openai",
    "api.anthropic.com": "anthropic",
    "generativelanguage.googleapis.com": "google-gemini",
    "aiplatform.googleapis.com": "google-vertex",
    "api.mistral.ai": "mistral",
    "api.cohere.ai": "cohere",
    "api.cohere.com": "cohere",
    "api-inference.huggingface.co": "huggingface",
    "router.huggingface.co": "huggingface",
    "huggingface.co": "huggingface",
    "api.perplexity.ai": "perplexity",
    "api.groq.com": "groq",
    "api.deepseek.com": "deepseek",
    "api.together.xyz": "together",
    "openrouter.ai": "openrouter",
    "bedrock-runtime.amazonaws.com": "aws-bedrock",
}
LOCAL_LLM_PORTS = {11434: "ollama", 1234: "lm-studio", 8080: "local-llm"}
INTERNAL_SUFFIXES = (".local", ".internal", ".corp", ".lan", ".intranet", ".localdomain")


def host_of(uri: str) -> str:
    try:
        return (urlsplit(uri).hostname or "").lower()
    except ValueError:
        return ""


def ai_provider_for(uri: str) -> str | None:
    """The AI provider an http(s) URI points at, or None."""
    parts = urlsplit(uri)
    host = (parts.hostname or "").lower()
    if not host:
        return None
    for suffix, provider in AI_HOST_SUFFIXES.items():
        if host == suffix or host.endswith("." + suffix):
            return provider
    try:
        port = parts.port
    except ValueError:
        port = None
    if port == 11434:
        return "ollama"
    return None


def is_external(uri: str, internal_domains: tuple[str, ...] = ()) -> bool:
    """Best guess whether an asset lies outside the company boundary.

    http(s) hosts with a public-looking name are external unless they match one
    of ``internal_domains``; files, shares and database DSNs are internal.
    """
    scheme = uri.split("://", 1)[0].lower()
    if scheme not in {"http", "https", "wss", "ws", "smtp", "imap", "ftp", "sftp"}:
        return False
    host = host_of(uri)
    if not host or "." not in host or host.endswith(INTERNAL_SUFFIXES):
        return False
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        pass
    return not any(host == d or host.endswith("." + d) for d in internal_domains)
