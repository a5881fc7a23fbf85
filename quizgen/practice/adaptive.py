"""Adaptive practice: lean toward the weakest topics, raise difficulty with success.

The rule, in full:

- **Topic.** Each topic's weight is its smoothed error rate over all recorded attempts,
  ``(wrong + 1) / (attempts + 2)``; a topic never tried weighs 1/2. The next topic is drawn with
  probability proportional to its weight, so weak topics come up more, and none disappears.
- **Difficulty.** Take the topic's last 6 answered parts. If at least 5 were right, go one level
  above the hardest level among them; if at most 3 were right, one level below the easiest;
  otherwise stay at the most recent level. A topic with no history starts at easy.
- **Form.** The problem is asked in one of the session's forms that its topic has (every form,
  unless the student chose some), drawn uniformly. A topic's weight counts its mistakes in
  every form, so a topic got wrong in one form comes back, possibly in another: the idea is
  practised, not one recipe.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from quizgen.core.model import DIFFICULTIES, Difficulty
from quizgen.practice.history import TopicStats

if TYPE_CHECKING:
    from quizgen.practice.shared_history import AnyHistory

WINDOW = 6
UP_AT = 5
DOWN_AT = 3


def topic_weights(names: Sequence[str], stats: Sequence[TopicStats]) -> list[float]:
    """(wrong + 1) / (attempts + 2) for each topic, in the order of ``names``.

    >>> topic_weights(["a", "b"], [TopicStats("a", attempts=8, correct=8)])
    [0.1, 0.5]
    """
    by_topic = {s.topic: s for s in stats}
    weights = []
    for name in names:
        s = by_topic.get(name, TopicStats(name, 0, 0))
        weights.append((s.attempts - s.correct + 1) / (s.attempts + 2))
    return weights


def next_difficulty(recent: Sequence[tuple[bool, str]]) -> Difficulty:
    """The level for a topic from its latest (correct, difficulty) attempts, newest first.

    >>> next_difficulty([(True, "easy")] * 6), next_difficulty([(False, "medium")] * 6)
    ('medium', 'easy')
    >>> next_difficulty([])
    'easy'
    """
    window = list(recent[:WINDOW])
    if not window:
        return "easy"
    levels = [DIFFICULTIES.index(d) for _, d in window if d in DIFFICULTIES]
    right = sum(correct for correct, _ in window)
    if len(window) == WINDOW and right >= UP_AT:
        return DIFFICULTIES[min(max(levels) + 1, len(DIFFICULTIES) - 1)]
    if len(window) == WINDOW and right <= DOWN_AT:
        return DIFFICULTIES[max(min(levels) - 1, 0)]
    return DIFFICULTIES[levels[0]]


def pick(
    rng: np.random.Generator, names: Sequence[str], history: AnyHistory
) -> tuple[str, Difficulty]:
    """The next topic and difficulty for an adaptive session."""
    weights = np.array(topic_weights(names, history.topic_stats()))
    topic = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    return topic, next_difficulty(history.recent(topic, WINDOW))
