"""Marking a class's answers: whose paper is whose, reading the answer files, marking each part
as the printed key says, and what the class got wrong."""
