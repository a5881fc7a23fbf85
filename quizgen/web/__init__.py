"""The browser face: ``quizgen serve``, practice for one student or a class, on the same engine
as the terminal quiz."""
