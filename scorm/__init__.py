"""scorm: a library that knows SCORM 1.2 and 2004 4th edition, and nothing of Moodle.

It loads course sources, writes manifests and SCO pages, zips packages reproducibly and validates any package.
"""
