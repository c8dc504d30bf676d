"""One module per command: a typed request in, a typed report out.

``bsa``, ``dose``, ``calendar``, ``regimens``, ``check``, ``reproduce`` and
``demo`` each hold the request and report of one ``dosecalc`` command and the
``run`` function between them. :mod:`dosecalc.commands.inputs` holds what every
request shares (the patient as typed, the data folders); it imports nothing of
the engine, so the command line can build a request before paying for Pint.
:mod:`dosecalc.api` re-exports the commands as plain keyword functions.
"""
