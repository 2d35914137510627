from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    kept = []
    for extension, rules in patterns:
        rules = tuple(rule for rule in rules if "sourceMappingURL" not in str(rule))
        kept.append((extension, rules))
    return tuple(kept)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files, served by whitenoise.

    wagtail-nhsuk-frontend ships minified CSS and JS that name source maps it does not ship, so
    source-map references are left alone rather than failing collectstatic. Our own ES modules'
    imports are rewritten to hashed names so browsers may cache them for a year.
    """

    support_js_module_import_aggregation = True
    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
