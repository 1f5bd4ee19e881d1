"""``python -m infoplane.cli``: the same as the ``infoplane`` command."""

import sys

from . import main

sys.exit(main())
