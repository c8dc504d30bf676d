"""dosecalc: chemotherapy dose and regimen calculator.

The engine is a library; the ``dosecalc`` command is a thin adapter over
:mod:`dosecalc.api`. This module stays light (no Pint) so the command line
starts fast; import ``dosecalc.api`` for the Python API.
"""

__version__ = "0.1.0"
