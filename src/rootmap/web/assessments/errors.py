"""The errors the assessment services raise: each carries a message fit to show the
clinician as it is (views catch them; nothing was saved when one is raised)."""

from __future__ import annotations


class AssessmentError(Exception):
    """A write was refused; `str(error)` says why in the clinician's words."""


class AssessmentLocked(AssessmentError):
    """The assessment is finalised: it never changes (amend it instead)."""


class AssessmentConflict(AssessmentError):
    """The page was built from an older revision than the one stored."""


class FieldInvalid(AssessmentError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class DraftInvalid(AssessmentError):
    """Several fields were refused at once (whole-form save); nothing was saved."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class PasswordRejected(AssessmentError):
    pass


class FinaliseRefused(AssessmentError):
    """The assessment is not complete or valid enough to finalise.

    `errors` maps entry-page fields to messages; `problems` holds the rest.
    """

    def __init__(self, errors: dict[str, str], problems: list[str]) -> None:
        super().__init__("; ".join([*errors.values(), *problems]))
        self.errors = errors
        self.problems = problems


class UndeterminedUnconfirmed(AssessmentError):
    """Too little is rated to say where to start, and the clinician has not confirmed
    signing it anyway with a reason (clinical model, section 6). Nothing was saved.

    `field` is the finalise-page field to show the message beside.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
