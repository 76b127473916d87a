"""What the user sees in a notebook (or a terminal): ``login()``, the widget, progress lines.

``login.py`` (``login()``: the controller that ties a ``LookerSession`` to a receiver and the
widget), ``widget.py`` (the anywidget button; its ES module is built from the top-level ``js/``
into ``static/``) and ``progress.py`` (a query's status line under the cell or on a terminal).
"""
