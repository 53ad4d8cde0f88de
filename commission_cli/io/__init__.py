"""Files in and out, safely: what is read, and where it goes.

* ``documents``: YAML and JSON documents read with the text as written and where each
  value was (:func:`~.documents.read_document`), within the tool's limits;
* ``registers``: a register read as a stream of rows, CSV or JSON Lines
  (:func:`~.registers.open_register`), every row bounded and numbered;
* ``files``: output written whole or not at all (:func:`~.files.open_output`,
  :func:`~.files.write_output`), never over a device, a FIFO or the input.

Each is imported by name: nothing is imported here, so that loading one does not
load the rest.
"""
