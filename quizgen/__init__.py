"""quizgen: seeded, exactly solved exam problems for the mathematics of deep neural networks."""

__version__ = "0.1.0"
