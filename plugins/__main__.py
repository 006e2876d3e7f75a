"""`python -m plugins <rasa command> [options]`: Rasa's command line with the settings' defaults in the environment
(the endpoints files read them) and Rasa patched (plugins/patches.py). The Makefile runs every Rasa command this
way, so `make run`, `make stories` and `make shell` run the code that ships. `run`, the server, also refuses
TensorFlow (plugins/serving_imports.py): a replica holds about 290 MB instead of about 740 MB.
"""

import sys

from ops.settings import fill_environment
from plugins import serving_imports

if __name__ == "__main__":
    fill_environment()
    if sys.argv[1:2] == ["run"]:
        serving_imports.install()  # before anything imports Rasa

    from rasa.__main__ import main as rasa_main

    from plugins import patches

    patches.apply()
    sys.exit(rasa_main())
