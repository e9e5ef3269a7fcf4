"""The terminal front ends: the `newsbot` command, the REPL, and how answers and progress look there."""
