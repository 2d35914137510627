"""Reading a person's download back: every file parsed (CSV to rows of dicts, JSON to objects)."""

import csv
import io
import json
import zipfile


def read_zip(content: bytes) -> dict:
    """{file name: parsed content} of the zip: a CSV file as a list of dicts (its headings as
    keys), account.json and other JSON as objects, README.txt as text."""
    files = {}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8")
            if name.endswith(".csv"):
                files[name] = list(csv.DictReader(io.StringIO(text)))
            elif name.endswith(".json"):
                files[name] = json.loads(text)
            else:
                files[name] = text
    return files


def every_value(files: dict) -> str:
    """Every file's text together, to look for what must not be there."""
    return json.dumps(files, ensure_ascii=False)
