"""What the tool reasons about, with no rule pack's content in it.

* ``money``: the one grammar for sums of money (:func:`~.money.parse_money`) and how
  pounds are printed;
* ``values``: how each kind of field is read (text, money, numbers, lengths, yes/no,
  choices, dates), as the text written;
* ``fields``: a purchase field as a pack declares it (:class:`~.fields.FieldDecl`) and
  the four every pack has;
* ``purchase``: :class:`~.purchase.Purchase`, the pydantic model a pack's fields make
  (:func:`~.purchase.purchase_model`) and :func:`~.purchase.validate`, which names every
  problem at once;
* ``decision``: :class:`~.decision.Decision` and the parts a verdict shares;
* ``validation``: pydantic's errors in the tool's own words;
* ``schemas``: the JSON Schemas of a pack's input and output.

Each is imported by name (``from commission_cli.model.purchase import Purchase``):
nothing is imported here, so that loading one does not load the rest.
"""
