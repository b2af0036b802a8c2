"""`python -m ingestion.demo --scale 0.05 --seed 42 --out DIR`"""

import sys

from ingestion.demo import main

sys.exit(main())
