"""The build, on top of the other layers: parameters, notebooks, book, PDF and release.

    python -m grcp9.build book --data-dir data --wave '' --compare ''   # make book
    python -m grcp9.build html --data-dir data --wave '' --compare ''   # make html (HTML only)
    python -m grcp9.build params --data-dir data --wave ''              # validate, execute nothing
    python -m grcp9.build release                                       # make release

``params`` validates the data and parameters once and gives one ``Params`` object to the other
steps; ``notebooks`` executes with papermill the notebooks whose inputs changed, in warm kernels
(``kernels``); ``book`` builds HTML and PDF with Jupyter Book and LaTeX and replaces ``_build/``
only when both succeeded; ``release`` packages a built book. Every step that skips work does so by
the one rule of ``grcp9.hashing``.
"""
