"""``dosecalc serve``: the engine as a local web page (Dose, Calendar, Check, Regimens).

The page calls the same public API as the command line (:mod:`dosecalc.api`)
and the same renderers (:mod:`dosecalc.render`, :mod:`dosecalc.printable`,
:mod:`dosecalc.ics`); it holds no dosing logic of its own. Starlette and
uvicorn come with the optional ``web`` extra and are imported only here, so
no other command pays for them at start-up.
"""
