"""Runs in the kernel: the secrets of a login, the user's clients, and the widget.

``session.py`` (``LookerSession``: steps 1 and 4, start and redeem), ``pickup.py`` (step 3: take
the answer from the server extension), ``loopback.py`` (step 2 and 3 without one: the kernel's
own listener on a loopback redirect URI), ``refresh.py`` and ``auth.py`` (step 5: the token
behind every client), ``sdk.py`` (looker_sdk on that token), ``cache.py`` (the opt-in token
cache), ``login.py`` (``login()``: the controller) and ``widget.py`` (the button).
"""
