"""Read-aloud for people who cannot read well: the screen's text spoken by espeak-ng's Mandarin voice on this
server (no online service). When espeak-ng is not installed the page falls back to the browser's own voice.

The page sends its text a sentence or two at a time (``CLIP`` characters at most) and plays each clip while the
next one is made, so speech starts within a second and no clip is more than a few hundred kilobytes."""

from __future__ import annotations

import array
import hashlib
import shutil
import struct
import subprocess
import sys

from django.core.cache import caches

CLIP = 160  # characters spoken in one clip
PER_MINUTE = 90  # clips for one client address (a village terminal shares its address with the village)
RATE = 11025  # samples per second sent: speech needs little above 4 kHz, and it halves espeak-ng's 22,050


class Unavailable(Exception):
    pass


class TooLong(ValueError):
    pass


def engine() -> str | None:
    return shutil.which("espeak-ng")


def allowed(source: str) -> bool:
    from cunwu.accounts import throttle

    return throttle.allowed("speech", source, PER_MINUTE, 60)


def _halved(wav: bytes) -> bytes:
    """espeak-ng's 16-bit mono WAV at half its sample rate (each pair of samples averaged: a gentle low-pass)."""
    if wav[:4] != b"RIFF" or wav[12:16] != b"fmt ":
        raise Unavailable
    channels, rate = struct.unpack("<HI", wav[22:28])
    bits = struct.unpack("<H", wav[34:36])[0]
    at = wav.find(b"data", 36)
    if channels != 1 or bits != 16 or at < 0 or rate < 2 * RATE - 1:
        return wav
    samples = array.array("h", wav[at + 8:])
    if sys.byteorder == "big":
        samples.byteswap()
    pairs = len(samples) // 2
    out = array.array("h", ((samples[2 * i] + samples[2 * i + 1]) // 2 for i in range(pairs)))
    if sys.byteorder == "big":
        out.byteswap()
    data = out.tobytes()
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, rate // 2, rate, 2, 16) + b"data" + struct.pack("<I", len(data))
    return header + data


def synthesize(text: str, english: bool = False) -> bytes:
    """WAV audio of one clip of text, cached by its hash for a day. Longer text is refused, not cut."""
    text = " ".join((text or "").split())
    if len(text) > CLIP:
        raise TooLong(text)
    binary = engine()
    if not text or binary is None:
        raise Unavailable
    voice = "en" if english else "cmn"
    key = "speech:" + hashlib.sha256(f"{voice}:{RATE}:{text}".encode()).hexdigest()
    cached = caches["speech"].get(key)
    if cached is not None:
        return cached
    done = subprocess.run([binary, "-v", voice, "-s", "135", "--stdout"], input=text.encode(),
                          capture_output=True, timeout=20, check=False)
    if done.returncode != 0 or not done.stdout.startswith(b"RIFF"):
        raise Unavailable
    audio = _halved(done.stdout)
    caches["speech"].set(key, audio, timeout=24 * 3600)
    return audio
