"""What runs inside the Rasa process besides the NLU components: the tracker and lock stores the endpoints files
name, the description of Rasa's `events` table, the graph runner, and the patches of Rasa internals behind
`patches.apply()`. `python -m plugins <rasa command>` is Rasa's command line with all of it in place."""
