"""AI services seen through hosts, SDK imports and model names (FORMATS.md section 14)."""

from __future__ import annotations

import re

from govern.registry.ai_providers import AI_HOST_SUFFIXES

DEFAULT_ENDPOINTS = {
    "openai": "https://api.openai.com",
    "anthropic": "https://api.anthropic.com",
    "google-gemini": "https://generativelanguage.googleapis.com",
    "mistral": "https://api.mistral.ai",
    "cohere": "https://api.cohere.com",
    "huggingface": "https://api-inference.huggingface.co",
    "perplexity": "https://api.perplexity.ai",
    "groq": "https://api.groq.com",
    "openrouter": "https://openrouter.ai",
    "ollama": "http://localhost:11434",
    "deepseek": "https://api.deepseek.com",
}

# SDK / library names as they appear in imports, mapped to providers.
SDK_PATTERN = re.compile(
    r"(?m)^\s*(?:from|import)\s+(?P<mod>openai|anthropic|langchain_openai|langchain_anthropic|"
    r"langchain_google_genai|langchain_mistralai|langchain_community\.llms|google\.generativeai|"
    r"google\.genai|vertexai|mistralai|cohere|huggingface_hub|ollama|groq|together|llama_cpp)\b"
    r"|(?P<js>require\(\s*['\"](?:openai|@anthropic-ai/sdk|@google/generative-ai|cohere-ai|"
    r"@mistralai/mistralai|ollama)['\"]\s*\)|from\s+['\"](?:openai|@anthropic-ai/sdk|"
    r"@google/generative-ai|ollama)['\"])"
    r"|(?P<ps>Install-Module\s+(?:PSOpenAI|PowerShellAI))"
)
SDK_PROVIDERS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "langchain_openai": "openai",
    "langchain_anthropic": "anthropic",
    "langchain_google_genai": "google-gemini",
    "langchain_mistralai": "mistral",
    "langchain_community.llms": "local-llm",
    "google.generativeai": "google-gemini",
    "google.genai": "google-gemini",
    "vertexai": "google-vertex",
    "mistralai": "mistral",
    "cohere": "cohere",
    "huggingface_hub": "huggingface",
    "ollama": "ollama",
    "groq": "groq",
    "together": "together",
    "llama_cpp": "local-llm",
    "@anthropic-ai/sdk": "anthropic",
    "@google/generative-ai": "google-gemini",
    "cohere-ai": "cohere",
    "@mistralai/mistralai": "mistral",
    "psopenai": "openai",
    "powershellai": "openai",
}
AZURE_OPENAI = re.compile(r"\bAzureOpenAI\b|openai\.api_type\s*=\s*['\"]azure")
MODEL_PATTERN = re.compile(
    r"(?<![A-Za-z0-9_\-])(?P<m>gpt-(?:3\.5|4|4o|4\.1|5)[A-Za-z0-9.\-]*|o[134](?:-mini|-pro)?(?=['\"])|"
    r"claude-[A-Za-z0-9.\-]+|gemini-[0-9][A-Za-z0-9.\-]*|text-davinci-00\d|"
    r"mistral-(?:large|medium|small|tiny)[A-Za-z0-9.\-]*|llama-?[23][A-Za-z0-9.:\-]*|"
    r"command-r[A-Za-z0-9.\-]*|sonar[A-Za-z0-9.\-]*)(?![A-Za-z0-9_])"
)
MODEL_PROVIDER = (
    ("gpt-", "openai"),
    ("text-davinci", "openai"),
    ("claude-", "anthropic"),
    ("gemini-", "google-gemini"),
    ("mistral-", "mistral"),
    ("command-r", "cohere"),
    ("sonar", "perplexity"),
)
_SDK_WORDS = (
    "openai",
    "anthropic",
    "generativeai",
    "genai",
    "vertexai",
    "mistralai",
    "cohere",
    "huggingface",
    "ollama",
    "groq",
    "llama_cpp",
    "together",
    "psopenai",
    "powershellai",
)
KEYWORDS: tuple[tuple[str, str], ...] = (
    *((host, "ai:host") for host in AI_HOST_SUFFIXES),
    (":11434", "ai:host"),
    *((word, "ai:sdk") for word in _SDK_WORDS),
    ("gpt-", "ai:model"),
    ("claude-", "ai:model"),
    ("gemini-", "ai:model"),
    ("davinci", "ai:model"),
    ("mistral-", "ai:model"),
    ("command-r", "ai:model"),
    ("llama", "ai:model"),
    ("sonar", "ai:model"),
)


def sdk_providers(text: str, hits: dict[str, list[int]]) -> set[str]:
    """Providers whose SDK the code imports."""
    if not hits.get("ai:sdk"):
        return set()
    found: set[str] = set()
    for match in SDK_PATTERN.finditer(text):
        name = match.group("mod") or match.group("js") or match.group("ps") or ""
        name = re.sub(r"^(?:require\(\s*|from\s+)['\"]|['\"]\s*\)?$", "", name).strip()
        name = name.split()[-1].lower() if name.lower().startswith("install-module") else name
        provider = SDK_PROVIDERS.get(name) or SDK_PROVIDERS.get(name.lower())
        if provider:
            found.add(provider)
    if "openai" in found and AZURE_OPENAI.search(text):
        found.discard("openai")
        found.add("azure-openai")
    return found


def models(text: str, hits: dict[str, list[int]]) -> set[str]:
    """Model names mentioned in code or configuration (a hint, weaker than a host)."""
    if not hits.get("ai:model"):
        return set()
    return {m.group("m") for m in MODEL_PATTERN.finditer(text)}


def provider_for_model(model: str) -> str | None:
    lowered = model.lower()
    for prefix, provider in MODEL_PROVIDER:
        if lowered.startswith(prefix):
            return provider
    return None
