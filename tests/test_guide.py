"""The guide's sections beyond the seed's: one shipped Markdown file per topic, whose heading is
the topic's section, and whose worked example (a record in a fenced YAML block) quizgen
reproduces to the places it shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from quizgen.core.resources import GUIDE
from quizgen.topics import registry

#: The seed guide's sections (/work/shared/seed): their worked examples are in test_seed_examples.
SEED_SECTIONS = range(1, 11)
RECORD = re.compile(r"```yaml\n(.*?)```", re.S)
BEYOND_SEED = [t for t in registry().values() if t.section not in SEED_SECTIONS]


def guide_file(section: int) -> Path:
    (path,) = GUIDE.glob(f"{section:02d}-*.md")
    return path


def rounded(value, places: int):
    if isinstance(value, list):
        return [rounded(v, places) for v in value]
    return round(float(value), places)


@pytest.mark.parametrize("topic", BEYOND_SEED, ids=lambda t: t.name)
def test_a_topic_beyond_the_seed_has_a_guide_section_headed_by_its_number_and_title(topic):
    first = guide_file(topic.section).read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# {topic.section}. {topic.section_title}"


@pytest.mark.parametrize("topic", BEYOND_SEED, ids=lambda t: t.name)
def test_the_guide_sections_worked_example_is_reproduced(topic):
    text = guide_file(topic.section).read_text(encoding="utf-8")
    (block,) = RECORD.findall(text)
    record = yaml.safe_load(block)
    assert record["topic"] == topic.name
    answer = topic.solve(topic.parse(record["params"])).answer
    for key, shown in record["answer"].items():
        assert rounded(answer[key], 4) == rounded(shown, 4), key


def test_every_guide_file_belongs_to_a_topic():
    sections = {t.section for t in registry().values()}
    for path in GUIDE.glob("*.md"):
        assert int(path.name.split("-")[0]) in sections, path.name
