"""The application core the front ends share: the app (service), settings, answers, corpus changes."""
