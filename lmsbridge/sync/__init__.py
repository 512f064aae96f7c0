"""The sync: programme files, rosters and results in; Moodle in line with them out. Its modules are the stages:

    sources/   (programme files, rosters, results)  ->  desired.py   what Moodle should hold
    reader.py  (reads the live site)                 ->  actual.py    what it holds, and the Scope read
    planner/   desired + actual -> plan.py (pure, one function per entity; safety.py checks the thresholds)
    apply/     plan -> web-service calls, one module per concern; journal.py records every action
    run.py     plan, apply, sync, under the state dir's lock, as settings.py says; schedule.py repeats it;
               outcome.py, summary.py and metrics.py tell how a run went

Import what you use from its module (``from lmsbridge.sync.run import run_sync``): this face loads nothing, so
that the reports can read the programme files without loading the pipeline.
"""
