"""Fieldwork, beside the analysis: a wave's questionnaire out to a survey tool and its answers back.

``xlsform`` writes the questionnaire as an XLSForm for KoBoToolbox and ODK, ``importer`` reads their
exports into the data package, and ``waves`` merges one wave's package into another.
"""
