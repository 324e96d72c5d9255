"""The data layer: the survey data package, validated and loaded as typed tables.

``load(data_dir)`` is how notebooks, the analysis and the tests read a data package; it checks the
package against its ``datapackage.json`` (``validation``, with ``frictionless``) and the project's
own coding rules (``rules``) before it returns anything.
"""

from grcp9.data.package import SurveyData, Wave, load
from grcp9.data.rules import NOT_APPLICABLE, NOT_ATTRIBUTED, NUMERIC_UNITS, REPORTED

__all__ = ["NOT_APPLICABLE", "NOT_ATTRIBUTED", "NUMERIC_UNITS", "REPORTED", "SurveyData", "Wave", "load"]
