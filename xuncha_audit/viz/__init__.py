"""Plotly figure builders shared by the HTML report and the notebooks."""

from xuncha_audit.viz.figures import (
    amount_by_check,
    data_quality,
    findings_by_area_check,
    findings_by_area_severity,
    findings_by_severity_route,
    profile_chart,
    spending_timeline,
    top_entities,
)

__all__ = [
    "amount_by_check",
    "data_quality",
    "findings_by_area_check",
    "findings_by_area_severity",
    "findings_by_severity_route",
    "profile_chart",
    "spending_timeline",
    "top_entities",
]
