"""The de-identified research export: keyed pseudonyms, dates shifted per client, no names
and no free text."""
