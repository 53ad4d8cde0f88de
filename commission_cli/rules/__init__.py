"""Rule packs: their shape, their conditions, loading and checking them, and what they
do with values (gaps and overlaps).

- :mod:`.schema`: the pydantic models of a pack's YAML;
- :mod:`.conditions`: the small test language of ``when:``;
- :mod:`.check`: every problem of a pack at once, then its compiled form;
- :mod:`.compiled`: :class:`Rules`, what the engine reads;
- :mod:`.load`: finding a pack (a file, or a shipped one) and loading it;
- :mod:`.reach`: can a family or method ever apply (checked on every load);
- :mod:`.analysis`: the gaps and overlaps ``rules check`` reports;
- :mod:`.glossary`: the glossary a pack names, and looking terms up;
- :mod:`.words`: bands and conditions in words.
"""

from .compiled import CompiledMethod, Rules
from .load import DEFAULT_PACK, load_rules, shipped_packs

__all__ = ["DEFAULT_PACK", "CompiledMethod", "Rules", "load_rules", "shipped_packs"]
