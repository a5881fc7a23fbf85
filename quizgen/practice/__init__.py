"""Floor 5, practice: the UI-free session engine (choosing problems, adaptive weights,
reading typed answers, checking them, hints, history); the faces only ask and print."""
