"""Every SQL statement, through SQLAlchemy: engines and errors (engine.py), one capability
record per dialect (dialects.py), the window's and the baseline's queries (queries.py), the
shared SQL builders (sql.py), counts (counts.py), outcome tallies (outcomes.py), rows read into
pandas (frames.py) and tables written for tests and the demo (tables.py)."""
