"""Floor 3, exam building: blueprints, derivation banks, item codes, rosters, and exams built
once from a blueprint and a seed (problems drawn from the topics)."""
