"""The data layer: the survey data package, validated and loaded as typed tables.

``load(data_dir)`` is how notebooks, the analysis and the tests read a data package; it checks the
package against its ``datapackage.json`` and the project's own rules before it returns anything.
"""

from grcp9.data.package import NOT_APPLICABLE, NOT_ATTRIBUTED, NUMERIC_UNITS, REPORTED, SurveyData, Wave, load

__all__ = ["NOT_APPLICABLE", "NOT_ATTRIBUTED", "NUMERIC_UNITS", "REPORTED", "SurveyData", "Wave", "load"]
