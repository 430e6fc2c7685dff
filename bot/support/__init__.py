"""The support agent's side of a ticket: the customer's details and the reply text (no Textual)."""
