"""Pure mapping code between the tracker's records and exchange formats (no Django ORM).

Records are plain dicts as claims.services.exports reads them from the database (see
`tables.TABLES` for their keys); each module turns them into one format or reads one format
back into such dicts: `tables` (CSV and JSON Lines), `w3c` (Web Annotation JSON-LD),
`claimreview` (schema.org), `aif` (AIFdb JSON), `brat` (standoff), `files` (zips, text
files). Errors meant for users are `InterchangeError` with a readable message.
"""


class InterchangeError(ValueError):
    """Input that cannot be read; the message says why, for the person importing it."""
