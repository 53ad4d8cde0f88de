"""``python -m commission_cli``: the same as the ``commission`` command."""

from .cli import main

if __name__ == "__main__":
    main()
