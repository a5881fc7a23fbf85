"""Shared parameter types for the topic modules: validated on construction, frozen afterwards.

Every topic's ``Params`` is a pydantic model built on :class:`ParamsModel`, so generated problems
and problems read from a user's file pass the same checks, and a bad field is reported by name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    ValidationError,
)

from quizgen.core.errors import ParamsError


class ParamsModel(BaseModel):
    """Base of every topic's parameters: unknown keys and NaN/inf are errors, values are frozen.
    Each model's validator is built when first used (``defer_build``): a run uses a few of the
    topics, and building every one's took a sixth of a one-copy run."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, defer_build=True)

    def to_record(self) -> dict[str, Any]:
        """The params as they appear in a JSON record (optional fields left out when unset)."""
        return self.model_dump(mode="json", exclude_none=True)


#: A number as given: ints stay ints (``2``, not ``2.0``) in records written back; strings and
#: booleans are refused rather than guessed at.
Num = StrictInt | StrictFloat


def _rectangular(rows: tuple[tuple[Num, ...], ...]) -> tuple[tuple[Num, ...], ...]:
    if not rows:
        raise ValueError("matrix must have at least one row")
    width = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(f"ragged matrix: row {i} has {len(row)} entries, row 0 has {width}")
    if width == 0:
        raise ValueError("matrix rows must not be empty")
    return rows


Vector = Annotated[tuple[Num, ...], Field(min_length=1)]
Matrix = Annotated[tuple[tuple[Num, ...], ...], AfterValidator(_rectangular)]
PositiveInt = Annotated[StrictInt, Field(gt=0)]
NonNegativeInt = Annotated[StrictInt, Field(ge=0)]


def field_path(loc: Sequence[str | int]) -> str:
    """``('layers', 2, 'f')`` -> ``layers[2].f``."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


_INTERNAL_LOC = re.compile(r"int|float|str|bool|function-after\[.*\]|literal\[.*\]|[a-z-]+\[.*\]")


def parse_params(model: type[ParamsModel], raw: Any) -> ParamsModel:
    """Validate raw params; the first problem becomes a :class:`ParamsError` naming its field."""
    if not isinstance(raw, dict):
        raise ParamsError(f"params must be a mapping, got {type(raw).__name__}")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ParamsError(_first_error(exc)) from None


def _first_error(exc: ValidationError) -> str:
    """The first error, phrased for a user. A number that fits neither int nor float reports
    the float branch's reason ("a valid number", "a finite number")."""
    errors = exc.errors()

    def clean(error: Any) -> list[str | int]:
        return [part for part in error["loc"] if not _INTERNAL_LOC.fullmatch(str(part))]

    where = clean(errors[0])
    same_place = [e for e in errors if clean(e) == where]
    error = next((e for e in same_place if "float" in e["loc"]), same_place[0])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"field {field_path(where)}: {message}" if where else message


def plain(value: Any) -> Any:
    """Numpy scalars and arrays (and tuples) as JSON-ready Python floats, ints and lists."""
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (np.integer, bool)):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
