"""python -m bench.console_proxy (bench/run console_proxy once the runner accepts packages)."""

import sys

from bench.console_proxy.run import main

sys.exit(main())
