"""The rule packs that ship with commission (installed as commission_cli.packs)."""
