"""`python -m hub.cli …`: the same command as `ronghub …`."""

from hub.cli.commands import main

main()
