"""Input channels of the #YouAreNotAlone assistant: Rasa's own connectors with the checks this service needs."""
