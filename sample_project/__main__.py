"""``python -m sample_project`` runs the demo."""

import sys

from sample_project.demo import main

sys.exit(main())
