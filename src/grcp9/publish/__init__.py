"""The publishing layer: what a chapter shows of a computation.

``figures`` declares each figure and table once (its computation's columns, files, caption and
links), ``style`` draws them, ``markdown`` writes tables as text, and ``results`` glues a value into
the book and records it for the tests in the same call.
"""
