"""One error family: the CLI turns a QuizgenError into a one-line message and a non-zero exit."""


class QuizgenError(Exception):
    """A problem with the user's input or request, with a message fit to show as it is."""


class ParamsError(QuizgenError):
    """A problem's parameters are malformed or impossible; the message names the field."""
