"""Personal data the service keeps: private files, retention and purge, screening of free text."""
