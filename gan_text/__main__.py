"""``python -m gan_text ...``: see :mod:`gan_text.cli`."""

import sys

from .cli import main

sys.exit(main())
