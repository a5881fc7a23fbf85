"""Paper exams read back: scans of the answer sheets that ``quizgen paper --sheet`` printed,
read by the layout it wrote (``sheet-layout.json``), into the answers ``quizgen grade`` marks.

- :mod:`quizgen.scan.layout` reads the layout file;
- :mod:`quizgen.scan.images` turns PDFs and images into grey pages;
- :mod:`quizgen.scan.register` finds a page's QR code and corner marks and straightens it;
- :mod:`quizgen.scan.marks` measures each box and decides empty, filled or cancelled;
- :mod:`quizgen.scan.fields` turns a field's boxes into an answer, or a reason to ask;
- :mod:`quizgen.scan.batch` reads a batch and writes answers, report and review queue.
"""
