"""Sources of an assessment: informant roles, hours by activity, and the files of documents reviewed."""
