"""Logging filters for the site's LOGGING setting."""

import logging


class ClientErrorsOnOneLine(logging.Filter):
    """A 4xx answer is a normal answer (someone without the role, a page that is not there):
    Django logs it with the exception's traceback, which buries real errors. Keep the one line
    ("Forbidden (Permission denied): /programme/") and drop the traceback; 5xx keep theirs."""

    def filter(self, record):
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
