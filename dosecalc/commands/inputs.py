"""What every command's request shares: the patient as typed and the library.

Kept free of the engine (no Pint, no YAML) so that the command line can build
a request at the boundary and only then import the command that runs it.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A value as typed: "165 cm", "136.7 lb", "0.8 mg/dL", or a bare number
#: (cm, kg, years; a bare creatinine is refused, its two scales overlap).
Typed = str | int | float

#: The folders given with ``--regimens`` / ``--policies`` (also the
#: environment variables), searched after the shipped library.
Folders = tuple[str, ...]


@dataclass(frozen=True)
class PatientInput:
    """The patient as typed; :func:`dosecalc.commands.common.resolve_patient`
    reads it (units, plausibility) into a :class:`dosecalc.model.Patient`."""

    height: Typed | None = None
    weight: Typed | None = None
    sex: str | None = None
    age: Typed | None = None
    scr: Typed | None = None  # serum creatinine
    gfr: Typed | None = None  # measured GFR, absolute ("95 mL/min")
    accept_implausible: bool = False

    @property
    def measured(self) -> bool:
        """Whether height or weight was given (doses in mg are wanted)."""
        return self.height is not None or self.weight is not None

    def given_measurements(self) -> dict[str, Typed | None]:
        """Height to creatinine as given, under the keyword API's names and
        in its order (the provenance record of ``dose`` and ``calendar``)."""
        return {
            "height": self.height,
            "weight": self.weight,
            "sex": self.sex,
            "age": self.age,
            "scr": self.scr,
        }


@dataclass(frozen=True)
class Library:
    """Where regimens, policies and the drug reference are read from: the
    shipped files, plus the extra folders given. ``drug_reference`` is a drug
    reference file to read instead of the shipped one (None: the shipped one)
    for the vial sizes, the anthracycline factors and the provenance record of
    ``dose`` and ``calendar``; the regimen reader's usual-dose check and the
    checker read the shipped reference."""

    regimen_dirs: Folders = ()
    policy_dirs: Folders = ()
    drug_reference: str | None = None


#: The shipped library alone (no extra folders).
SHIPPED = Library()
