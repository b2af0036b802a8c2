"""`python -m publics_demo --scale 0.05 --seed 42 --out DIR`"""

import sys

from publics_demo import main

sys.exit(main())
