"""lmsbridge: SCORM packages of the training modules, and a safe scheduled sync of the programmes into Moodle."""

__version__ = "0.1.0"
