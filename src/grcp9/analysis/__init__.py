"""The analysis layer: every computation the edition publishes, as functions of the loaded data.

``survey`` (the survey's answers and rates), ``annex`` (the survey annex as the report printed it),
``meeting`` (the GRCP 9 meeting), ``compare`` (waves side by side), ``ledger`` (each claim of the
report recomputed) and ``coverage`` (every numeral of the report's text accounted for). It reads
only the data layer.
"""
