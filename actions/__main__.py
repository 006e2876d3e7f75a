"""`python -m actions`: rasa_sdk's action server for this package, with the settings applied (ops/settings.py).

It is what `rasa run actions` runs, without first importing Rasa (about 80 MB resident and 2 s of CPU).
"""

import os
import sys

from ops.settings import fill_environment

if __name__ == "__main__":
    settings = fill_environment()
    from rasa_sdk.__main__ import main

    os.environ["SANIC_HOST"] = settings.action_server_host  # rasa_sdk's listening address
    verbosity = {"DEBUG": ["-vv"], "INFO": ["-v"]}.get(settings.log_level.upper(), ["--quiet"])
    sys.argv = [sys.argv[0], "--actions", "actions", "--port", str(settings.action_server_port), *verbosity]
    main()
