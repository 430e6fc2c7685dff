"""What customers asked: the conversation log, redaction before storage, and the report built from it."""
