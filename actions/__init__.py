"""Custom actions of the #YouAreNotAlone assistant (run by the Rasa SDK, `python -m rasa_sdk --actions actions`)."""
