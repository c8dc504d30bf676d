"""dosecalc: chemotherapy dose and regimen calculator.

The engine is a library; each command is a module of :mod:`dosecalc.commands`
(re-exported by :mod:`dosecalc.api`, the Python API), and the ``dosecalc``
command line only turns options into their requests (docs/architecture.md).
This module stays light (no Pint) so the command line starts fast.
"""

__version__ = "0.1.0"
