"""Versioned prompt files: ``jixiao/extract/llm/prompts/<name>.v<N>.md`` with a front matter.

A prompt is code: its version (front matter ``version:``) goes into every cache key and
into the run stats, so an answer can always be traced to the prompt that produced it.
The file holds a ``## system`` and a ``## user`` section; ``{{name}}`` placeholders in the
user section are filled per chunk.
"""

from __future__ import annotations

from jixiao.model.errors import JixiaoError

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

_FILE = re.compile(r"^(?P<name>.+)\.v(?P<ver>\d+)\.md$")
_SECTION = re.compile(r"^##\s+(system|user)\s*$", re.MULTILINE)
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


class PromptError(JixiaoError):
    pass


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    system: str
    user: str
    path: str
    sha: str  # sha256 of the file's text: an edit without a version bump still changes it

    def render_user(self, **values: str) -> str:
        def sub(m: re.Match[str]) -> str:
            key = m.group(1)
            if key not in values:
                raise PromptError(f"{self.path}: placeholder {{{{{key}}}}} has no value")
            return values[key]

        return _PLACEHOLDER.sub(sub, self.user)

    def messages(self, **values: str) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.render_user(**values)}]


def prompt_dirs(explicit: str | Path | None = None) -> list[Path]:
    """Where prompt files are looked for, in order."""
    dirs: list[Path] = []
    if explicit:
        dirs.append(Path(explicit))
    if os.environ.get("JIXIAO_PROMPTS_DIR"):
        dirs.append(Path(os.environ["JIXIAO_PROMPTS_DIR"]))
    here = Path(__file__).resolve()
    dirs.append(here.parent / "prompts")  # package data: jixiao/extract/llm/prompts (the one copy)
    return dirs


def parse_prompt(text: str, path: str) -> Prompt:
    if not text.startswith("---"):
        raise PromptError(f"{path}: no front matter (the file must start with '---')")
    try:
        _, front, body = text.split("---", 2)
    except ValueError as exc:
        raise PromptError(f"{path}: front matter is not closed with '---'") from exc
    meta = {}
    for line in front.strip().splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            meta[k.strip()] = v.strip()
    if "version" not in meta or "name" not in meta:
        raise PromptError(f"{path}: front matter needs 'name:' and 'version:'")
    parts = _SECTION.split(body)
    sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    if "system" not in sections or "user" not in sections:
        raise PromptError(f"{path}: needs a '## system' and a '## user' section")
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return Prompt(meta["name"], meta["version"], sections["system"], sections["user"], path, sha)


def load_prompt(name: str, version: int | str | None = None, prompts_dir: str | Path | None = None) -> Prompt:
    """The prompt ``name`` at ``version`` (default: the highest version found)."""
    searched = []
    for d in prompt_dirs(prompts_dir):
        searched.append(str(d))
        if not d.is_dir():
            continue
        found = {}
        for p in d.iterdir():
            m = _FILE.match(p.name)
            if m and m.group("name") == name:
                found[int(m.group("ver"))] = p
        if not found:
            continue
        ver = int(version) if version is not None else max(found)
        if ver not in found:
            raise PromptError(f"{d}: prompt {name} has versions {sorted(found)}, not {ver}")
        path = found[ver]
        prompt = parse_prompt(path.read_text(encoding="utf-8"), str(path))
        if str(prompt.version) != str(ver):
            raise PromptError(f"{path}: file name says v{ver} but front matter says version {prompt.version}")
        return prompt
    raise PromptError(f"prompt {name!r} not found; searched: {', '.join(searched)} (set JIXIAO_PROMPTS_DIR)")
