"""Building blocks of ``dosecalc check``: reading what a clinical note says.

The frequency vocabulary ("toutes les 3 semaines", "q6h") lives in
``dosecalc.vocabulary`` (the drug reference uses it too);
``written`` parses doses as written ("75mg/m2", "4/0.5 g"), ``extract`` finds
dates, cycle counts and durations, and ``reading`` reads the treatments a free
text states (drugs, doses, frequencies, dates). None of these judge anything;
the checker compares what they read with the regimen library and the drug
reference.
"""
