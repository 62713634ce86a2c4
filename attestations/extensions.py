"""What the apps above attestations add to its pages, without attestations importing them.

The browser extension (an app above this one) lists an employee's paired devices on /me/ and
lets them pair a new one: it registers a section here in its ``ready()``. With nothing
registered, /me/ shows no such section.
"""

from collections.abc import Callable
from typing import Any

MeSection = Callable[..., str]
_sections: list[MeSection] = []


def provide_me_section(function: MeSection) -> None:
    """Register ``function(request=..., employee=...) -> HTML`` (safe, rendered) for /me/; once per function."""
    if function not in _sections:
        _sections.append(function)


def me_sections(*, request: Any, employee: Any) -> list[str]:
    """The registered sections of /me/, rendered for this employee, in registration order."""
    return [section(request=request, employee=employee) for section in _sections]
