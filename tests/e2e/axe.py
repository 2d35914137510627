"""Accessibility checks with axe-core (installed into tests/e2e/node_modules by run.sh).

A page fails on any "serious" or "critical" violation. Lesser ones are collected and listed at the
end of the run (see conftest.pytest_terminal_summary) so they are seen without failing the build.
"""

from pathlib import Path

AXE_SCRIPT = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}

# (url, rule id, impact, targets) for every minor or moderate violation seen this run.
lesser_violations = []

RUN_AXE = """
async () => {
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    targets: violation.nodes.map((node) => node.target.join(" ")),
  }));
}
"""


def axe_violations(page):
    """Every axe violation on the page as it is now."""
    if not AXE_SCRIPT.exists():
        raise RuntimeError(f"{AXE_SCRIPT} is missing: run `make e2e`, which installs axe-core.")
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    return page.evaluate(RUN_AXE)


def describe(violation):
    targets = ", ".join(violation["targets"])
    return f"{violation['id']} ({violation['impact']}): {violation['help']} -> {targets}"


def assert_accessible(page):
    """Fail if axe finds a serious or critical problem on the page."""
    violations = axe_violations(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    for violation in violations:
        if violation["impact"] not in BLOCKING_IMPACTS:
            lesser_violations.append((page.url, describe(violation)))
    assert not blocking, f"Accessibility problems on {page.url}:\n" + "\n".join(
        f"  {describe(v)}" for v in blocking
    )
