"""`python -m hub.cli …`: the same command as `ronghub …`."""

from hub.cli.commands import main

if __name__ == "__main__":  # imported (a test walks every module), it does nothing
    main()
