"""Reports to text: tables, JSON, CSV, iCalendar, printable HTML, and files.

``text`` prints the reports of ``bsa``, ``dose``, ``regimens``, ``check`` and
``demo``; ``calendar`` prints a calendar (table, month grids, JSON, CSV) and
dispatches to ``ics`` and ``html``, which import their heavy libraries
(icalendar, Jinja2) and so are imported only when that format is asked for.
``common`` holds what they share; ``files`` writes a file whole or not at all.
A renderer takes a report and calls nothing of the engine.
"""
