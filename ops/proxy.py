"""nginx in front of the Rasa replicas: renders deploy/nginx/nginx.conf.template with the settings' ports and limits.

The supervisor (ops/supervisor.py) runs nginx in the foreground on RASA_PORT whenever RASA_REPLICAS > 1, for
`make run` and `make run-prod` alike; `python -m ops.proxy` prints the configuration for a VM (deploy/systemd/).
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

from ops.settings import ROOT, Settings

TEMPLATE = ROOT / "deploy" / "nginx" / "nginx.conf.template"
PLACEHOLDER = re.compile(r"@([A-Z_]+)@")


def render(env: Dict[str, str], prefix: Path, upstreams: List[str]) -> str:
    """The nginx configuration for these settings, upstream addresses (host:port) and working directory."""
    settings = Settings.load(env)
    values = {
        "PREFIX": str(prefix),
        "HOST": settings.public_host,
        "PORT": str(settings.rasa_port),
        "SERVERS": "\n".join(f"        server {address} max_fails=1 fail_timeout=3s;" for address in upstreams),
        "REPLICAS": str(len(upstreams)),
        "BODY_LIMIT": settings.proxy_body_limit,
        "CLIENT_TIMEOUT": f"{settings.proxy_client_timeout:g}",
        "READ_TIMEOUT": f"{settings.proxy_read_timeout:g}",
        "LONGPOLLS": str(settings.proxy_longpolls_per_address),
    }
    return PLACEHOLDER.sub(lambda found: values[found.group(1)], TEMPLATE.read_text())


def command(env: Dict[str, str], upstreams: List[str]) -> List[str]:
    """Writes the configuration to a working directory of its own (per public port) and returns nginx's command line."""
    settings = Settings.load(env)
    prefix = Path(tempfile.gettempdir()) / f"youarenotalone-nginx-{settings.rasa_port}"
    prefix.mkdir(mode=0o755, exist_ok=True)
    config = prefix / "nginx.conf"
    config.write_text(render(env, prefix, upstreams))
    return [settings.nginx_binary, "-p", str(prefix), "-c", str(config), "-e", "stderr"]


def main() -> None:
    """Prints the configuration for the replicas of these settings (RASA_REPLICA_PORTS or the ports after RASA_PORT)."""
    from ops import supervisor

    env = supervisor.environment()
    upstreams = [url.removeprefix("http://") for url in supervisor.replica_urls(env)]
    sys.stdout.write(render(env, Path(sys.argv[1] if len(sys.argv) > 1 else "/var/lib/youarenotalone/nginx"), upstreams))


if __name__ == "__main__":
    main()
