"""``python -m infobase_odata serve samples/trade`` is the same as the console script."""

import sys

from .cli import main

sys.exit(main())
