"""``python -m scoring``: the ``hailong-score`` CSV scorer."""

import sys

from .cli import main

sys.exit(main())
