"""Which school a command works on: the schools of a workspace with their policy profiles, and
who may see which school. Built on the store; every stage that reads or writes one school's
data (roster, printing, readback, ingest, reports) asks here, below the district's reports."""
