"""``python -m looker_nb_auth.fake_looker``: run the Looker stand-in."""

import sys

from ._cli import main

sys.exit(main())
