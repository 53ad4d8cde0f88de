"""The guided interview: asking an officer, on a terminal, for what the rules still need.

- :mod:`.questions`: the reasoning, from the rule pack's fields (what to ask, what an
  answer means, which fields can still change the answer, saving the answers);
- :mod:`.terminal`: the conversation itself, on stderr, one question at a time.
"""

from .questions import (
    AnswerError,
    Interview,
    Question,
    all_questions,
    can_interview,
    fields_that_matter,
    missing_fields,
    purchase_file_text,
    read_answer,
    years_matter,
)

__all__ = [
    "AnswerError",
    "Interview",
    "Question",
    "all_questions",
    "can_interview",
    "fields_that_matter",
    "missing_fields",
    "purchase_file_text",
    "read_answer",
    "years_matter",
]
