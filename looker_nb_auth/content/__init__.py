"""Saved content to find and reuse from a notebook: ``session.looks()``, ``session.dashboards()``
and ``session.look(id)``, whose query can be run with other filters without changing the Look."""

from .info import DashboardInfo, LookInfo
from .listing import Dashboards, Looks
from .look import Look
from .look_query import LookQuery

__all__ = ["DashboardInfo", "Dashboards", "Look", "LookInfo", "LookQuery", "Looks"]
