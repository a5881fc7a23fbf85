"""One error family: the CLI turns a QuizgenError into a one-line message and a non-zero exit
(and a QuizgenNote into a one-line note)."""

from __future__ import annotations

from pathlib import Path


class QuizgenError(Exception):
    """A problem with the user's input or request, with a message fit to show as it is."""


class QuizgenNote(UserWarning):
    """Something about the user's input worth saying that does not stop the run (an old key
    read under its new name): issued with ``warnings.warn``, shown by the CLI as one line
    ``Note: ...`` on stderr, once per run."""


class ParamsError(QuizgenError):
    """A problem's parameters are malformed or impossible; the message names the field."""


def os_reason(path: Path, exc: OSError, folder: bool = False) -> str:
    """Why ``path`` (a folder if ``folder``) cannot be written, in words: "File exists" from
    mkdir under a file says nothing, "a.txt is a file, not a folder" does."""
    for parent in (path, *path.parents) if folder else path.parents:
        if parent.exists():
            if not parent.is_dir():
                return f"{parent} is a file, not a folder"
            break
    return exc.strerror or str(exc)
