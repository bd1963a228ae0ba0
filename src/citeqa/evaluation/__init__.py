"""Question sets and `citeqa eval`: questions.py (the model of a set), loader.py and bench.py (reading
YAML and JSONL sets), checking.py (one answer against its expectations), metrics.py, running.py,
reports.py (JSON, JUnit, baseline diff) and command.py (the command).
"""
