"""The office console: the whole job in a local browser page, built on the review station.

Each page is a router module of its own (``home``, and those the console grows: roster,
printing, returns, reports, settings, audit, online records); ``app.create_console_app``
serves them before the review station's pages, over one workspace and one guard.
"""
