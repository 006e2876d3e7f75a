"""`make bench`: our bot against stock Rasa's starter bot, under the same closed-loop REST load."""
