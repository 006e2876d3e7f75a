"""Custom actions of the #YouAreNotAlone assistant (run by `rasa run actions`)."""
