"""Token counts as the OpenAI API counts them, offline.

tiktoken (OpenAI's own BPE tokenizer) with the encoding of the models in the price table
(o200k_base: the gpt-4o, gpt-4.1, gpt-5 and o-series families). tiktoken downloads its BPE
files at run time; this project ships o200k_base's (healer_ops/data/tokenizers/, the file
OpenAI publishes, checked against the same sha256 tiktoken checks) and builds the encoding
from it, so counting never needs the network.

A chat request is counted the way OpenAI documents it for these models: each message costs
its role and content plus 3 tokens, and the reply is primed with 3 more. A Structured Outputs
schema is sent to the model too; how the API renders it is not published, so it is counted
as its JSON text (an estimate of that part only). Real runs keep using the response's
`usage`; these counts serve the budget's worst case and the loopback server.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from functools import lru_cache

from healer_ops.settings import DATA_DIR

ENCODING_NAME = "o200k_base"
ENCODING_FILE = DATA_DIR / "tokenizers" / f"{ENCODING_NAME}.tiktoken.gz"
# sha256 of the uncompressed file, as tiktoken_ext.openai_public checks it
ENCODING_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
# o200k_base's pre-tokenization pattern and special tokens (tiktoken_ext.openai_public)
_PATTERN = "|".join([
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",  # noqa: E501
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",  # noqa: E501
    r"""\p{N}{1,3}""",
    r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
    r"""\s*[\r\n]+""",
    r"""\s+(?!\S)""",
    r"""\s+""",
])
_SPECIAL_TOKENS = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}

TOKENS_PER_MESSAGE = 3
REPLY_PRIMING = 3


class TokenizerError(RuntimeError):
    pass


@lru_cache(maxsize=1)
def encoding():
    """The o200k_base encoding, built from the shipped file (never downloaded)."""
    import tiktoken

    try:
        data = gzip.decompress(ENCODING_FILE.read_bytes())
    except OSError as exc:
        raise TokenizerError(f"cannot read the tokenizer file {ENCODING_FILE}: {exc}") from exc
    if hashlib.sha256(data).hexdigest() != ENCODING_SHA256:
        raise TokenizerError(f"{ENCODING_FILE} is not OpenAI's {ENCODING_NAME} (sha256 differs)")
    ranks = {base64.b64decode(token): int(rank)
             for token, rank in (line.split() for line in data.splitlines() if line)}
    return tiktoken.Encoding(ENCODING_NAME, pat_str=_PATTERN, mergeable_ranks=ranks,
                             special_tokens=_SPECIAL_TOKENS)


def count_tokens(text: str) -> int:
    """Tokens of a text (special-token spellings inside it count as plain text)."""
    return len(encoding().encode(text or "", disallowed_special=()))


def count_message_tokens(message: dict) -> int:
    content = message.get("content") or ""
    if not isinstance(content, str):  # content parts: their text
        content = " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return (TOKENS_PER_MESSAGE + count_tokens(str(message.get("role", "")))
            + count_tokens(content) + (1 + count_tokens(message["name"])
                                       if message.get("name") else 0))


def count_prompt_tokens(request: dict) -> int:
    """Prompt tokens of a chat completions request body (messages, reply priming and the
    response_format schema)."""
    tokens = sum(count_message_tokens(m) for m in request.get("messages") or []) + REPLY_PRIMING
    if request.get("response_format"):
        tokens += count_tokens(json.dumps(request["response_format"], separators=(",", ":")))
    return tokens
