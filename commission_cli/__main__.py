"""``python -m commission_cli``: the same as the ``commission`` command."""

from .script import main

if __name__ == "__main__":
    main()
