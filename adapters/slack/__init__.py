"""Paperboy on Slack: a slack-bolt AsyncApp (`app.py`), Block Kit rendering (`blocks.py`),
payload translation (`translate.py`), the ChatPort (`chat.py`) and `serve()` (`runner.py`)."""
