"""Reading the household page's form into the household's inputs.

The page is one form with repeated rows (caregivers, children), so it is read by hand:
every value typed is kept (a wrong one is shown back with its problem), and the estimator
core does the validating.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from django import forms

from rootmap.core.limits import direction_problem, name_problem
from rootmap.web.caregiving.services import empty_challenge, empty_inputs


def _shown(value: str, check: Any = name_problem) -> str:
    """A name the household list, its report and the CSV show: refused with a direction
    control (it reverses the text after it) or, for a household's name or id, nothing visible."""
    problem = check(value)
    if problem:
        raise forms.ValidationError(f"This {problem}.")
    return value


class HouseholdForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120,
                           help_text="How your team refers to the home, for example: Dana and Rob (foster).")
    reference = forms.CharField(label="Household id", max_length=40,
                                help_text="Your organisation's own id, for example H-0201.")

    def clean_name(self) -> str:
        return _shown(self.cleaned_data["name"])

    def clean_reference(self) -> str:
        return _shown(self.cleaned_data["reference"])


# More rows than any household has; a forged form with more is read up to here.
MAX_CAREGIVER_ROWS = 20
_CAREGIVER_FIELD = re.compile(r"caregiver-(\d{1,3})-(?:name|role)")


def _rating(value: str | None) -> Any:
    """'' -> None (not rated), '3' -> 3; anything else is kept for the validator to name."""
    if value is None or value.strip() == "":
        return None
    text = value.strip()[:40]
    return int(text) if text.isascii() and text.lstrip("-").isdigit() else text


def inputs_from_post(post: Mapping[str, Any], current: Mapping[str, Any],
                     locked: Collection[int] = ()) -> dict[str, Any]:
    """The household's inputs as typed. Children keep who they are from `current`.

    A child in `locked` (by place) is one the person posting may not see: the page shows
    no fields for it, so it is kept exactly as stored, never cleared or removed; so is a
    child the post has no fields for at all (added after the page was loaded).
    """
    inputs = empty_inputs()
    # The rows are the ones posted, not the page's hidden "caregiver-count": a stale or
    # edited count must not drop a caregiver whose name was sent.
    rows = sorted({int(match.group(1)) for key in post if (match := _CAREGIVER_FIELD.fullmatch(key))})
    for n in rows[:MAX_CAREGIVER_ROWS + 1]:  # the household's rows and the empty one for adding
        name = (post.get(f"caregiver-{n}-name") or "").strip()
        role = (post.get(f"caregiver-{n}-role") or "").strip()
        if (name or role) and not post.get(f"caregiver-{n}-remove"):
            inputs["caregivers"].append({"name": name, "role": role})
    for group in ("internal", "external"):
        for item in inputs[group]:
            inputs[group][item] = _rating(post.get(f"{group}-{item}"))
    posted_children = {key.split("-", 2)[1] for key in post if key.startswith("child-") and key.count("-") >= 2}
    for n, child in enumerate(current.get("children", [])):
        # A child the page did not show (one it may not see, or one added after the page
        # was loaded, in another tab or by a colleague) is kept exactly as stored: a post
        # without its fields must not clear its ratings.
        if n in locked or str(n) not in posted_children:
            inputs["children"].append(dict(child))
            continue
        if post.get(f"child-{n}-remove"):
            continue
        challenge = {item: _rating(post.get(f"child-{n}-{item}")) for item in empty_challenge()}
        age = child.get("age_months")
        name = child.get("name") or ""
        if child.get("client_pk") is None:
            age = _rating(post.get(f"child-{n}-age_months"))
            name = (post.get(f"child-{n}-name") or name).strip()[:120]
        inputs["children"].append({
            "client_pk": child.get("client_pk"),
            "name": name,
            "age_months": age,
            "challenge": challenge,
            "prefilled_from": child.get("prefilled_from"),
            "challenge_shared": bool(child.get("challenge_shared")),
        })
    return inputs


class AddOtherChildForm(forms.Form):
    name = forms.CharField(label="Name or description", max_length=120, required=False,
                           help_text="Optional, for example: birth child, or infant sibling.")
    years = forms.IntegerField(label="Age: years", min_value=0, max_value=25)
    months = forms.IntegerField(label="and months", min_value=0, max_value=11, required=False)

    def clean_name(self) -> str:
        return _shown(self.cleaned_data.get("name", ""), direction_problem)

    def age_months(self) -> int:
        return 12 * self.cleaned_data["years"] + (self.cleaned_data.get("months") or 0)


AGE_PROBLEM = "Give the child's age in years (0 to 25) and months (0 to 11)."


def what_if_from_post(post: Mapping[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any], list[str]]:
    """A prospective child (when an age is given), raised resource items, as typed, and
    the problems with the age: the bounds of "Add a child" (-1 years and 30 months was
    a child of 18 months)."""
    child, problems = None, []
    years, months = post.get("whatif-years", ""), post.get("whatif-months", "")
    if str(years).strip() or str(months).strip():
        age_form = AddOtherChildForm({"years": years if str(years).strip() else "0", "months": months})
        if age_form.is_valid():
            age: Any = age_form.age_months()
        else:
            age, problems = f"{years} years {months} months", [AGE_PROBLEM]
        child = {"age_months": age, "client_id": None,
                 "challenge": {item: _rating(post.get(f"whatif-{item}")) for item in empty_challenge()}}
    raised: dict[str, Any] = {}
    for n in range(3):
        item = (post.get(f"raise-{n}-item") or "").strip()
        if item:
            raised[item] = _rating(post.get(f"raise-{n}-value"))
    return child, raised, problems
