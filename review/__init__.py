"""The trainers' review tool: conversation logs over Rasa's tracker store, with sign-in, redaction and export."""
