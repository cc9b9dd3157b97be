"""Read-aloud for people who cannot read well: the screen's text spoken by espeak-ng's Mandarin voice on this
server (no online service). When espeak-ng is not installed the page falls back to the browser's own voice."""

from __future__ import annotations

import hashlib
import shutil
import subprocess

from django.core.cache import cache

LIMIT = 1500  # characters spoken at a time
PER_MINUTE = 20  # requests from one client address


class Unavailable(Exception):
    pass


def engine() -> str | None:
    return shutil.which("espeak-ng")


def allowed(source: str) -> bool:
    from cunwu.accounts import throttle

    return throttle.allowed("speech", source, PER_MINUTE, 60)


def synthesize(text: str, english: bool = False) -> bytes:
    """WAV audio of the text (the first LIMIT characters), cached by its hash for a day."""
    text = " ".join((text or "").split())[:LIMIT]
    binary = engine()
    if not text or binary is None:
        raise Unavailable
    voice = "en" if english else "cmn"
    key = "speech:" + hashlib.sha256(f"{voice}:{text}".encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached
    done = subprocess.run([binary, "-v", voice, "-s", "135", "--stdout"], input=text.encode(),
                          capture_output=True, timeout=20, check=False)
    if done.returncode != 0 or not done.stdout.startswith(b"RIFF"):
        raise Unavailable
    cache.set(key, done.stdout, timeout=24 * 3600)
    return done.stdout
